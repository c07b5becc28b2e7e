//! The prompt model: what a cached prompt is, independent of how the hub encodes it.

use crate::chat_text::{self, ChatTextError};

pub use prompt_sync_render::TemplateFormat;

/// Whether a prompt is a single template or a list of chat messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PromptKind {
    /// A `PromptTemplate`: the cached file is the template itself.
    #[default]
    Text,
    /// A `ChatPromptTemplate` or `StructuredPrompt`: the cached file is the sectioned
    /// text format of [`crate::chat_text`].
    Chat,
}

impl PromptKind {
    /// `"text"` or `"chat"`, as stored in metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            PromptKind::Text => "text",
            PromptKind::Chat => "chat",
        }
    }

    /// Parses the metadata value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "text" => Some(PromptKind::Text),
            "chat" => Some(PromptKind::Chat),
            _ => None,
        }
    }
}

/// Who speaks a chat message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// `SystemMessagePromptTemplate` / `SystemMessage`.
    System,
    /// `HumanMessagePromptTemplate` / `HumanMessage`.
    Human,
    /// `AIMessagePromptTemplate` / `AIMessage`.
    Ai,
    /// `ChatMessagePromptTemplate` with any other role name.
    Other(String),
}

impl Role {
    /// The role's name as LangChain writes it in message tuples.
    pub fn as_str(&self) -> &str {
        match self {
            Role::System => "system",
            Role::Human => "human",
            Role::Ai => "ai",
            Role::Other(r) => r,
        }
    }
}

/// One entry of a chat prompt.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ChatMessage {
    /// A message with a template (or literal) text.
    Message {
        /// Who speaks it.
        role: Role,
        /// Its template text, exactly.
        content: String,
    },
    /// A `MessagesPlaceholder`: a list of messages supplied at render time.
    Placeholder {
        /// The variable that holds the messages.
        variable: String,
    },
}

/// The body of a prompt: one template, or chat messages.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PromptBody {
    /// A text prompt's template.
    Text(String),
    /// A chat prompt's messages, in order.
    Chat(Vec<ChatMessage>),
}

/// A prompt as prompt-sync understands it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromptModel {
    /// The template(s).
    pub body: PromptBody,
    /// The template format shared by every template of the prompt.
    pub template_format: TemplateFormat,
    /// The variables the prompt takes, as the manifest lists them.
    pub input_variables: Vec<String>,
}

impl PromptModel {
    /// Text or chat.
    pub fn kind(&self) -> PromptKind {
        match self.body {
            PromptBody::Text(_) => PromptKind::Text,
            PromptBody::Chat(_) => PromptKind::Chat,
        }
    }

    /// The exact text a new cache file holds for this prompt (a chat prompt in the
    /// form [`chat_text::Form::for_new`] chooses).
    pub fn to_cache_text(&self) -> Result<String, ChatTextError> {
        let form = match &self.body {
            PromptBody::Text(_) => chat_text::Form::SECTIONED,
            PromptBody::Chat(messages) => chat_text::Form::for_new(messages),
        };
        self.to_cache_text_in(form)
    }

    /// The exact text the cache file holds for this prompt with a chat prompt written
    /// in `form` where it can be (an existing file keeps its form).
    pub fn to_cache_text_in(&self, form: chat_text::Form) -> Result<String, ChatTextError> {
        match &self.body {
            PromptBody::Text(t) => Ok(t.clone()),
            PromptBody::Chat(messages) => chat_text::render_in(messages, form),
        }
    }

    /// The cache text for this prompt in the form of `existing` (the file's text now),
    /// or a new file's when there is none.
    pub fn to_cache_text_like(&self, existing: Option<&str>) -> Result<String, ChatTextError> {
        match existing {
            Some(text) => self.to_cache_text_in(chat_text::form_of(text)),
            None => self.to_cache_text(),
        }
    }

    /// Reads a cache file's text as a body of the given kind.
    pub fn body_from_cache_text(kind: PromptKind, text: &str) -> Result<PromptBody, ChatTextError> {
        match kind {
            PromptKind::Text => Ok(PromptBody::Text(text.to_owned())),
            PromptKind::Chat => chat_text::parse(text).map(PromptBody::Chat),
        }
    }
}
