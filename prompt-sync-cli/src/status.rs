//! `prompt-sync status [--offline]`: one row per prompt (configured, used by `prompt!`,
//! or cached) with its state, and a summary line.
//!
//! Online (an API key is set, `--offline` not given) the state is the three-way state
//! of ARCHITECTURE.md §4, from the engine's plan (one paged list request, plus a fetch
//! per prompt whose commit moved); nothing is written. Offline, the hub's side is
//! unknown: an intact prompt shows `unknown`, a marked edit `local edit`.

use std::collections::BTreeSet;

use prompt_sync_build::engine::{self, Action, PlannedPrompt, SyncOptions, Target};
use prompt_sync_build::hub::{Hub, HubError};
use prompt_sync_core::PromptName;
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::verify;
use serde_json::{Value, json};

use crate::cli::StatusArgs;
use crate::connect::{self, Progress};
use crate::error::CliError;
use crate::local_state::LocalCheck;
use crate::package::Package;
use crate::states;
use crate::sync::is_new_local;
use crate::ui::{Ui, count, short, show_path};

/// One row of the table.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    name: String,
    /// The STATE column.
    label: String,
    /// Locally modified (`None`: no metadata).
    local: Option<bool>,
    metadata: Option<Metadata>,
    hub_commit: Option<String>,
    attention: bool,
    message: Option<String>,
}

/// Runs `status` on one package. `original` prints the original tool's table.
pub(crate) fn run(
    pkg: &Package,
    args: &StatusArgs,
    original: bool,
    ui: &Ui,
    json_out: &mut Vec<Value>,
) -> Result<(), CliError> {
    let offline_reason = if args.offline {
        Some("--offline".to_owned())
    } else {
        connect::offline_reason(pkg)
    };
    if let Some(reason) = offline_reason.as_deref().filter(|_| !args.offline) {
        ui.note(format!(
            "note: showing the cache only ({reason}); the hub's side shows as unknown"
        ));
    }
    let listing = pkg.store.layout().list()?;
    let names: BTreeSet<PromptName> = pkg.all_prompts()?;
    let mut rows = local_rows(pkg, &names, ui)?;
    let mut offline_reason = offline_reason;
    let mut hub_error = None;
    if offline_reason.is_none() {
        // A hub that cannot be asked (down, unreachable, too slow, refusing the key)
        // leaves the table as `--offline` shows it, with one line saying why.
        if let Err(e) = add_hub_states(pkg, &names, &mut rows, ui)? {
            ui.warn(format!(
                "{e}; showing the cache only (the hub's side is unknown)"
            ));
            offline_reason = Some("the hub could not be reached".to_owned());
            hub_error = Some(e.to_string());
        }
    }

    if original {
        original_table(ui, &rows);
    } else {
        table_out(ui, pkg, &rows);
    }
    let modified = rows.iter().filter(|r| r.local == Some(true)).count();
    let attention = rows.iter().filter(|r| r.attention).count();
    if !original {
        let mut summary = format!(
            "{}, {} locally modified",
            count(rows.len(), "prompt", "prompts"),
            modified
        );
        if attention > 0 {
            summary.push_str(&format!(", {attention} need attention"));
        }
        ui.out(summary);
    }
    for row in rows.iter().filter(|r| r.message.is_some()) {
        if let Some(m) = &row.message {
            ui.note(format!("{}: {m}", row.name));
        }
    }
    if attention > 0 {
        if offline_reason.is_some() {
            ui.note("hint: run `prompt-sync check --offline` for what is wrong and how to fix it");
        } else {
            ui.note("hint: `prompt-sync sync` pulls what the hub changed; `prompt-sync check` says what is wrong and how to fix it");
        }
    }
    for path in &listing.ignored {
        ui.note(format!(
            "note: ignored `{}`: its name is not a valid prompt name",
            show_path(path, &pkg.dir)
        ));
    }
    let mut doc = package_json(pkg, &rows, offline_reason.as_deref(), modified, attention);
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("hub_error".to_owned(), json!(hub_error));
    }
    json_out.push(doc);
    Ok(())
}

