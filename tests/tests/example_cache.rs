//! The example app's committed cache is exactly what the generator produces from the
//! SDK's real manifests: regenerate it and compare every byte.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use prompt_sync_tests::{example_cache, workspace};

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if ![".prompt-sync.lock", ".gitignore", ".gitattributes"]
                .contains(&p.file_name().unwrap().to_str().unwrap())
            {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn committed_example_cache_is_generated_from_real_manifests() {
    let fresh = tempfile::tempdir().unwrap();
    example_cache::generate(&workspace::fixtures_dir(), fresh.path()).unwrap();
    let committed = files(&workspace::root().join("example-app/prompts/langsmith_cache"));
    let generated = files(fresh.path());
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        generated.keys().collect::<Vec<_>>(),
        "run `cargo run -p prompt-sync-tests --bin gen-example-cache`"
    );
    for (name, bytes) in &generated {
        assert!(
            committed[name] == *bytes,
            "{name} differs from the generator's output; run `cargo run -p prompt-sync-tests --bin gen-example-cache`"
        );
    }
    // At least a text f-string prompt, a chat prompt with system + placeholder + human,
    // and a mustache prompt.
    let meta = |n: &str| -> serde_json::Value {
        serde_json::from_slice(&generated[&format!("metadata/prompt-sync/{n}.json")]).unwrap()
    };
    assert_eq!(meta("summarizer")["kind"], "text");
    assert_eq!(meta("summarizer")["template_format"], "f-string");
    assert_eq!(meta("greeter")["template_format"], "mustache");
    let chat = String::from_utf8(generated["support_assistant.txt"].clone()).unwrap();
    assert!(chat.starts_with("=== system ===\n"));
    assert!(chat.contains("\n=== placeholder: history ===\n"));
    assert!(chat.contains("\n=== human ===\n"));
}
