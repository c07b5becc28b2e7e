//! Secrets: the API key never appears in build output, cargo warnings, the cache
//! (texts, metadata, backups), the end-to-end target directory's files for the crate,
//! or the built binary; error bodies that echo the key are redacted; no redirect to
//! another origin receives a request (so never `x-api-key`); plain http to a
//! non-loopback host is refused before anything is sent.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::net::{TcpListener, UdpSocket};
use std::time::Duration;

use prompt_sync_build::hub::client::{ClientOptions, HttpHub};
use prompt_sync_build::hub::{Hub, HubError, HubSettings, Secret};
use prompt_sync_build::{Builder, Env};
use prompt_sync_tests::fake_hub::{FakeHub, Fault, FaultKind, Options};
use prompt_sync_tests::reliability::raw_server::{RawResponse, RawServer};
use prompt_sync_tests::reliability::{self, contains, files_containing};
use prompt_sync_tests::throwaway::{Crate, text_manifest};
use prompt_sync_tests::workspace;

/// A key no other text contains; `MARK` is its distinctive middle, searched for on its
/// own so a key cut in half is found too.
const KEY: &str = "lsv2_sk_PSYNCSECRET7f3a9c_e2e_0123456789abcdef";
const MARK: &str = "PSYNCSECRET7f3a9c";

fn leaks(bytes: &[u8]) -> bool {
    contains(bytes, KEY.as_bytes()) || contains(bytes, MARK.as_bytes())
}

/// Every file of the end-to-end target directory that belongs to crate `name`
/// (fingerprints, build script outputs, deps, incremental data, the binary).
fn crate_files_in_target(name: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let dashed = name.replace('_', "-");
    reliability::walk(&workspace::shared_target_dir().join("debug"), &mut |p| {
        let s = p.to_string_lossy();
        if s.contains(name) || s.contains(&dashed) {
            out.push(p.to_path_buf());
        }
    });
    out
}

#[test]
fn the_key_never_reaches_output_the_cache_target_or_the_binary() {
    let hub = FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    });
    hub.put_prompt("motd", text_manifest("first {who}\n", &["who"]));
    let name = "prompt_sync_rel_secrets";
    let main = "const M: prompt_sync::Prompt = prompt_sync::prompt!(\"motd\");\nfn main() { println!(\"{} {:?}\", M.content(), M.hub_commit()); }\n";
    let app = Crate::new(name, "prompts = []", main).unwrap();
    let url = hub.url();
    let echo = RawServer::start(|req| RawResponse {
        status: 401,
        content_type: "application/json",
        body: format!(
            "{{\"detail\": \"{}{}\"}}",
            "x".repeat(270),
            req.header("x-api-key").unwrap_or("")
        )
        .into_bytes(),
    })
    .unwrap();
    let echo_url = echo.url();
    let mut outputs: Vec<Vec<u8>> = Vec::new();
    let mut build = |n: usize, endpoint: &str, args: &[&str]| {
        std::fs::write(app.path().join("src/main.rs"), format!("{main}// {n}\n")).unwrap();
        let env = [
            ("LANGSMITH_API_KEY", KEY),
            ("LANGSMITH_ENDPOINT", endpoint),
            ("PROMPT_SYNC_REFRESH", "1"),
            ("PROMPT_SYNC_TIMEOUT", "5"),
        ];
        let (out, finished) = reliability::run_with_deadline(
            &mut reliability::cargo_build(app.path(), args, &env),
            Duration::from_secs(600),
        );
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(finished && out.status.success(), "{stderr}");
        outputs.push(out.stdout);
        outputs.push(out.stderr);
        stderr
    };
    // Pull, with cargo's most verbose output (it shows build script output and the
    // environment it sets).
    let err = build(1, &url, &["-vv"]);
    assert!(err.contains("pulled `motd`"), "{err}");
    // An update (with a backup).
    hub.put_prompt("motd", text_manifest("second {who}\n", &["who"]));
    let err = build(2, &url, &[]);
    assert!(err.contains("updated `motd`"), "{err}");
    // The hub refuses the key, once plainly, once echoing it in its error.
    hub.set_api_key(Some("another key"));
    let err = build(3, &url, &[]);
    assert!(err.contains("refused the API key"), "{err}");
    let err = build(4, &echo_url, &[]);
    assert!(err.contains("refused the API key (401: xxx"), "{err}");
    assert_eq!(echo.requests().len(), 1);
    assert_eq!(echo.requests()[0].header("x-api-key"), Some(KEY));

    let run = app.run(&[]).unwrap();
    outputs.push(run.stdout.clone());
    assert!(String::from_utf8_lossy(&run.stdout).starts_with("second"));
    for (i, o) in outputs.iter().enumerate() {
        assert!(
            !leaks(o),
            "output {i} shows the key: {}",
            String::from_utf8_lossy(o)
        );
    }
    // The package: cache texts, metadata, backups, lock file; and its target files.
    let cache = app.path().join("prompts/langsmith_cache");
    assert!(!reliability::backups(&cache).is_empty());
    let in_package = files_containing(app.path(), MARK.as_bytes(), &|_| true);
    assert!(in_package.is_empty(), "{in_package:?}");
    let in_package = files_containing(app.path(), KEY.as_bytes(), &|_| true);
    assert!(in_package.is_empty(), "{in_package:?}");
    let target_files = crate_files_in_target(name);
    assert!(
        target_files
            .iter()
            .any(|p| p.to_string_lossy().contains("run-build-script")),
        "no fingerprint of the build script run in {target_files:?}"
    );
    assert!(target_files.iter().any(|p| p.ends_with(name)), "no binary");
    let mut searched = 0;
    for f in &target_files {
        let bytes = std::fs::read(f).unwrap_or_default();
        searched += 1;
        assert!(!leaks(&bytes), "{} holds the key", f.display());
        if f.to_string_lossy().contains("run-build-script") {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("LANGSMITH_API_KEY"),
                "{}: {text}",
                f.display()
            );
        }
    }
    eprintln!("searched {searched} target files of `{name}`, the package and 9 outputs");
}

