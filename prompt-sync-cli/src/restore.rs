//! `prompt-sync restore NAME --list`: the backups of a prompt, oldest first.

use std::path::Path;

use crate::error::{CliError, parse_name};
use crate::package::Package;
use crate::ui::{Ui, count, show_path};

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
