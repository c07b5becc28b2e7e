//! The sync engine: compute a plan from (cache, metadata, hub) with the three-way table
//! of ARCHITECTURE.md section 4, then apply it under the cache's exclusive lock.
//!
//! Requests: one paged `GET /repos` learns every prompt's newest commit (its pages after
//! the first are fetched in parallel, and it runs while the cache is read); a prompt
//! whose commit equals the cache's `hub_commit_hash` is known unchanged and costs
//! nothing more. Only prompts whose commit moved (or whose ref is a tag, which can move
//! silently) are fetched, [`DEFAULT_CONCURRENCY`] at a time on one connection pool. A
//! no-change sync of N prompts therefore makes `ceil(N_repos / 100)` requests. With
//! nothing cached the list could not spare a fetch and is skipped: the first fetch goes
//! alone, as the check that the hub is reachable and takes the key.
//!
//! Planning holds no lock while it talks to the hub; applying takes the exclusive lock
//! and re-reads every prompt it is about to write. One that changed meanwhile (another
//! sync wrote it, or the user edited it) is planned again under the lock, against the
//! hub's side asked for again, and that plan is applied: a race with another sync is
//! not an error, and a real local change is reported as what it is.
//! Writes of different prompts touch different files, so many are written in parallel
//! (most of a write is waiting for the disk).

mod classify;
mod local;
pub mod push;
mod report;

use std::collections::HashMap;

use prompt_sync_core::manifest::from_manifest;
use prompt_sync_core::pulled::{HubVersion, pulled_entry_in, recorded_entry};
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName, hash::sha256_hex, timestamp};
use serde_json::Value;

use crate::hub::{Hub, HubError, PulledCommit};

pub use classify::{State, classify};
pub use local::LocalState;
pub use push::{PushOptions, PushReport, PushResult, name_taken, push_prompt};
pub use report::{Outcome, PromptReport, SyncReport, Totals};

/// One prompt to sync and the ref to follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The prompt.
    pub name: PromptName,
    /// `latest`, a tag or a commit hash.
    pub hub_ref: HubRef,
}

/// Manifest fetches in flight at once by default. Chosen by measurement (the `bench`
/// binary's `--sweep`): with 20 ms per request, a cold sync of 500 prompts spends about
/// 0.7 s fetching at 16, 0.35 s at 32 and 0.2 s at 64, against 0.3 to 1 s of cache
/// writes; 32 keeps most of the gain with half the connections (and TLS handshakes)
/// of 64. The hub's rate limit counts requests per minute, not connections.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// How to sync.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// The hub owner (`-` for the key's own workspace).
    pub owner: String,
    /// Push marked local edits whose hub side has not moved.
    pub auto_push: bool,
    /// Take the hub's text over unmarked edits and conflicts (after a backup).
    pub force_pull: bool,
    /// Parallel manifest fetches (default [`DEFAULT_CONCURRENCY`]).
    pub concurrency: usize,
    /// The description of pushed commits.
    pub push_description: Option<String>,
    /// Repair what a killed process left before planning (under the exclusive lock).
    /// Off for read-only uses (`status`, dry runs), which must change nothing.
    pub repair_first: bool,
    /// The hub repo of each cache entry that follows another name than its own
    /// (`hub` in the config, or the original tool's `_v1` naming; see
    /// `prompt_sync_core::config::Config::hub_repo`).
    pub hub_repos: HashMap<PromptName, PromptName>,
}

impl SyncOptions {
    /// The hub repo the cache entry `name` follows.
    pub fn repo<'a>(&'a self, name: &'a PromptName) -> &'a str {
        self.hub_repos.get(name).unwrap_or(name).as_str()
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            owner: "-".to_owned(),
            auto_push: false,
            force_pull: false,
            concurrency: DEFAULT_CONCURRENCY,
            push_description: None,
            repair_first: true,
            hub_repos: HashMap::new(),
        }
    }
}

