//! Helpers of the reliability tests (`tests/tests/{concurrency,crash,fault_matrix,
//! bad_input,secrets}.rs`): cache snapshots and invariant checks, processes with
//! deadlines, a raw HTTP responder for answers the fake hub cannot give, and a
//! search for secrets in a file tree.

pub mod raw_server;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use prompt_sync_core::PromptName;
use prompt_sync_core::fsio::is_temp_name;
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::layout::{CacheLayout, LOCK_FILE};
use prompt_sync_core::lock::{GITATTRIBUTES, GITIGNORE};
use prompt_sync_core::manifest::from_manifest;
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::store::Store;
use prompt_sync_core::verify::verify;
use serde_json::Value;

/// Every file under `dir` (recursively) with its bytes, keyed by its path relative to
/// `dir`; the lock file and the git files the first writer leaves are left out
/// (creating them is not a change to the cache).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    walk(dir, &mut |p| {
        if p.file_name()
            .is_some_and(|f| f == LOCK_FILE || f == GITIGNORE || f == GITATTRIBUTES)
        {
            return;
        }
        if let Ok(bytes) = std::fs::read(p) {
            let rel = p.strip_prefix(dir).unwrap_or(p).to_path_buf();
            out.insert(rel, bytes);
        }
    });
    out
}

/// Calls `f` for every regular file under `dir` (symbolic links are not followed).
pub fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, f),
            Ok(t) if t.is_file() => f(&path),
            _ => {}
        }
    }
}

/// Temporary files of the write protocol left anywhere under `dir`
/// (`.<file>.tmp.<pid>.<n>` and `.<name>.txt.incoming`).
pub fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, &mut |p| {
        let name = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
        if is_temp_name(name) || (name.starts_with('.') && name.ends_with(".txt.incoming")) {
            out.push(p.to_path_buf());
        }
    });
    out
}

/// The text a manifest is cached as.
pub fn cache_text(manifest: &Value) -> String {
    match from_manifest(manifest).and_then(|m| {
        m.to_cache_text()
            .map_err(|e| prompt_sync_core::Error::Manifest {
                detail: e.to_string(),
            })
    }) {
        Ok(t) => t,
        Err(e) => format!("<unrenderable manifest: {e}>"),
    }
}

/// One cached prompt that verified, as read under the shared lock.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The text.
    pub text: String,
    /// The metadata.
    pub metadata: Metadata,
}

/// Reads `names` under the shared lock and verifies each. Returns the prompts that
/// verified; a prompt with neither file is skipped; anything else is an error
/// describing the prompt and its problem.
pub fn read_consistent(cache: &Path, names: &[&str]) -> Result<BTreeMap<String, Seen>, String> {
    let store = Store::new(CacheLayout::new(cache));
    let _lock = store.lock_shared(|_| {}).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for n in names {
        let name = PromptName::new(n).map_err(|e| e.to_string())?;
        let layout = store.layout();
        if !layout.text_path(&name).exists() && !layout.metadata_path(&name).exists() {
            continue;
        }
        let v = verify(&store, &name).map_err(|f| format!("{n}: {f}"))?;
        if v.metadata.pending_write.is_some() {
            return Err(format!(
                "{n}: a reader under the shared lock saw a pending write"
            ));
        }
        if Some(sha256_hex(v.text.as_bytes())) != v.metadata.local_content_hash {
            return Err(format!("{n}: text and metadata hash differ"));
        }
        out.insert(
            (*n).to_owned(),
            Seen {
                text: v.text,
                metadata: v.metadata,
            },
        );
    }
    Ok(out)
}

/// Checks the invariants of a cache at rest: every listed prompt has both files and
/// verifies (no pending write, hash matches), no temporary file is left, and every
/// backup's name carries the first 8 hex digits of its content's SHA-256.
pub fn check_at_rest(cache: &Path) -> Result<BTreeMap<String, Seen>, String> {
    let store = Store::new(CacheLayout::new(cache));
    let listing = store.layout().list().map_err(|e| e.to_string())?;
    let names: Vec<String> = listing.names.iter().map(|n| n.to_string()).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let seen = read_consistent(cache, &refs)?;
    for n in &names {
        if !seen.contains_key(n) {
            return Err(format!("{n}: listed but unreadable"));
        }
    }
    let temps = temp_files(cache);
    if !temps.is_empty() {
        return Err(format!("temporary files left: {temps:?}"));
    }
    for (path, bytes) in backups(cache) {
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        let sha8 = &sha256_hex(&bytes)[..8];
        if !file.contains(&format!("-{sha8}")) {
            return Err(format!(
                "backup {} does not hold the text its name says (sha {sha8})",
                path.display()
            ));
        }
    }
    Ok(seen)
}

