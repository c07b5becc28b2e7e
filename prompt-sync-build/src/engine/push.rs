//! Publishing a cached prompt: `prompt-sync push NAME`.
//!
//! One prompt at a time, under the cache's exclusive lock (a dry run takes the shared
//! one and writes nothing, on disk or on the hub):
//!
//! 1. read the cached text (L) and metadata (B = `hub_content_hash`, the base commit,
//!    M = `locally_modified`);
//! 2. pull the hub's latest commit (H), or learn that the prompt is not on the hub;
//! 3. decide with the three-way table ([`classify`]):
//!    - not on the hub, never synced (a prompt started with `prompt-sync new`): create
//!      the repo, push with no parent;
//!    - not on the hub but synced before (deleted there?): refuse unless `force`;
//!    - local edit (M, L != B, H = B): push with `parent_commit` = the hub's latest
//!      commit, which is the cache's base commit (or a commit with the same text);
//!    - conflict or untracked (H != B and H != L): refuse unless `force`, then push on
//!      top of the hub's latest commit;
//!    - unmarked edit (the text differs from the metadata's record and is not marked),
//!      alone or in a conflict: refuse, naming `prompt-sync mark-edited`, even with
//!      `force` (which overrides a conflict only);
//!    - up to date / converged (H = L): nothing to push; the tags go on the hub's
//!      commit, and a converged prompt's metadata records it;
//!    - hub newer (L = B, H != B): nothing to push, `prompt-sync sync` takes the hub's;
//! 4. after a push: the metadata says `sync_direction: push`, the new commit,
//!    `locally_modified: false`, and keeps the pushed manifest (written before the tags,
//!    so a failed tag never loses the record of the push);
//! 5. apply the commit tags, one request each.
//!
//! The manifest pushed is the hub's current manifest with only the templates, roles,
//! template format and variables replaced ([`to_manifest`]), so model settings and
//! other parts made on the hub survive.

use std::path::Path;

use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::lock::CacheLock;
use prompt_sync_core::manifest::{from_manifest, prompt_input_variables, to_manifest};
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::model::{PromptKind, PromptModel};
use prompt_sync_core::store::Store;
use prompt_sync_core::{PromptName, timestamp};
use serde_json::Value;

use super::{State, classify};
use crate::hub::{Hub, HubError, PulledCommit, PushOutcome};

/// How to push.
#[derive(Clone, Debug)]
pub struct PushOptions {
    /// The owner used when the metadata records none (`-`: the key's own workspace).
    pub owner: String,
    /// Commit tags to put on the pushed commit (or on the hub's commit when it already
    /// has the local text).
    pub tags: Vec<String>,
    /// The description of the new commit (and of a repo created for a new prompt).
    pub description: Option<String>,
    /// Push even when the hub changed since the last sync (a conflict). Never pushes
    /// an unmarked edit.
    pub force: bool,
    /// Decide and report, change nothing.
    pub dry_run: bool,
    /// The hub repo, when the prompt follows one of another name (see
    /// `SyncOptions::hub_repos`).
    pub hub_repo: Option<PromptName>,
}

impl PushOptions {
    /// The hub repo the cache entry `name` is pushed to.
    fn repo<'a>(&'a self, name: &'a PromptName) -> &'a str {
        self.hub_repo.as_ref().unwrap_or(name).as_str()
    }
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            owner: "-".to_owned(),
            tags: Vec::new(),
            description: None,
            force: false,
            dry_run: false,
            hub_repo: None,
        }
    }
}

/// What a push of one prompt did (or, in a dry run, would do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushResult {
    /// A new commit was pushed.
    Pushed {
        /// Its hash.
        commit: String,
        /// The `parent_commit` sent (`None` for a new prompt).
        parent: Option<String>,
        /// The repo was created first.
        created_repo: bool,
    },
    /// Dry run: would push.
    WouldPush {
        /// The `parent_commit` it would send.
        parent: Option<String>,
        /// It would create the repo first.
        create_repo: bool,
    },
    /// The hub already has exactly the local text (up to date, or converged: then the
    /// metadata now records the hub's commit).
    AlreadyOnHub {
        /// The hub's commit.
        commit: String,
        /// The metadata was updated to record it (or would be, in a dry run).
        recorded: bool,
    },
    /// The hub has a newer text and the cache has no local change: nothing to push.
    HubNewer {
        /// The hub's commit.
        commit: String,
    },
    /// Not pushed: the reason says what to do instead.
    Refused {
        /// Why, with the fix.
        reason: String,
    },
    /// It failed.
    Failed(String),
}