/// What the plan will do to one prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing to do.
    Nothing,
    /// Write the hub's version (a missing prompt, or the hub moved).
    Pull,
    /// Write the hub's version over a local change (`--force-pull`), after a backup.
    ForcePull,
    /// Record that the hub already has the local text (metadata only).
    Record,
    /// Push the marked local edit.
    Push,
    /// Keep the local text; report why.
    Keep,
    /// Something failed for this prompt.
    Fail(String),
}

/// The hub's side of one prompt, as planning learned it.
#[derive(Clone, Debug)]
pub struct HubSide {
    /// The commit the hub answered with.
    pub commit_hash: String,
    /// The manifest, when it was fetched (absent when known unchanged).
    pub manifest: Option<Value>,
    /// H: the hash of the hub's text.
    pub content_hash: String,
}

/// One prompt in a plan.
#[derive(Clone, Debug)]
pub struct PlannedPrompt {
    /// The prompt and its ref.
    pub target: Target,
    /// The three-way state (`None` when it could not be determined).
    pub state: Option<State>,
    /// What applying will do.
    pub action: Action,
    /// The local state the plan was computed from.
    pub local: LocalState,
    /// The hub's side, when known.
    pub hub: Option<HubSide>,
    /// `--auto-push` was asked for but this prompt follows a ref other than `latest`,
    /// so it is kept, not pushed.
    pub auto_push_skipped: bool,
    /// The hub answered "not found" for this prompt at its ref.
    pub not_on_hub: bool,
}

/// A computed plan: what a sync would do, before it does anything.
#[derive(Clone, Debug)]
pub struct Plan {
    /// One entry per target, in target order.
    pub prompts: Vec<PlannedPrompt>,
    /// Manifests fetched while planning.
    pub fetched: usize,
    /// The names of the prompts the hub listed, when planning read the list.
    pub hub_names: Option<Vec<String>>,
    /// Entries of the hub's list skipped because their names are no valid prompt
    /// names (0 when planning did not read the list).
    pub invalid_hub_names: usize,
}

/// Computes the plan. Fails as a whole only when the hub cannot be listed (it is
/// unreachable, or refuses the key); a failure for one prompt is that prompt's
/// [`Action::Fail`].
pub fn plan(
    store: &Store,
    targets: &[Target],
    hub: &dyn Hub,
    opts: &SyncOptions,
) -> Result<Plan, HubError> {
    let specs: Vec<(PromptName, Option<HubRef>)> = targets
        .iter()
        .map(|t| (t.name.clone(), Some(t.hub_ref.clone())))
        .collect();
    plan_specs(store, &specs, hub, opts)
}

/// Like [`plan`], for prompts given as `(name, ref)`: a prompt without a ref follows
/// the ref its metadata records (`latest` when none), read in the same pass that
/// reads the cache for planning, so the build step does not read every metadata file
/// twice.
pub(crate) fn plan_specs(
    store: &Store,
    specs: &[(PromptName, Option<HubRef>)],
    hub: &dyn Hub,
    opts: &SyncOptions,
) -> Result<Plan, HubError> {
    plan_reading(store, specs, hub, opts, Reading::Shared)
}

/// How planning reads the cache.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Under the shared lock (after a repair, when `repair_first`).
    Shared,
    /// The caller holds the exclusive lock: read as is, and ask the hub for each
    /// prompt directly (a re-plan of a few prompts; the list would cost more).
    UnderLock,
}

