//! The online half of the build step: at most one hub check per `refresh_interval`,
//! pulls through the sync engine, and a fallback to the committed cache (one
//! `cargo:warning` per cause) when anything goes wrong. Never pushes.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use prompt_sync_core::config::Config;
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};

use crate::directives::Directives;
use crate::engine::{self, Outcome, SyncOptions};
use crate::env::Env;
use crate::hub::client::{ClientOptions, HttpHub};
use crate::hub::{Hub, HubSettings};
use crate::needed::Needed;

/// `PROMPT_SYNC_REFRESH=1` forces a hub check even within the refresh interval.
pub const REFRESH_VAR: &str = "PROMPT_SYNC_REFRESH";

/// The file in `OUT_DIR` holding the time of the last hub check (seconds since the
/// epoch). It lives in `OUT_DIR` so checking writes nothing to the source tree.
const LAST_CHECK_FILE: &str = "prompt-sync-last-check";

/// `PROMPT_SYNC_TIMEOUT=SECONDS` bounds each hub request (default 30).
pub const TIMEOUT_VAR: &str = "PROMPT_SYNC_TIMEOUT";

/// What a sync learnt from the hub that explains a prompt the cache lacks.
#[derive(Debug, Default)]
pub(crate) struct HubFacts {
    /// Prompts the hub answered "not found" for.
    pub(crate) not_found: BTreeSet<PromptName>,
    /// The prompts the hub listed, when the list was read.
    pub(crate) names: Option<Vec<String>>,
    /// What was wrong with the hub's list (entries skipped), if anything.
    pub(crate) list_warning: Option<String>,
}

/// Syncs the needed prompts with the hub when due. Every problem becomes a warning;
/// the caller then verifies the cache, which fails the build only when a required
/// prompt is still unusable (what the hub said helps explain it).
pub(crate) fn sync(
    env: &Env,
    config: &Config,
    store: &Store,
    needed: &Needed,
    out: &mut Directives,
) -> HubFacts {
    let lookup = |k: &str| env.var(k);
    let settings = match HubSettings::from_env(&lookup, config.endpoint.as_deref(), &config.owner) {
        Ok(Some(s)) => s,
        Ok(None) => return HubFacts::default(),
        Err(e) => {
            out.warning(&format!(
                "prompt-sync: {e}; using the committed prompt cache"
            ));
            return HubFacts::default();
        }
    };
    let stamp = env
        .var_os("OUT_DIR")
        .map(|d| PathBuf::from(d).join(LAST_CHECK_FILE));
    let forced = env.flag(REFRESH_VAR);
    let missing = needed.required.iter().any(|n| {
        !store.layout().text_path(n).exists() || !store.layout().existing_metadata_path(n).exists()
    });
    let targets = targets(config, needed);
    // A ref changed in the config (`ref = "prod"` added, say) is due at once, not
    // after the refresh interval: the stamp records the refs it checked.
    let refs = refs_checked(&targets);
    if !forced && !missing && checked_recently(stamp.as_deref(), config.refresh_interval, &refs) {
        return HubFacts::default();
    }
    let mut options = ClientOptions::default();
    if let Some(secs) = env
        .var(TIMEOUT_VAR)
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        options.total_timeout = std::time::Duration::from_secs(secs.max(1));
        options.connect_timeout = options.connect_timeout.min(options.total_timeout);
    }
    let hub = match HttpHub::new(settings.clone(), options) {
        Ok(h) => h,
        Err(e) => {
            out.warning(&format!(
                "prompt-sync: {e}; using the committed prompt cache"
            ));
            return HubFacts::default();
        }
    };
    let opts = SyncOptions {
        owner: settings.owner.clone(),
        hub_repos: targets
            .iter()
            .map(|(n, _)| (n.clone(), config.hub_repo(n)))
            .filter(|(n, repo)| n != repo)
            .collect(),
        ..SyncOptions::default()
    };
    let facts = run(&hub, store, &targets, &opts, out);
    if let Some(stamp) = &stamp {
        let _ = std::fs::write(stamp, format!("{}\n{refs}\n", now_secs()));
    }
    facts
}