/// The result of pushing one prompt.
#[derive(Clone, Debug)]
pub struct PushReport {
    /// The prompt.
    pub name: PromptName,
    /// The three-way state found (`None` when the hub or the cache could not be read,
    /// or the prompt is not on the hub).
    pub state: Option<State>,
    /// What happened.
    pub result: PushResult,
    /// Tags put on the commit (empty in a dry run).
    pub tagged: Vec<String>,
    /// Dry run: the tags that would be put on the commit.
    pub would_tag: Vec<String>,
    /// Tags that failed, each with the cause.
    pub tag_errors: Vec<String>,
    /// Characters of the local text.
    pub chars: usize,
}

impl PushReport {
    /// True when the push failed, was refused, or a tag failed.
    pub fn is_problem(&self) -> bool {
        !self.tag_errors.is_empty()
            || matches!(
                self.result,
                PushResult::Refused { .. } | PushResult::Failed(_)
            )
    }
}

/// The local side, read under the lock.
pub(super) struct Local {
    text: String,
    meta: Metadata,
    hash: String,
}

/// The plan for one prompt.
enum Decision {
    Push {
        parent: Option<String>,
        create_repo: bool,
        base_manifest: Option<Value>,
    },
    OnHub {
        commit: String,
        record: bool,
    },
    Done(PushResult),
}

/// Pushes one prompt (see the module docs). `on_wait` is called once if another
/// process holds the cache lock.
pub fn push_prompt(
    store: &Store,
    name: &PromptName,
    hub: &dyn Hub,
    opts: &PushOptions,
    on_wait: impl FnOnce(&Path),
) -> PushReport {
    let mut report = PushReport {
        name: name.clone(),
        state: None,
        result: PushResult::Failed(String::new()),
        tagged: Vec::new(),
        would_tag: Vec::new(),
        tag_errors: Vec::new(),
        chars: 0,
    };
    let layout = store.layout();
    // Checked before locking: taking the lock creates the cache directory and lock
    // file, which pushing a prompt that is not cached must not do.
    if !layout.text_path(name).is_file() {
        report.result = PushResult::Failed(format!(
            "prompt `{name}` is not in the cache; `prompt-sync new {name}` starts a new prompt, `prompt-sync sync {name}` fetches one from the hub"
        ));
        return report;
    }
    if !layout.existing_metadata_path(name).is_file() {
        report.result = PushResult::Failed(format!(
            "prompt `{name}` has a text but no metadata; restore the metadata from git, or start it with `prompt-sync new {name} --from FILE`"
        ));
        return report;
    }
    // A dry run reads under the shared lock, held to the end, so it never sees a
    // write half done; a push holds the exclusive one.
    let (lock, _shared) = if opts.dry_run {
        match store.lock_shared(on_wait) {
            Ok(shared) => (Ok(None), shared),
            Err(e) => (Err(e), None),
        }
    } else {
        (store.lock_exclusive(on_wait).map(Some), None)
    };
    let lock = match lock {
        Ok(l) => l,
        Err(e) => {
            report.result = PushResult::Failed(format!("cannot lock the cache: {e}"));
            return report;
        }
    };
    let local = match read_local(store, name) {
        Ok(l) => l,
        Err(e) => {
            report.result = PushResult::Failed(e);
            return report;
        }
    };
    report.chars = local.text.chars().count();
    let owner = local
        .meta
        .owner
        .clone()
        .unwrap_or_else(|| opts.owner.clone());
    let repo = opts.repo(name);
    let hub_side = match hub.pull(&owner, repo, "latest") {
        Ok(c) => Some(c),
        Err(HubError::NotFound { .. }) => None,
        Err(e) => {
            report.result = PushResult::Failed(e.to_string());
            return report;
        }
    };
    let decision = match decide(name, &local, hub_side.as_ref(), opts.force) {
        Ok((state, d)) => {
            report.state = state;
            d
        }
        Err(e) => {
            report.result = PushResult::Failed(e);
            return report;
        }
    };
    if let Decision::Push { .. } = decision
        && let Some(reason) = follows_other_ref(name, &local.meta, hub, &owner, opts)
    {
        report.result = reason;
        return report;
    }
    let tag_commit: Option<(String, Option<String>)>;
    match decision {
        Decision::Done(result) => {
            report.result = result;
            return report;
        }
        Decision::OnHub { commit, record } => {
            if record && let Some(lock) = &lock {
                let meta = recorded_meta(&local, &commit, hub_side.as_ref());
                if let Err(e) = store.write_metadata(lock, name, &meta) {
                    report.result = PushResult::Failed(e.to_string());
                    return report;
                }
            }
            report.result = PushResult::AlreadyOnHub {
                commit: commit.clone(),
                recorded: record,
            };
            tag_commit = Some((commit, None));
        }
        Decision::Push {
            parent,
            create_repo,
            base_manifest,
        } => {
            let manifest = match build_manifest(&local, base_manifest.as_ref()) {
                Ok(m) => m,
                Err(e) => {
                    report.result = PushResult::Failed(e);
                    return report;
                }
            };
            let Some(lock) = &lock else {
                report.result = PushResult::WouldPush {
                    parent,
                    create_repo,
                };
                report.would_tag = opts.tags.clone();
                return report;
            };
            match publish(
                store,
                lock,
                name,
                &local,
                hub,
                &owner,
                &manifest,
                parent.as_deref(),
                create_repo,
                opts,
            ) {
                Ok((commit, id)) => {
                    report.result = PushResult::Pushed {
                        commit: commit.clone(),
                        parent,
                        created_repo: create_repo,
                    };
                    tag_commit = Some((commit, id));
                }
                Err(e) => {
                    report.result = PushResult::Failed(e);
                    return report;
                }
            }
        }
    }
    if let Some((commit, id)) = tag_commit
        && !opts.tags.is_empty()
    {
        if opts.dry_run {
            report.would_tag = opts.tags.clone();
        } else {
            apply_tags(
                hub,
                &owner,
                name,
                repo,
                &commit,
                id,
                &opts.tags,
                &mut report,
            );
        }
    }
    report
}

