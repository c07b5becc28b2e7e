//! `prompt-sync check [--offline]`: the CI gate. Every prompt the package uses (the
//! config's and every `prompt!` call's) must be cached, intact, carry no unpushed local
//! edit and, online, have the hub's text at its ref. Without an API key (or with
//! `PROMPT_SYNC_OFFLINE=1`) it checks the cache only, and says so.

use std::collections::BTreeMap;

use prompt_sync_build::engine::{self, Action, State, SyncOptions, Target};
use prompt_sync_core::PromptName;
use prompt_sync_core::scan::Found;
use prompt_sync_core::verify;
use serde_json::{Value, json};

use crate::cli::CheckArgs;
use crate::connect::{self, Progress};
use crate::error::CliError;
use crate::package::Package;
use crate::ui::{Ui, count, short, show_path};

/// One prompt that fails the check.
struct Problem {
    name: String,
    message: String,
    fix: String,
}

/// Why the cache could not be compared with the hub: reported once, on its own, not
/// as a prompt's problem.
struct HubFailure {
    message: String,
    fix: String,
}

/// What `check` found in one package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Every prompt passed.
    Ok,
    /// A prompt needs attention (whatever the hub did).
    Problems,
    /// The cache passed its own checks, but could not be compared with the hub.
    HubFailed,
}

/// Runs `check` on one package.
pub(crate) fn run(
    pkg: &Package,
    args: &CheckArgs,
    ui: &Ui,
    json_out: &mut Vec<Value>,
) -> Result<Verdict, CliError> {
    let offline_reason = if args.offline {
        Some("--offline".to_owned())
    } else {
        connect::offline_reason(pkg)
    };
    if let Some(reason) = offline_reason.as_deref().filter(|_| !args.offline) {
        ui.note(format!(
            "note: checking the cache only ({reason}); set LANGSMITH_API_KEY to also compare with the hub"
        ));
    }
    // Each prompt the package uses: configured (no call site) or called by `prompt!`.
    let mut names: BTreeMap<PromptName, Option<Found>> = pkg
        .config
        .prompts
        .iter()
        .map(|p| (p.name.clone(), None))
        .collect();
    for (name, found) in pkg.used_prompts()? {
        names.entry(name).or_insert(Some(found));
    }

    let mut problems = Vec::new();
    let mut intact = Vec::new();
    {
        let _lock = pkg.store.lock_shared(|p| ui.waiting_for_lock(p))?;
        for (name, found) in &names {
            match verify::verify(&pkg.store, name) {
                Ok(v) if v.metadata.locally_modified => problems.push(Problem {
                    name: name.to_string(),
                    message: format!("prompt `{name}` has unpushed local edits"),
                    fix: format!("run `prompt-sync push {name}`"),
                }),
                Ok(_) => intact.push(name.clone()),
                Err(failure) => {
                    let mut message = failure.message(Some(&pkg.dir));
                    // The fix is reported on its own.
                    if let Some(i) = message.find("\n  fix: ") {
                        message.truncate(i);
                    }
                    if let Some(f) = found {
                        message.push_str(&format!(
                            "\n  used by: `prompt!` at {}:{}",
                            show_path(&f.file, &pkg.dir),
                            f.line
                        ));
                    }
                    problems.push(Problem {
                        name: name.to_string(),
                        message,
                        fix: failure.fix(),
                    });
                }
            }
        }
    }
    let mut hub_failure = None;
    if offline_reason.is_none() && !intact.is_empty() {
        match hub_problems(pkg, &intact, ui) {
            Ok(found) => problems.extend(found),
            // What was found locally is still reported; the hub failure is reported
            // once, as what it is, and fails the check on its own.
            Err(e) => hub_failure = Some(e),
        }
    }
    problems.sort_by(|a, b| a.name.cmp(&b.name));

    for p in &problems {
        ui.error(format!("{}\n  fix: {}", p.message, p.fix));
    }
    if let Some(h) = &hub_failure {
        ui.error(format!("{}\n  fix: {}", h.message, h.fix));
    }
    let ok = problems.is_empty() && hub_failure.is_none();
    if !problems.is_empty() {
        ui.error(format!(
            "check failed: {} of {} need attention{}",
            problems.len(),
            count(names.len(), "prompt", "prompts"),
            if hub_failure.is_some() {
                "; the others were not compared with the hub"
            } else {
                ""
            }
        ));
    } else if hub_failure.is_some() {
        ui.error(format!(
            "check failed: the cache was not compared with the hub; its own checks passed ({} intact, none with unpushed local edits)",
            count(names.len(), "prompt", "prompts")
        ));
    } else if names.is_empty() {
        ui.info("no prompts to check: none configured in [package.metadata.prompt-sync] or used by `prompt!`");
    } else {
        ui.info(format!(
            "{} checked: all intact, none with unpushed local edits{}",
            count(names.len(), "prompt", "prompts"),
            if offline_reason.is_none() {
                ", all equal to the hub"
            } else {
                ""
            }
        ));
    }
    json_out.push(json!({
        "package": pkg.name,
        "manifest_path": pkg.manifest.display().to_string(),
        "online": offline_reason.is_none(),
        "offline_reason": offline_reason,
        "checked": names.len(),
        "ok": ok,
        "problems": problems.iter().map(|p| json!({
            "name": p.name,
            "message": p.message,
            "fix": p.fix,
        })).collect::<Vec<_>>(),
        "hub_error": hub_failure.as_ref().map(|h| json!({
            "message": h.message,
            "fix": h.fix,
        })),
    }));
    Ok(if !problems.is_empty() {
        Verdict::Problems
    } else if hub_failure.is_some() {
        Verdict::HubFailed
    } else {
        Verdict::Ok
    })
}

