//! Throwaway crates outside the workspace, built with cargo into the shared
//! end-to-end target directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::pulled::{HubVersion, pulled_entry};
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};

use crate::workspace;

/// A crate in a temporary directory that depends on the workspace crates by path.
pub struct Crate {
    dir: tempfile::TempDir,
    name: String,
}

impl Crate {
    /// Creates the crate `name` with a `build.rs` calling `prompt_sync_build::sync()`,
    /// the given `[package.metadata.prompt-sync]` body and `src/main.rs`.
    pub fn new(name: &str, config: &str, main_rs: &str) -> std::io::Result<Crate> {
        Crate::create(name, config, main_rs, true)
    }

    /// Like [`Crate::new`] but without a build script: only the macro's
    /// `include_bytes!` tells cargo when the cache changed.
    pub fn without_build_script(name: &str, main_rs: &str) -> std::io::Result<Crate> {
        Crate::create(name, "prompts = []", main_rs, false)
    }

    fn create(
        name: &str,
        config: &str,
        main_rs: &str,
        build_script: bool,
    ) -> std::io::Result<Crate> {
        let dir = tempfile::Builder::new()
            .prefix("prompt-sync-e2e-")
            .tempdir()?;
        let root = workspace::root();
        let manifest = format!(
            r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
prompt-sync = {{ path = {runtime:?} }}

[build-dependencies]
prompt-sync-build = {{ path = {build:?} }}

[package.metadata.prompt-sync]
{config}

[workspace]
"#,
            runtime = root.join("prompt-sync").display().to_string(),
            build = root.join("prompt-sync-build").display().to_string(),
        );
        std::fs::write(dir.path().join("Cargo.toml"), manifest)?;
        std::fs::create_dir_all(dir.path().join("src"))?;
        if build_script {
            std::fs::write(
                dir.path().join("build.rs"),
                "fn main() {\n    prompt_sync_build::sync();\n}\n",
            )?;
        }
        std::fs::write(dir.path().join("src/main.rs"), main_rs)?;
        // Same dependency versions as the workspace, so the shared target dir reuses them.
        std::fs::copy(root.join("Cargo.lock"), dir.path().join("Cargo.lock"))?;
        Ok(Crate {
            dir,
            name: name.to_owned(),
        })
    }

    /// Replaces the workspace's `Cargo.lock` (copied by [`Crate::new`]) with one
    /// freshly resolved by `cargo generate-lockfile`: the newest compatible versions,
    /// as a user's own crate gets them. Needs the crates.io index.
    pub fn resolve_fresh(&self) -> std::io::Result<Output> {
        let lock = self.path().join("Cargo.lock");
        if lock.exists() {
            std::fs::remove_file(&lock)?;
        }
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .arg("generate-lockfile")
            .current_dir(self.path())
            .env("CARGO_TERM_COLOR", "never")
            .output()
    }

    /// The crate's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `cargo build` with the API keys removed and `extra_env` set.
    pub fn build(&self, extra_env: &[(&str, &str)]) -> std::io::Result<Output> {
        self.cargo(&["build"], extra_env)
    }

    /// `cargo ARGS…` in the crate's directory, in the shared target directory, with
    /// the API keys and prompt-sync's variables removed and `extra_env` set.
    pub fn cargo(&self, args: &[&str], extra_env: &[(&str, &str)]) -> std::io::Result<Output> {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args(args)
            .current_dir(self.path())
            .env("CARGO_TARGET_DIR", workspace::shared_target_dir())
            .env_remove("LANGSMITH_API_KEY")
            .env_remove("LANGCHAIN_API_KEY")
            .env_remove("PROMPT_SYNC_OFFLINE")
            .env_remove("PROMPT_SYNC_DIR")
            .env_remove("PROMPT_SYNC_REFRESH")
            .env_remove("PROMPT_SYNC_TIMEOUT")
            .env_remove("LANGSMITH_ENDPOINT")
            .env_remove("LANGCHAIN_ENDPOINT")
            .env_remove("LANGSMITH_WORKSPACE_ID")
            .env_remove("LANGCHAIN_WORKSPACE_ID")
            .env_remove("RUSTFLAGS")
            .env("CARGO_TERM_COLOR", "never");
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.output()
    }

    /// Runs the built binary.
    pub fn run(&self, args: &[&str]) -> std::io::Result<Output> {
        Command::new(self.binary()).args(args).output()
    }

    /// The built binary's path.
    pub fn binary(&self) -> PathBuf {
        workspace::shared_target_dir()
            .join("debug")
            .join(&self.name)
    }
}

/// Writes `manifest` (a LangChain manifest) into the cache at `cache_dir` as if pulled
/// from the hub at `commit`, the way a sync does.
pub fn pull_into(
    cache_dir: &Path,
    name: &str,
    commit: &str,
    manifest: &serde_json::Value,
) -> Result<(), String> {
    let store = Store::new(CacheLayout::new(cache_dir));
    let lock = store.lock_exclusive(|_| {}).map_err(|e| e.to_string())?;
    let name = PromptName::new(name).map_err(|e| e.to_string())?;
    let r = HubRef::latest();
    let previous = store.read_metadata(&name).map_err(|e| e.to_string())?;
    let v = HubVersion {
        name: &name,
        owner: "-",
        hub_ref: &r,
        commit_hash: commit,
        manifest,
    };
    let (text, meta) = pulled_entry(
        &v,
        previous.as_ref(),
        &prompt_sync_core::timestamp::now_utc(),
    )
    .map_err(|e| e.to_string())?;
    store
        .write(&lock, &name, &text, &meta)
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// A LangChain `PromptTemplate` manifest.
pub fn text_manifest(template: &str, variables: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "lc": 1, "type": "constructor",
        "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
        "kwargs": {"input_variables": variables, "template": template, "template_format": "f-string"},
        "name": "PromptTemplate"
    })
}
