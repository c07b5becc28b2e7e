//! The original Python tool (`smart-prompt-sync`) as its users have it: a cache and a
//! hub state built from the shapes its code writes, for the tests that take them over.
//!
//! What its `PromptSyncManager` does, and so what these fixtures reproduce:
//! - metadata is a dataclass of eight fields, written with `json.dump(..., indent=2)`
//!   (no final newline), timestamps from `datetime.now().isoformat()` (naive, with
//!   microseconds), unset fields `null`;
//! - the metadata file of `x_v1` is `metadata/x-v1.json` (`name.replace('_v1', '-v1')`);
//! - a push records the pushed text's hash as `hub_content_hash`, `locally_modified:
//!   false`, `sync_direction: "push"`, and leaves `local_content_hash` at the hash taken
//!   when the prompt was marked;
//! - an older version wrote `{prompt_name, last_synced, source, content_hash (a Python
//!   hash() integer), version}`;
//! - a pull backs the old text up to `x.backup.txt` (overwritten each time);
//! - the hub repo of `x` is `x_v1` unless the name ends in `_v1`, and every push sends
//!   `ChatPromptTemplate.from_messages([("system", text)])`; a fetch caches the template
//!   of a text prompt, or of a chat prompt's first message.
//!
//! The texts are this project's own.

use std::fs;
use std::path::Path;

use prompt_sync_core::hash::sha256_hex;
use serde_json::{Map, Value, json};

/// The eight fields of the original tool's metadata, in its order.
pub const FIELDS: [&str; 8] = [
    "prompt_name",
    "last_fetched_from_hub",
    "locally_modified",
    "local_edit_timestamp",
    "hub_content_hash",
    "local_content_hash",
    "last_sync_timestamp",
    "sync_direction",
];

/// The metadata file stem the original tool gives `name`.
pub fn metadata_stem(name: &str) -> String {
    name.replace("_v1", "-v1")
}

/// The hub repo the original tool reads and pushes for the cache entry `name`.
pub fn hub_repo(name: &str) -> String {
    if name.ends_with("_v1") {
        name.to_owned()
    } else {
        format!("{name}_v1")
    }
}

/// One metadata file as the original tool's dataclass writes it: `fields` are
/// `(name, value)` in any order; missing fields are written `null`, `false` for
/// `locally_modified`.
pub fn metadata_json(name: &str, fields: &[(&str, Value)]) -> String {
    let mut map = Map::new();
    for field in FIELDS {
        let value = match field {
            "prompt_name" => Value::String(name.to_owned()),
            "locally_modified" => Value::Bool(false),
            _ => Value::Null,
        };
        map.insert(field.to_owned(), value);
    }
    for (k, v) in fields {
        map.insert((*k).to_owned(), v.clone());
    }
    // `json.dump(indent=2)`: two-space indent, `": "`, no final newline.
    serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default()
}

/// What the original tool's loader (`PromptMetadata(**json.load(f))`) makes of a
/// metadata file: the object when it holds `prompt_name` and no field but the eight
/// (the dataclass raises on any other), else why not.
pub fn loader_reads(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return Err("not a JSON object".to_owned());
    };
    if let Some(k) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("unexpected keyword argument '{k}'"));
    }
    if !map.contains_key("prompt_name") {
        return Err("missing 'prompt_name'".to_owned());
    }
    Ok(map)
}

/// `ChatPromptTemplate.from_messages([("system", text)])` as the hub stores it (the
/// shape the SDK serialises; `variables` are the text's f-string variables).
pub fn system_chat_manifest(text: &str, variables: &[&str]) -> Value {
    json!({
        "lc": 1, "type": "constructor",
        "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
        "kwargs": {
            "input_variables": variables,
            "messages": [{
                "lc": 1, "type": "constructor",
                "id": ["langchain", "prompts", "chat", "SystemMessagePromptTemplate"],
                "kwargs": {"prompt": {
                    "lc": 1, "type": "constructor",
                    "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
                    "kwargs": {"input_variables": variables, "template": text, "template_format": "f-string"},
                    "name": "PromptTemplate"
                }}
            }]
        },
        "name": "ChatPromptTemplate"
    })
}

/// What the original tool's `fetch_from_hub` caches for `manifest`: a text prompt's
/// template, or the template of a chat prompt's first message.
pub fn fetched_text(manifest: &Value) -> Option<String> {
    let kwargs = manifest.get("kwargs")?;
    if let Some(t) = kwargs.get("template") {
        return t.as_str().map(str::to_owned);
    }
    kwargs
        .get("messages")?
        .get(0)?
        .pointer("/kwargs/prompt/kwargs/template")?
        .as_str()
        .map(str::to_owned)
}

/// A prompt of the standard scenario.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The cache entry's name.
    pub name: &'static str,
    /// Its cached text.
    pub text: &'static str,
    /// Its f-string variables.
    pub variables: &'static [&'static str],
}