/// Why a prompt started with `prompt-sync new` cannot be pushed or synced as is: the
/// hub already has a prompt of that name. Names the commands that resolve it.
pub fn name_taken(name: &PromptName) -> String {
    format!(
        "a prompt named `{name}` already exists on the hub; rename yours (start it again with `prompt-sync new OTHER_NAME --from FILE`), or take the hub's with `prompt-sync restore {name} --hub` (yours is backed up), or replace the hub's with `prompt-sync push --force {name}`"
    )
}

/// For a prompt that follows a ref other than `latest` (its metadata's `hub_ref`):
/// why it must not be pushed as asked, or `None` when it may.
///
/// The next sync fetches the followed ref, not the newest commit, so a push that
/// leaves the ref where it was would be undone by that sync (the pushed text would
/// survive only in a backup). A tag is safe only when this push sets it (`--tag REF`)
/// and the hub can set it: the hub does not move a tag that already points at a
/// commit, so that is refused before anything is pushed. A pinned commit never is.
fn follows_other_ref(
    name: &PromptName,
    meta: &Metadata,
    hub: &dyn Hub,
    owner: &str,
    opts: &PushOptions,
) -> Option<PushResult> {
    let r = meta.hub_ref.as_deref().filter(|r| *r != "latest")?;
    let refused = |reason: String| Some(PushResult::Refused { reason });
    if is_commit_like(r) {
        return refused(format!(
            "`{name}` is pinned to commit `{r}` (its `ref` in [package.metadata.prompt-sync]); the next sync would put that commit's text back. Set its `ref` to `latest` (or a tag), run `prompt-sync sync {name}`, then `prompt-sync push {name}`"
        ));
    }
    if !opts.tags.iter().any(|t| t == r) {
        return refused(format!(
            "`{name}` follows tag `{r}`, which a push does not move, so the next sync would put `{r}`'s text back; run `prompt-sync push {name} --tag {r}` to push and point `{r}` at the new commit"
        ));
    }
    match hub.pull(owner, opts.repo(name), r) {
        Err(HubError::NotFound { .. }) => None,
        Ok(c) => refused(format!(
            "tag `{r}` of `{name}` already points at commit {} and the hub does not move tags, so the next sync would put that text back; delete tag `{r}` in LangSmith, then run `prompt-sync push {name} --tag {r}` again",
            short(&c.commit_hash)
        )),
        Err(e) => Some(PushResult::Failed(format!(
            "cannot check where tag `{r}` points: {e}"
        ))),
    }
}

