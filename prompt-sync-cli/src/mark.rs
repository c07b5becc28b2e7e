//! `prompt-sync mark-edited NAME`: records that a cached prompt is about to be edited, so
//! the macro accepts the edited text and `push` may publish it.

use std::path::Path;

use crate::error::{CliError, parse_name};
use crate::package::Package;
use crate::ui::{Ui, show_path};

/// Runs `mark-edited`.
pub(crate) fn run(manifest_path: Option<&Path>, name: &str, ui: &Ui) -> Result<(), CliError> {
    // The name is checked before anything else is read or written.
    let name = parse_name(name)?;
    let pkg = Package::open(manifest_path, ui)?;
    let store = &pkg.store;
    let metadata_path = store.layout().metadata_path(&name);
    // Checked before locking: taking the lock creates the cache directory and lock file,
    // which a typo in the name must not do.
    if !metadata_path.is_file() {
        return Err(CliError::failure(format!(
            "prompt `{name}` has no metadata: `{}` does not exist",
            show_path(&metadata_path, &pkg.dir)
        ))
        .hint(format!(
            "run `prompt-sync sync {name}` to fetch it first (`prompt-sync status --offline` lists the cached prompts)"
        )));
    }
    let lock = store.lock_exclusive(|p| ui.waiting_for_lock(p))?;
    let already = store
        .read_metadata(&name)?
        .is_some_and(|m| m.locally_modified);
    let text_path = store.mark_edited(&lock, &name)?;
    drop(lock);

    let shown = match std::env::current_dir() {
        Ok(cwd) => show_path(&text_path, &cwd),
        Err(_) => text_path.display().to_string(),
    };
    if already {
        ui.info(format!(
            "{name} is already marked as locally modified. Edit: {shown}"
        ));
    } else {
        ui.info(format!("Marked {name} as locally modified. Edit: {shown}"));
    }
    ui.note(format!(
        "hint: when you are done, `prompt-sync push {name}` publishes it (push comes in a later version)"
    ));
    Ok(())
}
