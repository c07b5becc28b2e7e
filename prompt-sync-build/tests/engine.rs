//! The sync engine against an in-memory hub: the three-way table, backups, dry runs,
//! pushes and the request count of a no-change sync.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use prompt_sync_build::engine::push::{PushOptions, PushResult, push_prompt};
use prompt_sync_build::engine::{self, Outcome, State, SyncOptions, Target};
use prompt_sync_build::hub::memory::MemoryHub;
use prompt_sync_build::hub::{
    CommitSummary, Hub, HubError, PulledCommit, PushOutcome, RepoSummary,
};
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::lock::CacheLock;
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};
use serde_json::{Value, json};

fn text(template: &str) -> Value {
    json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
           "kwargs": {"input_variables": [], "template": template, "template_format": "f-string"}})
}

fn chat(system: &str, human: &str) -> Value {
    let msg = |class: &str, t: &str| {
        json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", class],
        "kwargs": {"prompt": {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
            "kwargs": {"input_variables": [], "template": t, "template_format": "f-string"}}}})
    };
    json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
           "kwargs": {"input_variables": ["history", "q"], "metadata": {"team": "qa"}, "messages": [
               msg("SystemMessagePromptTemplate", system),
               {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "MessagesPlaceholder"], "kwargs": {"variable_name": "history", "optional": true}},
               msg("HumanMessagePromptTemplate", human)]}})
}

fn targets(names: &[&str]) -> Vec<Target> {
    names
        .iter()
        .map(|n| Target {
            name: PromptName::new(n).unwrap(),
            hub_ref: HubRef::latest(),
        })
        .collect()
}

fn setup() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::new(CacheLayout::new(d.path().join("cache")));
    (d, s)
}

fn sync(store: &Store, hub: &MemoryHub, t: &[Target], opts: &SyncOptions) -> engine::SyncReport {
    let plan = engine::plan(store, t, hub, opts).unwrap();
    engine::apply(store, plan, hub, opts, |_| {})
}

fn outcomes(r: &engine::SyncReport) -> Vec<(String, Outcome)> {
    r.prompts
        .iter()
        .map(|p| (p.name.clone(), p.outcome.clone()))
        .collect()
}

fn by_name(r: &engine::SyncReport) -> BTreeMap<String, Outcome> {
    outcomes(r).into_iter().collect()
}

fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let m = fs::metadata(&p).unwrap().modified().unwrap();
                out.insert(p.display().to_string(), (fs::read(&p).unwrap(), m));
            }
        }
    }
    out
}

/// Marks `n` as locally edited, as `prompt-sync mark-edited` does.
fn mark_edited(store: &Store, n: &str) -> PromptName {
    let name = PromptName::new(n).unwrap();
    let lock = store.lock_exclusive(|_| {}).unwrap();
    store.mark_edited(&lock, &name).unwrap();
    name
}

fn read(store: &Store, n: &str) -> String {
    store
        .read_text(&PromptName::new(n).unwrap())
        .unwrap()
        .unwrap()
}

#[test]
fn cold_then_warm_sync_and_the_request_count() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("A {x}"));
    hub.put("b", chat("sys", "{q}"));
    hub.put("c", text("C"));
    let t = targets(&["a", "b", "c"]);
    let opts = SyncOptions::default();
    let r = sync(&store, &hub, &t, &opts);
    assert!(
        outcomes(&r).iter().all(|(_, o)| *o == Outcome::Pulled),
        "{r}"
    );
    // Nothing is cached, so no prompt can be known unchanged: no list, three pulls
    // (in parallel: in any order).
    let mut calls = hub.calls();
    calls.sort();
    assert_eq!(calls, ["pull a latest", "pull b latest", "pull c latest"]);
    assert_eq!(
        read(&store, "b"),
        "=== system ===\nsys\n=== placeholder: history ===\n\n=== human ===\n{q}\n"
    );
    let m = store
        .read_metadata(&PromptName::new("a").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(m.sync_direction.as_deref(), Some("pull"));
    assert!(m.hub_commit_hash.is_some() && m.last_fetched_from_hub.is_some());

    // Nothing changed: one list request, no pulls, no file touched.
    hub.clear_calls();
    let before = snapshot(store.layout().root());
    let r = sync(&store, &hub, &t, &opts);
    assert_eq!(hub.calls(), vec!["list".to_owned()]);
    assert!(outcomes(&r).iter().all(|(_, o)| *o == Outcome::Unchanged));
    assert_eq!(snapshot(store.layout().root()), before);
    assert_eq!(r.totals().unchanged, 3);
}

