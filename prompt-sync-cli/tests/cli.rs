#![allow(clippy::unwrap_used)]
//! Runs the built `prompt-sync` and `cargo-prompt-sync` binaries against temporary
//! packages whose caches are written with the core store API: the commands that work
//! without the hub.

mod support;

use std::fs;
use std::process::Command;
use std::time::Duration;

use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::layout::CACHE_DIR_ENV;
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::store::Store;
use prompt_sync_core::{CacheLayout, PromptName};

use support::{BIN, CARGO_BIN, Pkg, has, lacks, row, run_in, run_in_env, snapshot};

#[test]
fn status_offline_shows_one_row_per_prompt_and_a_summary() {
    let pkg = Pkg::new(&["alpha", "beta", "gamma"]);
    pkg.cache("alpha", "Hello {name}\n");
    pkg.cache("beta", "v1");
    pkg.edit("beta", "v1 edited by hand");
    pkg.cache("zeta", "only in the cache");
    fs::create_dir_all(pkg.path().join("src")).unwrap();
    fs::write(
        pkg.path().join("src/main.rs"),
        "const D: &str = prompt!(\"delta\");\nconst X: &str = prompt!(\"../bad\");\nfn main() {}\n",
    )
    .unwrap();

    let r = pkg.run(&["status", "--offline"]);
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "cache: prompts/langsmith_cache", "{}", r.stdout);
    assert_eq!(
        row(&r.stdout, "NAME"),
        ["NAME", "STATE", "LOCAL", "LAST SYNC", "DIRECTION", "COMMIT"]
    );
    assert_eq!(
        row(&r.stdout, "alpha"),
        [
            "alpha",
            "unknown",
            "no",
            "2025-10-27T10:30:00Z",
            "pull",
            "01234567"
        ]
    );
    assert_eq!(
        row(&r.stdout, "beta"),
        [
            "beta",
            "unmarked edit",
            "no",
            "2025-10-27T10:30:00Z",
            "pull",
            "01234567"
        ]
    );
    // Used by `prompt!` but neither configured nor cached.
    assert_eq!(
        row(&r.stdout, "delta"),
        ["delta", "missing", "-", "-", "-", "-"]
    );
    assert_eq!(
        row(&r.stdout, "gamma"),
        ["gamma", "missing", "-", "-", "-", "-"]
    );
    assert_eq!(row(&r.stdout, "zeta")[1], "unknown");
    // Sorted by name; the invalid literal is not a row.
    let names: Vec<&str> = lines[2..7]
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "beta", "delta", "gamma", "zeta"]);
    lacks(&r.stdout, "bad");
    assert_eq!(
        *lines.last().unwrap(),
        "5 prompts, 0 locally modified, 3 need attention"
    );
    has(&r.stderr, "check --offline");
    // Status only reads: the unmarked edit is still unrecorded.
    assert_eq!(
        pkg.metadata("beta").local_content_hash,
        Some(sha256_hex(b"v1"))
    );
}

#[test]
fn status_of_a_clean_cache_needs_no_attention() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "a");
    let r = pkg.run_here(&["status", "--offline"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout.lines().last().unwrap(),
        "1 prompt, 0 locally modified"
    );
    assert_eq!(r.stderr, "");
    // --quiet keeps the table and summary only.
    let q = pkg.run_here(&["-q", "status", "--offline"]);
    assert_eq!(q.stdout.lines().count(), 3, "{}", q.stdout);
    assert!(q.stdout.starts_with("NAME"), "{}", q.stdout);
}

#[test]
fn status_without_a_key_shows_the_cache_and_says_so() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "a");
    let r = pkg.run(&["status"]);
    r.code(0);
    has(&r.stderr, "showing the cache only (no LANGSMITH_API_KEY");
    assert_eq!(row(&r.stdout, "alpha")[1], "unknown");
    // PROMPT_SYNC_OFFLINE wins over a key.
    let r = pkg.run_env(
        &["status"],
        &[
            ("LANGSMITH_API_KEY", "k".to_owned()),
            ("PROMPT_SYNC_OFFLINE", "1".to_owned()),
        ],
    );
    r.code(0);
    has(&r.stderr, "PROMPT_SYNC_OFFLINE is set");
}

