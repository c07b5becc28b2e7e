//! Shared helpers of the CLI tests: temporary packages, running the real binaries with
//! a clean environment, the fake hub, and snapshots of the files on disk.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::store::Store;
use prompt_sync_core::{CacheLayout, PromptName};
use prompt_sync_tests::fake_hub::{FakeHub, Options};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_prompt-sync");
pub const CARGO_BIN: &str = env!("CARGO_BIN_EXE_cargo-prompt-sync");

/// The only key the fake hub accepts; no output may ever contain it.
pub const KEY: &str = "lsv2_pt_cli_test_0123456789abcdef_SECRET";

/// A fake hub that accepts only [`KEY`].
pub fn hub() -> FakeHub {
    FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    })
}

/// A LangChain `PromptTemplate` manifest.
pub fn text_manifest(template: &str) -> Value {
    prompt_sync_tests::throwaway::text_manifest(template, &[])
}

/// A temporary package with a prompt-sync config and a cache.
pub struct Pkg {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl Pkg {
    /// A package whose config lists `prompts`.
    pub fn new(prompts: &[&str]) -> Pkg {
        let dir = tempfile::tempdir().unwrap();
        write_package(dir.path(), "app", prompts);
        let store = Store::new(CacheLayout::new(dir.path().join("prompts/langsmith_cache")));
        Pkg { dir, store }
    }

    /// A package in `dir` (which must exist) named `name`.
    pub fn at(dir: tempfile::TempDir, sub: &str, name: &str, prompts: &[&str]) -> (Pkg, PathBuf) {
        let path = dir.path().join(sub);
        fs::create_dir_all(path.join("src")).unwrap();
        write_package(&path, name, prompts);
        let store = Store::new(CacheLayout::new(path.join("prompts/langsmith_cache")));
        (Pkg { dir, store }, path)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn manifest(&self) -> PathBuf {
        self.path().join("Cargo.toml")
    }

    pub fn name(s: &str) -> PromptName {
        PromptName::new(s).unwrap()
    }

    /// Caches `text` as `name`, as a sync from the hub would (made-up commit).
    pub fn cache(&self, name: &str, text: &str) {
        let name = PromptName::new(name).unwrap();
        let hash = sha256_hex(text.as_bytes());
        let mut meta = Metadata::new(&name, &hash);
        meta.hub_content_hash = Some(hash);
        meta.hub_commit_hash = Some("0123456789abcdef0123".to_owned());
        meta.last_sync_timestamp = Some("2025-10-27T10:30:00Z".to_owned());
        meta.sync_direction = Some("pull".to_owned());
        let lock = self.store.lock_exclusive(|_| {}).unwrap();
        self.store.write(&lock, &name, text, &meta).unwrap();
    }

    /// A package that lists the `(name, text)` prompts, each put on `hub` as a text
    /// prompt and pulled into the cache, as a first sync leaves them.
    pub fn synced(hub: &FakeHub, prompts: &[(&str, &str)]) -> Pkg {
        let names: Vec<&str> = prompts.iter().map(|(n, _)| *n).collect();
        let pkg = Pkg::new(&names);
        for (name, text) in prompts {
            let commit = hub.put_prompt(name, text_manifest(text));
            pkg.pull(name, &commit, &text_manifest(text));
        }
        pkg
    }

    /// Caches the hub's `manifest` at `commit` as `name`, as a real pull does.
    pub fn pull(&self, name: &str, commit: &str, manifest: &Value) {
        prompt_sync_tests::throwaway::pull_into(self.store.layout().root(), name, commit, manifest)
            .unwrap();
    }

    /// Overwrites the cached text by hand, as a user editing the file would.
    pub fn edit(&self, name: &str, text: &str) {
        fs::write(self.text_path(name), text).unwrap();
    }

    pub fn text_path(&self, name: &str) -> PathBuf {
        self.store.layout().text_path(&Pkg::name(name))
    }

    pub fn text(&self, name: &str) -> String {
        fs::read_to_string(self.text_path(name)).unwrap()
    }

    pub fn metadata(&self, name: &str) -> Metadata {
        self.store.read_metadata(&Pkg::name(name)).unwrap().unwrap()
    }

    /// Runs `prompt-sync --manifest-path <pkg>/Cargo.toml ARGS` from an unrelated
    /// directory, without any hub variables.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(BIN, &std::env::temp_dir(), &self.with_manifest(args))
    }

    /// Runs `prompt-sync ARGS` from inside the package.
    pub fn run_here(&self, args: &[&str]) -> Run {
        run_in(BIN, self.path(), args)
    }

    /// Runs `prompt-sync --manifest-path … ARGS` against `hub` with its key.
    pub fn run_hub(&self, hub: &FakeHub, args: &[&str]) -> Run {
        self.run_env(args, &hub_env(hub))
    }

