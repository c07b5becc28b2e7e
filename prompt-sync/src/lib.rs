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
//! never rendered (a clear error). Every form checks the variables: a missing, unknown
//! or repeated variable is an error naming the prompt and the variables it takes; the
//! `prompt!("name", var = …)` form reports it at compile time.
//!
//! # Features
//!
//! - `json` (default): [`Prompt::format_json`] and [`Prompt::format_messages_json`],
//!   structured values from `serde_json` for mustache sections and placeholders.

mod error;
mod format;
#[cfg(feature = "json")]
mod json;
mod message;
#[doc(hidden)]
pub mod private;

use std::hash::{Hash, Hasher};

use prompt_sync_core::render::PromptPlan;

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
pub use prompt_macros::prompt;

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
/// what rendering it needs (parsed at compile time).
#[derive(Clone, Copy, Debug)]
pub struct Prompt {
    name: &'static str,
    content: &'static str,
    sha256: &'static str,
    hub_commit: Option<&'static str>,
    locally_modified: bool,
    kind: PromptKind,
    template_format: TemplateFormat,
    messages: &'static [MessageTemplate],
    plan: &'static PromptPlan<'static>,
}

impl Prompt {
    /// Used by the expansion of [`prompt!`]; not a stable API.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __from_macro(
        name: &'static str,
        content: &'static str,
        sha256: &'static str,
        hub_commit: Option<&'static str>,
        locally_modified: bool,
        kind: PromptKind,
        template_format: TemplateFormat,
        messages: &'static [MessageTemplate],
        plan: &'static PromptPlan<'static>,
    ) -> Self {
        Prompt {
            name,
            content,
            sha256,
            hub_commit,
            locally_modified,
            kind,
            template_format,
            messages,
            plan,
        }
    }

    /// The prompt's name on the hub.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The exact cached text (for chat prompts, the sectioned text format).
    pub const fn content(&self) -> &'static str {
        self.content
    }

    /// Lowercase hex SHA-256 of [`content`](Self::content).
    pub const fn sha256(&self) -> &'static str {
        self.sha256
    }

    /// The hub commit the cached text came from, if the cache knows it.
    pub const fn hub_commit(&self) -> Option<&'static str> {
        self.hub_commit
    }

    /// True when the embedded text is a marked local edit not (yet) on the hub.
    pub const fn locally_modified(&self) -> bool {
        self.locally_modified
    }

    /// Text or chat.
    pub const fn kind(&self) -> PromptKind {
        self.kind
    }

    /// The template format.
    pub const fn template_format(&self) -> TemplateFormat {
        self.template_format
    }

    /// The messages: a chat prompt's, in order; a text prompt is one `Human` message
    /// holding its text (what LangChain sends when a text prompt meets a chat model).
    pub const fn messages(&self) -> &'static [MessageTemplate] {
        self.messages
    }

    /// The variables a render needs, as LangChain computes `input_variables` from the
    /// embedded templates: sorted, without partial variables or optional placeholders
    /// (for mustache, the top-level names). For a prompt prompt-sync cannot render
    /// (jinja2), the list the manifest gives.
    pub const fn variables(&self) -> &'static [&'static str] {
        let plan: &'static PromptPlan<'static> = self.plan;
        plan.variables.as_slice()
    }

    /// Why this prompt cannot be rendered (jinja2, or a template LangChain refuses),
    /// or `None` when it can.
    pub fn render_problem(&self) -> Option<&'static str> {
        let plan: &'static PromptPlan<'static> = self.plan;
        plan.problem.as_deref()
    }
}

/// Prompts are equal when everything embedded from the cache is (the render plan is
/// derived from it).
impl PartialEq for Prompt {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.content == other.content
            && self.sha256 == other.sha256
            && self.hub_commit == other.hub_commit
            && self.locally_modified == other.locally_modified
            && self.kind == other.kind
            && self.template_format == other.template_format
            && self.messages == other.messages
    }
}

impl Eq for Prompt {}

impl Hash for Prompt {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.sha256.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prompt_sync_core::render::{Part, Seq, Template};

    static PLAN: PromptPlan<'static> = PromptPlan {
        parts: Seq::Borrowed(&[Part::Template(Template::FString(Seq::Borrowed(&[
            private::Piece::Text("Hi "),
            private::Piece::Field(private::Field {
                name: "x",
                conversion: private::Conversion::None,
                spec: private::Spec::NONE,
                has_spec: false,
            }),
        ])))]),
        partials: Seq::Borrowed(&[]),
        variables: Seq::Borrowed(&["x"]),
        accepted: Seq::Borrowed(&[]),
        problem: None,
    };

    const P: Prompt = Prompt::__from_macro(
        "p",
        "Hi {x}",
        "h",
        Some("c1"),
        false,
        PromptKind::Text,
        TemplateFormat::FString,
        &[MessageTemplate::Message {
            role: Role::Human,
            template: "Hi {x}",
        }],
        &PLAN,
    );

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
