//! The fault matrix: how build-time sync (and the sync engine that `prompt-sync sync`
//! runs) behaves against a hub that fails in each way of issue 6, as one table.
//!
//! Every row starts from a cache synced at v1 while the hub has v2 of both prompts,
//! injects its fault, runs the build step (`Builder::run_with`; `PROMPT_SYNC_TIMEOUT=1`
//! only for the rows about timeouts, 20 elsewhere)
//! and checks the expected outcome:
//! - `Fallback(cause)`: the build succeeds on the cache, a warning names the cause,
//!   and no cached file changed;
//! - `FallbackFor(prompt, cause)`: that prompt falls back as above, the other one is
//!   updated (a valid new version arrived);
//! - `Recovers`: a retry gets through and both prompts are updated (old texts backed
//!   up).
//!
//! Each row also runs once through the engine (plan + apply, the same timeouts), and
//! must finish within a generous bound (a hang guard, not a speed check). Rows run in parallel. To add a case, add a row
//! to `matrix()`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use prompt_sync_build::engine::{self, SyncOptions, Target};
use prompt_sync_build::hub::client::{ClientOptions, HttpHub};
use prompt_sync_build::hub::{HubSettings, Secret};
use prompt_sync_build::{BuildError, Builder, Env};
use prompt_sync_core::layout::CacheLayout;
use prompt_sync_core::manifest::from_manifest;
use prompt_sync_core::store::Store;
use prompt_sync_core::{HubRef, PromptName};
use prompt_sync_tests::fake_hub::{FakeHub, Fault, FaultKind, Options};
use prompt_sync_tests::reliability::raw_server::{RawResponse, RawServer};
use prompt_sync_tests::reliability::{self, cache_text, check_at_rest, snapshot};
use prompt_sync_tests::throwaway::{Crate, text_manifest};
use serde_json::json;

const KEY: &str = "lsv2_pt_fault_matrix_key";
/// A generous bound on one run: the slowest row (429 with `Retry-After: 1` on every
/// attempt) waits about 3 s.
const BOUND: Duration = Duration::from_secs(120);

/// The per-request timeout of a row: 1 s where running out of time is the fault under
/// test (its delays are far longer), and a generous one elsewhere, so a loaded machine
/// never turns another fault's cause into a timeout.
fn timeout_secs(case: &Case) -> u64 {
    if cause(&case.expect).is_some_and(|c| c.contains("did not answer")) {
        1
    } else {
        20
    }
}

/// How often a fault fires.
#[derive(Clone, Copy)]
enum Times {
    Once,
    Always,
}

