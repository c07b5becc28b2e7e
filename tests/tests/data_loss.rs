//! The data-loss invariant, as a property test over random sequences of operations.
//!
//! Operations, on two text prompts `a` and `b` (each step picks one):
//! hub commit (someone commits a new text on the hub), local edit (the user writes a
//! new text into the cache file, then marks it with `mark-edited` or not), sync
//! (`engine::plan` + `engine::apply`, default options), sync --auto-push, push
//! (`engine::push_prompt`, default options), restore of the synced text
//! (`Store::restore_synced`), restore of a backup (`Store::restore_backup`),
//! mark-edited alone, `push --force`, `sync --force-pull`, and a crash: a real sync
//! (plain or `--force-pull`) interrupted at its `N`-th write-protocol point
//! (`fsio::crash_point`, made to unwind in-process by the `fault-injection` feature),
//! which leaves the files as a killed process would.
//!
//! The outcome of each push and mark-edited is checked too (a push fails only on a
//! write a crash left half done), and the run as a whole must have pushed, forced,
//! restored and crashed (so the property cannot pass by never doing them).
//!
//! After **every** step it checks:
//! 1. every text ever written by the user (each local edit) and every text ever
//!    committed on the hub is still somewhere: in a commit on the hub, in the cache
//!    text, or in a backup file of that prompt (`Store::list_backups`). The one
//!    exception is a text the user overwrites themselves with a later edit (their
//!    editor, not prompt-sync, replaced it);
//! 2. every cache text matches its metadata's `local_content_hash`, unless the
//!    metadata says `locally_modified`, or the text is an edit the user made without
//!    marking it (the model tracks that), or the metadata carries a `pending_write`
//!    marker from a crashed sync (which the next locked operation repairs).
//!
//! At the end a last sync runs and no temporary or incoming file may be left.
//!
//! The hub is an in-memory [`Hub`] (no HTTP: this is about the engine and the store,
//! and keeps 100+ sequences within a few seconds). `PROMPT_SYNC_DATA_LOSS_CASES`
//! raises the number of sequences.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};

use prompt_sync_build::engine::{self, PushOptions, PushResult, SyncOptions, Target};
use prompt_sync_build::hub::memory::MemoryHub;
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

/// What the sequences actually did, for the summary line (and to see that pushes,
/// crashes and restores really happen).
static PUSHED: AtomicUsize = AtomicUsize::new(0);
static FORCED: AtomicUsize = AtomicUsize::new(0);
static CRASHED: AtomicUsize = AtomicUsize::new(0);
static RESTORED: AtomicUsize = AtomicUsize::new(0);
static EDITS: AtomicUsize = AtomicUsize::new(0);

// ---------------------------------------------------------------------------------
// An in-memory hub
// ---------------------------------------------------------------------------------

/// Every template committed to `name`, oldest first.
fn texts(hub: &MemoryHub, name: &str) -> Vec<String> {
    hub.commits(name)
        .iter()
        .map(|c| template_of(&c.manifest))
        .collect()
}

/// The newest template of `name`.
fn latest_text(hub: &MemoryHub, name: &str) -> Option<String> {
    hub.latest(name).map(|c| template_of(&c.manifest))
}

fn template_of(manifest: &Value) -> String {
    manifest["kwargs"]["template"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn text_manifest(template: &str) -> Value {
    json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
           "kwargs": {"input_variables": [], "template": template, "template_format": "f-string"}})
}

// ---------------------------------------------------------------------------------
// Operations and the model
// ---------------------------------------------------------------------------------

const PROMPTS: [&str; 2] = ["a", "b"];

