//! What the expansion of `prompt!` uses. Not a stable API.

use std::fmt::{self, Display, Write as _};

pub use crate::embedded::{Embedded, EmbeddedMessage, Text};
pub use crate::{Message, MessageTemplate, Prompt, PromptKind, Role, TemplateFormat};
/// The proc macro behind [`prompt!`](crate::prompt): it takes the path of this crate
/// (`$crate`), a `;`, then the macro's own arguments.
pub use prompt_macros::prompt as prompt_impl;
pub use prompt_sync_render::fstring::{Conversion, Field};
pub use prompt_sync_render::spec::{Align, Spec};
pub use prompt_sync_render::{Seq, Value};
pub use std::borrow::Cow;

/// Checks that a value is `Display` (the error points at the argument) and erases its
/// type, so that no later use repeats the error.
pub fn display<T: Display>(value: &T) -> &dyn Display {
    value
}

/// Appends a value as it displays.
pub fn push_display(out: &mut String, value: &dyn Display) {
    let _ = write!(out, "{value}");
}

/// Appends a value through an f-string conversion and format spec.
pub fn push_field(out: &mut String, value: &dyn Display, conversion: Conversion, spec: Spec) {
    let text = value.to_string();
    let field = Field {
        name: "",
        conversion,
        spec,
        has_spec: false,
    };
    // A string value never fails: conversions and specs of strings always apply.
    let _ = prompt_sync_render::fstring::push_field(&field, &Value::str(&text), out);
}

/// Appends a value HTML-escaped as LangChain's mustache does.
pub fn push_escaped(out: &mut String, value: &dyn Display) {
    let _ = write!(Escaper(out), "{value}");
}

struct Escaper<'a>(&'a mut String);

impl fmt::Write for Escaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        prompt_sync_render::mustache::push_html_escaped(s, self.0);
        Ok(())
    }
}

/// A placeholder's messages.
pub fn messages<I>(messages: I) -> Vec<Message>
where
    I: IntoIterator,
    I::Item: Into<Message>,
{
    messages.into_iter().map(Into::into).collect()
}

/// Appends a placeholder's messages, keeping only the last `n_messages` (0: all).
pub fn push_placeholder(out: &mut Vec<Message>, messages: &[Message], n_messages: usize) {
    let skip = match n_messages {
        0 => 0,
        n => messages.len().saturating_sub(n),
    };
    out.extend(messages.iter().skip(skip).cloned());
}
