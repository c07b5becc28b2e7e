//! Bad local input: hostile or broken names, metadata, prompt files, cache
//! directories and config. Each gets a clear error that names the file and the fix,
//! and nothing is deleted or overwritten (every test compares a snapshot of the
//! package before and after).
//!
//! The build step is run in process (`Builder::run_with`), offline and, where it
//! matters, online against the fake hub holding a newer version (a sync must not
//! "repair" bad input by writing over it). The macro shares `verify` with the build
//! step; its own messages are covered by the trybuild UI tests of `prompt-macros`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use prompt_sync_build::{BuildError, Builder, Env};
use prompt_sync_core::config::Config;
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::store::Store;
use prompt_sync_core::verify::{Problem, verify};
use prompt_sync_core::{Error, PromptName};
use prompt_sync_tests::fake_hub::{FakeHub, Options};
use prompt_sync_tests::reliability::{self, snapshot};
use prompt_sync_tests::throwaway::text_manifest;

const KEY: &str = "lsv2_pt_bad_input_key";

/// Names that must be refused wherever a name enters.
fn bad_names() -> Vec<(&'static str, String)> {
    vec![
        ("parent path", "../x".to_owned()),
        ("slash", "a/b".to_owned()),
        ("absolute path", "/etc/passwd".to_owned()),
        ("NUL", "a\0b".to_owned()),
        ("300 characters", "a".repeat(300)),
        ("empty", String::new()),
        ("Cyrillic е inside", "rout\u{0435}r".to_owned()),
        ("Cyrillic а first", "\u{0430}lpha".to_owned()),
        ("fullwidth letters", "ｒｏｕｔｅｒ".to_owned()),
        ("zero-width space", "rou\u{200b}ter".to_owned()),
        ("leading dash", "-x".to_owned()),
        ("space", "x y".to_owned()),
        ("dot", "x.txt".to_owned()),
        ("hidden", ".hidden".to_owned()),
        ("newline", "name\n".to_owned()),
        ("drive letter", "C:\\x".to_owned()),
    ]
}

fn offline() -> Env {
    Env::from_map(BTreeMap::from([(
        "PROMPT_SYNC_OFFLINE".to_owned(),
        "1".to_owned(),
    )]))
}

fn online(hub: &FakeHub) -> Env {
    Env::from_map(BTreeMap::from([
        ("LANGSMITH_API_KEY".to_owned(), KEY.to_owned()),
        ("LANGSMITH_ENDPOINT".to_owned(), hub.url()),
        ("PROMPT_SYNC_TIMEOUT".to_owned(), "5".to_owned()),
    ]))
}

fn build(pkg: &Path, env: &Env) -> Result<String, (BuildError, String)> {
    Builder::new()
        .package_dir(pkg)
        .run_with(env)
        .map(|r| r.directives.to_string())
        .map_err(|(e, d)| (e, d.to_string()))
}

fn build_error(pkg: &Path, env: &Env) -> String {
    match build(pkg, env) {
        Ok(d) => panic!("the build succeeded:\n{d}"),
        Err((e, d)) => format!("{e}\n{d}"),
    }
}

fn hub() -> FakeHub {
    FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    })
}

/// A package needing `p`, its cache synced from a hub at v1; the hub then moves to v2.
fn synced_package() -> (FakeHub, tempfile::TempDir) {
    let hub = hub();
    hub.put_prompt("p", text_manifest("p v1 {x}\n", &["x"]));
    let pkg = reliability::package("prompts = [\"p\"]").unwrap();
    build(pkg.path(), &online(&hub)).unwrap_or_else(|(e, d)| panic!("{e}\n{d}"));
    hub.put_prompt("p", text_manifest("p v2 {x}\n", &["x"]));
    (hub, pkg)
}

fn cache(pkg: &Path) -> std::path::PathBuf {
    pkg.join("prompts/langsmith_cache")
}