/// True for a ref the hub reads as a commit hash first: 8 or more hex digits.
fn is_commit_like(r: &str) -> bool {
    r.len() >= 8 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(super) fn read_local(store: &Store, name: &PromptName) -> Result<Local, String> {
    let text = store
        .read_text(name)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("prompt `{name}` is not in the cache"))?;
    let meta = store
        .read_metadata(name)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("prompt `{name}` has no metadata"))?;
    if meta.pending_write.is_some() {
        return Err(format!(
            "prompt `{name}` is half-written by an interrupted sync; run `prompt-sync repair` first"
        ));
    }
    let hash = sha256_hex(text.as_bytes());
    Ok(Local { text, meta, hash })
}

/// The hash of the hub's text, written in the form of the local text.
fn hub_hash(name: &PromptName, commit: &PulledCommit, local: &str) -> Result<String, String> {
    let text = from_manifest(&commit.manifest)
        .and_then(|m| {
            m.to_cache_text_like(Some(local))
                .map_err(|e| prompt_sync_core::Error::Manifest {
                    detail: e.to_string(),
                })
        })
        .map_err(|e| format!("the hub's version of `{name}` cannot be read: {e}"))?;
    Ok(sha256_hex(text.as_bytes()))
}

fn decide(
    name: &PromptName,
    local: &Local,
    hub: Option<&PulledCommit>,
    force: bool,
) -> Result<(Option<State>, Decision), String> {
    let base = local.meta.hub_content_hash.as_deref();
    let base_commit = local.meta.hub_commit_hash.as_deref();
    let unmarked = is_unmarked_edit(local);
    let Some(hub) = hub else {
        // `--force` overrides what the hub did, never the mark-edited rule.
        if unmarked {
            return Ok((
                None,
                Decision::Done(PushResult::Refused {
                    reason: unmarked_reason(name, None),
                }),
            ));
        }
        if base_commit.is_some() && !force {
            return Ok((
                None,
                Decision::Done(PushResult::Refused {
                    reason: format!(
                        "`{name}` was synced from the hub before but is not there now (deleted or renamed?); `prompt-sync push --force {name}` creates it again"
                    ),
                }),
            ));
        }
        return Ok((
            None,
            Decision::Push {
                parent: None,
                create_repo: true,
                base_manifest: local.meta.manifest.clone(),
            },
        ));
    };
    let h = hub_hash(name, hub, &local.text)?;
    let state = classify(Some(&local.hash), base, &h, local.meta.locally_modified);
    // Started locally (`prompt-sync new`), never synced, and the hub has a prompt of
    // that name with another text: not a change since a sync, a name clash.
    if state == State::Untracked && base.is_none() && base_commit.is_none() && !force {
        return Ok((
            Some(state),
            Decision::Done(PushResult::Refused {
                reason: name_taken(name),
            }),
        ));
    }
    let push_on_hub = || Decision::Push {
        parent: Some(hub.commit_hash.clone()),
        create_repo: false,
        base_manifest: Some(hub.manifest.clone()),
    };
    let decision = match state {
        State::LocalEdit => push_on_hub(),
        // An edit nobody marked is never published, whatever the hub did and with or
        // without `--force`: the fix is `mark-edited` first.
        State::Conflict | State::Untracked if unmarked => Decision::Done(PushResult::Refused {
            reason: unmarked_reason(name, Some(&hub.commit_hash)),
        }),
        State::Conflict | State::Untracked if force => push_on_hub(),
        State::Conflict | State::Untracked => Decision::Done(PushResult::Refused {
            reason: format!(
                "conflict: the hub changed `{name}` since the last sync (now commit {}) and so did the cache; compare with `prompt-sync diff {name}`, then `prompt-sync push --force {name}` (replaces the hub's text) or `prompt-sync sync --force-pull {name}` (takes the hub's, backing up yours)",
                short(&hub.commit_hash)
            ),
        }),
        State::UnmarkedEdit => Decision::Done(PushResult::Refused {
            reason: unmarked_reason(name, None),
        }),
        // The hub has the local text: nothing to push; record the hub's commit (and
        // clear a mark that no longer stands for a difference) when the metadata lags.
        State::UpToDate | State::Converged => Decision::OnHub {
            commit: hub.commit_hash.clone(),
            record: state == State::Converged
                || local.meta.locally_modified
                || base_commit != Some(hub.commit_hash.as_str()),
        },
        State::HubNewer => Decision::Done(PushResult::HubNewer {
            commit: hub.commit_hash.clone(),
        }),
        State::Missing => Decision::Done(PushResult::Failed(format!(
            "prompt `{name}` is not in the cache"
        ))),
    };
    Ok((Some(state), decision))
}

