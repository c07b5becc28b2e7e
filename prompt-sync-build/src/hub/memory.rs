//! [`MemoryHub`]: a [`Hub`] held in memory, for tests of code that syncs (prompt-sync's
//! own engine tests use it). No network, no latency; it records every request.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use prompt_sync_core::hash::sha256_hex;
use serde_json::Value;

use super::{CommitSummary, Hub, HubError, PulledCommit, PushOutcome, RepoSummary};

/// One commit: its hash, manifest and parent.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryCommit {
    /// The commit hash.
    pub hash: String,
    /// The manifest.
    pub manifest: Value,
    /// The previous commit of the prompt.
    pub parent: Option<String>,
}

/// An in-memory hub. Like LangSmith it refuses a push whose parent is not the newest
/// commit (a conflict) and answers "nothing to commit" for an unchanged manifest; a
/// ref is `latest`, a tag, or a commit hash prefix. Each request is recorded as a line
/// (`list`, `pull NAME REF`, `commits NAME`, `push NAME parent=P`) for tests to check.
#[derive(Debug, Default)]
pub struct MemoryHub {
    repos: Mutex<BTreeMap<String, Vec<MemoryCommit>>>,
    tags: Mutex<HashMap<(String, String), String>>,
    calls: Mutex<Vec<String>>,
    failing: Mutex<Vec<String>>,
    commits_made: Mutex<u64>,
    pushed: Mutex<u64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MemoryHub {
    /// An empty hub.
    pub fn new() -> MemoryHub {
        MemoryHub::default()
    }

    /// Commits `manifest` as the newest version of `name` (creating it); its hash.
    pub fn put(&self, name: &str, manifest: Value) -> String {
        let n = {
            let mut made = lock(&self.commits_made);
            *made += 1;
            *made
        };
        let mut repos = lock(&self.repos);
        let commits = repos.entry(name.to_owned()).or_default();
        let parent = commits.last().map(|c| c.hash.clone());
        let hash = sha256_hex(format!("{name}/{n}/{manifest}").as_bytes());
        commits.push(MemoryCommit {
            hash: hash.clone(),
            manifest,
            parent,
        });
        hash
    }

    /// Points tag `tag` of `name` at `commit`.
    pub fn tag(&self, name: &str, tag: &str, commit: &str) {
        lock(&self.tags).insert((name.to_owned(), tag.to_owned()), commit.to_owned());
    }

    /// Every commit of `name`, oldest first.
    pub fn commits(&self, name: &str) -> Vec<MemoryCommit> {
        lock(&self.repos).get(name).cloned().unwrap_or_default()
    }

    /// The newest commit of `name`.
    pub fn latest(&self, name: &str) -> Option<MemoryCommit> {
        lock(&self.repos).get(name).and_then(|c| c.last().cloned())
    }

    /// Makes every later pull of `name` fail with a 503.
    pub fn fail(&self, name: &str) {
        lock(&self.failing).push(name.to_owned());
    }

    /// The requests made so far, in order.
    pub fn calls(&self) -> Vec<String> {
        lock(&self.calls).clone()
    }

    /// How many commits pushes have created.
    pub fn pushed(&self) -> u64 {
        *lock(&self.pushed)
    }

    /// Forgets the requests made so far.
    pub fn clear_calls(&self) {
        lock(&self.calls).clear();
    }

    fn log(&self, call: String) {
        lock(&self.calls).push(call);
    }
}

impl Hub for MemoryHub {
    fn list_repos(&self, _owner: &str) -> Result<Vec<RepoSummary>, HubError> {
        self.log("list".into());
        Ok(lock(&self.repos)
            .iter()
            .map(|(k, v)| RepoSummary {
                repo_handle: k.clone(),
                last_commit_hash: v.last().map(|c| c.hash.clone()),
            })
            .collect())
    }

    fn pull(&self, _owner: &str, name: &str, r: &str) -> Result<PulledCommit, HubError> {
        self.log(format!("pull {name} {r}"));
        if lock(&self.failing).iter().any(|f| f == name) {
            return Err(HubError::Server { status: 503 });
        }
        let tagged = lock(&self.tags)
            .get(&(name.to_owned(), r.to_owned()))
            .cloned();
        let repos = lock(&self.repos);
        let commits = repos
            .get(name)
            .ok_or(HubError::NotFound { what: name.into() })?;
        let c = match (r, tagged) {
            ("latest", _) => commits.last(),
            (_, Some(h)) => commits.iter().find(|c| c.hash == h),
            _ => commits.iter().find(|c| c.hash.starts_with(r)),
        }
        .ok_or(HubError::NotFound {
            what: format!("{name}:{r}"),
        })?;
        Ok(PulledCommit {
            commit_hash: c.hash.clone(),
            manifest: c.manifest.clone(),
        })
    }