#[test]
fn mark_edited_sets_the_flag_and_status_shows_a_marked_edit() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "v1");
    let r = pkg.run_here(&["mark-edited", "alpha"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout.trim_end(),
        "Marked alpha as locally modified. Edit: prompts/langsmith_cache/alpha.txt"
    );
    has(&r.stderr, "prompt-sync push alpha");
    let meta = pkg.metadata("alpha");
    assert!(meta.locally_modified);
    assert!(meta.local_edit_timestamp.is_some());

    pkg.edit("alpha", "v2, edited after marking");
    let s = pkg.run(&["status", "--offline"]);
    assert_eq!(s.code, 0, "{s:?}");
    assert_eq!(row(&s.stdout, "alpha")[..3], ["alpha", "local edit", "yes"]);
    assert_eq!(
        s.stdout.lines().last().unwrap(),
        "1 prompt, 1 locally modified"
    );

    // Marking again changes nothing and says so.
    let before = fs::read(
        pkg.store
            .layout()
            .metadata_path(&PromptName::new("alpha").unwrap()),
    )
    .unwrap();
    let again = pkg.run(&["mark-edited", "alpha"]);
    assert_eq!(again.code, 0, "{again:?}");
    has(&again.stdout, "already marked");
    let after = fs::read(
        pkg.store
            .layout()
            .metadata_path(&PromptName::new("alpha").unwrap()),
    )
    .unwrap();
    assert_eq!(before, after);
}

#[test]
fn mark_edited_refuses_invalid_names_and_changes_nothing() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "v1");
    let long = "a".repeat(101);
    for (bad, why) in [
        ("../x", "character `.` at byte 0 is not allowed"),
        ("a/b", "character `/` at byte 1 is not allowed"),
        ("", "it is empty"),
        (long.as_str(), "the limit is 100"),
        ("-x", "starts with `-`"),
    ] {
        let before = snapshot(pkg.path());
        // `--` so that `-x` reaches the name check instead of clap's flag parsing.
        let r = pkg.run(&["mark-edited", "--", bad]);
        assert_eq!(r.code, 2, "{bad:?}: {r:?}");
        assert!(
            r.stderr.starts_with("error: invalid prompt name"),
            "{bad:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(why), "{bad:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        assert_eq!(snapshot(pkg.path()), before, "{bad:?} changed files");
    }
}

#[test]
fn mark_edited_without_metadata_names_the_file_and_the_fix() {
    let pkg = Pkg::new(&["alpha"]);
    let before = snapshot(pkg.path());
    let r = pkg.run(&["mark-edited", "alpha"]);
    assert_eq!(r.code, 1, "{r:?}");
    has(&r.stderr, "prompts/langsmith_cache/metadata/alpha.json");
    has(&r.stderr, "prompt-sync sync alpha");
    // Not even the cache directory or the lock file was created.
    assert_eq!(snapshot(pkg.path()), before);
}

#[test]
fn mark_edited_waits_for_the_lock_and_says_so_once() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "v1");
    let held = pkg.store.lock_exclusive(|_| {}).unwrap();
    let child = Command::new(BIN)
        .args(["--manifest-path"])
        .arg(pkg.manifest())
        .args(["mark-edited", "alpha"])
        .env_remove(CACHE_DIR_ENV)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    // Wait for the event, not for a time: the child says it is waiting for the lock.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            if line.contains("waiting for the cache lock") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("the child never said it waits for the lock");
    assert!(
        !pkg.metadata("alpha").locally_modified,
        "wrote without the lock"
    );
    drop(held);
    let status = child.wait().unwrap();
    let stderr = reader.join().unwrap();
    assert!(status.success(), "{stderr}");
    assert_eq!(
        stderr
            .matches("waiting for the cache lock held by another prompt-sync process")
            .count(),
        1,
        "{stderr}"
    );
    assert!(pkg.metadata("alpha").locally_modified);
}

