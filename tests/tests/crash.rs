//! Crash safety: a sync killed with SIGKILL anywhere in the write protocol leaves every
//! prompt old, new, or recognisably interrupted, and the next sync (or build) repairs
//! it: no temporary file, no pending marker, no lost text, and no lock held by the dead
//! process.
//!
//! The syncs are `sync-once` processes (this crate's stand-in for `prompt-sync sync`,
//! which runs the engine's plan and apply). Two ways of choosing kill points:
//! - `kill_at_every_crash_point`: the test-only `fault-injection` feature of
//!   `prompt-sync-core` stops the process at its N-th crash point (N = 1, 2, … until a
//!   run finishes), the test then sends SIGKILL; points in the repair of an interrupted
//!   write are tried too;
//! - `kill_at_random_offsets`: large prompts (slow writes) and SIGKILL at a random
//!   delay after planning, with a fixed-seed generator.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use prompt_sync_build::{Builder, Env};
use prompt_sync_core::PromptName;
use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::store::Store;
use prompt_sync_core::verify::{Problem, verify};
use prompt_sync_tests::fake_hub::{FakeHub, Options};
use prompt_sync_tests::reliability::{self, cache_text, check_at_rest, snapshot, temp_files};
use prompt_sync_tests::throwaway::text_manifest;

const KEY: &str = "lsv2_pt_crash_test_key";

/// What the cache should hold for one prompt, before and after the sync that is killed.
struct Expect {
    name: &'static str,
    old: Option<String>,
    new: String,
}

/// A hub, and a package whose cache holds the old versions.
struct Scenario {
    hub: FakeHub,
    base: BTreeMap<PathBuf, Vec<u8>>,
    expect: Vec<Expect>,
}

fn names(s: &Scenario) -> Vec<&'static str> {
    s.expect.iter().map(|e| e.name).collect()
}

fn sync_once(cache: &Path, hub: &FakeHub, names: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sync-once"));
    cmd.arg(cache)
        .args(names)
        .env("LANGSMITH_API_KEY", KEY)
        .env("LANGSMITH_ENDPOINT", hub.url())
        .env("PROMPT_SYNC_TIMEOUT", "5")
        .env_remove("PROMPT_SYNC_FAULT_AT")
        .env_remove("SYNC_ONCE_PAUSE_MS");
    cmd
}

