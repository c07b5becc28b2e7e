#![allow(clippy::unwrap_used)]
//! Runs the real `prompt-sync` binary against the fake LangSmith hub: sync, push, diff,
//! new, status and check online, the original tool's command lines and its three
//! worked examples, dry runs, conflicts, `--workspace`, and bad input. Every run
//! asserts (in `support`) that the API key appears in no output.

mod support;

use std::fs;

use prompt_sync_core::hash::sha256_hex;
use serde_json::Value;
use support::{
    BIN, KEY, Pkg, has, hub, hub_env, lacks, no_writes, requests, row, run_in_env, snapshot,
    text_manifest,
};

/// The request bodies the hub received for `METHOD /path`.
fn bodies(hub: &prompt_sync_tests::fake_hub::FakeHub, method: &str, path: &str) -> Vec<Value> {
    hub.requests()
        .iter()
        .filter(|r| r.method == method && r.logical_path() == path)
        .filter_map(|r| r.json())
        .collect()
}

// ----------------------------------------------------------------------------------
// The original tool's worked examples and command lines

#[test]
fn original_example_1_pull_updates_with_all() {
    let hub = hub();
    let c1 = hub.put_prompt("test_generator_v1", text_manifest("Generate tests v1\n"));
    hub.put_prompt(
        "test_generator_v1",
        text_manifest("Generate tests v2, longer\n"),
    );
    hub.put_prompt("code_generator_v1", text_manifest("Write code\n"));
    let c3 = hub.put_prompt("requirements_analyst_v1", text_manifest("Analyse\n"));
    let pkg = Pkg::new(&[
        "test_generator_v1",
        "code_generator_v1",
        "requirements_analyst_v1",
    ]);
    pkg.pull(
        "test_generator_v1",
        &c1,
        &text_manifest("Generate tests v1\n"),
    );
    pkg.pull("requirements_analyst_v1", &c3, &text_manifest("Analyse\n"));

    let r = pkg.run_hub(&hub, &["--all"]);
    r.code(0);
    assert_eq!(
        r.stdout,
        "🔄 Syncing all prompts...\n\
         \n\
         ⬇️ code_generator_v1: Pulled fresh version from hub (11 chars)\n\
         ✅ requirements_analyst_v1: Hub and local are identical - no sync needed\n\
         ⬇️ test_generator_v1: Updated local with newer hub version (26 chars)\n\
         \n\
         📊 Sync Summary\n\
         ================\n\
         Total prompts:     3\n\
         Pulled from hub:   1\n\
         Updated from hub:  1\n\
         Pushed to hub:     0\n\
         Conflicts:         0\n\
         Errors:            0\n"
    );
    assert_eq!(pkg.text("test_generator_v1"), "Generate tests v2, longer\n");
    assert_eq!(pkg.text("code_generator_v1"), "Write code\n");
    // The replaced text was backed up.
    let list = pkg.run(&["restore", "test_generator_v1", "--list"]);
    has(&list.stdout, "1 backup of");
    // Nothing was written to the hub.
    assert!(no_writes(&hub), "{:?}", requests(&hub));
}

#[test]
fn original_example_2_mark_edit_and_auto_push() {
    let hub = hub();
    let base = hub.put_prompt("test_generator_v1", text_manifest("Generate tests\n"));
    let pkg = Pkg::new(&["test_generator_v1"]);
    pkg.pull(
        "test_generator_v1",
        &base,
        &text_manifest("Generate tests\n"),
    );

    let m = pkg.run_here(&["--mark-edited", "test_generator_v1"]);
    m.code(0);
    assert_eq!(
        m.stdout,
        "📝 Marking test_generator_v1 as locally edited...\n\
         ✅ Done! Now you can safely edit prompts/langsmith_cache/test_generator_v1.txt\n"
    );
    pkg.edit("test_generator_v1", "Generate better tests for {module}\n");

    let r = pkg.run_hub(&hub, &["--prompt", "test_generator_v1", "--auto-push"]);
    r.code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "🔄 Syncing test_generator_v1...");
    assert_eq!(
        lines[1],
        "⚠️  Auto-push enabled - local changes will be pushed if different"
    );
    let pushed = lines
        .iter()
        .find(|l| l.starts_with("⬆️ "))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        pushed.starts_with("⬆️ test_generator_v1: Pushed local changes to hub (35 chars)"),
        "{pushed}"
    );
    has(&r.stdout, "Pushed to hub:     1\n");

    // The hub has the edit on top of the base; the metadata records the push.
    let commits = hub.commits("test_generator_v1");
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[1].2.as_deref(), Some(base.as_str()));
    let body = &bodies(&hub, "POST", "/commits/-/test_generator_v1")[0];
    assert_eq!(body["parent_commit"], base.as_str());
    let meta = pkg.metadata("test_generator_v1");
    assert_eq!(meta.sync_direction.as_deref(), Some("push"));
    assert!(!meta.locally_modified);
    assert_eq!(meta.hub_commit_hash.as_deref(), Some(commits[1].0.as_str()));
}

#[test]
fn original_example_3_status_table() {
    let hub = hub();
    let a = hub.put_prompt("test_generator_v1", text_manifest("A\n"));
    let b = hub.put_prompt("code_generator_v1", text_manifest("B\n"));
    let pkg = Pkg::new(&[]);
    pkg.pull("test_generator_v1", &a, &text_manifest("A\n"));
    pkg.pull("code_generator_v1", &b, &text_manifest("B\n"));
    pkg.run(&["mark-edited", "test_generator_v1"]).code(0);

    let r = pkg.run_hub(&hub, &["--status"]);
    r.code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "📊 Prompt Sync Status");
    assert_eq!(lines[1], "=".repeat(50));
    assert!(
        lines[2].starts_with("Prompt Name                    Modified   Last Sync"),
        "{}",
        r.stdout
    );
    let edited = lines
        .iter()
        .find(|l| l.starts_with("test_generator_v1 "))
        .unwrap();
    assert!(edited.contains("✏️ YES"), "{edited}");
    let pulled = lines
        .iter()
        .find(|l| l.starts_with("code_generator_v1 "))
        .unwrap();
    assert!(pulled.contains("📥 No"), "{pulled}");
    assert!(pulled.contains("pull"), "{pulled}");
    assert!(pulled.ends_with("up to date"), "{pulled}");
    assert_eq!(
        *lines.last().unwrap(),
        "📝 Summary: 2 prompts, 1 locally modified"
    );
}