#[test]
fn invalid_names_are_refused_wherever_a_name_enters() {
    let mut tried = 0;
    for (what, name) in bad_names() {
        assert!(PromptName::new(&name).is_err(), "{what}");
        let quoted = serde_json::to_string(&name).unwrap();
        for config in [
            format!("prompts = [{quoted}]"),
            format!("prompts = [{{ name = {quoted}, ref = \"latest\" }}]"),
        ] {
            tried += 1;
            let pkg = reliability::package(&config).unwrap();
            let before = snapshot(pkg.path());
            let manifest = pkg.path().join("Cargo.toml");
            match Config::load(pkg.path()) {
                Err(e @ Error::InvalidName { .. }) => {
                    let msg = e.to_string();
                    assert!(
                        msg.contains(&manifest.display().to_string()),
                        "{what}: {msg}"
                    );
                    assert!(msg.contains("`prompts`"), "{what}: {msg}");
                    assert!(!msg.contains('\0'), "{what}: a raw NUL in {msg:?}");
                }
                other => panic!("{what}: {other:?}"),
            }
            let err = build_error(pkg.path(), &offline());
            assert!(err.contains("invalid prompt name"), "{what}: {err}");
            assert_eq!(snapshot(pkg.path()), before, "{what}");
            assert!(!pkg.path().join("prompts").exists(), "{what}");
        }
        // `Builder::prompt`.
        tried += 1;
        let pkg = reliability::package("prompts = []").unwrap();
        let err = match Builder::new()
            .package_dir(pkg.path())
            .prompt(name.clone())
            .run_with(&offline())
        {
            Ok(_) => panic!("{what}: accepted by Builder::prompt"),
            Err((e, _)) => e.to_string(),
        };
        assert!(err.contains("Builder::prompt"), "{what}: {err}");
    }
    // A bad ref is refused the same way.
    let pkg = reliability::package("prompts = [{ name = \"ok\", ref = \"../x\" }]").unwrap();
    let err = build_error(pkg.path(), &offline());
    assert!(err.contains("`ref`") && err.contains("Cargo.toml"), "{err}");
    eprintln!("invalid names tried: {tried}");
}

#[test]
fn cache_files_with_invalid_names_are_ignored_with_a_warning_and_kept() {
    let pkg = reliability::package("prompts = []").unwrap();
    let c = cache(pkg.path());
    std::fs::create_dir_all(c.join("metadata")).unwrap();
    let files = [
        c.join("rout\u{0435}r.txt"),
        c.join("x y.txt"),
        c.join(format!("{}.txt", "a".repeat(101))),
        c.join("metadata/\u{0430}lpha.json"),
    ];
    for f in &files {
        std::fs::write(f, "x").unwrap();
    }
    let before = snapshot(pkg.path());
    let out = build(pkg.path(), &offline()).unwrap_or_else(|(e, d)| panic!("{e}\n{d}"));
    for f in &files {
        let shown = f.display().to_string();
        assert!(
            out.contains(&format!(
                "ignoring `{shown}`: its name is not a valid prompt name"
            )),
            "{shown}: {out}"
        );
    }
    assert_eq!(snapshot(pkg.path()), before);
}

/// Turns a metadata file's bytes into damaged ones.
type Damage = Box<dyn Fn(&[u8]) -> Vec<u8>>;

/// Ways to damage the metadata of `p` in a synced package.
fn damaged_metadata() -> Vec<(&'static str, Damage)> {
    let json = |f: fn(&mut serde_json::Value)| {
        Box::new(move |b: &[u8]| {
            let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
            f(&mut v);
            serde_json::to_vec_pretty(&v).unwrap()
        }) as Damage
    };
    vec![
        ("truncated", Box::new(|b: &[u8]| b[..b.len() / 2].to_vec())),
        ("empty", Box::new(|_: &[u8]| Vec::new())),
        ("not JSON", Box::new(|_: &[u8]| b"hello, world\n".to_vec())),
        ("a JSON array", Box::new(|_: &[u8]| b"[1, 2, 3]\n".to_vec())),
        (
            "not UTF-8",
            Box::new(|b: &[u8]| {
                let mut v = b.to_vec();
                v.splice(1..1, [0xff, 0xfe]);
                v
            }),
        ),
        (
            "hash of the wrong type",
            json(|v| v["local_content_hash"] = 5.into()),
        ),
        (
            "hash that is not hex",
            json(|v| v["local_content_hash"] = "xyz".into()),
        ),
        (
            "another prompt's name",
            json(|v| v["prompt_name"] = "q".into()),
        ),
        (
            "commit hash that is a path",
            json(|v| v["hub_commit_hash"] = "../../etc".into()),
        ),
        (
            "over the size limit",
            Box::new(|b: &[u8]| {
                let mut v = b.to_vec();
                let limit = prompt_sync_core::metadata::MAX_METADATA_BYTES as usize;
                v.extend(std::iter::repeat_n(b' ', limit + 1024));
                v
            }),
        ),
    ]
}

