//! Sync metadata, in two files the original Python tool and prompt-sync share:
//!
//! - `<cache>/metadata/<stem>.json` holds the original tool's eight fields and nothing
//!   else, named as it names them (`test_generator_v1` -> `test_generator-v1.json`),
//!   so its loader (which refuses any other field) keeps reading it;
//! - `<cache>/metadata/prompt-sync/<name>.json` (the *record*) holds what a correct
//!   sync needs beyond them: the commit the cache came from, the ref asked for, the
//!   owner, the prompt's kind, template format and variables, the hub manifest (so a
//!   push can rebuild it losslessly), and fields this version does not know.
//!
//! In memory they are one [`Metadata`]. The record names the `hub_content_hash` it was
//! written with: when the original tool has synced the prompt since (a pull or a push
//! changes that hash), the record's commit, manifest and variables describe another
//! version and are dropped; its kind, format, owner and ref still hold.
//!
//! Reads accept everything the original tool writes: `null` for any field it leaves
//! unset, naive timestamps, and its older shape (`last_synced`, `source`, a Python
//! `hash()` integer as `content_hash`), which carries no SHA-256 and so no verified
//! base (see [`Metadata::has_verified_base`]). A file written by prompt-sync 0.1 (one
//! file holding every field) reads too. A file that does not parse, or whose values
//! are malformed, is [`Error::MetadataCorrupt`] naming the file, never a panic.

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
    #[serde(default, deserialize_with = "null_as_false")]
    pub locally_modified: bool,
    /// When it was marked edited.
    #[serde(default)]
    pub local_edit_timestamp: Option<String>,
    /// SHA-256 of the hub's text at the last sync: the three-way base.
    #[serde(default)]
    pub hub_content_hash: Option<String>,
    /// SHA-256 of the cached text as last written or recorded (`None` in the original
    /// tool's files for a prompt marked edited before it had a text, and in its older
    /// shape). After the original tool's push it is the text's hash when it was marked,
    /// not the pushed text's (see [`Metadata::text_is_recorded`]).
    #[serde(default)]
    pub local_content_hash: Option<String>,
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
            local_content_hash: Some(content_hash.to_owned()),
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
        // Every reader (verification, the sync engine) refuses the same files.
        check_size(bytes).map_err(corrupt)?;
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
        check_hash("local_content_hash", self.local_content_hash.as_deref())?;
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

    /// True when the metadata records a SHA-256 of the prompt's text (the local or the
    /// hub's). The original tool's older shape records none: its text cannot be
    /// verified until a sync compares it with the hub.
    pub fn has_verified_base(&self) -> bool {
        self.local_content_hash.is_some() || self.hub_content_hash.is_some()
    }

    /// True when a text whose SHA-256 is `sha256` is the one this metadata describes
    /// (unmarked): the recorded local hash; or the hub's, after a push by the original
    /// tool (which records the pushed text as `hub_content_hash` and leaves
    /// `local_content_hash` at the hash from when the prompt was marked) or when no
    /// local hash is recorded.
    pub fn text_is_recorded(&self, sha256: &str) -> bool {
        match self.local_content_hash.as_deref() {
            Some(local) if local == sha256 => true,
            Some(_) if self.sync_direction.as_deref() != Some("push") => false,
            _ => self.hub_content_hash.as_deref() == Some(sha256),
        }
    }

    /// Serializes every field into one pretty JSON document with a trailing newline
    /// (the form a write in progress keeps, with its `pending_write` marker).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        // Serializing plain data with string keys cannot fail.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// The original tool's file: its eight fields, in its order, formatted as its
    /// `json.dump(..., indent=2)` writes them (no final newline), so a file it wrote
    /// whose fields did not change is not rewritten.
    pub fn to_original_json_bytes(&self) -> Vec<u8> {
        let mut all = self.to_map();
        let mut out = Map::new();
        for key in ORIGINAL_FIELDS {
            if let Some(v) = all.remove(key) {
                out.insert(key.to_owned(), v);
            }
        }
        serde_json::to_vec_pretty(&Value::Object(out)).unwrap_or_default()
    }

    /// The record file: every field but the original tool's eight, bound to the
    /// `hub_content_hash` it describes; `None` when there is nothing to record. The
    /// older shape's fields go once a SHA-256 is recorded.
    pub fn to_record_json_bytes(&self) -> Option<Vec<u8>> {
        let mut all = self.to_map();
        for key in ORIGINAL_FIELDS.iter().chain(&["pending_write"]) {
            all.remove(*key);
        }
        if self.has_verified_base() {
            for key in OLDER_SHAPE_FIELDS {
                all.remove(key);
            }
        }
        if all.is_empty() {
            return None;
        }
        let mut out = Map::new();
        out.insert(
            RECORD_BINDING.to_owned(),
            self.hub_content_hash
                .clone()
                .map_or(Value::Null, Value::String),
        );
        out.extend(all);
        Some(pretty(&Value::Object(out)))
    }

    /// Reads the two files (see the module doc): `main` from `main_path`, and the
    /// record when there is one. While a write is in progress the main file holds
    /// every field and the record is not read.
    pub fn from_files(
        main: &[u8],
        main_path: &Path,
        record: Option<(&[u8], &Path)>,
        name: &PromptName,
    ) -> Result<Self> {
        let meta = Metadata::from_slice(main, main_path, name)?;
        let Some((bytes, record_path)) = record else {
            return Ok(meta);
        };
        if meta.pending_write.is_some() {
            return Ok(meta);
        }
        let corrupt = |detail: String| Error::MetadataCorrupt {
            path: record_path.to_owned(),
            detail,
        };
        check_size(bytes).map_err(corrupt)?;
        let Ok(Value::Object(record)) = serde_json::from_slice::<Value>(bytes) else {
            return Err(corrupt("it is not a JSON object".to_owned()));
        };
        let current = meta
            .hub_content_hash
            .clone()
            .map_or(Value::Null, Value::String);
        let fresh = record.get(RECORD_BINDING) == Some(&current);
        let mut all = meta.to_map();
        for (key, value) in record {
            let describes_another_version = !fresh && VERSION_FIELDS.contains(&key.as_str());
            // A field the original tool's file holds itself (written there by hand,
            // or by prompt-sync 0.1 after this record) wins over the record's.
            if key == RECORD_BINDING
                || describes_another_version
                || ORIGINAL_FIELDS.contains(&key.as_str())
                || key == "pending_write"
                || all.contains_key(&key)
            {
                continue;
            }
            all.insert(key, value);
        }
        let merged: Metadata = serde_json::from_value(Value::Object(all))
            .map_err(|e| corrupt(format!("it is not valid metadata: {e}")))?;
        merged.validate(name).map_err(corrupt)?;
        Ok(merged)
    }

    fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}

