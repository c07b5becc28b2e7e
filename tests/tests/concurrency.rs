//! Concurrency: syncs, builds and readers on one cache at once, against a hub whose
//! prompts keep changing. Afterwards every text matches its metadata, no temporary
//! file is left, every text anyone saw is still in the cache or its backups, and each
//! process finished cleanly or with a clear message. Readers never see a text and a
//! metadata from two different syncs.
//!
//! The writers are 4 `sync-once` processes (this crate's stand-in for
//! `prompt-sync sync`: the engine's plan and apply; the CLI's online sync is written
//! separately), repeating until the builds are done, two of them holding the lock for
//! a while after each sync so others must wait; and 2 `cargo build`s of two throwaway
//! crates sharing the cache through `cache_dir`, whose build scripts sync and whose
//! `prompt!` calls read. (The two cargo builds share the end-to-end target directory,
//! so cargo runs them one after the other; each overlaps the syncs.) A reader thread
//! verifies every prompt under the shared lock in a loop.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prompt_sync_core::hash::sha256_hex;
use prompt_sync_tests::fake_hub::{FakeHub, Options};
use prompt_sync_tests::reliability::{self, cache_text, check_at_rest, read_consistent};
use prompt_sync_tests::throwaway::{Crate, text_manifest};

const KEY: &str = "lsv2_pt_concurrency_key";
const NAMES: [&str; 8] = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];

/// The text the hub's commit `commit` of `name` renders to.
fn text_of_commit(hub: &FakeHub, name: &str, commit: &str) -> Option<String> {
    hub.commits(name)
        .into_iter()
        .find(|(h, _, _)| h == commit)
        .map(|(_, m, _)| cache_text(&m))
}

/// A main that prints `name|sha256|commit|content` blocks, each ending in a line `~`.
fn printing_main(names: &[&str]) -> String {
    let mut s = String::new();
    for (i, n) in names.iter().enumerate() {
        s.push_str(&format!(
            "const P{i}: prompt_sync::Prompt = prompt_sync::prompt!({n:?});\n"
        ));
    }
    s.push_str("fn main() {\n");
    for i in 0..names.len() {
        s.push_str(&format!(
            "    println!(\"{{}}|{{}}|{{}}|{{}}\\n~\", P{i}.name(), P{i}.sha256(), P{i}.hub_commit().unwrap_or(\"\"), P{i}.content());\n"
        ));
    }
    s.push_str("}\n");
    s
}

