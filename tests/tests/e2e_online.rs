//! Build-time sync end to end: throwaway crates built with cargo against the fake hub.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::time::Duration;

use prompt_sync_build::{Builder, Env};
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::manifest::from_manifest;
use prompt_sync_tests::fake_hub::{FakeHub, Fault, FaultKind, Options};
use prompt_sync_tests::throwaway::{Crate, text_manifest};
use prompt_sync_tests::{reliability, workspace};
use serde_json::Value;

const KEY: &str = "lsv2_pt_e2e_0123456789abcdef_secret";

fn fixture(pointer: &str) -> Value {
    let doc: Value = serde_json::from_slice(
        &fs::read(workspace::fixtures_dir().join("manifests-generated.json")).unwrap(),
    )
    .unwrap();
    doc.pointer(pointer).unwrap().clone()
}

fn cache_text(manifest: &Value) -> String {
    from_manifest(manifest).unwrap().to_cache_text().unwrap()
}

fn hub() -> FakeHub {
    FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    })
}

fn online(hub: &FakeHub) -> Vec<(&'static str, String)> {
    vec![
        ("LANGSMITH_API_KEY", KEY.to_owned()),
        ("LANGSMITH_ENDPOINT", hub.url()),
    ]
}

fn build(app: &Crate, env: &[(&str, String)]) -> (bool, String) {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = app.build(&pairs).unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Changes the sources, so cargo reruns the build script (it only reruns when a
/// tracked file or variable changed).
fn touch(app: &Crate) {
    let main = app.path().join("src/main.rs");
    let src = fs::read_to_string(&main).unwrap();
    fs::write(&main, format!("{src}// touched\n")).unwrap();
}

fn run(app: &Crate) -> String {
    String::from_utf8(app.run(&[]).unwrap().stdout).unwrap()
}

/// A main that prints `name|sha256|content` blocks separated by a line of `~`.
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
            "    println!(\"{{}}|{{}}|{{}}\\n~\", P{i}.name(), P{i}.sha256(), P{i}.content());\n"
        ));
    }
    s.push_str("}\n");
    s
}

