//! The prompt-sync store: prompt names, the cache layout, sync metadata, SHA-256,
//! the prompt model (text and chat), the sectioned text format of chat prompts,
//! LangChain manifest conversion, atomic writes, the cache lock and config parsing.
//!
//! No network: the build script, the `prompt!` macro and the CLI all use this one
//! implementation, so they can never disagree about what a cache holds.

pub mod chat_text;
pub mod config;
pub mod error;
pub mod fsio;
pub mod hash;
pub mod index;
pub mod layout;
pub mod lock;
pub mod manifest;
pub mod metadata;
pub mod model;
pub mod name;
pub mod plan;
pub mod pulled;
pub mod restore;
pub mod scan;
pub mod similar;
pub mod store;
pub mod timestamp;
pub mod verify;

#[cfg(test)]
mod test_support;

/// The renderer (`prompt-sync-render`), re-exported: `prompt_sync_core::render::…`.
pub use prompt_sync_render as render;

pub use error::{Error, Result};
pub use layout::CacheLayout;
pub use metadata::Metadata;
pub use model::{ChatMessage, PromptBody, PromptKind, PromptModel, Role, TemplateFormat};
pub use name::{HubRef, NameError, PromptName};
