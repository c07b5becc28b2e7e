//! `prompt-sync push NAME… [--tag TAG]… [--description TEXT] [--dry-run] [--force]`:
//! publishes marked local edits (and prompts started with `prompt-sync new`) through
//! [`engine::push_prompt`]; see there for the rules.

use prompt_sync_build::engine::{self, PushOptions, PushReport, PushResult};
use prompt_sync_core::{HubRef, PromptName};
use serde_json::{Value, json};

use crate::cli::PushArgs;
use crate::connect::{self, Progress};
use crate::error::{CliError, parse_name};
use crate::package::Package;
use crate::states;
use crate::ui::{Tone, Ui, short};

/// Validates the names and tags of `push` (before anything is read or sent).
pub(crate) fn parse_args(args: &PushArgs) -> Result<Vec<PromptName>, CliError> {
    for tag in &args.tags {
        if tag == "latest" {
            return Err(CliError::usage(
                "`latest` is not a tag: it always names the newest commit",
            ));
        }
        HubRef::new(tag).map_err(|e| CliError::usage(format!("invalid tag `{tag}`: {e}")))?;
    }
    let mut names = Vec::new();
    for n in &args.names {
        let n = parse_name(n)?;
        if !names.contains(&n) {
            names.push(n);
        }
    }
    Ok(names)
}

/// Runs `push` on one package; `Ok(true)` when a push was refused or failed.
pub(crate) fn run(
    pkg: &Package,
    names: &[PromptName],
    args: &PushArgs,
    ui: &Ui,
    json_out: &mut Vec<Value>,
) -> Result<bool, CliError> {
    let http = connect::connect(pkg, ui)?;
    let hub = Progress::new(&http, *ui);
    let mut opts = PushOptions {
        owner: http.settings().owner.clone(),
        tags: args.tags.clone(),
        description: args.description.clone(),
        force: args.force,
        dry_run: args.dry_run,
        hub_repo: None,
    };
    if args.dry_run {
        ui.info("🔍 Dry run - nothing will be pushed or written");
    }
    let mut reports = Vec::new();
    for name in names {
        opts.hub_repo = pkg.hub_repos([name]).remove(name);
        let report = engine::push_prompt(&pkg.store, name, &hub, &opts, |p| ui.waiting_for_lock(p));
        for (tone, line) in lines(&report) {
            ui.out_tone(tone, line);
        }
        reports.push(report);
    }
    ui.debug(format!("{} hub operations", hub.operations()));
    let problems = reports.iter().any(PushReport::is_problem);
    json_out.push(json!({
        "package": pkg.name,
        "manifest_path": pkg.manifest.display().to_string(),
        "dry_run": args.dry_run,
        "prompts": reports.iter().map(report_json).collect::<Vec<_>>(),
    }));
    Ok(problems)
}

/// The lines of one prompt's push.
pub(crate) fn lines(r: &PushReport) -> Vec<(Tone, String)> {
    let name = &r.name;
    let chars = r.chars;
    let mut out = vec![match &r.result {
        PushResult::Pushed {
            commit,
            parent,
            created_repo,
        } => (
            Tone::Good,
            format!(
                "⬆️ {name}: {} ({chars} chars) - commit {}{}",
                if *created_repo {
                    "Created the prompt on the hub and pushed it"
                } else {
                    "Pushed local changes to hub"
                },
                short(commit),
                parent
                    .as_deref()
                    .map(|p| format!(", parent {}", short(p)))
                    .unwrap_or_default()
            ),
        ),
        PushResult::WouldPush {
            parent,
            create_repo,
        } => (
            Tone::Plain,
            format!(
                "🔍 {name}: Would {} ({chars} chars){}",
                if *create_repo {
                    "create the prompt on the hub and push it"
                } else {
                    "push local changes to hub"
                },
                parent
                    .as_deref()
                    .map(|p| format!(" - parent {}", short(p)))
                    .unwrap_or_default()
            ),
        ),
        PushResult::AlreadyOnHub { commit, recorded } => (
            Tone::Good,
            format!(
                "✅ {name}: Hub and local are identical (commit {}) - nothing to push{}",
                short(commit),
                if *recorded {
                    "; recorded the hub's commit"
                } else {
                    ""
                }
            ),
        ),
        PushResult::HubNewer { commit } => (
            Tone::Warn,
            format!(
                "✅ {name}: Nothing to push - the hub has a newer version (commit {}); `prompt-sync sync {name}` takes it",
                short(commit)
            ),
        ),
        PushResult::Refused { reason } => (Tone::Warn, format!("⚠️ {name}: Not pushed - {reason}")),
        PushResult::Failed(e) => (Tone::Bad, format!("❌ {name}: Error: {e}")),
    }];
    for tag in &r.tagged {
        out.push((Tone::Good, format!("🏷️ {name}: tagged `{tag}`")));
    }
    for tag in &r.would_tag {
        out.push((Tone::Plain, format!("🔍 {name}: would tag `{tag}`")));
    }
    for e in &r.tag_errors {
        out.push((Tone::Bad, format!("❌ {name}: {e}")));
    }
    out
}

fn report_json(r: &PushReport) -> Value {
    let (result, commit, parent, created, message) = match &r.result {
        PushResult::Pushed {
            commit,
            parent,
            created_repo,
        } => (
            "pushed",
            Some(commit.clone()),
            parent.clone(),
            *created_repo,
            None,
        ),
        PushResult::WouldPush {
            parent,
            create_repo,
        } => ("would_push", None, parent.clone(), *create_repo, None),
        PushResult::AlreadyOnHub { commit, .. } => {
            ("already_on_hub", Some(commit.clone()), None, false, None)
        }
        PushResult::HubNewer { commit } => ("hub_newer", Some(commit.clone()), None, false, None),
        PushResult::Refused { reason } => ("refused", None, None, false, Some(reason.clone())),
        PushResult::Failed(e) => ("error", None, None, false, Some(e.clone())),
    };
    json!({
        "name": r.name.as_str(),
        "state": r.state.map(states::key),
        "result": result,
        "commit": commit,
        "parent": parent,
        "created_repo": created,
        "tags": r.tagged,
        "would_tag": r.would_tag,
        "tag_errors": r.tag_errors,
        "message": message,
        "chars": r.chars,
    })
}
