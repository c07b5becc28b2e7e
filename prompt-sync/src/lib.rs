//! Prompts from the LangSmith Prompt Hub, embedded in your binary at compile time.
//!
//! ```ignore
//! // build.rs: fn main() { prompt_sync_build::sync(); }
//! const GEN: prompt_sync::Prompt = prompt_sync::prompt!("test_generator_v1");
//! println!("{} ({})", GEN.content(), GEN.sha256());
//! ```
//!
//! [`prompt!`] reads the prompt from the package's committed cache
//! (`prompts/langsmith_cache/` by default), checks it against its sync metadata and
//! expands to a [`Prompt`] constant. The build script (`prompt-sync-build`) keeps the
//! cache in step with the hub.

#![no_std]

/// Embeds a cached prompt as a [`Prompt`] constant, after checking its SHA-256
/// against the sync metadata. A missing, tampered or unmarked-edited prompt is a
/// compile error that names the fix.
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
    /// Jinja2 (embedded as is; not rendered by prompt-sync).
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

/// Who speaks a chat message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The system message.
    System,
    /// The user (LangChain's `human`).
    Human,
    /// The model (LangChain's `ai`).
    Ai,
    /// Any other role name (`ChatMessagePromptTemplate`).
    Other(&'static str),
}

impl Role {
    /// The role's name as LangChain writes it: `system`, `human`, `ai` or the custom name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::Human => "human",
            Role::Ai => "ai",
            Role::Other(r) => r,
        }
    }
}

/// One entry of a prompt's message list, before rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageTemplate {
    /// A message template.
    Message {
        /// Who speaks it.
        role: Role,
        /// Its template text.
        template: &'static str,
    },
    /// A `MessagesPlaceholder`: messages supplied at render time.
    Placeholder {
        /// The variable holding the messages.
        variable: &'static str,
    },
}

/// A prompt embedded by [`prompt!`]: its exact cached text and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prompt {
    name: &'static str,
    content: &'static str,
    sha256: &'static str,
    hub_commit: Option<&'static str>,
    locally_modified: bool,
    kind: PromptKind,
    template_format: TemplateFormat,
    messages: &'static [MessageTemplate],
    variables: &'static [&'static str],
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
        variables: &'static [&'static str],
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
            variables,
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

    /// The variables the prompt takes, as its manifest lists them.
    pub const fn variables(&self) -> &'static [&'static str] {
        self.variables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        &["x"],
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
    }
}
