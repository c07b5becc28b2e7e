//! Sync metadata: `<cache>/metadata/<name>.json`.
//!
//! Reads what the original Python tool wrote (its eight fields, naive timestamps) and
//! writes a superset: the commit the cache came from, the ref asked for, the owner, the
//! prompt's kind, template format and variables, and the hub manifest, so a push can
//! rebuild the manifest losslessly. Fields this version does not know are kept on
//! rewrite. A file that does not parse, or whose values are malformed, is
//! [`Error::MetadataCorrupt`] naming the file, never a panic.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::hash::is_sha256_hex;
use crate::model::{PromptKind, TemplateFormat};
use crate::name::PromptName;
use crate::timestamp;

/// Metadata files larger than this are refused as corrupt. A real one is a few KiB
/// plus its manifest, which holds the prompt's text (up to the store's 16 MiB text
/// limit, and longer once JSON-escaped); while a write is in progress the file also
/// keeps the previous metadata, so it may hold two manifests.
pub const MAX_METADATA_BYTES: u64 = 64 * 1024 * 1024;

/// A write in progress: set before the text is renamed into place, cleared after.
/// A reader that finds it, with a text that does not match, knows a sync was
/// interrupted (not that the file was tampered with).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PendingWrite {
    /// SHA-256 of the text being written.
    pub incoming_hash: String,
    /// The metadata as it was before this write, to restore if the text never arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Box<Value>>,
    /// The previous metadata file's bytes (lossy UTF-8) when it was not valid JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_raw: Option<String>,
    /// True when there was no metadata file before this write.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub previous_absent: bool,
}

