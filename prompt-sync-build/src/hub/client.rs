//! [`HttpHub`]: the [`Hub`] operations over the LangSmith REST API, sent the way the
//! Python SDK sends them (`langsmith-api.md` §4, §5):
//!
//! | operation | request |
//! |---|---|
//! | [`Hub::list_repos`] | `GET {endpoint}/repos?limit=100&offset=N&is_archived=false&sort_field=updated_at&sort_direction=desc[&tenant_handle=OWNER]`, paged |
//! | [`Hub::pull`] | `GET {endpoint}/commits/{owner}/{name}/{ref}` |
//! | [`Hub::list_commits`] | `GET {endpoint}/commits/{owner}/{name}?limit=L&offset=N` |
//! | [`Hub::repo_exists`] | `GET {endpoint}/repos/{owner}/{name}` (200 / 404) |
//! | [`Hub::create_repo`] | `POST {endpoint}/repos` (409: exists, fine) |
//! | [`Hub::push`] | `POST {endpoint}/commits/{owner}/{name}` (409 Nothing to commit: no-op) |
//! | [`Hub::add_tag`] | `POST {endpoint}/repos/{owner}/{name}/tags` |
//!
//! Paths are appended to the endpoint as given, so an endpoint ending in `/api/v1`
//! works; path segments are percent-encoded where needed. Retries follow
//! [`retry`]; one `reqwest` blocking client (one connection pool) serves every
//! request, from any number of threads.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Map, Value, json};

mod http;
pub mod retry;

use self::http::{Call, Reply, Transport};
use self::retry::Replay;
use super::settings::OWN_WORKSPACE;
use super::{
    CommitSummary, Hub, HubError, HubSettings, PulledCommit, PushOutcome, RepoListing, RepoSummary,
};
use prompt_sync_core::PromptName;

/// Repos (and commits) asked for per page: the API's maximum.
const PAGE_SIZE: usize = 100;

/// Pages read before deciding a listing does not end: 100,000 prompts. With only
/// valid prompt names (at most 100 bytes) kept, and only the wanted ones when the
/// caller says which, a hostile list costs bounded requests and memory.
const MAX_PAGES: usize = 1_000;

/// Pages a listing for named prompts ([`Hub::list_repos_for`]) reads at least before
/// it gives up on the ones not found yet; beyond it, one page per wanted prompt. A
/// prompt the list did not show is pulled directly, so reading further would cost
/// more requests than it can save: this bounds what a hub announcing a huge `total`
/// (or sending pages without end) costs a sync.
const MIN_WANTED_PAGES: usize = 10;

/// Repos kept beyond the wanted ones when the caller names what it needs (for "did
/// you mean" hints about a name the hub lacks).
const OTHER_NAMES_MAX: usize = 1_000;

/// Pages of the prompt list fetched at once once the first page gave the total.
const PARALLEL_PAGES: usize = 8;

/// One page of the prompt list.
struct RepoPage {
    /// Its entries whose handles are valid prompt names.
    repos: Vec<RepoSummary>,
    /// How many entries it had, skipped ones included (where the next page starts).
    count: usize,
    /// Entries skipped: their handle is no valid prompt name.
    invalid: usize,
    /// A fingerprint of all its handles (a page sent again means paging is broken).
    fingerprint: u64,
    /// The total the hub announces, capped at what a listing reads at most.
    total: Option<usize>,
}

/// The prompt list read so far.
#[derive(Default)]
struct Listing {
    /// The repos kept: valid prompt names, and only the wanted ones when asked for.
    repos: Vec<RepoSummary>,
    /// The handles kept.
    seen: HashSet<String>,
    /// Only these repos are kept, and the listing ends once all are found.
    wanted: Option<BTreeSet<String>>,
    /// The fingerprint of each page read.
    pages: HashSet<u64>,
    /// Repos kept beyond the wanted ones.
    others: usize,
    /// Entries skipped because their handle is no valid prompt name.
    invalid: usize,
    /// Where the next page starts.
    offset: usize,
}