/// The rows as the cache alone tells them.
fn local_rows(pkg: &Package, names: &BTreeSet<PromptName>, ui: &Ui) -> Result<Vec<Row>, CliError> {
    let _lock = pkg.store.lock_shared(|p| ui.waiting_for_lock(p))?;
    Ok(names
        .iter()
        .map(|name| {
            let result = verify::verify(&pkg.store, name);
            let check = LocalCheck::of(&result);
            let metadata = match result {
                Ok(v) => Some(v.metadata),
                // Whatever is wrong, show what the metadata says if it can be read.
                Err(_) => pkg.store.read_metadata(name).ok().flatten(),
            };
            let label = match check {
                LocalCheck::Ok => "unknown",
                LocalCheck::MarkedEdit if is_new_local(pkg, name) => "new",
                LocalCheck::MarkedEdit => "local edit",
                other => other.label(),
            };
            Row {
                name: name.to_string(),
                label: label.to_owned(),
                local: metadata.as_ref().map(|m| m.locally_modified),
                metadata,
                hub_commit: None,
                attention: check.needs_attention(),
                message: None,
            }
        })
        .collect())
}

/// Replaces the states the hub decides with the engine's plan. `Ok(Err(e))`: the
/// hub could not be asked (the rows keep what the cache says); `Err`: the settings
/// do not allow asking it (a bad endpoint, say).
fn add_hub_states(
    pkg: &Package,
    names: &BTreeSet<PromptName>,
    rows: &mut [Row],
    ui: &Ui,
) -> Result<Result<(), HubError>, CliError> {
    let targets: Vec<Target> = names
        .iter()
        .zip(rows.iter())
        // Local problems are shown as they are; new prompts are not on the hub.
        .filter(|(n, r)| is_hub_decided(&r.label) && !is_new_local(pkg, n))
        .map(|(n, _)| Target {
            name: n.clone(),
            hub_ref: pkg.hub_ref(n),
        })
        .collect();
    let new_rows: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.label == "new")
        .map(|(i, _)| i)
        .collect();
    if targets.is_empty() && new_rows.is_empty() {
        return Ok(Ok(()));
    }
    let http = connect::connect(pkg, ui)?;
    let hub = Progress::new(&http, *ui);
    let opts = SyncOptions {
        owner: http.settings().owner.clone(),
        repair_first: false,
        hub_repos: pkg.hub_repos(targets.iter().map(|t| &t.name)),
        ..SyncOptions::default()
    };
    // A prompt started with `prompt-sync new` is not on the hub, unless another has
    // its name there: that is a clash to resolve, not a new prompt.
    for i in new_rows {
        let row = &mut rows[i];
        let Ok(name) = PromptName::new(&row.name) else {
            continue;
        };
        match hub.repo_exists(&opts.owner, pkg.config.hub_repo(&name).as_str()) {
            Ok(true) => {
                row.label = "name taken".to_owned();
                row.message = Some(engine::name_taken(&name));
                row.attention = true;
            }
            Ok(false) => {}
            Err(e) => return Ok(Err(e)),
        }
    }
    if targets.is_empty() {
        return Ok(Ok(()));
    }
    let plan = match engine::plan(&pkg.store, &targets, &hub, &opts) {
        Ok(plan) => plan,
        Err(e) => return Ok(Err(e)),
    };
    ui.debug(format!("{} hub operations", hub.operations()));
    if let Some(w) = engine::invalid_hub_names_warning(&plan) {
        ui.warn(w);
    }
    for p in &plan.prompts {
        if let Some(row) = rows.iter_mut().find(|r| r.name == p.target.name.as_str()) {
            apply_plan(row, p);
        }
    }
    Ok(Ok(()))
}

/// States that only the hub can settle (the others are local problems).
fn is_hub_decided(label: &str) -> bool {
    matches!(
        label,
        "unknown" | "local edit" | "unmarked edit" | "missing"
    )
}

fn apply_plan(row: &mut Row, p: &PlannedPrompt) {
    row.hub_commit = p.hub.as_ref().map(|h| h.commit_hash.clone());
    if let Action::Fail(e) = &p.action {
        row.label = "error".to_owned();
        row.message = Some(e.clone());
        row.attention = true;
        return;
    }
    if let Some(state) = p.state {
        row.label = states::label(state).to_owned();
        row.attention = !matches!(state, engine::State::UpToDate | engine::State::LocalEdit);
    }
}

