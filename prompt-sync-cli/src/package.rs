//! Finding the package a command works on, its config and its cache.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use prompt_sync_core::config::Config;
use prompt_sync_core::layout::CACHE_DIR_ENV;
use prompt_sync_core::scan::{self, Found};
use prompt_sync_core::store::Store;
use prompt_sync_core::{CacheLayout, PromptName};

use crate::error::CliError;
use crate::ui::Ui;

/// The package a command works on.
#[derive(Debug)]
pub(crate) struct Package {
    /// Its directory (absolute).
    pub dir: PathBuf,
    /// Its effective prompt-sync config.
    pub config: Config,
    /// Its cache.
    pub store: Store,
}

impl Package {
    /// Opens the package of `manifest_path` (a `Cargo.toml`), or the nearest one above
    /// the current directory. Prints the config's warnings.
    pub(crate) fn open(manifest_path: Option<&Path>, ui: &Ui) -> Result<Package, CliError> {
        let manifest = match manifest_path {
            Some(path) => explicit_manifest(path)?,
            None => {
                let cwd = std::env::current_dir().map_err(|e| {
                    CliError::failure(format!("cannot read the current directory: {e}"))
                })?;
                find_manifest(&cwd)?
            }
        };
        let dir = manifest
            .parent()
            .map(Path::to_owned)
            .ok_or_else(|| CliError::failure(format!("`{}` has no parent", manifest.display())))?;
        let config = Config::load(&dir)?;
        for warning in &config.warnings {
            ui.warn(warning);
        }
        let env_dir = std::env::var_os(CACHE_DIR_ENV);
        let layout = CacheLayout::resolve(&dir, config.cache_dir.as_deref(), env_dir.as_deref());
        Ok(Package {
            dir,
            config,
            store: Store::new(layout),
        })
    }

    /// The names of the `prompt!("…")` calls in the package's sources that are valid
    /// prompt names, each with its first call site. (The macro reports the invalid ones.)
    pub(crate) fn used_prompts(&self) -> Result<BTreeMap<PromptName, Found>, CliError> {
        let mut used = BTreeMap::new();
        for found in scan::scan_package(&self.dir)?.found {
            if let Ok(name) = PromptName::new(&found.name) {
                used.entry(name).or_insert(found);
            }
        }
        Ok(used)
    }
}

/// Checks a `--manifest-path` value: an existing `Cargo.toml` with a `[package]` table.
fn explicit_manifest(path: &Path) -> Result<PathBuf, CliError> {
    let path = std::path::absolute(path)
        .map_err(|e| CliError::failure(format!("cannot resolve `{}`: {e}", path.display())))?;
    if path.file_name().and_then(|f| f.to_str()) != Some("Cargo.toml") {
        return Err(CliError::usage(format!(
            "--manifest-path must be the path of a `Cargo.toml` file, not `{}`",
            path.display()
        )));
    }
    match read_has_package(&path)? {
        true => Ok(path),
        false => Err(CliError::usage(format!(
            "`{}` has no [package] table (a virtual workspace manifest?)",
            path.display()
        ))
        .hint("pass --manifest-path the Cargo.toml of one package of the workspace")),
    }
}

/// The nearest `Cargo.toml` with a `[package]` table in `start` or above it.
fn find_manifest(start: &Path) -> Result<PathBuf, CliError> {
    let mut passed_over = None;
    for dir in start.ancestors() {
        let candidate = dir.join("Cargo.toml");
        if !candidate.is_file() {
            continue;
        }
        if read_has_package(&candidate)? {
            return Ok(candidate);
        }
        passed_over.get_or_insert(candidate);
    }
    let mut err = CliError::failure(format!(
        "could not find a `Cargo.toml` with a [package] table in `{}` or any parent directory",
        start.display()
    ));
    if let Some(workspace) = passed_over {
        err = err.hint(format!(
            "`{}` is a workspace manifest without a [package] table; pass --manifest-path the Cargo.toml of one of its packages",
            workspace.display()
        ));
    } else {
        err = err.hint("run prompt-sync inside a cargo package, or pass --manifest-path <PATH>");
    }
    Err(err)
}

/// Reads a `Cargo.toml` and tells whether it has a `[package]` table.
fn read_has_package(path: &Path) -> Result<bool, CliError> {
    let text = fs::read_to_string(path)
        .map_err(|e| CliError::failure(format!("cannot read `{}`: {e}", path.display())))?;
    has_package_table(&text)
        .map_err(|e| CliError::failure(format!("`{}` is not valid TOML: {e}", path.display())))
}

/// True when the manifest text has a `[package]` table.
fn has_package_table(text: &str) -> Result<bool, toml::de::Error> {
    let doc: toml::Table = text.parse()?;
    Ok(matches!(doc.get("package"), Some(toml::Value::Table(_))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_tables() {
        assert!(has_package_table("[package]\nname = \"a\"\n").unwrap());
        assert!(has_package_table("package = { name = \"a\" }\n").unwrap());
        assert!(!has_package_table("[workspace]\nmembers = []\n").unwrap());
        assert!(!has_package_table("# [package]\n").unwrap());
        assert!(has_package_table("[package\n").is_err());
    }

    #[test]
    fn the_search_passes_over_workspace_manifests() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"app\"]\n",
        )
        .unwrap();
        fs::create_dir_all(root.join("app/src/deep")).unwrap();
        fs::write(root.join("app/Cargo.toml"), "[package]\nname = \"app\"\n").unwrap();
        assert_eq!(
            find_manifest(&root.join("app/src/deep")).unwrap(),
            root.join("app/Cargo.toml")
        );
        // From the workspace root no package is above: the error names the workspace.
        let err = find_manifest(root);
        // An unrelated Cargo.toml with [package] higher up may exist on this machine;
        // only check the message when the search failed.
        if let Err(e) = err {
            assert!(
                e.hints.iter().any(|h| h.contains("workspace manifest")),
                "{e:?}"
            );
        }
        let e = explicit_manifest(&root.join("Cargo.toml")).unwrap_err();
        assert!(e.message.contains("no [package] table"), "{e}");
        let e = explicit_manifest(&root.join("app")).unwrap_err();
        assert!(e.message.contains("Cargo.toml"), "{e}");
    }
}
