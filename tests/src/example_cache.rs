//! Generates the example app's committed cache from real LangChain manifests (the
//! SDK-produced fixtures), through the same code path a pull uses
//! (`prompt_sync_core::pulled::pulled_entry` + `Store::write`). Nothing in that cache
//! is typed by hand, and a test regenerates it to prove the committed files match.

use std::path::Path;

use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::pulled::{HubVersion, pulled_entry};
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};
use serde_json::Value;

/// The sync time recorded in the generated metadata (fixed, so regenerating is
/// byte-for-byte reproducible).
pub const GENERATED_AT: &str = "2026-11-25T00:00:00Z";

/// One prompt of the example cache: its name, the fixture file, the JSON pointer of
/// its manifest there, and the commit hash (the fixture's own when it has one).
pub struct Source {
    /// Prompt name.
    pub name: &'static str,
    /// Fixture file under `fixtures/langsmith`.
    pub file: &'static str,
    /// JSON pointer to the manifest.
    pub pointer: &'static str,
    /// JSON pointer to the commit hash, or `None` to derive one from the manifest.
    pub commit_pointer: Option<&'static str>,
}

/// The example app's prompts.
pub const SOURCES: &[Source] = &[
    Source {
        name: "summarizer",
        file: "manifests-generated.json",
        pointer: "/python_PromptTemplate",
        commit_pointer: None,
    },
    Source {
        name: "support_assistant",
        file: "manifests-generated.json",
        pointer: "/python_ChatPromptTemplate_system_placeholder_human",
        commit_pointer: None,
    },
    Source {
        name: "greeter",
        file: "manifests-generated.json",
        pointer: "/python_ChatPromptTemplate_mustache",
        commit_pointer: None,
    },
    Source {
        name: "tweet-generator-example",
        file: "langsmith-sdk-unit-fixture-prompt-commits.json",
        pointer: "/entries/1/prompt_commit/manifest",
        commit_pointer: Some("/entries/1/prompt_commit/commit_hash"),
    },
];

/// Writes the example cache for every [`SOURCES`] entry into `cache_dir`.
pub fn generate(fixtures: &Path, cache_dir: &Path) -> Result<(), String> {
    let store = Store::new(CacheLayout::new(cache_dir));
    let lock = store.lock_exclusive(|_| {}).map_err(|e| e.to_string())?;
    for s in SOURCES {
        let path = fixtures.join(s.file);
        let doc: Value = std::fs::read(&path)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|b| {
                serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", path.display()))
            })?;
        let manifest = doc
            .pointer(s.pointer)
            .ok_or_else(|| format!("{}: no {}", path.display(), s.pointer))?;
        let commit = match s.commit_pointer {
            Some(p) => doc
                .pointer(p)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{}: no {p}", path.display()))?
                .to_owned(),
            // Not pushed anywhere: a stable id derived from the manifest.
            None => prompt_sync_core::hash::sha256_hex(manifest.to_string().as_bytes()),
        };
        let name = PromptName::new(s.name).map_err(|e| e.to_string())?;
        let r = HubRef::latest();
        let version = HubVersion {
            name: &name,
            owner: "-",
            hub_ref: &r,
            commit_hash: &commit,
            manifest,
        };
        let (text, meta) = pulled_entry(&version, None, GENERATED_AT).map_err(|e| e.to_string())?;
        store
            .write(&lock, &name, &text, &meta)
            .map_err(|e| e.to_string())?;
    }
    drop(lock);
    // The lock file is not part of the committed cache.
    let _ = std::fs::remove_file(store.layout().lock_path());
    Ok(())
}