/// The original tool's fields, in the order it writes them.
pub const ORIGINAL_FIELDS: [&str; 8] = [
    "prompt_name",
    "last_fetched_from_hub",
    "locally_modified",
    "local_edit_timestamp",
    "hub_content_hash",
    "local_content_hash",
    "last_sync_timestamp",
    "sync_direction",
];

/// The fields of the original tool's older metadata shape that the current shape
/// replaces (`content_hash` is a Python `hash()`, not a SHA-256).
const OLDER_SHAPE_FIELDS: [&str; 4] = ["last_synced", "source", "content_hash", "version"];

/// The record's field naming the `hub_content_hash` it was written with.
const RECORD_BINDING: &str = "for_hub_content_hash";

/// Record fields that describe one hub version, dropped when the original tool has
/// synced another since.
const VERSION_FIELDS: [&str; 3] = ["hub_commit_hash", "manifest", "input_variables"];

/// Refuses a metadata or record file over [`MAX_METADATA_BYTES`].
fn check_size(bytes: &[u8]) -> std::result::Result<(), String> {
    if bytes.len() as u64 > MAX_METADATA_BYTES {
        return Err(format!(
            "it is {} bytes, over the {MAX_METADATA_BYTES} byte limit",
            bytes.len()
        ));
    }
    Ok(())
}