/// `test_generator_v1`: pulled by the original tool (naive timestamps), with a backup.
pub const TEST_GENERATOR: Entry = Entry {
    name: "test_generator_v1",
    text: "You write unit tests for {language} code.\nCover the edge cases first.",
    variables: &["language"],
};
/// `agent_selector_v1`: marked, edited and pushed by the original tool.
pub const AGENT_SELECTOR: Entry = Entry {
    name: "agent_selector_v1",
    text: "Pick the agent whose skills fit the task best.\nAnswer with its name only.\n",
    variables: &[],
};
/// `agentic_rag_system`: follows the hub repo `agentic_rag_system_v1`.
pub const RAG_SYSTEM: Entry = Entry {
    name: "agentic_rag_system",
    text: "Answer from the retrieved documents; say so when they do not cover the question.",
    variables: &[],
};
/// `legacy_prompt`: metadata in the original's older shape (no SHA-256).
pub const LEGACY: Entry = Entry {
    name: "legacy_prompt",
    text: "An old prompt, cached before the tool recorded hashes.",
    variables: &[],
};
/// `draft_v1`: marked as edited before it was ever fetched (null fields), not on the hub.
pub const DRAFT: Entry = Entry {
    name: "draft_v1",
    text: "A draft nobody pushed yet.",
    variables: &[],
};

/// The prompts of the standard scenario that the hub has.
pub const ON_HUB: [Entry; 4] = [TEST_GENERATOR, AGENT_SELECTOR, RAG_SYSTEM, LEGACY];

/// Writes the standard scenario's cache into `cache_dir`, as the original tool left it.
pub fn write_cache(cache_dir: &Path) -> std::io::Result<()> {
    let meta_dir = cache_dir.join("metadata");
    fs::create_dir_all(&meta_dir)?;
    let h = |t: &str| Value::String(sha256_hex(t.as_bytes()));
    let s = |t: &str| Value::String(t.to_owned());
    let write = |e: &Entry, fields: &[(&str, Value)]| -> std::io::Result<()> {
        fs::write(cache_dir.join(format!("{}.txt", e.name)), e.text)?;
        fs::write(
            meta_dir.join(format!("{}.json", metadata_stem(e.name))),
            metadata_json(e.name, fields),
        )
    };
    let pulled = |e: &Entry| {
        vec![
            ("last_fetched_from_hub", s("2025-10-27T10:30:00.123456")),
            ("hub_content_hash", h(e.text)),
            ("local_content_hash", h(e.text)),
            ("last_sync_timestamp", s("2025-10-27T10:30:00.123456")),
            ("sync_direction", s("pull")),
        ]
    };
    write(&TEST_GENERATOR, &pulled(&TEST_GENERATOR))?;
    fs::write(
        cache_dir.join(format!("{}.backup.txt", TEST_GENERATOR.name)),
        "The text before the last pull.\n",
    )?;
    write(
        &AGENT_SELECTOR,
        &[
            ("local_edit_timestamp", s("2025-10-30T09:18:35.811604")),
            ("hub_content_hash", h(AGENT_SELECTOR.text)),
            ("local_content_hash", h("the text when it was marked\n")),
            ("last_sync_timestamp", s("2025-10-30T09:21:44.833738")),
            ("sync_direction", s("push")),
        ],
    )?;
    write(&RAG_SYSTEM, &pulled(&RAG_SYSTEM))?;
    fs::write(cache_dir.join(format!("{}.txt", LEGACY.name)), LEGACY.text)?;
    fs::write(
        meta_dir.join(format!("{}.json", LEGACY.name)),
        "{\n  \"prompt_name\": \"legacy_prompt\",\n  \"last_synced\": \"2025-10-24T14:21:25.166908\",\n  \"source\": \"fallback\",\n  \"content_hash\": 3337754897008630479,\n  \"version\": \"1\"\n}",
    )?;
    write(
        &DRAFT,
        &[
            ("locally_modified", Value::Bool(true)),
            ("local_edit_timestamp", s("2025-10-29T16:37:10.879913")),
            ("local_content_hash", h(DRAFT.text)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_is_what_the_original_reads() {
        let dir = tempfile::tempdir().unwrap();
        write_cache(dir.path()).unwrap();
        for e in [TEST_GENERATOR, AGENT_SELECTOR, RAG_SYSTEM, DRAFT] {
            let path = dir
                .path()
                .join(format!("metadata/{}.json", metadata_stem(e.name)));
            let bytes = fs::read(&path).unwrap();
            let map = loader_reads(&bytes).unwrap();
            assert_eq!(map.len(), 8);
        }
        // The older shape is not: the original's loader refuses it and starts afresh.
        let legacy = fs::read(dir.path().join("metadata/legacy_prompt.json")).unwrap();
        assert!(loader_reads(&legacy).is_err());
        assert_eq!(
            fetched_text(&system_chat_manifest("hi {x}", &["x"])).as_deref(),
            Some("hi {x}")
        );
        assert_eq!(hub_repo("router"), "router_v1");
        assert_eq!(hub_repo("router_v1"), "router_v1");
    }
}
