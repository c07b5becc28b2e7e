//! A small stand-in for `prompt-sync sync` used by the reliability tests (the CLI's
//! online `sync` is written separately): one process that runs the sync engine's plan
//! and apply against a cache directory, or the build step for a package.
//!
//! ```text
//! sync-once [--repeat N] [--until-file PATH] [--hold-lock-ms MS] CACHE_DIR NAME[@REF]...
//! sync-once --build PACKAGE_DIR
//! ```
//!
//! The hub comes from the environment the way the build script reads it
//! (`LANGSMITH_API_KEY`, `LANGSMITH_ENDPOINT`, `PROMPT_SYNC_TIMEOUT`).
//! `SYNC_ONCE_PAUSE_MS` sleeps between plan and apply (to widen races). Every run
//! prints `sync-once: planned` once its plan is made, then one `NAME: OUTCOME` line
//! per prompt. `--hold-lock-ms` takes the exclusive lock after each sync and holds it,
//! so other processes have to wait for it. `--until-file` repeats the sync (at most
//! `--repeat` times, 100 ms apart) until PATH exists. A process waiting for the lock prints
//! `sync-once: waiting for the cache lock …` to stderr.
//!
//! Exit status: 0 when every prompt synced, 1 when some prompt reported an error, 2
//! when the sync could not run at all (no plan, bad arguments). `--build` exits 0 or
//! 1 like a build script, printing the cargo directives to stdout and the error to
//! stderr.
//!
//! The tests crate enables `prompt-sync-core`'s test-only `fault-injection` feature, so
//! `PROMPT_SYNC_FAULT_AT=N` stops this process at the N-th crash point of the write
//! protocol (see `prompt_sync_core::fsio::crash_point`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use prompt_sync_build::engine::{self, Outcome, SyncOptions, Target};
use prompt_sync_build::hub::HubSettings;
use prompt_sync_build::hub::client::{ClientOptions, HttpHub};
use prompt_sync_build::{Builder, Env};
use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};

struct Args {
    repeat: u32,
    until: Option<PathBuf>,
    hold_lock: Duration,
    cache: PathBuf,
    targets: Vec<Target>,
}

fn parse_target(spec: &str) -> Result<Target, String> {
    let (name, r) = spec.split_once('@').unwrap_or((spec, "latest"));
    Ok(Target {
        name: PromptName::new(name).map_err(|e| format!("bad prompt name {name:?}: {e}"))?,
        hub_ref: HubRef::new(r).map_err(|e| format!("bad ref {r:?}: {e}"))?,
    })
}

fn parse_args(raw: Vec<String>) -> Result<Args, String> {
    let mut repeat = 1;
    let mut until = None;
    let mut hold_lock = Duration::ZERO;
    let mut positional = Vec::new();
    let mut it = raw.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--repeat" => {
                let v = it.next().ok_or("--repeat needs a value")?;
                repeat = v.parse().map_err(|_| format!("bad --repeat {v:?}"))?;
            }
            "--until-file" => {
                until = Some(PathBuf::from(
                    it.next().ok_or("--until-file needs a value")?,
                ));
            }
            "--hold-lock-ms" => {
                let v = it.next().ok_or("--hold-lock-ms needs a value")?;
                let ms = v.parse().map_err(|_| format!("bad --hold-lock-ms {v:?}"))?;
                hold_lock = Duration::from_millis(ms);
            }
            _ => positional.push(a),
        }
    }
    let mut positional = positional.into_iter();
    let cache = PathBuf::from(positional.next().ok_or("missing CACHE_DIR")?);
    let targets = positional
        .map(|s| parse_target(&s))
        .collect::<Result<Vec<_>, _>>()?;
    if targets.is_empty() {
        return Err("no prompt names given".to_owned());
    }
    Ok(Args {
        repeat,
        until,
        hold_lock,
        cache,
        targets,
    })
}

fn waiting(p: &std::path::Path) {
    eprintln!("sync-once: waiting for the cache lock `{}`", p.display());
}

fn hub_from_env() -> Result<HttpHub, String> {
    let lookup = |k: &str| std::env::var(k).ok();
    let settings = HubSettings::from_env(&lookup, None, "-")
        .map_err(|e| e.to_string())?
        .ok_or("LANGSMITH_API_KEY is not set")?;
    let mut options = ClientOptions::default();
    if let Some(secs) = lookup("PROMPT_SYNC_TIMEOUT").and_then(|v| v.trim().parse::<u64>().ok()) {
        options.total_timeout = Duration::from_secs(secs.max(1));
        options.connect_timeout = options.connect_timeout.min(options.total_timeout);
    }
    HttpHub::new(settings, options).map_err(|e| e.to_string())
}

fn sync(args: &Args) -> ExitCode {
    let hub = match hub_from_env() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("sync-once: {e}");
            return ExitCode::from(2);
        }
    };
    let store = Store::new(CacheLayout::new(&args.cache));
    let opts = SyncOptions::default();
    let pause = std::env::var("SYNC_ONCE_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let mut errors = false;
    for i in 0..args.repeat.max(1) {
        if let Some(stop) = &args.until {
            if stop.exists() {
                break;
            }
            if i > 0 {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let plan = match engine::plan(&store, &args.targets, &hub, &opts) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("sync-once: cannot sync with the hub: {e}");
                return ExitCode::from(2);
            }
        };
        println!("sync-once: planned");
        let _ = std::io::stdout().flush();
        if let Some(p) = pause {
            std::thread::sleep(p);
        }
        let report = engine::apply(&store, plan, &hub, &opts, waiting);
        for r in &report.repaired {
            println!("repaired: {r}");
        }
        for p in &report.prompts {
            println!("{}: {}", p.name, p.outcome);
            errors |= matches!(p.outcome, Outcome::Error(_));
        }
        let _ = std::io::stdout().flush();
        if !args.hold_lock.is_zero() {
            match store.lock_exclusive(waiting) {
                Ok(lock) => {
                    std::thread::sleep(args.hold_lock);
                    drop(lock);
                }
                Err(e) => {
                    eprintln!("sync-once: {e}");
                    errors = true;
                }
            }
        }
    }
    if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn build(package_dir: &str) -> ExitCode {
    let env = Env::from_process();
    match Builder::new().package_dir(package_dir).run_with(&env) {
        Ok(report) => {
            print!("{}", report.directives);
            ExitCode::SUCCESS
        }
        Err((err, directives)) => {
            print!("{directives}");
            eprintln!("{err}");
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().map(String::as_str) == Some("--build") {
        return match raw.get(1) {
            Some(dir) => build(dir),
            None => {
                eprintln!("sync-once: --build needs a package directory");
                ExitCode::from(2)
            }
        };
    }
    match parse_args(raw) {
        Ok(args) => sync(&args),
        Err(e) => {
            eprintln!("sync-once: {e}");
            ExitCode::from(2)
        }
    }
}
