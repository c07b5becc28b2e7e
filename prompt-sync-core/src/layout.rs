//! Where things live in the cache directory (the original tool's layout).
//!
//! ```text
//! <cache>/<name>.txt                         the prompt text, exactly what is embedded
//! <cache>/metadata/<stem>.json               the original tool's eight metadata fields;
//!                                            <stem> is the name with `_v1` written `-v1`
//! <cache>/metadata/prompt-sync/<name>.json   what prompt-sync records beyond them
//! <cache>/backups/<name>/<UTC>-<sha8>.txt    old texts, never overwritten
//! <cache>/<name>.backup.txt                  the original tool's one backup per prompt
//! <cache>/.prompt-sync.lock                  advisory lock
//! <cache>/.gitignore                         the first writer's: the lock, temporary files
//! <cache>/.gitattributes                     the first writer's: `* -text` (no CRLF)
//! ```
//! The cache directory is, in order: `PROMPT_SYNC_DIR`, the config's `cache_dir`, or
//! `<package>/prompts/langsmith_cache`. Relative values resolve against the package
//! directory, never the current directory.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::name::PromptName;

/// The default cache directory, relative to the package.
pub const DEFAULT_CACHE_DIR: &str = "prompts/langsmith_cache";
/// The environment variable that overrides the cache directory.
pub const CACHE_DIR_ENV: &str = "PROMPT_SYNC_DIR";
/// Set by `prompt-sync-build` (`cargo:rustc-env`) for the crate it builds, to the cache
/// directory whose changes rerun the build script (and so rebuild the crate): the
/// `prompt!` macro then does not track each prompt's files itself.
pub const BUILD_TRACKS_CACHE_ENV: &str = "__PROMPT_SYNC_BUILD_TRACKS_CACHE";
/// Set by `prompt-sync-build` (`cargo:rustc-env`) for the crate it builds, to the
/// digest of the prompts it verified ([`crate::index::set_digest`]). Every `prompt!`
/// expansion reads it with `option_env!`, so rustc records it in its dep-info
/// (`# env-dep:`): a build cache keyed on rustc's inputs (sccache) sees a new prompt
/// text even when the expansion names no prompt file.
pub const VERIFIED_DIGEST_ENV: &str = "__PROMPT_SYNC_VERIFIED_DIGEST";
/// The lock file's name inside the cache directory.
pub const LOCK_FILE: &str = ".prompt-sync.lock";
/// The metadata subdirectory.
pub const METADATA_DIR: &str = "metadata";
/// The backups subdirectory.
pub const BACKUPS_DIR: &str = "backups";
/// The subdirectory of `metadata/` for what prompt-sync records beyond the original
/// tool's fields (the original's loader refuses a metadata file with other fields).
pub const RECORD_DIR: &str = "prompt-sync";
/// The suffix of the original tool's backups: `<cache>/<name>.backup.txt`.
pub const ORIGINAL_BACKUP_SUFFIX: &str = ".backup.txt";

/// The stem the original tool gives a prompt's metadata file: its name with every
/// `_v1` written `-v1` (`test_generator_v1` -> `metadata/test_generator-v1.json`).
pub fn original_metadata_stem(name: &str) -> String {
    name.replace("_v1", "-v1")
}

/// The paths of one cache directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheLayout {
    root: PathBuf,
}

/// What a directory listing of the cache found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Valid prompt names with a text or a metadata file, sorted.
    pub names: Vec<PromptName>,
    /// `.txt` / `.json` files whose stem is not a valid prompt name (ignored).
    pub ignored: Vec<PathBuf>,
    /// The original tool's backups (`<name>.backup.txt`), by prompt, sorted.
    pub original_backups: Vec<(PromptName, PathBuf)>,
}