#[test]
fn original_all_dry_run_changes_nothing_anywhere() {
    let hub = hub();
    let c1 = hub.put_prompt("alpha", text_manifest("one\n"));
    hub.put_prompt("alpha", text_manifest("two\n"));
    let b1 = hub.put_prompt("beta", text_manifest("beta\n"));
    hub.put_prompt("gamma", text_manifest("gamma\n"));
    let pkg = Pkg::new(&["alpha", "beta", "gamma"]);
    pkg.pull("alpha", &c1, &text_manifest("one\n"));
    pkg.pull("beta", &b1, &text_manifest("beta\n"));
    pkg.run(&["mark-edited", "beta"]).code(0);
    pkg.edit("beta", "beta edited\n");
    let before = snapshot(pkg.path());
    hub.clear_requests();

    for args in [
        &["--all", "--dry-run"][..],
        &["--all", "--dry-run", "--auto-push"][..],
        &["sync", "--all", "--dry-run", "--auto-push", "--force-pull"][..],
        &["push", "beta", "--dry-run", "--tag", "prod"][..],
    ] {
        let r = pkg.run_hub(&hub, args);
        r.code(0);
        assert_eq!(snapshot(pkg.path()), before, "{args:?} changed files");
        assert!(no_writes(&hub), "{args:?}: {:?}", requests(&hub));
    }
    let r = pkg.run_hub(&hub, &["--all", "--dry-run", "--auto-push"]);
    has(&r.stdout, "🔍 Dry run - nothing will be changed");
    has(
        &r.stdout,
        "🔍 alpha: Would update local with newer hub version",
    );
    has(&r.stdout, "🔍 gamma: Would pull fresh version from hub");
    has(&r.stdout, "🔍 beta: Would push local changes to hub");
    has(&r.stdout, "Pulled from hub:   1\n");
    has(&r.stdout, "Pushed to hub:     1\n");
    let p = pkg.run_hub(&hub, &["push", "beta", "--dry-run", "--tag", "prod"]);
    has(
        &p.stdout,
        "🔍 beta: Would push local changes to hub (12 chars) - parent",
    );
    assert_eq!(hub.commits("beta").len(), 1);
}

#[test]
fn original_flag_forms_are_checked() {
    let pkg = Pkg::new(&["alpha"]);
    for args in [
        &["--dry-run"][..],
        &["--auto-push"][..],
        &[][..],
        &["--status", "--all"][..],
        &["--all", "--prompt", "alpha"][..],
        &["--all", "sync"][..],
    ] {
        let r = pkg.run(args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
    }
    let help = pkg.run(&["--help"]);
    help.code(0);
    for line in [
        "prompt-sync --all                             = prompt-sync sync --all",
        "prompt-sync --prompt NAME --auto-push         = prompt-sync sync NAME --auto-push",
        "prompt-sync --status",
        "prompt-sync --mark-edited NAME",
        "prompt-sync --all --dry-run",
    ] {
        assert!(help.stdout.contains(line), "{line}: {}", help.stdout);
    }
    // Several --prompt flags sync those prompts.
    let hub = hub();
    hub.put_prompt("a1", text_manifest("a\n"));
    hub.put_prompt("b1", text_manifest("b\n"));
    let r = pkg.run_hub(&hub, &["--prompt", "a1", "--prompt", "b1"]);
    r.code(0);
    assert!(
        r.stdout.starts_with("🔄 Syncing 2 prompts..."),
        "{}",
        r.stdout
    );
    assert_eq!(pkg.text("a1"), "a\n");
    assert_eq!(pkg.text("b1"), "b\n");
}

// ----------------------------------------------------------------------------------
// sync

#[test]
fn sync_reports_conflicts_and_force_pull_resolves_them() {
    let hub = hub();
    let base = hub.put_prompt("alpha", text_manifest("base\n"));
    let b2 = hub.put_prompt("beta", text_manifest("beta\n"));
    hub.put_prompt("alpha", text_manifest("hub changed\n"));
    let pkg = Pkg::new(&["alpha", "beta"]);
    pkg.pull("alpha", &base, &text_manifest("base\n"));
    pkg.pull("beta", &b2, &text_manifest("beta\n"));
    pkg.run(&["mark-edited", "alpha"]).code(0);
    pkg.edit("alpha", "mine\n");
    pkg.edit("beta", "unmarked\n");

    let r = pkg.run_hub(&hub, &["sync"]);
    r.code(1);
    has(
        &r.stdout,
        "⚠️ alpha: Local modified and differs from hub - manual resolution needed\n   ",
    );
    has(&r.stdout, "prompt-sync diff");
    has(
        &r.stdout,
        "⚠️ beta: Local file edited without mark-edited - kept",
    );
    has(&r.stdout, "Conflicts:         2\n");
    assert_eq!(pkg.text("alpha"), "mine\n");
    assert_eq!(pkg.text("beta"), "unmarked\n");

    // Taking the hub's version backs up the local text.
    let r = pkg.run_hub(&hub, &["sync", "alpha", "--force-pull"]);
    r.code(0);
    has(
        &r.stdout,
        "⬇️ alpha: Updated local with newer hub version (12 chars)",
    );
    assert_eq!(pkg.text("alpha"), "hub changed\n");
    let list = pkg.run(&["restore", "alpha", "--list"]);
    let backup = list.stdout.lines().last().unwrap().to_owned();
    assert_eq!(
        fs::read_to_string(
            pkg.store
                .layout()
                .backups_dir(&Pkg::name("alpha"))
                .join(backup)
        )
        .unwrap(),
        "mine\n"
    );
    assert!(!pkg.metadata("alpha").locally_modified);
}

#[test]
fn sync_defaults_to_the_cached_prompts_and_names_the_missing_ones() {
    let hub = hub();
    let a = hub.put_prompt("alpha", text_manifest("a\n"));
    hub.put_prompt("gamma", text_manifest("g\n"));
    let pkg = Pkg::new(&["alpha", "gamma"]);
    pkg.pull("alpha", &a, &text_manifest("a\n"));
    let r = pkg.run_hub(&hub, &["sync"]);
    r.code(0);
    has(&r.stdout, "Total prompts:     1\n");
    has(&r.stderr, "1 prompt the package uses is not cached (gamma)");
    assert!(!pkg.text_path("gamma").exists());
    // --json: one object per package, stable keys.
    let j = pkg.run_hub(&hub, &["sync", "--all", "--json"]);
    j.code(0);
    let doc = j.json();
    assert_eq!(doc["dry_run"], false);
    let p = &doc["packages"][0];
    assert_eq!(p["package"], "app");
    assert_eq!(p["totals"]["pulled"], 1);
    assert_eq!(p["prompts"][0]["name"], "alpha");
    assert_eq!(p["prompts"][0]["outcome"], "unchanged");
    assert_eq!(p["prompts"][1]["outcome"], "pulled");
    assert_eq!(p["prompts"][1]["state"], "missing");
    assert_eq!(pkg.text("gamma"), "g\n");
}

#[test]
fn sync_errors_exit_non_zero_and_change_nothing() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "a\n")]);
    let before = snapshot(pkg.path());

    // A prompt the hub does not have.
    let r = pkg.run_hub(&hub, &["sync", "nope"]);
    r.code(1);
    has(&r.stdout, "❌ nope: Error: ");
    has(&r.stdout, "not found");
    has(&r.stdout, "Errors:            1\n");
    assert_eq!(snapshot(pkg.path()), before);

    // An invalid name is a usage error before anything happens.
    let r = pkg.run_hub(&hub, &["sync", "../x"]);
    r.code(2);
    assert!(
        r.stderr.starts_with("error: invalid prompt name"),
        "{}",
        r.stderr
    );

    // The hub is down (server errors after the retries).
    hub.add_fault(prompt_sync_tests::fake_hub::Fault::always(
        "GET /repos",
        prompt_sync_tests::fake_hub::FaultKind::Status(503),
    ));
    let r = pkg.run_hub(&hub, &["sync"]);
    r.code(1);
    assert!(
        r.stderr
            .starts_with("error: cannot sync with the hub: the hub had a server error (503)"),
        "{}",
        r.stderr
    );
    has(&r.stderr, "nothing was changed");
    assert_eq!(snapshot(pkg.path()), before);
    hub.clear_faults();

    // A wrong key.
    let r = pkg.run_env(
        &["sync"],
        &[
            ("LANGSMITH_API_KEY", "wrong-key".to_owned()),
            ("LANGSMITH_ENDPOINT", hub.url()),
        ],
    );
    r.code(1);
    has(&r.stderr, "refused the API key");
    lacks(&r.stderr, "wrong-key");

    // Corrupt metadata beside an edited text: that prompt fails naming the ways out,
    // nothing is written.
    let alpha = Pkg::name("alpha");
    fs::write(pkg.store.layout().metadata_path(&alpha), "{not json").unwrap();
    fs::write(pkg.store.layout().text_path(&alpha), "edited\n").unwrap();
    let before = snapshot(pkg.path());
    let r = pkg.run_hub(&hub, &["sync"]);
    r.code(1);
    has(&r.stdout, "❌ alpha: Error: ");
    has(&r.stdout, "metadata");
    has(&r.stdout, "sync --force-pull");
    assert_eq!(snapshot(pkg.path()), before);
    // The way out it names: the hub's version, the edit backed up.
    pkg.run_hub(&hub, &["sync", "--force-pull", "alpha"])
        .code(0);
    assert_eq!(
        fs::read_to_string(pkg.store.layout().text_path(&alpha)).unwrap(),
        "a\n"
    );
    let backups = pkg.store.list_backups(&alpha).unwrap();
    assert_eq!(fs::read_to_string(&backups[0]).unwrap(), "edited\n");
    pkg.run_hub(&hub, &["check"]).code(0);
}

