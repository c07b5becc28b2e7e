#![allow(clippy::unwrap_used)]
//! Regression tests for the reviewed CLI bugs, each against the fake hub (or none):
//! the key in an endpoint error, pushes of prompts that follow a tag, dry-run tags,
//! interrupted writes in a dry run, `--json` on failure, `--workspace` with names,
//! a new prompt whose name the hub already has, and the original flags before a
//! subcommand.

mod support;

use std::fs;

use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::metadata::PendingWrite;
use support::{
    BIN, KEY, Pkg, has, hub, hub_env, lacks, no_writes, requests, run_in_env, text_manifest,
};

/// A package whose config lists `name` following `hub_ref`.
fn pkg_following(name: &str, hub_ref: &str) -> Pkg {
    let pkg = Pkg::new(&[]);
    fs::write(
        pkg.manifest(),
        format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [package.metadata.prompt-sync]\nprompts = [{{ name = \"{name}\", ref = \"{hub_ref}\" }}]\n"
        ),
    )
    .unwrap();
    pkg
}

/// Rewrites the `hub_ref` recorded in `name`'s metadata.
fn set_recorded_ref(pkg: &Pkg, name: &str, hub_ref: &str) {
    let mut meta = pkg.metadata(name);
    meta.hub_ref = Some(hub_ref.to_owned());
    fs::write(
        pkg.store.layout().metadata_path(&Pkg::name(name)),
        meta.to_json_bytes(),
    )
    .unwrap();
}

// ----------------------------------------------------------------------------------
// 1. The API key in an endpoint error

#[test]
fn an_invalid_endpoint_is_named_by_its_variable_and_never_printed() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "a\n")]);
    // The two variables swapped: the key sits in LANGSMITH_ENDPOINT. (The support
    // code fails the test if any output holds the key or "SECRET".)
    let r = pkg.run_env(
        &["sync"],
        &[
            ("LANGSMITH_API_KEY", hub.url()),
            ("LANGSMITH_ENDPOINT", KEY.to_owned()),
        ],
    );
    r.code(1);
    has(&r.stderr, "LANGSMITH_ENDPOINT is not a valid URL");
    has(&r.stderr, "swapped");
    // The key as user info: the URL is shown without it.
    let r = pkg.run_env(
        &["push", "alpha"],
        &[
            ("LANGSMITH_API_KEY", KEY.to_owned()),
            (
                "LANGSMITH_ENDPOINT",
                "https://lsv2_pt_SECRET@hub.example/api/v1".to_owned(),
            ),
        ],
    );
    r.code(1);
    has(
        &r.stderr,
        "LANGSMITH_ENDPOINT (`https://hub.example/api/v1`)",
    );
    lacks(&r.stderr, "SECRET");
    assert_eq!(hub.request_count(), 0);
}

// ----------------------------------------------------------------------------------
// 2. and 3. Prompts that follow a tag

/// Hub: v1 tagged `prod`, then v2. The package follows `prod`, synced, then marked
/// and edited.
fn tagged_setup() -> (prompt_sync_tests::fake_hub::FakeHub, Pkg, String) {
    let hub = hub();
    let v1 = hub.put_prompt("r", text_manifest("v1\n"));
    hub.tag("r", "prod", &v1);
    hub.put_prompt("r", text_manifest("v2\n"));
    let pkg = pkg_following("r", "prod");
    pkg.run_hub(&hub, &["sync", "--all"]).code(0);
    assert_eq!(pkg.text("r"), "v1\n");
    pkg.run(&["mark-edited", "r"]).code(0);
    pkg.edit("r", "mine\n");
    (hub, pkg, v1)
}

#[test]
fn auto_push_leaves_a_prompt_that_follows_a_tag_alone() {
    let (hub, pkg, _) = tagged_setup();
    hub.clear_requests();
    let r = pkg.run_hub(&hub, &["sync", "--auto-push"]);
    r.code(1);
    assert!(no_writes(&hub), "{:?}", requests(&hub));
    assert_eq!(hub.commits("r").len(), 2);
    has(&r.stdout, "follows `prod`, not `latest`");
    has(&r.stdout, "`prompt-sync push r`");
    assert_eq!(pkg.text("r"), "mine\n");
    assert!(pkg.metadata("r").locally_modified);
    // And as JSON.
    let j = pkg.run_hub(&hub, &["sync", "--auto-push", "--json"]);
    j.code(1);
    assert_eq!(
        j.json()["packages"][0]["prompts"][0]["outcome"],
        "push_refused"
    );
}

