//! The hub's data: one workspace holding prompt repos, their commits and commit tags,
//! plus the JSON renderings LangSmith uses for them.

use serde_json::{Value, json};

use super::ids::{IdGen, now_naive};

/// One commit of a repo.
#[derive(Debug, Clone)]
pub(crate) struct Commit {
    pub id: String,
    pub manifest_id: String,
    pub hash: String,
    pub parent_hash: Option<String>,
    pub parent_id: Option<String>,
    pub manifest: Value,
    pub description: Option<String>,
    pub created_at: String,
}

/// A commit tag (`prod`, `staging`, …) pointing at a commit by id.
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub id: String,
    pub name: String,
    pub commit_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A prompt repo.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub id: String,
    pub handle: String,
    pub description: Option<String>,
    pub readme: Option<String>,
    pub tags: Vec<String>,
    pub is_public: bool,
    pub is_archived: bool,
    pub created_at: String,
    pub updated_at: String,
    /// Sequence number of the last change, for stable `updated_at` ordering.
    pub touched: u64,
    pub num_likes: u64,
    pub liked: bool,
    pub num_downloads: u64,
    pub num_views: u64,
    /// Oldest first.
    pub commits: Vec<Commit>,
    pub commit_tags: Vec<Tag>,
}

impl Repo {
    /// The newest commit.
    pub(crate) fn latest(&self) -> Option<&Commit> {
        self.commits.last()
    }

    /// Resolves a pull ref: `latest`/empty, a tag, a full hash or an 8+ char prefix.
    /// Refs shorter than 8 characters only match tags; longer ones try hashes first.
    pub(crate) fn resolve(&self, r: &str) -> Option<&Commit> {
        if r.is_empty() || r == "latest" {
            return self.latest();
        }
        let by_tag = || {
            let tag = self.commit_tags.iter().find(|t| t.name == r)?;
            self.commits.iter().find(|c| c.id == tag.commit_id)
        };
        if r.len() < 8 {
            return by_tag();
        }
        let r_lower = r.to_ascii_lowercase();
        self.commits
            .iter()
            .rev()
            .find(|c| c.hash.starts_with(&r_lower))
            .or_else(by_tag)
    }

    /// Names of the tags pointing at `commit_id`, sorted.
    pub(crate) fn tags_of(&self, commit_id: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .commit_tags
            .iter()
            .filter(|t| t.commit_id == commit_id)
            .map(|t| t.name.clone())
            .collect();
        v.sort();
        v
    }
}

/// Why a tag could not be set.
pub(crate) enum TagError {
    /// No commit with that id/hash.
    NoCommit,
    /// The tag already points at another commit.
    Conflict,
}

/// Everything the hub stores.
pub(crate) struct Store {
    pub ids: IdGen,
    /// Workspace (tenant) id, also the settings id.
    pub tenant_id: String,
    pub tenant_handle: Option<String>,
    pub created_at: String,
    pub repos: Vec<Repo>,
    seq: u64,
}

impl Store {
    /// An empty workspace.
    pub(crate) fn new(tenant_handle: Option<String>) -> Store {
        let mut ids = IdGen::new();
        let tenant_id = ids.uuid();
        Store {
            ids,
            tenant_id,
            tenant_handle,
            created_at: now_naive(),
            repos: Vec::new(),
            seq: 0,
        }
    }

    /// Whether `owner` addresses this workspace (`-` or the tenant handle).
    pub(crate) fn is_own(&self, owner: &str) -> bool {
        owner == "-" || self.tenant_handle.as_deref() == Some(owner)
    }

    /// Index of the repo with `handle`.
    pub(crate) fn index(&self, handle: &str) -> Option<usize> {
        self.repos.iter().position(|r| r.handle == handle)
    }

    /// The repo with `handle`.
    pub(crate) fn repo(&self, handle: &str) -> Option<&Repo> {
        self.repos.iter().find(|r| r.handle == handle)
    }

    /// Marks repo `i` as changed now.
    pub(crate) fn touch(&mut self, i: usize) {
        self.seq += 1;
        let seq = self.seq;
        if let Some(r) = self.repos.get_mut(i) {
            r.touched = seq;
            r.updated_at = now_naive();
        }
    }

    /// Creates an empty repo; the caller checked the handle is free. Returns its index.
    pub(crate) fn create_repo(&mut self, handle: &str) -> usize {
        let now = now_naive();
        let repo = Repo {
            id: self.ids.uuid(),
            handle: handle.to_string(),
            description: None,
            readme: None,
            tags: Vec::new(),
            is_public: false,
            is_archived: false,
            created_at: now.clone(),
            updated_at: now,
            touched: 0,
            num_likes: 0,
            liked: false,
            num_downloads: 0,
            num_views: 0,
            commits: Vec::new(),
            commit_tags: Vec::new(),
        };
        self.repos.push(repo);
        let i = self.repos.len() - 1;
        self.touch(i);
        i
    }