#[test]
fn hub_newer_is_pulled_with_a_backup_and_only_it_is_fetched() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("v1"));
    hub.put("b", text("B"));
    let t = targets(&["a", "b"]);
    let opts = SyncOptions::default();
    sync(&store, &hub, &t, &opts);
    hub.put("a", text("v2"));
    hub.clear_calls();
    let r = sync(&store, &hub, &t, &opts);
    assert_eq!(
        hub.calls(),
        vec!["list".to_owned(), "pull a latest".to_owned()]
    );
    let Outcome::Updated { backup: Some(b) } = &r.prompts[0].outcome else {
        panic!("{r}")
    };
    assert_eq!(fs::read_to_string(b).unwrap(), "v1");
    assert_eq!(read(&store, "a"), "v2");
    assert_eq!(r.totals().updated, 1);
}

#[test]
fn unmarked_edits_and_conflicts_survive_and_are_reported() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("edited", text("E"));
    hub.put("both", text("B1"));
    let t = targets(&["edited", "both"]);
    let opts = SyncOptions::default();
    sync(&store, &hub, &t, &opts);
    fs::write(
        store
            .layout()
            .text_path(&PromptName::new("edited").unwrap()),
        "E mine",
    )
    .unwrap();
    fs::write(
        store.layout().text_path(&PromptName::new("both").unwrap()),
        "B mine",
    )
    .unwrap();
    hub.put("both", text("B2"));
    let before = snapshot(store.layout().root());
    let r = sync(&store, &hub, &t, &opts);
    assert_eq!(r.prompts[0].state, Some(State::UnmarkedEdit));
    assert_eq!(r.prompts[0].outcome, Outcome::UnmarkedEdit);
    assert_eq!(r.prompts[1].state, Some(State::Conflict));
    assert!(matches!(r.prompts[1].outcome, Outcome::Conflict(_)));
    assert!(r.has_problems());
    assert_eq!(r.totals().conflicts, 2);
    assert_eq!(
        snapshot(store.layout().root()),
        before,
        "nothing may be overwritten"
    );

    // --force-pull takes the hub's text, backing up the local one.
    let force = SyncOptions {
        force_pull: true,
        ..SyncOptions::default()
    };
    sync(&store, &hub, &t, &force);
    assert_eq!(read(&store, "both"), "B2");
    let backups = store
        .list_backups(&PromptName::new("both").unwrap())
        .unwrap();
    assert!(
        backups
            .iter()
            .any(|b| fs::read_to_string(b).unwrap() == "B mine")
    );
}

#[test]
fn dry_run_reports_the_plan_and_changes_nothing() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("v1"));
    let t = targets(&["a", "new_one"]);
    hub.put("new_one", text("N"));
    let opts = SyncOptions::default();
    sync(&store, &hub, &targets(&["a"]), &opts);
    hub.put("a", text("v2"));
    let before = snapshot(store.layout().root());
    let plan = engine::plan(&store, &t, &hub, &opts).unwrap();
    let r = engine::dry_run(&plan);
    assert_eq!(
        outcomes(&r),
        vec![
            ("a".into(), Outcome::WouldUpdate),
            ("new_one".into(), Outcome::WouldPull)
        ]
    );
    assert_eq!(snapshot(store.layout().root()), before);
    assert!(!hub.calls().iter().any(|c| c.starts_with("push")));
}