#[test]
fn push_of_a_prompt_that_follows_a_tag_needs_that_tag_and_a_free_one() {
    let hub = hub();
    let v1 = hub.put_prompt("r", text_manifest("v1\n"));
    hub.tag("r", "prod", &v1);
    let pkg = pkg_following("r", "prod");
    pkg.run_hub(&hub, &["sync", "--all"]).code(0);
    pkg.run(&["mark-edited", "r"]).code(0);
    pkg.edit("r", "mine\n");

    // Without --tag: refused, naming the fix.
    let r = pkg.run_hub(&hub, &["push", "r"]);
    r.code(1);
    has(&r.stdout, "run `prompt-sync push r --tag prod`");
    // With --tag prod, but prod already points at v1 and the hub does not move tags:
    // refused before anything is pushed.
    let r = pkg.run_hub(&hub, &["push", "r", "--tag", "prod"]);
    r.code(1);
    has(&r.stdout, "does not move tags");
    assert!(no_writes(&hub), "{:?}", requests(&hub));
    assert_eq!(hub.commits("r").len(), 1);

    // Following a tag the hub does not have yet: `--tag` sets it on the new commit,
    // and the next sync keeps the pushed text.
    fs::write(
        pkg.manifest(),
        fs::read_to_string(pkg.manifest())
            .unwrap()
            .replace("\"prod\"", "\"canary\""),
    )
    .unwrap();
    set_recorded_ref(&pkg, "r", "canary");
    pkg.run_hub(&hub, &["push", "r"]).code(1);
    let r = pkg.run_hub(&hub, &["push", "r", "--tag", "canary"]);
    r.code(0);
    let latest = hub.latest_commit("r").unwrap();
    assert!(hub.tags("r").contains(&("canary".to_owned(), latest)));
    let s = pkg.run_hub(&hub, &["sync"]);
    s.code(0);
    assert_eq!(pkg.text("r"), "mine\n");
}

// ----------------------------------------------------------------------------------
// 5. push --dry-run --tag

#[test]
fn push_dry_run_says_would_tag_and_json_keeps_tags_empty() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "a\n")]);
    pkg.run(&["mark-edited", "alpha"]).code(0);
    pkg.edit("alpha", "b\n");
    let r = pkg.run_hub(&hub, &["push", "alpha", "--dry-run", "--tag", "beta"]);
    r.code(0);
    has(&r.stdout, "would tag `beta`");
    lacks(&r.stdout, "tagged `beta`");
    let j = pkg.run_hub(
        &hub,
        &["push", "alpha", "--dry-run", "--tag", "beta", "--json"],
    );
    j.code(0);
    let p = &j.json()["packages"][0]["prompts"][0];
    assert_eq!(p["tags"], serde_json::json!([]));
    assert_eq!(p["would_tag"], serde_json::json!(["beta"]));
    assert!(no_writes(&hub));
    assert!(hub.tags("alpha").is_empty());
}

// ----------------------------------------------------------------------------------
// 6. A dry run over an interrupted write

#[test]
fn dry_run_reports_an_interrupted_write_and_does_not_fail() {
    let hub = hub();
    let c1 = hub.put_prompt("a", text_manifest("v1\n"));
    let c2 = hub.put_prompt("a", text_manifest("v2\n"));
    let pkg = Pkg::new(&["a"]);
    pkg.pull("a", &c1, &text_manifest("v1\n"));
    let old_meta = fs::read(pkg.store.layout().metadata_path(&Pkg::name("a"))).unwrap();
    // A sync of v2 killed after writing the incoming text and the marked metadata.
    pkg.pull("a", &c2, &text_manifest("v2\n"));
    let mut meta = pkg.metadata("a");
    meta.pending_write = Some(PendingWrite {
        incoming_hash: sha256_hex(b"v2\n"),
        previous: Some(Box::new(serde_json::from_slice(&old_meta).unwrap())),
        ..Default::default()
    });
    let layout = pkg.store.layout();
    fs::write(layout.incoming_path(&Pkg::name("a")), "v2\n").unwrap();
    fs::write(layout.metadata_path(&Pkg::name("a")), meta.to_json_bytes()).unwrap();
    pkg.edit("a", "v1\n");

    let d = pkg.run_hub(&hub, &["sync", "--dry-run"]);
    d.code(0);
    has(&d.stdout, "Interrupted write");
    has(&d.stdout, "`prompt-sync sync` or `prompt-sync repair`");
    lacks(&d.stdout, "without mark-edited");
    // Nothing was repaired by the dry run.
    assert!(layout.incoming_path(&Pkg::name("a")).exists());
    let s = pkg.run_hub(&hub, &["sync"]);
    s.code(0);
    assert_eq!(pkg.text("a"), "v2\n");
}

