//! Reading a prompt for the macro: through the build script's verification index when
//! it vouches for the files (see `prompt_sync_core::index`), else by verifying them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use prompt_sync_core::PromptName;
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::index::{INDEX_FILE, Index, Stamps};
use prompt_sync_core::model::{PromptKind, PromptModel};
use prompt_sync_core::plan::PlanRecord;
use prompt_sync_core::render::PlanInput;
use prompt_sync_core::store::Store;
use prompt_sync_core::verify::{Problem, verify};

/// A verified prompt: what the expansion embeds, and the files it was read from.
pub(crate) struct Found {
    /// Its name.
    pub(crate) name: PromptName,
    /// The exact cached text.
    pub(crate) text: String,
    /// SHA-256 of `text`.
    pub(crate) sha256: String,
    /// The hub commit the text came from.
    pub(crate) hub_commit: Option<String>,
    /// A marked local edit.
    pub(crate) locally_modified: bool,
    /// Text or chat.
    pub(crate) kind: PromptKind,
    /// The templates, their format and the manifest's variables.
    pub(crate) model: PromptModel,
    /// What the manifest adds to the templates.
    plan: PlanRecord,
    /// The text file.
    pub(crate) text_path: PathBuf,
    /// The metadata file.
    pub(crate) metadata_path: PathBuf,
    /// The cache directory.
    pub(crate) cache_root: PathBuf,
    /// The `Cargo.toml` files the cache directory's config was read from.
    pub(crate) config_files: Vec<PathBuf>,
    /// The package depends on prompt-sync under that name.
    pub(crate) runtime_by_name: bool,
}

impl Found {
    /// The plan input of the prompt (`None` only for a record that does not fit the
    /// templates, which the index path rules out before using it).
    pub(crate) fn plan_input(&self) -> Option<PlanInput<'_>> {
        self.plan.input(&self.model)
    }
}

/// Reads and verifies `name` in `store` (whose shared lock the caller holds).
pub(crate) fn find(store: &Store, name: &PromptName, package_dir: &Path) -> Result<Found, String> {
    let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
    if let Some(found) = out_dir.and_then(|d| from_index(store, name, &d)) {
        return Ok(found);
    }
    let v = verify(store, name).map_err(|f| {
        let mut message = f.message(Some(package_dir));
        if let Problem::Missing {
            text_exists: false,
            metadata_exists: false,
        } = f.problem
        {
            message.push_str(&did_you_mean(store, name));
        }
        message
    })?;
    let model = v.model();
    let plan = PlanRecord::new(&model, v.metadata.manifest.as_ref());
    Ok(Found {
        kind: v.metadata.prompt_kind(),
        hub_commit: v.metadata.hub_commit_hash,
        locally_modified: v.metadata.locally_modified,
        name: v.name,
        text: v.text,
        sha256: v.sha256,
        model,
        plan,
        text_path: v.text_path,
        metadata_path: v.metadata_path,
        cache_root: store.layout().root().to_owned(),
        config_files: Vec::new(),
        runtime_by_name: false,
    })
}

/// For a prompt the cache lacks (a misspelt name?): the cached prompts closest to
/// it, as a line to add to the message, or nothing when none is close.
fn did_you_mean(store: &Store, name: &PromptName) -> String {
    let cached = store.layout().list().map(|l| l.names).unwrap_or_default();
    let close =
        prompt_sync_core::similar::closest(name.as_str(), cached.iter().map(PromptName::as_str));
    if close.is_empty() {
        return String::new();
    }
    let names: Vec<String> = close.iter().map(|c| format!("`{c}`")).collect();
    format!(
        "\n  did you mean {}? (the closest names in the cache)",
        names.join(" or ")
    )
}

/// The prompt as the index in `out_dir` records it, when its files have the recorded
/// stamps and the text read now has the recorded SHA-256; `None` means "verify it".
fn from_index(store: &Store, name: &PromptName, out_dir: &Path) -> Option<Found> {
    let layout = store.layout();
    let (text_path, metadata_path) = (layout.text_path(name), layout.existing_metadata_path(name));
    let stamps = Stamps::of(layout, name)?;
    let entry = with_index(out_dir, layout.root(), |index| {
        index.get(name.as_str(), &stamps).cloned()
    })?;
    let text = std::fs::read_to_string(&text_path).ok()?;
    let sha256 = sha256_hex(text.as_bytes());
    if sha256 != entry.sha256 || Stamps::of(layout, name)? != stamps {
        return None;
    }
    let kind = entry.kind()?;
    let model = PromptModel {
        body: PromptModel::body_from_cache_text(kind, &text).ok()?,
        template_format: entry.format()?,
        input_variables: entry.input_variables,
    };
    let found = Found {
        name: name.clone(),
        text,
        sha256,
        hub_commit: entry.hub_commit,
        locally_modified: entry.locally_modified,
        kind,
        model,
        plan: entry.plan,
        text_path,
        metadata_path,
        cache_root: layout.root().to_owned(),
        config_files: Vec::new(),
        runtime_by_name: false,
    };
    found.plan_input().is_some().then_some(found)
}