/// The kind the local text is pushed as: the metadata's; for a file of the original
/// tool (which records no kind), the hub's when the hub has the prompt, else a chat
/// prompt of one system message, as the original tool pushes every prompt.
fn push_kind(meta: &Metadata, base: Option<&Value>) -> PromptKind {
    if meta.kind.is_some() {
        return meta.prompt_kind();
    }
    base.and_then(|b| from_manifest(b).ok())
        .map_or(PromptKind::Chat, |m| m.kind())
}

/// True when the cached text differs from what the metadata records and was not
/// marked with `prompt-sync mark-edited` (the rule the macro applies too).
fn is_unmarked_edit(local: &Local) -> bool {
    !local.meta.locally_modified
        && (!local.meta.text_is_recorded(&local.hash)
            || local
                .meta
                .hub_content_hash
                .as_deref()
                .is_some_and(|b| b != local.hash))
}

/// Why an unmarked edit is not pushed. `hub_moved`: the hub's newer commit, when the
/// hub changed the prompt too (a conflict); `mark-edited` still comes first.
fn unmarked_reason(name: &PromptName, hub_moved: Option<&str>) -> String {
    match hub_moved {
        None => format!(
            "`{name}` was edited without `prompt-sync mark-edited {name}`; run it to keep the edit, then push again (or `prompt-sync restore {name}` to discard it)"
        ),
        Some(commit) => format!(
            "`{name}` was edited without `prompt-sync mark-edited {name}`, and the hub changed it since the last sync (now commit {}); an unmarked edit is never pushed, not even with `--force`. To keep your edit run `prompt-sync mark-edited {name}` first, then compare with `prompt-sync diff {name}` and push again; to take the hub's run `prompt-sync sync --force-pull {name}` (yours is backed up)",
            short(commit)
        ),
    }
}

/// The manifest for the local text, on top of `base` (the hub's current manifest, or
/// the one the metadata keeps).
pub(super) fn build_manifest(local: &Local, base: Option<&Value>) -> Result<Value, String> {
    let meta = &local.meta;
    let kind = push_kind(meta, base.or(meta.manifest.as_ref()));
    let body = PromptModel::body_from_cache_text(kind, &local.text).map_err(|e| {
        format!(
            "the cached chat text of `{}` does not follow the sectioned format: {e}",
            meta.prompt_name
        )
    })?;
    let mut model = PromptModel {
        body,
        template_format: meta.format(),
        input_variables: Vec::new(),
    };
    let previous = base
        .and_then(|b| from_manifest(b).ok())
        .map(|m| m.input_variables)
        .or_else(|| meta.input_variables.clone())
        .unwrap_or_default();
    model.input_variables = prompt_input_variables(&model, &previous);
    to_manifest(&model, base).map_err(|e| e.to_string())
}

