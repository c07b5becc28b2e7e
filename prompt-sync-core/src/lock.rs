//! The advisory lock on `<cache>/.prompt-sync.lock`, so cargo build scripts,
//! rust-analyzer, the macro and the CLI can run at once.
//!
//! Writers take it exclusively (creating the file); readers take it shared and never
//! create it: a reader (the macro) must not write to the source tree, and without the
//! file no writer has ever run there. The OS releases the lock when its holder dies,
//! so a killed process never leaves the cache locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::fsio;

/// How often a waiting process retries.
const POLL: Duration = Duration::from_millis(25);

/// The default time to wait for the lock.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// A held lock; released on drop.
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
    path: PathBuf,
    exclusive: bool,
}

impl CacheLock {
    /// Takes the lock exclusively, creating the cache directory and the lock file if
    /// needed. Calls `on_wait` once if another process holds it, then waits up to
    /// `timeout`.
    pub fn exclusive(
        lock_path: &Path,
        timeout: Duration,
        on_wait: impl FnOnce(&Path),
    ) -> Result<Self> {
        if let Some(dir) = lock_path.parent() {
            fsio::create_dir_all(dir)?;
        }
        let open = |new: bool| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(new)
                .create(!new)
                .truncate(false)
                .open(lock_path)
        };
        let (file, created) = match open(true) {
            Ok(f) => (Ok(f), true),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => (open(false), false),
            Err(e) => (Err(e), false),
        };
        let file = file.map_err(|e| Error::io("open the lock file", lock_path, e))?;
        acquire(&file, lock_path, timeout, on_wait, true)?;
        if created && let Some(dir) = lock_path.parent() {
            write_git_files(dir);
        }
        Ok(CacheLock {
            _file: file,
            path: lock_path.to_owned(),
            exclusive: true,
        })
    }

    /// Takes the lock shared, if the lock file exists (`None` when it does not, or
    /// cannot be opened for reading, e.g. a read-only checkout without it).
    pub fn shared(
        lock_path: &Path,
        timeout: Duration,
        on_wait: impl FnOnce(&Path),
    ) -> Result<Option<Self>> {
        let file = match File::open(lock_path) {
            Ok(f) => f,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::PermissionDenied) => {
                return Ok(None);
            }
            Err(e) => return Err(Error::io("open the lock file", lock_path, e)),
        };
        acquire(&file, lock_path, timeout, on_wait, false)?;
        Ok(Some(CacheLock {
            _file: file,
            path: lock_path.to_owned(),
            exclusive: false,
        }))
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True for a writer's lock.
    pub fn is_exclusive(&self) -> bool {
        self.exclusive
    }
}

/// The name of the ignore file a first writer leaves in the cache directory.
pub const GITIGNORE: &str = ".gitignore";

/// What that file ignores: the lock file, and the temporary files of a write in
/// progress (what a killed write leaves is finished or removed by the next writer).
pub const GITIGNORE_TEXT: &str = "\
# Written by prompt-sync: commit the prompts, metadata/ and backups/, not these.
.prompt-sync.lock
.*.tmp.*
.*.txt.incoming
";

/// The name of the attributes file a first writer leaves in the cache directory.
pub const GITATTRIBUTES: &str = ".gitattributes";

/// What that file says: no line-ending conversion (`core.autocrlf` would turn the
/// texts' LF into CRLF on checkout, and their SHA-256 would no longer match).
pub const GITATTRIBUTES_TEXT: &str = "\
# Written by prompt-sync: the prompts are checked by SHA-256, so git must not convert
# their line endings.
* -text
";

