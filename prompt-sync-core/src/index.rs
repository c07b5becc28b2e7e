//! The verification index: what a build script verified, so that neither its next
//! run nor the `prompt!` macro has to do it again while the files are unchanged.
//!
//! Verifying a prompt means reading its metadata (JSON with the whole hub manifest)
//! and hashing its text. A build script and proc macros run unoptimized in a debug
//! build, and cargo reruns `prompt-sync-build` whenever a scanned source file changes,
//! so verifying hundreds of prompts on every edit-compile cycle adds up. The build
//! script keeps, in its `OUT_DIR`, each verified prompt's result keyed by the stamps
//! of both files (size, modification and change times, inode), as git's index and
//! cargo's fingerprints do:
//!
//! - the build script reuses an entry whose stamps still match, and verifies the rest;
//! - the macro reuses an entry whose stamps match *and* whose SHA-256 matches the text
//!   it reads and embeds (hashing is cheap; the metadata parse is what it skips).
//!
//! Files modified within the last [`RACY`] are never recorded (a second write within
//! the clock's resolution could keep the stamp), and the index is only a cache: a file
//! that is missing, corrupt, from another version or for another cache directory is
//! ignored, and everything is verified again.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::fsio;
use crate::hash::sha256_hex;
use crate::layout::CacheLayout;
use crate::model::{PromptKind, TemplateFormat};
use crate::name::PromptName;
use crate::plan::PlanRecord;
use crate::verify::Verified;

/// The index's file name in the build script's `OUT_DIR`.
pub const INDEX_FILE: &str = "prompt-sync-verified.json";

/// What a recorded file must be older than (see the module doc).
pub const RACY: Duration = Duration::from_secs(2);

/// This format, and the version of prompt-sync that wrote it (another version's
/// index is ignored).
const FORMAT: &str = concat!("prompt-sync verified index 2, ", env!("CARGO_PKG_VERSION"));

/// What identifies one version of a file without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    len: u64,
    /// Modification time, nanoseconds since the epoch.
    mtime: i128,
    /// Inode change time, nanoseconds since the epoch (0 where unknown).
    ctime: i128,
    /// Inode and device (0 where unknown).
    ino: u64,
    dev: u64,
}

impl FileStamp {
    /// The stamp of the file at `path` (following symlinks, as reads do).
    pub fn of(path: &Path) -> std::io::Result<FileStamp> {
        let m = std::fs::metadata(path)?;
        Ok(stamp(&m))
    }

    /// True when the file was modified so recently that another write within the
    /// clock's resolution could keep this stamp, or its time is in the future. (The
    /// change time moves with every write too, so a later write is told by both; only
    /// the modification time matters here.)
    fn is_racy(&self, now: SystemTime) -> bool {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        self.mtime > now - RACY.as_nanos() as i128
    }
}

#[cfg(unix)]
fn stamp(m: &std::fs::Metadata) -> FileStamp {
    use std::os::unix::fs::MetadataExt;
    let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
    FileStamp {
        len: m.size(),
        mtime: ns(m.mtime(), m.mtime_nsec()),
        ctime: ns(m.ctime(), m.ctime_nsec()),
        ino: m.ino(),
        dev: m.dev(),
    }
}

#[cfg(not(unix))]
fn stamp(m: &std::fs::Metadata) -> FileStamp {
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    FileStamp {
        len: m.len(),
        mtime,
        ctime: 0,
        ino: 0,
        dev: 0,
    }
}

/// The stamps of a prompt's text, metadata and record files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamps {
    /// The text file's.
    pub text: FileStamp,
    /// The metadata file's.
    pub metadata: FileStamp,
    /// The record file's (`metadata/prompt-sync/<name>.json`), `None` when absent.
    pub record: Option<FileStamp>,
}