#[test]
fn check_offline_passes_a_clean_cache() {
    let pkg = Pkg::new(&["alpha", "beta"]);
    pkg.cache("alpha", "a");
    pkg.cache("beta", "b");
    let r = pkg.run(&["check", "--offline"]);
    assert_eq!(r.code, 0, "{r:?}");
    has(&r.stdout, "2 prompts checked");
    assert_eq!(r.stderr, "");
}

#[test]
fn check_offline_fails_on_an_unmarked_edit() {
    let pkg = Pkg::new(&["alpha", "beta"]);
    pkg.cache("alpha", "a");
    pkg.cache("beta", "b");
    pkg.edit("beta", "b edited");
    let r = pkg.run(&["check", "--offline"]);
    assert_eq!(r.code, 1, "{r:?}");
    has(&r.stderr, "prompt-sync mark-edited beta");
    has(&r.stderr, "`prompts/langsmith_cache/beta.txt`");
    lacks(&r.stderr, "alpha");
    has(&r.stderr, "1 of 2 prompts need attention");
}

#[test]
fn check_offline_fails_on_a_missing_prompt() {
    let pkg = Pkg::new(&["alpha", "gamma"]);
    pkg.cache("alpha", "a");
    let r = pkg.run(&["check", "--offline"]);
    assert_eq!(r.code, 1, "{r:?}");
    has(&r.stderr, "prompt `gamma` is not in the cache");
    has(&r.stderr, "prompt-sync sync gamma");
}

#[test]
fn check_offline_covers_prompt_macro_calls_and_local_edits() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "a");
    fs::create_dir_all(pkg.path().join("src")).unwrap();
    fs::write(
        pkg.path().join("src/lib.rs"),
        "// prompt!(\"commented_out\")\npub const P: &str =\n    prompt!(\"used\");\n",
    )
    .unwrap();
    let r = pkg.run(&["check", "--offline"]);
    assert_eq!(r.code, 1, "{r:?}");
    has(&r.stderr, "prompt `used` is not in the cache");
    has(&r.stderr, "`prompt!` at src/lib.rs:3");
    lacks(&r.stderr, "commented_out");

    pkg.cache("used", "u");
    assert_eq!(pkg.run(&["check", "--offline"]).code, 0);

    // A marked edit is intact but unpushed: check still fails.
    assert_eq!(pkg.run(&["mark-edited", "used"]).code, 0);
    let r = pkg.run(&["check", "--offline"]);
    assert_eq!(r.code, 1, "{r:?}");
    has(
        &r.stderr,
        "has unpushed local edits\n  fix: run `prompt-sync push used`",
    );
}

#[test]
fn check_without_a_key_checks_the_cache_and_says_so() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "a");
    let r = pkg.run(&["check"]);
    r.code(0);
    has(&r.stderr, "checking the cache only (no LANGSMITH_API_KEY");
    has(&r.stdout, "1 prompt checked");
}

#[test]
fn cargo_subcommand_works_like_the_plain_command() {
    let pkg = Pkg::new(&["alpha", "gamma"]);
    pkg.cache("alpha", "a");
    let plain = run_in(BIN, pkg.path(), &["status", "--offline"]);
    // As `cargo prompt-sync status --offline` runs it.
    let cargo = run_in(
        CARGO_BIN,
        pkg.path(),
        &["prompt-sync", "status", "--offline"],
    );
    assert_eq!(plain.code, 0, "{plain:?}");
    assert_eq!(cargo.code, plain.code, "{cargo:?}");
    assert_eq!(cargo.stdout, plain.stdout);
    assert_eq!(cargo.stderr, plain.stderr);
    // Run directly, without the extra argument, it works too.
    let direct = run_in(CARGO_BIN, pkg.path(), &["status", "--offline"]);
    assert_eq!(direct.stdout, plain.stdout);
    // Its usage names it as cargo does.
    let help = run_in(CARGO_BIN, pkg.path(), &["prompt-sync", "--help"]);
    assert_eq!(help.code, 0);
    has(&help.stdout, "Usage: cargo prompt-sync");
}

