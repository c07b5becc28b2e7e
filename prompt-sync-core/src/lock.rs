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
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path)
            .map_err(|e| Error::io("open the lock file", lock_path, e))?;
        acquire(&file, lock_path, timeout, on_wait, true)?;
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
    fn a_waiting_writer_gets_the_lock_when_released() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".prompt-sync.lock");
        let w = CacheLock::exclusive(&p, POLL, |_| {}).unwrap();
        let p2 = p.clone();
        let t = std::thread::spawn(move || {
            CacheLock::exclusive(&p2, Duration::from_secs(10), |_| {}).map(|_| ())
        });
        std::thread::sleep(Duration::from_millis(100));
        drop(w);
        t.join().unwrap().unwrap();
    }
}