impl Listing {
    /// Adds the page read at `self.offset`; returns whether the list is complete.
    fn absorb(&mut self, page: RepoPage) -> Result<bool, HubError> {
        let RepoPage {
            repos,
            count,
            invalid,
            fingerprint,
            total,
        } = page;
        if count > 0 && !self.pages.insert(fingerprint) {
            return Err(HubError::BadResponse {
                detail: format!(
                    "the prompt list sent the same page again at offset {} (paging is broken)",
                    self.offset
                ),
            });
        }
        // Handles that are no prompt names were skipped as the page was read: they
        // can name no prompt of ours, and a hostile list cannot fill memory with them.
        self.invalid += invalid;
        for repo in repos {
            let wanted = self
                .wanted
                .as_ref()
                .is_none_or(|w| w.contains(&repo.repo_handle));
            if wanted && self.seen.insert(repo.repo_handle.clone()) {
                self.repos.push(repo);
            } else if !wanted
                && self.others < OTHER_NAMES_MAX
                && self.seen.insert(repo.repo_handle.clone())
            {
                // A few names beyond the wanted ones, so a misspelt name can be told
                // what it may have meant (bounded, like the rest).
                self.others += 1;
                self.repos.push(repo);
            }
        }
        self.offset += count;
        let all_found = self
            .wanted
            .as_ref()
            .is_some_and(|w| w.iter().all(|h| self.seen.contains(h)));
        Ok(all_found || count == 0 || count < PAGE_SIZE || total.is_some_and(|t| self.offset >= t))
    }
}

/// Timeouts, retries and limits of an [`HttpHub`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// Limit on establishing a connection (TCP + TLS). Default 5 s.
    pub connect_timeout: Duration,
    /// Limit on one attempt: until the response headers arrive, and again on each
    /// read of the body, which must also finish within it (so an attempt ends
    /// within about twice this). Default 30 s.
    pub total_timeout: Duration,
    /// Retries after the first attempt (see [`retry`]). Default 3.
    pub max_retries: u32,
    /// First backoff wait without `Retry-After`; doubles each retry, with jitter.
    /// Default 250 ms.
    pub base_backoff: Duration,
    /// Largest response body accepted (after decompression). Default 10 MiB.
    pub max_body_bytes: u64,
    /// Longest wait: a `Retry-After` above it ends the retries, and backoff waits
    /// are capped at it. Default 10 s.
    pub max_retry_after: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(30),
            max_retries: 3,
            base_backoff: Duration::from_millis(250),
            max_body_bytes: 10 * 1024 * 1024,
            max_retry_after: Duration::from_secs(10),
        }
    }
}

/// The LangSmith hub over HTTP. Cheap to clone (clones share one connection pool);
/// `Send + Sync`, so [`Hub::pull_many`] runs its pulls in parallel on it.
#[derive(Clone)]
pub struct HttpHub {
    settings: HubSettings,
    transport: Transport,
}

impl HttpHub {
    /// Builds the client for `settings`. Fails with [`HubError::Config`] when the
    /// endpoint is not a usable URL, is plain `http` to a non-loopback host, or the
    /// key / workspace id cannot be sent as headers.
    pub fn new(settings: HubSettings, options: ClientOptions) -> Result<HttpHub, HubError> {
        let transport = Transport::new(&settings, options)?;
        Ok(HttpHub {
            settings,
            transport,
        })
    }

    /// The settings this client was built with.
    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    /// The options this client was built with.
    pub fn options(&self) -> &ClientOptions {
        self.transport.options()
    }