/// Creates the repo if asked, pushes, and records the push in the metadata. Returns
/// the new commit's hash and id.
#[allow(clippy::too_many_arguments)]
pub(super) fn publish(
    store: &Store,
    lock: &CacheLock,
    name: &PromptName,
    local: &Local,
    hub: &dyn Hub,
    owner: &str,
    manifest: &Value,
    parent: Option<&str>,
    create_repo: bool,
    opts: &PushOptions,
) -> Result<(String, Option<String>), String> {
    let repo = opts.repo(name);
    if create_repo {
        hub.create_repo(repo, opts.description.as_deref())
            .map_err(|e| format!("cannot create the prompt on the hub: {e}"))?;
    }
    let outcome = hub
        .push(owner, repo, manifest, parent, opts.description.as_deref())
        .map_err(|e| e.to_string())?;
    let (commit, id) = match outcome {
        PushOutcome::Created {
            commit_hash,
            commit_id,
        } => (commit_hash, commit_id),
        // The hub already has exactly this manifest: learn its commit.
        PushOutcome::NothingToCommit => {
            let latest = hub
                .list_commits(owner, repo, 1)
                .map_err(|e| e.to_string())?
                .into_iter()
                .next()
                .ok_or("the hub said nothing changed but lists no commit")?;
            (latest.commit_hash, latest.id)
        }
    };
    let now = timestamp::now_utc();
    let mut meta = local.meta.clone();
    meta.locally_modified = false;
    meta.local_edit_timestamp = None;
    meta.hub_content_hash = Some(local.hash.clone());
    meta.local_content_hash = Some(local.hash.clone());
    meta.last_sync_timestamp = Some(now);
    meta.sync_direction = Some("push".to_owned());
    meta.hub_commit_hash = Some(commit.clone());
    meta.owner = Some(owner.to_owned());
    if meta.hub_ref.is_none() {
        meta.hub_ref = Some("latest".to_owned());
    }
    let kind = from_manifest(manifest).map_or_else(|_| meta.prompt_kind(), |m| m.kind());
    meta.kind = Some(kind.as_str().to_owned());
    meta.template_format = Some(meta.format().as_str().to_owned());
    if let Ok(model) = from_manifest(manifest) {
        meta.input_variables = Some(model.input_variables);
    }
    meta.manifest = Some(manifest.clone());
    store.write_metadata(lock, name, &meta).map_err(|e| {
        format!("pushed commit {commit}, but the metadata could not be written: {e}")
    })?;
    Ok((commit, id))
}

/// Metadata recording that the hub's `commit` has the local text.
fn recorded_meta(local: &Local, commit: &str, hub: Option<&PulledCommit>) -> Metadata {
    let mut meta = local.meta.clone();
    meta.locally_modified = false;
    meta.local_edit_timestamp = None;
    meta.hub_content_hash = Some(local.hash.clone());
    meta.local_content_hash = Some(local.hash.clone());
    meta.last_sync_timestamp = Some(timestamp::now_utc());
    meta.hub_commit_hash = Some(commit.to_owned());
    if let Some(h) = hub {
        if let Ok(model) = from_manifest(&h.manifest) {
            meta.input_variables = Some(model.input_variables);
        }
        meta.manifest = Some(h.manifest.clone());
    }
    meta
}

#[allow(clippy::too_many_arguments)]
fn apply_tags(
    hub: &dyn Hub,
    owner: &str,
    name: &PromptName,
    repo: &str,
    commit: &str,
    id: Option<String>,
    tags: &[String],
    report: &mut PushReport,
) {
    let id = match id {
        Some(id) => id,
        None => match commit_id(hub, owner, repo, commit) {
            Ok(id) => id,
            Err(e) => {
                report
                    .tag_errors
                    .extend(tags.iter().map(|t| format!("tag `{t}`: {e}")));
                return;
            }
        },
    };
    for tag in tags {
        match hub.add_tag(owner, repo, tag, &id) {
            Ok(()) => report.tagged.push(tag.clone()),
            Err(HubError::Conflict { detail }) => report.tag_errors.push(format!(
                "tag `{tag}`: the hub refused ({detail}); it points at another commit and the hub does not move tags: delete it in LangSmith, then run `prompt-sync push {name} --tag {tag}` again"
            )),
            Err(e) => report.tag_errors.push(format!("tag `{tag}`: {e}")),
        }
    }
}

/// The id (what tags refer to) of `commit`, from the newest commits of the repo.
fn commit_id(hub: &dyn Hub, owner: &str, repo: &str, commit: &str) -> Result<String, String> {
    hub.list_commits(owner, repo, 100)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|c| c.commit_hash == commit)
        .and_then(|c| c.id)
        .ok_or_else(|| format!("the hub lists no id for commit {}", short(commit)))
}

fn short(hash: &str) -> &str {
    hash.get(..8).unwrap_or(hash)
}