#[derive(Clone, Debug)]
enum Op {
    HubCommit(usize),
    LocalEdit {
        prompt: usize,
        marked: bool,
    },
    Sync,
    SyncAutoPush,
    Push(usize),
    RestoreSynced(usize),
    RestoreBackup {
        prompt: usize,
        pick: prop::sample::Index,
    },
    MarkEdited(usize),
    PushForce(usize),
    SyncForcePull,
    /// A sync (`force_pull` or not) interrupted at its `at`-th crash point.
    Crash {
        at: u64,
        force_pull: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..PROMPTS.len();
    prop_oneof![
        3 => p.clone().prop_map(Op::HubCommit),
        4 => (p.clone(), any::<bool>()).prop_map(|(prompt, marked)| Op::LocalEdit { prompt, marked }),
        3 => Just(Op::Sync),
        2 => Just(Op::SyncAutoPush),
        2 => p.clone().prop_map(Op::Push),
        1 => p.clone().prop_map(Op::RestoreSynced),
        1 => (p.clone(), any::<prop::sample::Index>())
            .prop_map(|(prompt, pick)| Op::RestoreBackup { prompt, pick }),
        1 => p.clone().prop_map(Op::MarkEdited),
        1 => p.prop_map(Op::PushForce),
        1 => Just(Op::SyncForcePull),
        // A pull passes some 14 crash points (backup, incoming text, pending
        // metadata, rename, record, metadata): any of them, or none.
        3 => (1..=16u64, any::<bool>()).prop_map(|(at, force_pull)| Op::Crash { at, force_pull }),
    ]
}

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    hub: MemoryHub,
    names: Vec<PromptName>,
    /// Every text that must never be lost, per prompt.
    precious: Vec<BTreeSet<String>>,
    /// The last edit the user made without marking it, per prompt.
    unmarked: Vec<Option<String>>,