fn cells(row: &Row) -> [String; 6] {
    let dash = || "-".to_owned();
    let m = row.metadata.as_ref();
    [
        row.name.clone(),
        row.label.clone(),
        match row.local {
            Some(true) => "yes".to_owned(),
            Some(false) => "no".to_owned(),
            None => dash(),
        },
        m.and_then(|m| m.last_sync_timestamp.clone())
            .unwrap_or_else(dash),
        m.and_then(|m| m.sync_direction.clone())
            .unwrap_or_else(dash),
        m.and_then(|m| m.hub_commit_hash.as_deref())
            .map(|h| short(h).to_owned())
            .unwrap_or_else(dash),
    ]
}

const HEADER: [&str; 6] = ["NAME", "STATE", "LOCAL", "LAST SYNC", "DIRECTION", "COMMIT"];

fn table_out(ui: &Ui, pkg: &Package, rows: &[Row]) {
    ui.info(format!(
        "cache: {}",
        show_path(pkg.store.layout().root(), &pkg.dir)
    ));
    if rows.is_empty() {
        ui.info("no prompts: none configured in [package.metadata.prompt-sync], used by `prompt!` or cached");
        return;
    }
    let cells: Vec<[String; 6]> = rows.iter().map(cells).collect();
    for line in table(&cells) {
        ui.out(line);
    }
}

/// The original tool's `--status` table.
fn original_table(ui: &Ui, rows: &[Row]) {
    let rule = "=".repeat(50);
    ui.out("📊 Prompt Sync Status");
    ui.out(&rule);
    ui.out(format!(
        "{:<30} {:<10} {:<25} {:<10} {}",
        "Prompt Name", "Modified", "Last Sync", "Direction", "State"
    ));
    ui.out("-".repeat(50));
    for row in rows {
        let c = cells(row);
        let modified = match row.local {
            Some(true) => "✏️ YES",
            Some(false) => "📥 No",
            None => "-",
        };
        ui.out(format!(
            "{:<30} {:<10} {:<25} {:<10} {}",
            c[0], modified, c[3], c[4], c[1]
        ));
    }
    ui.out(&rule);
    ui.out("");
    let modified = rows.iter().filter(|r| r.local == Some(true)).count();
    ui.out(format!(
        "📝 Summary: {} prompts, {modified} locally modified",
        rows.len()
    ));
}

/// Lays out the header and rows in columns (two spaces apart, no trailing spaces).
fn table(rows: &[[String; 6]]) -> Vec<String> {
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header = HEADER.map(str::to_owned);
    std::iter::once(&header)
        .chain(rows)
        .map(|cells| {
            let mut line = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                line.push_str(cell);
                if i + 1 < cells.len() {
                    line.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

fn package_json(
    pkg: &Package,
    rows: &[Row],
    offline_reason: Option<&str>,
    modified: usize,
    attention: usize,
) -> Value {
    let prompts: Vec<Value> = rows
        .iter()
        .map(|r| {
            let m = r.metadata.as_ref();
            json!({
                "name": r.name,
                "state": r.label.replace(' ', "_"),
                "locally_modified": r.local,
                "last_sync": m.and_then(|m| m.last_sync_timestamp.clone()),
                "direction": m.and_then(|m| m.sync_direction.clone()),
                "commit": m.and_then(|m| m.hub_commit_hash.clone()),
                "hub_commit": r.hub_commit,
                "needs_attention": r.attention,
                "message": r.message,
            })
        })
        .collect();
    json!({
        "package": pkg.name,
        "manifest_path": pkg.manifest.display().to_string(),
        "cache_dir": pkg.store.layout().root().display().to_string(),
        "online": offline_reason.is_none(),
        "offline_reason": offline_reason,
        "prompts": prompts,
        "summary": {
            "total": rows.len(),
            "locally_modified": modified,
            "need_attention": attention,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let rows = [[
            "a_long_name".to_owned(),
            "up to date".to_owned(),
            "no".to_owned(),
            "-".to_owned(),
            "pull".to_owned(),
            "-".to_owned(),
        ]];
        let t = table(&rows);
        assert_eq!(
            t[0],
            "NAME         STATE       LOCAL  LAST SYNC  DIRECTION  COMMIT"
        );
        assert_eq!(
            t[1],
            "a_long_name  up to date  no     -          pull       -"
        );
    }
}