#[test]
fn an_unreachable_hub_leaves_status_showing_the_cache() {
    let pkg = Pkg::new(&["alpha", "beta"]);
    pkg.cache("alpha", "a");
    pkg.cache("beta", "b");
    pkg.run(&["mark-edited", "beta"]).code(0);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = [
        ("LANGSMITH_API_KEY", KEY.to_owned()),
        ("LANGSMITH_ENDPOINT", format!("http://127.0.0.1:{port}")),
        ("PROMPT_SYNC_TIMEOUT", "2".to_owned()),
    ];
    let before = snapshot(pkg.path());
    let offline = pkg.run(&["status", "--offline"]);
    offline.code(0);
    let r = pkg.run_env(&["status"], &env);
    // The cache is fine: exit 0, the table `--offline` shows, one line about the hub.
    r.code(0);
    assert_eq!(r.stdout, offline.stdout);
    assert_eq!(row(&r.stdout, "alpha")[1], "unknown", "{}", r.stdout);
    assert_eq!(row(&r.stdout, "beta")[1], "local edit", "{}", r.stdout);
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(
        warnings[0].starts_with(&format!(
            "warning: cannot reach the hub: could not connect to http://127.0.0.1:{port}"
        )),
        "{}",
        r.stderr
    );
    has(warnings[0], "showing the cache only");
    assert!(
        !r.stderr.lines().any(|l| l.starts_with("error:")),
        "{}",
        r.stderr
    );

    // JSON: the same rows, and the hub's failure in its own field.
    let j = pkg.run_env(&["status", "--json"], &env);
    j.code(0);
    let p = &j.json()["packages"][0];
    assert_eq!(p["online"], false);
    assert!(
        p["hub_error"]
            .as_str()
            .unwrap()
            .starts_with("cannot reach the hub"),
        "{p}"
    );
    assert_eq!(p["prompts"][0]["state"], "unknown");
    assert_eq!(snapshot(pkg.path()), before);
}

#[test]
fn a_hub_that_never_answers_times_out_naming_the_limit() {
    // Accepts connections, never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().collect();
        drop(held);
    });
    let pkg = Pkg::new(&["alpha"]);
    pkg.cache("alpha", "a");
    let started = std::time::Instant::now();
    let r = pkg.run_env(
        &["status"],
        &[
            ("LANGSMITH_API_KEY", KEY.to_owned()),
            ("LANGSMITH_ENDPOINT", format!("http://127.0.0.1:{port}")),
            ("PROMPT_SYNC_TIMEOUT", "1".to_owned()),
        ],
    );
    r.code(0);
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    has(
        &r.stderr,
        "warning: the hub did not answer within 1 s (PROMPT_SYNC_TIMEOUT, default 30 s); to wait longer set PROMPT_SYNC_TIMEOUT=SECONDS",
    );
    assert_eq!(row(&r.stdout, "alpha")[1], "unknown", "{}", r.stdout);
}

// ----------------------------------------------------------------------------------
// push

