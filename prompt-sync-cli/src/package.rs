//! Finding the package a command works on, its config and its cache.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use prompt_sync_core::config::Config;
use prompt_sync_core::layout::CACHE_DIR_ENV;
use prompt_sync_core::scan::{self, Found};
use prompt_sync_core::store::Store;
use prompt_sync_core::{CacheLayout, HubRef, PromptName};

use crate::error::CliError;
use crate::ui::Ui;

/// The package a command works on.
#[derive(Debug)]
pub(crate) struct Package {
    /// Its name (`package.name`, or the directory name when unreadable).
    pub name: String,
    /// Its `Cargo.toml` (absolute).
    pub manifest: PathBuf,
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
        let name = package_name(&manifest).unwrap_or_else(|| {
            dir.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Package {
            name,
            manifest,
            dir,
            config,
            store: Store::new(layout),
        })
    }

    /// The packages a command works on: the one of [`Package::open`], or with
    /// `workspace` every member of the workspace (found with `cargo metadata`, from
    /// `manifest_path` or the current directory) that has `[package.metadata.prompt-sync]`,
    /// sorted by name.
    pub(crate) fn open_all(
        manifest_path: Option<&Path>,
        workspace: bool,
        ui: &Ui,
    ) -> Result<Vec<Package>, CliError> {
        if !workspace {
            return Ok(vec![Package::open(manifest_path, ui)?]);
        }
        let mut cmd = cargo_metadata::MetadataCommand::new();
        cmd.no_deps();
        if let Some(path) = manifest_path {
            cmd.manifest_path(path);
        }
        let metadata = cmd.exec().map_err(|e| {
            CliError::failure(format!(
                "cannot read the workspace with `cargo metadata`: {e}"
            ))
            .hint("run inside a cargo workspace, or pass --manifest-path <workspace>/Cargo.toml")
        })?;
        let mut members: Vec<(String, PathBuf)> = metadata
            .workspace_packages()
            .into_iter()
            .filter(|p| p.metadata.get("prompt-sync").is_some())
            .map(|p| {
                (
                    p.name.to_string(),
                    p.manifest_path.clone().into_std_path_buf(),
                )
            })
            .collect();
        members.sort();
        if members.is_empty() {
            return Err(CliError::failure(format!(
                "no member of the workspace at `{}` has a [package.metadata.prompt-sync] table",
                metadata.workspace_root
            ))
            .hint("add [package.metadata.prompt-sync] to the packages that use prompts"));
        }
        members
            .iter()
            .map(|(_, manifest)| Package::open(Some(manifest), ui))
            .collect()
    }

    /// The prompts to look at: configured, used by `prompt!`, and cached, sorted.
    pub(crate) fn all_prompts(&self) -> Result<std::collections::BTreeSet<PromptName>, CliError> {
        let mut names: std::collections::BTreeSet<PromptName> =
            self.config.prompts.iter().map(|p| p.name.clone()).collect();
        names.extend(self.used_prompts()?.into_keys());
        names.extend(self.store.layout().list()?.names);
        Ok(names)
    }

    /// The ref to follow for `name`: the config's, else the one the metadata recorded,
    /// else `latest`.
    /// The hub repo each of `names` follows, for those that follow another name than
    /// their own (`hub` in the config, `original_hub_names`).
    pub(crate) fn hub_repos<'a>(
        &self,
        names: impl IntoIterator<Item = &'a PromptName>,
    ) -> std::collections::HashMap<PromptName, PromptName> {
        names
            .into_iter()
            .map(|n| (n.clone(), self.config.hub_repo(n)))
            .filter(|(n, repo)| n != repo)
            .collect()
    }

    pub(crate) fn hub_ref(&self, name: &PromptName) -> HubRef {
        if let Some(spec) = self.config.prompts.iter().find(|p| &p.name == name) {
            return spec.hub_ref.clone();
        }
        self.store
            .read_metadata(name)
            .ok()
            .flatten()
            .and_then(|m| m.hub_ref)
            .and_then(|r| HubRef::new(&r).ok())
            .unwrap_or_else(HubRef::latest)
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
        .hint("pass --manifest-path the Cargo.toml of one package of the workspace, or add --workspace")),
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

/// `package.name` of a manifest, if readable.
fn package_name(manifest: &Path) -> Option<String> {
    let doc: toml::Table = fs::read_to_string(manifest).ok()?.parse().ok()?;
    doc.get("package")?.get("name")?.as_str().map(str::to_owned)
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
