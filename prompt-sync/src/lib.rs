//! Prompts from the LangSmith Prompt Hub, embedded in your binary at compile time, and
//! rendered exactly as LangChain renders them.
//!
//! ```
//! use prompt_sync::{Message, Prompt};
//!
//! // build.rs: fn main() { prompt_sync_build::sync(); }
//! const SUMMARIZER: Prompt = prompt_sync::prompt!("doc-summarizer");
//! const SUPPORT: Prompt = prompt_sync::prompt!("doc-support");
//! # fn main() -> Result<(), prompt_sync::RenderError> {
//! println!("{} ({})", SUMMARIZER.content(), SUMMARIZER.sha256());
//!
//! // Rendering, with the variables checked at compile time: a String for a text prompt…
//! let text: String = prompt_sync::prompt!("doc-summarizer", style = "terse", text = "Rust is fast.");
//! assert_eq!(text, "Summarize the following text in a terse style:\n\nRust is fast.\n");
//!
//! // …and messages for a chat prompt, whose placeholder takes messages.
//! let history = vec![Message::human("Hi"), Message::ai("Hello! How can I help?")];
//! let messages: Vec<Message> =
//!     prompt_sync::prompt!("doc-support", name = "Ada", history = &history, question = "Where is my order?");
//! assert_eq!(messages[0], Message::system("You are Ada, a support assistant."));
//! assert_eq!(messages.len(), 4);
//!
//! // The same at run time.
//! assert_eq!(SUMMARIZER.format(&[("style", "terse"), ("text", "Rust is fast.")])?, text);
//! let at_run_time = SUPPORT
//!     .messages_with(&[("name", "Ada"), ("question", "Where is my order?")])
//!     .placeholder("history", &history)
//!     .format()?;
//! assert_eq!(at_run_time, messages);
//! # Ok(())
//! # }
//! ```
//!
//! [`prompt!`] reads the prompt from the package's committed cache
//! (`prompts/langsmith_cache/` by default), checks it against its sync metadata and
//! expands to a [`Prompt`] constant. The build script (`prompt-sync-build`) keeps the
//! cache in step with the hub.
//!
//! # Rendering
//!
//! f-string and mustache templates render byte for byte as `langchain-core` renders
//! them (checked against a corpus generated with langchain-core 1.8.3); jinja2 is
//! never rendered (a clear error). Every form checks the variables: a missing variable
//! is an error naming the prompt and the variables it takes, and so are an unknown or
//! repeated one where values are given one by one; the `prompt!("name", var = …)` form
//! reports these at compile time. The JSON forms take a context, as LangChain's
//! `invoke` does: keys the prompt does not use are ignored.
//!
//! # Features
//!
//! - `json` (default): [`Prompt::format_json`] and [`Prompt::format_messages_json`],
//!   structured values from `serde_json` for mustache sections and placeholders;
//!   [`serde_json`] is re-exported, so `prompt_sync::serde_json::json!` builds them.

mod embedded;
mod error;
mod format;
#[cfg(feature = "json")]
mod json;
mod message;
#[doc(hidden)]
pub mod private;

use std::fmt;
use std::hash::{Hash, Hasher};

/// The `serde_json` that [`Prompt::format_json`] and [`Prompt::format_messages_json`]
/// take values from, so a crate can build them (`prompt_sync::serde_json::json!`)
/// without depending on it, or on a matching version of it, itself.
#[cfg(feature = "json")]
pub use serde_json;

pub use error::{RenderError, RenderErrorKind};
pub use format::FormatMessages;
pub use message::{Message, MessageTemplate, Role};

/// Embeds a cached prompt, after checking its SHA-256 against the sync metadata. A
/// missing, tampered or unmarked-edited prompt is a compile error that names the fix.
///
/// - `prompt!("name")` is a [`Prompt`] (usable in `const` and `static` items).
/// - `prompt!("name", var = expr, …)` renders it: a `String` for a text prompt, a
///   `Vec<Message>` for a chat prompt. Each variable must be one the prompt takes, and
///   every variable it needs must be given; anything else is a compile error listing
///   the prompt's variables. Values are anything `Display` (inserted as they display,
///   f-string specs and mustache escaping applied); a placeholder takes messages
///   (anything iterable over `Message` or `&Message`), and an optional placeholder may
///   be left out. Partial variables from the hub fill what is not given. Templates the
///   macro cannot render from `Display` values (mustache sections, dotted names) are a
///   compile error pointing to [`Prompt::format_json`].
///
/// The expansion names this crate through `$crate`, so `prompt!` also works when the
/// dependency is renamed (`ps = { package = "prompt-sync" }`) or re-exported by another
/// crate.
#[macro_export]
macro_rules! prompt {
    ($($args:tt)*) => {
        $crate::private::prompt_impl!($crate; $($args)*)
    };
}

/// Whether a prompt is one template or a list of chat messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PromptKind {
    /// A `PromptTemplate`.
    Text,
    /// A `ChatPromptTemplate` or `StructuredPrompt`.
    Chat,
}

