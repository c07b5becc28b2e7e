//! Reading and writing cached prompts, with the crash-safe write protocol.
//!
//! Text and metadata are two files and no single rename covers both, so a write goes:
//!
//! 1. the new text to `<cache>/.<name>.txt.incoming` (flushed);
//! 2. the new metadata, carrying `pending_write` (the incoming hash and the previous
//!    metadata), atomically into place;
//! 3. the incoming text renamed over `<name>.txt`;
//! 4. the metadata again, without `pending_write`.
//!
//! A process killed anywhere in between leaves a state [`Store::repair`] recognises and
//! finishes (the incoming text is complete) or rolls back (it is not): every prompt ends
//! either old or new, never mixed. The old text is backed up before it is replaced, and
//! backups are never overwritten. All writes need the exclusive [`CacheLock`].

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::fsio;
use crate::hash::{sha256_hex, short};
use crate::layout::CacheLayout;
use crate::lock::CacheLock;
use crate::metadata::{Metadata, PendingWrite, pretty};
use crate::name::PromptName;
use crate::timestamp;

/// The largest prompt text the store reads (16 MiB, like metadata, which holds the
/// prompt again in its manifest; the hub client accepts 10 MiB answers). A larger file
/// is an error naming it, so a stray huge file never ends up embedded in a binary.
pub const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;

/// The cache of one package.
#[derive(Clone, Debug)]
pub struct Store {
    layout: CacheLayout,
}

/// What [`Store::write`] changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// The text file was replaced or created.
    pub text_written: bool,
    /// The metadata file was replaced or created.
    pub metadata_written: bool,
    /// Where the previous text was backed up, if it was replaced.
    pub backup: Option<PathBuf>,
}

impl Store {
    /// The store of a cache directory.
    pub fn new(layout: CacheLayout) -> Self {
        Store { layout }
    }

    /// Its layout.
    pub fn layout(&self) -> &CacheLayout {
        &self.layout
    }

    /// Takes the exclusive lock for writing (see [`CacheLock::exclusive`]).
    pub fn lock_exclusive(&self, on_wait: impl FnOnce(&Path)) -> Result<CacheLock> {
        CacheLock::exclusive(
            &self.layout.lock_path(),
            crate::lock::DEFAULT_TIMEOUT,
            on_wait,
        )
    }

    /// Takes the shared lock for reading, if a writer ever created the lock file.
    pub fn lock_shared(&self, on_wait: impl FnOnce(&Path)) -> Result<Option<CacheLock>> {
        CacheLock::shared(
            &self.layout.lock_path(),
            crate::lock::DEFAULT_TIMEOUT,
            on_wait,
        )
    }