/// Pretty JSON with a trailing newline (stable, diff-friendly).
pub(crate) fn pretty(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// `null` reads as `false` (the original tool's dataclass allows it).
fn null_as_false<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
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
        assert_eq!(m.local_content_hash, Some(sha256_hex(b"hello")));
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

    /// What the original tool's loader (`PromptMetadata(**json.load(f))`, a dataclass
    /// of its eight fields) accepts: an object with `prompt_name` and no other key
    /// than the eight.
    fn original_loader_accepts(bytes: &[u8]) -> bool {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
            return false;
        };
        map.contains_key("prompt_name") && map.keys().all(|k| ORIGINAL_FIELDS.contains(&k.as_str()))
    }

    #[test]
    fn reads_the_original_tools_nulls() {
        // `mark_as_locally_edited` on a prompt never fetched, and without a text.
        let text = r#"{
  "prompt_name": "draft_v1",
  "last_fetched_from_hub": null,
  "locally_modified": null,
  "local_edit_timestamp": "2025-10-29T16:37:10.879913",
  "hub_content_hash": null,
  "local_content_hash": null,
  "last_sync_timestamp": null,
  "sync_direction": null
}"#;
        let m =
            Metadata::from_slice(text.as_bytes(), Path::new("m.json"), &name("draft_v1")).unwrap();
        assert!(!m.locally_modified);
        assert_eq!(m.local_content_hash, None);
        assert!(!m.has_verified_base());
        // Written back, every field is there again, null where unset.
        let back: Value = serde_json::from_slice(&m.to_original_json_bytes()).unwrap();
        assert_eq!(back["local_content_hash"], Value::Null);
        assert_eq!(back["locally_modified"], Value::Bool(false));
        assert_eq!(back.as_object().unwrap().len(), 8);
    }

    #[test]
    fn the_older_shape_reads_as_metadata_without_a_verified_base() {
        let text = r#"{
  "prompt_name": "legacy_prompt",
  "last_synced": "2025-10-24T14:21:25.166908",
  "source": "fallback",
  "content_hash": 3337754897008630479,
  "version": "1"
}"#;
        let mut m =
            Metadata::from_slice(text.as_bytes(), Path::new("m.json"), &name("legacy_prompt"))
                .unwrap();
        assert!(!m.has_verified_base());
        assert!(!m.text_is_recorded(&sha256_hex(b"anything")));
        // Once a SHA-256 is recorded, the older shape's fields go.
        m.local_content_hash = Some(sha256_hex(b"t"));
        m.hub_content_hash = Some(sha256_hex(b"t"));
        assert!(original_loader_accepts(&m.to_original_json_bytes()));
        assert_eq!(m.to_record_json_bytes(), None);
    }

    #[test]
    fn a_push_by_the_original_tool_leaves_a_stale_local_hash_that_is_still_clean() {
        let mut m = Metadata::new(&name("p"), &sha256_hex(b"marked"));
        m.hub_content_hash = Some(sha256_hex(b"pushed"));
        m.sync_direction = Some("push".into());
        assert!(m.text_is_recorded(&sha256_hex(b"pushed")));
        assert!(m.text_is_recorded(&sha256_hex(b"marked")));
        assert!(!m.text_is_recorded(&sha256_hex(b"other")));
        // After a pull the hub hash alone does not vouch for the text.
        m.sync_direction = Some("pull".into());
        assert!(!m.text_is_recorded(&sha256_hex(b"pushed")));
    }

    #[test]
    fn the_original_tools_file_holds_its_fields_and_the_record_the_rest() {
        let mut m = Metadata::new(&name("p_v1"), &sha256_hex(b"x"));
        m.hub_content_hash = Some(sha256_hex(b"x"));
        m.hub_commit_hash = Some("abc123".into());
        m.kind = Some("chat".into());
        m.manifest = Some(serde_json::json!({"lc": 1}));
        m.extra.insert("team".into(), serde_json::json!("qa"));
        let main = m.to_original_json_bytes();
        assert!(
            original_loader_accepts(&main),
            "{}",
            String::from_utf8_lossy(&main)
        );
        let record = m.to_record_json_bytes().unwrap();
        let r: Value = serde_json::from_slice(&record).unwrap();
        assert_eq!(r["hub_commit_hash"], "abc123");
        assert_eq!(r["team"], "qa");
        assert!(r.get("locally_modified").is_none());
        let both = Metadata::from_files(
            &main,
            Path::new("m.json"),
            Some((&record, Path::new("r.json"))),
            &name("p_v1"),
        )
        .unwrap();
        assert_eq!(both, m);
        // The original tool pulled another version since: the record's commit,
        // manifest and variables describe the old one and are dropped; the kind stays.
        let mut pulled = m.clone();
        pulled.hub_content_hash = Some(sha256_hex(b"y"));
        pulled.local_content_hash = Some(sha256_hex(b"y"));
        let later = Metadata::from_files(
            &pulled.to_original_json_bytes(),
            Path::new("m.json"),
            Some((&record, Path::new("r.json"))),
            &name("p_v1"),
        )
        .unwrap();
        assert_eq!(later.hub_commit_hash, None);
        assert_eq!(later.manifest, None);
        assert_eq!(later.kind.as_deref(), Some("chat"));
        assert_eq!(later.hub_content_hash, pulled.hub_content_hash);
        // A record that is not a JSON object is corrupt, naming the record.
        let err = Metadata::from_files(
            &main,
            Path::new("m.json"),
            Some((b"[1]", Path::new("/c/metadata/prompt-sync/p_v1.json"))),
            &name("p_v1"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("prompt-sync/p_v1.json"), "{err}");
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
        let no_name = full.replace("\"prompt_name\"", "\"other_name\"");
        assert!(corrupt_detail(no_name.as_bytes()).contains("prompt_name"));
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
