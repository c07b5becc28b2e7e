//! Chat messages: the templates a prompt embeds, and the messages a render produces.

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

    /// The role of a LangChain message type or tuple role: `human`/`user`,
    /// `ai`/`assistant`, `system`/`developer` (what `convert_to_messages` accepts for
    /// plain text messages).
    pub fn from_message_type(t: &str) -> Option<Role> {
        match t {
            "human" | "user" => Some(Role::Human),
            "ai" | "assistant" => Some(Role::Ai),
            "system" | "developer" => Some(Role::System),
            _ => None,
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

/// A rendered chat message: what [`format_messages`](crate::Prompt::format_messages)
/// returns and what placeholders take.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Message {
    /// Who speaks it.
    pub role: Role,
    /// Its text.
    pub content: String,
}

impl Message {
    /// A message with any role.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Message {
            role,
            content: content.into(),
        }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Message::new(Role::System, content)
    }

    /// A human (user) message.
    pub fn human(content: impl Into<String>) -> Self {
        Message::new(Role::Human, content)
    }

    /// An AI (assistant) message.
    pub fn ai(content: impl Into<String>) -> Self {
        Message::new(Role::Ai, content)
    }
}

impl From<&Message> for Message {
    fn from(m: &Message) -> Self {
        m.clone()
    }
}