#[test]
fn push_with_tags_and_description_creates_the_commit_on_the_base() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "Hello {name}\n")]);
    let base = hub.latest_commit("alpha").unwrap();
    pkg.run(&["mark-edited", "alpha"]).code(0);
    pkg.edit("alpha", "Hello {name}, welcome to {place}\n");
    hub.clear_requests();

    let r = pkg.run_hub(
        &hub,
        &[
            "push",
            "alpha",
            "--tag",
            "prod",
            "--tag",
            "v2",
            "--description",
            "add the place",
        ],
    );
    r.code(0);
    let commits = hub.commits("alpha");
    assert_eq!(commits.len(), 2);
    let (new, manifest, parent) = &commits[1];
    assert_eq!(parent.as_deref(), Some(base.as_str()));
    assert_eq!(
        manifest["kwargs"]["template"],
        "Hello {name}, welcome to {place}\n"
    );
    assert_eq!(
        manifest["kwargs"]["input_variables"],
        serde_json::json!(["name", "place"])
    );
    let body = &bodies(&hub, "POST", "/commits/-/alpha")[0];
    assert_eq!(body["parent_commit"], base.as_str());
    assert_eq!(body["description"], "add the place");
    assert_eq!(
        hub.tags("alpha"),
        vec![
            ("prod".to_owned(), new.clone()),
            ("v2".to_owned(), new.clone())
        ]
    );
    assert!(
        r.stdout.starts_with(&format!(
            "⬆️ alpha: Pushed local changes to hub (33 chars) - commit {}, parent {}\n",
            &new[..8],
            &base[..8]
        )),
        "{}",
        r.stdout
    );
    has(&r.stdout, "🏷️ alpha: tagged `prod`");
    let meta = pkg.metadata("alpha");
    assert_eq!(meta.sync_direction.as_deref(), Some("push"));
    assert_eq!(meta.hub_commit_hash.as_deref(), Some(new.as_str()));
    assert!(!meta.locally_modified);
    assert_eq!(
        meta.hub_content_hash.as_deref(),
        Some(sha256_hex(b"Hello {name}, welcome to {place}\n").as_str())
    );
    // The macro's check passes and the next sync finds nothing to do.
    pkg.run(&["check", "--offline"]).code(0);
    let s = pkg.run_hub(&hub, &["sync"]);
    s.code(0);
    has(
        &s.stdout,
        "✅ alpha: Hub and local are identical - no sync needed",
    );
    // Pushing again: nothing to push.
    let again = pkg.run_hub(&hub, &["push", "alpha", "--json"]);
    again.code(0);
    assert_eq!(
        again.json()["packages"][0]["prompts"][0]["result"],
        "already_on_hub"
    );
    // A tag that points at another commit: the commit is pushed and recorded, the tag
    // is refused by the hub and the output says what to do.
    pkg.run(&["mark-edited", "alpha"]).code(0);
    pkg.edit("alpha", "Hello again\n");
    let r = pkg.run_hub(&hub, &["push", "alpha", "--tag", "prod"]);
    r.code(1);
    has(&r.stdout, "⬆️ alpha: Pushed local changes");
    has(&r.stdout, "❌ alpha: tag `prod`: the hub refused");
    has(&r.stdout, "does not move tags");
    let latest = hub.latest_commit("alpha").unwrap();
    assert_eq!(
        pkg.metadata("alpha").hub_commit_hash.as_deref(),
        Some(latest.as_str())
    );
    assert_eq!(hub.tags("alpha")[0], ("prod".to_owned(), new.clone()));
    // The hub moves on while the cache is unchanged: nothing to push, sync takes it.
    hub.put_prompt("alpha", text_manifest("Hub moved on\n"));
    let r = pkg.run_hub(&hub, &["push", "alpha"]);
    r.code(0);
    has(
        &r.stdout,
        "✅ alpha: Nothing to push - the hub has a newer version",
    );
}

#[test]
fn push_is_refused_after_the_hub_moved_and_allowed_with_force() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "base\n")]);
    pkg.run(&["mark-edited", "alpha"]).code(0);
    pkg.edit("alpha", "mine\n");
    let theirs = hub.put_prompt("alpha", text_manifest("theirs\n"));
    let before = snapshot(pkg.path());
    hub.clear_requests();

    let r = pkg.run_hub(&hub, &["push", "alpha"]);
    r.code(1);
    assert!(
        r.stdout
            .starts_with("⚠️ alpha: Not pushed - conflict: the hub changed `alpha`"),
        "{}",
        r.stdout
    );
    has(&r.stdout, "prompt-sync push --force alpha");
    has(&r.stdout, "prompt-sync diff alpha");
    assert!(no_writes(&hub), "{:?}", requests(&hub));
    assert_eq!(snapshot(pkg.path()), before);
    assert_eq!(hub.commits("alpha").len(), 2);

    // JSON says the same.
    let j = pkg.run_hub(&hub, &["push", "alpha", "--json"]);
    j.code(1);
    let p = &j.json()["packages"][0]["prompts"][0];
    assert_eq!(p["result"], "refused");
    assert_eq!(p["state"], "conflict");

    let r = pkg.run_hub(&hub, &["push", "alpha", "--force"]);
    r.code(0);
    let commits = hub.commits("alpha");
    assert_eq!(commits.len(), 3);
    assert_eq!(commits[2].1["kwargs"]["template"], "mine\n");
    let body = &bodies(&hub, "POST", "/commits/-/alpha")[0];
    assert_eq!(body["parent_commit"], theirs.as_str());
    assert_eq!(
        pkg.metadata("alpha").hub_commit_hash.as_deref(),
        Some(commits[2].0.as_str())
    );
}

#[test]
fn push_force_never_publishes_an_unmarked_edit() {
    // A colleague pushes; the local text is edited without mark-edited.
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("order_mail", "base\n")]);
    let theirs = hub.put_prompt("order_mail", text_manifest("colleague's\n"));
    pkg.edit("order_mail", "unmarked local\n");
    let before = snapshot(pkg.path());
    hub.clear_requests();

    // The conflict message names mark-edited first and does not send the user to --force.
    let r = pkg.run_hub(&hub, &["push", "order_mail"]);
    r.code(1);
    has(
        &r.stdout,
        "⚠️ order_mail: Not pushed - `order_mail` was edited without `prompt-sync mark-edited order_mail`",
    );
    lacks(&r.stdout, "prompt-sync push --force");
    let mark = r.stdout.find("prompt-sync mark-edited order_mail").unwrap();
    let diff = r.stdout.find("prompt-sync diff order_mail").unwrap();
    assert!(mark < diff, "{}", r.stdout);

    // --force is refused too, and nothing is written, on the hub or on disk.
    for args in [
        &["push", "--force", "order_mail"][..],
        &["push", "order_mail", "--force", "--json"][..],
    ] {
        let r = pkg.run_hub(&hub, args);
        r.code(1);
        let out = format!("{}{}", r.stdout, r.stderr);
        has(&out, "never pushed, not even with `--force`");
    }
    assert!(no_writes(&hub), "{:?}", requests(&hub));
    assert_eq!(snapshot(pkg.path()), before);
    let commits = hub.commits("order_mail");
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[1].0, theirs);

    // sync reports the conflict with the same order of fixes.
    let s = pkg.run_hub(&hub, &["sync", "order_mail"]);
    s.code(1);
    has(&s.stdout, "`prompt-sync mark-edited order_mail` first");
    lacks(&s.stdout, "push --force");

    // Without a hub change, --force refuses the unmarked edit as well.
    let hub2 = support::hub();
    let pkg2 = Pkg::synced(&hub2, &[("order_mail", "base\n")]);
    pkg2.edit("order_mail", "unmarked local\n");
    let r = pkg2.run_hub(&hub2, &["push", "--force", "order_mail"]);
    r.code(1);
    has(
        &r.stdout,
        "was edited without `prompt-sync mark-edited order_mail`",
    );
    assert_eq!(hub2.commits("order_mail").len(), 1);

    // Once marked, --force overrides the conflict (the flag's only job).
    pkg.run(&["mark-edited", "order_mail"]).code(0);
    pkg.run_hub(&hub, &["push", "--force", "order_mail"])
        .code(0);
    let commits = hub.commits("order_mail");
    assert_eq!(commits.len(), 3);
    assert_eq!(commits[2].1["kwargs"]["template"], "unmarked local\n");
}

