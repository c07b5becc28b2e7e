//! One measured step, run in a child process (the benchmark binary re-executed with a
//! hidden subcommand) so that its peak memory is its own: the build step online or
//! offline, the naive baseline, or a bare engine sync with a given concurrency.
//!
//! The child prints one line, `BENCH-RESULT {json}`, that the parent reads back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use prompt_sync_build::engine::{self, SyncOptions, Target};
use prompt_sync_build::hub::client::{ClientOptions, HttpHub};
use prompt_sync_build::hub::{Hub, HubSettings, Secret};
use prompt_sync_build::{Builder, Env};
use prompt_sync_core::layout::{CacheLayout, DEFAULT_CACHE_DIR};
use prompt_sync_core::pulled::{HubVersion, pulled_entry};
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};
use serde_json::{Value, json};

use super::corpus;

/// The hidden subcommand that runs a step.
pub const SUBCOMMAND: &str = "__bench-child";

/// The prefix of the child's result line.
const RESULT_PREFIX: &str = "BENCH-RESULT ";

/// The API key the benchmark sends (the fake hub accepts any).
const API_KEY: &str = "bench-key";

/// What a child measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The build step (`Builder::run_with`) online, with `PROMPT_SYNC_REFRESH=1`.
    Sync,
    /// The build step with `PROMPT_SYNC_OFFLINE=1`.
    Offline,
    /// The obvious way: one `GET /commits/-/{name}/latest` per prompt, one after the
    /// other, each written to the cache as it arrives.
    Baseline,
    /// The sync engine alone (`plan` + `apply`) with an explicit concurrency.
    Engine(usize),
    /// Not measured: creates the package at `PACKAGE_DIR` with its N prompts cached
    /// (as version 0), for profiling a step by hand, e.g.
    /// `perf record bench __bench-child offline DIR - 500`.
    Setup,
}

impl Step {
    /// The step's argument on the child's command line.
    pub fn arg(self) -> String {
        match self {
            Step::Sync => "sync".to_owned(),
            Step::Offline => "offline".to_owned(),
            Step::Baseline => "baseline".to_owned(),
            Step::Engine(c) => format!("engine:{c}"),
            Step::Setup => "setup".to_owned(),
        }
    }

    fn parse(s: &str) -> Option<Step> {
        match s {
            "sync" => Some(Step::Sync),
            "offline" => Some(Step::Offline),
            "baseline" => Some(Step::Baseline),
            "setup" => Some(Step::Setup),
            _ => s
                .strip_prefix("engine:")
                .and_then(|c| c.parse().ok())
                .map(Step::Engine),
        }
    }
}

/// What a child reports.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Wall time of the step itself (process start-up excluded).
    pub wall: Duration,
    /// Peak resident memory of the child (`VmHWM`), when the platform tells.
    pub peak_rss_kib: Option<u64>,
    /// Prompts the step handled.
    pub prompts: usize,
}