#[test]
fn damaged_metadata_is_a_clear_error_and_is_never_written_over() {
    let mut tried = 0;
    for (what, damage) in damaged_metadata() {
        tried += 1;
        let (hub, pkg) = synced_package();
        let meta = cache(pkg.path()).join("metadata/p.json");
        std::fs::write(&meta, damage(&std::fs::read(&meta).unwrap())).unwrap();
        let before = snapshot(pkg.path());
        for (mode, env) in [("offline", offline()), ("online", online(&hub))] {
            let err = match build(pkg.path(), &env) {
                Ok(d) => panic!("{what} ({mode}): the build succeeded:\n{d}"),
                Err((e, d)) => format!("{e}\n{d}"),
            };
            assert!(
                err.contains("metadata file `prompts/langsmith_cache/metadata/p.json` is corrupt"),
                "{what} ({mode}): {err}"
            );
            assert!(
                err.contains("restore it from git") && err.contains("prompt-sync sync"),
                "{what} ({mode}): {err}"
            );
            assert_eq!(snapshot(pkg.path()), before, "{what} ({mode})");
        }
    }
    eprintln!("damaged metadata files tried: {tried}");
}

#[test]
fn metadata_whose_hashes_do_not_match_is_named_and_no_text_is_lost() {
    // The text is the hub's but `local_content_hash` was changed by hand.
    let (hub, pkg) = synced_package();
    let c = cache(pkg.path());
    let meta = c.join("metadata/p.json");
    let text = std::fs::read(c.join("p.txt")).unwrap();
    let m = String::from_utf8(std::fs::read(&meta).unwrap()).unwrap();
    let tampered = m.replacen(
        &format!("\"local_content_hash\": \"{}\"", sha256_hex(&text)),
        &format!("\"local_content_hash\": \"{}\"", sha256_hex(b"other")),
        1,
    );
    assert_ne!(tampered, m);
    std::fs::write(&meta, &tampered).unwrap();
    let before = snapshot(pkg.path());
    let err = build_error(pkg.path(), &offline());
    assert!(
        err.contains("the metadata of prompt `p` does not match its text"),
        "{err}"
    );
    assert!(err.contains("restore the metadata from git"), "{err}");
    assert_eq!(snapshot(pkg.path()), before);
    // Online, the hub moved: the text is the base, so the new version is pulled and
    // the old text backed up; nothing is lost.
    build(pkg.path(), &online(&hub)).unwrap_or_else(|(e, d)| panic!("{e}\n{d}"));
    let kept = reliability::texts_kept(&c, "p");
    assert!(kept.contains(&String::from_utf8(text).unwrap()), "{kept:?}");
    reliability::check_at_rest(&c).unwrap();

    // Both hashes changed by hand: reported as an unmarked edit, never written over.
    let (hub, pkg) = synced_package();
    let c = cache(pkg.path());
    let meta = c.join("metadata/p.json");
    let m = String::from_utf8(std::fs::read(&meta).unwrap()).unwrap();
    let text = std::fs::read(c.join("p.txt")).unwrap();
    std::fs::write(&meta, m.replace(&sha256_hex(&text), &sha256_hex(b"other"))).unwrap();
    let before = snapshot(pkg.path());
    for env in [offline(), online(&hub)] {
        let err = build_error(pkg.path(), &env);
        assert!(err.contains("prompt-sync mark-edited p"), "{err}");
        assert_eq!(snapshot(pkg.path()), before);
    }
}