/// Every backup file under `<cache>/backups`, with its bytes.
pub fn backups(cache: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    walk(&cache.join("backups"), &mut |p| {
        let name = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
        if !name.starts_with('.')
            && let Ok(b) = std::fs::read(p)
        {
            out.push((p.to_path_buf(), b));
        }
    });
    out.sort();
    out
}

/// The texts a cache holds for `name`: every backup, then the current text.
pub fn texts_kept(cache: &Path, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    walk(&cache.join("backups").join(name), &mut |p| {
        let file = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
        if !file.starts_with('.')
            && let Ok(b) = std::fs::read(p)
        {
            out.push(String::from_utf8_lossy(&b).into_owned());
        }
    });
    if let Ok(t) = std::fs::read_to_string(cache.join(format!("{name}.txt"))) {
        out.push(t);
    }
    out
}

/// Files under `root` (recursively) whose bytes contain `needle`, among those for
/// which `include` is true.
pub fn files_containing(
    root: &Path,
    needle: &[u8],
    include: &dyn Fn(&Path) -> bool,
) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    walk(root, &mut |p| {
        if include(p)
            && let Ok(bytes) = std::fs::read(p)
            && contains(&bytes, needle)
        {
            hits.push(p.to_path_buf());
        }
    });
    hits
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Waits for `child` up to `limit`, killing it when the time is up. Returns its
/// output and whether it finished by itself.
pub fn wait_with_deadline(mut child: Child, limit: Duration) -> (Output, bool) {
    let start = Instant::now();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut b);
        }
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut b);
        }
        b
    });
    let mut finished = true;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                finished = false;
                let _ = child.kill();
                match child.wait() {
                    Ok(s) => break s,
                    Err(e) => panic!("cannot wait for a child process: {e}"),
                }
            }
        }
    };
    let output = Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    };
    (output, finished)
}

/// Runs `cmd` with piped output, killing it after `limit`.
pub fn run_with_deadline(cmd: &mut Command, limit: Duration) -> (Output, bool) {
    let child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot start {cmd:?}: {e}"),
    };
    wait_with_deadline(child, limit)
}

/// True when this process runs as root (so permission bits do not stop it): a file it
/// creates belongs to uid 0.
pub fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(f) = tempfile::NamedTempFile::new() else {
        return false;
    };
    f.as_file()
        .metadata()
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// A package directory with a `Cargo.toml` holding `config` as its
/// `[package.metadata.prompt-sync]` (its own workspace root, so no parent is read).
pub fn package(config: &str) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("prompt-sync-rel-")
        .tempdir()?;
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"rel\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[package.metadata.prompt-sync]\n{config}\n\n[workspace]\n"
        ),
    )?;
    Ok(dir)
}

/// `cargo build ARGS` in `dir` into the shared end-to-end target directory, in a
/// clean prompt-sync environment (like [`crate::throwaway::Crate::build`]) plus
/// `extra`.
pub fn cargo_build(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.arg("build")
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", crate::workspace::shared_target_dir())
        .env("CARGO_TERM_COLOR", "never");
    for var in [
        "LANGSMITH_API_KEY",
        "LANGCHAIN_API_KEY",
        "PROMPT_SYNC_OFFLINE",
        "PROMPT_SYNC_DIR",
        "PROMPT_SYNC_REFRESH",
        "PROMPT_SYNC_TIMEOUT",
        "LANGSMITH_ENDPOINT",
        "LANGCHAIN_ENDPOINT",
        "LANGSMITH_WORKSPACE_ID",
        "LANGCHAIN_WORKSPACE_ID",
        "PROMPT_SYNC_FAULT_AT",
        "RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}