#[test]
fn marked_chat_edit_is_pushed_with_its_parent_and_round_trips() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    let base = hub.put("chat", chat("You are terse.", "{q}"));
    let t = targets(&["chat"]);
    let opts = SyncOptions {
        auto_push: true,
        ..SyncOptions::default()
    };
    sync(&store, &hub, &t, &opts);
    let name = mark_edited(&store, "chat");
    let edited = "=== system ===\nYou are terse, {persona}.\n=== placeholder: history ===\n\n=== human ===\n{q}";
    fs::write(store.layout().text_path(&name), edited).unwrap();
    let r = sync(&store, &hub, &t, &opts);
    let Outcome::Pushed {
        commit: Some(new_commit),
    } = &r.prompts[0].outcome
    else {
        panic!("{r}")
    };
    assert!(hub.calls().contains(&format!("push chat parent={base}")));
    let m = store.read_metadata(&name).unwrap().unwrap();
    assert_eq!(m.sync_direction.as_deref(), Some("push"));
    assert!(!m.locally_modified);
    assert_eq!(m.hub_commit_hash.as_deref(), Some(new_commit.as_str()));
    // The pushed manifest keeps what the text cannot express and gains the new variable.
    let pushed = hub.latest("chat").unwrap().manifest;
    assert_eq!(pushed["kwargs"]["metadata"]["team"], "qa");
    assert_eq!(pushed["kwargs"]["messages"][1]["kwargs"]["optional"], true);
    assert_eq!(
        pushed["kwargs"]["input_variables"],
        json!(["history", "persona", "q"])
    );
    // Pull it back into an empty cache: the same messages, in a file that ends with
    // the final newline (the edit was saved without one, which reads the same).
    let (_d2, other) = setup();
    sync(&other, &hub, &t, &SyncOptions::default());
    assert_eq!(read(&other, "chat"), format!("{edited}\n"));
    // And the first cache is up to date with it.
    let r = sync(&store, &hub, &t, &SyncOptions::default());
    assert_eq!(r.prompts[0].outcome, Outcome::Unchanged);
}

#[test]
fn pinned_refs_one_failing_prompt_and_converged_texts() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    let c1 = hub.put("pinned", text("P1"));
    hub.put("pinned", text("P2"));
    hub.tag("pinned", "prod", &c1);
    hub.put("flaky", text("F"));
    hub.put("same", text("S2"));
    let t = vec![
        Target {
            name: PromptName::new("pinned").unwrap(),
            hub_ref: HubRef::new("prod").unwrap(),
        },
        Target {
            name: PromptName::new("flaky").unwrap(),
            hub_ref: HubRef::latest(),
        },
    ];
    hub.fail("flaky");
    let r = sync(&store, &hub, &t, &SyncOptions::default());
    assert_eq!(read(&store, "pinned"), "P1");
    assert!(
        matches!(&r.prompts[1].outcome, Outcome::Error(e) if e.contains("503")),
        "{r}"
    );
    assert!(
        !store
            .layout()
            .text_path(&PromptName::new("flaky").unwrap())
            .exists()
    );
    // A tag can move: it is fetched every time; a full commit hash is not.
    hub.clear_calls();
    let by_hash = vec![Target {
        name: PromptName::new("pinned").unwrap(),
        hub_ref: HubRef::new(&c1).unwrap(),
    }];
    sync(&store, &hub, &t[..1], &SyncOptions::default());
    assert_eq!(hub.calls(), vec!["pull pinned prod".to_owned()]);
    hub.clear_calls();
    // The recorded ref differs (prod vs the hash): fetched once, then known.
    sync(&store, &hub, &by_hash, &SyncOptions::default());
    hub.clear_calls();
    sync(&store, &hub, &by_hash, &SyncOptions::default());
    assert_eq!(hub.calls(), Vec::<String>::new());

    // Converged: the local text was edited to what the hub now has.
    let same = targets(&["same"]);
    hub.put("same", text("S1"));
    let (_d2, s2) = setup();
    let hub2 = MemoryHub::default();
    hub2.put("same", text("S1"));
    sync(&s2, &hub2, &same, &SyncOptions::default());
    fs::write(
        s2.layout().text_path(&PromptName::new("same").unwrap()),
        "S3",
    )
    .unwrap();
    hub2.put("same", text("S3"));
    let r = sync(&s2, &hub2, &same, &SyncOptions::default());
    assert_eq!(r.prompts[0].outcome, Outcome::Recorded);
    let m = s2
        .read_metadata(&PromptName::new("same").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        m.hub_content_hash.as_deref(),
        Some(sha256_hex(b"S3").as_str())
    );
}