#[test]
fn non_utf8_and_huge_prompt_files_are_clear_errors() {
    // A file damaged by an editor or a bad merge (the metadata is the last sync's),
    // and a huge marked edit (the metadata accepts any text).
    let cases: Vec<(&str, Vec<u8>, bool, &str)> = vec![
        (
            "not UTF-8",
            b"caf\xe9 {x}\n".to_vec(),
            false,
            "prompt file `prompts/langsmith_cache/p.txt` is not valid UTF-8",
        ),
        (
            "50 MiB",
            vec![b'a'; 50 * 1024 * 1024],
            true,
            "the prompt file `prompts/langsmith_cache/p.txt`: it is 52428800 bytes, over the",
        ),
    ];
    for (what, bytes, marked, want) in cases {
        let (hub, pkg) = synced_package();
        let c = cache(pkg.path());
        if marked {
            let store = Store::new(CacheLayout::new(&c));
            let lock = store.lock_exclusive(|_| {}).unwrap();
            store
                .mark_edited(&lock, &PromptName::new("p").unwrap())
                .unwrap();
        }
        std::fs::write(c.join("p.txt"), &bytes).unwrap();
        let before = snapshot(pkg.path());
        for (mode, env) in [("offline", offline()), ("online", online(&hub))] {
            let err = build_error(pkg.path(), &env);
            assert!(err.contains(want), "{what} ({mode}): {err}");
            assert!(
                err.contains("prompt-sync restore p") || err.contains("from git"),
                "{what} ({mode}): {err}"
            );
            let now = snapshot(pkg.path());
            assert!(now == before, "{what} ({mode}): the cache changed");
        }
        let store = Store::new(CacheLayout::new(&c));
        let f = verify(&store, &PromptName::new("p").unwrap()).unwrap_err();
        assert!(matches!(f.problem, Problem::Store(_)), "{what}: {f}");
    }
}

#[test]
fn a_text_without_metadata_and_metadata_without_a_text() {
    // A text alone: named, kept, never replaced by the hub's version.
    let (hub, pkg) = synced_package();
    let c = cache(pkg.path());
    std::fs::remove_file(c.join("metadata/p.json")).unwrap();
    std::fs::write(c.join("p.txt"), "my own text\n").unwrap();
    let before = snapshot(pkg.path());
    for env in [offline(), online(&hub)] {
        let err = build_error(pkg.path(), &env);
        assert!(
            err.contains("prompt `p` has a text but no metadata: `prompts/langsmith_cache/metadata/p.json` is missing"),
            "{err}"
        );
        assert!(err.contains("fix:"), "{err}");
        assert_eq!(snapshot(pkg.path()), before);
    }
    // Metadata alone: named offline; online, the text is fetched again.
    let (hub, pkg) = synced_package();
    let c = cache(pkg.path());
    std::fs::remove_file(c.join("p.txt")).unwrap();
    let before = snapshot(pkg.path());
    let err = build_error(pkg.path(), &offline());
    assert!(
        err.contains(
            "prompt `p` has metadata but no text: `prompts/langsmith_cache/p.txt` is missing"
        ),
        "{err}"
    );
    assert!(err.contains("prompt-sync sync p"), "{err}");
    assert_eq!(snapshot(pkg.path()), before);
    build(pkg.path(), &online(&hub)).unwrap_or_else(|(e, d)| panic!("{e}\n{d}"));
    assert_eq!(
        std::fs::read_to_string(c.join("p.txt")).unwrap(),
        "p v2 {x}\n"
    );
    reliability::check_at_rest(&c).unwrap();
}

#[test]
fn a_cache_dir_that_is_a_file() {
    for config in [
        "prompts = [\"p\"]",
        "prompts = [\"p\"]\ncache_dir = \"notes.txt\"",
    ] {
        let pkg = reliability::package(config).unwrap();
        let path = if config.contains("notes.txt") {
            pkg.path().join("notes.txt")
        } else {
            std::fs::create_dir_all(pkg.path().join("prompts")).unwrap();
            cache(pkg.path())
        };
        std::fs::write(&path, "not a directory\n").unwrap();
        let before = snapshot(pkg.path());
        let hub = hub();
        hub.put_prompt("p", text_manifest("p {x}", &["x"]));
        for env in [offline(), online(&hub)] {
            let err = build_error(pkg.path(), &env);
            assert!(err.contains(&path.display().to_string()), "{err}");
            assert!(err.contains("is a file, not a directory"), "{err}");
            assert!(err.contains("cache_dir"), "{err}");
            assert_eq!(snapshot(pkg.path()), before);
        }
    }
}

