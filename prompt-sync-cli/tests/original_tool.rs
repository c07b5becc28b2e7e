//! The original Python tool's workflow run the other way round: a cache and a hub as
//! the original left them, then `cargo build`, `prompt-sync status`, `sync`,
//! `mark-edited`, an edit and `push`; after each step the original tool's own reading
//! of the result (its file names, its eight metadata fields, the hub's shape) holds.

#![allow(clippy::unwrap_used)]

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use prompt_sync_core::hash::sha256_hex;
use prompt_sync_tests::fake_hub::FakeHub;
use prompt_sync_tests::original::{self, DRAFT, Entry, LEGACY, ON_HUB, RAG_SYSTEM, TEST_GENERATOR};
use prompt_sync_tests::throwaway::Crate;
use support::*;

const MAIN_RS: &str = r#"use prompt_sync::{MessageTemplate, Prompt};

const GEN: Prompt = prompt_sync::prompt!("test_generator_v1");
const SELECT: Prompt = prompt_sync::prompt!("agent_selector_v1");
const RAG: Prompt = prompt_sync::prompt!("agentic_rag_system");

fn main() {
    for p in [GEN, SELECT, RAG] {
        let roles: Vec<String> = p
            .messages()
            .iter()
            .map(|m| match m {
                MessageTemplate::Message { role, .. } => role.as_str().to_owned(),
                MessageTemplate::Placeholder { variable } => format!("<{variable}>"),
            })
            .collect();
        println!("{}|{}|{:?}", p.name(), roles.join(","), p.content());
    }
}
"#;

/// The hub as the original tool left it: every prompt of the scenario pushed by it.
fn original_hub() -> FakeHub {
    let hub = hub();
    for e in ON_HUB {
        hub.put_prompt(
            &original::hub_repo(e.name),
            original::system_chat_manifest(e.text, e.variables),
        );
    }
    hub
}

/// The crate, with the original's cache copied in.
fn app() -> Crate {
    let app = Crate::new(
        "prompt_sync_e2e_original",
        "prompts = [\"test_generator_v1\", \"agent_selector_v1\", \"agentic_rag_system\"]\noriginal_hub_names = true",
        MAIN_RS,
    )
    .unwrap();
    original::write_cache(&cache(&app)).unwrap();
    app
}

fn cache(app: &Crate) -> PathBuf {
    app.path().join("prompts/langsmith_cache")
}

/// Runs the CLI in the crate against `hub`.
fn cli(app: &Crate, hub: &FakeHub, args: &[&str]) -> Run {
    run_in_env(BIN, app.path(), args, &hub_env(hub))
}

fn metadata_file(app: &Crate, name: &str) -> PathBuf {
    cache(app).join(format!("metadata/{}.json", original::metadata_stem(name)))
}

/// The original tool's reading of every metadata file the cache has: its loader takes
/// each one (the eight fields, nothing else).
fn original_reads_all(cache: &Path) {
    for entry in fs::read_dir(cache.join("metadata")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = fs::read(&path).unwrap();
            original::loader_reads(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}\n{}",
                    path.display(),
                    String::from_utf8_lossy(&bytes)
                )
            });
        }
    }
}

/// The bytes of every cached text of the scenario.
fn cached_texts(app: &Crate) -> Vec<Vec<u8>> {
    [
        TEST_GENERATOR,
        original::AGENT_SELECTOR,
        RAG_SYSTEM,
        LEGACY,
        DRAFT,
    ]
    .iter()
    .map(|e| fs::read(cache(app).join(format!("{}.txt", e.name))).unwrap())
    .collect()
}

fn expected_output() -> String {
    let line = |e: &Entry| format!("{}|system|{:?}\n", e.name, e.text);
    [TEST_GENERATOR, original::AGENT_SELECTOR, RAG_SYSTEM]
        .iter()
        .map(line)
        .collect()
}