/// Writes `<dir>/.gitignore` and `<dir>/.gitattributes` ([`GITIGNORE_TEXT`],
/// [`GITATTRIBUTES_TEXT`]), each unless the directory has one: the first writer in a
/// cache directory does it, so the lock and temporary files stay out of commits and
/// git keeps the texts byte for byte, without a step in the setup. Best effort (a file
/// it could not write costs a `git status` line, or a clear CRLF error later), and
/// each written through a renamed temporary file, so it is never half written.
fn write_git_files(dir: &Path) {
    for (name, text) in [
        (GITIGNORE, GITIGNORE_TEXT),
        (GITATTRIBUTES, GITATTRIBUTES_TEXT),
    ] {
        let path = dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok() {
            continue;
        }
        let tmp = fsio::temp_path_for(&path);
        if std::fs::write(&tmp, text).is_err() || std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

fn acquire(
    file: &File,
    path: &Path,
    timeout: Duration,
    on_wait: impl FnOnce(&Path),
    exclusive: bool,
) -> Result<()> {
    let start = Instant::now();
    let mut on_wait = Some(on_wait);
    loop {
        let attempt = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match attempt {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => {
                if let Some(f) = on_wait.take() {
                    f(path);
                }
                if start.elapsed() >= timeout {
                    return Err(Error::LockTimeout {
                        path: path.to_owned(),
                        waited_secs: start.elapsed().as_secs(),
                    });
                }
                std::thread::sleep(POLL);
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn readers_share_writers_exclude() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cache/.prompt-sync.lock");
        // No file yet: a reader takes no lock and creates nothing.
        assert!(CacheLock::shared(&p, POLL, |_| {}).unwrap().is_none());
        assert!(!p.exists());
        let w = CacheLock::exclusive(&p, POLL, |_| {}).unwrap();
        assert!(w.is_exclusive());
        let waited = Cell::new(false);
        let err =
            CacheLock::shared(&p, Duration::from_millis(60), |_| waited.set(true)).unwrap_err();
        assert!(matches!(err, Error::LockTimeout { .. }), "{err:?}");
        assert!(waited.get());
        assert!(err.to_string().contains(".prompt-sync.lock"));
        drop(w);
        let r1 = CacheLock::shared(&p, POLL, |_| {}).unwrap().unwrap();
        let r2 = CacheLock::shared(&p, POLL, |_| {}).unwrap().unwrap();
        assert!(CacheLock::exclusive(&p, Duration::from_millis(60), |_| {}).is_err());
        drop((r1, r2));
        assert!(CacheLock::exclusive(&p, POLL, |_| {}).is_ok());
    }

    #[test]
    fn the_first_writer_leaves_git_ignore_and_attributes_files() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let p = cache.join(".prompt-sync.lock");
        let ignore = cache.join(GITIGNORE);
        // A reader creates nothing.
        assert!(CacheLock::shared(&p, POLL, |_| {}).unwrap().is_none());
        assert!(!ignore.exists());
        drop(CacheLock::exclusive(&p, POLL, |_| {}).unwrap());
        assert_eq!(std::fs::read_to_string(&ignore).unwrap(), GITIGNORE_TEXT);
        assert_eq!(
            std::fs::read_to_string(cache.join(GITATTRIBUTES)).unwrap(),
            GITATTRIBUTES_TEXT
        );
        let names: Vec<_> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}"); // no temporary file left
        for f in [".prompt-sync.lock", ".a.txt.tmp.12.0", ".a.txt.incoming"] {
            let ignored = GITIGNORE_TEXT
                .lines()
                .any(|pattern| glob_matches(pattern, f));
            assert!(ignored, "{f} is not ignored");
        }
        assert!(!GITIGNORE_TEXT.lines().any(|p| glob_matches(p, "a.txt")));
        // Later writers leave it alone: a user's edit stays, a deleted one stays gone.
        std::fs::write(&ignore, "mine\n").unwrap();
        drop(CacheLock::exclusive(&p, POLL, |_| {}).unwrap());
        assert_eq!(std::fs::read_to_string(&ignore).unwrap(), "mine\n");
        std::fs::remove_file(&ignore).unwrap();
        drop(CacheLock::exclusive(&p, POLL, |_| {}).unwrap());
        assert!(!ignore.exists());
        // A new lock file in a directory that has its own ignore file keeps it.
        std::fs::remove_file(&p).unwrap();
        std::fs::write(&ignore, "theirs\n").unwrap();
        drop(CacheLock::exclusive(&p, POLL, |_| {}).unwrap());
        assert_eq!(std::fs::read_to_string(&ignore).unwrap(), "theirs\n");
    }

    /// `pattern` (a gitignore line: `*` and literal characters, no slash) matches
    /// `name`; comments and blank lines match nothing.
    fn glob_matches(pattern: &str, name: &str) -> bool {
        fn go(p: &[u8], n: &[u8]) -> bool {
            match p.split_first() {
                None => n.is_empty(),
                Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
                Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
            }
        }
        !pattern.is_empty() && !pattern.starts_with('#') && go(pattern.as_bytes(), name.as_bytes())
    }

    #[test]
    fn a_waiting_writer_gets_the_lock_when_released() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".prompt-sync.lock");
        let w = CacheLock::exclusive(&p, POLL, |_| {}).unwrap();
        let p2 = p.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            CacheLock::exclusive(&p2, Duration::from_secs(120), |_| {
                let _ = tx.send(());
            })
            .map(|_| ())
        });
        // Released once the other writer is waiting (an event, not a sleep).
        rx.recv_timeout(Duration::from_secs(120)).unwrap();
        drop(w);
        t.join().unwrap().unwrap();
    }
}
