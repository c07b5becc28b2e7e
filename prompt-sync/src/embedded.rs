//! What `prompt!("name")` embeds, and the render plan a [`Prompt`] works out from it at
//! its first use.
//!
//! The macro emits one constant [`Embedded`] per prompt: plain literals (the text, the
//! hashes, the message boundaries as offsets into the text), which rustc handles
//! quickly. The parsed templates and the variables are derived from it once per
//! process, on first need, and kept for the life of the program, so a build with many
//! `prompt!` calls pays almost nothing beyond the texts themselves.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{OnceLock, PoisonError, RwLock};

use prompt_sync_render::{PartSpec, PlanInput, PromptPlan, Seq, Value};

use crate::message::{MessageTemplate, Role};
use crate::{Prompt, PromptKind, TemplateFormat};

/// A prompt as `prompt!` embeds it. Not a stable API: build prompts with `prompt!`.
#[derive(Debug)]
pub struct Embedded {
    /// The prompt's name on the hub.
    pub name: &'static str,
    /// The cached text, exactly.
    pub content: &'static str,
    /// Lowercase hex SHA-256 of `content`.
    pub sha256: &'static str,
    /// The hub commit the text came from.
    pub hub_commit: Option<&'static str>,
    /// A marked local edit.
    pub locally_modified: bool,
    /// Text or chat.
    pub kind: PromptKind,
    /// The template format.
    pub template_format: TemplateFormat,
    /// A chat prompt's messages, in order (empty for a text prompt).
    pub messages: &'static [EmbeddedMessage],
    /// The manifest's partial variables.
    pub partials: &'static [(&'static str, Value<'static>)],
    /// Why the prompt cannot be rendered, when the manifest already says so.
    pub problem: Option<&'static str>,
    /// The input variables the manifest lists (the variables of a prompt that cannot
    /// be rendered).
    pub input_variables: &'static [&'static str],
}

/// One message of an embedded chat prompt.
#[derive(Debug)]
pub enum EmbeddedMessage {
    /// A message template.
    Template {
        /// Who speaks it.
        role: Role,
        /// Its template.
        text: Text,
    },
    /// A literal message, sent as is.
    Literal {
        /// Who speaks it.
        role: Role,
        /// Its text.
        text: Text,
    },
    /// A `MessagesPlaceholder`.
    Placeholder {
        /// The variable that takes the messages.
        variable: &'static str,
        /// It may be left out.
        optional: bool,
        /// Only the last n messages are kept (0: all).
        n_messages: usize,
    },
    /// A message prompt-sync does not render, and why.
    Refused {
        /// Who speaks it.
        role: Role,
        /// Its text.
        text: Text,
        /// Why it is not rendered.
        why: &'static str,
    },
}

/// A message's text: a slice of the prompt's content (most messages), or its own
/// string (a message whose text is escaped in the cache's chat format).
#[derive(Debug)]
pub enum Text {
    /// `content[start..end]`.
    Span(usize, usize),
    /// A string of its own.
    Str(&'static str),
}

impl Text {
    fn get(&self, content: &'static str) -> &'static str {
        match self {
            // The macro wrote the offsets from this very text; an impossible range
            // yields an empty template rather than a panic.
            Text::Span(start, end) => content.get(*start..*end).unwrap_or(""),
            Text::Str(s) => s,
        }
    }
}

/// A prompt's messages and render plan, worked out from its [`Embedded`] data.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) messages: &'static [MessageTemplate],
    pub(crate) plan: PromptPlan<'static>,
}

type Cache = RwLock<HashMap<usize, &'static Compiled, BuildHasherDefault<AddressHasher>>>;

/// Hashes the address keys of the cache with one multiplication (Fibonacci hashing)
/// rather than SipHash: a render looks its prompt up every time.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        // The product's high bits are the well-mixed ones; the table indexes by the
        // low bits (and aligned addresses end in zeros).
        self.0 = (n as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(32);
    }
}

impl Prompt {
    /// The messages and plan of this prompt: worked out at the first call in this
    /// process, then shared (one per embedded constant's address, never freed: a
    /// program embeds a fixed set of prompts; copies of a constant in other codegen
    /// units or crates may get one each).
    pub(crate) fn compiled(&self) -> &'static Compiled {
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Cache::default);
        // The embedded data lives in a constant: its address identifies the prompt
        // (two identical embeddings may share one, and then share their plan).
        let key = std::ptr::from_ref(self.embedded()) as usize;
        if let Some(c) = cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return c;
        }
        // Worked out outside the lock, so renders of other prompts never wait on it;
        // if another thread got there first, its result is kept.
        let compiled = compile(self.embedded());
        let mut map = cache.write().unwrap_or_else(PoisonError::into_inner);
        map.entry(key)
            .or_insert_with(|| Box::leak(Box::new(compiled)))
    }
}

fn compile(e: &'static Embedded) -> Compiled {
    let messages: &'static [MessageTemplate] = match e.kind {
        PromptKind::Text => Box::leak(Box::new([MessageTemplate::Message {
            role: Role::Human,
            template: e.content,
        }])),
        PromptKind::Chat => e
            .messages
            .iter()
            .map(|m| match m {
                EmbeddedMessage::Template { role, text }
                | EmbeddedMessage::Literal { role, text }
                | EmbeddedMessage::Refused { role, text, .. } => MessageTemplate::Message {
                    role: *role,
                    template: text.get(e.content),
                },
                EmbeddedMessage::Placeholder { variable, .. } => {
                    MessageTemplate::Placeholder { variable }
                }
            })
            .collect::<Vec<_>>()
            .leak(),
    };
    let parts = match e.kind {
        PromptKind::Text => vec![PartSpec::Template {
            text: e.content,
            role: None,
        }],
        PromptKind::Chat => e
            .messages
            .iter()
            .map(|m| match m {
                EmbeddedMessage::Template { role, text } => PartSpec::Template {
                    text: text.get(e.content),
                    role: Some(role.as_str()),
                },
                EmbeddedMessage::Literal { .. } => PartSpec::Literal,
                EmbeddedMessage::Placeholder {
                    variable,
                    optional,
                    n_messages,
                } => PartSpec::Placeholder {
                    variable,
                    optional: *optional,
                    n_messages: *n_messages,
                },
                EmbeddedMessage::Refused { why, .. } => PartSpec::Refused((*why).into()),
            })
            .collect(),
    };
    let plan = PromptPlan::build(PlanInput {
        format: match e.template_format {
            TemplateFormat::FString => prompt_sync_render::TemplateFormat::FString,
            TemplateFormat::Mustache => prompt_sync_render::TemplateFormat::Mustache,
            TemplateFormat::Jinja2 => prompt_sync_render::TemplateFormat::Jinja2,
        },
        parts,
        partials: Seq::Borrowed(e.partials),
        problem: e.problem.map(Into::into),
        input_variables: Seq::Borrowed(e.input_variables),
    });
    Compiled { messages, plan }
}