fn printed(out: &str) -> Vec<(String, String, String)> {
    out.split("\n~\n")
        .filter(|b| !b.is_empty())
        .map(|b| {
            let mut parts = b.splitn(3, '|');
            (
                parts.next().unwrap().to_owned(),
                parts.next().unwrap().to_owned(),
                parts.next().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_fresh_crate_pulls_every_prompt_it_uses() {
    let hub = hub();
    let text = fixture("/python_PromptTemplate");
    let chat = fixture("/python_ChatPromptTemplate_system_placeholder_human");
    let mustache = fixture("/python_ChatPromptTemplate_mustache");
    hub.put_prompt("summarizer", text.clone());
    hub.put_prompt("support", chat.clone());
    hub.put_prompt("greeter", mustache.clone());
    let v1 = text_manifest("Route {q} (production)", &["q"]);
    let prod = hub.put_prompt("router", v1.clone());
    hub.put_prompt("router", text_manifest("Route {q} (draft)", &["q"]));
    hub.tag("router", "prod", &prod);

    let app = Crate::new(
        "prompt_sync_e2e_online_fresh",
        "prompts = [{ name = \"router\", ref = \"prod\" }]",
        &printing_main(&["summarizer", "support", "greeter", "router"]),
    )
    .unwrap();
    let (ok, err) = build(&app, &online(&hub));
    assert!(ok, "{err}");
    assert!(err.contains("pulled `summarizer` from the hub"), "{err}");
    let got = printed(&run(&app));
    let want = [
        ("summarizer", cache_text(&text)),
        ("support", cache_text(&chat)),
        ("greeter", cache_text(&mustache)),
        ("router", cache_text(&v1)),
    ];
    assert_eq!(got.len(), want.len());
    for ((name, sha, content), (wname, wtext)) in got.iter().zip(want.iter()) {
        assert_eq!(name, wname);
        assert_eq!(content, wtext, "{name}");
        assert_eq!(sha, &sha256_hex(wtext.as_bytes()), "{name}");
    }
    // The cache is in the crate, ready to commit; the key is nowhere in it.
    let cache = app.path().join("prompts/langsmith_cache");
    let meta = fs::read_to_string(cache.join("metadata/prompt-sync/router.json")).unwrap();
    assert!(meta.contains(&prod));
    assert!(meta.contains("\"hub_ref\": \"prod\""));
    for dir in ["metadata", "metadata/prompt-sync"] {
        for entry in fs::read_dir(cache.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                assert!(!fs::read_to_string(path).unwrap().contains(KEY));
            }
        }
    }
    assert!(!err.contains(KEY));
    // A no-change check costs one list request plus the tag (tags can move).
    hub.clear_requests();
    let mut env = online(&hub);
    env.push(("PROMPT_SYNC_REFRESH", "1".to_owned()));
    let (ok, err) = build(&app, &env);
    assert!(ok, "{err}");
    let paths: Vec<String> = hub.requests().iter().map(|r| r.logical_path()).collect();
    assert_eq!(paths, ["/repos", "/commits/-/router/prod"], "{paths:?}");
}

#[test]
fn a_hub_change_is_pulled_on_refresh_and_not_within_the_interval() {
    let hub = hub();
    hub.put_prompt("motd", text_manifest("first", &[]));
    let app = Crate::new(
        "prompt_sync_e2e_online_refresh",
        "prompts = []",
        &printing_main(&["motd"]),
    )
    .unwrap();
    let (ok, err) = build(&app, &online(&hub));
    assert!(ok, "{err}");
    assert_eq!(printed(&run(&app))[0].2, "first");

    hub.put_prompt("motd", text_manifest("second", &[]));
    hub.clear_requests();
    // The sources change, the build script reruns, but the last check is recent.
    touch(&app);
    let (ok, err) = build(&app, &online(&hub));
    assert!(ok, "{err}");
    assert_eq!(hub.request_count(), 0, "{:?}", hub.requests());
    assert_eq!(printed(&run(&app))[0].2, "first");

    // Offline: no request at all, even when forced.
    let mut env = online(&hub);
    env.push(("PROMPT_SYNC_OFFLINE", "1".to_owned()));
    env.push(("PROMPT_SYNC_REFRESH", "1".to_owned()));
    let (ok, err) = build(&app, &env);
    assert!(ok, "{err}");
    assert_eq!(hub.request_count(), 0);

    // Forced refresh: pulled, the old text backed up, the binary changes.
    let mut env = online(&hub);
    env.push(("PROMPT_SYNC_REFRESH", "1".to_owned()));
    let (ok, err) = build(&app, &env);
    assert!(ok, "{err}");
    assert!(err.contains("updated `motd` from the hub"), "{err}");
    assert_eq!(printed(&run(&app))[0].2, "second");
    // A new `prompt!` call is fetched on the next build, even within the interval.
    hub.put_prompt("extra", text_manifest("brand new", &[]));
    hub.clear_requests();
    fs::write(
        app.path().join("src/main.rs"),
        printing_main(&["motd", "extra"]),
    )
    .unwrap();
    let (ok, err) = build(&app, &online(&hub));
    assert!(ok, "{err}");
    assert!(err.contains("pulled `extra` from the hub"), "{err}");
    assert_eq!(printed(&run(&app))[1].2, "brand new");

    let backups = app.path().join("prompts/langsmith_cache/backups/motd");
    let saved: Vec<String> = fs::read_dir(backups)
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(saved, ["first"]);
}

/// `PROMPT_SYNC_REFRESH=1 cargo build` checks the hub every time, not only when the
/// variable was just set (cargo reruns a build script only when something it tracks
/// changed); once the variable is unset, builds stop rerunning the script.
#[test]
fn refresh_checks_the_hub_on_every_build_while_set() {
    let hub = hub();
    hub.put_prompt("motd", text_manifest("first", &[]));
    let app = Crate::new(
        "prompt_sync_e2e_online_refresh_each",
        "prompts = []",
        &printing_main(&["motd"]),
    )
    .unwrap();
    let (ok, err) = build(&app, &online(&hub));
    assert!(ok, "{err}");
    let mut forced = online(&hub);
    forced.push(("PROMPT_SYNC_REFRESH", "1".to_owned()));
    for round in 0..2 {
        hub.clear_requests();
        let (ok, err) = build(&app, &forced);
        assert!(ok, "{err}");
        assert!(
            hub.request_count() > 0,
            "round {round}: no hub check\n{err}"
        );
    }
    // Each refresh sees the hub's newest text.
    hub.put_prompt("motd", text_manifest("second", &[]));
    let (ok, err) = build(&app, &forced);
    assert!(ok, "{err}");
    assert!(err.contains("updated `motd` from the hub"), "{err}");
    assert_eq!(printed(&run(&app))[0].2, "second");
    // Unset: the script reruns once (a tracked variable changed), within the refresh
    // interval, so without a request; then cargo does not run it at all.
    hub.clear_requests();
    let (ok, err) = build(&app, &online(&hub));
    assert!(ok, "{err}");
    assert_eq!(hub.request_count(), 0, "{:?}", hub.requests());
    let (ok, err) = build(&app, &online(&hub));
    assert!(ok, "{err}");
    assert_eq!(hub.request_count(), 0, "{:?}", hub.requests());
    assert!(!err.contains("Compiling"), "nothing changed, yet:\n{err}");
}

/// A ref changed in `Cargo.toml` is checked on the next build, within the refresh
/// interval (the build step in process: cargo reruns it when `Cargo.toml` changes).
#[test]
fn a_new_ref_in_the_config_is_fetched_at_the_next_build() {
    let hub = hub();
    let prod = hub.put_prompt("router", text_manifest("Route {q} (production)\n", &["q"]));
    hub.put_prompt("router", text_manifest("Route {q} (draft)\n", &["q"]));
    hub.tag("router", "prod", &prod);
    let pkg = reliability::package("prompts = [\"router\"]").unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut vars: std::collections::BTreeMap<String, String> = online(&hub)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    vars.insert("OUT_DIR".to_owned(), out.path().display().to_string());
    let build = || {
        Builder::new()
            .package_dir(pkg.path())
            .run_with(&Env::from_map(vars.clone()))
            .unwrap_or_else(|(e, d)| panic!("{e}\n{d}"))
    };
    let text = pkg.path().join("prompts/langsmith_cache/router.txt");
    build();
    assert_eq!(fs::read_to_string(&text).unwrap(), "Route {q} (draft)\n");
    let toml = pkg.path().join("Cargo.toml");
    let pin = |from: &str, to: &str| {
        let t = fs::read_to_string(&toml).unwrap().replace(from, to);
        fs::write(&toml, t).unwrap();
    };
    pin("[\"router\"]", "[{ name = \"router\", ref = \"prod\" }]");
    build();
    assert_eq!(
        fs::read_to_string(&text).unwrap(),
        "Route {q} (production)\n"
    );
    // Unchanged config within the interval: no hub request.
    let before = hub.requests().len();
    build();
    assert_eq!(hub.requests().len(), before);
    // And back to `latest`.
    pin("ref = \"prod\"", "ref = \"latest\"");
    build();
    assert_eq!(fs::read_to_string(&text).unwrap(), "Route {q} (draft)\n");
}

#[test]
fn hub_failures_fall_back_to_the_cache_naming_the_cause() {
    let hub = hub();
    hub.put_prompt("motd", text_manifest("cached", &[]));
    let app = Crate::new(
        "prompt_sync_e2e_online_faults",
        "prompts = []",
        &printing_main(&["motd"]),
    )
    .unwrap();
    let (ok, err) = build(&app, &online(&hub));
    assert!(ok, "{err}");
    hub.put_prompt("motd", text_manifest("never seen", &[]));
    let cache = app.path().join("prompts/langsmith_cache");
    let before = fs::read(cache.join("motd.txt")).unwrap();

    let mut forced = online(&hub);
    forced.push(("PROMPT_SYNC_REFRESH", "1".to_owned()));
    // A 1 s timeout only where the timeout is the fault (its delay is far longer): a
    // loaded machine must not turn the other causes into timeouts.
    let cases: Vec<(Fault, &str, &str)> = vec![
        (
            Fault::always("GET /repos", FaultKind::Status(500)),
            "server error (500)",
            "30",
        ),
        (
            Fault::always("GET /repos", FaultKind::Delay(Duration::from_secs(6))),
            "did not answer within 1 s (PROMPT_SYNC_TIMEOUT",
            "1",
        ),
        (
            Fault::always("GET /repos", FaultKind::HtmlBody),
            "unexpected response",
            "30",
        ),
    ];
    for (fault, cause, timeout) in cases {
        hub.clear_faults();
        hub.add_fault(fault);
        touch(&app);
        let mut forced = forced.clone();
        forced.push(("PROMPT_SYNC_TIMEOUT", timeout.to_owned()));
        let (ok, err) = build(&app, &forced);
        assert!(ok, "{cause}: {err}");
        assert!(err.contains(cause), "{cause}: {err}");
        assert!(err.contains("using the committed prompt cache"), "{err}");
        assert_eq!(fs::read(cache.join("motd.txt")).unwrap(), before);
        assert_eq!(printed(&run(&app))[0].2, "cached");
    }
    hub.clear_faults();

    // A wrong key.
    hub.set_api_key(Some("another key"));
    touch(&app);
    let (ok, err) = build(&app, &forced);
    assert!(ok, "{err}");
    assert!(err.contains("refused the API key (401"), "{err}");
    assert!(!err.contains(KEY));
    hub.set_api_key(Some(KEY));

    // The hub is gone.
    let url = hub.url();
    drop(hub);
    let gone = vec![
        ("LANGSMITH_API_KEY", KEY.to_owned()),
        ("LANGSMITH_ENDPOINT", url),
        ("PROMPT_SYNC_REFRESH", "1".to_owned()),
    ];
    touch(&app);
    let (ok, err) = build(&app, &gone);
    assert!(ok, "{err}");
    assert!(err.contains("cannot reach the hub"), "{err}");
    assert_eq!(fs::read(cache.join("motd.txt")).unwrap(), before);

    // With nothing cached, the same failure is a clear build error.
    fs::remove_dir_all(&cache).unwrap();
    touch(&app);
    let (ok, err) = build(&app, &gone);
    assert!(!ok);
    assert!(err.contains("cannot reach the hub"), "{err}");
    assert!(err.contains("prompt `motd` is not in the cache"), "{err}");
    assert!(err.contains("prompt-sync sync motd"), "{err}");
}

#[test]
fn unmarked_edits_and_conflicts_survive_an_online_build() {
    let hub = hub();
    hub.put_prompt("mine", text_manifest("hub text", &[]));
    hub.put_prompt("both", text_manifest("base", &[]));
    let app = Crate::new(
        "prompt_sync_e2e_online_edits",
        "prompts = [\"mine\", \"both\"]",
        "fn main() {}\n",
    )
    .unwrap();
    let (ok, err) = build(&app, &online(&hub));
    assert!(ok, "{err}");
    let cache = app.path().join("prompts/langsmith_cache");
    fs::write(cache.join("mine.txt"), "my unmarked edit").unwrap();
    fs::write(cache.join("both.txt"), "my edit").unwrap();
    hub.put_prompt("both", text_manifest("their edit", &[]));
    let mut env = online(&hub);
    env.push(("PROMPT_SYNC_REFRESH", "1".to_owned()));
    let (ok, err) = build(&app, &env);
    // The unmarked edit fails the build (the macro would refuse it too); nothing is lost.
    assert!(!ok);
    assert!(err.contains("prompt-sync mark-edited mine"), "{err}");
    assert!(err.contains("conflict on `both`"), "{err}");
    assert_eq!(
        fs::read_to_string(cache.join("mine.txt")).unwrap(),
        "my unmarked edit"
    );
    assert_eq!(
        fs::read_to_string(cache.join("both.txt")).unwrap(),
        "my edit"
    );
}