#[test]
fn read_only_plans_do_not_repair_but_syncs_do() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("A"));
    let t = targets(&["a"]);
    sync(&store, &hub, &t, &SyncOptions::default());
    let stale = store.layout().root().join(".a.txt.tmp.4242.0");
    fs::write(&stale, "left by a killed process").unwrap();
    let dry = SyncOptions {
        repair_first: false,
        ..SyncOptions::default()
    };
    let plan = engine::plan(&store, &t, &hub, &dry).unwrap();
    engine::dry_run(&plan);
    assert!(stale.exists(), "a dry run must change nothing");
    sync(&store, &hub, &t, &SyncOptions::default());
    assert!(!stale.exists(), "a real sync repairs first");
}

#[test]
fn the_metadata_records_the_configured_owner() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("A"));
    let t = targets(&["a"]);
    let team = SyncOptions {
        owner: "team".to_owned(),
        ..SyncOptions::default()
    };
    sync(&store, &hub, &t, &team);
    let meta = |store: &Store| {
        store
            .read_metadata(&PromptName::new("a").unwrap())
            .unwrap()
            .unwrap()
    };
    assert_eq!(meta(&store).owner.as_deref(), Some("team"));
    // The config's owner changes: the next pull records the new one, not the old.
    hub.put("a", text("A2"));
    let other = SyncOptions {
        owner: "other".to_owned(),
        ..SyncOptions::default()
    };
    sync(&store, &hub, &t, &other);
    assert_eq!(read(&store, "a"), "A2");
    assert_eq!(meta(&store).owner.as_deref(), Some("other"));
}

#[test]
fn auto_push_keeps_a_marked_edit_of_a_prompt_that_follows_a_tag() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    let v1 = hub.put("r", text("v1"));
    hub.tag("r", "prod", &v1);
    hub.put("r", text("v2"));
    let t = vec![Target {
        name: PromptName::new("r").unwrap(),
        hub_ref: HubRef::new("prod").unwrap(),
    }];
    sync(&store, &hub, &t, &SyncOptions::default());
    assert_eq!(read(&store, "r"), "v1");
    let name = mark_edited(&store, "r");
    fs::write(store.layout().text_path(&name), "mine").unwrap();
    let opts = SyncOptions {
        auto_push: true,
        ..SyncOptions::default()
    };
    let r = sync(&store, &hub, &t, &opts);
    let Outcome::PushRefused(why) = &r.prompts[0].outcome else {
        panic!("{r}");
    };
    assert!(why.contains("`prompt-sync push r`"), "{why}");
    assert!(r.has_problems());
    assert!(
        !hub.calls().iter().any(|c| c.starts_with("push")),
        "{:?}",
        hub.calls()
    );
    assert_eq!(read(&store, "r"), "mine");
}

#[test]
fn auto_push_rechecks_the_newest_commit_before_pushing() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("A"));
    let t = targets(&["a"]);
    sync(&store, &hub, &t, &SyncOptions::default());
    let name = mark_edited(&store, "a");
    fs::write(store.layout().text_path(&name), "mine").unwrap();
    let opts = SyncOptions {
        auto_push: true,
        ..SyncOptions::default()
    };
    let plan = engine::plan(&store, &t, &hub, &opts).unwrap();
    // The hub moves between planning and applying.
    hub.put("a", text("theirs"));
    let r = engine::apply(&store, plan, &hub, &opts, |_| {});
    assert!(
        matches!(&r.prompts[0].outcome, Outcome::Conflict(w) if w.contains("while syncing")),
        "{r}"
    );
    assert!(
        !hub.calls().iter().any(|c| c.starts_with("push")),
        "{:?}",
        hub.calls()
    );
}