/// The sync metadata of one prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// The prompt's name; equals the file stem.
    pub prompt_name: String,
    /// When the text last came from the hub.
    #[serde(default)]
    pub last_fetched_from_hub: Option<String>,
    /// True when the user marked the text as edited locally (`prompt-sync mark-edited`).
    #[serde(default)]
    pub locally_modified: bool,
    /// When it was marked edited.
    #[serde(default)]
    pub local_edit_timestamp: Option<String>,
    /// SHA-256 of the hub's text at the last sync: the three-way base.
    #[serde(default)]
    pub hub_content_hash: Option<String>,
    /// SHA-256 of the cached text as prompt-sync last wrote or recorded it.
    pub local_content_hash: String,
    /// When the prompt was last synced either way.
    #[serde(default)]
    pub last_sync_timestamp: Option<String>,
    /// `pull` or `push`.
    #[serde(default)]
    pub sync_direction: Option<String>,
    /// The hub commit the cache came from (the base and the push parent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_commit_hash: Option<String>,
    /// The ref asked for: `latest`, a tag or a commit hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_ref: Option<String>,
    /// The hub owner (`-` for the key's own workspace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `text` or `chat`; absent in the original tool's files, which are text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `f-string`, `mustache` or `jinja2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_format: Option<String>,
    /// The variables the prompt takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_variables: Option<Vec<String>>,
    /// The hub manifest, kept whole so a push rebuilds it losslessly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Value>,
    /// Set only while a write is in progress (see [`PendingWrite`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_write: Option<PendingWrite>,
    /// Fields this version does not know, kept on rewrite.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Metadata {
    /// Fresh metadata for a text just taken from the hub (or created locally).
    pub fn new(name: &PromptName, content_hash: &str) -> Self {
        Metadata {
            prompt_name: name.as_str().to_owned(),
            last_fetched_from_hub: None,
            locally_modified: false,
            local_edit_timestamp: None,
            hub_content_hash: None,
            local_content_hash: content_hash.to_owned(),
            last_sync_timestamp: None,
            sync_direction: None,
            hub_commit_hash: None,
            hub_ref: None,
            owner: None,
            kind: None,
            template_format: None,
            input_variables: None,
            manifest: None,
            pending_write: None,
            extra: Map::new(),
        }
    }

    /// Parses and validates metadata read from `path`, for the prompt `name`.
    pub fn from_slice(bytes: &[u8], path: &Path, name: &PromptName) -> Result<Self> {
        let corrupt = |detail: String| Error::MetadataCorrupt {
            path: path.to_owned(),
            detail,
        };
        if bytes.len() as u64 > MAX_METADATA_BYTES {
            // Every reader (verification, the sync engine) refuses the same files.
            return Err(corrupt(format!(
                "it is {} bytes, over the {MAX_METADATA_BYTES} byte limit",
                bytes.len()
            )));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(corrupt("the file is empty".to_owned()));
        }
        let meta: Metadata = serde_json::from_slice(bytes).map_err(|e| {
            let what = if e.is_eof() {
                "it ends too early (truncated?)"
            } else {
                "it is not valid metadata JSON"
            };
            corrupt(format!("{what}: {e}"))
        })?;
        meta.validate(name).map_err(corrupt)?;
        Ok(meta)
    }

    /// Checks every field's shape; the error says which field and why.
    pub fn validate(&self, name: &PromptName) -> std::result::Result<(), String> {
        if self.prompt_name != name.as_str() {
            return Err(format!(
                "`prompt_name` is {:?} but the file is for {:?}",
                self.prompt_name,
                name.as_str()
            ));
        }
        check_hash("local_content_hash", Some(&self.local_content_hash))?;
        check_hash("hub_content_hash", self.hub_content_hash.as_deref())?;
        for (field, value) in [
            ("last_fetched_from_hub", &self.last_fetched_from_hub),
            ("local_edit_timestamp", &self.local_edit_timestamp),
            ("last_sync_timestamp", &self.last_sync_timestamp),
        ] {
            if let Some(v) = value {
                timestamp::validate(v).map_err(|e| format!("`{field}` {v:?}: {e}"))?;
            }
        }
        if let Some(k) = &self.kind
            && PromptKind::parse(k).is_none()
        {
            return Err(format!("`kind` is {k:?}; expected \"text\" or \"chat\""));
        }
        if let Some(f) = &self.template_format
            && TemplateFormat::parse(f).is_none()
        {
            return Err(format!(
                "`template_format` is {f:?}; expected \"f-string\", \"mustache\" or \"jinja2\""
            ));
        }
        if let Some(c) = &self.hub_commit_hash
            && crate::name::HubRef::new(c).is_err()
        {
            return Err(format!(
                "`hub_commit_hash` is {c:?}, not a commit hash (ASCII letters and digits)"
            ));
        }
        if let Some(p) = &self.pending_write {
            check_hash("pending_write.incoming_hash", Some(&p.incoming_hash))?;
        }
        Ok(())
    }

    /// The prompt's kind (text when the field is absent, as in the original tool's files).
    pub fn prompt_kind(&self) -> PromptKind {
        self.kind
            .as_deref()
            .and_then(PromptKind::parse)
            .unwrap_or_default()
    }

    /// The template format (f-string when absent).
    pub fn format(&self) -> TemplateFormat {
        self.template_format
            .as_deref()
            .and_then(TemplateFormat::parse)
            .unwrap_or_default()
    }

    /// Serializes as pretty JSON with a trailing newline (stable, diff-friendly).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        // Serializing plain data with string keys cannot fail.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

