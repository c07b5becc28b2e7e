//! The data-loss invariant, as a property test over random sequences of operations.
//!
//! Operations, on two text prompts `a` and `b` (each step picks one):
//! hub commit (someone commits a new text on the hub), local edit (the user writes a
//! new text into the cache file, then marks it with `mark-edited` or not), sync
//! (`engine::plan` + `engine::apply`, default options), sync --auto-push, push
//! (`engine::push_prompt`, default options), restore of the synced text
//! (`Store::restore_synced`), restore of a backup (`Store::restore_backup`),
//! mark-edited alone, and a crash (a sync killed in the middle of its write protocol,
//! see [`crash`]).
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

use prompt_sync_build::engine::{self, PushOptions, SyncOptions, Target};
use prompt_sync_build::hub::memory::MemoryHub;
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::metadata::PendingWrite;
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

/// What the sequences actually did, for the summary line (and to see that pushes,
/// crashes and restores really happen).
static PUSHED: AtomicUsize = AtomicUsize::new(0);
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

/// Where a simulated crash stops the write protocol of `Store::write`.
#[derive(Clone, Copy, Debug)]
enum CrashAt {
    /// Old text backed up, `.NAME.txt.incoming` written; metadata untouched.
    IncomingWritten,
    /// And the metadata carries the `pending_write` marker.
    MetadataPending,
    /// And the text is renamed into place; the metadata still pending.
    TextRenamed,
}

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
    Crash {
        prompt: usize,
        at: CrashAt,
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
        2 => (
            p,
            prop_oneof![
                Just(CrashAt::IncomingWritten),
                Just(CrashAt::MetadataPending),
                Just(CrashAt::TextRenamed)
            ]
        )
            .prop_map(|(prompt, at)| Op::Crash { prompt, at }),
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
            w.apply(&Op::HubCommit(p));
        }
        w.apply(&Op::Sync);
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

    fn sync(&self, auto_push: bool) {
        let opts = SyncOptions {
            auto_push,
            ..SyncOptions::default()
        };
        let plan = engine::plan(&self.store, &self.targets(), &self.hub, &opts).unwrap();
        let _report = engine::apply(&self.store, plan, &self.hub, &opts, |_| {});
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::HubCommit(p) => {
                let t = self.fresh_text("hub", p);
                self.hub.put(PROMPTS[p], text_manifest(&t));
                self.precious[p].insert(t);
            }
            Op::LocalEdit { prompt: p, marked } => {
                let path = self.store.layout().text_path(&self.names[p]);
                if !path.is_file() {
                    return; // nothing cached to edit
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
                    let _ = self.store.mark_edited(&lock, &self.names[p]);
                    self.unmarked[p] = None;
                } else {
                    self.unmarked[p] = Some(t);
                }
            }
            Op::Sync => self.sync(false),
            Op::SyncAutoPush => self.sync(true),
            Op::Push(p) => {
                let _ = engine::push_prompt(
                    &self.store,
                    &self.names[p],
                    &self.hub,
                    &PushOptions::default(),
                    |_| {},
                );
            }
            Op::RestoreSynced(p) => {
                let lock = self.store.lock_exclusive(|_| {}).unwrap();
                if self.store.restore_synced(&lock, &self.names[p]).is_ok() {
                    RESTORED.fetch_add(1, Ordering::Relaxed);
                }
            }
            Op::RestoreBackup { prompt: p, pick } => {
                let backups = self.store.list_backups(&self.names[p]).unwrap();
                if backups.is_empty() {
                    return;
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
                if self.store.mark_edited(&lock, &self.names[p]).is_ok() {
                    self.unmarked[p] = None;
                }
            }
            Op::Crash { prompt: p, at } => self.crash(p, at),
        }
    }

    /// Leaves the files a sync killed in the middle of pulling the hub's latest text
    /// into prompt `p` would leave (the steps of `Store::write`), plus a stale
    /// temporary file. Only where a sync would pull: the cache is clean (the text
    /// matches its metadata, not marked) and the hub has another text.
    fn crash(&mut self, p: usize, at: CrashAt) {
        let name = &self.names[p];
        let layout = self.store.layout();
        let (Ok(Some(text)), Ok(Some(meta))) =
            (self.store.read_text(name), self.store.read_metadata(name))
        else {
            return;
        };
        let Some(new_text) = latest_text(&self.hub, PROMPTS[p]) else {
            return;
        };
        if meta.locally_modified
            || meta.pending_write.is_some()
            || Some(sha256_hex(text.as_bytes())) != meta.local_content_hash
            || new_text == text
        {
            return;
        }
        CRASHED.fetch_add(1, Ordering::Relaxed);
        // A stale temporary file of a killed atomic write.
        fs::write(
            layout.root().join(format!(".{name}.txt.tmp.999999.0")),
            "half a file",
        )
        .unwrap();
        // Step 0: the old text is backed up.
        self.store.backup(name, text.as_bytes()).unwrap();
        // Step 1: the incoming text.
        fs::write(layout.incoming_path(name), &new_text).unwrap();
        if matches!(at, CrashAt::IncomingWritten) {
            return;
        }
        // Step 2: metadata marked pending (new metadata, old one kept in the marker).
        let new_hash = sha256_hex(new_text.as_bytes());
        let mut pending = meta.clone();
        pending.local_content_hash = Some(new_hash.clone());
        pending.hub_content_hash = Some(new_hash.clone());
        pending.pending_write = Some(PendingWrite {
            incoming_hash: new_hash,
            previous: Some(Box::new(serde_json::to_value(&meta).unwrap())),
            previous_raw: None,
            previous_absent: false,
        });
        fs::write(layout.metadata_path(name), pending.to_json_bytes()).unwrap();
        if matches!(at, CrashAt::MetadataPending) {
            return;
        }
        // Step 3: the text renamed into place.
        fs::rename(layout.incoming_path(name), layout.text_path(name)).unwrap();
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
                w.apply(op);
                steps.fetch_add(1, Ordering::Relaxed);
                w.check()
                    .map_err(|e| TestCaseError::fail(format!("after step {i} ({op:?}): {e}")))?;
            }
            // A last sync repairs whatever a crash left; nothing may remain.
            w.sync(false);
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
    eprintln!(
        "data-loss invariant: {} sequences, {} operations checked ({} local edits, {} pushes, \
         {} restores, {} crashes), nothing lost, {:.2?}",
        config.cases,
        steps.into_inner(),
        EDITS.load(Ordering::Relaxed),
        PUSHED.load(Ordering::Relaxed),
        RESTORED.load(Ordering::Relaxed),
        CRASHED.load(Ordering::Relaxed),
        start.elapsed()
    );
}

/// Regression (found by the property above): a sync killed after it marked the
/// metadata `pending_write` but before it renamed the new text into place, then the
/// user edits the cached text, then any locked operation runs `Store::repair_prompt`,
/// which rolls the write forward. The user's edit must survive in a backup (it used
/// to be overwritten: repair assumed the text was the one backed up before the crash).
#[test]
fn repair_keeps_a_user_edit_made_after_a_crash() {
    let mut w = World::new();
    w.apply(&Op::HubCommit(0));
    w.apply(&Op::Crash {
        prompt: 0,
        at: CrashAt::MetadataPending,
    });
    // The user edits the file while the interrupted write is still unrepaired.
    let path = w.store.layout().text_path(&w.names[0]);
    fs::write(&path, "my precious edit\n").unwrap();
    w.precious[0].insert("my precious edit\n".to_owned());
    w.unmarked[0] = Some("my precious edit\n".to_owned());
    w.apply(&Op::MarkEdited(0));
    w.check().unwrap();
}
