//! Talking to the hub: settings from the same environment variables and config as the
//! build script, the HTTP client, and a progress bar over parallel fetches.
//!
//! The API key is read here and handed to the client; it is never printed (the
//! settings' `Debug` and `Display` hide it, and `-v` says only whether it is set).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use prompt_sync_build::env::OFFLINE_VAR;
use prompt_sync_build::hub::client::{ClientOptions, HttpHub};
use prompt_sync_build::hub::{
    CommitSummary, Hub, HubError, HubSettings, PulledCommit, PushOutcome, RepoSummary,
};
use serde_json::Value;

use crate::error::CliError;
use crate::package::Package;
use crate::ui::Ui;

/// `PROMPT_SYNC_TIMEOUT=SECONDS`: per-request timeout (default 30), as in the build.
const TIMEOUT_VAR: &str = "PROMPT_SYNC_TIMEOUT";

/// A process environment variable as text, `None` when unset, empty or not UTF-8.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// True when `PROMPT_SYNC_OFFLINE` is `1` or `true`.
pub(crate) fn offline_requested() -> bool {
    var(OFFLINE_VAR).is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true"))
}

/// Why a command that may work either way runs offline, or `None` to go online.
pub(crate) fn offline_reason(pkg: &Package) -> Option<String> {
    if offline_requested() {
        return Some(format!("{OFFLINE_VAR} is set"));
    }
    match settings(pkg) {
        Ok(Some(_)) => None,
        Ok(None) => Some("no LANGSMITH_API_KEY (or LANGCHAIN_API_KEY) is set".to_owned()),
        // A bad endpoint is reported when connecting, not hidden behind offline mode.
        Err(_) => None,
    }
}

fn settings(pkg: &Package) -> Result<Option<HubSettings>, HubError> {
    HubSettings::from_env(&var, pkg.config.endpoint.as_deref(), &pkg.config.owner)
}

/// The hub client for `pkg`, or an error naming the fix (no key, offline requested,
/// a bad endpoint).
pub(crate) fn connect(pkg: &Package, ui: &Ui) -> Result<HttpHub, CliError> {
    if offline_requested() {
        return Err(CliError::failure(format!(
            "{OFFLINE_VAR} is set, so prompt-sync does not talk to the hub"
        ))
        .hint(format!("unset {OFFLINE_VAR} to use the hub; `status --offline` and `check --offline` work without it")));
    }
    let settings = settings(pkg)
        .map_err(|e| CliError::failure(e.to_string()))?
        .ok_or_else(|| {
            CliError::failure("no LangSmith API key: set LANGSMITH_API_KEY (or LANGCHAIN_API_KEY)")
                .hint("`prompt-sync status --offline`, `check --offline`, `mark-edited`, `new`, `restore` and `repair` work without it")
        })?;
    let mut options = ClientOptions::default();
    if let Some(value) = var(TIMEOUT_VAR) {
        match value.trim().parse::<u64>() {
            Ok(secs) => {
                options.total_timeout = Duration::from_secs(secs.max(1));
                options.connect_timeout = options.connect_timeout.min(options.total_timeout);
            }
            Err(_) => ui.warn(format!(
                "{TIMEOUT_VAR} must be a whole number of seconds (e.g. `{TIMEOUT_VAR}=5`); ignored it and used {} s",
                options.total_timeout.as_secs()
            )),
        }
    }
    ui.debug(format!(
        "hub {} as owner `{}`, API key set (not shown), workspace id {}, timeout {} s",
        settings.endpoint,
        settings.owner,
        if settings.workspace_id.is_some() {
            "set"
        } else {
            "not set"
        },
        options.total_timeout.as_secs()
    ));
    HttpHub::new(settings, options).map_err(|e| CliError::failure(e.to_string()))
}

/// A [`Hub`] that draws a progress bar on stderr while manifests are fetched in
/// parallel (only on a terminal, for more than a few prompts), and counts requests
/// for `-v`.
pub(crate) struct Progress<'a> {
    inner: &'a dyn Hub,
    ui: Ui,
    done: AtomicUsize,
    total: AtomicUsize,
    requests: AtomicUsize,
    drawn: Mutex<()>,
}

