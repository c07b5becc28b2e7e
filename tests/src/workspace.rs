//! Paths of the workspace, for tests that build throwaway crates.

use std::path::{Path, PathBuf};

/// The workspace root (the directory of the top-level `Cargo.toml`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The target directory shared by every end-to-end build, so dependencies compile
/// once per run: `<workspace>/target/e2e`.
pub fn shared_target_dir() -> PathBuf {
    root().join("target").join("e2e")
}

/// The LangSmith fixtures (`fixtures/langsmith`, a copy of the shared recorded data).
pub fn fixtures_dir() -> PathBuf {
    root().join("fixtures/langsmith")
}