/// What goes wrong.
enum Inject {
    /// A fake-hub fault on a route (`"GET /repos"`: the listing, `"GET /commits/"`:
    /// the pulls).
    Fault(&'static str, Times, FaultKind),
    /// The hub expects another key (401).
    WrongKey,
    /// An org-scoped key without `LANGSMITH_WORKSPACE_ID` (403).
    OrgScoped,
    /// Nothing listens at the endpoint.
    Refused,
    /// Every request on the route is redirected to another listener.
    RedirectElsewhere(&'static str),
    /// `alpha`'s newest commit has a manifest prompt-sync cannot represent.
    UnsupportedManifest,
    /// A hub whose answers have the right shape but a `commit_hash` that is a path.
    HostileCommitHash,
}

/// What the run must do.
enum Expect {
    Fallback(&'static str),
    FallbackFor(&'static str, &'static str),
    Recovers,
}

struct Case {
    name: &'static str,
    inject: Inject,
    expect: Expect,
}

fn matrix() -> Vec<Case> {
    use Expect::*;
    use Inject::*;
    use Times::*;
    let case = |name, inject, expect| Case {
        name,
        inject,
        expect,
    };
    vec![
        case(
            "500 on the listing",
            Fault("GET /repos", Always, FaultKind::Status(500)),
            Fallback("server error (500)"),
        ),
        case(
            "502 on every pull",
            Fault("GET /commits/", Always, FaultKind::Status(502)),
            Fallback("server error (502)"),
        ),
        case(
            "503 once",
            Fault("GET /repos", Once, FaultKind::Status(503)),
            Recovers,
        ),
        case(
            "503 always",
            Fault("GET /repos", Always, FaultKind::Status(503)),
            Fallback("server error (503)"),
        ),
        case(
            "429 with Retry-After once",
            Fault("GET /repos", Once, FaultKind::StatusWithRetryAfter(429, 1)),
            Recovers,
        ),
        case(
            "429 with Retry-After always",
            Fault(
                "GET /commits/",
                Always,
                FaultKind::StatusWithRetryAfter(429, 1),
            ),
            Fallback("rate limiting requests (retry after 1 s)"),
        ),
        case(
            "429 with a Retry-After of an hour",
            Fault(
                "GET /repos",
                Always,
                FaultKind::StatusWithRetryAfter(429, 3600),
            ),
            Fallback("retry after 3600 s"),
        ),
        case(
            "429 without Retry-After always",
            Fault("GET /repos", Always, FaultKind::Status(429)),
            Fallback("rate limiting requests; try again later"),
        ),
        case(
            "401 wrong key",
            WrongKey,
            Fallback("refused the API key (401"),
        ),
        case(
            "403 org-scoped key",
            OrgScoped,
            Fallback("org-scoped and needs a workspace: set LANGSMITH_WORKSPACE_ID"),
        ),
        case(
            "404 on one pull",
            Fault("GET /commits/-/alpha", Always, FaultKind::Status(404)),
            FallbackFor("alpha", "was not found on the hub"),
        ),
        case(
            "connection refused",
            Refused,
            Fallback("cannot reach the hub"),
        ),
        case(
            "connection dropped",
            Fault("GET /commits/", Always, FaultKind::DropConnection),
            Fallback("cannot reach the hub"),
        ),
        case(
            "reset mid-body always",
            Fault("GET /repos", Always, FaultKind::ResetMidBody),
            Fallback("broke"),
        ),
        case(
            "reset mid-body once",
            Fault("GET /commits/", Once, FaultKind::ResetMidBody),
            Recovers,
        ),
        case(
            "truncated JSON",
            Fault("GET /commits/", Always, FaultKind::TruncatedJson),
            Fallback("truncated JSON"),
        ),
        case(
            "HTML page with 200",
            Fault("GET /repos", Always, FaultKind::HtmlBody),
            Fallback("an HTML page where JSON was expected"),
        ),
        case(
            "wrong-shape JSON listing",
            Fault("GET /repos", Always, FaultKind::WrongShapeJson),
            Fallback("expected a `repos` array"),
        ),
        case(
            "wrong-shape JSON pull",
            Fault("GET /commits/", Always, FaultKind::WrongShapeJson),
            Fallback("`commit_hash`"),
        ),
        case(
            "oversized body",
            Fault(
                "GET /commits/",
                Always,
                FaultKind::Oversized(11 * 1024 * 1024),
            ),
            Fallback("larger than the 10485760 byte limit"),
        ),
        case(
            "slow-loris body",
            Fault(
                "GET /commits/",
                Always,
                FaultKind::SlowLoris(Duration::from_millis(300)),
            ),
            Fallback("did not answer within 1 s (PROMPT_SYNC_TIMEOUT"),
        ),
        case(
            "no answer within the timeout",
            Fault(
                "GET /repos",
                Always,
                FaultKind::Delay(Duration::from_secs(4)),
            ),
            Fallback("did not answer within 1 s (PROMPT_SYNC_TIMEOUT"),
        ),
        case(
            "redirect to another origin",
            RedirectElsewhere("GET /repos"),
            Fallback("redirected to another origin"),
        ),
        case(
            "unsupported manifest",
            UnsupportedManifest,
            FallbackFor("alpha", "cannot be cached"),
        ),
        case(
            "commit hash that is a path",
            HostileCommitHash,
            Fallback("not a commit hash"),
        ),
    ]
}

/// A prompt-sync package whose cache holds `alpha` and `beta` at v1, and the hub
/// (now at v2).
struct Setup {
    hub: FakeHub,
    pkg: tempfile::TempDir,
    /// Another listener, for redirects and answers the fake hub cannot give.
    elsewhere: Option<FakeHub>,
    raw: Option<RawServer>,
    endpoint: String,
}

fn v(name: &str, n: u32) -> serde_json::Value {
    text_manifest(&format!("{name} v{n}: {{topic}}\n"), &["topic"])
}

fn env(endpoint: &str, timeout_secs: u64) -> Env {
    Env::from_map(BTreeMap::from([
        ("LANGSMITH_API_KEY".to_owned(), KEY.to_owned()),
        ("LANGSMITH_ENDPOINT".to_owned(), endpoint.to_owned()),
        ("PROMPT_SYNC_TIMEOUT".to_owned(), timeout_secs.to_string()),
    ]))
}

fn cache(pkg: &Path) -> std::path::PathBuf {
    pkg.join("prompts/langsmith_cache")
}

fn unsupported_manifest() -> serde_json::Value {
    json!({
        "lc": 1, "type": "constructor",
        "id": ["langchain", "prompts", "few_shot", "FewShotPromptTemplate"],
        "kwargs": {"examples": [], "suffix": "{input}", "input_variables": ["input"]}
    })
}

fn setup(inject: &Inject) -> Setup {
    let hub = FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    });
    hub.put_prompt("alpha", v("alpha", 1));
    hub.put_prompt("beta", v("beta", 1));
    let pkg = reliability::package("prompts = [\"alpha\", \"beta\"]").unwrap();
    Builder::new()
        .package_dir(pkg.path())
        .run_with(&env(&hub.url(), 20))
        .unwrap_or_else(|(e, d)| panic!("{e}\n{d}"));
    hub.put_prompt("alpha", v("alpha", 2));
    hub.put_prompt("beta", v("beta", 2));
    let mut s = Setup {
        endpoint: hub.url(),
        hub,
        pkg,
        elsewhere: None,
        raw: None,
    };
    match inject {
        Inject::Fault(route, times, kind) => s.hub.add_fault(match times {
            Times::Once => Fault::once(*route, kind.clone()),
            Times::Always => Fault::always(*route, kind.clone()),
        }),
        Inject::WrongKey => s.hub.set_api_key(Some("another key")),
        Inject::OrgScoped => s.hub.set_workspace_id_required(true),
        Inject::Refused => {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            s.endpoint = format!("http://{}", l.local_addr().unwrap());
        }
        Inject::RedirectElsewhere(route) => {
            let other = FakeHub::start();
            s.hub
                .add_fault(Fault::always(*route, FaultKind::RedirectTo(other.url())));
            s.elsewhere = Some(other);
        }
        Inject::UnsupportedManifest => {
            assert!(from_manifest(&unsupported_manifest()).is_err());
            s.hub.put_prompt("alpha", unsupported_manifest());
        }
        Inject::HostileCommitHash => {
            let body =
                serde_json::to_vec(&json!({"commit_hash": "../../evil", "manifest": v("x", 9)}))
                    .unwrap();
            let raw = RawServer::start(move |req| {
                let list = req.line.starts_with("GET /repos");
                RawResponse {
                    status: 200,
                    content_type: "application/json",
                    body: if list {
                        br#"{"repos":[{"repo_handle":"alpha","last_commit_hash":"../../evil"},{"repo_handle":"beta","last_commit_hash":"b../../x"}],"total":2}"#.to_vec()
                    } else {
                        body.clone()
                    },
                }
            })
            .unwrap();
            s.endpoint = raw.url();
            s.raw = Some(raw);
        }
    }
    s
}

/// Checks the outcome against the cache; `messages` is what the run reported.
fn check_cache(
    s: &Setup,
    expect: &Expect,
    before: &BTreeMap<std::path::PathBuf, Vec<u8>>,
    messages: &str,
) -> Result<(), String> {
    let dir = cache(s.pkg.path());
    let now = snapshot(&dir);
    let unchanged = |name: &str| {
        let files = [format!("{name}.txt"), format!("metadata/{name}.json")];
        files
            .iter()
            .all(|f| now.get(Path::new(f)) == before.get(Path::new(f)))
    };
    let updated = |name: &str| -> Result<(), String> {
        let seen = check_at_rest(&dir)?;
        let got = seen.get(name).map(|v| v.text.clone());
        if got != Some(cache_text(&v(name, 2))) {
            return Err(format!("`{name}` was not updated: {got:?}\n{messages}"));
        }
        if !reliability::texts_kept(&dir, name).contains(&cache_text(&v(name, 1))) {
            return Err(format!("`{name}`: the old text is not in backups"));
        }
        Ok(())
    };
    match expect {
        Expect::Fallback(_) => {
            if now != *before {
                return Err(format!("the cache changed\n{messages}"));
            }
        }
        Expect::FallbackFor(kept, _) => {
            if !unchanged(kept) {
                return Err(format!("`{kept}` changed\n{messages}"));
            }
            updated(if *kept == "alpha" { "beta" } else { "alpha" })?;
        }
        Expect::Recovers => {
            updated("alpha")?;
            updated("beta")?;
        }
    }
    check_at_rest(&dir).map(|_| ())
}

fn cause(expect: &Expect) -> Option<&'static str> {
    match expect {
        Expect::Fallback(c) | Expect::FallbackFor(_, c) => Some(c),
        Expect::Recovers => None,
    }
}