/// Fewer fetches than this draw no bar.
const MIN_FOR_BAR: usize = 5;

impl<'a> Progress<'a> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: &'a dyn Hub, ui: Ui) -> Self {
        Progress {
            inner,
            ui,
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            drawn: Mutex::new(()),
        }
    }

    /// Hub operations made through this wrapper (a paged listing counts once).
    pub(crate) fn operations(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.total.load(Ordering::Relaxed);
        if total >= MIN_FOR_BAR && self.ui.progress_enabled() {
            let _guard = self.drawn.lock().unwrap_or_else(PoisonError::into_inner);
            self.ui.progress_line(Some(&bar(done, total)));
        }
    }
}

/// `[#####.....] 5/10 fetched`.
pub(crate) fn bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!(
        "[{}{}] {done}/{total} fetched",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled)
    )
}

impl Hub for Progress<'_> {
    fn list_repos(&self, owner: &str) -> Result<Vec<RepoSummary>, HubError> {
        self.count();
        self.inner.list_repos(owner)
    }

    fn list_repos_for(
        &self,
        owner: &str,
        wanted: &std::collections::BTreeSet<String>,
    ) -> Result<prompt_sync_build::hub::RepoListing, HubError> {
        self.count();
        self.inner.list_repos_for(owner, wanted)
    }

    fn pull(&self, owner: &str, name: &str, hub_ref: &str) -> Result<PulledCommit, HubError> {
        self.count();
        let r = self.inner.pull(owner, name, hub_ref);
        self.tick();
        r
    }

    fn list_commits(
        &self,
        owner: &str,
        name: &str,
        limit: usize,
    ) -> Result<Vec<CommitSummary>, HubError> {
        self.count();
        self.inner.list_commits(owner, name, limit)
    }

    fn repo_exists(&self, owner: &str, name: &str) -> Result<bool, HubError> {
        self.count();
        self.inner.repo_exists(owner, name)
    }

    fn create_repo(&self, name: &str, description: Option<&str>) -> Result<(), HubError> {
        self.count();
        self.inner.create_repo(name, description)
    }

    fn push(
        &self,
        owner: &str,
        name: &str,
        manifest: &Value,
        parent_commit: Option<&str>,
        description: Option<&str>,
    ) -> Result<PushOutcome, HubError> {
        self.count();
        self.inner
            .push(owner, name, manifest, parent_commit, description)
    }

    fn add_tag(&self, owner: &str, name: &str, tag: &str, commit_id: &str) -> Result<(), HubError> {
        self.count();
        self.inner.add_tag(owner, name, tag, commit_id)
    }

    fn pull_many(
        &self,
        owner: &str,
        items: &[(String, String)],
        concurrency: usize,
    ) -> Vec<Result<PulledCommit, HubError>> {
        self.total.store(items.len(), Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        let next = AtomicUsize::new(0);
        let slots: Vec<Mutex<Option<Result<PulledCommit, HubError>>>> =
            items.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for _ in 0..concurrency.clamp(1, items.len().max(1)) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((name, r)) = items.get(i) else { break };
                        let result = self.pull(owner, name, r);
                        if let Some(slot) = slots.get(i) {
                            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
                        }
                    }
                });
            }
        });
        if items.len() >= MIN_FOR_BAR {
            self.ui.progress_line(None);
        }
        slots
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    .unwrap_or_else(|| {
                        Err(HubError::BadResponse {
                            detail: "a parallel fetch did not finish".to_owned(),
                        })
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_up() {
        assert_eq!(bar(0, 10), format!("[{}] 0/10 fetched", ".".repeat(30)));
        assert_eq!(
            bar(5, 10),
            format!("[{}{}] 5/10 fetched", "#".repeat(15), ".".repeat(15))
        );
        assert_eq!(bar(10, 10), format!("[{}] 10/10 fetched", "#".repeat(30)));
        assert_eq!(bar(3, 0), format!("[{}] 3/0 fetched", "#".repeat(30)));
    }
}