    /// `GET` returning the JSON of a 2xx answer, or the mapped error.
    fn get_json(
        &self,
        path: &[&str],
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Value, HubError> {
        let reply = self.transport.execute(&Call {
            method: Method::GET,
            path,
            query,
            body: None,
            replay: Replay::Safe,
        })?;
        if !reply.is_success() {
            return Err(self.transport.status_error(&reply, what));
        }
        self.transport.json(&reply)
    }

    /// One page of `GET /repos` at `offset`: its repos and the `total` it announces.
    fn repo_page(&self, owner: &str, offset: usize) -> Result<RepoPage, HubError> {
        let limit = PAGE_SIZE.to_string();
        let offset_text = offset.to_string();
        let mut query: Vec<(&str, &str)> = vec![
            ("limit", &limit),
            ("offset", &offset_text),
            ("is_archived", "false"),
            ("sort_field", "updated_at"),
            ("sort_direction", "desc"),
        ];
        if owner != OWN_WORKSPACE {
            query.push(("tenant_handle", owner));
        }
        let what = format!("the prompt list of `{owner}`");
        let page = self.get_json(&["repos"], &query, &what)?;
        let items = field_array(&page, "repos", "the prompt list")?;
        let mut fingerprint = std::collections::hash_map::DefaultHasher::new();
        let mut repos = Vec::new();
        let mut invalid = 0;
        for item in items {
            let handle = repo_handle(item)?;
            std::hash::Hash::hash(handle, &mut fingerprint);
            if PromptName::new(handle).is_ok() {
                repos.push(parse_repo(item)?);
            } else {
                invalid += 1;
            }
        }
        // Never trusted beyond what a listing reads at most (nor used to allocate).
        let total = page.get("total").and_then(Value::as_u64).map(|t| {
            usize::try_from(t)
                .unwrap_or(usize::MAX)
                .min(MAX_PAGES * PAGE_SIZE)
        });
        Ok(RepoPage {
            repos,
            count: items.len(),
            invalid,
            fingerprint: std::hash::Hasher::finish(&fingerprint),
            total,
        })
    }

    /// Reads the prompt list of `owner` (see [`Hub::list_repos`]); with `wanted`, keeps
    /// only those repos (and a few other names) and stops once all are found, or after
    /// its page budget (see [`MIN_WANTED_PAGES`]) with what it found.
    fn list(&self, owner: &str, wanted: Option<BTreeSet<String>>) -> Result<RepoListing, HubError> {
        let budget = wanted
            .as_ref()
            .map_or(MAX_PAGES, |w| w.len().clamp(MIN_WANTED_PAGES, MAX_PAGES));
        let partial_is_fine = wanted.is_some();
        let mut listing = Listing {
            wanted,
            ..Listing::default()
        };
        let done = |listing: Listing| RepoListing {
            repos: listing.repos,
            invalid_handles: listing.invalid,
        };
        let mut pages = 0usize;
        while pages < budget {
            let page = self.repo_page(owner, listing.offset)?;
            pages += 1;
            let total = page.total;
            if listing.absorb(page)? {
                return Ok(done(listing));
            }
            // The rest of the pages the total announces, in parallel, read in order.
            let Some(total) = total else {
                continue;
            };
            let offsets: Vec<usize> = (listing.offset..total)
                .step_by(PAGE_SIZE)
                .take(budget - pages)
                .collect();
            'batches: for batch in offsets.chunks(PARALLEL_PAGES) {
                let fetched: Vec<Result<RepoPage, HubError>> = std::thread::scope(|s| {
                    let handles: Vec<_> = batch
                        .iter()
                        .map(|&offset| s.spawn(move || self.repo_page(owner, offset)))
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| {
                            h.join().unwrap_or_else(|_| {
                                Err(HubError::BadResponse {
                                    detail: "reading a page of the prompt list failed".to_owned(),
                                })
                            })
                        })
                        .collect()
                });
                pages += batch.len();
                for (&offset, page) in batch.iter().zip(fetched) {
                    if offset != listing.offset {
                        // A page held more than asked for: go on one page at a time
                        // from where it ended.
                        break 'batches;
                    }
                    if listing.absorb(page?)? {
                        return Ok(done(listing));
                    }
                }
            }
        }
        if partial_is_fine {
            // The prompts not found yet are pulled directly.
            return Ok(done(listing));
        }
        Err(HubError::BadResponse {
            detail: format!("the prompt list did not end after {MAX_PAGES} pages"),
        })
    }

    fn post(&self, path: &[&str], body: &Value, replay: Replay) -> Result<Reply, HubError> {
        self.transport.execute(&Call {
            method: Method::POST,
            path,
            query: &[],
            body: Some(body),
            replay,
        })
    }
}

impl fmt::Debug for HttpHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpHub")
            .field("endpoint", &self.settings.endpoint)
            .field("owner", &self.settings.owner)
            .field("workspace_id", &self.settings.workspace_id)
            .field("api_key", &self.settings.api_key)
            .field("options", self.transport.options())
            .finish()
    }
}

/// Checks settings without building a client (same checks as [`HttpHub::new`]).
pub fn check_settings(settings: &HubSettings) -> Result<(), HubError> {
    settings.validate()
}