    counter: u64,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(CacheLayout::new(dir.path().join("cache")));
        let mut w = World {
            _dir: dir,
            store,
            hub: MemoryHub::new(),
            names: PROMPTS
                .iter()
                .map(|n| PromptName::new(n).unwrap())
                .collect(),
            precious: vec![BTreeSet::new(); PROMPTS.len()],
            unmarked: vec![None; PROMPTS.len()],
            counter: 0,
        };
        for p in 0..PROMPTS.len() {
            w.apply(&Op::HubCommit(p)).unwrap();
        }
        w.apply(&Op::Sync).unwrap();
        w
    }

    fn fresh_text(&mut self, who: &str, p: usize) -> String {
        self.counter += 1;
        // Some texts end without a newline, some hold header-like lines.
        match self.counter % 3 {
            0 => format!("{who} {} #{}\n", PROMPTS[p], self.counter),
            1 => format!("{who} {} #{}", PROMPTS[p], self.counter),
            _ => format!("=== human ===\n{who} {{x}} #{}\n\n", self.counter),
        }
    }

    fn targets(&self) -> Vec<Target> {
        self.names
            .iter()
            .map(|n| Target {
                name: n.clone(),
                hub_ref: HubRef::latest(),
            })
            .collect()
    }

    fn sync(&self, auto_push: bool, force_pull: bool) {
        let opts = SyncOptions {
            auto_push,
            force_pull,
            ..SyncOptions::default()
        };
        let plan = engine::plan(&self.store, &self.targets(), &self.hub, &opts).unwrap();
        let _report = engine::apply(&self.store, plan, &self.hub, &opts, |_| {});
    }

    /// Pushes prompt `p`; a push fails only on a write a crash left half done.
    fn push(&mut self, p: usize, force: bool) -> Result<(), String> {
        let opts = PushOptions {
            force,
            ..PushOptions::default()
        };
        let r = engine::push_prompt(&self.store, &self.names[p], &self.hub, &opts, |_| {});
        match &r.result {
            PushResult::Pushed { .. } => {
                if force {
                    FORCED.fetch_add(1, Ordering::Relaxed);
                }
                let cached = self.store.read_text(&self.names[p]).unwrap();
                if cached != latest_text(&self.hub, PROMPTS[p]) {
                    return Err(format!(
                        "pushed, but the hub's newest is not the cache's text: {r:?}"
                    ));
                }
            }
            PushResult::Failed(e) if !e.contains("half-written") => {
                return Err(format!("push failed: {e}"));
            }
            _ => {}
        }
        Ok(())
    }

    fn apply(&mut self, op: &Op) -> Result<(), String> {
        match *op {
            Op::HubCommit(p) => {
                let t = self.fresh_text("hub", p);
                self.hub.put(PROMPTS[p], text_manifest(&t));
                self.precious[p].insert(t);
            }
            Op::LocalEdit { prompt: p, marked } => {
                let path = self.store.layout().text_path(&self.names[p]);
                if !path.is_file() {
                    return Ok(()); // nothing cached to edit
                }
                let t = self.fresh_text("local", p);
                // The text the user replaces in their editor is theirs to lose, not
                // prompt-sync's: it is no longer checked (unless it is kept for
                // another reason — a hub commit is on the hub anyway).
                if let Ok(prev) = fs::read_to_string(&path)
                    && !texts(&self.hub, PROMPTS[p]).contains(&prev)
                {
                    self.precious[p].remove(&prev);
                }
                fs::write(&path, &t).unwrap();
                EDITS.fetch_add(1, Ordering::Relaxed);
                self.precious[p].insert(t.clone());
                if marked {
                    let lock = self.store.lock_exclusive(|_| {}).unwrap();
                    self.store
                        .mark_edited(&lock, &self.names[p])
                        .map_err(|e| format!("mark-edited failed: {e}"))?;
                    self.unmarked[p] = None;
                } else {
                    self.unmarked[p] = Some(t);
                }
            }
            Op::Sync => self.sync(false, false),
            Op::SyncAutoPush => self.sync(true, false),
            Op::SyncForcePull => {
                self.sync(false, true);
                // Whatever was unmarked is the hub's now (backed up, still precious).
                for (p, prompt) in PROMPTS.iter().enumerate() {
                    let cached = self.store.read_text(&self.names[p]).unwrap();
                    if cached.is_some() && cached == latest_text(&self.hub, prompt) {
                        self.unmarked[p] = None;
                    }
                }
            }
            Op::Push(p) => self.push(p, false)?,
            Op::PushForce(p) => self.push(p, true)?,
            Op::RestoreSynced(p) => {
                let lock = self.store.lock_exclusive(|_| {}).unwrap();
                if self.store.restore_synced(&lock, &self.names[p]).is_ok() {
                    RESTORED.fetch_add(1, Ordering::Relaxed);
                }
            }
            Op::RestoreBackup { prompt: p, pick } => {
                let backups = self.store.list_backups(&self.names[p]).unwrap();
                if backups.is_empty() {
                    return Ok(());
                }
                let file = backups[pick.index(backups.len())]
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let lock = self.store.lock_exclusive(|_| {}).unwrap();
                if self
                    .store
                    .restore_backup(&lock, &self.names[p], &file)
                    .is_ok()
                {
                    RESTORED.fetch_add(1, Ordering::Relaxed);
                }
            }
            Op::MarkEdited(p) => {
                let lock = self.store.lock_exclusive(|_| {}).unwrap();
                self.store
                    .mark_edited(&lock, &self.names[p])
                    .map_err(|e| format!("mark-edited failed: {e}"))?;
                self.unmarked[p] = None;
            }
            Op::Crash { at, force_pull } => self.crash(at, force_pull),
        }
        Ok(())
    }

    /// Runs a real sync and interrupts it at its `at`-th crash point (when it gets
    /// that far): the files stay as a killed process leaves them.
    fn crash(&mut self, at: u64, force_pull: bool) {
        quiet_fault_panics();
        prompt_sync_core::fsio::panic_at_crash_point(Some(at));
        let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.sync(false, force_pull)
        }))
        .is_err();
        prompt_sync_core::fsio::panic_at_crash_point(None);
        if crashed {
            CRASHED.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The invariant (module docs).
    fn check(&self) -> Result<(), TestCaseError> {
        for (p, name) in self.names.iter().enumerate() {
            let hub_texts: BTreeSet<String> = texts(&self.hub, PROMPTS[p]).into_iter().collect();
            let cache_text = self.store.read_text(name);
            prop_assert!(
                cache_text.is_ok(),
                "{name}: cache text unreadable: {:?}",
                cache_text
            );
            let cache_text = cache_text.unwrap();
            let mut backups = BTreeSet::new();
            for b in self.store.list_backups(name).unwrap() {
                backups.insert(fs::read_to_string(&b).unwrap());
            }
            for t in &self.precious[p] {
                prop_assert!(
                    hub_texts.contains(t) || cache_text.as_ref() == Some(t) || backups.contains(t),
                    "{name}: text {t:?} was lost (not on the hub, in the cache or in a backup)\n\
                     hub: {hub_texts:?}\ncache: {cache_text:?}\nbackups: {backups:?}"
                );
            }
            let meta = self.store.read_metadata(name);
            prop_assert!(meta.is_ok(), "{name}: metadata unreadable: {:?}", meta);
            if let (Some(text), Some(meta)) = (&cache_text, meta.unwrap()) {
                let hash = sha256_hex(text.as_bytes());
                let unmarked_edit = self.unmarked[p].as_ref() == Some(text);
                prop_assert!(
                    Some(&hash) == meta.local_content_hash.as_ref()
                        || meta.locally_modified
                        || unmarked_edit
                        || meta.pending_write.is_some(),
                    "{name}: cache text {text:?} does not match its metadata hash {} \
                     (not marked edited, not an unmarked user edit, no pending write)",
                    meta.local_content_hash.as_deref().unwrap_or("none")
                );
            }
        }
        Ok(())
    }
}