impl Stamps {
    /// The stamps of a prompt's files in `layout`; `None` when the text or the
    /// metadata cannot be read.
    pub fn of(layout: &CacheLayout, name: &PromptName) -> Option<Stamps> {
        Some(Stamps {
            text: FileStamp::of(&layout.text_path(name)).ok()?,
            metadata: FileStamp::of(&layout.existing_metadata_path(name)).ok()?,
            record: FileStamp::of(&layout.record_path(name)).ok(),
        })
    }

    /// True when a file was modified too recently to be recorded (see [`RACY`]).
    pub fn too_recent(&self) -> bool {
        let now = SystemTime::now();
        self.text.is_racy(now)
            || self.metadata.is_racy(now)
            || self.record.is_some_and(|r| r.is_racy(now))
    }
}

/// What was verified about one prompt, and what the macro embeds besides its text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The files as they were verified.
    pub stamps: Stamps,
    /// SHA-256 of the text.
    pub sha256: String,
    /// A marked local edit.
    pub locally_modified: bool,
    /// The hub commit the text came from.
    pub hub_commit: Option<String>,
    /// `text` or `chat`.
    pub kind: String,
    /// `f-string`, `mustache` or `jinja2`.
    pub template_format: String,
    /// The manifest's input variables.
    pub input_variables: Vec<String>,
    /// What the manifest adds to the templates.
    pub plan: PlanRecord,
    /// [`embedded_digest`] of the prompt: of every field above but the stamps.
    pub digest: String,
}

impl Entry {
    /// The entry of a prompt just verified, whose files had `stamps` before (and after)
    /// it was read.
    pub fn new(verified: &Verified, stamps: Stamps) -> Entry {
        let meta = &verified.metadata;
        let model = verified.model();
        let mut entry = Entry {
            stamps,
            sha256: verified.sha256.clone(),
            locally_modified: meta.locally_modified,
            hub_commit: meta.hub_commit_hash.clone(),
            kind: meta.prompt_kind().as_str().to_owned(),
            template_format: meta.format().as_str().to_owned(),
            input_variables: model.input_variables.clone(),
            plan: PlanRecord::new(&model, meta.manifest.as_ref()),
            digest: String::new(),
        };
        entry.digest = entry.embedded_digest();
        entry
    }

    /// SHA-256 (lowercase hex) of what the `prompt!` expansion embeds: the text's
    /// SHA-256, the flags, the commit, the kind, the format, the variables and the
    /// render plan. Equal digests mean equal expansions.
    fn embedded_digest(&self) -> String {
        let fields = (
            &self.sha256,
            self.locally_modified,
            &self.hub_commit,
            &self.kind,
            &self.template_format,
            &self.input_variables,
            &self.plan,
        );
        // Plain data with string keys always serializes.
        sha256_hex(&serde_json::to_vec(&fields).unwrap_or_default())
    }

    /// The prompt's kind.
    pub fn kind(&self) -> Option<PromptKind> {
        PromptKind::parse(&self.kind)
    }

    /// The template format.
    pub fn format(&self) -> Option<TemplateFormat> {
        TemplateFormat::parse(&self.template_format)
    }
}

/// [`Entry::digest`] of a prompt just verified: what `prompt!` embeds for it.
pub fn embedded_digest(verified: &Verified) -> String {
    // Built as an entry, so both always hash the same fields the same way.
    let zero = FileStamp {
        len: 0,
        mtime: 0,
        ctime: 0,
        ino: 0,
        dev: 0,
    };
    let stamps = Stamps {
        text: zero,
        metadata: zero,
        record: None,
    };
    Entry::new(verified, stamps).digest
}

/// The digest of a set of verified prompts, given each one's name and
/// [`Entry::digest`]: SHA-256 (lowercase hex) of the `name=digest` lines in name order.
/// It changes whenever what `prompt!` would embed for any of them changes.
pub fn set_digest<'a>(prompts: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut lines: Vec<(&str, &str)> = prompts.into_iter().collect();
    lines.sort_unstable();
    let mut text = String::with_capacity(lines.len() * 100);
    for (name, digest) in lines {
        text.push_str(name);
        text.push('=');
        text.push_str(digest);
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

/// The index of one cache directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Index {
    format: String,
    cache_dir: String,
    prompts: BTreeMap<String, Entry>,
    #[serde(skip)]
    changed: bool,
}

