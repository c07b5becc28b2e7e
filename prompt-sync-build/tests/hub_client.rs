#![allow(clippy::unwrap_used)]
//! `HttpHub` against a scripted HTTP responder on 127.0.0.1: the requests it sends
//! (compared with the Python SDK's recorded wire traffic), how it maps answers and
//! faults to `HubError`, its retries, caps, timeouts and redirect policy, and that no
//! message ever shows the API key.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use prompt_sync_build::hub::client::{ClientOptions, HttpHub};
use prompt_sync_build::hub::{Hub, HubError, HubSettings, PushOutcome, Secret};
use serde_json::{Value, json};

/// A key no message may contain.
const KEY: &str = "lsv2_pt_TOPSECRET_7f3a9c_do_not_leak";

// ---------------------------------------------------------------------------
// The scripted responder
// ---------------------------------------------------------------------------

/// One request as received.
#[derive(Clone, Debug)]
struct Recorded {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// When the request arrived.
    at: Instant,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap()
    }
    fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What the responder does with one connection.
enum Step {
    /// Write these bytes, close.
    Send(Vec<u8>),
    /// Wait, then write, close.
    Late(Duration, Vec<u8>),
    /// Write the head, then the body one byte per interval.
    Drip(Vec<u8>, Vec<u8>, Duration),
    /// Close without answering.
    Hangup,
}

type Handler = Box<dyn FnMut(&Recorded) -> Step + Send>;

/// A one-thread HTTP/1.1 server answering each connection with the next step.
struct Responder {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Responder {
    /// Answers connections with `steps` in order (then 599).
    fn script(steps: Vec<Step>) -> Responder {
        let mut queue: VecDeque<Step> = steps.into();
        Responder::handler(Box::new(move |_| {
            queue
                .pop_front()
                .unwrap_or_else(|| Step::Send(raw(599, &[], "unscripted request")))
        }))
    }

    fn handler(mut handler: Handler) -> Responder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        serve(stream, &log2, &mut handler);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Responder {
            addr,
            log,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut stream: TcpStream, log: &Mutex<Vec<Recorded>>, handler: &mut Handler) {
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let Some(req) = read_request(&mut stream) else {
        return;
    };
    log.lock().unwrap().push(req.clone());
    match handler(&req) {
        Step::Send(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Step::Late(wait, bytes) => {
            std::thread::sleep(wait);
            let _ = stream.write_all(&bytes);
        }
        Step::Drip(head, body, every) => {
            if stream.write_all(&head).is_err() {
                return;
            }
            for b in body {
                std::thread::sleep(every);
                if stream
                    .write_all(&[b])
                    .and_then(|()| stream.flush())
                    .is_err()
                {
                    return;
                }
            }
        }
        Step::Hangup => {}
    }
    let _ = stream.flush();
}

fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        target,
        headers,
        body,
        at: Instant::now(),
    })
}

/// A complete response with `Content-Length` and `Connection: close`.
fn raw(status: u16, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    raw_bytes(status, headers, body.as_bytes())
}

fn raw_bytes(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} Status\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn json_step(status: u16, body: &Value) -> Step {
    Step::Send(raw(
        status,
        &[("Content-Type", "application/json")],
        &body.to_string(),
    ))
}

fn ok_commit(hash: &str) -> Step {
    json_step(
        200,
        &json!({"commit_hash": hash, "manifest": {"lc": 1, "id": ["x"]}, "examples": []}),
    )
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn fast() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(3),
        max_retries: 3,
        base_backoff: Duration::from_millis(1),
        max_body_bytes: 10 * 1024 * 1024,
        max_retry_after: Duration::from_secs(3),
    }
}

fn settings(endpoint: &str, workspace: Option<&str>) -> HubSettings {
    HubSettings {
        api_key: Secret::new(KEY),
        endpoint: endpoint.to_owned(),
        workspace_id: workspace.map(str::to_owned),
        owner: "-".to_owned(),
    }
}

fn hub(endpoint: &str) -> HttpHub {
    HttpHub::new(settings(endpoint, None), fast()).unwrap()
}

/// Timeouts no loaded machine reaches, for tests about what is read, not when.
fn patient() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(60),
        total_timeout: Duration::from_secs(60),
        ..fast()
    }
}

fn hub_with(endpoint: &str, options: ClientOptions) -> HttpHub {
    HttpHub::new(settings(endpoint, None), options).unwrap()
}

/// Every error a test sees goes through here: neither its `Display` nor its
/// `Debug` may contain the key.
fn err<T: std::fmt::Debug>(result: Result<T, HubError>) -> HubError {
    let e = result.unwrap_err();
    let (shown, debug) = (e.to_string(), format!("{e:?}"));
    assert!(!shown.contains(KEY), "key in Display: {shown}");
    assert!(!debug.contains(KEY), "key in Debug: {debug}");
    assert!(!shown.contains("TOPSECRET"), "key in Display: {shown}");
    e
}

fn manifest() -> Value {
    json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
           "kwargs": {"input_variables": [], "template": "hi", "template_format": "f-string"}})
}

// ---------------------------------------------------------------------------
// Requests as the Python SDK sends them
// ---------------------------------------------------------------------------

/// The recorded traffic of the official Python SDK.
struct Wire(Vec<Value>);

impl Wire {
    fn load() -> Wire {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/langsmith/sdk-wire-python-langsmith-0.15.1.json"
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        Wire(v["interactions"].as_array().unwrap().clone())
    }

