//! The offline half of the build step, against temporary packages.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use prompt_sync_build::{BuildError, Builder, Env, OfflineReason};
use prompt_sync_core::PromptName;
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::store::Store;
use prompt_sync_core::verify::Problem;

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A package with `prompts = [...]` in config, a `src/main.rs` using `uses`, and a
/// cache holding `cached`.
fn package(config_prompts: &[&str], uses: &[&str], cached: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let list: Vec<String> = config_prompts.iter().map(|p| format!("{p:?}")).collect();
    fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[package.metadata.prompt-sync]\nprompts = [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    let calls: String = uses
        .iter()
        .map(|u| format!("    let _ = prompt_sync::prompt!({u:?});\n"))
        .collect();
    fs::write(
        dir.path().join("src/main.rs"),
        format!("fn main() {{\n{calls}}}\n"),
    )
    .unwrap();
    let store = store(dir.path());
    let lock = store.lock_exclusive(|_| {}).unwrap();
    for (name, text) in cached {
        let n = PromptName::new(name).unwrap();
        let mut m = Metadata::new(&n, &sha256_hex(text.as_bytes()));
        m.hub_content_hash = Some(sha256_hex(text.as_bytes()));
        store.write(&lock, &n, text, &m).unwrap();
    }
    dir
}

fn store(pkg: &Path) -> Store {
    Store::new(CacheLayout::new(pkg.join("prompts/langsmith_cache")))
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.display().to_string(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn intact_cache_builds_offline_and_emits_rerun_lines() {
    let pkg = package(&["a"], &["b"], &[("a", "A {x}"), ("b", "B"), ("c", "C")]);
    let report = Builder::new()
        .package_dir(pkg.path())
        .run_with(&env(&[]))
        .map_err(|(e, _)| e.to_string())
        .unwrap();
    assert_eq!(report.offline, Some(OfflineReason::NoApiKey));
    let names: Vec<&str> = report.prompts.iter().map(|p| p.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let lines = report.directives.lines();
    let has = |l: String| assert!(lines.contains(&l), "missing {l} in {lines:#?}");
    has(format!(
        "cargo:rerun-if-changed={}",
        pkg.path().join("Cargo.toml").display()
    ));
    has(format!(
        "cargo:rerun-if-changed={}",
        pkg.path().join("prompts/langsmith_cache").display()
    ));
    has(format!(
        "cargo:rerun-if-changed={}",
        pkg.path().join("src").display()
    ));
    has("cargo:rerun-if-env-changed=PROMPT_SYNC_OFFLINE".into());
    has("cargo:rerun-if-env-changed=PROMPT_SYNC_DIR".into());
    // The cache directory is tracked as a whole, so the macro need not track files.
    has(format!(
        "cargo:rustc-env={}={}",
        prompt_sync_core::layout::BUILD_TRACKS_CACHE_ENV,
        pkg.path().join("prompts/langsmith_cache").display()
    ));
    let warnings: Vec<_> = lines
        .iter()
        .filter(|l| l.starts_with("cargo:warning="))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("no LANGSMITH_API_KEY"));
    // Nothing tracks a path that does not exist, or a secret.
    for l in lines {
        if let Some(p) = l.strip_prefix("cargo:rerun-if-changed=") {
            assert!(Path::new(p).exists(), "{p}");
        }
        assert!(
            !(l.starts_with("cargo:rerun-if-env-changed") && l.contains("API_KEY")),
            "{l}"
        );
    }
}

#[test]
fn explicit_offline_is_silent_and_the_key_is_never_tracked() {
    let pkg = package(&["a"], &[], &[("a", "A")]);
    let e = env(&[
        ("PROMPT_SYNC_OFFLINE", "1"),
        ("LANGSMITH_API_KEY", "lsv2_pt_do_not_leak"),
    ]);
    let report = Builder::new()
        .package_dir(pkg.path())
        .run_with(&e)
        .map_err(|(e, _)| e.to_string())
        .unwrap();
    assert_eq!(report.offline, Some(OfflineReason::Requested));
    let text = report.directives.to_string();
    assert!(!text.contains("cargo:warning"), "{text}");
    assert!(!text.contains("lsv2_pt_do_not_leak"));
    assert!(!text.contains("rerun-if-env-changed=LANGSMITH_API_KEY"));
    assert!(!text.contains("rerun-if-env-changed=LANGCHAIN_API_KEY"));
}

#[test]
fn online_falls_back_to_the_cache_with_a_warning() {
    let pkg = package(&["a"], &[], &[("a", "A")]);
    // A port nothing listens on: the hub is unreachable.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out_dir = tempfile::tempdir().unwrap();
    let e = env(&[
        ("LANGSMITH_API_KEY", "lsv2_pt_do_not_leak"),
        ("LANGSMITH_ENDPOINT", &endpoint),
        ("OUT_DIR", out_dir.path().to_str().unwrap()),
    ]);
    let report = Builder::new()
        .package_dir(pkg.path())
        .run_with(&e)
        .map_err(|(e, _)| e.to_string())
        .unwrap();
    assert_eq!(report.offline, None);
    let text = report.directives.to_string();
    assert!(
        text.contains("cargo:warning=prompt-sync: cannot sync with the hub: cannot reach the hub"),
        "{text}"
    );
    assert!(
        text.contains("rerun-if-env-changed=LANGSMITH_ENDPOINT"),
        "{text}"
    );
    assert!(!text.contains("lsv2_pt_do_not_leak"));
    // The key was read (to decide online) but is never tracked.
    assert!(
        text.contains("rerun-if-env-changed=PROMPT_SYNC_OFFLINE"),
        "{text}"
    );
    assert!(
        !text.contains("rerun-if-env-changed=LANGSMITH_API_KEY"),
        "{text}"
    );
    assert!(
        !text.contains("rerun-if-env-changed=LANGCHAIN_API_KEY"),
        "{text}"
    );
}

#[test]
fn missing_and_damaged_prompts_fail_the_build_listing_each_fix() {
    let pkg = package(
        &["listed_missing", "edited"],
        &["used_missing"],
        &[("edited", "v1"), ("extra", "x")],
    );
    let s = store(pkg.path());
    fs::write(
        s.layout().text_path(&PromptName::new("edited").unwrap()),
        "v1 changed by hand",
    )
    .unwrap();
    // A cache-only prompt with a problem is a warning, not an error.
    fs::write(
        s.layout().text_path(&PromptName::new("extra").unwrap()),
        "changed",
    )
    .unwrap();
    let before = snapshot(pkg.path());
    let (err, directives) = Builder::new()
        .package_dir(pkg.path())
        .run_with(&env(&[]))
        .unwrap_err();
    let BuildError::Prompts { failures, .. } = &err else {
        panic!("{err}")
    };
    let names: Vec<&str> = failures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["edited", "listed_missing", "used_missing"]);
    assert!(matches!(failures[0].problem, Problem::UnmarkedEdit { .. }));
    let msg = err.to_string();
    assert!(msg.contains("3 prompt(s)"), "{msg}");
    assert!(msg.contains("prompt-sync mark-edited edited"), "{msg}");
    assert!(msg.contains("prompt-sync sync used_missing"), "{msg}");
    assert!(msg.contains("`prompts/langsmith_cache`"), "{msg}");
    assert!(
        directives
            .to_string()
            .contains("cargo:warning=prompt `extra` changed since its last sync"),
        "{directives}"
    );
    // Rerun lines are still emitted, so fixing the cache reruns the script.
    assert!(directives.to_string().contains("rerun-if-changed"));
    assert_eq!(
        snapshot(pkg.path()),
        before,
        "a failed offline build changed files"
    );
}

#[test]
fn marked_edits_warn_about_pushing() {
    let pkg = package(&["a"], &[], &[("a", "A")]);
    let s = store(pkg.path());
    let lock = s.lock_exclusive(|_| {}).unwrap();
    let a = PromptName::new("a").unwrap();
    s.mark_edited(&lock, &a).unwrap();
    drop(lock);
    fs::write(s.layout().text_path(&a), "A, improved").unwrap();
    let report = Builder::new()
        .package_dir(pkg.path())
        .run_with(&env(&[("PROMPT_SYNC_OFFLINE", "true")]))
        .map_err(|(e, _)| e.to_string())
        .unwrap();
    assert!(report.directives.to_string().contains("prompt-sync push a"));
}

#[test]
fn an_interrupted_sync_is_repaired() {
    let pkg = package(&["a"], &[], &[("a", "old")]);
    let s = store(pkg.path());
    let a = PromptName::new("a").unwrap();
    // Killed after the metadata named the new text, before the text was renamed.
    fs::write(s.layout().incoming_path(&a), "new").unwrap();
    let mut m = s.read_metadata(&a).unwrap().unwrap();
    let previous = serde_json_value(&fs::read(s.layout().metadata_path(&a)).unwrap());
    m.local_content_hash = Some(sha256_hex(b"new"));
    m.hub_content_hash = Some(sha256_hex(b"new"));
    m.pending_write = Some(prompt_sync_core::metadata::PendingWrite {
        incoming_hash: sha256_hex(b"new"),
        previous: Some(Box::new(previous)),
        ..Default::default()
    });
    fs::write(s.layout().metadata_path(&a), m.to_json_bytes()).unwrap();
    let report = Builder::new()
        .package_dir(pkg.path())
        .run_with(&env(&[("PROMPT_SYNC_OFFLINE", "1")]))
        .map_err(|(e, _)| e.to_string())
        .unwrap();
    assert!(
        report.directives.to_string().contains("repaired"),
        "{}",
        report.directives
    );
    assert_eq!(s.read_text(&a).unwrap().as_deref(), Some("new"));
    assert!(!s.layout().incoming_path(&a).exists());
}

fn serde_json_value(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn bad_config_is_a_setup_error_naming_the_key() {
    let pkg = package(&[], &[], &[]);
    fs::write(
        pkg.path().join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[package.metadata.prompt-sync]\nprompts = [\"../x\"]\n",
    )
    .unwrap();
    let before = snapshot(pkg.path());
    let (err, _) = Builder::new()
        .package_dir(pkg.path())
        .run_with(&env(&[]))
        .unwrap_err();
    assert_eq!(snapshot(pkg.path()), before);
    assert!(
        matches!(
            err,
            BuildError::Setup(prompt_sync_core::Error::InvalidName { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("../x"));
}

#[test]
fn verified_prompts_are_recorded_in_out_dir_and_reused_until_they_change() {
    let pkg = package(&["a"], &[], &[("a", "A {x}")]);
    let layout = store(pkg.path()).layout().clone();
    let a = prompt_sync_core::PromptName::new("a").unwrap();
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for p in [layout.text_path(&a), layout.metadata_path(&a)] {
        fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(then)
            .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().display().to_string();
    let run = || {
        Builder::new()
            .package_dir(pkg.path())
            .run_with(&env(&[("PROMPT_SYNC_OFFLINE", "1"), ("OUT_DIR", &out_dir)]))
            .map_err(|(e, _)| e.to_string())
    };
    run().unwrap();
    let index_path = out.path().join(prompt_sync_core::index::INDEX_FILE);
    let index = prompt_sync_core::index::Index::load(&index_path, layout.root());
    assert_eq!(index.len(), 1);

    // An unmarked edit is found even though the prompt was recorded as good.
    fs::write(layout.text_path(&a), "A {y}").unwrap();
    let err = run().unwrap_err();
    assert!(err.contains("prompt-sync mark-edited a"), "{err}");
}

/// `PROMPT_SYNC_REFRESH=1` makes cargo rerun the script on every build (a path that
/// never exists), so each such build checks the hub; without it, or offline on purpose,
/// nothing makes cargo rerun it for nothing.
#[test]
fn refresh_reruns_the_script_on_every_build_only_while_set() {
    let pkg = package(&["a"], &[], &[("a", "A")]);
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().display().to_string();
    let always = format!(
        "cargo:rerun-if-changed={}",
        out_dir
            .path()
            .join(prompt_sync_build::NEVER_CREATED)
            .display()
    );
    let lines = |pairs: &[(&str, &str)]| {
        let mut pairs = pairs.to_vec();
        pairs.push(("OUT_DIR", &out));
        Builder::new()
            .package_dir(pkg.path())
            .run_with(&env(&pairs))
            .map_err(|(e, _)| e.to_string())
            .unwrap()
            .directives
            .lines()
            .to_vec()
    };
    for set in ["1", "true", "TRUE"] {
        let l = lines(&[("PROMPT_SYNC_REFRESH", set)]);
        assert!(l.contains(&always), "{set}: {l:#?}");
        assert!(l.contains(&"cargo:rerun-if-env-changed=PROMPT_SYNC_REFRESH".to_owned()));
    }
    assert!(
        !out_dir
            .path()
            .join(prompt_sync_build::NEVER_CREATED)
            .exists()
    );
    for pairs in [
        &[][..],
        &[("PROMPT_SYNC_REFRESH", "0")][..],
        &[("PROMPT_SYNC_REFRESH", "1"), ("PROMPT_SYNC_OFFLINE", "1")][..],
    ] {
        let l = lines(pairs);
        assert!(!l.contains(&always), "{pairs:?}: {l:#?}");
        for line in &l {
            if let Some(p) = line.strip_prefix("cargo:rerun-if-changed=") {
                assert!(Path::new(p).exists(), "{pairs:?}: {p}");
            }
        }
    }
}

/// The digest the build script gives rustc (`prompt!` reads it, so build caches keyed
/// on rustc's inputs see a change): it follows what `prompt!` embeds, text and
/// metadata, whether the prompts were verified now or found in the index.
#[test]
fn the_verified_digest_follows_what_prompt_embeds() {
    use prompt_sync_core::layout::VERIFIED_DIGEST_ENV;
    let pkg = package(&["a"], &[], &[("a", "A"), ("b", "B")]);
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().display().to_string();
    let prefix = format!("cargo:rustc-env={VERIFIED_DIGEST_ENV}=");
    let run = || {
        let directives = match Builder::new()
            .package_dir(pkg.path())
            .run_with(&env(&[("OUT_DIR", &out), ("PROMPT_SYNC_OFFLINE", "1")]))
        {
            Ok(report) => report.directives,
            Err((_, directives)) => directives,
        };
        let digests: Vec<String> = directives
            .lines()
            .iter()
            .filter_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
            .collect();
        assert!(digests.len() <= 1, "{digests:?}");
        digests.into_iter().next()
    };
    let write = |name: &str, text: &str, commit: &str| {
        let store = store(pkg.path());
        let lock = store.lock_exclusive(|_| {}).unwrap();
        let n = PromptName::new(name).unwrap();
        let mut m = Metadata::new(&n, &sha256_hex(text.as_bytes()));
        m.hub_content_hash = Some(sha256_hex(text.as_bytes()));
        m.hub_commit_hash = Some(commit.to_owned());
        store.write(&lock, &n, text, &m).unwrap();
    };
    // Dates every cache file a minute back, so the index records them.
    let age = || {
        let then = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        for file in snapshot(&pkg.path().join("prompts/langsmith_cache")).keys() {
            let f = fs::File::options().write(true).open(file).unwrap();
            f.set_modified(then).unwrap();
        }
    };
    write("a", "A", "c1");
    write("b", "B", "c1");
    let first = run().expect("a digest");
    assert_eq!(first.len(), 64);
    age();
    assert_eq!(run().as_ref(), Some(&first), "verified, then recorded");
    assert_eq!(run().as_ref(), Some(&first), "from the index");

    write("a", "A", "c2");
    let commit = run().unwrap();
    assert_ne!(commit, first, "the commit is embedded too");
    write("a", "A2", "c2");
    let text = run().unwrap();
    assert_ne!(text, commit);
    assert_ne!(text, first);
    write("b", "B2", "c3");
    let other = run().unwrap();
    assert_ne!(other, text, "any verified prompt counts");
    // Back to the same content (other timestamps, backups): the same digest, so a
    // build cache hits again.
    write("a", "A", "c1");
    write("b", "B", "c1");
    assert_eq!(run().as_ref(), Some(&first));
    age();
    assert_eq!(run().as_ref(), Some(&first), "from the index");

    // A build that fails gives no digest.
    fs::write(pkg.path().join("prompts/langsmith_cache/a.txt"), "unmarked").unwrap();
    assert_eq!(run(), None);
}