/// Runs `f` on the build script's index (in `out_dir`) of the cache at `root`: loaded
/// once per compilation (the proc-macro library stays loaded while rustc expands a
/// crate).
fn with_index<T>(out_dir: &Path, root: &Path, f: impl FnOnce(&Index) -> T) -> T {
    type Loaded = Vec<(PathBuf, PathBuf, Index)>;
    static LOADED: Mutex<Loaded> = Mutex::new(Vec::new());
    let path = out_dir.join(INDEX_FILE);
    let mut loaded = LOADED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let i = match loaded.iter().position(|(p, r, _)| *p == path && r == root) {
        Some(i) => i,
        None => {
            let index = Index::load(&path, root);
            loaded.push((path, root.to_owned(), index));
            loaded.len() - 1
        }
    };
    f(&loaded[i].2)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use prompt_sync_core::index::Entry;
    use prompt_sync_core::layout::CacheLayout;
    use prompt_sync_core::metadata::Metadata;

    use super::*;

    fn n(s: &str) -> PromptName {
        PromptName::new(s).unwrap()
    }

    /// A cache with the chat prompt `p`, its files dated a minute back, and an index
    /// of it in `out` whose entry `edit` may alter.
    fn setup(out: &str, edit: impl FnOnce(&mut Entry)) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(CacheLayout::new(dir.path().join("c")));
        let text = "=== system ===\nYou are {who}.\n=== placeholder: history ===\n";
        let lock = store.lock_exclusive(|_| {}).unwrap();
        let h = sha256_hex(text.as_bytes());
        let mut m = Metadata::new(&n("p"), &h);
        m.hub_content_hash = Some(h);
        m.kind = Some("chat".into());
        m.hub_commit_hash = Some("c1".into());
        store.write(&lock, &n("p"), text, &m).unwrap();
        let then = SystemTime::now() - Duration::from_secs(60);
        let (t, md) = (
            store.layout().text_path(&n("p")),
            store.layout().metadata_path(&n("p")),
        );
        let record = store.layout().record_path(&n("p"));
        for p in [&t, &md, &record] {
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(then).unwrap();
        }
        let v = verify(&store, &n("p")).unwrap();
        let mut entry = Entry::new(&v, Stamps::of(store.layout(), &n("p")).unwrap());
        edit(&mut entry);
        let mut index = Index::new(store.layout().root());
        index.insert("p", entry);
        std::fs::create_dir_all(dir.path().join(out)).unwrap();
        index.save(&dir.path().join(out).join(INDEX_FILE)).unwrap();
        (dir, store)
    }

    #[test]
    fn a_matching_entry_stands_in_for_the_metadata() {
        let (dir, store) = setup("out", |_| {});
        let found = from_index(&store, &n("p"), &dir.path().join("out")).expect("hit");
        let full = find(&store, &n("p"), dir.path()).unwrap();
        assert_eq!(found.text, full.text);
        assert_eq!(found.sha256, full.sha256);
        assert_eq!(found.hub_commit.as_deref(), Some("c1"));
        assert_eq!(found.kind, PromptKind::Chat);
        assert_eq!(found.model, full.model);
        assert_eq!(found.plan_input(), full.plan_input());
    }

    #[test]
    fn an_entry_that_does_not_match_the_text_is_not_used() {
        // Same stamps, another hash: the text is not what was verified.
        let (dir, store) = setup("out", |e| e.sha256 = sha256_hex(b"other"));
        assert!(from_index(&store, &n("p"), &dir.path().join("out")).is_none());
        // A record that does not fit the messages.
        let (dir, store) = setup("out", |e| e.plan.parts.pop().map(drop).unwrap_or(()));
        assert!(from_index(&store, &n("p"), &dir.path().join("out")).is_none());
        // No index at all.
        assert!(from_index(&store, &n("p"), &dir.path().join("elsewhere")).is_none());
    }
}