#[test]
fn push_refuses_unmarked_edits_and_unknown_prompts() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "base\n")]);
    pkg.edit("alpha", "not marked\n");
    let before = snapshot(pkg.path());
    let r = pkg.run_hub(&hub, &["push", "alpha", "nope"]);
    r.code(1);
    has(
        &r.stdout,
        "⚠️ alpha: Not pushed - `alpha` was edited without `prompt-sync mark-edited alpha`",
    );
    has(
        &r.stdout,
        "❌ nope: Error: prompt `nope` is not in the cache; `prompt-sync new nope`",
    );
    assert!(no_writes(&hub));
    assert_eq!(snapshot(pkg.path()), before);
    // Bad names and tags are usage errors.
    pkg.run_hub(&hub, &["push", "../x"]).code(2);
    let r = pkg.run_hub(&hub, &["push", "alpha", "--tag", "a/b"]);
    r.code(2);
    has(
        &r.stderr,
        "invalid tag `a/b`: character `/` at byte 1 is not allowed (use ASCII letters, digits, `-`, `_` and `.`)",
    );
    // One rule, stated once: not a name's rule (without `.`) next to a tag's.
    lacks(&r.stderr, "`-` and `_`)");
    let r = pkg.run_hub(&hub, &["push", "alpha", "--tag", ".x"]);
    r.code(2);
    has(&r.stderr, "it must start with an ASCII letter or digit");
    pkg.run_hub(&hub, &["push", "alpha", "--tag", "latest"])
        .code(2);
}

#[test]
fn push_of_a_mark_without_a_change_clears_the_mark() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "same\n")]);
    let base = hub.latest_commit("alpha").unwrap();
    pkg.run(&["mark-edited", "alpha"]).code(0);
    hub.clear_requests();
    let r = pkg.run_hub(&hub, &["push", "alpha"]);
    r.code(0);
    assert!(
        r.stdout.starts_with(&format!(
            "✅ alpha: Hub and local are identical (commit {}) - nothing to push; recorded the hub's commit",
            &base[..8]
        )),
        "{}",
        r.stdout
    );
    assert!(no_writes(&hub));
    assert!(!pkg.metadata("alpha").locally_modified);
    pkg.run_hub(&hub, &["check"]).code(0);
}

// ----------------------------------------------------------------------------------
// new

#[test]
fn new_then_push_creates_the_prompt_on_the_hub() {
    let hub = hub();
    let pkg = Pkg::new(&[]);
    let r = pkg.run_here(&["new", "fresh", "--chat"]);
    r.code(0);
    assert!(
        r.stdout.starts_with(
            "📝 Created chat prompt fresh locally. Edit: prompts/langsmith_cache/fresh.txt"
        ),
        "{}",
        r.stdout
    );
    let meta = pkg.metadata("fresh");
    assert!(meta.locally_modified);
    assert_eq!(meta.hub_commit_hash, None);
    assert_eq!(meta.kind.as_deref(), Some("chat"));
    pkg.run(&["check", "--offline"]).code(0);
    assert_eq!(pkg.run(&["new", "fresh"]).code, 1);

    // Status and sync know it is new.
    let s = pkg.run_hub(&hub, &["status"]);
    s.code(0);
    assert_eq!(row(&s.stdout, "fresh")[1..3], ["new", "yes"]);
    let y = pkg.run_hub(&hub, &["sync"]);
    y.code(0);
    has(&y.stdout, "✏️ fresh: New prompt, not on the hub yet");
    // Diff shows all of it as added.
    let d = pkg.run_hub(&hub, &["diff", "fresh"]);
    d.code(0);
    assert!(
        d.stdout.starts_with("--- /dev/null\n+++ local/fresh\n"),
        "{}",
        d.stdout
    );

    pkg.edit(
        "fresh",
        "=== system ===\nYou are {persona}.\n=== placeholder: history ===\n\n=== human ===\n{question}\n",
    );
    hub.clear_requests();
    let p = pkg.run_hub(&hub, &["push", "fresh", "--description", "first"]);
    p.code(0);
    assert!(
        p.stdout
            .starts_with("⬆️ fresh: Created the prompt on the hub and pushed it"),
        "{}",
        p.stdout
    );
    let reqs = requests(&hub);
    let create = reqs.iter().position(|r| r == "POST /repos").unwrap();
    let commit = reqs
        .iter()
        .position(|r| r == "POST /commits/-/fresh")
        .unwrap();
    assert!(create < commit, "{reqs:?}");
    assert!(hub.has_prompt("fresh"));
    let commits = hub.commits("fresh");
    assert_eq!(commits.len(), 1);
    let body = &bodies(&hub, "POST", "/commits/-/fresh")[0];
    assert_eq!(body["parent_commit"], Value::Null);
    let meta = pkg.metadata("fresh");
    assert_eq!(meta.sync_direction.as_deref(), Some("push"));
    assert_eq!(meta.hub_commit_hash.as_deref(), Some(commits[0].0.as_str()));
    assert!(!meta.locally_modified);
    // Pulling it back gives the same text.
    let y = pkg.run_hub(&hub, &["sync", "fresh"]);
    y.code(0);
    has(&y.stdout, "✅ fresh: Hub and local are identical");
    pkg.run_hub(&hub, &["check"]).code(0);
}

