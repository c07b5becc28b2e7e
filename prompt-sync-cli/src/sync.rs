//! `prompt-sync sync [NAME…] [--all] [--auto-push] [--dry-run] [--force-pull]`: the
//! engine's plan and apply, with the original tool's per-prompt lines and summary.
//!
//! Which prompts: the names given; with `--all` every prompt the config lists, the code
//! uses or the cache holds (so the missing ones are pulled); by default the cached
//! ones. A prompt started with `prompt-sync new` (never on the hub) is not planned:
//! `--auto-push` creates it on the hub, otherwise it is reported as a local edit.

use prompt_sync_build::engine::{
    self, Outcome, PromptReport, PushOptions, PushResult, SyncOptions, SyncReport, Target,
};
use prompt_sync_build::hub::Hub;
use prompt_sync_core::PromptName;
use serde_json::{Value, json};

use crate::cli::SyncArgs;
use crate::connect::{self, Progress};
use crate::error::CliError;
use crate::package::Package;
use crate::states;
use crate::sync_output;
use crate::ui::{Ui, count};

/// What a sync of one package did.
pub(crate) struct PackageSync {
    /// The report, in target order.
    pub report: SyncReport,
    /// Characters of each prompt's text after the sync (for the original tool's lines).
    pub chars: Vec<Option<usize>>,
}

/// Runs `sync` on one package; `names` are already validated. `Ok(true)` when a
/// conflict or an error remains.
pub(crate) fn run(
    pkg: &Package,
    names: &[PromptName],
    args: &SyncArgs,
    ui: &Ui,
    json_out: &mut Vec<Value>,
) -> Result<bool, CliError> {
    let targets = targets(pkg, names, args.all, ui)?;
    if targets.is_empty() {
        ui.info("no prompts to sync: the cache is empty");
        ui.note("hint: `prompt-sync sync --all` pulls the prompts the config lists and `prompt!` uses; `prompt-sync sync NAME` pulls one");
        json_out.push(package_json(pkg, &PackageSync::empty(), args.dry_run));
        return Ok(false);
    }
    let http = connect::connect(pkg, ui)?;
    let hub = Progress::new(&http, *ui);
    let owner = http.settings().owner.clone();
    sync_output::header(ui, &targets, args);
    let result = sync_targets(pkg, &hub, &owner, &targets, args, ui)?;
    ui.debug(format!("{} hub operations", hub.operations()));
    sync_output::lines(ui, pkg, &result, args.dry_run);
    json_out.push(package_json(pkg, &result, args.dry_run));
    Ok(result.report.has_problems())
}

impl PackageSync {
    fn empty() -> Self {
        PackageSync {
            report: SyncReport::default(),
            chars: Vec::new(),
        }
    }
}

/// The targets in name order, each with its ref.
fn targets(
    pkg: &Package,
    names: &[PromptName],
    all: bool,
    ui: &Ui,
) -> Result<Vec<Target>, CliError> {
    let chosen: Vec<PromptName> = if !names.is_empty() {
        let mut seen = std::collections::BTreeSet::new();
        names
            .iter()
            .filter(|n| seen.insert((*n).clone()))
            .cloned()
            .collect()
    } else if all {
        pkg.all_prompts()?.into_iter().collect()
    } else {
        let cached = pkg.store.layout().list()?.names;
        let missing: Vec<String> = pkg
            .all_prompts()?
            .into_iter()
            .filter(|n| !cached.contains(n))
            .map(|n| n.to_string())
            .collect();
        if !missing.is_empty() {
            ui.note(format!(
                "note: {} the package uses {} not cached ({}); `prompt-sync sync --all` pulls them",
                count(missing.len(), "prompt", "prompts"),
                if missing.len() == 1 { "is" } else { "are" },
                missing.join(", ")
            ));
        }
        cached.into_iter().collect()
    };
    Ok(chosen
        .into_iter()
        .map(|name| Target {
            hub_ref: pkg.hub_ref(&name),
            name,
        })
        .collect())
}

/// True for a prompt started locally (with `prompt-sync new`, or marked as edited by
/// the original tool before it was ever fetched) and never on the hub. Metadata of
/// the original's older shape records no hash at all: that prompt came from
/// somewhere, and a sync compares it with the hub.
pub(crate) fn is_new_local(pkg: &Package, name: &PromptName) -> bool {
    pkg.store.layout().text_path(name).is_file()
        && pkg
            .store
            .read_metadata(name)
            .ok()
            .flatten()
            .is_some_and(|m| {
                m.local_content_hash.is_some()
                    && m.hub_content_hash.is_none()
                    && m.hub_commit_hash.is_none()
            })
}