#[test]
fn auto_push_goes_on_top_of_a_hub_commit_that_kept_the_text() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("chat", chat("S", "{q}"));
    let t = targets(&["chat"]);
    sync(&store, &hub, &t, &SyncOptions::default());
    // On the hub, a commit that changes only what the text does not show.
    let mut settings = chat("S", "{q}");
    settings["kwargs"]["metadata"]["team"] = json!("ops");
    let c1 = hub.put("chat", settings);
    let name = mark_edited(&store, "chat");
    let path = store.layout().text_path(&name);
    let edited = fs::read_to_string(&path).unwrap().replace("{q}", "Q: {q}");
    fs::write(&path, &edited).unwrap();
    let opts = SyncOptions {
        auto_push: true,
        ..SyncOptions::default()
    };
    let r = sync(&store, &hub, &t, &opts);
    let Outcome::Pushed {
        commit: Some(commit),
    } = &r.prompts[0].outcome
    else {
        panic!("{r}")
    };
    // On top of the hub's newest commit, keeping its change; recorded as `push` does.
    assert!(hub.calls().contains(&format!("push chat parent={c1}")));
    let pushed = hub.latest("chat").unwrap().manifest;
    assert_eq!(pushed["kwargs"]["metadata"]["team"], "ops");
    let m = store.read_metadata(&name).unwrap().unwrap();
    assert_eq!(m.hub_commit_hash.as_deref(), Some(commit.as_str()));
    assert_eq!(m.manifest.as_ref(), Some(&pushed));
    assert_eq!(m.owner.as_deref(), Some("-"));
    assert!(!m.locally_modified);
    assert_eq!(read(&store, "chat"), edited);
    let r = sync(&store, &hub, &t, &SyncOptions::default());
    assert_eq!(r.prompts[0].outcome, Outcome::Unchanged, "{r}");
}

#[test]
fn corrupt_metadata_is_replaced_by_the_hubs_only_when_nothing_is_lost() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("same", text("S"));
    hub.put("mine", text("M"));
    let t = targets(&["same", "mine"]);
    sync(&store, &hub, &t, &SyncOptions::default());
    let layout = store.layout().clone();
    let path = |n: &str| layout.metadata_path(&PromptName::new(n).unwrap());
    for n in ["same", "mine"] {
        fs::write(path(n), b"{\"prompt_name\": \"x\", \"local_con").unwrap(); // truncated
    }
    fs::write(
        layout.text_path(&PromptName::new("mine").unwrap()),
        "my edit",
    )
    .unwrap();
    let before = snapshot(layout.root());

    // A dry run says what a sync would do, and changes nothing.
    let plan = engine::plan(&store, &t, &hub, &SyncOptions::default()).unwrap();
    let o = by_name(&engine::dry_run(&plan));
    assert_eq!(o["same"], Outcome::WouldRecord);
    assert!(matches!(o["mine"], Outcome::Error(_)), "{o:?}");
    assert_eq!(snapshot(layout.root()), before);

    // The text is the hub's: its metadata is recorded again. The edited text stays,
    // and the error names both ways out.
    let r = sync(&store, &hub, &t, &SyncOptions::default());
    let o = by_name(&r);
    assert_eq!(o["same"], Outcome::Recorded, "{r}");
    let Outcome::Error(e) = &o["mine"] else {
        panic!("{r}")
    };
    assert!(
        e.contains("is corrupt") && e.contains("git checkout") && e.contains("--force-pull"),
        "{e}"
    );
    assert_eq!(read(&store, "mine"), "my edit");
    assert_eq!(
        fs::read(path("mine")).unwrap(),
        before[&path("mine").display().to_string()].0
    );
    let m = store
        .read_metadata(&PromptName::new("same").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(m.local_content_hash, Some(sha256_hex(b"S")));

    // --force-pull takes the hub's, backing the edit up.
    let force = SyncOptions {
        force_pull: true,
        ..SyncOptions::default()
    };
    let r = sync(&store, &hub, &t, &force);
    let Outcome::Updated { backup: Some(b) } = &by_name(&r)["mine"] else {
        panic!("{r}")
    };
    assert_eq!(fs::read_to_string(b).unwrap(), "my edit");
    assert_eq!(read(&store, "mine"), "M");
    let r = sync(&store, &hub, &t, &SyncOptions::default());
    assert!(
        r.prompts.iter().all(|p| p.outcome == Outcome::Unchanged),
        "{r}"
    );
}