#[test]
fn new_from_a_file_checks_the_chat_format() {
    let pkg = Pkg::new(&[]);
    let file = pkg.path().join("draft.txt");
    // Text, then a header: neither one system message (no header) nor sections.
    fs::write(&file, "intro\n=== human ===\n{q}\n").unwrap();
    let before = snapshot(pkg.path());
    let r = pkg.run(&["new", "draft", "--chat", "--from", file.to_str().unwrap()]);
    r.code(1);
    has(&r.stderr, "sectioned format");
    assert_eq!(snapshot(pkg.path()), before);
    fs::write(&file, "no sections here\n").unwrap();
    let r = pkg.run(&["new", "draft", "--from", file.to_str().unwrap()]);
    r.code(0);
    assert_eq!(pkg.text("draft"), "no sections here\n");
    assert_eq!(pkg.run(&["new", "../x"]).code, 2);
}

// ----------------------------------------------------------------------------------
// diff, restore --hub

#[test]
fn diff_shows_hub_to_local_and_the_base_on_a_conflict() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "one\ntwo\nthree\n")]);
    let base = hub.latest_commit("alpha").unwrap();
    pkg.run(&["mark-edited", "alpha"]).code(0);
    pkg.edit("alpha", "one\n2\nthree\n");

    let d = pkg.run_hub(&hub, &["diff", "alpha"]);
    d.code(0);
    assert_eq!(
        d.stdout,
        format!(
            "--- hub/alpha@{}\n+++ local/alpha\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n",
            &base[..8]
        )
    );
    pkg.run_hub(&hub, &["diff", "alpha", "--exit-code"]).code(1);
    let off = pkg.run(&["diff", "alpha", "--offline"]);
    off.code(0);
    assert!(
        off.stdout
            .starts_with(&format!("--- base/alpha@{}\n", &base[..8])),
        "{}",
        off.stdout
    );

    // The hub moves too: a conflict shows what each side changed.
    let theirs = hub.put_prompt("alpha", text_manifest("one\ntwo\nthree\nfour\n"));
    let d = pkg.run_hub(&hub, &["diff", "alpha"]);
    d.code(0);
    has(&d.stdout, "# conflict: both the hub and the cache changed");
    has(
        &d.stdout,
        &format!(
            "--- base/alpha@{}\n+++ hub/alpha@{}\n@@ -1,3 +1,4 @@\n one\n two\n three\n+four\n",
            &base[..8],
            &theirs[..8]
        ),
    );
    // Equal texts.
    pkg.run_hub(&hub, &["restore", "alpha", "--hub"]).code(0);
    assert_eq!(pkg.text("alpha"), "one\ntwo\nthree\nfour\n");
    let d = pkg.run_hub(&hub, &["diff", "alpha", "--exit-code"]);
    d.code(0);
    has(&d.stdout, "are identical");
    assert_eq!(pkg.run_hub(&hub, &["diff", "nope"]).code, 1);
}

// ----------------------------------------------------------------------------------
// status and check online

/// A hostile hub's prompt list (90 KB handles, a total of a billion, pages without
/// end): `status`, `check` and `sync` read a bounded number of pages, say how many
/// entries they skipped (never printing one), and still get each prompt from direct
/// pulls.
#[test]
fn status_check_and_sync_against_an_endless_list_of_huge_handles_read_few_pages() {
    use prompt_sync_tests::fake_hub::{Fault, FaultKind};
    let hub = hub();
    let up = hub.put_prompt("up", text_manifest("up\n"));
    let newer = hub.put_prompt("newer", text_manifest("old\n"));
    hub.put_prompt("newer", text_manifest("new\n"));
    let pkg = Pkg::new(&["up", "newer"]);
    pkg.pull("up", &up, &text_manifest("up\n"));
    pkg.pull("newer", &newer, &text_manifest("old\n"));
    hub.add_fault(Fault::always(
        "GET /repos",
        FaultKind::HostileRepoList {
            handle_len: 90_000,
            total: 1_000_000_000,
        },
    ));
    let mut env = hub_env(&hub);
    env.push(("PROMPT_SYNC_TIMEOUT", "60".to_owned()));
    let r = pkg.run_env(&["status"], &env);
    r.code(0);
    assert_eq!(row(&r.stdout, "up")[1], "up to date", "{}", r.stdout);
    assert_eq!(row(&r.stdout, "newer")[1], "hub newer", "{}", r.stdout);
    has(
        &r.stderr,
        "warning: the hub's prompt list had 1000 entries whose name is no valid prompt name (skipped)",
    );
    assert!(
        r.stdout.len() + r.stderr.len() < 10_000,
        "a handle was printed"
    );
    let listed = requests(&hub)
        .iter()
        .filter(|r| r.as_str() == "GET /repos")
        .count();
    assert_eq!(listed, 10, "{:?}", requests(&hub));
    assert!(no_writes(&hub));

    // `check` and `sync` read the same bounded list, and say the same.
    let warning = "warning: the hub's prompt list had 1000 entries whose name is no valid prompt name (skipped)";
    hub.clear_requests();
    let c = pkg.run_env(&["check"], &env);
    has(&c.stderr, warning);
    assert!(
        c.stdout.len() + c.stderr.len() < 10_000,
        "a handle was printed"
    );
    hub.clear_requests();
    let s = pkg.run_env(&["sync"], &env);
    s.code(0);
    has(&s.stderr, warning);
    assert!(
        s.stdout.len() + s.stderr.len() < 10_000,
        "a handle was printed"
    );
    let listed = requests(&hub)
        .iter()
        .filter(|r| r.as_str() == "GET /repos")
        .count();
    assert_eq!(listed, 10, "{:?}", requests(&hub));
    assert_eq!(pkg.text("newer"), "new\n");
}