/// Plans and applies (or dry-runs) the sync of `targets`.
pub(crate) fn sync_targets(
    pkg: &Package,
    hub: &dyn Hub,
    owner: &str,
    targets: &[Target],
    args: &SyncArgs,
    ui: &Ui,
) -> Result<PackageSync, CliError> {
    let (new_local, planned): (Vec<&Target>, Vec<&Target>) =
        targets.iter().partition(|t| is_new_local(pkg, &t.name));
    let mut planned: Vec<Target> = planned.into_iter().cloned().collect();
    // A new prompt whose name the hub already has: `--force-pull` takes the hub's
    // (planned like any other; the local text is backed up), otherwise it is a name
    // clash to resolve. (`--auto-push` pushes, and the push refuses the clash.)
    let mut taken = Vec::new();
    let mut new_only = Vec::new();
    for t in new_local {
        if args.auto_push {
            new_only.push(t);
            continue;
        }
        match hub.repo_exists(owner, pkg.config.hub_repo(&t.name).as_str()) {
            Ok(true) if args.force_pull => planned.push(t.clone()),
            Ok(true) => taken.push(t),
            Ok(false) => new_only.push(t),
            Err(e) => {
                return Err(CliError::failure(format!("cannot sync with the hub: {e}"))
                    .hint("nothing was changed; `prompt-sync status --offline` shows the cache without the hub"));
            }
        }
    }
    let new_local = new_only;
    let opts = SyncOptions {
        owner: owner.to_owned(),
        auto_push: args.auto_push,
        force_pull: args.force_pull,
        repair_first: !args.dry_run,
        hub_repos: pkg.hub_repos(targets.iter().map(|t| &t.name)),
        ..SyncOptions::default()
    };
    let mut report = if planned.is_empty() {
        SyncReport::default()
    } else {
        let plan = engine::plan(&pkg.store, &planned, hub, &opts).map_err(|e| {
            CliError::failure(format!("cannot sync with the hub: {e}"))
                .hint("nothing was changed; `prompt-sync status --offline` shows the cache without the hub")
        })?;
        ui.debug(format!(
            "planned {}, fetched {} manifest(s)",
            count(plan.prompts.len(), "prompt", "prompts"),
            plan.fetched
        ));
        if let Some(w) = engine::invalid_hub_names_warning(&plan) {
            ui.warn(w);
        }
        if args.dry_run {
            engine::dry_run(&plan)
        } else {
            engine::apply(&pkg.store, plan, hub, &opts, |p| ui.waiting_for_lock(p))
        }
    };
    for t in new_local {
        let outcome = if args.auto_push {
            let popts = PushOptions {
                owner: owner.to_owned(),
                dry_run: args.dry_run,
                hub_repo: opts.hub_repos.get(&t.name).cloned(),
                ..PushOptions::default()
            };
            let r =
                engine::push_prompt(&pkg.store, &t.name, hub, &popts, |p| ui.waiting_for_lock(p));
            push_outcome(r.result, args.dry_run)
        } else {
            Outcome::LocalEdit
        };
        report.prompts.push(PromptReport {
            name: t.name.to_string(),
            state: None,
            outcome,
        });
    }
    for t in taken {
        report.prompts.push(PromptReport {
            name: t.name.to_string(),
            state: None,
            outcome: Outcome::Conflict(engine::name_taken(&t.name)),
        });
    }
    // Back in target order.
    let order = |name: &str| targets.iter().position(|t| t.name.as_str() == name);
    report.prompts.sort_by_key(|p| order(&p.name));
    let chars = report
        .prompts
        .iter()
        .map(|p| {
            let name = PromptName::new(&p.name).ok()?;
            let text = pkg.store.read_text(&name).ok()??;
            Some(text.chars().count())
        })
        .collect();
    Ok(PackageSync { report, chars })
}

/// A push of a new prompt as a sync outcome.
fn push_outcome(result: PushResult, dry_run: bool) -> Outcome {
    match result {
        PushResult::Pushed { commit, .. } => Outcome::Pushed {
            commit: Some(commit),
        },
        PushResult::WouldPush { .. } => Outcome::WouldPush,
        PushResult::AlreadyOnHub { recorded: true, .. } if dry_run => Outcome::WouldRecord,
        PushResult::AlreadyOnHub { recorded: true, .. } => Outcome::Recorded,
        PushResult::AlreadyOnHub { .. } | PushResult::HubNewer { .. } => Outcome::Unchanged,
        PushResult::Refused { reason } => Outcome::Conflict(reason),
        PushResult::Failed(e) => Outcome::Error(e),
    }
}

/// The JSON of one package's sync.
fn package_json(pkg: &Package, result: &PackageSync, dry_run: bool) -> Value {
    let prompts: Vec<Value> = result
        .report
        .prompts
        .iter()
        .zip(result.chars.iter().chain(std::iter::repeat(&None)))
        .map(|(p, chars)| {
            json!({
                "name": p.name,
                "state": p.state.map(states::key),
                "outcome": states::outcome_key(&p.outcome),
                "message": p.outcome.to_string(),
                "commit": match &p.outcome {
                    Outcome::Pushed { commit } => commit.clone(),
                    _ => None,
                },
                "backup": match &p.outcome {
                    Outcome::Updated { backup } => backup.as_ref().map(|b| b.display().to_string()),
                    _ => None,
                },
                "chars": chars,
            })
        })
        .collect();
    let t = result.report.totals();
    json!({
        "package": pkg.name,
        "manifest_path": pkg.manifest.display().to_string(),
        "cache_dir": pkg.store.layout().root().display().to_string(),
        "dry_run": dry_run,
        "prompts": prompts,
        "repaired": result.report.repaired,
        "totals": {
            "total": t.total,
            "pulled": t.pulled,
            "updated": t.updated,
            "pushed": t.pushed,
            "conflicts": t.conflicts,
            "errors": t.errors,
            "unchanged": t.unchanged,
        },
    })
}