#[test]
fn a_dry_run_reports_an_interrupted_write_as_such() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("A"));
    let t = targets(&["a"]);
    sync(&store, &hub, &t, &SyncOptions::default());
    let name = PromptName::new("a").unwrap();
    let layout = store.layout();
    let mut meta = store.read_metadata(&name).unwrap().unwrap();
    let old = serde_json::to_value(&meta).unwrap();
    meta.hub_content_hash = Some(sha256_hex(b"B"));
    meta.local_content_hash = Some(sha256_hex(b"B"));
    meta.pending_write = Some(prompt_sync_core::metadata::PendingWrite {
        incoming_hash: sha256_hex(b"B"),
        previous: Some(Box::new(old)),
        ..Default::default()
    });
    fs::write(layout.incoming_path(&name), "B").unwrap();
    fs::write(layout.metadata_path(&name), meta.to_json_bytes()).unwrap();
    let opts = SyncOptions {
        repair_first: false,
        ..SyncOptions::default()
    };
    let plan = engine::plan(&store, &t, &hub, &opts).unwrap();
    let r = engine::dry_run(&plan);
    assert_eq!(r.prompts[0].outcome, Outcome::Interrupted, "{r}");
    assert!(!r.has_problems());
    assert!(
        r.prompts[0]
            .outcome
            .to_string()
            .contains("`prompt-sync repair`")
    );
}

#[test]
fn a_prompt_another_process_synced_meanwhile_is_unchanged_not_an_error() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("A1"));
    hub.put("b", text("B1"));
    let t = targets(&["a", "b"]);
    let opts = SyncOptions::default();
    sync(&store, &hub, &t, &opts);
    hub.put("a", text("A2"));
    hub.put("b", text("B2"));
    // Two syncs plan at once; the other one applies first.
    let late = engine::plan(&store, &t, &hub, &opts).unwrap();
    let first = sync(&store, &hub, &t, &opts);
    assert!(
        outcomes(&first)
            .iter()
            .all(|(_, o)| matches!(o, Outcome::Updated { .. })),
        "{first}"
    );
    // Meanwhile `b` is also edited by hand: that one must not be overwritten.
    fs::write(
        store.layout().text_path(&PromptName::new("b").unwrap()),
        "mine",
    )
    .unwrap();
    let r = engine::apply(&store, late, &hub, &opts, |_| {});
    let got = outcomes(&r);
    assert_eq!(got[0], ("a".to_owned(), Outcome::Unchanged), "{r}");
    // Planned again under the lock: the hand edit is what it is, an unmarked edit.
    assert_eq!(got[1], ("b".to_owned(), Outcome::UnmarkedEdit), "{r}");
    assert_eq!(read(&store, "a"), "A2");
    assert_eq!(read(&store, "b"), "mine");
}

/// Another sync wrote a newer hub version than the one this sync planned, and the hub
/// moved again since: the prompt is planned again under the lock, against the hub's
/// newest, and pulled; never written back to the older version this sync fetched.
#[test]
fn a_prompt_another_sync_moved_is_planned_again_under_the_lock() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("A1"));
    let t = targets(&["a"]);
    let opts = SyncOptions::default();
    sync(&store, &hub, &t, &opts);
    hub.put("a", text("A2"));
    let late = engine::plan(&store, &t, &hub, &opts).unwrap();
    hub.put("a", text("A3"));
    // The other sync lands A3 first; then the hub moves on to A4.
    sync(&store, &hub, &t, &opts);
    assert_eq!(read(&store, "a"), "A3");
    hub.put("a", text("A4"));
    let r = engine::apply(&store, late, &hub, &opts, |_| {});
    let got = outcomes(&r);
    assert!(matches!(got[0].1, Outcome::Updated { .. }), "{r}");
    assert_eq!(read(&store, "a"), "A4");
    // And when the other sync already landed the newest, nothing is left to do.
    hub.put("a", text("A5"));
    let late = engine::plan(&store, &t, &hub, &opts).unwrap();
    hub.put("a", text("A6"));
    sync(&store, &hub, &t, &opts);
    let r = engine::apply(&store, late, &hub, &opts, |_| {});
    assert_eq!(outcomes(&r)[0].1, Outcome::Unchanged, "{r}");
    assert_eq!(read(&store, "a"), "A6");
}

/// A hub that, at each `pull`, tries to take the cache's exclusive lock (as another
/// process's write would) and records whether it had to give up.
struct LockProbe<'a> {
    hub: &'a MemoryHub,
    lock_path: std::path::PathBuf,
    refused: std::sync::Mutex<Vec<bool>>,
}