    /// Runs `prompt-sync --manifest-path … ARGS` with extra variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, String)]) -> Run {
        run_in_env(BIN, &std::env::temp_dir(), &self.with_manifest(args), env)
    }

    fn with_manifest(&self, args: &[&str]) -> Vec<String> {
        let mut all = vec![
            "--manifest-path".to_owned(),
            self.manifest().display().to_string(),
        ];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        all
    }
}

/// Writes a package manifest (and an empty `src/lib.rs`, so cargo sees a target).
pub fn write_package(dir: &Path, name: &str, prompts: &[&str]) {
    let list = prompts
        .iter()
        .map(|p| format!("{p:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [package.metadata.prompt-sync]\nprompts = [{list}]\n"
        ),
    )
    .unwrap();
}

/// The variables that point the CLI at `hub`.
pub fn hub_env(hub: &FakeHub) -> Vec<(&'static str, String)> {
    vec![
        ("LANGSMITH_API_KEY", KEY.to_owned()),
        ("LANGSMITH_ENDPOINT", hub.url()),
    ]
}

/// What a run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

/// Runs `bin ARGS` in `cwd` without hub variables (see [`run_in_env`]).
pub fn run_in(bin: &str, cwd: &Path, args: &[impl AsRef<std::ffi::OsStr>]) -> Run {
    run_in_env(bin, cwd, args, &[])
}

/// Runs `bin ARGS` in `cwd` with every inherited LangSmith, LangChain and prompt-sync
/// variable removed, then `env` set. Asserts the API key appears in no output.
pub fn run_in_env(
    bin: &str,
    cwd: &Path,
    args: &[impl AsRef<std::ffi::OsStr>],
    env: &[(&str, String)],
) -> Run {
    let mut cmd = Command::new(bin);
    cmd.args(args).current_dir(cwd);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("LANGSMITH_")
            || k.starts_with("LANGCHAIN_")
            || k.starts_with("PROMPT_SYNC_")
            || k == "NO_COLOR"
        {
            cmd.env_remove(k.as_ref());
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    to_run(cmd.output().unwrap())
}

pub fn to_run(out: Output) -> Run {
    let run = Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(
        !run.stdout.contains(KEY) && !run.stderr.contains(KEY),
        "the API key was printed:\n{run:?}"
    );
    assert!(
        !run.stdout.contains("SECRET") && !run.stderr.contains("SECRET"),
        "part of the API key was printed:\n{run:?}"
    );
    run
}

/// The status row of `name`, split into its columns (two or more spaces apart).
pub fn row<'a>(stdout: &'a str, name: &str) -> Vec<&'a str> {
    let line = stdout
        .lines()
        .find(|l| l.split("  ").next() == Some(name))
        .unwrap_or_else(|| panic!("no row for {name} in:\n{stdout}"));
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// Every file and directory under `dir`, with file contents and modification times.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<(Vec<u8>, SystemTime)>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.insert(path.clone(), None);
                stack.push(path);
            } else {
                let mtime = fs::metadata(&path).unwrap().modified().unwrap();
                out.insert(path.clone(), Some((fs::read(&path).unwrap(), mtime)));
            }
        }
    }
    out
}

/// The recorded requests as `METHOD /logical/path`.
pub fn requests(hub: &FakeHub) -> Vec<String> {
    hub.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.logical_path()))
        .collect()
}

/// True when the hub received no write (POST, PATCH, PUT or DELETE).
pub fn no_writes(hub: &FakeHub) -> bool {
    hub.requests().iter().all(|r| r.method == "GET")
}

/// Asserts that `out` contains `needle`, showing `out` when it does not.
#[track_caller]
pub fn has(out: &str, needle: &str) {
    assert!(out.contains(needle), "expected {needle:?} in:\n{out}");
}

/// Asserts that `out` does not contain `needle`, showing `out` when it does.
#[track_caller]
pub fn lacks(out: &str, needle: &str) {
    assert!(
        !out.contains(needle),
        "did not expect {needle:?} in:\n{out}"
    );
}

/// A workspace of `(directory, package name, prompt)` members: each a library whose
/// `[package.metadata.prompt-sync]` lists its prompt, or has no such table (`None`).
pub fn workspace(members: &[(&str, &str, Option<&str>)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dirs: Vec<String> = members.iter().map(|(d, _, _)| format!("{d:?}")).collect();
    fs::write(
        root.path().join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            dirs.join(", ")
        ),
    )
    .unwrap();
    for (dir, name, prompt) in members {
        let d = root.path().join(dir);
        fs::create_dir_all(d.join("src")).unwrap();
        fs::write(d.join("src/lib.rs"), "").unwrap();
        let config = prompt
            .map(|p| format!("\n[package.metadata.prompt-sync]\nprompts = [\"{p}\"]\n"))
            .unwrap_or_default();
        fs::write(
            d.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n{config}"
            ),
        )
        .unwrap();
    }
    root
}