fn plan_reading(
    store: &Store,
    specs: &[(PromptName, Option<HubRef>)],
    hub: &dyn Hub,
    opts: &SyncOptions,
    reading: Reading,
) -> Result<Plan, HubError> {
    // The list is worth its requests only when a prompt that may follow `latest` was
    // synced before (it has metadata): otherwise every prompt is fetched anyway. It is
    // read while the cache is (it is mostly waiting on the network).
    let layout = store.layout();
    let needs_list = reading == Reading::Shared
        && specs.iter().any(|(name, r)| {
            r.as_ref().is_none_or(HubRef::is_latest) && layout.existing_metadata_path(name).exists()
        });
    let reading_mode = reading;
    // Only the repos this sync needs are kept from the list (the client may stop
    // reading it once it has them all).
    let wanted: std::collections::BTreeSet<String> = specs
        .iter()
        .map(|(name, _)| opts.repo(name).to_owned())
        .collect();
    let reading: Vec<Target> = specs
        .iter()
        .map(|(name, r)| Target {
            name: name.clone(),
            hub_ref: r.clone().unwrap_or_else(HubRef::latest),
        })
        .collect();
    let (locals, listed) = std::thread::scope(|s| {
        let list = needs_list.then(|| s.spawn(|| hub.list_repos_for(&opts.owner, &wanted)));
        let locals = match reading_mode {
            Reading::Shared => local::read_all(store, &reading, opts.repair_first),
            Reading::UnderLock => reading
                .iter()
                .map(|t| LocalState::read(store, &t.name))
                .collect(),
        };
        let listed = match list {
            None => Ok(crate::hub::RepoListing::default()),
            Some(handle) => handle.join().unwrap_or_else(|_| {
                Err(HubError::BadResponse {
                    detail: "listing the prompts failed unexpectedly".to_owned(),
                })
            }),
        };
        (locals, listed)
    });
    let crate::hub::RepoListing {
        repos: listed,
        invalid_handles: invalid_hub_names,
    } = listed?;
    let hub_names = needs_list.then(|| listed.iter().map(|r| r.repo_handle.clone()).collect());
    let latest: HashMap<String, Option<String>> = listed
        .into_iter()
        .map(|r| (r.repo_handle, r.last_commit_hash))
        .collect();

    let mut prompts = Vec::with_capacity(specs.len());
    let mut to_fetch = Vec::new();
    for ((name, r), local) in specs.iter().zip(locals) {
        let hub_ref = match r {
            Some(r) => r.clone(),
            None => local
                .recorded_ref()
                .and_then(|r| HubRef::new(r).ok())
                .unwrap_or_else(HubRef::latest),
        };
        let t = Target {
            name: name.clone(),
            hub_ref,
        };
        let known = local.base_commit().filter(|c| {
            let same_ref = local.recorded_ref().is_none_or(|r| r == t.hub_ref.as_str());
            same_ref
                && local.has_text()
                && if t.hub_ref.is_latest() {
                    latest.get(opts.repo(&t.name)).and_then(Option::as_deref) == Some(*c)
                } else {
                    is_commit_ref_of(t.hub_ref.as_str(), c)
                }
        });
        let hub_side = match (known, local.base_hash()) {
            (Some(c), Some(b)) => Some(HubSide {
                commit_hash: c.to_owned(),
                manifest: None,
                content_hash: b.to_owned(),
            }),
            _ => {
                to_fetch.push(prompts.len());
                None
            }
        };
        prompts.push(PlannedPrompt {
            target: t,
            state: None,
            action: Action::Nothing,
            local,
            hub: hub_side,
            auto_push_skipped: false,
            not_on_hub: false,
        });
    }

    let items: Vec<(String, String)> = to_fetch
        .iter()
        .map(|&i| {
            let t = &prompts[i].target;
            (opts.repo(&t.name).to_owned(), t.hub_ref.as_str().to_owned())
        })
        .collect();
    let results = fetch(hub, &opts.owner, &items, opts.concurrency, needs_list)?;
    for (&i, result) in to_fetch.iter().zip(results) {
        let p = &mut prompts[i];
        let form = p.local.form();
        p.not_on_hub = matches!(result, Err(HubError::NotFound { .. }));
        match result.map_err(|e| e.to_string()).and_then(|commit| {
            let text = from_manifest(&commit.manifest)
                .and_then(|m| {
                    cache_text(&m, form).map_err(|e| prompt_sync_core::Error::Manifest {
                        detail: e.to_string(),
                    })
                })
                .map_err(|e| format!("the hub's version cannot be cached: {e}"))?;
            Ok(HubSide {
                commit_hash: commit.commit_hash,
                content_hash: sha256_hex(text.as_bytes()),
                manifest: Some(commit.manifest),
            })
        }) {
            Ok(side) => p.hub = Some(side),
            Err(e) => p.action = Action::Fail(e),
        }
    }

    for p in &mut prompts {
        if matches!(p.action, Action::Fail(_)) {
            continue;
        }
        if let Some(e) = p.local.error() {
            // Corrupt metadata: the hub's version can take its place when the text is
            // the hub's (nothing of the user's is replaced) or when asked to
            // (`--force-pull`: the text is backed up first).
            p.action = match &p.hub {
                Some(h)
                    if p.local.metadata_corrupt()
                        && p.local.text_hash() == Some(h.content_hash.as_str()) =>
                {
                    Action::Record
                }
                Some(_) if p.local.metadata_corrupt() && opts.force_pull => Action::ForcePull,
                _ => Action::Fail(e.to_owned()),
            };
            continue;
        }
        // Unrepaired (a read-only plan): the text may be either version, so its state
        // means nothing until a repair finishes the write.
        if p.local.interrupted() {
            p.action = Action::Keep;
            continue;
        }
        let Some(hub_side) = &p.hub else { continue };
        let state = classify(
            p.local.text_hash(),
            p.local.base_hash(),
            &hub_side.content_hash,
            p.local.marked(),
        );
        p.state = Some(state);
        p.action = match state {
            State::Missing | State::HubNewer => Action::Pull,
            // Same text, but a new commit or a different ref to remember: metadata only.
            State::UpToDate
                if hub_side.manifest.is_some()
                    && (p.local.base_commit() != Some(hub_side.commit_hash.as_str())
                        || p.local.recorded_ref() != Some(p.target.hub_ref.as_str())) =>
            {
                Action::Record
            }
            State::UpToDate => Action::Nothing,
            // Only a prompt that follows `latest` is pushed by a sync: the plan compared
            // it with the hub's newest commit, which is what a push goes on top of.
            // One that follows a tag or a commit was compared with that, not with the
            // newest commit; `prompt-sync push` checks it properly.
            State::LocalEdit if opts.auto_push && p.target.hub_ref.is_latest() => Action::Push,
            State::LocalEdit if opts.auto_push => {
                p.auto_push_skipped = true;
                Action::Keep
            }
            State::LocalEdit => Action::Keep,
            State::Converged => Action::Record,
            State::UnmarkedEdit | State::Conflict | State::Untracked if opts.force_pull => {
                Action::ForcePull
            }
            State::UnmarkedEdit | State::Conflict | State::Untracked => Action::Keep,
        };
    }
    Ok(Plan {
        fetched: to_fetch.len(),
        prompts,
        hub_names,
        invalid_hub_names,
    })
}