/// The build step against the faulty hub.
fn run_build(case: &Case) -> Result<String, String> {
    let s = setup(&case.inject);
    let before = snapshot(&cache(s.pkg.path()));
    let started = Instant::now();
    let result = Builder::new()
        .package_dir(s.pkg.path())
        .run_with(&env(&s.endpoint, timeout_secs(case)));
    let took = started.elapsed();
    let report = result.map_err(|(e, d)| format!("the build failed: {e}\n{d}"))?;
    let warnings: Vec<&str> = report
        .directives
        .lines()
        .iter()
        .filter_map(|l| l.strip_prefix("cargo:warning="))
        .collect();
    let all = warnings.join("\n");
    if took > BOUND {
        return Err(format!("took {took:?}"));
    }
    if let Some(cause) = cause(&case.expect) {
        let w = warnings
            .iter()
            .find(|w| w.contains(cause))
            .ok_or_else(|| format!("no warning names `{cause}`:\n{all}"))?;
        if !w.contains("using the committed") {
            return Err(format!("the warning does not say it fell back: {w}"));
        }
        if warnings.iter().filter(|w| w.contains(cause)).count() > 1 {
            return Err(format!("more than one warning for one cause:\n{all}"));
        }
    }
    if let Some(other) = &s.elsewhere
        && other.request_count() > 0
    {
        return Err("a request reached the other origin".to_owned());
    }
    check_cache(&s, &case.expect, &before, &all)?;
    Ok(format!("{took:.1?}"))
}