    /// The prompt's text, `None` if the file does not exist. A file over
    /// [`MAX_TEXT_BYTES`] is an error naming it (it is not read).
    pub fn read_text(&self, name: &PromptName) -> Result<Option<String>> {
        let path = self.layout.text_path(name);
        if let Ok(m) = fs::metadata(&path)
            && m.len() > MAX_TEXT_BYTES
        {
            return Err(Error::io(
                "use the prompt file",
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "it is {} bytes, over the {MAX_TEXT_BYTES} byte limit of a prompt; shorten it, or discard the edit with `prompt-sync restore {name}` or from git",
                        m.len()
                    ),
                ),
            ));
        }
        fsio::read_optional(&path)?
            .map(|b| fsio::into_utf8(b, &path))
            .transpose()
    }

    /// The prompt's metadata (the original tool's file and prompt-sync's record, read
    /// as one), `None` if the metadata file does not exist.
    pub fn read_metadata(&self, name: &PromptName) -> Result<Option<Metadata>> {
        let path = self.layout.existing_metadata_path(name);
        let Some(main) = read_limited(&path)? else {
            return Ok(None);
        };
        let record_path = self.layout.record_path(name);
        let record = read_limited(&record_path)?;
        Metadata::from_files(
            &main,
            &path,
            record.as_deref().map(|r| (r, record_path.as_path())),
            name,
        )
        .map(Some)
    }

    /// Writes a prompt's text and metadata with the crash-safe protocol (module doc).
    /// `metadata.pending_write` is ignored. Unchanged files are not touched; a replaced
    /// text is backed up first.
    pub fn write(
        &self,
        lock: &CacheLock,
        name: &PromptName,
        text: &str,
        metadata: &Metadata,
    ) -> Result<WriteReport> {
        self.check_lock(lock)?;
        let meta_path = self.layout.metadata_path(name);
        let mut final_meta = metadata.clone();
        final_meta.pending_write = None;
        // Metadata that would not read back (e.g. a hub's commit hash that is a path)
        // would turn a good prompt into a "corrupt" one: refuse it, write nothing.
        check_writable(&final_meta, name, &meta_path)?;
        self.repair_prompt(lock, name)?;
        let text_path = self.layout.text_path(name);

        let current = fsio::read_optional(&text_path)?;
        if current.as_deref() == Some(text.as_bytes()) {
            let metadata_written = self.put_metadata(name, &final_meta)?;
            return Ok(WriteReport {
                metadata_written,
                ..WriteReport::default()
            });
        }
        let backup = match &current {
            Some(old) => Some(self.backup(name, old)?),
            None => None,
        };
        let mut pending_write = PendingWrite {
            incoming_hash: sha256_hex(text.as_bytes()),
            previous: None,
            previous_raw: None,
            previous_absent: false,
        };
        // The previous metadata as read (both files as one), so a rollback restores
        // the record too; bytes that do not read as metadata are kept as they are.
        let previous_path = self.layout.existing_metadata_path(name);
        match fsio::read_optional(&previous_path)? {
            None => pending_write.previous_absent = true,
            Some(b) => match self.read_metadata(name).ok().flatten() {
                Some(m) => pending_write.previous = serde_json::to_value(m).ok().map(Box::new),
                None => match serde_json::from_slice::<Value>(&b) {
                    Ok(v) => pending_write.previous = Some(Box::new(v)),
                    Err(_) => {
                        pending_write.previous_raw = Some(String::from_utf8_lossy(&b).into_owned())
                    }
                },
            },
        }

        fsio::create_dir_all(self.layout.root())?;
        let incoming = self.layout.incoming_path(name);
        let _ = fs::remove_file(&incoming);
        fsio::crash_point("write: old text backed up");
        fsio::write_synced(&incoming, text.as_bytes())?;
        fsio::sync_dir(&incoming);
        fsio::crash_point("write: step 1 done, incoming text written");
        let mut pending = final_meta.clone();
        pending.pending_write = Some(pending_write);
        fsio::atomic_write(&meta_path, &pending.to_json_bytes())?;
        fsio::crash_point("write: step 2 done, metadata marked pending");
        fsio::rename_synced(&incoming, &text_path)?;
        fsio::crash_point("write: step 3 done, text renamed");
        self.put_metadata(name, &final_meta)?;
        fsio::crash_point("write: step 4 done, lock still held");
        Ok(WriteReport {
            text_written: true,
            metadata_written: true,
            backup,
        })
    }

    /// Writes only the metadata (e.g. `mark-edited`), leaving the text alone. An
    /// interrupted write of this prompt is repaired first.
    pub fn write_metadata(
        &self,
        lock: &CacheLock,
        name: &PromptName,
        metadata: &Metadata,
    ) -> Result<bool> {
        self.check_lock(lock)?;
        check_writable(metadata, name, &self.layout.metadata_path(name))?;
        self.repair_prompt(lock, name)?;
        self.put_metadata(name, metadata)
    }

    /// Writes finished metadata as the two files (see [`crate::metadata`]): the record
    /// first, then the original tool's file, whose `pending_write` marker (if a write
    /// was in progress) goes last. A legacy file of the same prompt is removed, and so
    /// is a record with nothing left to say. Returns whether anything changed.
    fn put_metadata(&self, name: &PromptName, metadata: &Metadata) -> Result<bool> {
        let mut m = metadata.clone();
        m.pending_write = None;
        let record_path = self.layout.record_path(name);
        let mut changed = match m.to_record_json_bytes() {
            Some(bytes) => {
                fsio::create_dir_all(&self.layout.record_dir())?;
                fsio::write_if_changed(&record_path, &bytes)?
            }
            None => remove_if_exists(&record_path)?,
        };
        changed |= fsio::write_if_changed(
            &self.layout.metadata_path(name),
            &m.to_original_json_bytes(),
        )?;
        if let Some(legacy) = self.layout.legacy_metadata_path(name) {
            changed |= remove_if_exists(&legacy)?;
        }
        Ok(changed)
    }

    /// Refuses writes under a shared lock or a lock on another cache.
    fn check_lock(&self, lock: &CacheLock) -> Result<()> {
        if lock.is_exclusive() && lock.path() == self.layout.lock_path() {
            Ok(())
        } else {
            Err(Error::LockNotHeld {
                path: self.layout.lock_path(),
            })
        }
    }

    /// Copies `text` to `backups/<name>/<UTC>-<sha8>.txt`. An existing backup is never
    /// overwritten: identical content is reused, anything else gets a new suffix.
    pub fn backup(&self, name: &PromptName, text: &[u8]) -> Result<PathBuf> {
        let dir = self.layout.backups_dir(name);
        fsio::create_dir_all(&dir)?;
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let stem = format!(
            "{}-{}",
            timestamp::compact_utc(secs),
            short(&sha256_hex(text))
        );
        for n in 0u32.. {
            let file = if n == 0 {
                format!("{stem}.txt")
            } else {
                format!("{stem}-{n}.txt")
            };
            let path = dir.join(file);
            match fsio::read_optional(&path)? {
                Some(existing) if existing == text => return Ok(path),
                Some(_) => continue,
                None => {
                    let tmp = fsio::temp_path_for(&path);
                    fsio::write_synced(&tmp, text)?;
                    // hard_link fails if the name exists: a backup is never overwritten.
                    let linked = fs::hard_link(&tmp, &path);
                    fsio::crash_point("backup: linked, temporary file not removed");
                    let _ = fs::remove_file(&tmp);
                    match linked {
                        Ok(()) => {
                            fsio::sync_dir(&path);
                            return Ok(path);
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                        // No hard links here: create the final name exclusively instead.
                        Err(_) => match fsio::write_synced(&path, text) {
                            Ok(()) => {
                                fsio::sync_dir(&path);
                                return Ok(path);
                            }
                            Err(Error::Io { source, .. })
                                if source.kind() == std::io::ErrorKind::AlreadyExists =>
                            {
                                continue;
                            }
                            Err(e) => return Err(e),
                        },
                    }
                }
            }
        }
        unreachable!("u32 suffixes exhausted")
    }

    /// The backups of a prompt, oldest first: the original tool's (`<name>.backup.txt`,
    /// which it overwrote at each pull) if there is one, then prompt-sync's.
    pub fn list_backups(&self, name: &PromptName) -> Result<Vec<PathBuf>> {
        let original = self.layout.original_backup_path(name);
        let mut out: Vec<PathBuf> = original.is_file().then_some(original).into_iter().collect();
        let dir = self.layout.backups_dir(name);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::io("list backups", &dir, e)),
        };
        let first_own = out.len();
        for entry in entries {
            let path = entry
                .map_err(|e| Error::io("list backups", &dir, e))?
                .path();
            let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
            if file.ends_with(".txt") && !file.starts_with('.') {
                out.push(path);
            }
        }
        out[first_own..].sort();
        Ok(out)
    }

    /// Marks a prompt as edited locally, so the macro accepts its text and `push` may
    /// publish it. Returns the text file to edit.
    pub fn mark_edited(&self, lock: &CacheLock, name: &PromptName) -> Result<PathBuf> {
        self.check_lock(lock)?;
        self.repair_prompt(lock, name)?;
        let meta_path = self.layout.existing_metadata_path(name);
        let mut meta = self.read_metadata(name)?.ok_or_else(|| {
            Error::io(
                "read",
                &meta_path,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no metadata: run `prompt-sync sync` first",
                ),
            )
        })?;
        if !meta.locally_modified {
            meta.locally_modified = true;
            meta.local_edit_timestamp = Some(timestamp::now_utc());
            self.put_metadata(name, &meta)?;
        }
        Ok(self.layout.text_path(name))
    }

    /// Finishes or rolls back writes a killed process left, and removes stale
    /// temporary files. Returns one line per action taken.
    pub fn repair(&self, lock: &CacheLock) -> Result<Vec<String>> {
        self.check_lock(lock)?;
        let mut actions = Vec::new();
        for name in self.layout.list()?.names {
            actions.extend(self.repair_prompt(lock, &name)?);
        }
        actions.extend(self.remove_stale_temp_files()?);
        Ok(actions)
    }

    /// True when a killed process left something for [`Store::repair`]: a metadata
    /// file marked `pending_write`, or a temporary file (in the cache, its metadata
    /// directory or a backups directory: the same places repair cleans).
    pub fn needs_repair(&self) -> Result<bool> {
        if self.has_leftover_files() {
            return Ok(true);
        }
        for name in self.layout.list()?.names {
            if self.pending_metadata(&name).is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// True when a killed process left a temporary or incoming file (the cheap half
    /// of [`Store::needs_repair`]: directory listings only, no file is read).
    pub fn has_leftover_files(&self) -> bool {
        !self.leftover_files().is_empty()
    }

    /// The temporary and incoming files a killed process left, in every directory a
    /// write uses.
    fn leftover_files(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for dir in self.temp_file_dirs() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let file = entry.file_name();
                let file = file.to_string_lossy();
                if fsio::is_temp_name(&file) || is_incoming_name(&file) {
                    found.push(entry.path());
                }
            }
        }
        found
    }

    /// The metadata of `name` if it carries a `pending_write` marker. Unreadable or
    /// corrupt metadata counts as none (verification reports it). A file that cannot
    /// hold the key (nearly all: the text `pending_write` appears nowhere in it, and
    /// no `\u` escape could spell it) is not parsed: parsing every manifest on each
    /// build would cost more than the rest of the check.
    fn pending_metadata(&self, name: &PromptName) -> Option<Metadata> {
        let path = self.layout.existing_metadata_path(name);
        let bytes = fsio::read_optional(&path).ok().flatten()?;
        if bytes.len() as u64 > crate::metadata::MAX_METADATA_BYTES {
            return None;
        }
        let text = std::str::from_utf8(&bytes).ok()?;
        if !text.contains("pending_write") && !text.contains("\\u") {
            return None;
        }
        Metadata::from_slice(&bytes, &path, name)
            .ok()
            .filter(|m| m.pending_write.is_some())
    }

    /// Finishes or rolls back an interrupted write of one prompt. Returns what it did.
    fn repair_prompt(&self, lock: &CacheLock, name: &PromptName) -> Result<Option<String>> {
        let _ = lock;
        let meta_path = self.layout.existing_metadata_path(name);
        // Corrupt metadata is reported by verification, not guessed at.
        let Some(meta) = self.pending_metadata(name) else {
            return Ok(None);
        };
        let Some(pending) = meta.pending_write.clone() else {
            return Ok(None);
        };
        let text_path = self.layout.text_path(name);
        let incoming = self.layout.incoming_path(name);
        let text_hash = fsio::read_optional(&text_path)?.map(|b| sha256_hex(&b));
        let incoming_ok = fsio::read_optional(&incoming)?
            .is_some_and(|b| sha256_hex(&b) == pending.incoming_hash);
        let action = if text_hash.as_deref() == Some(pending.incoming_hash.as_str()) {
            self.put_metadata(name, &meta)?;
            format!("{name}: finished an interrupted sync (metadata)")
        } else if incoming_ok {
            // `write` backed up the text it replaced before step 1, but the file may
            // have been edited since the crash: back up what is there now (an
            // identical backup is reused, so this costs nothing in the usual case).
            if let Some(current) = fsio::read_optional(&text_path)? {
                self.backup(name, &current)?;
            }
            fsio::rename_synced(&incoming, &text_path)?;
            fsio::crash_point("repair: text renamed, metadata still pending");
            self.put_metadata(name, &meta)?;
            format!("{name}: finished an interrupted sync (text and metadata)")
        } else if let Some(prev) = pending.previous {
            match serde_json::from_value::<Metadata>(*prev.clone())
                .ok()
                .filter(|m| m.validate(name).is_ok())
            {
                Some(m) => {
                    self.put_metadata(name, &m)?;
                }
                None => fsio::atomic_write(&meta_path, &pretty(&prev))?,
            }
            format!("{name}: rolled back an interrupted sync")
        } else if let Some(raw) = pending.previous_raw {
            fsio::atomic_write(&meta_path, raw.as_bytes())?;
            format!("{name}: rolled back an interrupted sync (the old metadata was not valid JSON)")
        } else if pending.previous_absent || text_hash.is_none() {
            fs::remove_file(&meta_path).map_err(|e| Error::io("remove", &meta_path, e))?;
            remove_if_exists(&self.layout.record_path(name))?;
            format!("{name}: rolled back an interrupted sync (removed the new metadata)")
        } else {
            let mut m = meta.clone();
            m.pending_write = None;
            self.put_metadata(name, &m)?;
            format!("{name}: cleared an interrupted-sync marker")
        };
        let _ = fs::remove_file(&incoming);
        Ok(Some(action))
    }

    /// Where the write protocol puts temporary files: the cache, its metadata
    /// directory and each prompt's backups directory.
    fn temp_file_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![
            self.layout.root().to_owned(),
            self.layout.metadata_dir(),
            self.layout.record_dir(),
        ];
        if let Ok(entries) = fs::read_dir(self.layout.root().join(crate::layout::BACKUPS_DIR)) {
            dirs.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
        }
        dirs
    }

    fn remove_stale_temp_files(&self) -> Result<Vec<String>> {
        let mut actions = Vec::new();
        for p in self.leftover_files() {
            fs::remove_file(&p).map_err(|e| Error::io("remove stale temporary file", &p, e))?;
            actions.push(format!("removed stale temporary file {}", p.display()));
        }
        Ok(actions)
    }
}