#[test]
fn restore_list_shows_backups_oldest_first() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "v1");
    let r = pkg.run(&["restore", "alpha", "--list"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout.trim_end(), "no backups of alpha");

    pkg.cache("alpha", "v2"); // backs up v1
    pkg.cache("alpha", "v3"); // backs up v2
    let backups = pkg
        .store
        .list_backups(&PromptName::new("alpha").unwrap())
        .unwrap();
    assert_eq!(backups.len(), 2);
    let files: Vec<String> = backups
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let r = pkg.run(&["restore", "alpha", "--list"]);
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "2 backups of alpha in prompts/langsmith_cache/backups/alpha, oldest first:"
    );
    assert_eq!(lines[1..], files);
    let q = pkg.run(&["-q", "restore", "alpha", "--list"]);
    assert_eq!(q.stdout.lines().collect::<Vec<_>>(), files);

    let bad = pkg.run(&["restore", "../x", "--list"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    has(&bad.stderr, "invalid prompt name");
}

#[test]
fn restore_puts_back_the_synced_text_offline_and_a_backup_as_a_marked_edit() {
    let pkg = Pkg::new(&["alpha"]);
    // A pulled prompt keeps its manifest, so the synced text can be rebuilt offline.
    let name = PromptName::new("alpha").unwrap();
    let manifest = serde_json::json!({
        "lc": 1, "type": "constructor",
        "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
        "kwargs": {"input_variables": [], "template": "Hub text", "template_format": "f-string"}
    });
    let r = prompt_sync_core::HubRef::latest();
    let v = prompt_sync_core::pulled::HubVersion {
        name: &name,
        owner: "-",
        hub_ref: &r,
        commit_hash: "c1",
        manifest: &manifest,
    };
    let (text, meta) =
        prompt_sync_core::pulled::pulled_entry(&v, None, "2026-11-25T00:00:00Z").unwrap();
    {
        let lock = pkg.store.lock_exclusive(|_| {}).unwrap();
        pkg.store.write(&lock, &name, &text, &meta).unwrap();
    }
    pkg.edit("alpha", "my unmarked edit");
    let r = pkg.run(&["restore", "alpha"]);
    assert_eq!(r.code, 0, "{r:?}");
    has(&r.stdout, "Restored alpha");
    assert_eq!(
        fs::read_to_string(pkg.store.layout().text_path(&name)).unwrap(),
        "Hub text"
    );
    assert!(!pkg.metadata("alpha").locally_modified);
    let list = pkg.run(&["restore", "alpha", "--list"]);
    let backup = list.stdout.lines().last().unwrap().to_owned();
    let r = pkg.run(&["restore", "alpha", "--backup", &backup]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        fs::read_to_string(pkg.store.layout().text_path(&name)).unwrap(),
        "my unmarked edit"
    );
    assert!(pkg.metadata("alpha").locally_modified);
    // A backup that does not exist changes nothing.
    let before = snapshot(pkg.path());
    let r = pkg.run(&["restore", "alpha", "--backup", "nope.txt"]);
    assert_eq!(r.code, 1, "{r:?}");
    has(&r.stderr, "--list");
    assert_eq!(snapshot(pkg.path()), before);
}

#[test]
fn repair_finishes_what_a_killed_sync_left() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "v1");
    let stale = pkg.store.layout().root().join(".alpha.txt.tmp.4242.0");
    fs::write(&stale, "half").unwrap();
    let r = pkg.run(&["repair"]);
    assert_eq!(r.code, 0, "{r:?}");
    has(&r.stdout, "removed stale temporary file");
    assert!(!stale.exists());
    let r = pkg.run(&["repair"]);
    assert!(r.stdout.contains("nothing to repair"), "{r:?}");
}