/// How a prompt's templates mark their variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TemplateFormat {
    /// Python `str.format` style (`{name}`), LangChain's default.
    FString,
    /// Mustache (`{{name}}`).
    Mustache,
    /// Jinja2 (embedded as is; never rendered by prompt-sync).
    Jinja2,
}

impl TemplateFormat {
    /// LangChain's name for it: `f-string`, `mustache` or `jinja2`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TemplateFormat::FString => "f-string",
            TemplateFormat::Mustache => "mustache",
            TemplateFormat::Jinja2 => "jinja2",
        }
    }
}

/// A prompt embedded by [`prompt!`]: its exact cached text, where it came from, and
/// what rendering it needs.
///
/// The templates are parsed, and the variables worked out, at the first call that needs
/// them ([`messages`](Self::messages), [`variables`](Self::variables), a render), once
/// per process.
#[derive(Clone, Copy)]
pub struct Prompt {
    embedded: &'static private::Embedded,
}

impl Prompt {
    /// Used by the expansion of [`prompt!`]; not a stable API.
    #[doc(hidden)]
    pub const fn __embed(embedded: &'static private::Embedded) -> Self {
        Prompt { embedded }
    }

    fn embedded(&self) -> &'static private::Embedded {
        self.embedded
    }

    /// The prompt's name on the hub.
    #[inline]
    pub const fn name(&self) -> &'static str {
        self.embedded.name
    }

    /// The exact cached text (for chat prompts, the sectioned text format).
    #[inline]
    pub const fn content(&self) -> &'static str {
        self.embedded.content
    }

    /// Lowercase hex SHA-256 of [`content`](Self::content).
    #[inline]
    pub const fn sha256(&self) -> &'static str {
        self.embedded.sha256
    }

    /// The hub commit the cached text came from, if the cache knows it.
    #[inline]
    pub const fn hub_commit(&self) -> Option<&'static str> {
        self.embedded.hub_commit
    }

    /// True when the embedded text is a marked local edit not (yet) on the hub.
    #[inline]
    pub const fn locally_modified(&self) -> bool {
        self.embedded.locally_modified
    }

    /// Text or chat.
    #[inline]
    pub const fn kind(&self) -> PromptKind {
        self.embedded.kind
    }

    /// The template format.
    #[inline]
    pub const fn template_format(&self) -> TemplateFormat {
        self.embedded.template_format
    }

    /// The messages: a chat prompt's, in order; a text prompt is one `Human` message
    /// holding its text (what LangChain sends when a text prompt meets a chat model).
    pub fn messages(&self) -> &'static [MessageTemplate] {
        self.compiled().messages
    }

    /// The variables a render needs, as LangChain computes `input_variables` from the
    /// embedded templates: sorted, without partial variables or optional placeholders
    /// (for mustache, the top-level names). For a prompt prompt-sync cannot render
    /// (jinja2), the list the manifest gives.
    pub fn variables(&self) -> &'static [&'static str] {
        self.compiled().plan.variables.as_slice()
    }

    /// Why this prompt cannot be rendered (jinja2, or a template LangChain refuses),
    /// or `None` when it can.
    pub fn render_problem(&self) -> Option<&'static str> {
        self.compiled().plan.problem.as_deref()
    }
}

impl fmt::Debug for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prompt")
            .field("name", &self.name())
            .field("sha256", &self.sha256())
            .field("hub_commit", &self.hub_commit())
            .field("locally_modified", &self.locally_modified())
            .field("kind", &self.kind())
            .field("template_format", &self.template_format())
            .field("content", &self.content())
            .finish()
    }
}

/// Prompts are equal when everything embedded from the cache is (messages and the
/// render plan are derived from it).
impl PartialEq for Prompt {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.embedded, other.embedded);
        std::ptr::eq(a, b)
            || (a.name == b.name
                && a.content == b.content
                && a.sha256 == b.sha256
                && a.hub_commit == b.hub_commit
                && a.locally_modified == b.locally_modified
                && a.kind == b.kind
                && a.template_format == b.template_format)
    }
}

impl Eq for Prompt {}