/// The engine (what `prompt-sync sync` runs) against the faulty hub.
fn run_engine(case: &Case) -> Result<String, String> {
    let s = setup(&case.inject);
    let dir = cache(s.pkg.path());
    let before = snapshot(&dir);
    let store = Store::new(CacheLayout::new(&dir));
    let options = ClientOptions {
        total_timeout: Duration::from_secs(timeout_secs(case)),
        connect_timeout: Duration::from_secs(timeout_secs(case)),
        max_retry_after: Duration::from_secs(1),
        ..ClientOptions::default()
    };
    let hub = HttpHub::new(
        HubSettings {
            api_key: Secret::new(KEY),
            endpoint: s.endpoint.clone(),
            workspace_id: None,
            owner: "-".to_owned(),
        },
        options,
    )
    .map_err(|e| e.to_string())?;
    let targets: Vec<Target> = ["alpha", "beta"]
        .iter()
        .map(|n| Target {
            name: PromptName::new(n).unwrap(),
            hub_ref: HubRef::latest(),
        })
        .collect();
    let opts = SyncOptions::default();
    let started = Instant::now();
    let messages = match engine::plan(&store, &targets, &hub, &opts) {
        Err(e) => format!("plan: {e}"),
        Ok(plan) => engine::apply(&store, plan, &hub, &opts, |_| {}).to_string(),
    };
    let took = started.elapsed();
    if took > BOUND {
        return Err(format!("took {took:?}"));
    }
    if let Some(cause) = cause(&case.expect)
        && !messages.contains(cause)
    {
        return Err(format!("the report does not name `{cause}`:\n{messages}"));
    }
    check_cache(&s, &case.expect, &before, &messages)?;
    Ok(format!("{took:.1?}"))
}

