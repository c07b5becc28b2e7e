//! Which prompts a package needs: the config list, the `prompt!` literals in its
//! sources, and what its cache holds.

use std::collections::BTreeSet;
use std::path::Path;

use prompt_sync_core::PromptName;
use prompt_sync_core::config::Config;
use prompt_sync_core::layout::{BUILD_TRACKS_CACHE_ENV, CacheLayout};
use prompt_sync_core::scan::scan_package;

use crate::directives::Directives;

/// The prompts of a package, by where they were asked for.
#[derive(Debug, Default)]
pub(crate) struct Needed {
    /// Listed in config (or added with `Builder::prompt`) or used by `prompt!`: must be usable.
    pub(crate) required: BTreeSet<PromptName>,
    /// Only in the cache: checked, but a problem is a warning.
    pub(crate) cached_only: BTreeSet<PromptName>,
}

impl Needed {
    /// Every prompt, required first.
    pub(crate) fn all(&self) -> impl Iterator<Item = &PromptName> {
        self.required.iter().chain(self.cached_only.iter())
    }
}

pub(crate) fn needed_prompts(
    package_dir: &Path,
    config: &Config,
    extra: &[String],
    layout: &CacheLayout,
    out: &mut Directives,
) -> prompt_sync_core::Result<Needed> {
    let mut needed = Needed::default();
    for spec in &config.prompts {
        needed.required.insert(spec.name.clone());
    }
    for raw in extra {
        let name = PromptName::new(raw)
            .map_err(|e| prompt_sync_core::Error::invalid_name(raw, "Builder::prompt", e))?;
        needed.required.insert(name);
    }
    let scan = scan_package(package_dir)?;
    for dir in &scan.dirs {
        out.rerun_if_changed(dir);
    }
    for found in scan.found {
        // An invalid literal is left to the macro, which reports it on the literal.
        if let Ok(name) = PromptName::new(&found.name) {
            needed.required.insert(name);
        }
    }
    let listing = layout.list()?;
    for name in listing.names {
        if !needed.required.contains(&name) {
            needed.cached_only.insert(name);
        }
    }
    for path in listing.ignored {
        out.warning(&format!(
            "ignoring `{}`: its name is not a valid prompt name",
            path.display()
        ));
    }
    if layout.root().exists() {
        out.rerun_if_changed(layout.root());
        // Covering the whole directory, this tracks every prompt's files: the macro
        // need not track them one by one.
        if let Some(root) = layout.root().to_str() {
            out.rustc_env(BUILD_TRACKS_CACHE_ENV, root);
        }
    } else if let Some(parent) = layout.root().parent().filter(|p| *p != package_dir) {
        // Lets the first `prompt-sync sync` that creates the cache rerun the script.
        out.rerun_if_changed(parent);
    }
    Ok(needed)
}