// ----------------------------------------------------------------------------------
// 7. and 8. --json on failure, and --workspace

/// A workspace with members `a` (prompt `one`) and `b` (prompt `two`).
fn workspace() -> tempfile::TempDir {
    support::workspace(&[
        ("a", "member-a", Some("one")),
        ("b", "member-b", Some("two")),
    ])
}

#[test]
fn json_prints_a_document_when_a_command_fails() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "a\n")]);
    // No API key: sync and push fail, and still print JSON.
    for args in [&["sync", "--json"][..], &["push", "alpha", "--json"][..]] {
        let r = pkg.run(args);
        r.code(1);
        let doc = r.json();
        let error = if doc["error"].is_object() {
            &doc["error"]
        } else {
            &doc["packages"][0]["error"]
        };
        assert!(
            error["message"].as_str().unwrap().contains("API key"),
            "{args:?}: {doc}"
        );
        assert!(error["hints"].is_array(), "{doc}");
    }
    // A usage error too.
    let r = pkg.run(&["sync", "--json", "../bad"]);
    r.code(2);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("invalid prompt name")
    );
}

#[test]
fn workspace_carries_on_after_a_failing_member() {
    let hub = hub();
    hub.put_prompt("one", text_manifest("1\n"));
    hub.put_prompt("two", text_manifest("2\n"));
    let root = workspace();
    // Member a's cache directory is a file: every command fails there.
    fs::create_dir_all(root.path().join("a/prompts")).unwrap();
    fs::write(root.path().join("a/prompts/langsmith_cache"), "not a dir").unwrap();
    let env = hub_env(&hub);
    let r = run_in_env(
        BIN,
        root.path(),
        &["sync", "--workspace", "--all", "--json"],
        &env,
    );
    r.code(1);
    let doc = r.json();
    let packages = doc["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 2, "{doc}");
    assert_eq!(packages[0]["package"], "member-a");
    assert!(packages[0]["error"]["message"].is_string(), "{doc}");
    assert_eq!(packages[1]["package"], "member-b");
    assert_eq!(packages[1]["prompts"][0]["outcome"], "pulled", "{doc}");
    assert_eq!(
        fs::read_to_string(root.path().join("b/prompts/langsmith_cache/two.txt")).unwrap(),
        "2\n"
    );
    // In text too: the error is reported under a's heading and b still runs.
    let s = run_in_env(
        BIN,
        root.path(),
        &["status", "--workspace", "--offline"],
        &env,
    );
    s.code(1);
    has(&s.stdout, "== member-b (");
    has(&s.stderr, "1 of 2 packages failed");
}

#[test]
fn workspace_sync_of_a_name_touches_only_the_members_that_use_it() {
    let hub = hub();
    hub.put_prompt("one", text_manifest("1\n"));
    hub.put_prompt("two", text_manifest("2\n"));
    let root = workspace();
    let env = hub_env(&hub);
    let r = run_in_env(BIN, root.path(), &["sync", "--workspace", "one"], &env);
    r.code(0);
    assert!(
        root.path()
            .join("a/prompts/langsmith_cache/one.txt")
            .exists()
    );
    assert!(
        !root
            .path()
            .join("b/prompts/langsmith_cache/one.txt")
            .exists()
    );
    assert!(!root.path().join("b/prompts").exists(), "{}", r.stdout);
    // A name no member uses is a usage error, and nothing is written.
    let r = run_in_env(
        BIN,
        root.path(),
        &["sync", "--workspace", "two", "nope"],
        &env,
    );
    r.code(2);
    has(&r.stderr, "no workspace member configures or uses `nope`");
    assert!(!root.path().join("b/prompts").exists());
}

// ----------------------------------------------------------------------------------
// 9. `new x` when the hub already has `x`

#[test]
fn a_new_prompt_whose_name_the_hub_has_is_reported_as_a_name_clash() {
    let hub = hub();
    hub.put_prompt("x", text_manifest("the hub's\n"));
    let pkg = Pkg::new(&[]);
    pkg.run(&["new", "x"]).code(0);
    let mine = pkg.text("x");

    let s = pkg.run_hub(&hub, &["status"]);
    s.code(0);
    assert_eq!(
        support::row(&s.stdout, "x")[1],
        "name taken",
        "{}",
        s.stdout
    );
    has(&s.stderr, "already exists on the hub");

    let p = pkg.run_hub(&hub, &["push", "x"]);
    p.code(1);
    has(&p.stdout, "a prompt named `x` already exists on the hub");
    has(&p.stdout, "`prompt-sync restore x --hub`");
    has(&p.stdout, "`prompt-sync push --force x`");
    lacks(&p.stdout, "--force-pull");
    assert!(no_writes(&hub), "{:?}", requests(&hub));

    let y = pkg.run_hub(&hub, &["sync", "x"]);
    y.code(1);
    has(&y.stdout, "already exists on the hub");
    assert_eq!(pkg.text("x"), mine);

    // The commands the message names work: restore --hub takes the hub's...
    pkg.run_hub(&hub, &["restore", "x", "--hub"]).code(0);
    assert_eq!(pkg.text("x"), "the hub's\n");
    // ... and so does sync --force-pull, for another new prompt.
    hub.put_prompt("z", text_manifest("hub z\n"));
    pkg.run(&["new", "z"]).code(0);
    pkg.run_hub(&hub, &["sync", "--force-pull", "z"]).code(0);
    assert_eq!(pkg.text("z"), "hub z\n");
    // push --force replaces the hub's.
    pkg.run(&["new", "w"]).code(0);
    hub.put_prompt("w", text_manifest("hub w\n"));
    pkg.run_hub(&hub, &["push", "--force", "w"]).code(0);
    assert_eq!(hub.commits("w").len(), 2);
}

// ----------------------------------------------------------------------------------
// 10. The original flags before a subcommand

#[test]
fn original_flags_before_a_subcommand_name_a_command_that_works() {
    let pkg = Pkg::new(&["a"]);
    let r = pkg.run(&["--prompt", "a", "sync"]);
    r.code(2);
    has(&r.stderr, "write `prompt-sync sync a`");
    // The suggested form parses (it fails later only for want of a key).
    let ok = pkg.run(&["sync", "a"]);
    assert_ne!(ok.code, 2, "{}", ok.stderr);
}

// ----------------------------------------------------------------------------------
// Nits

#[test]
fn mark_edited_of_a_missing_text_fails_naming_the_fix() {
    let pkg = Pkg::new(&["a"]);
    pkg.cache("a", "A\n");
    fs::remove_file(pkg.text_path("a")).unwrap();
    let r = pkg.run(&["mark-edited", "a"]);
    r.code(1);
    has(&r.stderr, "`prompt-sync restore a`");
    has(&r.stderr, "`prompt-sync sync a`");
    assert!(!pkg.metadata("a").locally_modified);
}

#[test]
fn a_timeout_that_is_not_a_number_is_warned_about() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "a\n")]);
    let mut env = hub_env(&hub);
    env.push(("PROMPT_SYNC_TIMEOUT", "5s".to_owned()));
    let r = pkg.run_env(&["sync"], &env);
    r.code(0);
    has(
        &r.stderr,
        "warning: PROMPT_SYNC_TIMEOUT must be a whole number",
    );
    env.pop();
    env.push(("PROMPT_SYNC_TIMEOUT", "5".to_owned()));
    let r = pkg.run_env(&["sync"], &env);
    r.code(0);
    lacks(&r.stderr, "PROMPT_SYNC_TIMEOUT");
}

