//! Verifying the committed cache without the network.

use std::path::Path;

use prompt_sync_core::store::Store;
use prompt_sync_core::verify::{Failure, verify};

use crate::BuildError;
use crate::directives::Directives;
use crate::needed::Needed;

/// Checks every needed prompt. Required prompts that fail are a build error listing
/// each one; cache-only prompts that fail are warnings. What a killed process left (an
/// interrupted write, temporary files) is repaired first, under the exclusive lock,
/// unless the package may not be written (built from a registry or by `cargo package`).
pub(crate) fn verify_cache(
    store: &Store,
    needed: &Needed,
    package_dir: &Path,
    may_write: bool,
    out: &mut Directives,
) -> Result<(), BuildError> {
    if may_write && store.needs_repair().map_err(BuildError::Setup)? {
        let lock = store
            .lock_exclusive(|p| {
                eprintln!("prompt-sync: waiting for the cache lock `{}`", p.display())
            })
            .map_err(BuildError::Setup)?;
        for action in store.repair(&lock).map_err(BuildError::Setup)? {
            out.warning(&format!("prompt-sync repaired the cache: {action}"));
        }
    }
    let failures = check(store, needed, out)?;
    let (required, optional): (Vec<Failure>, Vec<Failure>) = failures
        .into_iter()
        .partition(|f| needed.required.contains(&f.name));
    for f in optional {
        out.warning(&f.message(Some(package_dir)));
    }
    if required.is_empty() {
        Ok(())
    } else {
        Err(BuildError::Prompts {
            failures: required,
            package_dir: package_dir.to_owned(),
        })
    }
}

fn check(store: &Store, needed: &Needed, out: &mut Directives) -> Result<Vec<Failure>, BuildError> {
    let _lock = store
        .lock_shared(|p| eprintln!("prompt-sync: waiting for the cache lock `{}`", p.display()))
        .map_err(BuildError::Setup)?;
    let mut failures = Vec::new();
    for name in needed.all() {
        match verify(store, name) {
            Ok(v) if v.metadata.locally_modified => out.warning(&format!(
                "prompt `{name}` has local edits that are not on the hub: publish them with `prompt-sync push {name}`"
            )),
            Ok(_) => {}
            Err(f) => failures.push(f),
        }
    }
    Ok(failures)
}