/// Indexes are equal when they record the same prompts for the same cache.
impl PartialEq for Index {
    fn eq(&self, other: &Self) -> bool {
        self.format == other.format
            && self.cache_dir == other.cache_dir
            && self.prompts == other.prompts
    }
}

impl Index {
    /// An empty index of the cache at `cache_dir`.
    pub fn new(cache_dir: &Path) -> Index {
        Index {
            format: FORMAT.to_owned(),
            cache_dir: cache_dir.to_string_lossy().into_owned(),
            prompts: BTreeMap::new(),
            changed: false,
        }
    }

    /// The index at `path` if it is this version's, for `cache_dir`; else an empty one.
    pub fn load(path: &Path, cache_dir: &Path) -> Index {
        let fresh = Index::new(cache_dir);
        match std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Index>(&bytes).ok())
        {
            Some(index) if index.format == fresh.format && index.cache_dir == fresh.cache_dir => {
                index
            }
            _ => fresh,
        }
    }

    /// The entry of `name` if its files still have `stamps`.
    pub fn get(&self, name: &str, stamps: &Stamps) -> Option<&Entry> {
        self.prompts.get(name).filter(|e| e.stamps == *stamps)
    }

    /// Records `entry` for `name`, unless its files changed too recently to be
    /// trusted later (see [`RACY`]); then any older entry is dropped.
    pub fn insert(&mut self, name: &str, entry: Entry) {
        if entry.stamps.too_recent() {
            self.forget(name);
            return;
        }
        if self.prompts.get(name) != Some(&entry) {
            self.prompts.insert(name.to_owned(), entry);
            self.changed = true;
        }
    }

    /// Drops the entry of `name`, if any (its files changed too recently to record).
    pub fn forget(&mut self, name: &str) {
        self.changed |= self.prompts.remove(name).is_some();
    }

    /// Writes the index to `path` (atomically) if anything was recorded or dropped.
    pub fn save(&self, path: &Path) -> Result<()> {
        if !self.changed {
            return Ok(());
        }
        // Plain data with string keys always serializes.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        fsio::atomic_write(path, &bytes)
    }

    /// How many prompts are recorded.
    pub fn len(&self) -> usize {
        self.prompts.len()
    }

    /// True when no prompt is recorded.
    pub fn is_empty(&self) -> bool {
        self.prompts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::sha256_hex;
    use crate::store::Store;
    use crate::test_support::{n, store_with};
    use crate::verify::verify;

    /// A cache with prompt `p` holding `text`, its files dated a minute ago.
    fn cache(text: &str) -> (tempfile::TempDir, Store) {
        let (dir, store) = store_with(text, |m| m.hub_commit_hash = Some("c0ffee".into()));
        age(&store);
        (dir, store)
    }

    /// Dates both files of `p` a minute back.
    fn age(store: &Store) {
        let then = SystemTime::now() - Duration::from_secs(60);
        for path in [
            store.layout().text_path(&n("p")),
            store.layout().metadata_path(&n("p")),
            store.layout().record_path(&n("p")),
        ] {
            let f = std::fs::File::options().write(true).open(path).unwrap();
            f.set_modified(then).unwrap();
        }
    }

    fn stamps(store: &Store) -> Stamps {
        let l = store.layout();
        Stamps::of(l, &n("p")).unwrap()
    }

    fn recorded(store: &Store) -> Index {
        let v = verify(store, &n("p")).unwrap();
        let mut index = Index::new(store.layout().root());
        index.insert("p", Entry::new(&v, stamps(store)));
        index
    }

    #[test]
    fn the_set_digest_is_of_names_and_digests_in_any_order() {
        let ab = set_digest([("a", "1"), ("b", "2")]);
        assert_eq!(ab, set_digest([("b", "2"), ("a", "1")]));
        assert_eq!(ab, sha256_hex(b"a=1\nb=2\n"));
        assert_ne!(ab, set_digest([("a", "2"), ("b", "1")]));
        assert_ne!(ab, set_digest([("a", "1")]));
        let (_d, store) = cache("v1 text");
        let v = verify(&store, &n("p")).unwrap();
        assert_eq!(embedded_digest(&v), Entry::new(&v, stamps(&store)).digest);
    }

    #[test]
    fn an_entry_is_found_while_the_files_are_unchanged() {
        let (d, store) = cache("Hello {name}\n");
        let index = recorded(&store);
        let e = index.get("p", &stamps(&store)).expect("recorded");
        assert_eq!(e.sha256, sha256_hex(b"Hello {name}\n"));
        assert_eq!(e.hub_commit.as_deref(), Some("c0ffee"));
        assert_eq!(e.kind(), Some(PromptKind::Text));
        assert_eq!(e.format(), Some(TemplateFormat::FString));
        assert!(index.get("q", &stamps(&store)).is_none());

        // Saved and loaded back, for the same cache only.
        let path = d.path().join(INDEX_FILE);
        index.save(&path).unwrap();
        assert_eq!(Index::load(&path, store.layout().root()), index);
        assert!(Index::load(&path, &d.path().join("other")).is_empty());
    }

    #[test]
    fn any_change_to_either_file_misses() {
        let (_d, store) = cache("v1 text");
        let index = recorded(&store);
        let before = stamps(&store);
        // Same length, then dated back to the recorded time: the change time and the
        // inode still tell.
        std::fs::write(store.layout().text_path(&n("p")), "v2 text").unwrap();
        let f = std::fs::File::options()
            .write(true)
            .open(store.layout().text_path(&n("p")))
            .unwrap();
        f.set_modified(
            UNIX_EPOCH + Duration::from_nanos(u64::try_from(before.text.mtime).unwrap()),
        )
        .unwrap();
        assert_eq!(stamps(&store).text.mtime, before.text.mtime);
        assert!(index.get("p", &stamps(&store)).is_none());

        // The metadata rewritten (as mark-edited does): a miss too.
        let (_d, store) = cache("v1 text");
        let index = recorded(&store);
        let lock = store.lock_exclusive(|_| {}).unwrap();
        store.mark_edited(&lock, &n("p")).unwrap();
        age(&store);
        assert!(index.get("p", &stamps(&store)).is_none());
    }

    #[test]
    fn files_changed_just_now_are_not_recorded() {
        let (_d, store) = cache("text");
        let mut index = recorded(&store);
        assert_eq!(index.len(), 1);
        std::fs::write(store.layout().text_path(&n("p")), "text").unwrap();
        let v = verify(&store, &n("p")).unwrap();
        index.insert("p", Entry::new(&v, stamps(&store)));
        // Racy: the entry is dropped rather than trusted later.
        assert!(index.is_empty());
        assert!(index.get("p", &stamps(&store)).is_none());
    }

    #[test]
    fn a_bad_or_foreign_index_file_is_ignored() {
        let (d, store) = cache("text");
        let path = d.path().join(INDEX_FILE);
        for bytes in [
            &b""[..],
            b"{not json",
            b"{\"format\":\"prompt-sync verified index 0, 0.0.1\",\"cache_dir\":\"\",\"prompts\":{}}",
        ] {
            std::fs::write(&path, bytes).unwrap();
            assert!(Index::load(&path, store.layout().root()).is_empty());
        }
        assert!(Index::load(&d.path().join("missing"), store.layout().root()).is_empty());
        // Nothing recorded: nothing written.
        let empty = Index::load(&d.path().join("missing"), store.layout().root());
        empty.save(&d.path().join("never")).unwrap();
        assert!(!d.path().join("never").exists());
    }
}
