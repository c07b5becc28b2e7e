//! The sync engine and the HTTP client together against the fake hub: a chat prompt's
//! round trip (pull, marked edit, push, pull again) and the request count of syncs.

#![allow(clippy::unwrap_used)]

use std::fs;

use prompt_sync_build::engine::{self, Outcome, SyncOptions, Target};
use prompt_sync_build::hub::client::{ClientOptions, HttpHub};
use prompt_sync_build::hub::{HubSettings, Secret};
use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};
use prompt_sync_tests::fake_hub::FakeHub;
use prompt_sync_tests::throwaway::text_manifest;
use prompt_sync_tests::workspace;
use serde_json::Value;

fn client(hub: &FakeHub) -> HttpHub {
    HttpHub::new(
        HubSettings {
            api_key: Secret::new("k"),
            endpoint: hub.url(),
            workspace_id: None,
            owner: "-".to_owned(),
        },
        ClientOptions::default(),
    )
    .unwrap()
}

fn target(name: &str) -> Target {
    Target {
        name: PromptName::new(name).unwrap(),
        hub_ref: HubRef::latest(),
    }
}

fn sync(store: &Store, hub: &HttpHub, t: &[Target], opts: &SyncOptions) -> engine::SyncReport {
    let plan = engine::plan(store, t, hub, opts).unwrap();
    engine::apply(store, plan, hub, opts, |_| {})
}

#[test]
fn chat_round_trip_keeps_messages_roles_variables_and_the_rest_of_the_manifest() {
    let fake = FakeHub::start();
    // The SDK's StructuredPrompt pulled with its model: schema, metadata and the model
    // half must survive an edit of one message.
    let doc: Value = serde_json::from_slice(
        &fs::read(workspace::fixtures_dir().join("langsmith-sdk-unit-fixture-prompt-commits.json"))
            .unwrap(),
    )
    .unwrap();
    let manifest = doc
        .pointer("/entries/1/prompt_commit/manifest")
        .unwrap()
        .clone();
    let first = fake.put_prompt("tweets", manifest.clone());
    let hub = client(&fake);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(CacheLayout::new(dir.path()));
    let t = [target("tweets")];
    let r = sync(&store, &hub, &t, &SyncOptions::default());
    assert_eq!(r.prompts[0].outcome, Outcome::Pulled, "{r}");

    let name = PromptName::new("tweets").unwrap();
    let lock = store.lock_exclusive(|_| {}).unwrap();
    store.mark_edited(&lock, &name).unwrap();
    drop(lock);
    let text = store.read_text(&name).unwrap().unwrap();
    let edited = text.replace("{topic}", "Topic: {topic}");
    assert_ne!(edited, text);
    fs::write(store.layout().text_path(&name), &edited).unwrap();

    let push = SyncOptions {
        auto_push: true,
        ..SyncOptions::default()
    };
    let r = sync(&store, &hub, &t, &push);
    assert!(
        matches!(r.prompts[0].outcome, Outcome::Pushed { .. }),
        "{r}"
    );
    let commits = fake.commits("tweets");
    assert_eq!(commits.len(), 2);
    assert_eq!(
        commits[1].2.as_deref(),
        Some(first.as_str()),
        "pushed with the base as parent"
    );
    let meta = store.read_metadata(&name).unwrap().unwrap();
    assert_eq!(meta.sync_direction.as_deref(), Some("push"));
    assert_eq!(meta.hub_commit_hash.as_deref(), Some(commits[1].0.as_str()));
    assert!(!meta.locally_modified);

    // Only the edited template differs between the two hub commits.
    let (old, new) = (&commits[0].1, &commits[1].1);
    let mut expected = old.clone();
    let path = "/kwargs/first/kwargs/messages/1/kwargs/prompt/kwargs/template";
    *expected.pointer_mut(path).unwrap() = Value::from("Topic: {topic}");
    assert_eq!(new, &expected);

    // Pull again into an empty cache: the same text, kind, roles and variables.
    let dir2 = tempfile::tempdir().unwrap();
    let fresh = Store::new(CacheLayout::new(dir2.path()));
    sync(&fresh, &hub, &t, &SyncOptions::default());
    assert_eq!(fresh.read_text(&name).unwrap().unwrap(), edited);
    let m2 = fresh.read_metadata(&name).unwrap().unwrap();
    assert_eq!(m2.kind.as_deref(), Some("chat"));
    assert_eq!(m2.input_variables, meta.input_variables);
}

#[test]
fn a_no_change_sync_of_many_prompts_is_one_list_page_per_hundred() {
    let fake = FakeHub::start();
    let names: Vec<String> = (0..250).map(|i| format!("p{i:03}")).collect();
    for n in &names {
        fake.put_prompt(n, text_manifest(&format!("text of {n}"), &[]));
    }
    let hub = client(&fake);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(CacheLayout::new(dir.path()));
    let t: Vec<Target> = names.iter().map(|n| target(n)).collect();
    let r = sync(&store, &hub, &t, &SyncOptions::default());
    assert_eq!(r.totals().pulled, 250);
    assert_eq!(
        fake.request_count(),
        250,
        "a cold cache needs no list: 250 pulls"
    );

    fake.clear_requests();
    let r = sync(&store, &hub, &t, &SyncOptions::default());
    assert_eq!(r.totals().unchanged, 250);
    assert_eq!(
        fake.request_count(),
        3,
        "{:?}",
        fake.requests()
            .iter()
            .map(|r| r.logical_path())
            .collect::<Vec<_>>()
    );

    // 10% changed: the list pages plus one pull per changed prompt.
    for n in names.iter().step_by(10) {
        fake.put_prompt(n, text_manifest(&format!("new text of {n}"), &[]));
    }
    fake.clear_requests();
    let r = sync(&store, &hub, &t, &SyncOptions::default());
    assert_eq!(r.totals().updated, 25);
    assert_eq!(fake.request_count(), 3 + 25);
}

#[test]
fn a_pulled_jinja2_prompt_is_cached_with_a_clear_warning() {
    let fake = FakeHub::start();
    let mut manifest = text_manifest("Hello {{ name }}", &["name"]);
    manifest["kwargs"]["template_format"] = Value::from("jinja2");
    fake.put_prompt("jinja", manifest);
    let pkg = prompt_sync_tests::reliability::package("prompts = [\"jinja\"]").unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let env = prompt_sync_build::Env::from_map(
        [
            ("LANGSMITH_API_KEY", "k".to_owned()),
            ("LANGSMITH_ENDPOINT", fake.url()),
            ("OUT_DIR", out_dir.path().display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    );
    let report = prompt_sync_build::Builder::new()
        .package_dir(pkg.path())
        .run_with(&env)
        .map_err(|(e, _)| e.to_string())
        .unwrap();
    let text = report.directives.to_string();
    assert!(text.contains("pulled `jinja`"), "{text}");
    assert!(
        text.contains("`jinja` uses jinja2 templates, which prompt-sync cannot render"),
        "{text}"
    );
    assert!(
        pkg.path()
            .join("prompts/langsmith_cache/jinja.txt")
            .exists()
    );
}