/// `alpha` is replaced (backup + write), `gamma` is new to the cache (fresh write),
/// `delta` does not change on the hub. `template` makes the texts big or small.
fn scenario(template: &dyn Fn(&str) -> String) -> Scenario {
    let hub = FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    });
    let v1 = |n: &str| text_manifest(&template(&format!("{n} v1 {{x}}")), &["x"]);
    let v2 = |n: &str| text_manifest(&template(&format!("{n} v2 {{x}}")), &["x"]);
    hub.put_prompt("alpha", v1("alpha"));
    hub.put_prompt("delta", v1("delta"));
    let dir = tempfile::tempdir().unwrap();
    let out = sync_once(dir.path(), &hub, &["alpha", "delta"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let base = snapshot(dir.path());
    hub.put_prompt("alpha", v2("alpha"));
    hub.put_prompt("gamma", v2("gamma"));
    let expect = vec![
        Expect {
            name: "alpha",
            old: Some(cache_text(&v1("alpha"))),
            new: cache_text(&v2("alpha")),
        },
        Expect {
            name: "gamma",
            old: None,
            new: cache_text(&v2("gamma")),
        },
        Expect {
            name: "delta",
            old: Some(cache_text(&v1("delta"))),
            new: cache_text(&v1("delta")),
        },
    ];
    Scenario { hub, base, expect }
}

/// A fresh package whose cache (`<pkg>/prompts/langsmith_cache`) holds `files`.
fn package_with(files: &BTreeMap<PathBuf, Vec<u8>>) -> (tempfile::TempDir, PathBuf) {
    package_configured("prompts = []", files)
}

/// A fresh package with `config` whose cache holds `files`.
fn package_configured(
    config: &str,
    files: &BTreeMap<PathBuf, Vec<u8>>,
) -> (tempfile::TempDir, PathBuf) {
    let pkg = reliability::package(config).unwrap();
    let cache = pkg.path().join("prompts/langsmith_cache");
    for (rel, bytes) in files {
        let p = cache.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    (pkg, cache)
}

/// Runs a sync with `PROMPT_SYNC_FAULT_AT=n`. When it reaches the point, kills it with
/// SIGKILL and returns the point's label; `None` when it finished first.
fn kill_at_point(s: &Scenario, cache: &Path, n: usize) -> Option<String> {
    let mut child = sync_once(cache, &s.hub, &names(s))
        .env("PROMPT_SYNC_FAULT_AT", n.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("prompt-sync fault point") {
                let _ = tx.send(line);
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(10)) {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return Some(line);
        }
        if let Some(status) = child.try_wait().unwrap() {
            // Finished without reaching point n; a last line may still be in flight.
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
                return Some(line);
            }
            assert!(status.success(), "sync {n} failed: {status}");
            return None;
        }
        assert!(Instant::now() < deadline, "sync with fault point {n} hung");
    }
}

/// After a kill: every prompt is old, new, or interrupted in a way `verify` names as
/// such (never as an edit or corruption). Returns a short description per prompt.
fn check_after_kill(s: &Scenario, cache: &Path, label: &str) -> Vec<String> {
    let store = Store::new(CacheLayout::new(cache));
    let mut states = Vec::new();
    for e in &s.expect {
        let name = PromptName::new(e.name).unwrap();
        let state = match verify(&store, &name) {
            Ok(v) if Some(&v.text) == e.old.as_ref() => "old",
            Ok(v) if v.text == e.new => "new",
            Ok(v) => panic!("{label}: {} holds an unknown text {:?}", e.name, v.text),
            Err(f) => match &f.problem {
                Problem::Interrupted => "interrupted",
                Problem::Missing {
                    text_exists: false,
                    metadata_exists: false,
                } if e.old.is_none() => "old (absent)",
                other => panic!(
                    "{label}: {} is neither old, new nor reported as interrupted: {other:?}\n{f}",
                    e.name
                ),
            },
        };
        states.push(format!("{}={state}", e.name));
    }
    states
}

/// The cache is at rest, every prompt holds `pick(expect)`, and each replaced text
/// is in backups.
fn check_settled(s: &Scenario, cache: &Path, label: &str, new: bool) {
    let seen = check_at_rest(cache).unwrap_or_else(|e| panic!("{label}: {e}"));
    for e in &s.expect {
        let want = if new { Some(&e.new) } else { e.old.as_ref() };
        assert_eq!(
            seen.get(e.name).map(|v| &v.text),
            want,
            "{label}: {}",
            e.name
        );
        if let Some(old) = &e.old {
            let kept = reliability::texts_kept(cache, e.name);
            assert!(kept.contains(old), "{label}: the old {} was lost", e.name);
        }
    }
}

/// The next sync after a crash: succeeds at once (the dead process's lock is gone),
/// reports no edit or conflict, and leaves the new state at rest.
fn next_sync(s: &Scenario, cache: &Path, label: &str) {
    let (out, finished) = reliability::run_with_deadline(
        &mut sync_once(cache, &s.hub, &names(s)),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        finished && out.status.success(),
        "{label}: {stdout}\n{stderr}"
    );
    assert!(
        !stderr.contains("waiting for the cache lock"),
        "{label}: the killed process's lock was not released: {stderr}"
    );
    for bad in ["edited but not marked", "conflict", "error"] {
        assert!(!stdout.contains(bad), "{label}: {stdout}");
    }
    check_settled(s, cache, label, true);
}

/// What a `cargo build` of the package does first: verify offline, repairing what a
/// killed process left. Afterwards every prompt is the old or the new version.
fn offline_build(s: &Scenario, pkg: &Path, cache: &Path, label: &str) {
    let env = Env::from_map(BTreeMap::from([(
        "PROMPT_SYNC_OFFLINE".to_owned(),
        "1".to_owned(),
    )]));
    let report = Builder::new()
        .package_dir(pkg)
        .run_with(&env)
        .unwrap_or_else(|(e, d)| panic!("{label}: {e}\n{d}"));
    let warnings: Vec<&String> = report
        .directives
        .lines()
        .iter()
        .filter(|l| l.starts_with("cargo:warning=") && !l.contains("repaired the cache"))
        .collect();
    assert!(warnings.is_empty(), "{label}: {warnings:?}");
    let seen = check_at_rest(cache).unwrap_or_else(|e| panic!("{label}: after repair: {e}"));
    for e in &s.expect {
        let t = seen.get(e.name).map(|v| &v.text);
        assert!(
            t == e.old.as_ref() || t == Some(&e.new),
            "{label}: after repair {} is {t:?}",
            e.name
        );
    }
}

#[test]
fn kill_at_every_crash_point() {
    let s = scenario(&|t| format!("{t}\n"));
    let mut points = Vec::new();
    let mut interrupted_points = Vec::new();
    for n in 1.. {
        assert!(n < 200, "the sync never finished");
        let (pkg, cache) = package_with(&s.base);
        let Some(label) = kill_at_point(&s, &cache, n) else {
            // Finished: every point has been tried.
            check_settled(&s, &cache, "uninterrupted sync", true);
            break;
        };
        let label = format!("kill at point {n} ({label})");
        let states = check_after_kill(&s, &cache, &label);
        points.push(format!("{n}: {}", states.join(" ")));
        let interrupted = states.iter().any(|st| st.contains("interrupted"));
        if interrupted {
            interrupted_points.push(n);
        }
        // The same leftovers, once repaired by a build, once by the next sync.
        let (copy, copy_cache) = package_with(&snapshot(&cache));
        offline_build(&s, copy.path(), &copy_cache, &label);
        next_sync(&s, &cache, &label);
        drop(pkg);
    }
    eprintln!("kill points tried: {}\n{}", points.len(), points.join("\n"));
    assert!(points.len() >= 15, "too few crash points: {points:?}");
    assert!(!interrupted_points.is_empty(), "{points:?}");

    // Kills inside the repair of an interrupted write: the repair is itself crash-safe.
    let mut nested = 0;
    for &n in interrupted_points.iter().take(3) {
        for k in 1..=3 {
            let (_pkg, cache) = package_with(&s.base);
            assert!(kill_at_point(&s, &cache, n).is_some());
            let label = format!("kill at point {n}, then at point {k} of the next sync");
            if let Some(second) = kill_at_point(&s, &cache, k) {
                nested += 1;
                check_after_kill(&s, &cache, &format!("{label} ({second})"));
            }
            next_sync(&s, &cache, &label);
        }
    }
    eprintln!("kills inside a repairing sync: {nested}");
    assert!(nested > 0);
}

/// A tiny deterministic generator (no `rand` dependency).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn kill_at_random_offsets() {
    // ~130 KiB texts, so writing (and fsyncing) them takes a while.
    let big = |t: &str| format!("{t}\n{}", "lorem ipsum dolor sit amet\n".repeat(5_000));
    let s = scenario(&big);
    // How long the write phase takes, to spread the kills over it.
    let (_pkg, cache) = package_with(&s.base);
    let started = Instant::now();
    let mut child = sync_once(&cache, &s.hub, &names(&s))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let planned_at = loop {
        match lines.next() {
            Some(Ok(l)) if l == "sync-once: planned" => break started.elapsed(),
            Some(_) => {}
            None => panic!("no plan"),
        }
    };
    assert!(child.wait().unwrap().success());
    let write_phase = started.elapsed().saturating_sub(planned_at);
    check_settled(&s, &cache, "calibration", true);
    let window = (write_phase.as_micros() as u64).max(2_000) * 3 / 2;

    let seed = 0x5eed_c7a5;
    let mut rng = Lcg(seed);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let iterations = 10;
    for i in 0..iterations {
        let (pkg, cache) = package_with(&s.base);
        let mut child = sync_once(&cache, &s.hub, &names(&s))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while let Some(Ok(l)) = lines.next() {
            if l == "sync-once: planned" {
                break;
            }
        }
        let delay = Duration::from_micros(rng.below(window));
        std::thread::sleep(delay);
        child.kill().unwrap();
        child.wait().unwrap();
        let label = format!("random kill {i} after {delay:?} (seed {seed:#x})");
        let states = check_after_kill(&s, &cache, &label);
        let leftovers = !temp_files(&cache).is_empty();
        *tally
            .entry(format!(
                "{}{}",
                states.join(" "),
                if leftovers { " +temp files" } else { "" }
            ))
            .or_default() += 1;
        let (copy, copy_cache) = package_with(&snapshot(&cache));
        offline_build(&s, copy.path(), &copy_cache, &label);
        next_sync(&s, &cache, &label);
        drop(pkg);
    }
    eprintln!("write phase {write_phase:?}; states after {iterations} random kills: {tally:#?}");
}