    /// The first interaction of `scenario` with this method and path.
    fn find(&self, scenario: &str, method: &str, path: &str) -> &Value {
        self.0
            .iter()
            .find(|i| {
                i["scenario"] == scenario
                    && i["request"]["method"] == method
                    && i["request"]["path"] == path
            })
            .unwrap_or_else(|| panic!("no {method} {path} in {scenario}"))
    }
}

/// The fake's answer to an interaction, as raw HTTP.
fn answer(interaction: &Value) -> Step {
    let r = &interaction["response_from_fake"];
    json_step(r["status"].as_u64().unwrap() as u16, &r["body"])
}

/// Our request matches the SDK's: method, path, query, JSON body (keys in order).
fn assert_same_request(ours: &Recorded, sdk: &Value) {
    let want = &sdk["request"];
    assert_eq!(ours.method, want["method"].as_str().unwrap());
    assert_eq!(ours.path(), want["path"].as_str().unwrap());
    assert_eq!(ours.query(), want["query"].as_str().unwrap());
    assert_eq!(
        ours.header("accept"),
        want["headers"]["Accept"].as_str(),
        "Accept"
    );
    if want["json"].is_null() {
        assert!(ours.body.is_empty());
        assert!(ours.header("content-type").is_none());
    } else {
        let body = ours.json();
        assert_eq!(body, want["json"]);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&body), keys(&want["json"]), "key order");
        assert_eq!(ours.header("content-type"), Some("application/json"));
    }
}