/// Runs `step` in a child process on the package in `package_dir` with `n` prompts.
pub fn spawn(step: Step, package_dir: &Path, endpoint: &str, n: usize) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the bench binary: {e}"))?;
    let out = std::process::Command::new(exe)
        .arg(SUBCOMMAND)
        .arg(step.arg())
        .arg(package_dir)
        .arg(endpoint)
        .arg(n.to_string())
        .output()
        .map_err(|e| format!("cannot run the bench child: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find_map(|l| l.strip_prefix(RESULT_PREFIX));
    match (out.status.success(), line) {
        (true, Some(line)) => parse(line),
        _ => Err(format!(
            "the {} step failed ({}):\n{}{}",
            step.arg(),
            out.status,
            stdout.lines().take(20).collect::<Vec<_>>().join("\n"),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

fn parse(line: &str) -> Result<Measured, String> {
    let v: Value =
        serde_json::from_str(line).map_err(|e| format!("bad child result `{line}`: {e}"))?;
    let wall_ns = v
        .get("wall_ns")
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("child result without wall_ns: {line}"))?;
    Ok(Measured {
        wall: Duration::from_nanos(wall_ns),
        peak_rss_kib: v.get("peak_rss_kib").and_then(Value::as_u64),
        prompts: v.get("prompts").and_then(Value::as_u64).unwrap_or(0) as usize,
    })
}

/// The child's `main`: `args` are what follows [`SUBCOMMAND`]. Prints the result
/// line; returns an error message on failure.
pub fn main(args: &[String]) -> Result<(), String> {
    let [step, package_dir, endpoint, n] = args else {
        return Err(format!(
            "usage: bench {SUBCOMMAND} STEP PACKAGE_DIR ENDPOINT N"
        ));
    };
    let step = Step::parse(step).ok_or_else(|| format!("unknown step `{step}`"))?;
    let package_dir = PathBuf::from(package_dir);
    let n: usize = n.parse().map_err(|_| format!("bad prompt count `{n}`"))?;
    let (wall, prompts) = match step {
        Step::Sync | Step::Offline => build_step(step, &package_dir, endpoint, n)?,
        Step::Baseline => baseline(&package_dir, endpoint, n)?,
        Step::Engine(c) => engine_sync(&package_dir, endpoint, n, c)?,
        Step::Setup => setup(&package_dir, n)?,
    };
    let result = json!({
        "wall_ns": u64::try_from(wall.as_nanos()).unwrap_or(u64::MAX),
        "peak_rss_kib": peak_rss_kib(),
        "prompts": prompts,
    });
    println!("{RESULT_PREFIX}{result}");
    Ok(())
}

/// Runs the build step as `build.rs` would, and checks it synced cleanly.
fn build_step(
    step: Step,
    package_dir: &Path,
    endpoint: &str,
    n: usize,
) -> Result<(Duration, usize), String> {
    let mut vars = BTreeMap::new();
    let out_dir = package_dir.join("out");
    vars.insert("OUT_DIR".to_owned(), out_dir.display().to_string());
    if step == Step::Offline {
        vars.insert("PROMPT_SYNC_OFFLINE".to_owned(), "1".to_owned());
    } else {
        vars.insert("LANGSMITH_API_KEY".to_owned(), API_KEY.to_owned());
        vars.insert("LANGSMITH_ENDPOINT".to_owned(), endpoint.to_owned());
        vars.insert("PROMPT_SYNC_REFRESH".to_owned(), "1".to_owned());
    }
    let env = Env::from_map(vars);
    let start = Instant::now();
    let result = Builder::new().package_dir(package_dir).run_with(&env);
    let wall = start.elapsed();
    let report = result.map_err(|(e, _)| format!("the build step failed: {e}"))?;
    let troubles: Vec<&String> = report
        .directives
        .lines()
        .iter()
        .filter(|l| {
            l.starts_with("cargo:warning=")
                && (l.contains("could not sync")
                    || l.contains("cannot sync")
                    || l.contains("using the committed"))
        })
        .collect();
    if !troubles.is_empty() {
        return Err(format!(
            "the build step did not sync cleanly: {}",
            troubles
                .iter()
                .take(3)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if report.prompts.len() != n {
        return Err(format!(
            "the build step saw {} prompts, expected {n}",
            report.prompts.len()
        ));
    }
    Ok((wall, report.prompts.len()))
}

fn client(endpoint: &str) -> Result<HttpHub, String> {
    HttpHub::new(
        HubSettings {
            api_key: Secret::new(API_KEY),
            endpoint: endpoint.to_owned(),
            workspace_id: None,
            owner: "-".to_owned(),
        },
        ClientOptions::default(),
    )
    .map_err(|e| e.to_string())
}

fn store_of(package_dir: &Path) -> Store {
    Store::new(CacheLayout::new(package_dir.join(DEFAULT_CACHE_DIR)))
}

/// One pull per prompt, in order, each written as it arrives: what the original
/// Python tool (and a loop over the SDK's `pull_prompt`) does. Same client, same
/// cache writes as the real sync.
fn baseline(package_dir: &Path, endpoint: &str, n: usize) -> Result<(Duration, usize), String> {
    let start = Instant::now();
    let hub = client(endpoint)?;
    let store = store_of(package_dir);
    let lock = store.lock_exclusive(|_| {}).map_err(|e| e.to_string())?;
    let latest = HubRef::latest();
    for raw in corpus::names(n) {
        let name = PromptName::new(&raw).map_err(|e| e.to_string())?;
        let commit = hub
            .pull("-", &raw, "latest")
            .map_err(|e| format!("{raw}: {e}"))?;
        let version = HubVersion {
            name: &name,
            owner: "-",
            hub_ref: &latest,
            commit_hash: &commit.commit_hash,
            manifest: &commit.manifest,
        };
        let previous = store.read_metadata(&name).map_err(|e| e.to_string())?;
        let (text, meta) = pulled_entry(
            &version,
            previous.as_ref(),
            &prompt_sync_core::timestamp::now_utc(),
        )
        .map_err(|e| e.to_string())?;
        store
            .write(&lock, &name, &text, &meta)
            .map_err(|e| e.to_string())?;
    }
    Ok((start.elapsed(), n))
}

/// The engine alone with `concurrency` parallel fetches (for choosing the default).
fn engine_sync(
    package_dir: &Path,
    endpoint: &str,
    n: usize,
    concurrency: usize,
) -> Result<(Duration, usize), String> {
    let start = Instant::now();
    let hub = client(endpoint)?;
    let store = store_of(package_dir);
    let targets = corpus::names(n)
        .iter()
        .map(|raw| {
            Ok(Target {
                name: PromptName::new(raw).map_err(|e| e.to_string())?,
                hub_ref: HubRef::latest(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let opts = SyncOptions {
        concurrency,
        ..SyncOptions::default()
    };
    let plan = engine::plan(&store, &targets, &hub, &opts).map_err(|e| e.to_string())?;
    let report = engine::apply(&store, plan, &hub, &opts, |_| {});
    let errors = report.totals().errors;
    if errors > 0 {
        return Err(format!("{errors} prompts failed to sync:\n{report}"));
    }
    Ok((start.elapsed(), n))
}

/// Writes the package and fills its cache without a hub.
fn setup(package_dir: &Path, n: usize) -> Result<(Duration, usize), String> {
    let start = Instant::now();
    let names = corpus::names(n);
    super::package::write_files(package_dir, &names).map_err(|e| e.to_string())?;
    let cache = package_dir.join(DEFAULT_CACHE_DIR);
    for (i, name) in names.iter().enumerate() {
        crate::throwaway::pull_into(&cache, name, &format!("{i:064x}"), &corpus::manifest(i, 0))?;
    }
    Ok((start.elapsed(), n))
}

/// Peak resident set size of this process in KiB (`VmHWM` on Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