    /// Appends a commit to repo `i` without any validation; returns the new commit.
    pub(crate) fn append_commit(
        &mut self,
        i: usize,
        manifest: Value,
        description: Option<String>,
    ) -> Option<Commit> {
        let handle = self.repos.get(i)?.handle.clone();
        let content = format!("{handle}\n{manifest}");
        let hash = self.ids.commit_hash(&content);
        let id = self.ids.uuid();
        let manifest_id = self.ids.uuid();
        let repo = self.repos.get_mut(i)?;
        let parent = repo.latest();
        let commit = Commit {
            id,
            manifest_id,
            hash,
            parent_hash: parent.map(|p| p.hash.clone()),
            parent_id: parent.map(|p| p.id.clone()),
            manifest,
            description,
            created_at: now_naive(),
        };
        repo.commits.push(commit.clone());
        self.touch(i);
        Some(commit)
    }

    /// Points `tag` of repo `i` at the commit with id (or hash / 8+ prefix) `commit`.
    /// Re-tagging the same commit is accepted; another commit is a conflict.
    pub(crate) fn set_tag(
        &mut self,
        i: usize,
        tag: &str,
        commit: &str,
        allow_move: bool,
    ) -> Result<Tag, TagError> {
        let tag_id = self.ids.uuid();
        let repo = self.repos.get_mut(i).ok_or(TagError::NoCommit)?;
        let target = repo
            .commits
            .iter()
            .find(|c| c.id == commit)
            .or_else(|| {
                (commit.len() >= 8)
                    .then(|| {
                        repo.commits
                            .iter()
                            .rev()
                            .find(|c| c.hash.starts_with(commit))
                    })
                    .flatten()
            })
            .map(|c| c.id.clone())
            .ok_or(TagError::NoCommit)?;
        let now = now_naive();
        if let Some(existing) = repo.commit_tags.iter_mut().find(|t| t.name == tag) {
            if existing.commit_id != target {
                if !allow_move {
                    return Err(TagError::Conflict);
                }
                existing.commit_id = target;
                existing.updated_at = now;
            }
            return Ok(existing.clone());
        }
        let t = Tag {
            id: tag_id,
            name: tag.to_string(),
            commit_id: target,
            created_at: now.clone(),
            updated_at: now,
        };
        repo.commit_tags.push(t.clone());
        Ok(t)
    }

    /// `owner` as rendered in repo JSON.
    fn owner_json(&self) -> Value {
        self.tenant_handle
            .as_ref()
            .map_or(Value::Null, |h| Value::String(h.clone()))
    }

    /// `GET /settings` body.
    pub(crate) fn settings_json(&self) -> Value {
        json!({
            "id": self.tenant_id,
            "display_name": "Personal",
            "created_at": self.created_at,
            "tenant_handle": self.tenant_handle,
        })
    }

    /// A `RepoWithLookups` object.
    pub(crate) fn repo_json(&self, r: &Repo, with_latest_manifest: bool) -> Value {
        let owner = self.tenant_handle.as_deref().unwrap_or("-");
        let mut commit_tags: Vec<&str> = r.commit_tags.iter().map(|t| t.name.as_str()).collect();
        commit_tags.sort_unstable();
        let mut v = json!({
            "repo_handle": r.handle,
            "description": r.description,
            "readme": r.readme,
            "id": r.id,
            "tenant_id": self.tenant_id,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
            "is_public": r.is_public,
            "is_archived": r.is_archived,
            "tags": r.tags,
            "original_repo_id": null,
            "upstream_repo_id": null,
            "owner": self.owner_json(),
            "full_name": format!("{owner}/{}", r.handle),
            "num_likes": r.num_likes,
            "num_downloads": r.num_downloads,
            "num_views": r.num_views,
            "liked_by_auth_user": r.liked,
            "last_commit_hash": r.latest().map(|c| c.hash.clone()),
            "num_commits": r.commits.len(),
            "original_repo_full_name": null,
            "upstream_repo_full_name": null,
            "repo_type": "prompt",
            "commit_tags": commit_tags,
        });
        if with_latest_manifest && let Some(obj) = v.as_object_mut() {
            let latest = r
                .latest()
                .map(|c| json!({ "commit_hash": c.hash, "manifest": c.manifest, "examples": [] }));
            obj.insert(
                "latest_commit_manifest".into(),
                latest.unwrap_or(Value::Null),
            );
        }
        v
    }

    /// A `CommitWithLookups` object.
    pub(crate) fn commit_json(r: &Repo, c: &Commit) -> Value {
        json!({
            "id": c.id,
            "manifest_id": c.manifest_id,
            "repo_id": r.id,
            "parent_id": c.parent_id,
            "commit_hash": c.hash,
            "created_at": c.created_at,
            "updated_at": c.created_at,
            "example_run_ids": [],
            "num_downloads": 0,
            "num_views": 0,
            "manifest": c.manifest,
            "parent_commit_hash": c.parent_hash,
            "description": c.description,
        })
    }

    /// A `TagCreateResponse` object.
    pub(crate) fn tag_json(r: &Repo, t: &Tag) -> Value {
        let hash = r
            .commits
            .iter()
            .find(|c| c.id == t.commit_id)
            .map(|c| c.hash.clone());
        json!({
            "id": t.id,
            "commit_hash": hash,
            "commit_id": t.commit_id,
            "created_at": t.created_at,
            "repo_id": r.id,
            "tag_name": t.name,
            "updated_at": t.updated_at,
        })
    }
}