/// Keeps the in-process fault points' panics out of the output (any other panic is
/// printed as usual).
fn quiet_fault_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let fault = info
                .payload()
                .downcast_ref::<String>()
                .is_some_and(|m| m.starts_with("prompt-sync fault point"));
            if !fault {
                default(info);
            }
        }));
    });
}

fn case_count() -> u32 {
    std::env::var("PROMPT_SYNC_DATA_LOSS_CASES")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(128, |n| n.max(128))
}

#[test]
fn no_sequence_of_operations_loses_a_text() {
    let config = ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(case_count())
    };
    let start = std::time::Instant::now();
    let steps = AtomicUsize::new(0);
    let result = proptest::test_runner::TestRunner::new(config.clone()).run(
        &prop::collection::vec(op(), 5..=15),
        |ops| {
            let mut w = World::new();
            w.check()?;
            for (i, op) in ops.iter().enumerate() {
                w.apply(op)
                    .map_err(|e| TestCaseError::fail(format!("step {i} ({op:?}): {e}")))?;
                steps.fetch_add(1, Ordering::Relaxed);
                w.check()
                    .map_err(|e| TestCaseError::fail(format!("after step {i} ({op:?}): {e}")))?;
            }
            // A last sync repairs whatever a crash left; nothing may remain.
            w.sync(false, false);
            w.check()?;
            PUSHED.fetch_add(
                usize::try_from(w.hub.pushed()).unwrap_or(usize::MAX),
                Ordering::Relaxed,
            );
            prop_assert!(
                !w.store.has_leftover_files(),
                "temporary or incoming files left after the final sync"
            );
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    let counts = [
        ("local edits", EDITS.load(Ordering::Relaxed)),
        ("pushes", PUSHED.load(Ordering::Relaxed)),
        ("forced pushes", FORCED.load(Ordering::Relaxed)),
        ("restores", RESTORED.load(Ordering::Relaxed)),
        ("crashes", CRASHED.load(Ordering::Relaxed)),
    ];
    eprintln!(
        "data-loss invariant: {} sequences, {} operations checked ({}), nothing lost, {:.2?}",
        config.cases,
        steps.into_inner(),
        counts
            .iter()
            .map(|(what, n)| format!("{n} {what}"))
            .collect::<Vec<_>>()
            .join(", "),
        start.elapsed()
    );
    // The property means something only if the operations it is about happened.
    for (what, n) in counts {
        assert!(n > 0, "no {what} happened in {} sequences", config.cases);
    }
}

/// Regression (found by the property above): a sync killed after it marked the
/// metadata `pending_write` but before it renamed the new text into place, then the
/// user edits the cached text, then any locked operation runs `Store::repair_prompt`,
/// which rolls the write forward. The user's edit must survive in a backup (it used
/// to be overwritten: repair assumed the text was the one backed up before the crash).
#[test]
fn repair_keeps_a_user_edit_made_after_a_crash() {
    // The first crash point of a pull at which the metadata is marked pending and the
    // new text has not been renamed into place yet.
    let mut found = None;
    for at in 1..=20 {
        let mut w = World::new();
        w.apply(&Op::HubCommit(0)).unwrap();
        let before = w.store.read_text(&w.names[0]).unwrap();
        w.apply(&Op::Crash {
            at,
            force_pull: false,
        })
        .unwrap();
        let meta = w.store.read_metadata(&w.names[0]).unwrap().unwrap();
        if meta.pending_write.is_some() && w.store.read_text(&w.names[0]).unwrap() == before {
            found = Some(w);
            break;
        }
    }
    let mut w = found.expect("no crash point leaves a pending write before the rename");
    // The user edits the file while the interrupted write is still unrepaired.
    let path = w.store.layout().text_path(&w.names[0]);
    fs::write(&path, "my precious edit\n").unwrap();
    w.precious[0].insert("my precious edit\n".to_owned());
    w.unmarked[0] = Some("my precious edit\n".to_owned());
    w.apply(&Op::MarkEdited(0)).unwrap();
    w.check().unwrap();
}