fn check_hash(field: &str, value: Option<&str>) -> std::result::Result<(), String> {
    match value {
        Some(h) if !is_sha256_hex(h) => Err(format!(
            "`{field}` is {h:?}, not a SHA-256 (64 lowercase hex digits)"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::sha256_hex;

    fn name(s: &str) -> PromptName {
        PromptName::new(s).unwrap()
    }

    const ORIGINAL: &str = r#"{
  "prompt_name": "test_generator_v1",
  "last_fetched_from_hub": "2025-10-27T10:30:00",
  "locally_modified": false,
  "local_edit_timestamp": null,
  "hub_content_hash": "HASH",
  "local_content_hash": "HASH",
  "last_sync_timestamp": "2025-10-27T10:30:00.123456",
  "sync_direction": "pull"
}"#;

    fn original() -> String {
        ORIGINAL.replace("HASH", &sha256_hex(b"hello"))
    }

    #[test]
    fn reads_the_original_tools_file() {
        let m = Metadata::from_slice(
            original().as_bytes(),
            Path::new("m.json"),
            &name("test_generator_v1"),
        )
        .unwrap();
        assert_eq!(m.local_content_hash, sha256_hex(b"hello"));
        assert_eq!(m.sync_direction.as_deref(), Some("pull"));
        assert_eq!(m.prompt_kind(), PromptKind::Text);
        assert_eq!(m.format(), TemplateFormat::FString);
        assert!(!m.locally_modified);
        // Writing adds no new field for absent optional values and keeps the eight.
        let back: Value = serde_json::from_slice(&m.to_json_bytes()).unwrap();
        let keys: Vec<&str> = back
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "prompt_name",
                "last_fetched_from_hub",
                "locally_modified",
                "local_edit_timestamp",
                "hub_content_hash",
                "local_content_hash",
                "last_sync_timestamp",
                "sync_direction"
            ]
        );
    }

    #[test]
    fn keeps_unknown_fields() {
        let text = original().replace(
            "\"sync_direction\": \"pull\"",
            "\"sync_direction\": \"pull\", \"team_note\": {\"owner\": \"qa\"}, \"x\": [1,2]",
        );
        let m = Metadata::from_slice(
            text.as_bytes(),
            Path::new("m.json"),
            &name("test_generator_v1"),
        )
        .unwrap();
        let back: Value = serde_json::from_slice(&m.to_json_bytes()).unwrap();
        assert_eq!(back["team_note"]["owner"], "qa");
        assert_eq!(back["x"], serde_json::json!([1, 2]));
    }

    #[test]
    fn round_trips_the_superset() {
        let mut m = Metadata::new(&name("p"), &sha256_hex(b"x"));
        m.hub_commit_hash = Some("abc123".into());
        m.kind = Some("chat".into());
        m.template_format = Some("mustache".into());
        m.input_variables = Some(vec!["a".into()]);
        m.manifest = Some(serde_json::json!({"lc": 1}));
        m.last_sync_timestamp = Some(timestamp::now_utc());
        let back =
            Metadata::from_slice(&m.to_json_bytes(), Path::new("p.json"), &name("p")).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.prompt_kind(), PromptKind::Chat);
        assert_eq!(back.format(), TemplateFormat::Mustache);
    }

    fn corrupt_detail(bytes: &[u8]) -> String {
        match Metadata::from_slice(
            bytes,
            Path::new("/c/metadata/test_generator_v1.json"),
            &name("test_generator_v1"),
        ) {
            Err(e @ Error::MetadataCorrupt { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("/c/metadata/test_generator_v1.json"), "{msg}");
                msg
            }
            other => panic!("expected MetadataCorrupt, got {other:?}"),
        }
    }

    #[test]
    fn corrupt_files_are_clear_errors() {
        let full = original();
        assert!(corrupt_detail(b"").contains("empty"));
        assert!(corrupt_detail(&full.as_bytes()[..full.len() / 2]).contains("truncated"));
        assert!(corrupt_detail(b"[1,2]").contains("not valid metadata"));
        assert!(corrupt_detail(b"\xff\xfe").contains("not valid metadata"));
        assert!(
            corrupt_detail(full.replace("test_generator_v1", "other").as_bytes())
                .contains("prompt_name")
        );
        let bad_hash = full.replacen(&sha256_hex(b"hello"), "abc", 1);
        assert!(corrupt_detail(bad_hash.as_bytes()).contains("SHA-256"));
        let bad_time = full.replace("2025-10-27T10:30:00\"", "yesterday\"");
        assert!(corrupt_detail(bad_time.as_bytes()).contains("last_fetched_from_hub"));
        let bad_kind = full.replace(
            "\"sync_direction\"",
            "\"kind\": \"video\", \"sync_direction\"",
        );
        assert!(corrupt_detail(bad_kind.as_bytes()).contains("kind"));
        let no_hash = full.replace("\"local_content_hash\"", "\"other_hash\"");
        assert!(corrupt_detail(no_hash.as_bytes()).contains("local_content_hash"));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let full = original();
        for cut in 0..full.len() {
            let r = Metadata::from_slice(
                &full.as_bytes()[..cut],
                Path::new("m.json"),
                &name("test_generator_v1"),
            );
            assert!(
                matches!(r, Err(Error::MetadataCorrupt { .. })),
                "cut at {cut}"
            );
        }
    }
}
