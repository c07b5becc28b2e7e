//! File writes that never leave a half-written file, and that leave unchanged files
//! alone (so their mtime stays and cargo does not rebuild for nothing).

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Marker in the names of our temporary files: `.<file>.tmp.<pid>.<n>`.
pub const TEMP_MARKER: &str = ".tmp.";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file name next to `path`, unique within this machine's processes.
pub fn temp_path_for(path: &Path) -> PathBuf {
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("file");
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{file}{TEMP_MARKER}{}.{n}", std::process::id()))
}

/// Writes `bytes` to a new file at `tmp`, flushed to disk.
pub fn write_synced(tmp: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(|e| Error::io("create", tmp, e))?;
    if cfg!(feature = "fault-injection") {
        // Lets a crash test stop the process with the file half written.
        let (first, rest) = bytes.split_at(bytes.len() / 2);
        f.write_all(first).map_err(|e| Error::io("write", tmp, e))?;
        crash_point("a file half written");
        f.write_all(rest).map_err(|e| Error::io("write", tmp, e))?;
    } else {
        f.write_all(bytes).map_err(|e| Error::io("write", tmp, e))?;
    }
    f.sync_all().map_err(|e| Error::io("flush", tmp, e))?;
    Ok(())
}

/// Renames `from` to `to` and flushes the directory entry.
pub fn rename_synced(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| Error::io("rename into place", to, e))?;
    sync_dir(to);
    Ok(())
}

/// Flushes the directory holding `path` (best effort: not every platform allows it).
pub fn sync_dir(path: &Path) {
    if let Some(d) = path.parent().and_then(|dir| File::open(dir).ok()) {
        let _ = d.sync_all();
    }
}

/// Creates `dir` and its parents.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory,
/// flushed, then renamed over `path`. Readers see the old or the new file, never a mix.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        create_dir_all(dir)?;
    }
    let tmp = temp_path_for(path);
    let result = write_synced(&tmp, bytes).and_then(|()| {
        crash_point("atomic write: temporary file written, not renamed");
        rename_synced(&tmp, path)
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Like [`atomic_write`], but does nothing when the file already holds exactly
/// `bytes`. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    match fs::read(path) {
        Ok(current) if current == bytes => return Ok(false),
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("read", path, e)),
    }
    atomic_write(path, bytes)?;
    Ok(true)
}

/// Reads a file, `None` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

/// Decodes a prompt file's bytes as UTF-8, or [`Error::NotUtf8`] naming it.
pub fn into_utf8(bytes: Vec<u8>, path: &Path) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| Error::NotUtf8 {
        path: path.to_owned(),
    })
}

/// A numbered point in the write protocol where a crash test may stop the process.
///
/// Only with the test-only `fault-injection` feature: the `N`-th point a process
/// reaches, where `N` is the value of `PROMPT_SYNC_FAULT_AT`, prints
/// `prompt-sync fault point N reached: LABEL` to stderr and sleeps until the process
/// is killed (the test sends SIGKILL). Without the feature it does nothing and reads
/// no environment variable.
#[doc(hidden)]
#[inline]
pub fn crash_point(label: &str) {
    #[cfg(feature = "fault-injection")]
    {
        static REACHED: AtomicU64 = AtomicU64::new(0);
        static STOP_AT: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
        let stop_at = *STOP_AT.get_or_init(|| {
            std::env::var("PROMPT_SYNC_FAULT_AT")
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        });
        let n = REACHED.fetch_add(1, Ordering::SeqCst) + 1;
        if stop_at == Some(n) {
            eprintln!("prompt-sync fault point {n} reached: {label}");
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        let panic_at = PANIC_AT.get();
        if let Some(at) = panic_at {
            let reached = PANIC_REACHED.get() + 1;
            PANIC_REACHED.set(reached);
            if reached == at {
                PANIC_AT.set(None);
                panic!("prompt-sync fault point {reached} (in-process): {label}");
            }
        }
    }
    #[cfg(not(feature = "fault-injection"))]
    let _ = label;
}

#[cfg(feature = "fault-injection")]
thread_local! {
    static PANIC_AT: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
    static PANIC_REACHED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Test-only (`fault-injection`): the `n`-th [`crash_point`] this thread reaches from
/// now on panics, so a test interrupts the real write path in-process (the files are
/// left as a killed process leaves them; the lock is released as the dying process's
/// is). `None` turns it off.
#[cfg(feature = "fault-injection")]
#[doc(hidden)]
pub fn panic_at_crash_point(n: Option<u64>) {
    PANIC_AT.set(n);
    PANIC_REACHED.set(0);
}

/// True for the names of our temporary files (`.<file>.tmp.<pid>.<n>`).
pub fn is_temp_name(file_name: &str) -> bool {
    file_name.starts_with('.') && file_name.contains(TEMP_MARKER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.txt");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }

    #[test]
    fn write_if_changed_keeps_mtime_of_unchanged_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        assert!(write_if_changed(&p, b"same").unwrap());
        let before = fs::metadata(&p).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!write_if_changed(&p, b"same").unwrap());
        assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), before);
        assert!(write_if_changed(&p, b"different").unwrap());
        assert_eq!(fs::read(&p).unwrap(), b"different");
    }

    #[test]
    fn failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a directory: the rename fails, the temp file is removed.
        let target = dir.path().join("t");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), "k").unwrap();
        let err = atomic_write(&target, b"x").unwrap_err();
        assert!(
            err.to_string().contains(&*target.to_string_lossy()),
            "{err}"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| is_temp_name(n))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        assert_eq!(fs::read(target.join("keep")).unwrap(), b"k");
    }

    #[test]
    fn temp_names_are_recognised() {
        let t = temp_path_for(Path::new("/c/a.txt"));
        assert!(is_temp_name(t.file_name().unwrap().to_str().unwrap()));
        assert!(!is_temp_name("a.txt"));
        assert_ne!(temp_path_for(Path::new("/c/a.txt")), t);
    }
}