#[test]
fn config_with_wrong_types_names_the_key_and_the_file() {
    let cases = [
        ("prompts = \"router\"", "`prompts`"),
        ("prompts = [1]", "`prompts`"),
        ("prompts = [[\"a\"]]", "`prompts`"),
        ("prompts = [{ ref = \"x\" }]", "without a `name` key"),
        ("prompts = [{ name = 5 }]", "`name`"),
        ("prompts = [{ name = \"a\", ref = 3 }]", "`ref`"),
        (
            "prompts = [\"a\", { name = \"a\", ref = \"v2\" }]",
            "listed twice",
        ),
        ("cache_dir = 5", "`cache_dir`"),
        ("owner = 1", "`owner`"),
        ("endpoint = true", "`endpoint`"),
        ("refresh_interval = \"soon\"", "`refresh_interval`"),
        ("refresh_interval = -1", "`refresh_interval`"),
        ("refresh_interval = 1.5", "`refresh_interval`"),
        ("prompts = [", "not valid TOML"),
    ];
    for (config, key) in cases {
        let pkg = reliability::package(config).unwrap();
        let before = snapshot(pkg.path());
        let manifest = pkg.path().join("Cargo.toml").display().to_string();
        let err = match Config::load(pkg.path()) {
            Err(e @ Error::Config { .. }) => e.to_string(),
            other => panic!("{config}: {other:?}"),
        };
        assert!(err.contains(&manifest), "{config}: {err}");
        assert!(err.contains(key), "{config}: {err}");
        let built = build_error(pkg.path(), &offline());
        assert!(built.contains(&manifest) && built.contains(key), "{built}");
        assert_eq!(snapshot(pkg.path()), before, "{config}");
    }
    // The section itself of the wrong type.
    let pkg = reliability::package("").unwrap();
    let manifest = pkg.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "[package.metadata.prompt-sync]\n",
        "[package.metadata]\nprompt-sync = \"yes\"\n",
    );
    std::fs::write(&manifest, text).unwrap();
    let err = build_error(pkg.path(), &offline());
    assert!(
        err.contains("[package.metadata.prompt-sync] must be a table"),
        "{err}"
    );
    eprintln!("config cases tried: {}", cases.len() + 1);
}

/// A cache the build may not write: it still builds from the cache, says why it
/// could not sync or repair, and changes nothing. Runs the build step in a child
/// process (`sync-once --build`); as root, permission bits do not stop writes, so the
/// child then runs as user `nobody` (uid 65534).
#[test]
fn a_read_only_cache_dir() {
    let as_root = reliability::running_as_root();
    let (hub, pkg) = synced_package();
    let c = cache(pkg.path());
    // A leftover of a killed process, which the build would normally clean up.
    std::fs::write(c.join(".p.txt.tmp.99999.0"), "half").unwrap();
    let before = snapshot(pkg.path());
    let mode = |p: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    // Everything readable, the cache and its subdirectories not writable.
    mode(pkg.path(), 0o755);
    for d in [c.clone(), c.join("metadata"), c.join("backups")] {
        if d.exists() {
            mode(&d, 0o555);
        }
    }
    for f in reliability::temp_files(&c)
        .into_iter()
        .chain([c.join("p.txt"), c.join("metadata/p.json")])
    {
        mode(&f, 0o444);
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sync-once"));
    cmd.arg("--build")
        .arg(pkg.path())
        .env_clear()
        .env("LANGSMITH_API_KEY", KEY)
        .env("LANGSMITH_ENDPOINT", hub.url())
        .env("PROMPT_SYNC_TIMEOUT", "5");
    if as_root {
        use std::os::unix::process::CommandExt;
        cmd.uid(65534).gid(65534);
    }
    let (out, finished) = reliability::run_with_deadline(&mut cmd, Duration::from_secs(60));
    for d in [c.clone(), c.join("metadata"), c.join("backups")] {
        if d.exists() {
            mode(&d, 0o755);
        }
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(finished, "{stdout}\n{stderr}");
    if stderr.contains("Operation not permitted") || stderr.contains("os error 1)") {
        eprintln!("skipped: cannot run the build step as another user here: {stderr}");
        return;
    }
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("cannot be repaired here") && stdout.contains("Permission denied"),
        "{stdout}"
    );
    assert!(stdout.contains("cannot lock the cache"), "{stdout}");
    assert_eq!(snapshot(pkg.path()), before);
}