fn client(endpoint: &str, key: &str) -> HttpHub {
    HttpHub::new(
        HubSettings {
            api_key: Secret::new(key),
            endpoint: endpoint.to_owned(),
            workspace_id: None,
            owner: "-".to_owned(),
        },
        ClientOptions {
            max_retries: 0,
            total_timeout: Duration::from_secs(5),
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

/// A hub (or proxy) that puts the key it received into its error bodies, at every
/// offset around where messages are cut short: no piece of the key gets out.
#[test]
fn error_bodies_that_echo_the_key_are_redacted() {
    let mut tried = 0;
    for status in [200u16, 400, 401, 403, 409, 422] {
        // The ref asked for says how much text comes before the echoed key.
        let server = RawServer::start(move |req| {
            let key = req.header("x-api-key").unwrap_or("");
            let pad: usize = req
                .line
                .split_whitespace()
                .nth(1)
                .and_then(|path| path.rsplit("/pad").next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let (content_type, body) = match status {
                // A 200 that is not JSON: the client quotes its start.
                200 => ("text/plain", format!("{}{key} trailing", "y".repeat(pad))),
                _ => (
                    "application/json",
                    format!("{{\"detail\": \"{}{key} trailing\"}}", "y".repeat(pad)),
                ),
            };
            RawResponse {
                status,
                content_type,
                body: body.into_bytes(),
            }
        })
        .unwrap();
        let hub = client(&server.url(), KEY);
        for pad in 0..320 {
            tried += 1;
            let err = hub.pull("-", "p", &format!("pad{pad}")).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!leaks(shown.as_bytes()), "{status}, pad {pad}: {shown}");
            // Any 6 characters of the key in a row would be a leak.
            for w in KEY
                .as_bytes()
                .windows(6)
                .filter(|w| !w.starts_with(b"lsv2"))
            {
                assert!(
                    !contains(shown.as_bytes(), w),
                    "{status}, pad {pad}: {:?} in {shown}",
                    String::from_utf8_lossy(w)
                );
            }
        }
        assert_eq!(server.requests().len(), 320);
    }
    eprintln!("echoing error bodies tried: {tried}");
}

#[test]
fn redirects_to_another_origin_never_carry_the_key() {
    let hub = FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    });
    hub.put_prompt("p", text_manifest("p {x}", &["x"]));
    let other = RawServer::start(|_| RawResponse {
        status: 200,
        content_type: "application/json",
        body: b"{\"repos\": [], \"total\": 0}".to_vec(),
    })
    .unwrap();
    let port = hub.addr().port();
    // Another port, another host name for the same address, another scheme.
    let elsewhere = [
        other.url(),
        format!("http://localhost:{port}"),
        format!("https://127.0.0.1:{port}"),
    ];
    for target in &elsewhere {
        hub.clear_faults();
        hub.clear_requests();
        hub.add_fault(Fault::always("/", FaultKind::RedirectTo(target.clone())));
        let c = client(&hub.url(), KEY);
        let results: Vec<(&str, HubError)> = vec![
            ("list", c.list_repos("-").unwrap_err()),
            ("pull", c.pull("-", "p", "latest").unwrap_err()),
            (
                "push",
                c.push("-", "p", &text_manifest("q", &[]), None, None)
                    .unwrap_err(),
            ),
            ("create", c.create_repo("q", None).unwrap_err()),
        ];
        for (op, e) in results {
            assert!(
                e.to_string().contains("redirected to another origin"),
                "{target} {op}: {e}"
            );
        }
        // Only the first hop reached the hub; nothing went on.
        assert_eq!(hub.request_count(), 4, "{target}");
        assert!(
            other.requests().is_empty(),
            "{target}: {:?}",
            other.requests()
        );
    }
    // The build step, too.
    hub.clear_faults();
    hub.add_fault(Fault::always("/", FaultKind::RedirectTo(other.url())));
    let pkg = reliability::package("prompts = [\"p\"]").unwrap();
    let env = Env::from_map(BTreeMap::from([
        ("LANGSMITH_API_KEY".to_owned(), KEY.to_owned()),
        ("LANGSMITH_ENDPOINT".to_owned(), hub.url()),
    ]));
    let err = match Builder::new().package_dir(pkg.path()).run_with(&env) {
        Ok(r) => panic!("built without the prompt: {}", r.directives),
        Err((e, d)) => format!("{e}\n{d}"),
    };
    assert!(err.contains("redirected to another origin"), "{err}");
    assert!(!leaks(err.as_bytes()));
    assert!(other.requests().is_empty());
    // A redirect within the origin is followed, with the key.
    hub.clear_faults();
    hub.add_fault(Fault::once(
        "GET /commits/",
        FaultKind::RedirectTo(hub.url()),
    ));
    let pulled = client(&hub.url(), KEY).pull("-", "p", "latest").unwrap();
    assert!(pulled.manifest.is_object());
}

/// A local address that is not loopback, if this machine has one (no packet is sent:
/// connecting a UDP socket only picks the route).
fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let s = UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn plain_http_to_a_non_loopback_host_is_refused_before_sending() {
    let listener = TcpListener::bind("0.0.0.0:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut endpoints = vec![
        "http://api.smith.langchain.com".to_owned(),
        "HTTP://API.SMITH.LANGCHAIN.COM/api/v1".to_owned(),
        "http://10.1.2.3:1984".to_owned(),
        "http://localhost.evil.example".to_owned(),
        "http://127.0.0.1.nip.io".to_owned(),
        "http://[::ffff:7f00:1]".to_owned(),
        "http://127.0.0.1@evil.example".to_owned(),
    ];
    if let Some(ip) = non_loopback_ip() {
        endpoints.push(format!("http://{ip}:{port}"));
    } else {
        eprintln!("no non-loopback address here: checking refusals only");
    }
    let pkg = reliability::package("prompts = []").unwrap();
    for endpoint in &endpoints {
        let settings = HubSettings {
            api_key: Secret::new(KEY),
            endpoint: endpoint.clone(),
            workspace_id: None,
            owner: "-".to_owned(),
        };
        let e = HttpHub::new(settings, ClientOptions::default()).unwrap_err();
        assert!(matches!(e, HubError::Config { .. }), "{endpoint}: {e}");
        let env = Env::from_map(BTreeMap::from([
            ("LANGSMITH_API_KEY".to_owned(), KEY.to_owned()),
            ("LANGSMITH_ENDPOINT".to_owned(), endpoint.clone()),
        ]));
        let report = Builder::new()
            .package_dir(pkg.path())
            .run_with(&env)
            .unwrap_or_else(|(e, d)| panic!("{endpoint}: {e}\n{d}"));
        let out = report.directives.to_string();
        assert!(
            out.contains("using the committed prompt cache"),
            "{endpoint}: {out}"
        );
        assert!(
            out.contains("plain http") || out.contains("user name or password"),
            "{endpoint}: {out}"
        );
        assert!(!leaks(out.as_bytes()));
    }
    // The same endpoint from the config.
    let pkg2 = reliability::package("prompts = []\nendpoint = \"http://hub.example.com\"").unwrap();
    let env = Env::from_map(BTreeMap::from([(
        "LANGSMITH_API_KEY".to_owned(),
        KEY.to_owned(),
    )]));
    let out = Builder::new()
        .package_dir(pkg2.path())
        .run_with(&env)
        .unwrap_or_else(|(e, d)| panic!("{e}\n{d}"))
        .directives
        .to_string();
    assert!(out.contains("plain http"), "{out}");
    // Nothing connected to the non-loopback listener.
    assert!(matches!(
        listener.accept().map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::WouldBlock)
    ));
}