/// Refuses metadata that [`Metadata::from_slice`] would reject once written.
fn check_writable(metadata: &Metadata, name: &PromptName, path: &Path) -> Result<()> {
    metadata.validate(name).map_err(|why| {
        Error::io(
            "write",
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("refusing to write metadata that would not read back: {why}"),
            ),
        )
    })
}

/// Reads a metadata or record file, `None` when it does not exist; one over
/// [`crate::metadata::MAX_METADATA_BYTES`] is corrupt (and not read).
fn read_limited(path: &Path) -> Result<Option<Vec<u8>>> {
    if let Ok(m) = fs::metadata(path)
        && m.len() > crate::metadata::MAX_METADATA_BYTES
    {
        return Err(Error::MetadataCorrupt {
            path: path.to_owned(),
            detail: format!(
                "it is {} bytes, over the {} byte limit",
                m.len(),
                crate::metadata::MAX_METADATA_BYTES
            ),
        });
    }
    fsio::read_optional(path)
}

/// Removes a file; `Ok(false)` when there was none.
fn remove_if_exists(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("remove", path, e)),
    }
}

fn is_incoming_name(file: &str) -> bool {
    file.starts_with('.') && file.ends_with(".txt.incoming")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, Store, CacheLock) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(CacheLayout::new(dir.path().join("cache")));
        let lock = store.lock_exclusive(|_| {}).unwrap();
        (dir, store, lock)
    }

    fn meta_for(name: &PromptName, text: &str) -> Metadata {
        let h = sha256_hex(text.as_bytes());
        let mut m = Metadata::new(name, &h);
        m.hub_content_hash = Some(h);
        m
    }

    fn n(s: &str) -> PromptName {
        PromptName::new(s).unwrap()
    }

    /// A write in progress keeps the previous metadata beside the new one: with a big
    /// prompt (the hub sends up to 10 MiB) that is two big manifests, and it must still
    /// read as an interrupted write, not as corrupt metadata.
    #[test]
    fn a_pending_write_of_a_big_prompt_reads_as_interrupted() {
        let (_d, store, lock) = setup();
        let big = "x".repeat(9 * 1024 * 1024);
        let mut m = meta_for(&n("p"), &big);
        m.manifest = Some(serde_json::json!({ "template": big }));
        store.write(&lock, &n("p"), &big, &m).unwrap();
        let mut pending = m.clone();
        pending.pending_write = Some(PendingWrite {
            incoming_hash: sha256_hex(b"new"),
            previous: Some(Box::new(serde_json::to_value(&m).unwrap())),
            previous_raw: None,
            previous_absent: false,
        });
        let path = store.layout().metadata_path(&n("p"));
        fs::write(&path, pending.to_json_bytes()).unwrap();
        assert!(fs::metadata(&path).unwrap().len() > 18 * 1024 * 1024);
        let read = store.read_metadata(&n("p")).unwrap().unwrap();
        assert!(read.pending_write.is_some());
        assert!(store.needs_repair().unwrap());
        // The repair rolls back to the previous metadata (the new text never arrived).
        assert!(!store.repair(&lock).unwrap().is_empty());
        assert_eq!(store.read_metadata(&n("p")).unwrap().unwrap(), m);
    }

    /// prompt-sync 0.1 kept all metadata of `x_v1` in `metadata/x_v1.json`: it still
    /// reads, and the next write moves it to the original tool's two-file form.
    #[test]
    fn a_legacy_metadata_file_reads_and_moves_to_the_original_name_on_write() {
        let (_d, store, lock) = setup();
        let p = n("router_v1");
        let layout = store.layout().clone();
        let mut m = meta_for(&p, "v1");
        m.hub_commit_hash = Some("c0ffee".into());
        fs::create_dir_all(layout.metadata_dir()).unwrap();
        fs::write(layout.text_path(&p), "v1").unwrap();
        let legacy = layout.legacy_metadata_path(&p).unwrap();
        fs::write(&legacy, m.to_json_bytes()).unwrap();
        assert_eq!(store.read_metadata(&p).unwrap().unwrap(), m);
        assert_eq!(layout.list().unwrap().names, vec![p.clone()]);
        m.locally_modified = true;
        assert!(store.write_metadata(&lock, &p, &m).unwrap());
        assert!(!legacy.exists());
        assert!(
            layout
                .metadata_path(&p)
                .ends_with("metadata/router-v1.json")
        );
        let main: Value =
            serde_json::from_slice(&fs::read(layout.metadata_path(&p)).unwrap()).unwrap();
        assert_eq!(main.as_object().unwrap().len(), 8, "{main}");
        assert_eq!(main["locally_modified"], true);
        assert!(layout.record_path(&p).is_file());
        assert_eq!(store.read_metadata(&p).unwrap().unwrap(), m);
    }

    /// A write killed after its record was written but before the original tool's
    /// file was: the pending marker in the original's file still rolls it forward.
    #[test]
    fn a_write_keeps_the_record_consistent_across_a_rollback() {
        let (_d, store, lock) = setup();
        let p = n("p");
        let mut m = meta_for(&p, "old");
        m.hub_commit_hash = Some("c1".into());
        store.write(&lock, &p, "old", &m).unwrap();
        let before = store.read_metadata(&p).unwrap().unwrap();
        // A pending write of "new" whose text never arrived.
        let mut pending = meta_for(&p, "new");
        pending.hub_commit_hash = Some("c2".into());
        pending.pending_write = Some(PendingWrite {
            incoming_hash: sha256_hex(b"new"),
            previous: Some(Box::new(serde_json::to_value(&before).unwrap())),
            ..PendingWrite::default()
        });
        fsio::atomic_write(&store.layout().metadata_path(&p), &pending.to_json_bytes()).unwrap();
        assert!(
            store
                .read_metadata(&p)
                .unwrap()
                .unwrap()
                .pending_write
                .is_some()
        );
        assert!(!store.repair(&lock).unwrap().is_empty());
        assert_eq!(store.read_metadata(&p).unwrap().unwrap(), before);
        assert_eq!(store.read_text(&p).unwrap().as_deref(), Some("old"));
    }

    #[test]
    fn write_then_read_and_backup_on_replace() {
        let (_d, store, lock) = setup();
        let p = n("p");
        let r = store.write(&lock, &p, "v1", &meta_for(&p, "v1")).unwrap();
        assert!(r.text_written && r.metadata_written && r.backup.is_none());
        assert_eq!(store.read_text(&p).unwrap().as_deref(), Some("v1"));
        // Same content: nothing written.
        let r = store.write(&lock, &p, "v1", &meta_for(&p, "v1")).unwrap();
        assert_eq!(r, WriteReport::default());
        let r = store.write(&lock, &p, "v2", &meta_for(&p, "v2")).unwrap();
        let backup = r.backup.unwrap();
        assert_eq!(fs::read_to_string(&backup).unwrap(), "v1");
        assert_eq!(store.list_backups(&p).unwrap(), vec![backup]);
        let m = store.read_metadata(&p).unwrap().unwrap();
        assert_eq!(m.local_content_hash, Some(sha256_hex(b"v2")));
        assert!(m.pending_write.is_none());
        assert!(store.repair(&lock).unwrap().is_empty());
    }

    #[test]
    fn metadata_that_would_not_read_back_is_never_written() {
        let (_d, store, lock) = setup();
        let p = n("p");
        store.write(&lock, &p, "v1", &meta_for(&p, "v1")).unwrap();
        let before = fs::read(store.layout().metadata_path(&p)).unwrap();
        let mut bad = meta_for(&p, "v2");
        bad.hub_commit_hash = Some("../../evil".to_owned());
        let err = store.write(&lock, &p, "v2", &bad).unwrap_err();
        assert!(err.to_string().contains("hub_commit_hash"), "{err}");
        assert!(store.write_metadata(&lock, &p, &bad).is_err());
        let mut other = meta_for(&p, "v1");
        other.prompt_name = "q".to_owned();
        assert!(store.write_metadata(&lock, &p, &other).is_err());
        assert_eq!(store.read_text(&p).unwrap().as_deref(), Some("v1"));
        assert_eq!(fs::read(store.layout().metadata_path(&p)).unwrap(), before);
        assert!(store.list_backups(&p).unwrap().is_empty());
    }

    #[test]
    fn backups_are_never_overwritten() {
        let (_d, store, _lock) = setup();
        let p = n("p");
        let a = store.backup(&p, b"one").unwrap();
        let again = store.backup(&p, b"one").unwrap();
        assert_eq!(a, again);
        // Force a name clash: same stem, different content.
        fs::write(&a, "someone else's").unwrap();
        let b = store.backup(&p, b"one").unwrap();
        assert_ne!(a, b);
        assert_eq!(fs::read_to_string(&a).unwrap(), "someone else's");
        assert_eq!(fs::read_to_string(&b).unwrap(), "one");
    }

    /// Simulates a kill after each step of the protocol and checks that repair lands
    /// on the old or the new consistent state.
    #[test]
    fn repair_after_a_kill_at_every_step() {
        for step in 1..=3 {
            let (_d, store, lock) = setup();
            let p = n("p");
            store.write(&lock, &p, "old", &meta_for(&p, "old")).unwrap();
            let layout = store.layout().clone();
            let old_meta = fs::read(layout.metadata_path(&p)).unwrap();
            // Step 1: incoming text written.
            fsio::write_synced(&layout.incoming_path(&p), b"new").unwrap();
            if step >= 2 {
                let mut m = meta_for(&p, "new");
                m.pending_write = Some(PendingWrite {
                    incoming_hash: sha256_hex(b"new"),
                    previous: Some(Box::new(serde_json::from_slice(&old_meta).unwrap())),
                    ..Default::default()
                });
                fsio::atomic_write(&layout.metadata_path(&p), &m.to_json_bytes()).unwrap();
            }
            if step >= 3 {
                fs::rename(layout.incoming_path(&p), layout.text_path(&p)).unwrap();
            }
            let actions = store.repair(&lock).unwrap();
            assert!(!actions.is_empty(), "step {step}");
            let text = store.read_text(&p).unwrap().unwrap();
            let m = store.read_metadata(&p).unwrap().unwrap();
            assert!(m.pending_write.is_none());
            assert_eq!(
                m.local_content_hash,
                Some(sha256_hex(text.as_bytes())),
                "step {step}"
            );
            let expected = if step == 1 { "old" } else { "new" };
            assert_eq!(text, expected, "step {step}");
            assert!(!layout.incoming_path(&p).exists());
        }
    }

    #[test]
    fn repair_rolls_back_when_the_incoming_text_is_incomplete() {
        let (_d, store, lock) = setup();
        let p = n("p");
        store.write(&lock, &p, "old", &meta_for(&p, "old")).unwrap();
        let layout = store.layout().clone();
        let old_meta: Value =
            serde_json::from_slice(&fs::read(layout.metadata_path(&p)).unwrap()).unwrap();
        fs::write(layout.incoming_path(&p), b"ne").unwrap(); // truncated
        let mut m = meta_for(&p, "new");
        m.pending_write = Some(PendingWrite {
            incoming_hash: sha256_hex(b"new"),
            previous: Some(Box::new(old_meta.clone())),
            ..Default::default()
        });
        fsio::atomic_write(&layout.metadata_path(&p), &m.to_json_bytes()).unwrap();
        fs::write(layout.root().join(".p.txt.tmp.999.0"), "junk").unwrap();
        store.repair(&lock).unwrap();
        assert_eq!(store.read_text(&p).unwrap().as_deref(), Some("old"));
        let now: Value =
            serde_json::from_slice(&fs::read(layout.metadata_path(&p)).unwrap()).unwrap();
        assert_eq!(now, old_meta);
        assert!(!layout.root().join(".p.txt.tmp.999.0").exists());
    }

    /// Simulates a write killed before the text was renamed, over `old_meta` bytes.
    fn interrupted_over(store: &Store, p: &PromptName, old_meta: Option<&[u8]>) {
        let layout = store.layout();
        fs::create_dir_all(layout.metadata_dir()).unwrap();
        fs::write(layout.incoming_path(p), b"ne").unwrap(); // incomplete
        let mut pw = PendingWrite {
            incoming_hash: sha256_hex(b"new"),
            ..Default::default()
        };
        match old_meta {
            None => pw.previous_absent = true,
            Some(b) => match serde_json::from_slice::<Value>(b) {
                Ok(v) => pw.previous = Some(Box::new(v)),
                Err(_) => pw.previous_raw = Some(String::from_utf8_lossy(b).into_owned()),
            },
        }
        let mut m = meta_for(p, "new");
        m.pending_write = Some(pw);
        fsio::atomic_write(&layout.metadata_path(p), &m.to_json_bytes()).unwrap();
    }

    #[test]
    fn rollback_restores_absent_and_corrupt_previous_metadata() {
        let (_d, store, lock) = setup();
        let p = n("p");
        // A text that had no metadata: rolling back removes the new metadata.
        fs::create_dir_all(store.layout().root()).unwrap();
        fs::write(store.layout().text_path(&p), "old").unwrap();
        interrupted_over(&store, &p, None);
        store.repair(&lock).unwrap();
        assert!(!store.layout().metadata_path(&p).exists());
        assert_eq!(store.read_text(&p).unwrap().as_deref(), Some("old"));
        // Corrupt metadata before: its exact bytes come back.
        interrupted_over(&store, &p, Some(b"{\"prompt_name\": tru"));
        store.repair(&lock).unwrap();
        assert_eq!(
            fs::read(store.layout().metadata_path(&p)).unwrap(),
            b"{\"prompt_name\": tru"
        );
    }

    #[test]
    fn mark_edited_repairs_an_interrupted_write_first() {
        let (_d, store, lock) = setup();
        let p = n("p");
        store.write(&lock, &p, "old", &meta_for(&p, "old")).unwrap();
        let old_meta = fs::read(store.layout().metadata_path(&p)).unwrap();
        interrupted_over(&store, &p, Some(&old_meta));
        store.mark_edited(&lock, &p).unwrap();
        let m = store.read_metadata(&p).unwrap().unwrap();
        assert!(m.pending_write.is_none());
        assert!(m.locally_modified);
        // Rolled back to the old metadata, which matches the old text.
        assert_eq!(m.local_content_hash, Some(sha256_hex(b"old")));
        assert_eq!(store.read_text(&p).unwrap().as_deref(), Some("old"));
    }

    #[test]
    fn writes_need_this_caches_exclusive_lock() {
        let (d, store, lock) = setup();
        let p = n("p");
        let other = Store::new(CacheLayout::new(d.path().join("other")));
        let other_lock = other.lock_exclusive(|_| {}).unwrap();
        let err = store
            .write(&other_lock, &p, "x", &meta_for(&p, "x"))
            .unwrap_err();
        assert!(matches!(err, Error::LockNotHeld { .. }), "{err:?}");
        drop(lock);
        let shared = store.lock_shared(|_| {}).unwrap().unwrap();
        let err = store
            .write_metadata(&shared, &p, &meta_for(&p, "x"))
            .unwrap_err();
        assert!(matches!(err, Error::LockNotHeld { .. }), "{err:?}");
        assert!(!store.layout().metadata_path(&p).exists());
    }

    #[test]
    fn needs_repair_sees_a_marker_however_its_key_is_spelled() {
        let (_d, store, lock) = setup();
        let p = n("p");
        store.write(&lock, &p, "v", &meta_for(&p, "v")).unwrap();
        let path = store.layout().metadata_path(&p);
        let mut m = meta_for(&p, "v2");
        m.pending_write = Some(PendingWrite {
            incoming_hash: sha256_hex(b"v2"),
            previous_absent: true,
            ..Default::default()
        });
        let plain = String::from_utf8(m.to_json_bytes()).unwrap();
        assert!(plain.contains("\"pending_write\""));
        // The same key written with a JSON escape still names the field.
        let escaped = plain.replace("\"pending_write\"", "\"pending\\u005fwrite\"");
        for text in [plain, escaped] {
            fs::write(&path, &text).unwrap();
            assert!(store.needs_repair().unwrap(), "{text}");
        }
        // A template that merely mentions the word is parsed, and is no marker.
        let mut m = meta_for(&p, "v");
        m.extra
            .insert("note".into(), Value::from("pending_write \\u"));
        fs::write(&path, m.to_json_bytes()).unwrap();
        assert!(!store.needs_repair().unwrap());
    }

    #[test]
    fn needs_repair_sees_markers_and_temp_files() {
        let (_d, store, lock) = setup();
        let p = n("p");
        store.write(&lock, &p, "v", &meta_for(&p, "v")).unwrap();
        assert!(!store.needs_repair().unwrap());
        fs::write(store.layout().root().join(".p.txt.tmp.1.2"), "x").unwrap();
        assert!(store.needs_repair().unwrap());
        store.repair(&lock).unwrap();
        assert!(!store.needs_repair().unwrap());
        // A backup killed before its temporary file was removed.
        let dir = store.layout().backups_dir(&p);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(".20260101T000000Z-abcdef12.txt.tmp.1.3"), "v").unwrap();
        assert!(store.needs_repair().unwrap());
        store.repair(&lock).unwrap();
        assert!(!store.needs_repair().unwrap());
    }

    #[test]
    fn mark_edited_sets_the_flag_once() {
        let (_d, store, lock) = setup();
        let p = n("p");
        store.write(&lock, &p, "v", &meta_for(&p, "v")).unwrap();
        let path = store.mark_edited(&lock, &p).unwrap();
        assert_eq!(path, store.layout().text_path(&p));
        let m = store.read_metadata(&p).unwrap().unwrap();
        assert!(m.locally_modified);
        assert!(m.local_edit_timestamp.is_some());
        let missing = store.mark_edited(&lock, &n("nope")).unwrap_err();
        assert!(missing.to_string().contains("nope.json"), "{missing}");
    }
}