#[test]
fn fault_matrix() {
    let cases = matrix();
    let results: Vec<(String, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .map(|c| (scope.spawn(|| run_build(c)), scope.spawn(|| run_engine(c))))
            .collect();
        handles
            .into_iter()
            .map(|(b, e)| {
                let show = |r: std::thread::Result<Result<String, String>>| match r {
                    Ok(Ok(t)) => format!("ok {t}"),
                    Ok(Err(e)) => format!("FAILED: {e}"),
                    Err(_) => "FAILED: panicked".to_owned(),
                };
                (show(b.join()), show(e.join()))
            })
            .collect()
    });
    let mut table = String::from("| fault | expected | build step | engine |\n|---|---|---|---|\n");
    let mut failed = false;
    for (c, (b, e)) in cases.iter().zip(&results) {
        let expected = match &c.expect {
            Expect::Fallback(cause) => format!("fallback: {cause}"),
            Expect::FallbackFor(p, cause) => format!("`{p}` falls back: {cause}"),
            Expect::Recovers => "a retry succeeds".to_owned(),
        };
        failed |= b.starts_with("FAILED") || e.starts_with("FAILED");
        let first = |s: &str| s.lines().next().unwrap_or("").to_owned();
        table.push_str(&format!(
            "| {} | {expected} | {} | {} |\n",
            c.name,
            first(b),
            first(e)
        ));
    }
    eprintln!("{table}");
    if failed {
        for (c, (b, e)) in cases.iter().zip(&results) {
            if b.starts_with("FAILED") || e.starts_with("FAILED") {
                eprintln!("== {}\nbuild: {b}\nengine: {e}\n", c.name);
            }
        }
        panic!("some rows of the fault matrix failed");
    }
}

/// A prompt the build needs that is neither cached nor fetchable fails the build with
/// the prompt's name, the directory searched and the fix.
#[test]
fn uncached_and_unfetchable_is_a_clear_error() {
    for inject in [
        Inject::Fault("GET /", Times::Always, FaultKind::Status(500)),
        Inject::Refused,
        Inject::Fault("GET /", Times::Always, FaultKind::HtmlBody),
    ] {
        let s = setup(&inject);
        std::fs::remove_dir_all(cache(s.pkg.path())).unwrap();
        let err = match Builder::new()
            .package_dir(s.pkg.path())
            .run_with(&env(&s.endpoint, 20))
        {
            Ok(r) => panic!("the build succeeded: {}", r.directives),
            Err((e @ BuildError::Prompts { .. }, d)) => format!("{e}\n{d}"),
            Err((e, _)) => panic!("not a prompt error: {e}"),
        };
        for want in [
            "prompt `alpha` is not in the cache",
            "prompts/langsmith_cache",
            "prompt-sync sync alpha",
            "using the committed",
        ] {
            assert!(err.contains(want), "{want}: {err}");
        }
    }
}

/// Two rows through a real `cargo build`: the warnings reach the user and the binary
/// embeds the cached version.
#[test]
fn cargo_build_falls_back_naming_the_cause() {
    let hub = FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    });
    hub.put_prompt("alpha", v("alpha", 1));
    let main = "const A: prompt_sync::Prompt = prompt_sync::prompt!(\"alpha\");\nfn main() { print!(\"{}\", A.content()); }\n";
    let app = Crate::new("prompt_sync_rel_fault_cargo", "prompts = []", main).unwrap();
    let base = [
        ("LANGSMITH_API_KEY", KEY.to_owned()),
        ("LANGSMITH_ENDPOINT", hub.url()),
        ("PROMPT_SYNC_REFRESH", "1".to_owned()),
    ];
    let build = |app: &Crate| {
        let pairs: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = app.build(&pairs).unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = build(&app);
    assert!(ok, "{err}");
    let cached = cache_text(&v("alpha", 1));
    hub.put_prompt("alpha", unsupported_manifest());
    hub.set_workspace_id_required(true);
    for (n, cause) in [
        (1, "org-scoped and needs a workspace"),
        (2, "cannot be cached"),
    ] {
        let main_rs = app.path().join("src/main.rs");
        std::fs::write(&main_rs, format!("{main}// build {n}\n")).unwrap();
        let (ok, err) = build(&app);
        assert!(ok, "{err}");
        assert!(err.contains(cause), "{cause}: {err}");
        assert_eq!(
            String::from_utf8(app.run(&[]).unwrap().stdout).unwrap(),
            cached
        );
        hub.set_workspace_id_required(false);
    }
}