#[test]
fn headers_sent_on_every_request() {
    let r = Responder::script(vec![ok_commit("abc123")]);
    let h = HttpHub::new(settings(&r.url(), Some("ws-123")), fast()).unwrap();
    let got = h.pull("-", "joke-prompt", "latest").unwrap();
    assert_eq!(got.commit_hash, "abc123");
    assert_eq!(got.manifest, json!({"lc": 1, "id": ["x"]}));
    let req = &r.requests()[0];
    assert_eq!(req.header("x-api-key"), Some(KEY));
    assert_eq!(req.header("X-Tenant-Id"), Some("ws-123"));
    assert_eq!(
        req.header("user-agent"),
        Some(concat!("prompt-sync/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(req.header("accept"), Some("application/json"));
    assert!(req.header("accept-encoding").unwrap().contains("gzip"));
    // No tenant header without a workspace.
    let r = Responder::script(vec![ok_commit("abc123")]);
    hub(&r.url()).pull("-", "x", "latest").unwrap();
    assert!(r.requests()[0].header("x-tenant-id").is_none());
}

#[test]
fn requests_match_the_python_sdk_wire() {
    let wire = Wire::load();

    // pull latest / by tag
    let sdk = wire.find("pull_prompt latest", "GET", "/commits/-/joke-prompt/latest");
    let r = Responder::script(vec![answer(sdk)]);
    let got = hub(&r.url()).pull("-", "joke-prompt", "latest").unwrap();
    assert_eq!(
        got.commit_hash,
        sdk["response_from_fake"]["body"]["commit_hash"]
    );
    assert_same_request(&r.requests()[0], sdk);
    let sdk = wire.find("pull_prompt by tag", "GET", "/commits/-/joke-prompt/prod");
    let r = Responder::script(vec![answer(sdk)]);
    hub(&r.url()).pull("-", "joke-prompt", "prod").unwrap();
    assert_same_request(&r.requests()[0], sdk);

    // list prompts (default listing)
    let sdk = wire.find("list_prompts default", "GET", "/repos");
    let r = Responder::script(vec![answer(sdk)]);
    let repos = hub(&r.url()).list_repos("-").unwrap();
    assert_same_request(&r.requests()[0], sdk);
    let first = &sdk["response_from_fake"]["body"]["repos"][0];
    assert_eq!(repos[0].repo_handle, first["repo_handle"]);
    assert_eq!(
        repos[0].last_commit_hash.as_deref(),
        first["last_commit_hash"].as_str()
    );

    // repo exists / missing
    let sdk = wire.find(
        "push_prompt new repo (ChatPromptTemplate)",
        "GET",
        "/repos/-/joke-prompt",
    );
    let r = Responder::script(vec![answer(sdk)]);
    assert!(!hub(&r.url()).repo_exists("-", "joke-prompt").unwrap());
    assert_same_request(&r.requests()[0], sdk);
    let sdk = wire.find(
        "push_prompt unchanged -> 409",
        "GET",
        "/repos/-/joke-prompt",
    );
    let r = Responder::script(vec![answer(sdk)]);
    assert!(hub(&r.url()).repo_exists("-", "joke-prompt").unwrap());

    // newest commit (what the SDK asks before a push)
    let sdk = wire.find(
        "push_prompt unchanged -> 409",
        "GET",
        "/commits/-/joke-prompt",
    );
    let r = Responder::script(vec![answer(sdk)]);
    let commits = hub(&r.url()).list_commits("-", "joke-prompt", 1).unwrap();
    assert_same_request(&r.requests()[0], sdk);
    let c = &sdk["response_from_fake"]["body"]["commits"][0];
    assert_eq!(commits[0].commit_hash, c["commit_hash"]);
    assert_eq!(commits[0].id.as_deref(), c["id"].as_str());

    // create repo
    let sdk = wire.find("push_prompt StructuredPrompt", "POST", "/repos");
    let r = Responder::script(vec![answer(sdk)]);
    hub(&r.url())
        .create_repo("structured-prompt", None)
        .unwrap();
    assert_same_request(&r.requests()[0], sdk);

    // push without and with parent / description
    let sdk = wire.find(
        "push_prompt new repo (ChatPromptTemplate)",
        "POST",
        "/commits/-/joke-prompt",
    );
    let r = Responder::script(vec![answer(sdk)]);
    let m = &sdk["request"]["json"]["manifest"];
    let out = hub(&r.url())
        .push("-", "joke-prompt", m, None, None)
        .unwrap();
    assert_same_request(&r.requests()[0], sdk);
    let c = &sdk["response_from_fake"]["body"]["commit"];
    assert_eq!(
        out,
        PushOutcome::Created {
            commit_hash: c["commit_hash"].as_str().unwrap().to_owned(),
            commit_id: c["id"].as_str().map(str::to_owned),
        }
    );
    let sdk = wire.find(
        "push_prompt changed with commit_tags and commit_description",
        "POST",
        "/commits/-/joke-prompt",
    );
    let r = Responder::script(vec![answer(sdk)]);
    let j = &sdk["request"]["json"];
    hub(&r.url())
        .push(
            "-",
            "joke-prompt",
            &j["manifest"],
            j["parent_commit"].as_str(),
            j["description"].as_str(),
        )
        .unwrap();
    assert_same_request(&r.requests()[0], sdk);

    // 409 Nothing to commit
    let sdk = wire.find(
        "push_prompt unchanged -> 409",
        "POST",
        "/commits/-/joke-prompt",
    );
    let r = Responder::script(vec![answer(sdk)]);
    let j = &sdk["request"]["json"];
    let out = hub(&r.url())
        .push(
            "-",
            "joke-prompt",
            &j["manifest"],
            j["parent_commit"].as_str(),
            None,
        )
        .unwrap();
    assert_eq!(out, PushOutcome::NothingToCommit);
    assert_same_request(&r.requests()[0], sdk);

    // tag
    let sdk = wire.find(
        "push_prompt changed with commit_tags and commit_description",
        "POST",
        "/repos/-/joke-prompt/tags",
    );
    let r = Responder::script(vec![answer(sdk)]);
    let j = &sdk["request"]["json"];
    hub(&r.url())
        .add_tag(
            "-",
            "joke-prompt",
            j["tag_name"].as_str().unwrap(),
            j["commit_id"].as_str().unwrap(),
        )
        .unwrap();
    assert_same_request(&r.requests()[0], sdk);

    // endpoint ending in /api/v1, with a workspace
    let sdk = wire.find(
        "workspace_id client: X-Tenant-Id header, api_url with /api/v1 suffix",
        "GET",
        "/api/v1/commits/-/joke-prompt/latest",
    );
    let r = Responder::script(vec![answer(sdk)]);
    let endpoint = format!("{}/api/v1/", r.url());
    let h = HttpHub::new(settings(&endpoint, Some("ws-123")), fast()).unwrap();
    h.pull("-", "joke-prompt", "latest").unwrap();
    assert_same_request(&r.requests()[0], sdk);
    assert_eq!(
        r.requests()[0].header("x-tenant-id"),
        sdk["request"]["headers"]["X-Tenant-Id"].as_str()
    );
}

/// Pages after the first are fetched in parallel, so a scripted responder (answers in
/// arrival order) can only check two pages deterministically; three or more pages are
/// covered against the fake hub in `tests/tests/engine_fake_hub.rs`.
#[test]
fn list_repos_pages_until_total() {
    let page = |from: usize, n: usize| {
        let repos: Vec<Value> = (from..from + n)
            .map(|i| json!({"repo_handle": format!("p{i}"), "last_commit_hash": if i % 2 == 0 { Value::String(format!("h{i}")) } else { Value::Null }}))
            .collect();
        json_step(200, &json!({"repos": repos, "total": 150}))
    };
    let r = Responder::script(vec![page(0, 100), page(100, 50)]);
    let repos = hub(&format!("{}/api/v1", r.url())).list_repos("-").unwrap();
    assert_eq!(repos.len(), 150);
    assert_eq!(repos[0].repo_handle, "p0");
    assert_eq!(repos[0].last_commit_hash.as_deref(), Some("h0"));
    assert_eq!(repos[149].repo_handle, "p149");
    assert_eq!(repos[149].last_commit_hash, None);
    let reqs = r.requests();
    assert_eq!(reqs.len(), 2);
    for (req, offset) in reqs.iter().zip([0, 100]) {
        assert_eq!(req.path(), "/api/v1/repos");
        assert_eq!(
            req.query(),
            format!(
                "limit=100&offset={offset}&is_archived=false&sort_field=updated_at&sort_direction=desc"
            )
        );
    }
}

#[test]
fn list_repos_of_another_owner_and_an_empty_last_page() {
    let full: Vec<Value> = (0..100)
        .map(|i| json!({"repo_handle": format!("p{i}")}))
        .collect();
    let r = Responder::script(vec![
        json_step(200, &json!({"repos": full})),
        json_step(200, &json!({"repos": []})),
    ]);
    let repos = hub(&r.url()).list_repos("my team").unwrap();
    assert_eq!(repos.len(), 100);
    let reqs = r.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs[1].query().ends_with("&tenant_handle=my+team"),
        "{}",
        reqs[1].query()
    );
    assert!(reqs[1].query().starts_with("limit=100&offset=100&"));
}

#[test]
fn list_repos_stops_when_offset_is_ignored() {
    let full: Vec<Value> = (0..100)
        .map(|i| json!({"repo_handle": format!("p{i}")}))
        .collect();
    let page = || json_step(200, &json!({"repos": full}));
    let r = Responder::script(vec![page(), page(), page()]);
    let e = err(hub(&r.url()).list_repos("-"));
    assert!(matches!(e, HubError::BadResponse { .. }), "{e:?}");
    assert_eq!(r.requests().len(), 2);
}

#[test]
fn list_commits_and_tags_and_create() {
    let r = Responder::script(vec![
        json_step(
            200,
            &json!({"commits": [
            {"id": "u1", "commit_hash": "c1", "created_at": "2024-01-01T00:00:00"},
            {"id": "u2", "commit_hash": "c2"}], "total": 2}),
        ),
        json_step(409, &json!({"detail": "Repo already exists"})),
        json_step(200, &json!({"tag_name": "prod"})),
    ]);
    let h = hub(&r.url());
    let commits = h.list_commits("-", "x", 5).unwrap();
    assert_eq!(commits.len(), 2);
    assert_eq!(
        commits[0].created_at.as_deref(),
        Some("2024-01-01T00:00:00")
    );
    assert_eq!(commits[1].id.as_deref(), Some("u2"));
    h.create_repo("x", Some("about x")).unwrap();
    h.add_tag("-", "x", "prod", "u1").unwrap();
    let reqs = r.requests();
    assert_eq!(reqs[0].target, "/commits/-/x?limit=5&offset=0");
    assert_eq!(
        reqs[1].json(),
        json!({"repo_handle": "x", "description": "about x", "readme": "", "tags": [], "is_public": false})
    );
    assert_eq!(reqs[2].target, "/repos/-/x/tags");
    assert_eq!(
        reqs[2].json(),
        json!({"tag_name": "prod", "commit_id": "u1"})
    );
}

#[test]
fn path_segments_are_encoded() {
    let r = Responder::script(vec![ok_commit("h")]);
    hub(&r.url()).pull("-", "x", "a/b c").unwrap();
    assert_eq!(r.requests()[0].path(), "/commits/-/x/a%2Fb%20c");
    // An empty ref means latest; `..` is refused before any request.
    let r = Responder::script(vec![ok_commit("h")]);
    hub(&r.url()).pull("-", "x", "").unwrap();
    assert_eq!(r.requests()[0].path(), "/commits/-/x/latest");
    let e = err(hub(&r.url()).pull("-", "..", "latest"));
    assert!(matches!(e, HubError::Config { .. }), "{e:?}");
    assert_eq!(r.requests().len(), 1);
}

// ---------------------------------------------------------------------------
// Status mapping
// ---------------------------------------------------------------------------

#[test]
fn push_conflicts() {
    let r = Responder::script(vec![
        json_step(
            409,
            &json!({"error": "Nothing to commit: prompt has not changed since latest commit"}),
        ),
        json_step(409, &json!({"detail": "nothing to commit"})),
        json_step(409, &json!({"error": "parent commit is not the latest"})),
    ]);
    let h = hub(&r.url());
    let m = manifest();
    assert_eq!(
        h.push("-", "x", &m, Some("p"), None).unwrap(),
        PushOutcome::NothingToCommit
    );
    assert_eq!(
        h.push("-", "x", &m, Some("p"), None).unwrap(),
        PushOutcome::NothingToCommit
    );
    let e = err(h.push("-", "x", &m, Some("p"), None));
    assert_eq!(
        e,
        HubError::Conflict {
            detail: "parent commit is not the latest".to_owned()
        }
    );
    assert_eq!(r.requests().len(), 3);
}

#[test]
fn statuses_map_to_errors() {
    let r = Responder::script(vec![
        json_step(401, &json!({"detail": "Invalid token"})),
        json_step(403, &json!({"error": "org_scoped_key_requires_workspace"})),
        json_step(403, &json!({"detail": "Forbidden"})),
        json_step(404, &json!({"detail": "Not found"})),
        json_step(400, &json!({"error": "No prompt owner specified"})),
        Step::Send(raw(
            422,
            &[],
            &format!("bad {} {}", "x".repeat(400), "tail"),
        )),
        json_step(404, &json!({"detail": "Repo not found"})),
        Step::Send(raw(302, &[], "no location")),
    ]);
    let h = hub(&r.url());
    let e = err(h.pull("-", "joke-prompt", "prod"));
    assert_eq!(
        e,
        HubError::Auth {
            status: 401,
            detail: "Invalid token".to_owned()
        }
    );
    assert!(e.to_string().contains("LANGSMITH_API_KEY"));
    let e = err(h.pull("-", "joke-prompt", "prod"));
    assert_eq!(e, HubError::OrgScopedKey);
    assert!(e.to_string().contains("LANGSMITH_WORKSPACE_ID"));
    let e = err(h.pull("-", "joke-prompt", "prod"));
    assert!(matches!(e, HubError::Auth { status: 403, .. }), "{e:?}");
    let e = err(h.pull("-", "joke-prompt", "prod"));
    assert_eq!(
        e,
        HubError::NotFound {
            what: "prompt `-/joke-prompt` at `prod`".to_owned()
        }
    );
    let e = err(h.pull("-", "joke-prompt", "prod"));
    assert_eq!(
        e,
        HubError::Rejected {
            status: 400,
            detail: "No prompt owner specified".to_owned()
        }
    );
    let e = err(h.pull("-", "joke-prompt", "prod"));
    match e {
        HubError::Rejected {
            status: 422,
            detail,
        } => {
            assert!(
                detail.starts_with("bad xxx") && detail.chars().count() <= 301,
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }
    let e = err(h.add_tag("-", "x", "prod", "nope"));
    assert!(
        matches!(e, HubError::NotFound { ref what } if what.contains("`nope`")),
        "{e:?}"
    );
    let e = err(h.pull("-", "x", "latest"));
    assert!(matches!(e, HubError::BadResponse { .. }), "{e:?}");
    // None of these were retried.
    assert_eq!(r.requests().len(), 8);
}

// ---------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------

#[test]
fn get_retries_a_503_then_succeeds() {
    let r = Responder::script(vec![
        json_step(503, &json!({"detail": "unavailable"})),
        Step::Send(raw(
            502,
            &[("Content-Type", "text/html")],
            "<html>bad gateway</html>",
        )),
        ok_commit("h1"),
    ]);
    assert_eq!(
        hub(&r.url()).pull("-", "x", "latest").unwrap().commit_hash,
        "h1"
    );
    assert_eq!(r.requests().len(), 3);
}

#[test]
fn retries_run_out() {
    let five = || json_step(500, &json!({"detail": "boom"}));
    let r = Responder::script(vec![five(), five(), five(), five(), five()]);
    let e = err(hub(&r.url()).pull("-", "x", "latest"));
    assert_eq!(e, HubError::Server { status: 500 });
    assert_eq!(r.requests().len(), 4, "1 attempt + 3 retries");

    let mut opts = fast();
    opts.max_retries = 0;
    let r = Responder::script(vec![five(), five()]);
    let e = err(hub_with(&r.url(), opts).list_repos("-"));
    assert_eq!(e, HubError::Server { status: 500 });
    assert_eq!(r.requests().len(), 1);
}

#[test]
fn retry_after_is_honoured() {
    let limited = |secs: &str| {
        Step::Send(raw(
            429,
            &[("Retry-After", secs)],
            r#"{"detail":"Too many requests"}"#,
        ))
    };
    // Retry-After: 1 → the retry comes at least a second later (a lower bound
    // that sleeping guarantees, not a speed assertion).
    let r = Responder::script(vec![limited("1"), ok_commit("h")]);
    hub(&r.url()).pull("-", "x", "latest").unwrap();
    let reqs = r.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at - reqs[0].at;
    assert!(gap >= Duration::from_millis(990), "{gap:?}");

    // Retry-After: 0 until the retries run out → RateLimited.
    let r = Responder::script(vec![limited("0"), limited("0"), limited("0"), limited("0")]);
    let e = err(hub(&r.url()).pull("-", "x", "latest"));
    assert_eq!(
        e,
        HubError::RateLimited {
            retry_after: Some(Duration::ZERO)
        }
    );
    assert_eq!(r.requests().len(), 4);

    // Longer than max_retry_after → give up at once, saying how long.
    let r = Responder::script(vec![limited("120"), ok_commit("h")]);
    let e = err(hub(&r.url()).pull("-", "x", "latest"));
    assert_eq!(
        e,
        HubError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert_eq!(r.requests().len(), 1);
}

#[test]
fn posts_are_not_blindly_retried() {
    let m = manifest();
    // A tag is not repeated after a 500 ...
    let r = Responder::script(vec![json_step(500, &json!({})), json_step(200, &json!({}))]);
    let e = err(hub(&r.url()).add_tag("-", "x", "prod", "u1"));
    assert_eq!(e, HubError::Server { status: 500 });
    assert_eq!(r.requests().len(), 1);
    // ... but is after a 429 (the server did not act on it).
    let r = Responder::script(vec![
        Step::Send(raw(429, &[("Retry-After", "0")], "")),
        json_step(200, &json!({})),
    ]);
    hub(&r.url()).add_tag("-", "x", "prod", "u1").unwrap();
    assert_eq!(r.requests().len(), 2);

    // A push is repeated after a 500; if the first one landed, the repeat's
    // 409 Nothing to commit is the success it is.
    let r = Responder::script(vec![
        json_step(500, &json!({})),
        json_step(
            409,
            &json!({"error": "Nothing to commit: prompt has not changed since latest commit"}),
        ),
    ]);
    let out = hub(&r.url()).push("-", "x", &m, None, None).unwrap();
    assert_eq!(out, PushOutcome::NothingToCommit);
    let reqs = r.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].body, reqs[1].body);

    // A push whose connection broke after sending is not repeated.
    let r = Responder::script(vec![
        Step::Hangup,
        json_step(201, &json!({"commit": {"commit_hash": "h"}})),
    ]);
    let e = err(hub(&r.url()).push("-", "x", &m, None, None));
    assert!(matches!(e, HubError::Network { .. }), "{e:?}");
    assert_eq!(r.requests().len(), 1);

    // Creating a repo converges too: 502, then 409 (it exists) = done.
    let r = Responder::script(vec![json_step(502, &json!({})), json_step(409, &json!({}))]);
    hub(&r.url()).create_repo("x", None).unwrap();
    assert_eq!(r.requests().len(), 2);
}

#[test]
fn connection_failures() {
    // Dropped every time: retried, then Network.
    let r = Responder::script(vec![Step::Hangup, Step::Hangup, Step::Hangup, Step::Hangup]);
    let e = err(hub(&r.url()).pull("-", "x", "latest"));
    assert!(matches!(e, HubError::Network { .. }), "{e:?}");
    assert_eq!(r.requests().len(), 4);

    // A body cut short, then a good answer: the GET is retried.
    let mut cut = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n".to_vec();
    cut.extend_from_slice(br#"{"commit_hash": "#);
    let r = Responder::script(vec![Step::Send(cut), ok_commit("h2")]);
    assert_eq!(
        hub(&r.url()).pull("-", "x", "latest").unwrap().commit_hash,
        "h2"
    );
    assert_eq!(r.requests().len(), 2);

    // Nobody listening: Network, naming where.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = err(hub(&format!("http://127.0.0.1:{port}")).pull("-", "x", "latest"));
    match e {
        HubError::Network { detail } => assert!(detail.contains(&port.to_string()), "{detail}"),
        other => panic!("{other:?}"),
    }
    // ... the endpoint as set, its path included.
    let e = err(hub(&format!("http://127.0.0.1:{port}/api/v1")).pull("-", "x", "latest"));
    match e {
        HubError::Network { detail } => assert!(
            detail.contains(&format!(
                "could not connect to http://127.0.0.1:{port}/api/v1:"
            )),
            "{detail}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn slow_answers_time_out() {
    let mut opts = fast();
    opts.total_timeout = Duration::from_millis(300);
    // Headers too late.
    let r = Responder::script(vec![Step::Late(
        Duration::from_millis(1200),
        raw(200, &[], "{}"),
    )]);
    let e = err(hub_with(&r.url(), opts).pull("-", "x", "latest"));
    assert_eq!(
        e,
        HubError::Timeout {
            limit: Duration::from_millis(300),
            connecting: false
        }
    );
    // The message names the limit and the variable that sets it.
    let msg = e.to_string();
    assert!(
        msg.contains("within 0.3 s") && msg.contains("PROMPT_SYNC_TIMEOUT=SECONDS"),
        "{msg}"
    );
    assert_eq!(r.requests().len(), 1, "timeouts are not retried");

    // Headers at once, then a body that trickles.
    let body = br#"{"commit_hash":"h","manifest":{}}"#.to_vec();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    let r = Responder::script(vec![Step::Drip(head, body, Duration::from_millis(60))]);
    let e = err(hub_with(&r.url(), opts).pull("-", "x", "latest"));
    assert!(
        matches!(
            e,
            HubError::Timeout {
                connecting: false,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_hub_that_accepts_and_never_answers_fails_at_the_connect_limit() {
    // The TCP connection is accepted, the TLS handshake never answered.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in listener.incoming().take(2) {
            conns.push(c);
        }
        std::thread::sleep(Duration::from_secs(30));
        drop(conns);
    });
    let mut opts = fast();
    opts.connect_timeout = Duration::from_secs(1);
    opts.total_timeout = Duration::from_secs(20);
    let started = std::time::Instant::now();
    let e = err(hub_with(&format!("https://127.0.0.1:{port}"), opts).pull("-", "x", "latest"));
    let took = started.elapsed();
    assert_eq!(
        e,
        HubError::Timeout {
            limit: Duration::from_secs(1),
            connecting: true
        }
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("could not connect to the hub within 1 s")
            && msg.contains("PROMPT_SYNC_TIMEOUT"),
        "{msg}"
    );
    drop(held);
}

// ---------------------------------------------------------------------------
// Bad and large bodies
// ---------------------------------------------------------------------------

#[test]
fn bad_bodies_are_bad_responses() {
    let r = Responder::script(vec![
        Step::Send(raw(200, &[], r#"{"commit_hash": "abc", "manif"#)),
        Step::Send(raw(
            200,
            &[("Content-Type", "text/html")],
            "<!DOCTYPE html><html>LangSmith</html>",
        )),
        json_step(
            200,
            &json!({"commit_hash": "abc", "manifest": "not an object"}),
        ),
        json_step(200, &json!({"manifest": {}})),
        json_step(200, &json!({"items": []})),
        json_step(200, &json!({"repos": [{"name": "no handle"}]})),
        json_step(200, &json!({"commits": [{"id": "u"}]})),
        json_step(201, &json!({"commit": {"id": "u"}})),
        Step::Send(raw(200, &[], "")),
        json_step(200, &json!({"something": "else"})),
    ]);
    let h = hub(&r.url());
    let detail = |e: HubError| match e {
        HubError::BadResponse { detail } => detail,
        other => panic!("not BadResponse: {other:?}"),
    };
    assert!(detail(err(h.pull("-", "x", "latest"))).contains("truncated"));
    assert!(detail(err(h.pull("-", "x", "latest"))).contains("HTML"));
    assert!(detail(err(h.pull("-", "x", "latest"))).contains("manifest"));
    assert!(detail(err(h.pull("-", "x", "latest"))).contains("commit_hash"));
    assert!(detail(err(h.list_repos("-"))).contains("repos"));
    assert!(detail(err(h.list_repos("-"))).contains("repo_handle"));
    assert!(detail(err(h.list_commits("-", "x", 3))).contains("commit_hash"));
    assert!(detail(err(h.push("-", "x", &manifest(), None, None))).contains("commit_hash"));
    assert!(detail(err(h.pull("-", "x", "latest"))).contains("empty"));
    assert!(detail(err(h.repo_exists("-", "x"))).contains("repo"));
    assert_eq!(r.requests().len(), 10, "bad bodies are not retried");
}

#[test]
fn large_bodies_are_refused() {
    let mut opts = fast();
    opts.max_body_bytes = 1000;
    let big = format!(
        r#"{{"commit_hash":"h","manifest":{{"t":"{}"}}}}"#,
        "x".repeat(5000)
    );
    // Declared too large.
    let r = Responder::script(vec![Step::Send(raw(200, &[], &big))]);
    assert_eq!(
        err(hub_with(&r.url(), opts).pull("-", "x", "latest")),
        HubError::TooLarge { limit: 1000 }
    );
    // Not declared (read to EOF): cut while streaming.
    let mut undeclared = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
    undeclared.extend_from_slice(big.as_bytes());
    let r = Responder::script(vec![Step::Send(undeclared)]);
    assert_eq!(
        err(hub_with(&r.url(), opts).pull("-", "x", "latest")),
        HubError::TooLarge { limit: 1000 }
    );
    assert_eq!(r.requests().len(), 1);
    // Small on the wire, large once decompressed.
    let r = Responder::script(vec![Step::Send(raw_bytes(
        200,
        &[("Content-Encoding", "gzip")],
        &gzip(big.as_bytes()),
    ))]);
    assert_eq!(
        err(hub_with(&r.url(), opts).pull("-", "x", "latest")),
        HubError::TooLarge { limit: 1000 }
    );
    // Compressed and within the limit: fine.
    let r = Responder::script(vec![Step::Send(raw_bytes(
        200,
        &[("Content-Encoding", "gzip")],
        &gzip(br#"{"commit_hash":"gz","manifest":{}}"#),
    ))]);
    assert_eq!(
        hub_with(&r.url(), opts)
            .pull("-", "x", "latest")
            .unwrap()
            .commit_hash,
        "gz"
    );
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

// ---------------------------------------------------------------------------
// Endpoint and redirect policy
// ---------------------------------------------------------------------------

#[test]
fn redirect_to_another_origin_is_refused() {
    let other = Responder::script(vec![ok_commit("stolen")]);
    let target = format!("{}/commits/-/x/latest", other.url());
    let r = Responder::script(vec![Step::Send(raw(302, &[("Location", &target)], ""))]);
    let e = err(hub(&r.url()).pull("-", "x", "latest"));
    match &e {
        HubError::Config { detail } => {
            assert!(detail.contains("another origin"), "{detail}");
            assert!(detail.contains(&other.addr.port().to_string()), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.requests().len(), 1, "not retried");
    // No wait needed: a request the client had sent would have been answered before
    // `pull` returned, so it would be recorded by now.
    assert!(
        other.requests().is_empty(),
        "the other origin received a request"
    );

    // Same host, other port (or scheme) is another origin too; `localhost` vs
    // `127.0.0.1` as well.
    let target = format!("http://localhost:{}/commits/-/x/latest", r.addr.port());
    let r2 = Responder::script(vec![Step::Send(raw(307, &[("Location", &target)], ""))]);
    let e = err(hub(&r2.url()).pull("-", "x", "latest"));
    assert!(matches!(e, HubError::Config { .. }), "{e:?}");
}

#[test]
fn same_origin_redirects_are_followed() {
    let r = Responder::script(vec![
        Step::Send(raw(308, &[("Location", "/api/v1/commits/-/x/latest")], "")),
        ok_commit("moved"),
    ]);
    let got = hub(&r.url()).pull("-", "x", "latest").unwrap();
    assert_eq!(got.commit_hash, "moved");
    let reqs = r.requests();
    assert_eq!(reqs[1].path(), "/api/v1/commits/-/x/latest");
    assert_eq!(reqs[1].header("x-api-key"), Some(KEY));

    // A loop ends.
    let hop = || Step::Send(raw(302, &[("Location", "/again")], ""));
    let r = Responder::script((0..8).map(|_| hop()).collect());
    let e = err(hub(&r.url()).pull("-", "x", "latest"));
    assert!(
        matches!(e, HubError::BadResponse { ref detail } if detail.contains("redirected")),
        "{e:?}"
    );
    assert_eq!(r.requests().len(), 6);
}

#[test]
fn endpoints_are_checked_at_construction() {
    for bad in [
        "http://api.smith.langchain.com",
        "http://192.168.1.10:8080",
        "gopher://x",
        "::not a url::",
    ] {
        let e = err(HttpHub::new(settings(bad, None), fast()));
        assert!(matches!(e, HubError::Config { .. }), "{bad}: {e:?}");
    }
    let e = err(HttpHub::new(
        settings("http://hub.example.com/api/v1", None),
        fast(),
    ));
    assert!(e.to_string().contains("use https"), "{e}");
    for good in [
        "https://api.smith.langchain.com/",
        "http://localhost:1",
        "http://[::1]:2",
    ] {
        HttpHub::new(settings(good, None), fast()).unwrap();
    }
    let mut s = settings("https://x.example", None);
    s.owner = "a/b".to_owned();
    assert!(matches!(
        err(HttpHub::new(s, fast())),
        HubError::Config { .. }
    ));
}

#[test]
fn https_uses_tls() {
    // A plain-HTTP server behind an https endpoint: the TLS handshake fails (a
    // connect error: retried, then Network), proving TLS is set up and used.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut served = 0;
        while served < 4 && Instant::now() < deadline {
            match listener.accept() {
                Ok((mut s, _)) => {
                    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                    served += 1;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
        served
    });
    let e = err(hub(&format!("https://127.0.0.1:{port}")).pull("-", "x", "latest"));
    assert!(matches!(e, HubError::Network { .. }), "{e:?}");
    assert_eq!(server.join().unwrap(), 4, "connect errors are retried");
}

// ---------------------------------------------------------------------------
// Parallel pulls, secrecy
// ---------------------------------------------------------------------------

#[test]
fn pull_many_runs_on_the_shared_client() {
    let r = Responder::handler(Box::new(|req| {
        let name = req.path().split('/').nth(3).unwrap().to_owned();
        if name == "missing" {
            json_step(404, &json!({"detail": "nope"}))
        } else {
            ok_commit(&format!("hash-of-{name}"))
        }
    }));
    let h = hub(&r.url());
    let items: Vec<(String, String)> = ["a", "b", "missing", "c", "d"]
        .iter()
        .map(|n| ((*n).to_owned(), "latest".to_owned()))
        .collect();
    let got = h.pull_many("-", &items, 3);
    assert_eq!(got.len(), 5);
    assert_eq!(got[0].as_ref().unwrap().commit_hash, "hash-of-a");
    assert_eq!(got[4].as_ref().unwrap().commit_hash, "hash-of-d");
    assert!(matches!(got[2], Err(HubError::NotFound { .. })));
    assert_eq!(r.requests().len(), 5);
    fn send_sync<T: Send + Sync + Clone>(_: &T) {}
    send_sync(&h);
}

#[test]
fn the_key_never_shows() {
    let s = settings("https://api.smith.langchain.com", Some("ws"));
    let h = HttpHub::new(s.clone(), fast()).unwrap();
    for text in [
        format!("{s:?}"),
        format!("{h:?}"),
        format!("{:?}", s.api_key),
        s.api_key.to_string(),
    ] {
        assert!(!text.contains(KEY), "{text}");
    }
    // Servers that echo the key back in error bodies and messages.
    let echo = |status: u16| json_step(status, &json!({"detail": format!("bad key {KEY}")}));
    let r = Responder::script(vec![
        echo(401),
        echo(403),
        echo(400),
        echo(409),
        Step::Send(raw(200, &[], &format!("not json {KEY}"))),
    ]);
    let h = hub(&r.url());
    let m = manifest();
    for e in [
        err(h.pull("-", "x", "latest")),
        err(h.pull("-", "x", "latest")),
        err(h.pull("-", "x", "latest")),
        err(h.push("-", "x", &m, None, None)),
        err(h.pull("-", "x", "latest")),
    ] {
        let text = e.to_string();
        assert!(
            text.contains("***") || matches!(e, HubError::BadResponse { .. }),
            "{text}"
        );
    }
    // A key that cannot be a header value: a Config error that does not show it.
    let mut s = settings("https://x.example", None);
    s.api_key = Secret::new(format!("{KEY}\n"));
    assert!(matches!(
        err(HttpHub::new(s, fast())),
        HubError::Config { .. }
    ));
}

/// A hostile prompt list (huge handles that are no prompt names, a huge `total`):
/// the handles are skipped, not kept, and a listing for the prompts a sync needs
/// stops as soon as it has found them, whatever the total announces.
#[test]
fn a_hostile_prompt_list_is_bounded_by_what_the_package_needs() {
    let huge = "x".repeat(90_000);
    let page: Vec<Value> = (0..100)
        .map(|i| {
            if i == 42 {
                json!({"repo_handle": "wanted_one", "last_commit_hash": "c0ffee"})
            } else {
                json!({"repo_handle": format!("{huge}{i}"), "last_commit_hash": "c1"})
            }
        })
        .collect();
    let r = Responder::script(vec![json_step(
        200,
        &json!({"repos": page, "total": 1_000_000_000u64}),
    )]);
    let wanted = std::collections::BTreeSet::from(["wanted_one".to_owned()]);
    let listing = hub_with(&r.url(), patient())
        .list_repos_for("-", &wanted)
        .unwrap();
    assert_eq!(listing.invalid_handles, 99, "skipped and counted");
    let repos = listing.repos;
    assert_eq!(
        repos.len(),
        1,
        "{:?}",
        repos
            .iter()
            .map(|r| r.repo_handle.len())
            .collect::<Vec<_>>()
    );
    assert_eq!(repos[0].repo_handle, "wanted_one");
    assert_eq!(repos[0].last_commit_hash.as_deref(), Some("c0ffee"));
    assert_eq!(
        r.requests().len(),
        1,
        "read past the page that had every wanted repo"
    );

    // Read whole, the list keeps valid names only.
    let mixed = |from: usize, n: usize| {
        let repos: Vec<Value> = (from..from + n)
            .map(|i| {
                let handle = if i % 10 == 0 {
                    format!("bad/{i}")
                } else {
                    format!("p{i}")
                };
                json!({"repo_handle": handle})
            })
            .collect();
        json_step(200, &json!({"repos": repos, "total": 150}))
    };
    let r = Responder::script(vec![mixed(0, 100), mixed(100, 50)]);
    let repos = hub(&r.url()).list_repos("-").unwrap();
    assert_eq!(repos.len(), 135);
    assert!(repos.iter().all(|r| !r.repo_handle.contains('/')));
}

/// A hostile list without end (a page of huge handles at every offset, a total of a
/// billion) and a wanted prompt it never shows: the listing stops after its page
/// budget (10 pages, or one per wanted prompt when more) with what it found, counting
/// the skipped handles, instead of reading the pages the total announces.
#[test]
fn an_endless_hostile_prompt_list_stops_at_the_page_budget() {
    let endless = |huge: String| {
        Responder::handler(Box::new(move |req: &Recorded| {
            let offset: usize = req
                .query()
                .split('&')
                .find_map(|kv| kv.strip_prefix("offset="))
                .unwrap()
                .parse()
                .unwrap();
            let page: Vec<Value> = (offset..offset + 100)
                .map(|i| json!({"repo_handle": format!("{huge}{i}"), "last_commit_hash": "c1"}))
                .collect();
            json_step(200, &json!({"repos": page, "total": 1_000_000_000u64}))
        }))
    };
    // Handles far longer than a prompt name (100 bytes at most).
    let r = endless("y".repeat(2_000));
    let wanted = std::collections::BTreeSet::from(["never_listed".to_owned()]);
    let listing = hub_with(&r.url(), patient())
        .list_repos_for("-", &wanted)
        .unwrap();
    assert!(listing.repos.is_empty());
    assert_eq!(r.requests().len(), 10);
    assert_eq!(listing.invalid_handles, 1_000);

    // More wanted prompts than that: one page per wanted prompt.
    let r = endless("z".repeat(200));
    let wanted: std::collections::BTreeSet<String> =
        (0..25).map(|i| format!("never_listed_{i}")).collect();
    let listing = hub_with(&r.url(), patient())
        .list_repos_for("-", &wanted)
        .unwrap();
    assert_eq!(r.requests().len(), 25);
    assert_eq!(listing.invalid_handles, 2_500);
}