#[test]
fn the_original_tools_cache_and_hub_work_as_they_are() {
    let hub = original_hub();
    let app = app();
    let before_texts = cached_texts(&app);

    // 1. An offline build embeds the original's texts as they are. Its prompts read as
    //    text prompts until a sync records the hub's shape; the older-shape prompt is
    //    only in the cache, so it is a warning naming the fix, not an error; the
    //    original's backups are no prompt names.
    let out = app.build(&[("PROMPT_SYNC_OFFLINE", "1")]).unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    lacks(&err, "backup");
    lacks(&err, "is not a valid prompt name");
    has(&err, "prompt-sync sync legacy_prompt");
    let run = app.run(&[]).unwrap();
    let printed = String::from_utf8_lossy(&run.stdout).into_owned();
    assert_eq!(printed, expected_output().replace("|system|", "|human|"));

    // The CI check of the cache alone passes: every prompt the crate uses is intact.
    cli(&app, &hub, &["check", "--offline"]).code(0);

    // 2. `status` against the hub as the original left it: everything up to date.
    let r = cli(&app, &hub, &["status"]);
    r.code(0);
    for e in [TEST_GENERATOR, original::AGENT_SELECTOR, RAG_SYSTEM] {
        let cells = row(&r.stdout, e.name);
        assert!(
            cells.contains(&"up to date"),
            "{}: {cells:?}\n{}",
            e.name,
            r.stdout
        );
    }
    lacks(&r.stdout, "hub newer");

    // 3. `sync`: identical, nothing rewritten; the older shape is recorded (its text is
    //    the hub's); the original's eight fields of a synced prompt stay as they were.
    let tg_meta = fs::read(metadata_file(&app, TEST_GENERATOR.name)).unwrap();
    let r = cli(&app, &hub, &["sync"]);
    r.code(0);
    has(&r.stdout, "Pulled from hub:   0");
    has(&r.stdout, "Updated from hub:  0");
    has(&r.stdout, "legacy_prompt: Hub and local are identical");
    let after_texts = cached_texts(&app);
    assert_eq!(after_texts, before_texts, "a sync rewrote a text");
    assert_eq!(
        fs::read(metadata_file(&app, TEST_GENERATOR.name)).unwrap(),
        tg_meta
    );
    original_reads_all(&cache(&app));
    let legacy =
        original::loader_reads(&fs::read(metadata_file(&app, LEGACY.name)).unwrap()).unwrap();
    assert_eq!(
        legacy["local_content_hash"],
        sha256_hex(LEGACY.text.as_bytes())
    );
    assert!(!cache(&app).join("metadata/legacy_prompt_v1.json").exists());

    // 4. An online build after the sync pulls nothing, and the prompts now read as the
    //    hub's one-system-message chat prompts, with the same text.
    let mut env: Vec<(&str, String)> = hub_env(&hub);
    env.push(("PROMPT_SYNC_REFRESH", "1".to_owned()));
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = app.build(&env_refs).unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    lacks(&err, "pulled");
    lacks(&err, "updated");
    let printed = String::from_utf8_lossy(&app.run(&[]).unwrap().stdout).into_owned();
    assert_eq!(printed, expected_output());

    // The CI check against the hub passes too: the hub has every text.
    cli(&app, &hub, &["check"]).code(0);

    // 5. mark-edited, edit, push: the hub gets a one-system-message chat prompt on the
    //    repo the original reads, and the original's reading of the result holds.
    cli(&app, &hub, &["mark-edited", TEST_GENERATOR.name]).code(0);
    original_reads_all(&cache(&app));
    let edited = "You write unit tests for {language} code.\nCover the edge cases first.\nName each test after its case.\n";
    fs::write(cache(&app).join("test_generator_v1.txt"), edited).unwrap();
    let r = cli(&app, &hub, &["push", TEST_GENERATOR.name]);
    r.code(0);
    let commits = hub.commits(TEST_GENERATOR.name);
    let (_, manifest, _) = commits.last().unwrap();
    assert_eq!(
        manifest["id"],
        serde_json::json!(["langchain", "prompts", "chat", "ChatPromptTemplate"])
    );
    assert_eq!(manifest["kwargs"]["messages"].as_array().unwrap().len(), 1);
    assert_eq!(original::fetched_text(manifest).as_deref(), Some(edited));
    let meta = original::loader_reads(&fs::read(metadata_file(&app, TEST_GENERATOR.name)).unwrap())
        .unwrap();
    assert_eq!(meta["sync_direction"], "push");
    assert_eq!(meta["locally_modified"], false);
    assert_eq!(meta["hub_content_hash"], sha256_hex(edited.as_bytes()));
    original_reads_all(&cache(&app));

    // 6. A prompt whose hub repo has the `_v1` suffix is pushed there, not to its name.
    cli(&app, &hub, &["mark-edited", RAG_SYSTEM.name]).code(0);
    let rag = "Answer from the retrieved documents only.";
    fs::write(cache(&app).join("agentic_rag_system.txt"), rag).unwrap();
    cli(&app, &hub, &["push", RAG_SYSTEM.name]).code(0);
    assert!(!hub.has_prompt(RAG_SYSTEM.name));
    let commits = hub.commits("agentic_rag_system_v1");
    assert_eq!(
        original::fetched_text(&commits.last().unwrap().1).as_deref(),
        Some(rag)
    );

    // 7. The next sync against that hub is identical again (the plain texts stay plain).
    let r = cli(&app, &hub, &["sync"]);
    r.code(0);
    assert_eq!(
        fs::read_to_string(cache(&app).join("test_generator_v1.txt")).unwrap(),
        edited
    );
    assert_eq!(
        fs::read_to_string(cache(&app).join("agentic_rag_system.txt")).unwrap(),
        rag
    );

    // 8. The original's backup is listed and restorable.
    let r = cli(&app, &hub, &["restore", TEST_GENERATOR.name, "--list"]);
    r.code(0);
    has(&r.stdout, "test_generator_v1.backup.txt");
    cli(
        &app,
        &hub,
        &[
            "restore",
            TEST_GENERATOR.name,
            "--backup",
            "test_generator_v1.backup.txt",
        ],
    )
    .code(0);
    assert_eq!(
        fs::read_to_string(cache(&app).join("test_generator_v1.txt")).unwrap(),
        "The text before the last pull.\n"
    );
    original_reads_all(&cache(&app));
}