    fn list_commits(
        &self,
        _owner: &str,
        name: &str,
        limit: usize,
    ) -> Result<Vec<CommitSummary>, HubError> {
        self.log(format!("commits {name}"));
        Ok(lock(&self.repos)
            .get(name)
            .map(|c| {
                c.iter()
                    .rev()
                    .take(limit)
                    .map(|c| CommitSummary {
                        commit_hash: c.hash.clone(),
                        id: None,
                        created_at: None,
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    fn repo_exists(&self, _owner: &str, name: &str) -> Result<bool, HubError> {
        Ok(lock(&self.repos).contains_key(name))
    }

    fn create_repo(&self, name: &str, _description: Option<&str>) -> Result<(), HubError> {
        lock(&self.repos).entry(name.to_owned()).or_default();
        Ok(())
    }

    fn push(
        &self,
        _owner: &str,
        name: &str,
        manifest: &Value,
        parent: Option<&str>,
        _description: Option<&str>,
    ) -> Result<PushOutcome, HubError> {
        self.log(format!("push {name} parent={}", parent.unwrap_or("-")));
        let latest = self.latest(name);
        if latest.as_ref().is_some_and(|l| &l.manifest == manifest) {
            return Ok(PushOutcome::NothingToCommit);
        }
        if let (Some(l), Some(p)) = (&latest, parent)
            && l.hash != p
        {
            return Err(HubError::Conflict {
                detail: "parent is not the latest commit".into(),
            });
        }
        let commit_hash = self.put(name, manifest.clone());
        *lock(&self.pushed) += 1;
        Ok(PushOutcome::Created {
            commit_hash,
            commit_id: None,
        })
    }

    fn add_tag(&self, _owner: &str, name: &str, tag: &str, commit: &str) -> Result<(), HubError> {
        self.tag(name, tag, commit);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn behaves_like_the_hub_on_pushes_tags_and_failures() {
        let hub = MemoryHub::new();
        let v1 = hub.put("p", json!({"t": 1}));
        let v2 = hub.put("p", json!({"t": 2}));
        assert_eq!(
            hub.latest("p").unwrap().parent.as_deref(),
            Some(v1.as_str())
        );
        // A stale parent is a conflict; the same manifest is nothing to commit.
        let stale = hub.push("-", "p", &json!({"t": 3}), Some(&v1), None);
        assert!(matches!(stale, Err(HubError::Conflict { .. })), "{stale:?}");
        let same = hub
            .push("-", "p", &json!({"t": 2}), Some(&v2), None)
            .unwrap();
        assert_eq!(same, PushOutcome::NothingToCommit);
        let ok = hub
            .push("-", "p", &json!({"t": 3}), Some(&v2), None)
            .unwrap();
        assert!(matches!(ok, PushOutcome::Created { .. }));
        assert_eq!(hub.pushed(), 1);
        // Refs: latest, a tag, a hash prefix.
        hub.tag("p", "prod", &v1);
        assert_eq!(hub.pull("-", "p", "prod").unwrap().commit_hash, v1);
        assert_eq!(hub.pull("-", "p", &v2[..8]).unwrap().commit_hash, v2);
        assert_eq!(
            hub.pull("-", "p", "latest").unwrap().manifest,
            json!({"t": 3})
        );
        hub.fail("p");
        assert!(matches!(
            hub.pull("-", "p", "latest"),
            Err(HubError::Server { status: 503 })
        ));
        assert!(hub.calls().contains(&"pull p prod".to_owned()));
        hub.clear_calls();
        assert!(hub.calls().is_empty());
    }

    /// The trait's default `list_repos_for` (which this hub uses): only the wanted
    /// repos are kept, and a handle that is no prompt name is skipped and counted.
    #[test]
    fn listing_for_named_prompts_keeps_them_and_counts_invalid_handles() {
        let hub = MemoryHub::new();
        hub.put("wanted", json!({"t": 1}));
        hub.put("other", json!({"t": 1}));
        hub.put("no/prompt name", json!({"t": 1}));
        hub.put(&"x".repeat(500), json!({"t": 1}));
        let wanted = std::collections::BTreeSet::from(["wanted".to_owned(), "absent".to_owned()]);
        let listing = hub.list_repos_for("-", &wanted).unwrap();
        let names: Vec<&str> = listing
            .repos
            .iter()
            .map(|r| r.repo_handle.as_str())
            .collect();
        assert_eq!(names, ["wanted"]);
        assert_eq!(listing.invalid_handles, 2);
    }
}
