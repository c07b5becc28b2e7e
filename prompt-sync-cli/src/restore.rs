//! `prompt-sync restore NAME [--backup ID] [--list]`: list a prompt's backups, or put
//! back the hub's text as of the last sync (offline, from the manifest the metadata
//! keeps) or a chosen backup, or with `--hub` the hub's current text. What is replaced
//! is backed up first.

use std::path::Path;

use prompt_sync_build::engine::{self, Action, Outcome, State, SyncOptions, Target};
use prompt_sync_core::PromptName;

use crate::connect;
use crate::error::{CliError, parse_name};
use crate::package::Package;
use crate::ui::{Ui, count, short, show_path};

/// Runs `restore NAME --list`.
pub(crate) fn list(manifest_path: Option<&Path>, name: &str, ui: &Ui) -> Result<(), CliError> {
    let name = parse_name(name)?;
    let pkg = Package::open(manifest_path, ui)?;
    let _lock = pkg.store.lock_shared(|p| ui.waiting_for_lock(p))?;
    let backups = pkg.store.list_backups(&name)?;
    if backups.is_empty() {
        ui.out(format!("no backups of {name}"));
        return Ok(());
    }
    ui.info(format!(
        "{} of {name} in {}, oldest first:",
        count(backups.len(), "backup", "backups"),
        show_path(&pkg.store.layout().backups_dir(&name), &pkg.dir)
    ));
    for path in &backups {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        ui.out(file);
    }
    Ok(())
}

/// Runs `restore NAME [--backup ID]`.
pub(crate) fn run(
    manifest_path: Option<&Path>,
    name: &str,
    backup: Option<&str>,
    ui: &Ui,
) -> Result<(), CliError> {
    let name = parse_name(name)?;
    let pkg = Package::open(manifest_path, ui)?;
    if !pkg.store.layout().existing_metadata_path(&name).is_file() {
        return Err(CliError::failure(format!(
            "prompt `{name}` has no metadata: `{}` does not exist",
            show_path(&pkg.store.layout().existing_metadata_path(&name), &pkg.dir)
        ))
        .hint(format!(
            "restore the metadata from git, or run `prompt-sync sync --force-pull {name}` to take the hub's version (a text without metadata is backed up first)"
        )));
    }
    let lock = pkg.store.lock_exclusive(|p| ui.waiting_for_lock(p))?;
    let restored = match backup {
        Some(id) => pkg.store.restore_backup(&lock, &name, id)?,
        None => pkg.store.restore_synced(&lock, &name)?,
    };
    drop(lock);
    let what = match backup {
        Some(id) => format!("backup {id}"),
        None => "the hub's text as of the last sync".to_owned(),
    };
    ui.info(format!(
        "Restored {name} to {what}: {}",
        show_path(&restored.text_path, &pkg.dir)
    ));
    if let Some(b) = &restored.backup {
        ui.info(format!(
            "The replaced text is in {}",
            show_path(b, &pkg.dir)
        ));
    }
    if restored.locally_modified {
        ui.note(format!(
            "note: it differs from the hub's text, so it is marked as locally modified; `prompt-sync push {name}` publishes it"
        ));
    }
    Ok(())
}

/// Runs `repair`: finishes or rolls back writes a killed process left.
pub(crate) fn repair(manifest_path: Option<&Path>, ui: &Ui) -> Result<(), CliError> {
    let pkg = Package::open(manifest_path, ui)?;
    if !pkg.store.layout().root().is_dir() {
        ui.info("nothing to repair: there is no cache yet");
        return Ok(());
    }
    let lock = pkg.store.lock_exclusive(|p| ui.waiting_for_lock(p))?;
    let actions = pkg.store.repair(&lock)?;
    drop(lock);
    if actions.is_empty() {
        ui.info("nothing to repair");
    }
    for a in actions {
        ui.out(a);
    }
    Ok(())
}

/// Runs `restore NAME --hub`: puts back the hub's current text at the prompt's ref,
/// over any local change (backed up first).
pub(crate) fn from_hub(manifest_path: Option<&Path>, name: &str, ui: &Ui) -> Result<(), CliError> {
    let name = parse_name(name)?;
    let pkg = Package::open(manifest_path, ui)?;
    let http = connect::connect(&pkg, ui)?;
    let opts = SyncOptions {
        owner: http.settings().owner.clone(),
        force_pull: true,
        hub_repos: pkg.hub_repos([&name]),
        ..SyncOptions::default()
    };
    let targets = [Target {
        hub_ref: pkg.hub_ref(&name),
        name: name.clone(),
    }];
    let plan = engine::plan(&pkg.store, &targets, &http, &opts)
        .map_err(|e| CliError::failure(format!("cannot ask the hub: {e}")))?;
    let Some(p) = plan.prompts.first() else {
        return Err(CliError::failure("internal error: empty plan"));
    };
    if let Action::Fail(e) = &p.action {
        return Err(CliError::failure(format!(
            "cannot restore `{name}` from the hub: {e}"
        )));
    }
    let commit = p
        .hub
        .as_ref()
        .map(|h| short(&h.commit_hash).to_owned())
        .unwrap_or_default();
    if p.state == Some(State::LocalEdit) {
        // The hub still has the text of the last sync: put that back.
        let lock = pkg.store.lock_exclusive(|p| ui.waiting_for_lock(p))?;
        let restored = pkg.store.restore_synced(&lock, &name)?;
        drop(lock);
        report(ui, &pkg, &name, &commit, restored.backup.as_deref());
        return Ok(());
    }
    let result = engine::apply(&pkg.store, plan, &http, &opts, |p| ui.waiting_for_lock(p));
    match result.prompts.into_iter().next().map(|r| r.outcome) {
        Some(Outcome::Error(e)) => Err(CliError::failure(format!(
            "cannot restore `{name}` from the hub: {e}"
        ))),
        Some(Outcome::Updated { backup }) => {
            report(ui, &pkg, &name, &commit, backup.as_deref());
            Ok(())
        }
        _ => {
            report(ui, &pkg, &name, &commit, None);
            Ok(())
        }
    }
}

fn report(ui: &Ui, pkg: &Package, name: &PromptName, commit: &str, backup: Option<&Path>) {
    ui.info(format!(
        "Restored {name} to the hub's current text (commit {commit}): {}",
        show_path(&pkg.store.layout().text_path(name), &pkg.dir)
    ));
    if let Some(b) = backup {
        ui.info(format!(
            "The replaced text is in {}",
            show_path(b, &pkg.dir)
        ));
    }
}
