//! `prompt-sync check --offline`: the CI gate. Every prompt the package uses must be
//! intact in the cache and carry no unpushed local edit.

use std::collections::BTreeMap;

use prompt_sync_core::PromptName;
use prompt_sync_core::scan::Found;
use prompt_sync_core::verify;

use crate::error::CliError;
use crate::package::Package;
use crate::ui::{Ui, count, show_path};

/// Runs `check --offline`; `Ok(false)` when a prompt needs attention.
pub(crate) fn run(pkg: &Package, ui: &Ui) -> Result<bool, CliError> {
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

    let _lock = pkg.store.lock_shared(|p| ui.waiting_for_lock(p))?;
    let mut failed = 0;
    for (name, found) in &names {
        let message = match verify::verify(&pkg.store, name) {
            Ok(v) if v.metadata.locally_modified => {
                format!("prompt `{name}` has unpushed local edits: run `prompt-sync push {name}`")
            }
            Ok(_) => continue,
            Err(failure) => {
                let mut m = failure.message(Some(&pkg.dir));
                if let Some(f) = found {
                    m.push_str(&format!(
                        "\n  used by: `prompt!` at {}:{}",
                        show_path(&f.file, &pkg.dir),
                        f.line
                    ));
                }
                m
            }
        };
        failed += 1;
        ui.error(message);
    }
    if failed > 0 {
        ui.error(format!(
            "check failed: {} of {} need attention",
            failed,
            count(names.len(), "prompt", "prompts")
        ));
        return Ok(false);
    }
    if names.is_empty() {
        ui.info("no prompts to check: none configured in [package.metadata.prompt-sync] or used by `prompt!`");
    } else {
        ui.info(format!(
            "{} checked: all intact, none with unpushed local edits",
            count(names.len(), "prompt", "prompts")
        ));
    }
    Ok(true)
}