/// The intact prompts whose text is not the hub's at their ref, or why the hub could
/// not tell.
fn hub_problems(pkg: &Package, names: &[PromptName], ui: &Ui) -> Result<Vec<Problem>, HubFailure> {
    const OFFLINE_FIX: &str = "run `prompt-sync check` again when the hub answers, or `prompt-sync check --offline` to check the cache alone";
    let http = connect::connect(pkg, ui).map_err(|e| HubFailure {
        message: e.message,
        fix: e
            .hints
            .first()
            .cloned()
            .unwrap_or_else(|| OFFLINE_FIX.to_owned()),
    })?;
    let hub = Progress::new(&http, *ui);
    let opts = SyncOptions {
        owner: http.settings().owner.clone(),
        repair_first: false,
        hub_repos: pkg.hub_repos(names.iter()),
        ..SyncOptions::default()
    };
    let targets: Vec<Target> = names
        .iter()
        .map(|n| Target {
            name: n.clone(),
            hub_ref: pkg.hub_ref(n),
        })
        .collect();
    let plan = engine::plan(&pkg.store, &targets, &hub, &opts).map_err(|e| HubFailure {
        message: format!("not compared with the hub: {e}"),
        fix: OFFLINE_FIX.to_owned(),
    })?;
    if let Some(w) = engine::invalid_hub_names_warning(&plan) {
        ui.warn(w);
    }
    let mut problems = Vec::new();
    for p in plan.prompts {
        let name = p.target.name.to_string();
        let at = p.target.hub_ref.as_str();
        let hub_commit = p
            .hub
            .as_ref()
            .map(|h| short(&h.commit_hash).to_owned())
            .unwrap_or_default();
        let problem = match (&p.action, p.state) {
            (Action::Fail(e), _) => Some((
                format!("prompt `{name}` cannot be compared with the hub: {e}"),
                format!(
                    "check that `{name}` exists on the hub at `{at}`, or run `prompt-sync check --offline`"
                ),
            )),
            (_, Some(State::UpToDate | State::Converged)) | (_, None) => None,
            (_, Some(State::HubNewer)) => Some((
                format!("prompt `{name}` is behind the hub: `{at}` is now commit {hub_commit}"),
                format!("run `prompt-sync sync {name}` and commit the cache"),
            )),
            (_, Some(state)) => Some((
                format!(
                    "prompt `{name}` differs from the hub at `{at}` (commit {hub_commit}): {}",
                    crate::states::label(state)
                ),
                format!(
                    "compare with `prompt-sync diff {name}`, then `prompt-sync sync {name}` or `prompt-sync push {name}`"
                ),
            )),
        };
        if let Some((message, fix)) = problem {
            problems.push(Problem { name, message, fix });
        }
    }
    Ok(problems)
}