impl Hub for HttpHub {
    /// Pages through `GET /repos` (newest update first, as the SDK asks). The first
    /// page's `total` tells how many pages follow; those are fetched in parallel (up to
    /// `PARALLEL_PAGES` at a time) and read in order, as if one after the other. A
    /// repo handle listed twice is kept once. A repo updated while the pages are read
    /// moves to the front and can be missed by this listing; callers pull a needed
    /// prompt that is absent from the list rather than treat it as deleted.
    /// Entries whose handle is no valid prompt name are left out.
    fn list_repos(&self, owner: &str) -> Result<Vec<RepoSummary>, HubError> {
        self.list(owner, None).map(|l| l.repos)
    }

    /// Reads at most one page per wanted prompt (at least 10),
    /// fewer when all are found sooner; the ones not found are the caller's to pull.
    fn list_repos_for(
        &self,
        owner: &str,
        wanted: &BTreeSet<String>,
    ) -> Result<RepoListing, HubError> {
        self.list(owner, Some(wanted.clone()))
    }

    fn pull(&self, owner: &str, name: &str, hub_ref: &str) -> Result<PulledCommit, HubError> {
        let hub_ref = if hub_ref.trim().is_empty() {
            "latest"
        } else {
            hub_ref
        };
        let what = format!("prompt `{owner}/{name}` at `{hub_ref}`");
        let body = self.get_json(&["commits", owner, name, hub_ref], &[], &what)?;
        let commit_hash = commit_hash_of(&body, &what, "commit_hash")?;
        let manifest = body
            .get("manifest")
            .filter(|m| m.is_object())
            .ok_or_else(|| bad_shape(&what, "a `manifest` object"))?;
        Ok(PulledCommit {
            commit_hash,
            manifest: manifest.clone(),
        })
    }

    fn list_commits(
        &self,
        owner: &str,
        name: &str,
        limit: usize,
    ) -> Result<Vec<CommitSummary>, HubError> {
        let what = format!("prompt `{owner}/{name}`");
        let mut commits: Vec<CommitSummary> = Vec::new();
        let mut offset = 0usize;
        while commits.len() < limit {
            let page_limit = (limit - commits.len()).min(PAGE_SIZE);
            let (limit_text, offset_text) = (page_limit.to_string(), offset.to_string());
            let page = self.get_json(
                &["commits", owner, name],
                &[("limit", &limit_text), ("offset", &offset_text)],
                &what,
            )?;
            let items = field_array(&page, "commits", "the commit list")?;
            let total = page.get("total").and_then(Value::as_u64);
            for item in items.iter().take(limit - commits.len()) {
                commits.push(parse_commit(item)?);
            }
            offset += items.len();
            if items.len() < page_limit || total.is_some_and(|t| offset as u64 >= t) {
                break;
            }
        }
        Ok(commits)
    }

    fn repo_exists(&self, owner: &str, name: &str) -> Result<bool, HubError> {
        let reply = self.transport.execute(&Call {
            method: Method::GET,
            path: &["repos", owner, name],
            query: &[],
            body: None,
            replay: Replay::Safe,
        })?;
        match reply.status {
            404 => Ok(false),
            _ if reply.is_success() => {
                let body = self.transport.json(&reply)?;
                if body.get("repo").is_some_and(Value::is_object) {
                    Ok(true)
                } else {
                    Err(bad_shape(
                        &format!("repo `{owner}/{name}`"),
                        "a `repo` object",
                    ))
                }
            }
            _ => Err(self
                .transport
                .status_error(&reply, &format!("prompt `{owner}/{name}`"))),
        }
    }

    fn create_repo(&self, name: &str, description: Option<&str>) -> Result<(), HubError> {
        let body = json!({
            "repo_handle": name,
            "description": description.unwrap_or(""),
            "readme": "",
            "tags": [],
            "is_public": false,
        });
        let reply = self.post(&["repos"], &body, Replay::Converges)?;
        if reply.is_success() || reply.status == 409 {
            return Ok(());
        }
        Err(self.transport.status_error(
            &reply,
            "the hub's `/repos` route (check LANGSMITH_ENDPOINT)",
        ))
    }