#[test]
fn status_online_shows_the_three_way_states() {
    let hub = hub();
    let up = hub.put_prompt("up", text_manifest("up\n"));
    let newer = hub.put_prompt("newer", text_manifest("old\n"));
    hub.put_prompt("newer", text_manifest("new\n"));
    let edit = hub.put_prompt("edit", text_manifest("e\n"));
    let unmarked = hub.put_prompt("unmarked", text_manifest("u\n"));
    let conflict = hub.put_prompt("conflict", text_manifest("c\n"));
    hub.put_prompt("conflict", text_manifest("c on hub\n"));
    hub.put_prompt("missing", text_manifest("m\n"));
    let pkg = Pkg::new(&["missing"]);
    pkg.pull("up", &up, &text_manifest("up\n"));
    pkg.pull("newer", &newer, &text_manifest("old\n"));
    pkg.pull("edit", &edit, &text_manifest("e\n"));
    pkg.pull("unmarked", &unmarked, &text_manifest("u\n"));
    pkg.pull("conflict", &conflict, &text_manifest("c\n"));
    pkg.run(&["mark-edited", "edit"]).code(0);
    pkg.edit("edit", "e local\n");
    pkg.edit("unmarked", "u local\n");
    pkg.run(&["mark-edited", "conflict"]).code(0);
    pkg.edit("conflict", "c local\n");
    let before = snapshot(pkg.path());

    let r = pkg.run_hub(&hub, &["status"]);
    r.code(0);
    for (name, state) in [
        ("up", "up to date"),
        ("newer", "hub newer"),
        ("edit", "local edit"),
        ("unmarked", "unmarked edit"),
        ("conflict", "conflict"),
        ("missing", "missing"),
    ] {
        assert_eq!(row(&r.stdout, name)[1], state, "{}", r.stdout);
    }
    assert_eq!(
        r.stdout.lines().last().unwrap(),
        "6 prompts, 2 locally modified, 4 need attention"
    );
    has(&r.stderr, "`prompt-sync sync`");
    assert!(no_writes(&hub));
    assert_eq!(snapshot(pkg.path()), before);

    let j = pkg.run_hub(&hub, &["status", "--json"]);
    j.code(0);
    let doc = j.json();
    let p = &doc["packages"][0];
    assert_eq!(p["online"], true);
    assert_eq!(p["summary"]["total"], 6);
    let states: Vec<(&str, &str)> = p["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["name"].as_str().unwrap(), x["state"].as_str().unwrap()))
        .collect();
    assert!(states.contains(&("newer", "hub_newer")), "{states:?}");
    assert!(states.contains(&("up", "up_to_date")), "{states:?}");

    // Offline the hub's side is unknown.
    let o = pkg.run(&["status", "--offline"]);
    assert_eq!(row(&o.stdout, "up")[1], "unknown");
    assert_eq!(row(&o.stdout, "newer")[1], "unknown");
    assert_eq!(row(&o.stdout, "edit")[1], "local edit");
}

#[test]
fn check_online_compares_with_the_hub_at_its_ref() {
    let hub = hub();
    let a = hub.put_prompt("alpha", text_manifest("a\n"));
    let b = hub.put_prompt("beta", text_manifest("b\n"));
    let pkg = Pkg::new(&["alpha", "beta"]);
    pkg.pull("alpha", &a, &text_manifest("a\n"));
    pkg.pull("beta", &b, &text_manifest("b\n"));
    let r = pkg.run_hub(&hub, &["check"]);
    r.code(0);
    has(&r.stdout, "all equal to the hub");

    hub.put_prompt("beta", text_manifest("b2\n"));
    let r = pkg.run_hub(&hub, &["check"]);
    r.code(1);
    has(&r.stderr, "prompt `beta` is behind the hub");
    has(&r.stderr, "fix: run `prompt-sync sync beta`");
    lacks(&r.stderr, "`alpha`");
    // Offline the cache alone passes.
    pkg.run_hub(&hub, &["check", "--offline"]).code(0);
    let j = pkg.run_hub(&hub, &["check", "--json"]);
    j.code(1);
    let doc = j.json();
    assert_eq!(doc["packages"][0]["ok"], false);
    assert_eq!(doc["packages"][0]["problems"][0]["name"], "beta");
    assert_eq!(
        doc["packages"][0]["problems"][0]["fix"],
        "run `prompt-sync sync beta` and commit the cache"
    );
}

// ----------------------------------------------------------------------------------
// --workspace, -v, the cargo subcommand

#[test]
fn workspace_runs_on_every_member_with_a_config() {
    let hub = hub();
    hub.put_prompt("one", text_manifest("1\n"));
    hub.put_prompt("two", text_manifest("2\n"));
    let root = support::workspace(&[
        ("a", "member-a", Some("one")),
        ("b", "member-b", Some("two")),
        ("plain", "plain", None),
    ]);

    let env = hub_env(&hub);
    let r = run_in_env(BIN, root.path(), &["--workspace", "--all"], &env);
    r.code(0);
    has(&r.stdout, "== member-a (");
    has(&r.stdout, "== member-b (");
    lacks(&r.stdout, "plain");
    assert_eq!(
        fs::read_to_string(root.path().join("a/prompts/langsmith_cache/one.txt")).unwrap(),
        "1\n"
    );
    assert_eq!(
        fs::read_to_string(root.path().join("b/prompts/langsmith_cache/two.txt")).unwrap(),
        "2\n"
    );
    let s = run_in_env(BIN, root.path(), &["status", "--workspace", "--json"], &env);
    s.code(0);
    let doc = s.json();
    let names: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["package"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["member-a", "member-b"]);
    let c = run_in_env(BIN, root.path(), &["check", "--workspace"], &env);
    c.code(0);
    // A command about one prompt runs in the member that has it.
    let p = run_in_env(BIN, root.path(), &["push", "one", "--workspace"], &env);
    p.code(0);
    has(&p.stdout, "one: Hub and local are identical");
    // `new` names a prompt no member has: it needs one package.
    let n = run_in_env(BIN, root.path(), &["new", "x", "--workspace"], &env);
    n.code(2);
    has(&n.stderr, "--workspace goes with");
    // Without --workspace the virtual manifest is not a package, and the hint says so.
    let v = run_in_env(BIN, root.path(), &["status"], &env);
    v.code(1);
    has(&v.stderr, "workspace manifest");
}

#[test]
fn verbose_output_names_the_hub_but_never_the_key() {
    let hub = hub();
    let pkg = Pkg::synced(&hub, &[("alpha", "a\n")]);
    let mut env = hub_env(&hub);
    env.push(("LANGSMITH_WORKSPACE_ID", "ws-1".to_owned()));
    for args in [
        &["-v", "sync"][..],
        &["-vv", "status"][..],
        &["-v", "push", "alpha"][..],
        &["-v", "diff", "alpha"][..],
        &["-v", "check"][..],
    ] {
        let r = pkg.run_env(args, &env);
        r.code(0);
        assert!(
            r.stderr.contains(&format!("debug: hub {}", hub.url())),
            "{args:?}: {}",
            r.stderr
        );
        has(&r.stderr, "API key set (not shown)");
    }
    // A key with a stray newline is refused without echoing it.
    let r = pkg.run_env(
        &["sync"],
        &[
            ("LANGSMITH_API_KEY", format!("{KEY}\nx")),
            ("LANGSMITH_ENDPOINT", hub.url()),
        ],
    );
    r.code(1);
    // -q keeps only results.
    let q = pkg.run_hub(&hub, &["-q", "sync"]);
    q.code(0);
    assert!(q.stdout.starts_with("✅ alpha"), "{}", q.stdout);
    assert!(
        !q.stderr.contains("note:") && !q.stderr.contains("hint:"),
        "{}",
        q.stderr
    );
}

#[test]
fn the_cargo_subcommand_syncs_too() {
    let hub = hub();
    hub.put_prompt("alpha", text_manifest("a\n"));
    let pkg = Pkg::new(&["alpha"]);
    let r = run_in_env(
        support::CARGO_BIN,
        pkg.path(),
        &["prompt-sync", "sync", "--all"],
        &hub_env(&hub),
    );
    r.code(0);
    assert_eq!(pkg.text("alpha"), "a\n");
}

// ----------------------------------------------------------------------------------
// Concurrent syncs

/// Four `prompt-sync sync --all` at once, round after round, while another hub user
/// commits to every prompt every 50 ms: a sync that finds a prompt changed under its plan by another
/// sync plans it again under the lock and goes on, so every run exits 0, and the
/// cache ends consistent.
#[test]
fn concurrent_syncs_of_one_cache_do_not_fail_for_a_race() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let hub = hub();
    let names: Vec<String> = (0..12).map(|i| format!("conc_{i:02}")).collect();
    let prompts: Vec<(&str, String)> = names
        .iter()
        .map(|n| (n.as_str(), format!("{n} v0\n")))
        .collect();
    let pairs: Vec<(&str, &str)> = prompts.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let pkg = Pkg::synced(&hub, &pairs);
    // Each request takes a while, as over a network: plans overlap other syncs' writes.
    hub.set_latency(std::time::Duration::from_millis(20));
    let stop = AtomicBool::new(false);
    let mut runs = Vec::new();
    let commits = std::thread::scope(|s| {
        let committer = s.spawn(|| {
            let mut commits = 0;
            while !stop.load(Ordering::SeqCst) {
                for n in &names {
                    hub.put_prompt(n, text_manifest(&format!("{n} v{}\n", commits + 1)));
                    commits += 1;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            commits
        });
        let syncs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    (0..8)
                        .map(|_| {
                            let start = std::time::Instant::now();
                            let r = pkg.run_hub(&hub, &["sync", "--all"]);
                            (start, std::time::Instant::now(), r)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in syncs {
            runs.extend(h.join().unwrap());
        }
        stop.store(true, Ordering::SeqCst);
        committer.join().unwrap()
    });
    assert!(commits > 0);
    // The runs really overlapped: some sync started while another was running.
    let overlapping = runs
        .iter()
        .filter(|(start, _, _)| {
            runs.iter()
                .filter(|(s2, e2, _)| s2 < start && start < e2)
                .count()
                > 0
        })
        .count();
    assert!(overlapping > 0, "no two syncs ran at once");
    for (_, _, r) in &runs {
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
        lacks(&r.stdout, "changed while syncing");
    }
    pkg.run(&["check", "--offline"]).code(0);
    // One more sync takes every prompt to the hub's newest text.
    pkg.run_hub(&hub, &["sync"]).code(0);
    for n in &names {
        let latest = hub.commits(n).last().map(|(_, m, _)| m.clone()).unwrap();
        assert_eq!(
            pkg.text(n),
            latest["kwargs"]["template"].as_str().unwrap(),
            "{n}"
        );
    }
}

// ----------------------------------------------------------------------------------
// Chat texts and editors

/// A chat manifest of a system and a human message (`ChatPromptTemplate`).
fn system_human(system: &str, human: &str) -> Value {
    use prompt_sync_core::model::{ChatMessage, PromptBody, PromptModel, Role};
    let model = PromptModel {
        body: PromptBody::Chat(vec![
            ChatMessage::Message {
                role: Role::System,
                content: system.to_owned(),
            },
            ChatMessage::Message {
                role: Role::Human,
                content: human.to_owned(),
            },
        ]),
        template_format: prompt_sync_core::TemplateFormat::FString,
        input_variables: vec!["q".to_owned()],
    };
    prompt_sync_core::manifest::to_manifest(&model, None).unwrap()
}

/// The template of the last message of `name`'s newest commit on `hub`.
fn last_template(hub: &prompt_sync_tests::fake_hub::FakeHub, name: &str) -> String {
    let (_, manifest, _) = hub.commits(name).pop().unwrap();
    let messages = manifest["kwargs"]["messages"].as_array().unwrap().clone();
    messages.last().unwrap()["kwargs"]["prompt"]["kwargs"]["template"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An editor ends the file with a newline: that newline ends the file, it is not
/// pushed as part of the last message. A last message that does end in a newline on
/// the hub keeps it through a pull, an editor's save and a push.
#[test]
fn an_editors_final_newline_is_not_pushed_and_a_real_one_is_kept() {
    let hub = hub();
    hub.put_prompt("plain_end", system_human("Be brief.", "{q}"));
    hub.put_prompt("newline_end", system_human("Be brief.", "{q}\n"));
    let pkg = Pkg::new(&["plain_end", "newline_end"]);
    pkg.run_hub(&hub, &["sync", "--all"]).code(0);
    assert_eq!(
        pkg.text("plain_end"),
        "=== system ===\nBe brief.\n=== human ===\n{q}\n"
    );
    assert_eq!(
        pkg.text("newline_end"),
        "=== system ===\nBe brief.\n=== human ===\n{q}\n\n"
    );
    // Nothing changed: a second sync and the check agree, the SHA-256s are exact.
    let r = pkg.run_hub(&hub, &["sync"]);
    r.code(0);
    has(&r.stdout, "Updated from hub:  0");
    pkg.run_hub(&hub, &["check"]).code(0);
    // Edited in an editor, which saves with a final newline.
    for name in ["plain_end", "newline_end"] {
        pkg.run(&["mark-edited", name]).code(0);
        let text = pkg.text(name).replace("Be brief.", "Be brief and kind.");
        pkg.edit(name, &text);
        pkg.run_hub(&hub, &["push", name]).code(0);
    }
    assert_eq!(last_template(&hub, "plain_end"), "{q}");
    assert_eq!(last_template(&hub, "newline_end"), "{q}\n");
    // And the skeleton of `new --chat` pushes `{input}`, not `{input}\n`.
    pkg.run(&["new", "fresh", "--chat"]).code(0);
    pkg.run_hub(&hub, &["push", "fresh"]).code(0);
    assert_eq!(last_template(&hub, "fresh"), "{input}");
}
