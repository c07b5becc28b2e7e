//! What the cache holds for a prompt, read once for planning and re-checked before a
//! write.

use prompt_sync_core::chat_text::{self, Form};
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::store::Store;
use prompt_sync_core::{PromptName, fsio};

use super::Target;

/// The cache side of one prompt.
#[derive(Clone, Debug)]
pub struct LocalState {
    name: PromptName,
    text_hash: Option<String>,
    /// The chat-text form of the text file (see [`chat_text::form_of`]).
    form: Option<Form>,
    metadata_bytes_hash: Option<String>,
    metadata: Option<Metadata>,
    error: Option<String>,
    /// The metadata file exists but does not read as metadata (the text read fine).
    metadata_corrupt: bool,
}

impl LocalState {
    /// Reads one prompt's text hash and metadata.
    pub fn read(store: &Store, name: &PromptName) -> LocalState {
        let layout = store.layout();
        let mut state = LocalState {
            name: name.clone(),
            text_hash: None,
            form: None,
            metadata_bytes_hash: None,
            metadata: None,
            error: None,
            metadata_corrupt: false,
        };
        match fsio::read_optional(&layout.text_path(name)) {
            Ok(t) => {
                state.text_hash = t.as_deref().map(sha256_hex);
                state.form = t.map(|b| chat_text::form_of(&String::from_utf8_lossy(&b)));
            }
            Err(e) => state.error = Some(e.to_string()),
        }
        let path = layout.existing_metadata_path(name);
        let record_path = layout.record_path(name);
        let record = match fsio::read_optional(&record_path) {
            Ok(r) => r,
            Err(e) => {
                state.error = Some(e.to_string());
                None
            }
        };
        match fsio::read_optional(&path) {
            Ok(Some(bytes)) => {
                let mut both = bytes.clone();
                if let Some(r) = &record {
                    both.push(0);
                    both.extend_from_slice(r);
                }
                state.metadata_bytes_hash = Some(sha256_hex(&both));
                let record = record.as_deref().map(|r| (r, record_path.as_path()));
                match Metadata::from_files(&bytes, &path, record, name) {
                    Ok(m) => state.metadata = Some(m),
                    Err(e) => {
                        state.metadata_corrupt = state.error.is_none()
                            && matches!(e, prompt_sync_core::Error::MetadataCorrupt { .. });
                        state.error = Some(e.to_string());
                    }
                }
            }
            Ok(None) => {}
            Err(e) => state.error = Some(e.to_string()),
        }
        state
    }

    /// The hash of the text now (L), `None` when there is no text.
    pub fn text_hash(&self) -> Option<&str> {
        self.text_hash.as_deref()
    }

    /// True when there is a text file.
    pub fn has_text(&self) -> bool {
        self.text_hash.is_some()
    }

    /// The base (B): the hub's hash at the last sync (the local hash when the
    /// metadata records no hub hash; `None` when it records neither).
    pub fn base_hash(&self) -> Option<&str> {
        let m = self.metadata.as_ref()?;
        m.hub_content_hash
            .as_deref()
            .or(m.local_content_hash.as_deref())
    }

    /// The form a text written for this prompt takes: the file's, or a new file's.
    pub fn form(&self) -> Option<Form> {
        self.form
    }

    /// True when the metadata exists but records no SHA-256 (the original tool's
    /// older shape): the text has no verified base.
    pub fn unverified(&self) -> bool {
        self.metadata
            .as_ref()
            .is_some_and(|m| !m.has_verified_base())
    }

    /// The commit of the last sync.
    pub fn base_commit(&self) -> Option<&str> {
        self.metadata.as_ref()?.hub_commit_hash.as_deref()
    }

    /// The ref the last sync followed.
    pub fn recorded_ref(&self) -> Option<&str> {
        self.metadata.as_ref()?.hub_ref.as_deref()
    }

    /// M: marked as locally modified.
    pub fn marked(&self) -> bool {
        self.metadata.as_ref().is_some_and(|m| m.locally_modified)
    }

    /// The metadata, when valid.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }

    /// The owner recorded in the metadata, or `default`.
    pub fn owner_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.metadata
            .as_ref()
            .and_then(|m| m.owner.as_deref())
            .unwrap_or(default)
    }

    /// True when the metadata carries a `pending_write` marker: a write a killed
    /// process left half done, which a repair finishes.
    pub fn interrupted(&self) -> bool {
        self.metadata
            .as_ref()
            .is_some_and(|m| m.pending_write.is_some())
    }

    /// True when the only problem is a metadata file that does not read as metadata:
    /// the hub's version can replace it (see the planning of such a prompt).
    pub fn metadata_corrupt(&self) -> bool {
        self.metadata_corrupt
    }

    /// Why the cache side could not be read (corrupt metadata, unreadable file).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// True when the text and metadata files are still what planning read.
    pub fn still_current(&self, store: &Store) -> bool {
        let now = LocalState::read(store, &self.name);
        now.text_hash == self.text_hash && now.metadata_bytes_hash == self.metadata_bytes_hash
    }
}

/// Reads every target under the shared lock, so no half-finished write is seen.
/// What a killed process left is repaired first (when the cache can be written):
/// an interrupted write read as is would look like an unmarked edit.
pub(crate) fn read_all(store: &Store, targets: &[Target], repair: bool) -> Vec<LocalState> {
    if repair
        && store.needs_repair().unwrap_or(false)
        && let Ok(lock) = store.lock_exclusive(|_| {})
    {
        let _ = store.repair(&lock);
    }
    let _lock = store.lock_shared(|_| {}).ok().flatten();
    targets
        .iter()
        .map(|t| LocalState::read(store, &t.name))
        .collect()
}