#[test]
fn syncs_builds_and_readers_at_once_lose_nothing_and_never_mix_versions() {
    let hub = Arc::new(FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        latency: Duration::from_millis(15),
        ..Options::default()
    }));
    for n in NAMES {
        hub.put_prompt(
            n,
            text_manifest(&format!("{n} version 0 for {{who}}\n"), &["who"]),
        );
    }
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("shared-cache");
    let stop_file = work.path().join("stop");
    let config = format!(
        "prompts = []\ncache_dir = {:?}",
        cache.display().to_string()
    );
    let crate_a = Crate::new(
        "prompt_sync_rel_concurrency_a",
        &config,
        &printing_main(&NAMES[..5]),
    )
    .unwrap();
    let crate_b = Crate::new(
        "prompt_sync_rel_concurrency_b",
        &config,
        &printing_main(&NAMES[3..]),
    )
    .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    // The hub keeps changing: a new version of one prompt every 200 ms.
    let hub_writer = {
        let (hub, stop) = (Arc::clone(&hub), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut commits = 0;
            while !stop.load(Ordering::SeqCst) {
                commits += 1;
                let n = NAMES[commits % NAMES.len()];
                hub.put_prompt(
                    n,
                    text_manifest(&format!("{n} version {commits} for {{who}}\n"), &["who"]),
                );
                std::thread::sleep(Duration::from_millis(200));
            }
            commits
        })
    };
    // A reader: every prompt, under the shared lock, must verify and its text must be
    // the text of the hub commit its metadata names.
    let seen: Arc<Mutex<BTreeMap<String, BTreeSet<String>>>> = Arc::default();
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (hub, stop, seen, reads) = (
            Arc::clone(&hub),
            Arc::clone(&stop),
            Arc::clone(&seen),
            Arc::clone(&reads),
        );
        let cache = cache.clone();
        std::thread::spawn(move || -> Result<(), String> {
            while !stop.load(Ordering::SeqCst) {
                for (name, v) in read_consistent(&cache, &NAMES)? {
                    let commit = v.metadata.hub_commit_hash.clone().unwrap_or_default();
                    let want = text_of_commit(&hub, &name, &commit);
                    if want.as_ref() != Some(&v.text) {
                        return Err(format!(
                            "{name}: the text is not the one of commit {commit} its metadata names"
                        ));
                    }
                    seen.lock().unwrap().entry(name).or_default().insert(v.text);
                }
                reads.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(())
        })
    };

    let syncs: Vec<_> = (0..4)
        .map(|i| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_sync-once"));
            cmd.args(["--repeat", "40", "--until-file"])
                .arg(&stop_file)
                .args(["--hold-lock-ms", if i < 2 { "150" } else { "0" }])
                .arg(&cache)
                .args(NAMES)
                .env("LANGSMITH_API_KEY", KEY)
                .env("LANGSMITH_ENDPOINT", hub.url())
                .env("PROMPT_SYNC_TIMEOUT", "10")
                .env("SYNC_ONCE_PAUSE_MS", (i * 20).to_string())
                .env_remove("PROMPT_SYNC_FAULT_AT")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let build_env = [
        ("LANGSMITH_API_KEY", KEY.to_owned()),
        ("LANGSMITH_ENDPOINT", hub.url()),
        ("PROMPT_SYNC_TIMEOUT", "10".to_owned()),
    ];
    let builds: Vec<_> = [&crate_a, &crate_b]
        .into_iter()
        .map(|c| {
            let dir = c.path().to_owned();
            let env = build_env.clone();
            std::thread::spawn(move || {
                let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let mut cmd = reliability::cargo_build(&dir, &[], &pairs);
                reliability::run_with_deadline(&mut cmd, Duration::from_secs(600))
            })
        })
        .collect();
    let build_outputs: Vec<_> = builds.into_iter().map(|b| b.join().unwrap()).collect();
    std::fs::write(&stop_file, "").unwrap();
    let sync_outputs: Vec<_> = syncs
        .into_iter()
        .map(|c| reliability::wait_with_deadline(c, Duration::from_secs(120)))
        .collect();
    stop.store(true, Ordering::SeqCst);
    let hub_commits = hub_writer.join().unwrap();
    reader.join().unwrap().unwrap();

    // Each process succeeds. The engine does not write over a prompt another process
    // changed after it planned: it plans that prompt again under the lock and goes on,
    // so no sync fails for a race.
    let mut waited = 0;
    let mut runs = 0;
    for (i, (out, finished)) in sync_outputs.iter().enumerate() {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(*finished, "sync {i} hung:\n{stdout}\n{stderr}");
        runs += stdout.matches("sync-once: planned").count();
        waited += stderr.matches("waiting for the cache lock").count();
        for line in stdout.lines() {
            assert!(!line.contains("error"), "sync {i}: {line}\n{stderr}");
        }
        for line in stderr.lines() {
            assert!(
                line.starts_with("sync-once: waiting for the cache lock")
                    || line.starts_with("TIMING"),
                "sync {i}: {line}"
            );
        }
        assert!(out.status.success(), "sync {i}: {stdout}\n{stderr}");
    }
    for ((out, finished), c) in build_outputs.iter().zip([&crate_a, &crate_b]) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(*finished && out.status.success(), "{stderr}");
        for w in stderr
            .lines()
            .filter(|l| l.starts_with("warning: prompt_sync_rel"))
        {
            assert!(
                w.contains("pulled `") || w.contains("updated `"),
                "unexpected warning: {w}\n{stderr}"
            );
        }
        // What the binary embedded: a text and the commit of the same sync.
        let run = c.run(&[]).unwrap();
        let printed = String::from_utf8(run.stdout).unwrap();
        for block in printed.split("\n~\n").filter(|b| !b.is_empty()) {
            let mut parts = block.splitn(4, '|');
            let (name, sha, commit, content) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            assert_eq!(sha, sha256_hex(content.as_bytes()), "{name}");
            assert_eq!(
                text_of_commit(&hub, name, commit).as_deref(),
                Some(content),
                "{name}: the binary embedded a text and a commit from different syncs"
            );
            seen.lock()
                .unwrap()
                .entry(name.to_owned())
                .or_default()
                .insert(content.to_owned());
        }
    }

    // At rest: consistent, no temporary files, backups hold what their names say.
    let at_rest = check_at_rest(&cache).unwrap();
    assert_eq!(at_rest.len(), NAMES.len());
    for (name, v) in &at_rest {
        let commit = v.metadata.hub_commit_hash.clone().unwrap_or_default();
        assert_eq!(text_of_commit(&hub, name, &commit).as_ref(), Some(&v.text));
    }
    // Nothing lost: every text anyone saw is the current text or a backup.
    let seen = seen.lock().unwrap();
    let mut versions = 0;
    for (name, texts) in seen.iter() {
        let kept = reliability::texts_kept(&cache, name);
        for t in texts {
            versions += 1;
            assert!(kept.contains(t), "{name}: a version was lost: {t:?}");
        }
    }
    assert!(waited > 0, "no process ever waited for the lock");
    eprintln!(
        "processes at once: 4 syncs ({runs} sync runs, {waited} lock waits) + 2 cargo builds + 1 reader ({} verified reads); {hub_commits} hub commits; {versions} versions seen, all kept",
        reads.load(Ordering::SeqCst)
    );
}

