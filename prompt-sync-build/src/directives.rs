//! The lines a build script prints for cargo.

use std::fmt;
use std::path::Path;

use crate::env::Env;

/// The file [`Directives::rerun_every_build`] names: nothing creates it, so cargo never
/// finds it and reruns the build script each time.
pub const NEVER_CREATED: &str = "prompt-sync-refresh-on-every-build.never-created";

/// Cargo directives, collected so they can be tested and printed at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directives {
    lines: Vec<String>,
}

impl Directives {
    /// `cargo:rerun-if-changed=PATH`, only for a path that exists (a missing path
    /// makes cargo rerun the script on every build). Each path once.
    pub fn rerun_if_changed(&mut self, path: &Path) {
        if path.exists() {
            self.push(format!("cargo:rerun-if-changed={}", path.display()));
        }
    }

    /// `cargo:rerun-if-changed=` a file named [`NEVER_CREATED`] in `dir` (the build
    /// script's `OUT_DIR`), which nothing creates: cargo then reruns the script on every
    /// build, for as long as it is emitted.
    pub fn rerun_every_build(&mut self, dir: &Path) {
        self.push(format!(
            "cargo:rerun-if-changed={}",
            dir.join(NEVER_CREATED).display()
        ));
    }

    /// `cargo:rustc-env=NAME=VALUE`: `NAME` is set for the crate's compilation (and
    /// its proc macros). A value with a line break cannot be passed and is skipped.
    pub fn rustc_env(&mut self, name: &str, value: &str) {
        if !value.contains(['\n', '\r']) {
            self.push(format!("cargo:rustc-env={name}={value}"));
        }
    }

    /// `cargo:warning=…`, one line per message line.
    pub fn warning(&mut self, msg: &str) {
        for line in msg.lines() {
            self.push(format!("cargo:warning={line}"));
        }
    }

    /// `cargo:rerun-if-env-changed=VAR` for every non-secret variable read.
    pub fn track_env(&mut self, env: &Env) {
        for var in env.tracked() {
            self.push(format!("cargo:rerun-if-env-changed={var}"));
        }
    }

    fn push(&mut self, line: String) {
        if !self.lines.contains(&line) {
            self.lines.push(line);
        }
    }

    /// The lines, in order.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

impl fmt::Display for Directives {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in &self.lines {
            writeln!(f, "{l}")?;
        }
        Ok(())
    }
}