/// The `prompt-sync` binary as users run it: built by cargo on its own (no test
/// feature: its fault points do nothing), into the shared end-to-end target directory.
fn real_cli() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = prompt_sync_tests::workspace::root();
            let (out, finished) = reliability::run_with_deadline(
                &mut reliability::cargo_build(
                    &root,
                    &["-p", "prompt-sync-cli", "--bin", "prompt-sync"],
                    &[],
                ),
                Duration::from_secs(900),
            );
            assert!(
                finished && out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            prompt_sync_tests::workspace::shared_target_dir().join("debug/prompt-sync")
        })
        .clone()
}

/// `prompt-sync ARGS` (the real binary) on the package at `pkg`, against the
/// scenario's hub, output discarded.
fn real_cli_cmd(s: &Scenario, pkg: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(real_cli());
    cmd.arg("--manifest-path")
        .arg(pkg.join("Cargo.toml"))
        .args(args)
        .env("LANGSMITH_API_KEY", KEY)
        .env("LANGSMITH_ENDPOINT", s.hub.url())
        .env("PROMPT_SYNC_TIMEOUT", "5")
        .env_remove("LANGCHAIN_API_KEY")
        .env_remove("PROMPT_SYNC_OFFLINE")
        .env_remove("PROMPT_SYNC_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// `prompt-sync sync --all` of the package at `pkg` (the real binary).
fn real_sync(s: &Scenario, pkg: &Path) -> Command {
    real_cli_cmd(s, pkg, &["sync", "--all"])
}

/// A package configured for the scenario's prompts whose cache holds `files`.
fn configured_package(
    s: &Scenario,
    files: &BTreeMap<PathBuf, Vec<u8>>,
) -> (tempfile::TempDir, PathBuf) {
    let list = names(s)
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    package_configured(&format!("prompts = [{list}]"), files)
}

/// The real binary, built without test features, killed (SIGKILL) at random moments
/// of `sync --all`: every prompt is old, new or recognisably interrupted, a build
/// repairs it, and the next sync (again the real binary) finishes it.
#[test]
fn kill_the_real_cli_at_random_offsets() {
    // ~2 MiB texts: writing them is a good part of the run, where kills should land.
    let big = |t: &str| format!("{t}\n{}", "lorem ipsum dolor sit amet\n".repeat(80_000));
    let s = scenario(&big);
    // Built without `fault-injection`: a fault point asked for is not honoured, the
    // sync runs to the end (a test build would stop there and wait to be killed).
    let (_pkg, cache) = configured_package(&s, &s.base);
    real_cli();
    let started = Instant::now();
    let (out, finished) = reliability::run_with_deadline(
        real_sync(&s, _pkg.path()).env("PROMPT_SYNC_FAULT_AT", "1"),
        Duration::from_secs(60),
    );
    assert!(finished && out.status.success(), "{out:?}");
    let whole = started.elapsed();
    check_settled(&s, &cache, "uninterrupted real sync", true);

    let seed = 0xc0ffee;
    let mut rng = Lcg(seed);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..12 {
        let (pkg, cache) = configured_package(&s, &s.base);
        let mut child = real_sync(&s, pkg.path()).spawn().unwrap();
        let delay = Duration::from_micros(rng.below(whole.as_micros() as u64 * 3 / 2));
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL (it may have finished)
        child.wait().unwrap();
        let label = format!("real CLI killed {i} after {delay:?} (seed {seed:#x})");
        let states = check_after_kill(&s, &cache, &label);
        *tally.entry(states.join(" ")).or_default() += 1;
        let (copy, copy_cache) = package_with(&snapshot(&cache));
        offline_build(&s, copy.path(), &copy_cache, &label);
        let (out, finished) =
            reliability::run_with_deadline(&mut real_sync(&s, pkg.path()), Duration::from_secs(60));
        assert!(
            finished && out.status.success(),
            "{label}: the next sync failed"
        );
        check_settled(&s, &cache, &label, true);
    }
    eprintln!("whole real sync {whole:?}; states after 12 random kills: {tally:#?}");
    // Kills before, during and after the writes: not every one after the sync ended.
    assert!(
        tally.len() > 1,
        "every kill landed at the same stage: {tally:?}"
    );
}

/// The real binary killed at random moments of `push`, `mark-edited` and `restore`:
/// after a repair the prompt verifies, the user's edit is in the cache or a backup,
/// and the hub holds at most the one commit the push was making.
#[test]
fn kill_the_real_cli_while_it_pushes_marks_and_restores() {
    let big = |t: &str| format!("{t}\n{}", "lorem ipsum dolor sit amet\n".repeat(80_000));
    let s = scenario(&big);
    real_cli();

    let run = |pkg: &Path, args: &[&str]| real_cli_cmd(&s, pkg, args);
    // A package synced to the hub, with `alpha` marked and edited (each time anew:
    // an earlier push made the hub's text an earlier edit).
    let prepared = |edit: &str| {
        let (pkg, cache) = configured_package(&s, &s.base);
        let (out, _) =
            reliability::run_with_deadline(&mut real_sync(&s, pkg.path()), Duration::from_secs(60));
        assert!(out.status.success());
        let (out, _) = reliability::run_with_deadline(
            &mut run(pkg.path(), &["mark-edited", "alpha"]),
            Duration::from_secs(60),
        );
        assert!(out.status.success());
        std::fs::write(cache.join("alpha.txt"), edit).unwrap();
        (pkg, cache)
    };
    let seed = 0xfeed;
    let mut rng = Lcg(seed);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for (i, args) in [
        &["push", "alpha"][..],
        &["restore", "alpha"][..],
        &["mark-edited", "alpha"][..],
    ]
    .iter()
    .cycle()
    .take(18)
    .enumerate()
    {
        let edit = big(&format!("alpha, edited by hand #{i}"));
        let (pkg, cache) = prepared(&edit);
        let commits_before = s.hub.commits("alpha").len();
        let started = Instant::now();
        let (out, _) =
            reliability::run_with_deadline(&mut run(pkg.path(), args), Duration::from_secs(60));
        assert!(out.status.success(), "{args:?}");
        let whole = started.elapsed();
        // Again from the same start, killed this time.
        let edit = big(&format!("alpha, edited by hand #{i} again"));
        let (pkg, cache) = {
            drop((pkg, cache));
            prepared(&edit)
        };
        let commits_before_kill = s.hub.commits("alpha").len();
        assert!(commits_before_kill >= commits_before);
        let mut child = run(pkg.path(), args).spawn().unwrap();
        let delay = Duration::from_micros(rng.below(whole.as_micros() as u64 * 3 / 2));
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let label = format!("{args:?} killed {i} after {delay:?} (seed {seed:#x})");
        // A repair, then the prompt verifies and nothing of the user's is lost.
        let (out, _) = reliability::run_with_deadline(
            &mut run(pkg.path(), &["repair"]),
            Duration::from_secs(60),
        );
        assert!(out.status.success(), "{label}: repair failed");
        let store = Store::new(CacheLayout::new(&cache));
        let name = PromptName::new("alpha").unwrap();
        let v = verify(&store, &name).unwrap_or_else(|f| panic!("{label}: {f}"));
        let kept = reliability::texts_kept(&cache, "alpha");
        assert!(
            kept.contains(&edit) || v.text == edit,
            "{label}: the edit was lost"
        );
        let pushed = s.hub.commits("alpha").len() - commits_before_kill;
        assert!(pushed <= 1, "{label}: {pushed} commits");
        let outcome = if v.text == edit {
            "edit kept in place"
        } else {
            "text restored, edit in a backup"
        };
        *kinds
            .entry(format!("{} -> {outcome}", args[0]))
            .or_default() += 1;
    }
    eprintln!("real CLI push/restore/mark-edited kills: {kinds:?}");
}