/// The warning for a plan whose hub list had entries that are no prompt names
/// ([`Plan::invalid_hub_names`]), if it had any.
pub fn invalid_hub_names_warning(plan: &Plan) -> Option<String> {
    let n = plan.invalid_hub_names;
    (n > 0).then(|| {
        format!(
            "the hub's prompt list had {n} {} whose name is no valid prompt name (skipped)",
            if n == 1 { "entry" } else { "entries" }
        )
    })
}

/// The cache text of a hub version: in the form of the file it would replace (a
/// chat prompt the original tool cached as its plain system text stays plain), or a
/// new file's.
pub fn cache_text(
    model: &prompt_sync_core::PromptModel,
    form: Option<prompt_sync_core::chat_text::Form>,
) -> Result<String, prompt_sync_core::chat_text::ChatTextError> {
    match form {
        Some(form) => model.to_cache_text_in(form),
        None => model.to_cache_text(),
    }
}

/// Pulls `items` in parallel. Without a listing before it (`listed` false), the first
/// pull goes alone and doubles as the check that the hub is there and takes the key:
/// when it fails for a reason that is not about that one prompt, the whole plan fails
/// with it, instead of sending every other request to a hub that is down.
fn fetch(
    hub: &dyn Hub,
    owner: &str,
    items: &[(String, String)],
    concurrency: usize,
    listed: bool,
) -> Result<Vec<Result<PulledCommit, HubError>>, HubError> {
    if listed || items.len() < 2 {
        return Ok(hub.pull_many(owner, items, concurrency));
    }
    let (first, rest) = items.split_at(1);
    let mut results = hub.pull_many(owner, first, 1);
    if let Some(Err(e)) = results.first()
        && is_hub_wide(e)
    {
        return Err(e.clone());
    }
    results.extend(hub.pull_many(owner, rest, concurrency));
    Ok(results)
}