impl CacheLayout {
    /// A layout rooted at `root` (used as given).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        CacheLayout { root: root.into() }
    }

    /// Resolves the cache directory of a package: `env_dir` (the value of
    /// `PROMPT_SYNC_DIR`), else `config_dir` (already absolute, from config), else the
    /// default. Relative values resolve against `package_dir`.
    pub fn resolve(package_dir: &Path, config_dir: Option<&Path>, env_dir: Option<&OsStr>) -> Self {
        let chosen = match (env_dir.filter(|v| !v.is_empty()), config_dir) {
            (Some(env), _) => package_dir.join(env),
            (None, Some(cfg)) => package_dir.join(cfg),
            (None, None) => package_dir.join(DEFAULT_CACHE_DIR),
        };
        CacheLayout::new(chosen)
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<cache>/<name>.txt`.
    pub fn text_path(&self, name: &PromptName) -> PathBuf {
        self.root.join(format!("{name}.txt"))
    }

    /// `<cache>/metadata`.
    pub fn metadata_dir(&self) -> PathBuf {
        self.root.join(METADATA_DIR)
    }

    /// `<cache>/metadata/<stem>.json`, where `<stem>` is the original tool's
    /// ([`original_metadata_stem`]): where metadata is written.
    pub fn metadata_path(&self, name: &PromptName) -> PathBuf {
        self.metadata_dir()
            .join(format!("{}.json", original_metadata_stem(name.as_str())))
    }

    /// `<cache>/metadata/<name>.json` when that differs from [`Self::metadata_path`]:
    /// where prompt-sync 0.1 wrote the metadata of a name with `_v1` in it. Read when
    /// the original tool's file is absent; removed when the metadata is next written.
    pub fn legacy_metadata_path(&self, name: &PromptName) -> Option<PathBuf> {
        name.as_str()
            .contains("_v1")
            .then(|| self.metadata_dir().join(format!("{name}.json")))
    }

    /// The metadata file to read: [`Self::metadata_path`], or the legacy one when
    /// only that exists.
    pub fn existing_metadata_path(&self, name: &PromptName) -> PathBuf {
        let path = self.metadata_path(name);
        match self.legacy_metadata_path(name) {
            Some(legacy) if !path.exists() && legacy.exists() => legacy,
            _ => path,
        }
    }

    /// `<cache>/metadata/prompt-sync`.
    pub fn record_dir(&self) -> PathBuf {
        self.metadata_dir().join(RECORD_DIR)
    }

    /// `<cache>/metadata/prompt-sync/<name>.json`: what prompt-sync records about a
    /// prompt beyond the original tool's eight fields.
    pub fn record_path(&self, name: &PromptName) -> PathBuf {
        self.record_dir().join(format!("{name}.json"))
    }

    /// `<cache>/<name>.backup.txt`: the original tool's backup of a prompt.
    pub fn original_backup_path(&self, name: &PromptName) -> PathBuf {
        self.root.join(format!("{name}{ORIGINAL_BACKUP_SUFFIX}"))
    }

    /// `<cache>/backups/<name>`.
    pub fn backups_dir(&self, name: &PromptName) -> PathBuf {
        self.root.join(BACKUPS_DIR).join(name.as_str())
    }

    /// `<cache>/.prompt-sync.lock`.
    pub fn lock_path(&self) -> PathBuf {
        self.root.join(LOCK_FILE)
    }

    /// Where a new text waits while its metadata is written: `<cache>/.<name>.txt.incoming`.
    pub fn incoming_path(&self, name: &PromptName) -> PathBuf {
        self.root.join(format!(".{name}.txt.incoming"))
    }

    /// Lists the prompts the cache holds (a text or a metadata file). A missing cache
    /// directory is an empty listing; a cache path that is a file is an error. A
    /// metadata file named the original tool's way (`x-v1.json`) counts for the prompt
    /// whose name it stands for (`x_v1`); the original tool's backups
    /// (`x.backup.txt`) are listed apart, not as prompts.
    pub fn list(&self) -> Result<Listing> {
        let mut listing = Listing::default();
        let mut names = std::collections::BTreeSet::new();
        for (stem, path) in self.stems(&self.root, "txt")? {
            if let Some(n) = stem
                .strip_suffix(".backup")
                .and_then(|s| PromptName::new(s).ok())
            {
                listing.original_backups.push((n, path));
                continue;
            }
            match PromptName::new(&stem) {
                Ok(n) => {
                    names.insert(n);
                }
                Err(_) => listing.ignored.push(path),
            }
        }
        // Which prompt a metadata stem stands for: a text's whose original stem it is,
        // else the `prompt_name` the file records, else the stem itself.
        let mut by_stem: std::collections::HashMap<String, Vec<PromptName>> =
            std::collections::HashMap::new();
        for n in &names {
            by_stem
                .entry(original_metadata_stem(n.as_str()))
                .or_default()
                .push(n.clone());
        }
        let metadata_dir = self.metadata_dir();
        let mut from_metadata = Vec::new();
        for (stem, path) in self.stems(&metadata_dir, "json")? {
            if let Some(owners) = by_stem.get(&stem) {
                from_metadata.extend(owners.iter().cloned());
                continue;
            }
            let recorded = stem
                .contains("-v1")
                .then(|| recorded_prompt_name(&path))
                .flatten()
                .filter(|n| original_metadata_stem(n.as_str()) == stem);
            match recorded.map_or_else(|| PromptName::new(&stem), Ok) {
                Ok(n) => from_metadata.push(n),
                Err(_) => listing.ignored.push(path),
            }
        }
        names.extend(from_metadata);
        listing.names = names.into_iter().collect();
        listing.ignored.sort();
        listing.original_backups.sort();
        Ok(listing)
    }

    /// The stems and paths of the regular files (or symlinks to them) in `dir` ending
    /// in `.ext`, without our own temporary files (which start with a dot).
    fn stems(&self, dir: &Path, ext: &str) -> Result<Vec<(String, PathBuf)>> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) if dir.is_file() => return Err(self.not_a_directory(dir, e)),
            Err(e) => return Err(Error::io("list the cache directory", dir, e)),
        };
        let mut stems = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("list the cache directory", dir, e))?;
            let path = entry.path();
            if path.extension() != Some(OsStr::new(ext)) {
                continue;
            }
            // The directory entry's type costs no `stat`; only a symlink is followed.
            let is_file = match entry.file_type() {
                Ok(t) if t.is_symlink() => path.is_file(),
                Ok(t) => t.is_file(),
                Err(_) => path.is_file(),
            };
            if !is_file {
                continue;
            }
            // A stem that is not UTF-8 reads lossily and so is never a valid name.
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            if stem.starts_with('.') {
                continue; // our own temp files
            }
            stems.push((stem.into_owned(), path));
        }
        Ok(stems)
    }

    /// The error for a cache path (or its `metadata` subdirectory) that is a file.
    fn not_a_directory(&self, dir: &Path, e: std::io::Error) -> Error {
        let fix = if dir == self.root {
            "it is a file, not a directory; move the file away, or point `cache_dir` in [package.metadata.prompt-sync] (or PROMPT_SYNC_DIR) at a directory"
        } else {
            "it is a file, not a directory; move the file away (the cache keeps its metadata in a directory of that name)"
        };
        Error::io(
            "use the cache directory",
            dir,
            std::io::Error::new(e.kind(), fix),
        )
    }
}

/// The `prompt_name` a metadata file records, if it reads as JSON with a valid one.
fn recorded_prompt_name(path: &Path) -> Option<PromptName> {
    let bytes = crate::fsio::read_optional(path).ok()??;
    if bytes.len() as u64 > crate::metadata::MAX_METADATA_BYTES {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    PromptName::new(value.get("prompt_name")?.as_str()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> PromptName {
        PromptName::new(s).unwrap()
    }

    #[test]
    fn paths_follow_the_original_layout() {
        let l = CacheLayout::new("/p/prompts/langsmith_cache");
        assert_eq!(
            l.text_path(&n("a_1")),
            Path::new("/p/prompts/langsmith_cache/a_1.txt")
        );
        assert_eq!(
            l.metadata_path(&n("a_1")),
            Path::new("/p/prompts/langsmith_cache/metadata/a_1.json")
        );
        // The original tool writes every `_v1` as `-v1` in metadata file names.
        assert_eq!(
            l.metadata_path(&n("test_generator_v1")),
            Path::new("/p/prompts/langsmith_cache/metadata/test_generator-v1.json")
        );
        assert_eq!(
            l.metadata_path(&n("a_v1_b_v12")),
            Path::new("/p/prompts/langsmith_cache/metadata/a-v1_b-v12.json")
        );
        assert_eq!(
            l.legacy_metadata_path(&n("test_generator_v1")),
            Some(PathBuf::from(
                "/p/prompts/langsmith_cache/metadata/test_generator_v1.json"
            ))
        );
        assert_eq!(l.legacy_metadata_path(&n("a_1")), None);
        assert_eq!(
            l.record_path(&n("test_generator_v1")),
            Path::new("/p/prompts/langsmith_cache/metadata/prompt-sync/test_generator_v1.json")
        );
        assert_eq!(
            l.original_backup_path(&n("router_v1")),
            Path::new("/p/prompts/langsmith_cache/router_v1.backup.txt")
        );
        assert_eq!(
            l.backups_dir(&n("a_1")),
            Path::new("/p/prompts/langsmith_cache/backups/a_1")
        );
        assert_eq!(
            l.lock_path(),
            Path::new("/p/prompts/langsmith_cache/.prompt-sync.lock")
        );
    }

    #[test]
    fn resolution_order_and_relative_paths() {
        let pkg = Path::new("/work/app");
        assert_eq!(
            CacheLayout::resolve(pkg, None, None).root(),
            Path::new("/work/app/prompts/langsmith_cache")
        );
        assert_eq!(
            CacheLayout::resolve(pkg, Some(Path::new("/abs/cache")), None).root(),
            Path::new("/abs/cache")
        );
        assert_eq!(
            CacheLayout::resolve(
                pkg,
                Some(Path::new("/abs/cache")),
                Some(OsStr::new("env/c"))
            )
            .root(),
            Path::new("/work/app/env/c")
        );
        assert_eq!(
            CacheLayout::resolve(pkg, None, Some(OsStr::new("/abs/env"))).root(),
            Path::new("/abs/env")
        );
        // An empty variable counts as unset.
        assert_eq!(
            CacheLayout::resolve(pkg, None, Some(OsStr::new(""))).root(),
            Path::new("/work/app/prompts/langsmith_cache")
        );
    }

    #[test]
    fn listing_skips_invalid_names_and_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let l = CacheLayout::new(dir.path());
        assert_eq!(l.list().unwrap(), Listing::default());
        fs::create_dir_all(l.metadata_dir()).unwrap();
        fs::write(dir.path().join("b.txt"), "x").unwrap();
        fs::write(dir.path().join("bad name.txt"), "x").unwrap();
        fs::write(dir.path().join(".b.txt.incoming"), "x").unwrap();
        fs::write(dir.path().join("notes.md"), "x").unwrap();
        fs::write(l.metadata_dir().join("a.json"), "{}").unwrap();
        fs::write(l.metadata_dir().join("b.json"), "{}").unwrap();
        let listing = l.list().unwrap();
        assert_eq!(listing.names, vec![n("a"), n("b")]);
        assert_eq!(listing.ignored, vec![dir.path().join("bad name.txt")]);
    }

    #[test]
    fn the_original_tools_file_names_are_listed_as_the_prompts_they_stand_for() {
        let dir = tempfile::tempdir().unwrap();
        let l = CacheLayout::new(dir.path());
        fs::create_dir_all(l.record_dir()).unwrap();
        // A text with its metadata named the original's way, and its backup.
        fs::write(dir.path().join("test_generator_v1.txt"), "x").unwrap();
        fs::write(l.metadata_dir().join("test_generator-v1.json"), "{}").unwrap();
        fs::write(dir.path().join("test_generator_v1.backup.txt"), "old").unwrap();
        // Metadata alone, named the original's way: its `prompt_name` says whose.
        fs::write(
            l.metadata_dir().join("router-v1.json"),
            r#"{"prompt_name": "router_v1"}"#,
        )
        .unwrap();
        // A name that really has `-v1` in it keeps it.
        fs::write(
            l.metadata_dir().join("plain-v1.json"),
            r#"{"prompt_name": "plain-v1"}"#,
        )
        .unwrap();
        // prompt-sync's own records are not prompts of their own.
        fs::write(l.record_dir().join("ghost.json"), "{}").unwrap();
        let listing = l.list().unwrap();
        assert_eq!(
            listing.names,
            vec![n("plain-v1"), n("router_v1"), n("test_generator_v1")]
        );
        assert!(listing.ignored.is_empty(), "{:?}", listing.ignored);
        assert_eq!(
            listing.original_backups,
            vec![(
                n("test_generator_v1"),
                dir.path().join("test_generator_v1.backup.txt")
            )]
        );
        // The metadata is read from the original's file, or the legacy one alone.
        assert_eq!(
            l.existing_metadata_path(&n("test_generator_v1")),
            l.metadata_dir().join("test_generator-v1.json")
        );
        fs::write(l.metadata_dir().join("old_v1.json"), "{}").unwrap();
        assert_eq!(
            l.existing_metadata_path(&n("old_v1")),
            l.metadata_dir().join("old_v1.json")
        );
    }

    #[test]
    fn a_cache_path_that_is_a_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache");
        fs::write(&file, "x").unwrap();
        let err = CacheLayout::new(&file).list().unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(&*file.to_string_lossy()), "{msg}");
        assert!(msg.contains("is a file, not a directory"), "{msg}");
        assert!(msg.contains("`cache_dir`"), "{msg}");
        // The metadata directory a file.
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("metadata"), "x").unwrap();
        let err = CacheLayout::new(dir.path()).list().unwrap_err();
        assert!(err.to_string().contains("metadata"), "{err}");
    }
}