impl Hash for Prompt {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state);
        self.sha256().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use private::{Embedded, EmbeddedMessage, Text};

    const P: Prompt = Prompt::__embed(&Embedded {
        name: "p",
        content: "Hi {x}",
        sha256: "h",
        hub_commit: Some("c1"),
        locally_modified: false,
        kind: PromptKind::Text,
        template_format: TemplateFormat::FString,
        messages: &[],
        partials: &[],
        problem: None,
        input_variables: &["x"],
    });

    const CHAT_TEXT: &str = "=== system ===\nYou are {who}.\n=== placeholder: history ===\n=== human ===\n\\=== ai ===\n";

    const CHAT: Prompt = Prompt::__embed(&Embedded {
        name: "c",
        content: CHAT_TEXT,
        sha256: "h2",
        hub_commit: None,
        locally_modified: true,
        kind: PromptKind::Chat,
        template_format: TemplateFormat::FString,
        messages: &[
            EmbeddedMessage::Template {
                role: Role::System,
                text: Text::Span(15, 29),
            },
            EmbeddedMessage::Placeholder {
                variable: "history",
                optional: true,
                n_messages: 1,
            },
            EmbeddedMessage::Literal {
                role: Role::Human,
                text: Text::Str("=== ai ===\n"),
            },
        ],
        partials: &[("who", private::Value::Str(private::Cow::Borrowed("Ada")))],
        problem: None,
        input_variables: &[],
    });

    const PRINTS_HISTORY: Prompt = Prompt::__embed(&Embedded {
        name: "h",
        content: "",
        sha256: "h3",
        hub_commit: None,
        locally_modified: false,
        kind: PromptKind::Chat,
        template_format: TemplateFormat::FString,
        messages: &[
            EmbeddedMessage::Template {
                role: Role::System,
                text: Text::Str("ctx: {history}"),
            },
            EmbeddedMessage::Placeholder {
                variable: "history",
                optional: true,
                n_messages: 0,
            },
            EmbeddedMessage::Template {
                role: Role::Human,
                text: Text::Str("{q}"),
            },
        ],
        partials: &[],
        problem: None,
        input_variables: &[],
    });

    #[cfg(feature = "json")]
    #[test]
    fn a_placeholder_a_template_prints_renders_as_langchain_or_says_why_not() {
        // LangChain: an optional placeholder is an empty list unless given.
        assert_eq!(
            PRINTS_HISTORY.format_messages(&[("q", "x")]).unwrap(),
            [Message::system("ctx: []"), Message::human("x")]
        );
        // Given as JSON, the template prints it as Python prints the list.
        let got = PRINTS_HISTORY
            .format_messages_json(
                &serde_json::json!({"q": "x", "history": [["human", "hi"], {"role": "ai", "content": null}]}),
            )
            .unwrap();
        assert_eq!(
            got,
            [
                Message::system("ctx: [['human', 'hi'], {'role': 'ai', 'content': None}]"),
                Message::human("hi"),
                Message::ai(""),
                Message::human("x"),
            ]
        );
        // Given as messages, there is no Python text to print: an error naming the way.
        let history = [Message::human("hi")];
        let e = PRINTS_HISTORY
            .messages_with(&[("q", "x")])
            .placeholder("history", &history)
            .format()
            .unwrap_err();
        assert!(e.to_string().contains("format_messages_json"), "{e}");
    }

    #[test]
    fn chat_messages_come_from_spans_and_strings() {
        assert_eq!(
            CHAT.messages(),
            &[
                MessageTemplate::Message {
                    role: Role::System,
                    template: "You are {who}.",
                },
                MessageTemplate::Placeholder {
                    variable: "history"
                },
                MessageTemplate::Message {
                    role: Role::Human,
                    template: "=== ai ===\n",
                },
            ]
        );
        // The partial fills {who}, the optional placeholder may be left out, and the
        // literal message is sent as is (braces and all).
        assert!(CHAT.variables().is_empty());
        let history = [Message::human("one"), Message::ai("two")];
        let got = CHAT
            .messages_with(&[])
            .placeholder("history", &history)
            .format()
            .unwrap();
        assert_eq!(
            got,
            [
                Message::system("You are Ada."),
                Message::ai("two"),
                Message::human("=== ai ===\n"),
            ]
        );
        // The same `Compiled` is shared by every use of the constant.
        assert!(std::ptr::eq(CHAT.messages(), CHAT.messages()));
        assert_eq!(CHAT, CHAT);
        assert_ne!(CHAT, P);
    }

    #[test]
    fn accessors_return_what_was_embedded() {
        assert_eq!(P.name(), "p");
        assert_eq!(P.content(), "Hi {x}");
        assert_eq!(P.hub_commit(), Some("c1"));
        assert_eq!(P.variables(), &["x"]);
        assert_eq!(P.messages().len(), 1);
        assert_eq!(Role::Other("critic").as_str(), "critic");
        assert_eq!(TemplateFormat::Mustache.as_str(), "mustache");
        assert_eq!(P.render_problem(), None);
    }

    #[test]
    fn renders_and_checks_variables() {
        assert_eq!(P.format(&[("x", "Ada")]).unwrap(), "Hi Ada");
        assert_eq!(
            P.format_messages(&[("x", "Ada")]).unwrap(),
            [Message::human("Hi Ada")]
        );
        let e = P.format(&[]).unwrap_err();
        assert_eq!(e.to_string(), "prompt \"p\" takes {x}; missing: x");
        let e = P.format(&[("x", "a"), ("y", "b")]).unwrap_err();
        assert_eq!(e.to_string(), "prompt \"p\" takes {x}; unknown variable: y");
        let e = P.format(&[("x", "a"), ("x", "b")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "prompt \"p\" takes {x}; variable given twice: x"
        );
    }
}
