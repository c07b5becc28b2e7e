//! Where output goes. Write errors (a closed pipe) are ignored rather than panicking.
//!
//! Colour only on a terminal and never when `NO_COLOR` is set (to anything non-empty);
//! `--quiet` drops notes and informational lines, `-v` adds debug lines on stderr.
//! Nothing here ever sees the API key.

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// A colour for a line or a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tone {
    /// Success.
    Good,
    /// Needs attention.
    Warn,
    /// Failed.
    Bad,
    /// A hint.
    Hint,
    /// Uncoloured.
    Plain,
}

impl Tone {
    fn code(self) -> Option<&'static str> {
        match self {
            Tone::Good => Some("32"),
            Tone::Warn => Some("33"),
            Tone::Bad => Some("1;31"),
            Tone::Hint => Some("36"),
            Tone::Plain => None,
        }
    }
}

/// The terminal, with the `--quiet` and `-v` settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ui {
    quiet: bool,
    json: bool,
    verbose: u8,
    color_out: bool,
    color_err: bool,
    progress: bool,
}

impl Ui {
    /// A UI; `quiet` drops notes and hints, `verbose` adds debug lines.
    pub(crate) fn new(quiet: bool, verbose: u8) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let err_tty = std::io::stderr().is_terminal();
        Ui {
            quiet,
            json: false,
            verbose,
            color_out: use_color(std::io::stdout().is_terminal(), no_color),
            color_err: use_color(err_tty, no_color),
            progress: err_tty && !quiet,
        }
    }

    /// The same UI for machine-readable output: stdout carries only the JSON document
    /// ([`Ui::json`]); no colour, no progress bar, no notes (stderr keeps warnings and
    /// errors).
    pub(crate) fn for_json(self) -> Self {
        Ui {
            quiet: true,
            json: true,
            color_out: false,
            progress: false,
            ..self
        }
    }

    /// True when a progress bar may be drawn on stderr.
    pub(crate) fn progress_enabled(&self) -> bool {
        self.progress
    }

    /// A line of the command's result, on stdout (not in JSON mode).
    pub(crate) fn out(&self, line: impl Display) {
        if !self.json {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
    }

    /// The JSON document of a `--json` command, on stdout.
    pub(crate) fn json(&self, doc: impl Display) {
        let _ = writeln!(std::io::stdout().lock(), "{doc}");
    }

    /// A line of the result in a tone (coloured on a terminal), on stdout.
    pub(crate) fn out_tone(&self, tone: Tone, line: impl Display) {
        let line = paint(self.color_out, tone, &line.to_string());
        self.out(line);
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

    /// A debug line shown with `-v`, on stderr.
    pub(crate) fn debug(&self, line: impl Display) {
        if self.verbose > 0 {
            let _ = writeln!(std::io::stderr().lock(), "debug: {line}");
        }
    }

    /// A warning, on stderr.
    pub(crate) fn warn(&self, message: impl Display) {
        let prefix = paint(self.color_err, Tone::Warn, "warning:");
        let _ = writeln!(std::io::stderr().lock(), "{prefix} {message}");
    }

    /// An error, on stderr.
    pub(crate) fn error(&self, message: impl Display) {
        let prefix = paint(self.color_err, Tone::Bad, "error:");
        let _ = writeln!(std::io::stderr().lock(), "{prefix} {message}");
    }

    /// A hint that follows an error, on stderr (kept under `--quiet`: it names the fix).
    pub(crate) fn hint(&self, message: impl Display) {
        let prefix = paint(self.color_err, Tone::Hint, "hint:");
        let _ = writeln!(std::io::stderr().lock(), "{prefix} {message}");
    }

    /// Draws (or with `None`, clears) the progress line on stderr.
    pub(crate) fn progress_line(&self, line: Option<&str>) {
        if !self.progress {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = match line {
            Some(l) => write!(err, "\r\x1b[2K{l}"),
            None => write!(err, "\r\x1b[2K"),
        };
        let _ = err.flush();
    }

    /// Tells the user once that another process holds the cache lock.
    pub(crate) fn waiting_for_lock(&self, _lock_file: &Path) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "waiting for the cache lock held by another prompt-sync process…"
        );
    }
}

/// Colour only on a terminal, and never with `NO_COLOR`.
pub(crate) fn use_color(is_terminal: bool, no_color: bool) -> bool {
    is_terminal && !no_color
}

/// `text` in `tone` when `color`, else as is.
pub(crate) fn paint(color: bool, tone: Tone, text: &str) -> String {
    match (color, tone.code()) {
        (true, Some(code)) => format!("\x1b[{code}m{text}\x1b[0m"),
        _ => text.to_owned(),
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

/// `path` relative to the current directory when it is inside it.
pub(crate) fn show_from_cwd(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(cwd) => show_path(path, &cwd),
        Err(_) => path.display().to_string(),
    }
}

/// `n` with its noun, singular or plural: "1 prompt", "3 prompts".
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// The first 8 characters of a hash.
pub(crate) fn short(hash: &str) -> &str {
    hash.get(..8).unwrap_or(hash)
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
        assert_eq!(short("0123456789"), "01234567");
        assert_eq!(short("abc"), "abc");
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_color(true, false));
        assert!(!use_color(false, false));
        assert!(!use_color(true, true));
        assert_eq!(paint(false, Tone::Bad, "x"), "x");
        assert_eq!(paint(true, Tone::Plain, "x"), "x");
        assert_eq!(paint(true, Tone::Good, "x"), "\x1b[32mx\x1b[0m");
    }
}