/// Errors that say the hub (or the way to it, or the key) is unusable, not that one
/// prompt is.
fn is_hub_wide(e: &HubError) -> bool {
    matches!(
        e,
        HubError::Auth { .. }
            | HubError::OrgScopedKey
            | HubError::RateLimited { .. }
            | HubError::Server { .. }
            | HubError::Network { .. }
            | HubError::Timeout { .. }
            | HubError::BadResponse { .. }
            | HubError::Config { .. }
    )
}

/// True when `r` names commit `commit`: the full hash, or a prefix of 8+ characters.
fn is_commit_ref_of(r: &str, commit: &str) -> bool {
    r.len() >= 8 && commit.starts_with(r)
}

/// Applies a plan under the exclusive lock and reports what happened. `on_wait` is
/// called once if another process holds the lock.
pub fn apply(
    store: &Store,
    mut plan: Plan,
    hub: &dyn Hub,
    opts: &SyncOptions,
    on_wait: impl FnOnce(&std::path::Path),
) -> SyncReport {
    let mut report = SyncReport::default();
    let writes = plan.prompts.iter().any(|p| {
        matches!(
            p.action,
            Action::Pull | Action::ForcePull | Action::Record | Action::Push
        )
    });
    let lock = if writes {
        match store.lock_exclusive(on_wait) {
            Ok(l) => Some(l),
            Err(e) => {
                for p in plan.prompts {
                    report.push(&p, Outcome::Error(format!("cannot lock the cache: {e}")));
                }
                return report;
            }
        }
    } else {
        None
    };
    if let Some(lock) = &lock
        && let Ok(actions) = store.repair(lock)
    {
        report.repaired = actions;
    }
    // Writes of different prompts touch different files: they run in parallel (most
    // of a write is waiting for the disk to flush). Pushes stay one at a time, in order.
    let mut done: Vec<Option<Outcome>> = plan.prompts.iter().map(|_| None).collect();
    if let Some(lock) = &lock {
        let writes: Vec<usize> = plan
            .prompts
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p.action, Action::Pull | Action::ForcePull | Action::Record))
            .map(|(i, _)| i)
            .collect();
        let outcomes = write_all(store, lock, &plan.prompts, &writes, &opts.owner);
        let mut raced = Vec::new();
        for (i, outcome) in writes.into_iter().zip(outcomes) {
            match outcome {
                Written::Done(outcome) => done[i] = Some(outcome),
                Written::Raced => raced.push(i),
            }
        }
        replan_raced(store, lock, &mut plan, &raced, &mut done, hub, opts);
    }
    for (p, done) in plan.prompts.into_iter().zip(done) {
        let outcome = match (done, &p.action, &lock) {
            (Some(outcome), _, _) => outcome,
            (None, Action::Fail(e), _) => Outcome::Error(e.clone()),
            (None, Action::Nothing, _) => Outcome::Unchanged,
            (None, Action::Keep, _) => keep_outcome(&p),
            (None, _, None) => Outcome::Error("internal error: no lock".to_owned()),
            (None, Action::Push, Some(lock)) => {
                if p.local.still_current(store) {
                    push(store, lock, &p, hub, opts)
                } else {
                    changed_meanwhile()
                }
            }
            (None, _, Some(_)) => Outcome::Unchanged,
        };
        report.push(&p, outcome);
    }
    report
}