    fn push(
        &self,
        owner: &str,
        name: &str,
        manifest: &Value,
        parent_commit: Option<&str>,
        description: Option<&str>,
    ) -> Result<PushOutcome, HubError> {
        let mut body = Map::new();
        body.insert(
            "parent_commit".to_owned(),
            parent_commit.map_or(Value::Null, |p| Value::String(p.to_owned())),
        );
        body.insert("manifest".to_owned(), manifest.clone());
        if let Some(d) = description {
            body.insert("description".to_owned(), Value::String(d.to_owned()));
        }
        let reply = self.post(
            &["commits", owner, name],
            &Value::Object(body),
            Replay::Converges,
        )?;
        let what = format!("prompt `{owner}/{name}`");
        if reply.status == 409
            && reply
                .text()
                .to_ascii_lowercase()
                .contains("nothing to commit")
        {
            return Ok(PushOutcome::NothingToCommit);
        }
        if !reply.is_success() {
            return Err(self.transport.status_error(&reply, &what));
        }
        let answer = self.transport.json(&reply)?;
        // The SDKs read `commit.commit_hash` / `commit.id` (JS falls back to the top level).
        let commit = answer.get("commit").unwrap_or(&answer);
        let commit_hash = commit_hash_of(
            commit,
            &format!("the new commit of {what}"),
            "commit.commit_hash",
        )?;
        Ok(PushOutcome::Created {
            commit_hash,
            commit_id: commit.get("id").and_then(id_text),
        })
    }

    fn add_tag(&self, owner: &str, name: &str, tag: &str, commit_id: &str) -> Result<(), HubError> {
        let body = json!({ "tag_name": tag, "commit_id": commit_id });
        let reply = self.post(&["repos", owner, name, "tags"], &body, Replay::Once)?;
        if reply.is_success() {
            return Ok(());
        }
        Err(self.transport.status_error(
            &reply,
            &format!("commit `{commit_id}` of prompt `{owner}/{name}`"),
        ))
    }
}

/// The array `key` of a JSON object, or [`HubError::BadResponse`].
fn field_array<'a>(body: &'a Value, key: &str, what: &str) -> Result<&'a Vec<Value>, HubError> {
    body.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| bad_shape(what, &format!("a `{key}` array")))
}

/// The `repo_handle` of an entry of the prompt list (a non-empty string).
fn repo_handle(item: &Value) -> Result<&str, HubError> {
    item.get("repo_handle")
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad_shape("an entry of the prompt list", "a `repo_handle` string"))
}

fn parse_repo(item: &Value) -> Result<RepoSummary, HubError> {
    let repo_handle = repo_handle(item)?;
    let last_commit_hash = match item.get("last_commit_hash") {
        None | Some(Value::Null) => None,
        Some(Value::String(h)) if h.is_empty() => None,
        Some(Value::String(h)) => Some(h.clone()),
        Some(_) => {
            return Err(bad_shape(
                &format!("prompt `{repo_handle}` in the prompt list"),
                "`last_commit_hash` as a string or null",
            ));
        }
    };
    Ok(RepoSummary {
        repo_handle: repo_handle.to_owned(),
        last_commit_hash,
    })
}

fn parse_commit(item: &Value) -> Result<CommitSummary, HubError> {
    let commit_hash = commit_hash_of(item, "an entry of the commit list", "commit_hash")?;
    Ok(CommitSummary {
        commit_hash,
        id: item.get("id").and_then(id_text),
        created_at: item
            .get("created_at")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// An id as text (a UUID string; a number is accepted too).
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn bad_shape(what: &str, expected: &str) -> HubError {
    HubError::BadResponse {
        detail: format!("the answer for {what} has an unexpected shape: expected {expected}"),
    }
}

/// The `commit_hash` of a JSON object (`field` names it in messages): a non-empty
/// string that is a valid commit ref, since it is written into the cache's metadata
/// and sent back in URLs. Anything else is [`HubError::BadResponse`].
fn commit_hash_of(v: &Value, what: &str, field: &str) -> Result<String, HubError> {
    let hash = v
        .get("commit_hash")
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad_shape(what, &format!("a `{field}` string")))?;
    if prompt_sync_core::HubRef::new(hash).is_err() {
        let shown: String = hash.chars().take(80).collect();
        return Err(HubError::BadResponse {
            detail: format!(
                "the answer for {what} has a `{field}` that is not a commit hash: {shown:?}"
            ),
        });
    }
    Ok(hash.to_owned())
}
