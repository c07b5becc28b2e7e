//! The LangSmith Prompt Hub, as the sync engine sees it: the [`Hub`] trait, its
//! types and errors, and the HTTP implementation ([`client::HttpHub`]).

pub mod client;
pub mod error;
pub mod memory;
pub mod settings;

use serde_json::Value;

pub use error::HubError;
pub use settings::{HubSettings, Secret};

/// A prompt repo as the list endpoint reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoSummary {
    /// The repo handle (the prompt's name).
    pub repo_handle: String,
    /// The newest commit, `None` for a repo without commits.
    pub last_commit_hash: Option<String>,
}

/// The part of a prompt list a sync needs ([`Hub::list_repos_for`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoListing {
    /// The repos found, all with valid prompt names: the wanted ones the list showed
    /// (a wanted repo missing here may still be on the hub), perhaps a few others.
    pub repos: Vec<RepoSummary>,
    /// Entries skipped because their handle is no valid prompt name.
    pub invalid_handles: usize,
}

/// A commit pulled from the hub.
#[derive(Clone, Debug, PartialEq)]
pub struct PulledCommit {
    /// The commit's hash.
    pub commit_hash: String,
    /// Its manifest (prompt only; never the model).
    pub manifest: Value,
}

/// A commit as the commit list reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitSummary {
    /// The commit's hash.
    pub commit_hash: String,
    /// The commit's id (a UUID; what tags refer to).
    pub id: Option<String>,
    /// When it was created, as the hub wrote it.
    pub created_at: Option<String>,
}

/// What a push did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// A new commit.
    Created {
        /// Its hash.
        commit_hash: String,
        /// Its id, for tagging.
        commit_id: Option<String>,
    },
    /// The hub answered 409 "Nothing to commit": the manifest equals the latest commit.
    NothingToCommit,
}

/// The hub operations prompt-sync needs. `owner` is `-` (the key's own workspace) or
/// a tenant handle; `name` a validated prompt name.
pub trait Hub: Sync {
    /// Every prompt repo of `owner` with its newest commit hash (all pages).
    fn list_repos(&self, owner: &str) -> Result<Vec<RepoSummary>, HubError>;

    /// The repos of `owner` named in `wanted`, with their newest commits: what a sync
    /// of those prompts needs. A hub client may stop reading the list once it has
    /// found them all, or once reading on would cost more than pulling the rest (the
    /// HTTP client does both); by default the whole list is read and filtered.
    /// Entries whose handle is no valid prompt name are skipped and counted.
    fn list_repos_for(
        &self,
        owner: &str,
        wanted: &std::collections::BTreeSet<String>,
    ) -> Result<RepoListing, HubError> {
        let mut listing = RepoListing::default();
        for repo in self.list_repos(owner)? {
            if prompt_sync_core::PromptName::new(&repo.repo_handle).is_err() {
                listing.invalid_handles += 1;
            } else if wanted.contains(&repo.repo_handle) {
                listing.repos.push(repo);
            }
        }
        Ok(listing)
    }

    /// The commit at `hub_ref` (`latest`, a tag, or a full or 8+ character commit hash).
    fn pull(&self, owner: &str, name: &str, hub_ref: &str) -> Result<PulledCommit, HubError>;

    /// The newest `limit` commits of a repo, newest first.
    fn list_commits(
        &self,
        owner: &str,
        name: &str,
        limit: usize,
    ) -> Result<Vec<CommitSummary>, HubError>;

    /// Whether the repo exists.
    fn repo_exists(&self, owner: &str, name: &str) -> Result<bool, HubError>;

    /// Creates a private prompt repo in the key's own workspace (an existing one is fine).
    fn create_repo(&self, name: &str, description: Option<&str>) -> Result<(), HubError>;

    /// Pushes a commit with `parent_commit`. A 409 "Nothing to commit" is
    /// [`PushOutcome::NothingToCommit`], not an error.
    fn push(
        &self,
        owner: &str,
        name: &str,
        manifest: &Value,
        parent_commit: Option<&str>,
        description: Option<&str>,
    ) -> Result<PushOutcome, HubError>;

    /// Tags a commit (by its id).
    fn add_tag(&self, owner: &str, name: &str, tag: &str, commit_id: &str) -> Result<(), HubError>;

    /// Pulls several prompts, at most `concurrency` at a time, results in input order.
    fn pull_many(
        &self,
        owner: &str,
        items: &[(String, String)],
        concurrency: usize,
    ) -> Vec<Result<PulledCommit, HubError>> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<Result<PulledCommit, HubError>>>> =
            items.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for _ in 0..concurrency.clamp(1, items.len().max(1)) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((name, r)) = items.get(i) else { break };
                        let result = self.pull(owner, name, r);
                        if let Ok(mut slot) = slots[i].lock() {
                            *slot = Some(result);
                        }
                    }
                });
            }
        });
        slots
            .into_iter()
            .map(|m| {
                m.into_inner().ok().flatten().unwrap_or_else(|| {
                    Err(HubError::BadResponse {
                        detail: "a parallel fetch did not finish".to_owned(),
                    })
                })
            })
            .collect()
    }
}
