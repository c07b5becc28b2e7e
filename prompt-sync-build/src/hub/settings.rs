//! Hub settings from the environment and config (filled in by the client work).

use std::fmt;

/// The API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Secret(key.into())
    }

    /// The key, for the `x-api-key` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where and how to reach the hub.
#[derive(Clone, Debug)]
pub struct HubSettings {
    /// The API key.
    pub api_key: Secret,
    /// The API URL, normalised (no trailing `/`; may end in `/api/v1`).
    pub endpoint: String,
    /// Sent as `X-Tenant-Id` when set.
    pub workspace_id: Option<String>,
    /// The owner prompts are pulled from: `-` or a tenant handle.
    pub owner: String,
}
