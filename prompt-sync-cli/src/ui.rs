//! Where output goes. Write errors (a closed pipe) are ignored rather than panicking.

use std::fmt::Display;
use std::io::Write;
use std::path::Path;

/// The terminal, with the `--quiet` setting.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ui {
    quiet: bool,
}

impl Ui {
    /// A UI; `quiet` drops notes and hints.
    pub(crate) fn new(quiet: bool) -> Self {
        Ui { quiet }
    }

    /// A line of the command's result, on stdout.
    pub(crate) fn out(&self, line: impl Display) {
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }

    /// A line of the result that `--quiet` drops, on stdout.
    pub(crate) fn info(&self, line: impl Display) {
        if !self.quiet {
            self.out(line);
        }
    }

    /// A note or hint that `--quiet` drops, on stderr.
    pub(crate) fn note(&self, line: impl Display) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }

    /// A warning, on stderr.
    pub(crate) fn warn(&self, message: impl Display) {
        let _ = writeln!(std::io::stderr().lock(), "warning: {message}");
    }

    /// An error, on stderr.
    pub(crate) fn error(&self, message: impl Display) {
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    }

    /// A hint that follows an error, on stderr (kept under `--quiet`: it names the fix).
    pub(crate) fn hint(&self, message: impl Display) {
        let _ = writeln!(std::io::stderr().lock(), "hint: {message}");
    }

    /// Tells the user once that another process holds the cache lock.
    pub(crate) fn waiting_for_lock(&self, _lock_file: &Path) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "waiting for the cache lock held by another prompt-sync process…"
        );
    }
}

/// `path` relative to `base` when it is inside it, else as given.
pub(crate) fn show_path(path: &Path, base: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// `n` with its noun, singular or plural: "1 prompt", "3 prompts".
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_counts() {
        assert_eq!(
            show_path(Path::new("/a/b/c.txt"), Path::new("/a")),
            "b/c.txt"
        );
        assert_eq!(show_path(Path::new("/a"), Path::new("/a")), ".");
        assert_eq!(
            show_path(Path::new("/x/c.txt"), Path::new("/a")),
            "/x/c.txt"
        );
        assert_eq!(count(1, "prompt", "prompts"), "1 prompt");
        assert_eq!(count(0, "prompt", "prompts"), "0 prompts");
    }
}