impl Hub for LockProbe<'_> {
    fn list_repos(&self, owner: &str) -> Result<Vec<RepoSummary>, HubError> {
        self.hub.list_repos(owner)
    }
    fn pull(&self, owner: &str, name: &str, r: &str) -> Result<PulledCommit, HubError> {
        let wait = std::time::Duration::from_millis(30);
        let taken = CacheLock::exclusive(&self.lock_path, wait, |_| {}).is_ok();
        self.refused.lock().unwrap().push(!taken);
        self.hub.pull(owner, name, r)
    }
    fn list_commits(&self, o: &str, n: &str, l: usize) -> Result<Vec<CommitSummary>, HubError> {
        self.hub.list_commits(o, n, l)
    }
    fn repo_exists(&self, owner: &str, name: &str) -> Result<bool, HubError> {
        self.hub.repo_exists(owner, name)
    }
    fn create_repo(&self, name: &str, description: Option<&str>) -> Result<(), HubError> {
        self.hub.create_repo(name, description)
    }
    fn push(
        &self,
        owner: &str,
        name: &str,
        manifest: &Value,
        parent: Option<&str>,
        description: Option<&str>,
    ) -> Result<PushOutcome, HubError> {
        self.hub.push(owner, name, manifest, parent, description)
    }
    fn add_tag(&self, owner: &str, name: &str, tag: &str, id: &str) -> Result<(), HubError> {
        self.hub.add_tag(owner, name, tag, id)
    }
}

#[test]
fn a_push_dry_run_reads_under_the_shared_lock_to_the_end() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("A"));
    sync(&store, &hub, &targets(&["a"]), &SyncOptions::default());
    let name = mark_edited(&store, "a");
    fs::write(store.layout().text_path(&name), "mine").unwrap();
    let probe = LockProbe {
        hub: &hub,
        lock_path: store.layout().lock_path(),
        refused: std::sync::Mutex::new(Vec::new()),
    };
    let opts = PushOptions {
        dry_run: true,
        ..PushOptions::default()
    };
    let r = push_prompt(&store, &name, &probe, &opts, |_| {});
    assert!(matches!(r.result, PushResult::WouldPush { .. }), "{r:?}");
    // A writer could not get in while the dry run was reading the hub.
    assert_eq!(*probe.refused.lock().unwrap(), vec![true]);
}

#[test]
fn push_force_overrides_a_conflict_but_never_the_mark_edited_rule() {
    let (_d, store) = setup();
    let hub = MemoryHub::default();
    hub.put("a", text("base"));
    let t = targets(&["a"]);
    sync(&store, &hub, &t, &SyncOptions::default());
    let name = PromptName::new("a").unwrap();
    // A colleague pushes; the cache is edited without mark-edited.
    hub.put("a", text("theirs"));
    fs::write(store.layout().text_path(&name), "mine").unwrap();
    let force = PushOptions {
        force: true,
        ..PushOptions::default()
    };
    let pushed = hub.pushed();
    let r = push_prompt(&store, &name, &hub, &force, |_| {});
    assert_eq!(r.state, Some(State::Conflict));
    let PushResult::Refused { reason } = &r.result else {
        panic!("{:?}", r.result)
    };
    assert!(reason.contains("prompt-sync mark-edited a"), "{reason}");
    assert!(!reason.contains("push --force"), "{reason}");
    assert_eq!(hub.pushed(), pushed);
    assert_eq!(hub.commits("a").len(), 2);

    // The prompt was deleted on the hub: --force would create it again, but not
    // with an unmarked edit.
    let empty = MemoryHub::default();
    let r = push_prompt(&store, &name, &empty, &force, |_| {});
    assert!(
        matches!(r.result, PushResult::Refused { .. }),
        "{:?}",
        r.result
    );
    assert_eq!(empty.pushed(), 0);

    // Marked, --force does what it is for: push over the conflict.
    mark_edited(&store, "a");
    let r = push_prompt(&store, &name, &hub, &force, |_| {});
    assert!(
        matches!(r.result, PushResult::Pushed { .. }),
        "{:?}",
        r.result
    );
    assert_eq!(hub.commits("a").len(), 3);
}