// ----------------------------------------------------------------------------------
// `check` with the hub unreachable still reports what it found locally

#[test]
fn check_reports_local_problems_when_the_hub_cannot_be_reached() {
    let pkg = Pkg::new(&["alpha", "beta", "gamma"]);
    pkg.cache("alpha", "a");
    pkg.cache("beta", "b");
    pkg.cache("gamma", "c");
    let env = [
        ("LANGSMITH_API_KEY", KEY.to_owned()),
        // Nothing listens on port 1.
        ("LANGSMITH_ENDPOINT", "http://127.0.0.1:1".to_owned()),
        ("PROMPT_SYNC_TIMEOUT", "2".to_owned()),
    ];

    // The cache is fine: the hub's failure is the one cause, reported once, as what
    // it is, with its own exit code.
    let r = pkg.run_env(&["check"], &env);
    r.code(3);
    has(
        &pkg.run(&["--help"]).stdout,
        "3 `check`\ncould not compare with the hub",
    );
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 2, "{}", r.stderr);
    assert!(
        errors[0].starts_with(
            "error: not compared with the hub: cannot reach the hub: could not connect to http://127.0.0.1:1:"
        ),
        "{}",
        r.stderr
    );
    has(
        errors[1],
        "check failed: the cache was not compared with the hub; its own checks passed (3 prompts intact",
    );
    has(&r.stderr, "check --offline");
    lacks(&r.stderr, "cannot compare with the hub");
    lacks(&r.stderr, "need attention");
    let j = pkg.run_env(&["check", "--json"], &env);
    j.code(3);
    let p = &j.json()["packages"][0];
    assert_eq!(p["ok"], false);
    assert_eq!(p["problems"], serde_json::json!([]));
    assert!(
        p["hub_error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot reach the hub"),
        "{p}"
    );
    assert!(
        p["hub_error"]["fix"]
            .as_str()
            .unwrap()
            .contains("check --offline")
    );

    // A prompt that needs attention is the first cause (exit 1), counted alone.
    pkg.edit("beta", "b edited");
    let r = pkg.run_env(&["check"], &env);
    r.code(1);
    has(&r.stderr, "prompt-sync mark-edited beta");
    has(&r.stderr, "not compared with the hub: cannot reach the hub");
    has(
        &r.stderr,
        "check failed: 1 of 3 prompts need attention; the others were not compared with the hub",
    );
    let j = pkg.run_env(&["check", "--json"], &env);
    j.code(1);
    let p = &j.json()["packages"][0];
    let names: Vec<&str> = p["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["beta"]);
    assert!(p["hub_error"].is_object(), "{p}");
}