/// Plans and applies a pull-only sync, turning problems into warnings. A target
/// without a ref follows the one its metadata records (`latest` when none).
pub(crate) fn run(
    hub: &dyn Hub,
    store: &Store,
    targets: &[(PromptName, Option<HubRef>)],
    opts: &SyncOptions,
    out: &mut Directives,
) -> HubFacts {
    let (report, facts) = match plan_and_apply(hub, store, targets, opts) {
        Ok(r) => r,
        Err(e) => {
            out.warning(&format!(
                "prompt-sync: cannot sync with the hub: {e}; using the committed prompt cache"
            ));
            return HubFacts::default();
        }
    };
    if let Some(w) = &facts.list_warning {
        out.warning(&format!("prompt-sync: {w}"));
    }
    for r in &report.repaired {
        out.warning(&format!("prompt-sync repaired the cache: {r}"));
    }
    // One warning per distinct cause, naming the prompts it affected.
    let mut errors: Vec<(String, Vec<String>)> = Vec::new();
    for p in &report.prompts {
        match &p.outcome {
            Outcome::Pulled => {
                out.warning(&format!("prompt-sync: pulled `{}` from the hub", p.name));
                warn_unrenderable(store, &p.name, out);
            }
            Outcome::Updated { .. } => {
                out.warning(&format!(
                    "prompt-sync: updated `{}` from the hub (the old text is in backups)",
                    p.name
                ));
                warn_unrenderable(store, &p.name, out);
            }
            Outcome::UnmarkedEdit => out.warning(&format!(
                "prompt-sync: `{}` was edited without `prompt-sync mark-edited {}`; kept it (the build will refuse it until marked or restored)",
                p.name, p.name
            )),
            Outcome::Conflict(why) => out.warning(&format!(
                "prompt-sync: conflict on `{}`: kept the local text; {why}",
                p.name
            )),
            Outcome::LocalEdit => {} // the cache check warns about unpushed edits
            // Neither on the hub nor in the cache: the build's error says so, once.
            Outcome::Error(_)
                if facts
                    .not_found
                    .iter()
                    .any(|n| n.as_str() == p.name && !store.layout().text_path(n).exists()) => {}
            Outcome::Error(e) => {
                // The same failure of many prompts is one cause, whatever their names.
                let cause = e.replace(&format!("prompt `{}/{}`", opts.owner, p.name), "each prompt");
                match errors.iter_mut().find(|(c, _)| *c == cause) {
                    Some((_, names)) => names.push(p.name.clone()),
                    None => errors.push((cause, vec![p.name.clone()])),
                }
            }
            _ => {}
        }
    }
    for (cause, names) in errors {
        // A cause of one prompt is shown as the engine reported it.
        let cause = match names.as_slice() {
            [one] => cause.replace("each prompt", &format!("prompt `{}/{one}`", opts.owner)),
            _ => cause,
        };
        out.warning(&format!(
            "prompt-sync: could not sync {}: {cause}; using the committed cache",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    facts
}

/// Plans and applies. A prompt another process wrote between planning and applying
/// (parallel build scripts sharing a cache, rust-analyzer, the CLI) is not written
/// over: `apply` plans it again under the lock, against what that process left.
fn plan_and_apply(
    hub: &dyn Hub,
    store: &Store,
    targets: &[(PromptName, Option<HubRef>)],
    opts: &SyncOptions,
) -> Result<(engine::SyncReport, HubFacts), crate::hub::HubError> {
    let waiting = |p: &Path| eprintln!("prompt-sync: waiting for the cache lock `{}`", p.display());
    let plan = engine::plan_specs(store, targets, hub, opts)?;
    let facts = HubFacts {
        not_found: plan
            .prompts
            .iter()
            .filter(|p| p.not_on_hub)
            .map(|p| p.target.name.clone())
            .collect(),
        names: plan.hub_names.clone(),
        list_warning: engine::invalid_hub_names_warning(&plan),
    };
    Ok((engine::apply(store, plan, hub, opts, waiting), facts))
}

/// A pulled prompt in a template format prompt-sync cannot render (jinja2) is cached
/// and embeddable, but rendering it is refused: say so when it arrives, not only when
/// `prompt!("name", var = …)` or `format` refuses it.
fn warn_unrenderable(store: &Store, name: &str, out: &mut Directives) {
    let Ok(name) = PromptName::new(name) else {
        return;
    };
    if let Ok(Some(meta)) = store.read_metadata(&name)
        && meta.format() == prompt_sync_core::TemplateFormat::Jinja2
    {
        out.warning(&format!(
            "prompt-sync: `{name}` uses jinja2 templates, which prompt-sync cannot render: `prompt!(\"{name}\")` embeds its text, but `format` and `prompt!(\"{name}\", var = …)` refuse it; switch the prompt to f-string or mustache on the hub to render it"
        ));
    }
}

/// The prompts to sync and their refs: the config's ref for a prompt the config
/// lists; for any other prompt, no ref here: planning reads its metadata anyway, and
/// follows the ref recorded there (`latest` when none).
fn targets(config: &Config, needed: &Needed) -> Vec<(PromptName, Option<HubRef>)> {
    let mut configured: HashMap<&PromptName, &HubRef> = HashMap::new();
    for p in &config.prompts {
        configured.entry(&p.name).or_insert(&p.hub_ref);
    }
    needed
        .all()
        .map(|name| (name.clone(), configured.get(name).map(|r| (*r).clone())))
        .collect()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The refs the config asks for, one line: `name=ref …`, sorted.
fn refs_checked(targets: &[(PromptName, Option<HubRef>)]) -> String {
    let mut refs: Vec<String> = targets
        .iter()
        .filter_map(|(n, r)| r.as_ref().map(|r| format!("{n}={r}")))
        .collect();
    refs.sort_unstable();
    refs.join(" ")
}

/// True when the stamp file records a check of the same `refs` less than `interval`
/// seconds ago (file: the time in seconds since the epoch, then the refs line).
fn checked_recently(stamp: Option<&Path>, interval: u64, refs: &str) -> bool {
    let Some(text) = stamp.and_then(|p| std::fs::read_to_string(p).ok()) else {
        return false;
    };
    let mut lines = text.lines();
    let Some(last) = lines.next().and_then(|s| s.trim().parse::<u64>().ok()) else {
        return false;
    };
    lines.next().unwrap_or("") == refs && now_secs().saturating_sub(last) < interval
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_interval_is_read_from_the_stamp() {
        let d = tempfile::tempdir().unwrap();
        let stamp = d.path().join(LAST_CHECK_FILE);
        assert!(!checked_recently(Some(&stamp), 300, ""));
        std::fs::write(&stamp, now_secs().to_string()).unwrap();
        assert!(checked_recently(Some(&stamp), 300, ""));
        assert!(!checked_recently(Some(&stamp), 0, ""));
        std::fs::write(&stamp, (now_secs() - 400).to_string()).unwrap();
        assert!(!checked_recently(Some(&stamp), 300, ""));
        std::fs::write(&stamp, "garbage").unwrap();
        assert!(!checked_recently(Some(&stamp), 300, ""));
        assert!(!checked_recently(None, 300, ""));
    }

    #[test]
    fn a_changed_ref_makes_the_check_due() {
        let d = tempfile::tempdir().unwrap();
        let stamp = d.path().join(LAST_CHECK_FILE);
        let t = |r: Option<&str>| {
            vec![
                (PromptName::new("used").unwrap(), None),
                (
                    PromptName::new("router").unwrap(),
                    r.map(|r| HubRef::new(r).unwrap()),
                ),
            ]
        };
        assert_eq!(refs_checked(&t(Some("latest"))), "router=latest");
        assert_eq!(refs_checked(&t(None)), "");
        let refs = refs_checked(&t(Some("latest")));
        std::fs::write(&stamp, format!("{}\n{refs}\n", now_secs())).unwrap();
        assert!(checked_recently(Some(&stamp), 300, &refs));
        assert!(!checked_recently(
            Some(&stamp),
            300,
            &refs_checked(&t(Some("prod")))
        ));
        // A stamp from before refs were recorded: due once.
        std::fs::write(&stamp, now_secs().to_string()).unwrap();
        assert!(!checked_recently(Some(&stamp), 300, &refs));
    }
}
