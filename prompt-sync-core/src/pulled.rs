//! What a pull from the hub writes: the cache text rendered from the hub's manifest
//! and the metadata recording where it came from. One function, so the sync engine,
//! the CLI and the example cache generator produce identical files.

use serde_json::Value;

use crate::chat_text::Form;
use crate::error::Result;
use crate::hash::sha256_hex;
use crate::manifest::from_manifest;
use crate::metadata::Metadata;
use crate::model::PromptModel;
use crate::name::{HubRef, PromptName};

/// A prompt version as the hub serves it.
#[derive(Clone, Debug)]
pub struct HubVersion<'a> {
    /// The prompt.
    pub name: &'a PromptName,
    /// The owner it was pulled from (`-` for the key's own workspace).
    pub owner: &'a str,
    /// The ref asked for.
    pub hub_ref: &'a HubRef,
    /// The commit the hub answered with.
    pub commit_hash: &'a str,
    /// The commit's manifest.
    pub manifest: &'a Value,
}

/// The cache text and metadata for `version`, as a new file. Fields of `previous`
/// this version does not set (unknown fields) are kept. `now` is the sync time to
/// record.
pub fn pulled_entry(
    version: &HubVersion<'_>,
    previous: Option<&Metadata>,
    now: &str,
) -> Result<(String, Metadata)> {
    pulled_entry_in(version, previous, now, None)
}

/// Like [`pulled_entry`], with a chat text written in `form` where it can be (the form
/// of the file it replaces; `None` for a new file's).
pub fn pulled_entry_in(
    version: &HubVersion<'_>,
    previous: Option<&Metadata>,
    now: &str,
    form: Option<Form>,
) -> Result<(String, Metadata)> {
    let model = from_manifest(version.manifest)?;
    let text = match form {
        Some(form) => model.to_cache_text_in(form),
        None => model.to_cache_text(),
    }
    .map_err(|e| crate::Error::Manifest {
        detail: format!("the prompt cannot be written as text: {e}"),
    })?;
    let hash = sha256_hex(text.as_bytes());
    let mut meta = Metadata::new(version.name, &hash);
    if let Some(prev) = previous {
        meta.extra = prev.extra.clone();
    }
    meta.last_fetched_from_hub = Some(now.to_owned());
    meta.hub_content_hash = Some(hash);
    meta.last_sync_timestamp = Some(now.to_owned());
    meta.sync_direction = Some("pull".to_owned());
    record_hub_side(&mut meta, version, &model);
    Ok((text, meta))
}

/// Sets what `meta` records about the hub's side to `version`'s: commit, ref, owner,
/// kind, format, variables and manifest.
fn record_hub_side(meta: &mut Metadata, version: &HubVersion<'_>, model: &PromptModel) {
    meta.hub_commit_hash = Some(version.commit_hash.to_owned());
    meta.hub_ref = Some(version.hub_ref.as_str().to_owned());
    meta.owner = Some(version.owner.to_owned());
    meta.kind = Some(model.kind().as_str().to_owned());
    meta.template_format = Some(model.template_format.as_str().to_owned());
    meta.input_variables = Some(model.input_variables.clone());
    meta.manifest = Some(version.manifest.clone());
}

/// `previous` with what it records about the hub side set to `version`'s (commit,
/// ref, owner, kind, format, variables, manifest), for a text that is already the
/// hub's: the original tool's fields (hashes, times, direction) stay as they are.
pub fn recorded_entry(version: &HubVersion<'_>, previous: &Metadata) -> Result<Metadata> {
    let model = from_manifest(version.manifest)?;
    let mut meta = previous.clone();
    record_hub_side(&mut meta, version, &model);
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_text_prompt_pull() {
        let name = PromptName::new("greet").unwrap();
        let r = HubRef::latest();
        let manifest = json!({
            "lc": 1, "type": "constructor",
            "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
            "kwargs": {"input_variables": ["name"], "template": "Hi {name}\n", "template_format": "f-string"}
        });
        let mut prev = Metadata::new(&name, &sha256_hex(b"old"));
        prev.extra.insert("team".into(), json!("qa"));
        let v = HubVersion {
            name: &name,
            owner: "-",
            hub_ref: &r,
            commit_hash: "c0ffee",
            manifest: &manifest,
        };
        let (text, meta) = pulled_entry(&v, Some(&prev), "2026-11-25T10:00:00Z").unwrap();
        assert_eq!(text, "Hi {name}\n");
        assert_eq!(meta.local_content_hash, Some(sha256_hex(b"Hi {name}\n")));
        assert_eq!(meta.hub_content_hash, meta.local_content_hash);
        assert_eq!(meta.kind.as_deref(), Some("text"));
        assert_eq!(meta.input_variables, Some(vec!["name".to_owned()]));
        assert_eq!(meta.hub_commit_hash.as_deref(), Some("c0ffee"));
        assert_eq!(meta.extra["team"], "qa");
        assert!(meta.validate(&name).is_ok());
    }

    #[test]
    fn unsupported_manifests_are_errors() {
        let name = PromptName::new("x").unwrap();
        let r = HubRef::latest();
        let manifest = json!({"hi": "hello"});
        let v = HubVersion {
            name: &name,
            owner: "-",
            hub_ref: &r,
            commit_hash: "c",
            manifest: &manifest,
        };
        assert!(matches!(
            pulled_entry(&v, None, "2026-11-25T10:00:00Z"),
            Err(crate::Error::Manifest { .. })
        ));
    }
}