#[test]
fn hub_commands_without_a_key_name_the_fix_and_change_nothing() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "v1");
    for args in [
        &["sync"][..],
        &["sync", "alpha", "--auto-push", "--dry-run"][..],
        &["push", "alpha", "--tag", "prod", "--tag", "v2"][..],
        &["diff", "alpha"][..],
        &["restore", "alpha", "--hub"][..],
        &["--all"][..],
    ] {
        let before = snapshot(pkg.path());
        let r = pkg.run(args);
        assert_eq!(r.code, 1, "{args:?}: {r:?}");
        assert!(
            r.stderr.starts_with(
                "error: no LangSmith API key: set LANGSMITH_API_KEY (or LANGCHAIN_API_KEY)"
            ),
            "{args:?}: {}",
            r.stderr
        );
        has(&r.stderr, "hint: ");
        assert_eq!(snapshot(pkg.path()), before, "{args:?}");
    }
    // PROMPT_SYNC_OFFLINE=1 keeps them off the network even with a key.
    let r = pkg.run_env(
        &["sync"],
        &[
            ("LANGSMITH_API_KEY", "k".to_owned()),
            ("PROMPT_SYNC_OFFLINE", "true".to_owned()),
        ],
    );
    r.code(1);
    has(&r.stderr, "PROMPT_SYNC_OFFLINE is set");
    // The planned arguments are in the help.
    let help = pkg.run(&["push", "--help"]);
    assert_eq!(help.code, 0);
    for flag in [
        "--tag <TAG>",
        "--description <TEXT>",
        "--dry-run",
        "--force",
        "--json",
    ] {
        assert!(help.stdout.contains(flag), "{flag}: {}", help.stdout);
    }
    // Bad arguments are clap usage errors.
    assert_eq!(pkg.run(&["push"]).code, 2);
    assert_eq!(
        pkg.run(&["restore", "alpha", "--list", "--backup", "x"])
            .code,
        2
    );
}

#[test]
fn the_package_is_found_from_a_subdirectory_and_manifest_path_is_checked() {
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "a");
    fs::create_dir_all(pkg.path().join("src/deep")).unwrap();
    let r = run_in(BIN, &pkg.path().join("src/deep"), &["status", "--offline"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(row(&r.stdout, "alpha").contains(&"unknown"), "{}", r.stdout);

    let dir_given = run_in(
        BIN,
        pkg.path(),
        &[
            "--manifest-path",
            pkg.path().to_str().unwrap(),
            "status",
            "--offline",
        ],
    );
    assert_eq!(dir_given.code, 2, "{dir_given:?}");
    has(&dir_given.stderr, "Cargo.toml");

    let missing = run_in(
        BIN,
        pkg.path(),
        &["--manifest-path", "nope/Cargo.toml", "status", "--offline"],
    );
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing.stderr.starts_with("error: cannot read"),
        "{}",
        missing.stderr
    );
}

#[test]
fn the_cache_dir_follows_the_environment_override() {
    let pkg = Pkg::new(&["alpha"]);
    let other = Store::new(CacheLayout::new(pkg.path().join("elsewhere")));
    let name = PromptName::new("alpha").unwrap();
    let mut meta = Metadata::new(&name, &sha256_hex(b"x"));
    meta.hub_content_hash = Some(sha256_hex(b"x"));
    let lock = other.lock_exclusive(|_| {}).unwrap();
    other.write(&lock, &name, "x", &meta).unwrap();
    drop(lock);
    let r = run_in_env(
        BIN,
        pkg.path(),
        &["status", "--offline"],
        &[(CACHE_DIR_ENV, "elsewhere".to_owned())],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.starts_with("cache: elsewhere\n"), "{}", r.stdout);
    assert_eq!(row(&r.stdout, "alpha")[1], "unknown");
}
