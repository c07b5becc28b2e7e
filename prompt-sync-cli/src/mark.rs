//! `prompt-sync mark-edited NAME`: records that a cached prompt is about to be edited, so
//! the macro accepts the edited text and `push` may publish it.

use std::path::Path;

use crate::error::{CliError, parse_name};
use crate::package::Package;
use crate::ui::{Ui, show_from_cwd, show_path};

/// Runs `mark-edited`; `original` prints the original tool's lines.
pub(crate) fn run(
    manifest_path: Option<&Path>,
    name: &str,
    original: bool,
    ui: &Ui,
) -> Result<(), CliError> {
    // The name is checked before anything else is read or written.
    let name = parse_name(name)?;
    let pkg = Package::open(manifest_path, ui)?;
    let store = &pkg.store;
    let metadata_path = store.layout().existing_metadata_path(&name);
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
    let text_file = store.layout().text_path(&name);
    if !text_file.is_file() {
        return Err(CliError::failure(format!(
            "prompt `{name}` has metadata but no text: `{}` does not exist",
            show_path(&text_file, &pkg.dir)
        ))
        .hint(format!(
            "`prompt-sync restore {name}` brings back the last synced text, `prompt-sync sync {name}` fetches it from the hub; then mark it"
        )));
    }
    let lock = store.lock_exclusive(|p| ui.waiting_for_lock(p))?;
    let already = store
        .read_metadata(&name)?
        .is_some_and(|m| m.locally_modified);
    let text_path = store.mark_edited(&lock, &name)?;
    drop(lock);

    let shown = show_from_cwd(&text_path);
    if original {
        ui.info(format!("📝 Marking {name} as locally edited..."));
        ui.out(format!("✅ Done! Now you can safely edit {shown}"));
    } else if already {
        ui.info(format!(
            "{name} is already marked as locally modified. Edit: {shown}"
        ));
    } else {
        ui.info(format!("Marked {name} as locally modified. Edit: {shown}"));
    }
    ui.note(format!(
        "hint: when you are done, `prompt-sync push {name}` publishes it"
    ));
    Ok(())
}