/// Build steps running at once on one cache (cargo runs the build scripts of a
/// workspace's crates in parallel): each plans from the same cache, the first to get
/// the lock writes, and the others must not report "could not sync" because of it.
/// Runs the build step in process (`Builder::run_with`), 4 at a time, 3 rounds.
#[test]
fn parallel_build_steps_sharing_a_cache_do_not_warn_about_each_other() {
    use prompt_sync_build::{Builder, Env};
    let hub = FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        latency: Duration::from_millis(20),
        ..Options::default()
    });
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("shared-cache");
    let list = NAMES.map(|n| format!("{n:?}")).join(", ");
    let config = format!(
        "prompts = [{list}]\ncache_dir = {:?}",
        cache.display().to_string()
    );
    let packages = [
        reliability::package(&config).unwrap(),
        reliability::package(&config).unwrap(),
    ];
    let url = hub.url();
    let env = |url: &str| {
        Env::from_map(std::collections::BTreeMap::from([
            ("LANGSMITH_API_KEY".to_owned(), KEY.to_owned()),
            ("LANGSMITH_ENDPOINT".to_owned(), url.to_owned()),
        ]))
    };
    for round in 0..3 {
        for n in NAMES {
            hub.put_prompt(n, text_manifest(&format!("{n} round {round}\n"), &[]));
        }
        let start = std::sync::Barrier::new(4);
        let results: Vec<Result<Vec<String>, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|i| {
                    let (pkg, start, url, env) = (&packages[i % 2], &start, &url, &env);
                    s.spawn(move || {
                        start.wait();
                        Builder::new()
                            .package_dir(pkg.path())
                            .run_with(&env(url))
                            .map(|r| r.directives.lines().to_vec())
                            .map_err(|(e, d)| format!("{e}\n{d}"))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for r in results {
            let lines = r.unwrap_or_else(|e| panic!("round {round}: {e}"));
            for w in lines
                .iter()
                .filter_map(|l| l.strip_prefix("cargo:warning="))
            {
                assert!(
                    w.contains("pulled `") || w.contains("updated `"),
                    "round {round}: {w}"
                );
            }
        }
        let at_rest = check_at_rest(&cache).unwrap();
        for (name, v) in &at_rest {
            assert_eq!(v.text, format!("{name} round {round}\n"));
        }
    }
}