/// Fewest writes worth spreading over threads.
const PARALLEL_WRITES_MIN: usize = 16;

/// Most threads writing at once.
const MAX_WRITERS: usize = 8;

/// What writing one planned prompt came to.
enum Written {
    /// Written, or found already written, or failed.
    Done(Outcome),
    /// The cache changed after planning (another process synced it, or the user
    /// edited it): plan it again under the lock.
    Raced,
}

/// Plans the prompts at `raced` again, under the exclusive lock the caller holds (so
/// no other process changes them meanwhile), against the hub's side asked for again,
/// and applies that: a prompt another sync moved is taken from where it is now, and
/// only a real local change or conflict is reported. One round: nothing else can
/// write while the lock is held (a write of the user's own, without the lock, is
/// reported as the change it is).
fn replan_raced(
    store: &Store,
    lock: &prompt_sync_core::lock::CacheLock,
    plan: &mut Plan,
    raced: &[usize],
    done: &mut [Option<Outcome>],
    hub: &dyn Hub,
    opts: &SyncOptions,
) {
    if raced.is_empty() {
        return;
    }
    let specs: Vec<(PromptName, Option<HubRef>)> = raced
        .iter()
        .map(|&i| {
            let t = &plan.prompts[i].target;
            (t.name.clone(), Some(t.hub_ref.clone()))
        })
        .collect();
    let again = match plan_reading(store, &specs, hub, opts, Reading::UnderLock) {
        Ok(again) => again,
        Err(e) => {
            for &i in raced {
                done[i] = Some(Outcome::Error(format!(
                    "the cached prompt changed while syncing, and the hub could not be asked again: {e}"
                )));
            }
            return;
        }
    };
    plan.fetched += again.fetched;
    for (&i, q) in raced.iter().zip(again.prompts) {
        let outcome = match &q.action {
            Action::Pull | Action::ForcePull | Action::Record if q.local.still_current(store) => {
                Some(write_hub_version(store, lock, &q, &opts.owner))
            }
            Action::Pull | Action::ForcePull | Action::Record => Some(changed_meanwhile()),
            Action::Nothing => Some(Outcome::Unchanged),
            // Pushed (or kept) in the main loop, from the new plan.
            _ => None,
        };
        done[i] = outcome;
        plan.prompts[i] = q;
    }
}

/// Writes the hub's version of `prompts[i]` for each `i` of `which`, in parallel when
/// there are many; outcomes in the order of `which`.
fn write_all(
    store: &Store,
    lock: &prompt_sync_core::lock::CacheLock,
    prompts: &[PlannedPrompt],
    which: &[usize],
    owner: &str,
) -> Vec<Written> {
    let write = |i: usize| {
        let p = &prompts[i];
        if p.local.still_current(store) {
            Written::Done(write_hub_version(store, lock, p, owner))
        } else if already_written(store, p) {
            // Another process (a parallel build, say) synced it first.
            Written::Done(Outcome::Unchanged)
        } else {
            Written::Raced
        }
    };
    let writers = MAX_WRITERS.min(which.len());
    if which.len() < PARALLEL_WRITES_MIN || writers < 2 {
        return which.iter().map(|&i| write(i)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut outcomes: Vec<Option<Written>> = which.iter().map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&i) = which.get(k) else { break };
                        mine.push((k, write(i)));
                    }
                    mine
                })
            })
            .collect();
        for handle in handles {
            for (k, outcome) in handle.join().unwrap_or_default() {
                outcomes[k] = Some(outcome);
            }
        }
    });
    outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                Written::Done(Outcome::Error(
                    "internal error: a write did not finish".to_owned(),
                ))
            })
        })
        .collect()
}