/// A text whose line endings git turned into CRLF (`core.autocrlf`) is named as such,
/// with the fix: the cache's `.gitattributes` (written with the cache) and `restore`.
#[test]
fn crlf_line_endings_are_named_and_restore_fixes_them() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "line one\nline two\n")]);
    let cache = pkg.path().join("prompts/langsmith_cache");
    assert_eq!(
        fs::read_to_string(cache.join(".gitattributes")).unwrap(),
        prompt_sync_core::lock::GITATTRIBUTES_TEXT
    );
    pkg.edit("alpha", "line one\r\nline two\r\n");
    let r = pkg.run(&["check", "--offline"]);
    r.code(1);
    has(&r.stderr, "CRLF line endings");
    has(&r.stderr, "core.autocrlf");
    has(&r.stderr, "`* -text`");
    has(&r.stderr, "prompt-sync restore alpha");
    let r = pkg.run(&["status", "--offline"]);
    has(&r.stdout, "CRLF line endings");
    pkg.run(&["restore", "alpha"]).code(0);
    assert_eq!(pkg.text("alpha"), "line one\nline two\n");
    pkg.run(&["check", "--offline"]).code(0);
}

/// With --workspace, the commands that name a prompt run in the member that has it.
#[test]
fn workspace_finds_the_member_of_a_named_prompt() {
    let hub = hub();
    hub.put_prompt("one", text_manifest("1\n"));
    hub.put_prompt("two", text_manifest("2\n"));
    let root = workspace();
    let env = hub_env(&hub);
    let run = |args: &[&str]| run_in_env(BIN, root.path(), args, &env);
    run(&["sync", "--workspace", "--all"]).code(0);
    let two = root.path().join("b/prompts/langsmith_cache/two.txt");

    let r = run(&["mark-edited", "--workspace", "two"]);
    r.code(0);
    has(&r.stdout, "Marked two as locally modified");
    fs::write(&two, "2, edited\n").unwrap();
    let r = run(&["diff", "--workspace", "two", "--offline"]);
    r.code(0);
    has(&r.stdout, "+2, edited");
    // Names in different members: each pushed from its own member.
    let r = run(&["push", "--workspace", "two", "one"]);
    r.code(0);
    has(&r.stdout, "== member-b (");
    has(&r.stdout, "two: Pushed local changes to hub");
    has(&r.stdout, "== member-a (");
    let commits = hub.commits("two");
    assert_eq!(
        commits.last().unwrap().1["kwargs"]["template"],
        "2, edited\n"
    );
    run(&["restore", "--workspace", "two", "--list"]).code(0);

    // No member has it: a usage error naming the way out.
    let r = run(&["diff", "--workspace", "nope"]);
    r.code(2);
    has(
        &r.stderr,
        "no workspace member configures, uses or caches `nope`",
    );
    // Two members with their own caches have it: name them, change nothing.
    let a = root.path().join("a/Cargo.toml");
    let toml = fs::read_to_string(&a)
        .unwrap()
        .replace("[\"one\"]", "[\"one\", \"two\"]");
    fs::write(&a, toml).unwrap();
    let r = run(&["mark-edited", "--workspace", "two"]);
    r.code(2);
    has(
        &r.stderr,
        "`two` is in several workspace members: member-a (",
    );
    has(&r.stderr, "--manifest-path");
    // `new` names a prompt no member has yet.
    run(&["new", "--workspace", "three"]).code(2);
}