/// True when the cache now holds exactly the hub version `p` planned to write: its
/// text, recorded as synced from that commit, with no local edit and no write pending.
fn already_written(store: &Store, p: &PlannedPrompt) -> bool {
    let Some(hub_side) = &p.hub else {
        return false;
    };
    let now = LocalState::read(store, &p.target.name);
    now.error().is_none()
        && !now.interrupted()
        && !now.marked()
        && now.text_hash() == Some(hub_side.content_hash.as_str())
        && now.base_hash() == Some(hub_side.content_hash.as_str())
        && now.base_commit() == Some(hub_side.commit_hash.as_str())
}

fn changed_meanwhile() -> Outcome {
    Outcome::Error(
        "the cached prompt changed while syncing; nothing was written, run the sync again"
            .to_owned(),
    )
}

/// Plans and reports without changing anything (a dry run).
pub fn dry_run(plan: &Plan) -> SyncReport {
    let mut report = SyncReport::default();
    for p in &plan.prompts {
        let outcome = match &p.action {
            Action::Fail(e) => Outcome::Error(e.clone()),
            Action::Nothing => Outcome::Unchanged,
            Action::Keep => keep_outcome(p),
            Action::Pull if p.state == Some(State::Missing) => Outcome::WouldPull,
            Action::Pull | Action::ForcePull => Outcome::WouldUpdate,
            Action::Record => Outcome::WouldRecord,
            Action::Push => Outcome::WouldPush,
        };
        report.push(p, outcome);
    }
    report
}

fn keep_outcome(p: &PlannedPrompt) -> Outcome {
    if p.local.interrupted() {
        return Outcome::Interrupted;
    }
    match p.state {
        Some(State::LocalEdit) if p.auto_push_skipped => {
            let name = &p.target.name;
            let r = &p.target.hub_ref;
            Outcome::PushRefused(format!(
                "`{name}` follows `{r}`, not `latest`, so --auto-push leaves it alone (the hub's newest commit may differ from `{r}`); `prompt-sync push {name}` checks the newest commit and says how to publish it"
            ))
        }
        Some(State::LocalEdit) => Outcome::LocalEdit,
        Some(State::UnmarkedEdit) => Outcome::UnmarkedEdit,
        Some(State::Untracked) if p.local.unverified() => Outcome::Conflict(
            "the cached text differs from the hub's and its metadata (the original tool's older shape) records no SHA-256 to tell which changed; keep yours as a local edit with `prompt-sync mark-edited`, or take the hub's with `prompt-sync sync --force-pull` (yours is backed up first)".to_owned(),
        ),
        Some(State::Untracked) => Outcome::Conflict(
            "the cached text has no metadata and differs from the hub's; restore the metadata from git, or take the hub's with `prompt-sync sync --force-pull` (yours is backed up first)".to_owned(),
        ),
        // `push --force` never publishes an unmarked edit: name `mark-edited` first.
        _ if !p.local.metadata().is_some_and(|m| m.locally_modified) => Outcome::Conflict(
            format!(
                "both the cached text and the hub changed since the last sync, and the cached edit is not marked; to keep it run `prompt-sync mark-edited {name}` first, then compare with `prompt-sync diff {name}` and push; to take the hub's run `prompt-sync sync --force-pull {name}` (yours is backed up)",
                name = p.target.name
            ),
        ),
        _ => Outcome::Conflict(
            "both the cached text and the hub changed since the last sync; compare with `prompt-sync diff`, then `prompt-sync sync --force-pull` (takes the hub's, backing up yours) or `prompt-sync push --force`".to_owned(),
        ),
    }
}

fn write_hub_version(
    store: &Store,
    lock: &prompt_sync_core::lock::CacheLock,
    p: &PlannedPrompt,
    owner: &str,
) -> Outcome {
    let Some(hub_side) = &p.hub else {
        return Outcome::Error("internal error: no hub version".to_owned());
    };
    let Some(manifest) = &hub_side.manifest else {
        return Outcome::Error("internal error: the hub's manifest was not fetched".to_owned());
    };
    let version = HubVersion {
        name: &p.target.name,
        // The owner the hub side was read from (the config's), not a stale record.
        owner,
        hub_ref: &p.target.hub_ref,
        commit_hash: &hub_side.commit_hash,
        manifest,
    };
    let previous = p.local.metadata();
    // A text that is already the hub's, and was recorded as such, keeps the original
    // tool's fields as they are: only what it records beyond them is learnt.
    let entry = match previous {
        Some(prev)
            if p.action == Action::Record
                && p.state == Some(State::UpToDate)
                && prev.hub_content_hash.as_deref() == Some(hub_side.content_hash.as_str()) =>
        {
            recorded_entry(&version, prev).and_then(|meta| {
                store
                    .read_text(&p.target.name)
                    .map(|text| (text.unwrap_or_default(), meta))
            })
        }
        _ => pulled_entry_in(&version, previous, &timestamp::now_utc(), p.local.form()),
    };
    let (text, meta) = match entry {
        Ok(e) => e,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    match store.write(lock, &p.target.name, &text, &meta) {
        Ok(w) => match p.action {
            Action::Record => Outcome::Recorded,
            _ if p.state == Some(State::Missing) => Outcome::Pulled,
            _ => Outcome::Updated { backup: w.backup },
        },
        Err(e) => Outcome::Error(e.to_string()),
    }
}

fn push(
    store: &Store,
    lock: &prompt_sync_core::lock::CacheLock,
    p: &PlannedPrompt,
    hub: &dyn Hub,
    opts: &SyncOptions,
) -> Outcome {
    match push_inner(store, lock, p, hub, opts) {
        Ok(o) => o,
        Err(e) => Outcome::Error(e),
    }
}

fn push_inner(
    store: &Store,
    lock: &prompt_sync_core::lock::CacheLock,
    p: &PlannedPrompt,
    hub: &dyn Hub,
    opts: &SyncOptions,
) -> Result<Outcome, String> {
    let name = &p.target.name;
    let local = push::read_local(store, name)?;
    // Planning read the hub side from `opts.owner`: push to the same place.
    let owner = opts.owner.clone();
    // Re-read the newest commit under the lock, as `prompt-sync push` does: the plan's
    // may be stale, and the push must go on top of the commit the edit was compared with.
    let planned = p.hub.as_ref().map(|h| h.commit_hash.as_str());
    let latest = hub
        .pull(&owner, opts.repo(name), "latest")
        .map_err(|e| e.to_string())?;
    if Some(latest.commit_hash.as_str()) != planned {
        return Ok(Outcome::Conflict(format!(
            "the hub changed `{name}` while syncing (now commit {}); nothing was pushed: compare with `prompt-sync diff {name}`, then `prompt-sync push {name}`",
            latest.commit_hash.get(..8).unwrap_or(&latest.commit_hash)
        )));
    }
    // On top of the hub's newest manifest, not the one the metadata kept: a commit
    // since the last sync may have changed what the text does not show (model
    // settings, metadata), and the push must keep it.
    let manifest = push::build_manifest(&local, Some(&latest.manifest))?;
    let push_opts = push::PushOptions {
        owner: owner.clone(),
        description: opts.push_description.clone(),
        hub_repo: opts.hub_repos.get(name).cloned(),
        ..push::PushOptions::default()
    };
    let (commit, _) = push::publish(
        store,
        lock,
        name,
        &local,
        hub,
        &owner,
        &manifest,
        Some(&latest.commit_hash),
        false,
        &push_opts,
    )?;
    Ok(Outcome::Pushed {
        commit: Some(commit),
    })
}
