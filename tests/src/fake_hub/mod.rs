//! An in-memory, LangSmith-compatible prompt hub over plain HTTP/1.1 for tests.
//!
//! [`FakeHub::start`] listens on an ephemeral port of `127.0.0.1` and serves the
//! prompt-hub routes of `langsmith-api.md` (§1-§4, checklist §10) at `/` and under
//! `/api/v1`, with or without a trailing slash: `GET /settings`, `GET|POST /repos`,
//! `GET|PATCH|DELETE /repos/{owner}/{repo}`, `GET|POST /repos/{owner}/{repo}/tags`,
//! `GET|DELETE /repos/{owner}/{repo}/tags/{tag}`, `GET|POST /commits/{owner}/{repo}`,
//! `GET /commits/{owner}/{repo}/{ref}` and `POST /likes/{owner}/{repo}`. Owner `-`
//! and the tenant handle name the same (only) workspace.
//!
//! Every request is recorded (faulted and malformed ones included), and faults can
//! be injected per route: statuses, `Retry-After`, dropped or reset connections,
//! truncated, HTML, wrong-shape or oversized bodies, slow bodies, redirects, delays.
//! One thread per connection, keep-alive, `Content-Length` responses; request bodies
//! may be `Content-Length` or chunked. Dropping the [`FakeHub`] stops it.

mod endpoints;
mod faults;
mod http;
mod ids;
mod routes;
mod server;
mod state;

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use serde_json::Value;

pub use faults::{Fault, FaultKind, RouteMatch};

/// How a hub behaves from the start; see [`FakeHub::start_with`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The only accepted API key (`x-api-key`, or `Authorization: Bearer`); a
    /// missing or different key gets `401 {"detail":"Invalid token"}`. `None`
    /// accepts any key and no key.
    pub api_key: Option<String>,
    /// The workspace's public hub handle, usable as owner besides `-`; `None`
    /// renders `tenant_handle: null` in `/settings` and `owner: null` in repos.
    pub tenant_handle: Option<String>,
    /// Simulate an org-scoped key: requests without `X-Tenant-Id` get
    /// `403 {"error":"org_scoped_key_requires_workspace"}`.
    pub workspace_id_required: bool,
    /// Delay before answering each request.
    pub latency: Duration,
}

/// One request as the hub received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Method as sent, e.g. `GET` (empty when the request line was unreadable).
    pub method: String,
    /// Raw path as sent, without the query string (prefix and slash kept).
    pub path: String,
    /// Raw query string without `?` (empty when there is none).
    pub query: String,
    /// Headers with lowercased names, in the order sent.
    pub headers: Vec<(String, String)>,
    /// Body bytes (de-chunked).
    pub body: Vec<u8>,
    /// When the request was fully received.
    pub time: SystemTime,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The path as routed: without `/api/v1`, without a trailing slash, decoded.
    pub fn logical_path(&self) -> String {
        routes::logical_path(&self.path)
    }
}

/// Settings that can change while the hub runs.
struct Config {
    api_key: Option<String>,
    workspace_id_required: bool,
    latency: Duration,
}

/// State behind one lock: data, settings and faults.
struct Inner {
    store: state::Store,
    config: Config,
    faults: faults::FaultTable,
}

/// What the listener, the connection threads and the [`FakeHub`] handle share.
struct Shared {
    inner: Mutex<Inner>,
    log: Mutex<Vec<RecordedRequest>>,
    shutdown: AtomicBool,
    /// Open connections, so shutdown can unblock their threads.
    conns: Mutex<HashMap<u64, TcpStream>>,
    /// Bytes read from all connections (request heads and bodies).
    bytes_received: AtomicU64,
    /// Bytes written to all connections (response heads and bodies).
    bytes_sent: AtomicU64,
}

impl Shared {
    fn is_shutting_down(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    fn record(&self, req: http::Request) {
        lock(&self.log).push(RecordedRequest {
            method: req.method,
            path: req.path,
            query: req.query,
            headers: req.headers,
            body: req.body,
            time: SystemTime::now(),
        });
    }
}

/// Locks `m`, ignoring poisoning (a panicking test thread must not wedge the hub).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake hub. Dropping it stops accepting, closes open connections and
/// joins all of its threads.
pub struct FakeHub {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<Vec<JoinHandle<()>>>>,
}

impl FakeHub {
    /// Starts a hub with default [`Options`] (any key, no handle, no latency).
    ///
    /// # Panics
    /// When no port on 127.0.0.1 can be bound; use [`FakeHub::try_start_with`] to
    /// handle that.
    pub fn start() -> FakeHub {
        FakeHub::start_with(Options::default())
    }

    /// Starts a hub with `opts`.
    ///
    /// # Panics
    /// When no port on 127.0.0.1 can be bound or no thread can be spawned.
    pub fn start_with(opts: Options) -> FakeHub {
        match FakeHub::try_start_with(opts) {
            Ok(hub) => hub,
            Err(e) => panic!("fake hub: cannot start on 127.0.0.1: {e}"),
        }
    }

    /// Starts a hub with `opts` on an ephemeral port of 127.0.0.1.
    pub fn try_start_with(opts: Options) -> io::Result<FakeHub> {
        FakeHub::try_start_on(opts, 0)
    }

    /// Starts a hub with `opts` on `port` of 127.0.0.1 (0 = ephemeral).
    pub fn try_start_on(opts: Options, port: u16) -> io::Result<FakeHub> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                store: state::Store::new(opts.tenant_handle),
                config: Config {
                    api_key: opts.api_key,
                    workspace_id_required: opts.workspace_id_required,
                    latency: opts.latency,
                },
                faults: faults::FaultTable::default(),
            }),
            log: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            bytes_received: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
        });
        let sh = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name("fake-hub-accept".into())
            .spawn(move || server::accept_loop(listener, sh))?;
        Ok(FakeHub {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Appends a commit with `manifest` (not validated, even if equal to the latest)
    /// to prompt `name`, creating the repo (private, no description) if needed.
    /// Returns the new 64-hex commit hash.
    pub fn put_prompt(&self, name: &str, manifest: Value) -> String {
        let mut inner = lock(&self.shared.inner);
        let store = &mut inner.store;
        let i = match store.index(name) {
            Some(i) => i,
            None => store.create_repo(name),
        };
        store
            .append_commit(i, manifest, None)
            .map(|c| c.hash)
            .unwrap_or_default()
    }

    /// Points commit tag `tag` of prompt `name` at `commit_hash` (full hash or an
    /// 8+ character prefix), moving it if it points elsewhere.
    ///
    /// # Panics
    /// When the prompt or the commit does not exist.
    pub fn tag(&self, name: &str, tag: &str, commit_hash: &str) {
        let mut inner = lock(&self.shared.inner);
        let store = &mut inner.store;
        let Some(i) = store.index(name) else {
            panic!("fake hub: no prompt {name:?} to tag");
        };
        if store.set_tag(i, tag, commit_hash, true).is_err() {
            panic!("fake hub: prompt {name:?} has no commit {commit_hash:?}");
        }
    }

    /// The newest commit hash of prompt `name` (`None` if absent or empty).
    pub fn latest_commit(&self, name: &str) -> Option<String> {
        let inner = lock(&self.shared.inner);
        inner
            .store
            .repo(name)
            .and_then(|r| r.latest())
            .map(|c| c.hash.clone())
    }

    /// The commits of prompt `name`, **oldest first**: `(hash, manifest, parent hash)`.
    /// Empty when the prompt does not exist.
    pub fn commits(&self, name: &str) -> Vec<(String, Value, Option<String>)> {
        let inner = lock(&self.shared.inner);
        inner.store.repo(name).map_or_else(Vec::new, |r| {
            r.commits
                .iter()
                .map(|c| (c.hash.clone(), c.manifest.clone(), c.parent_hash.clone()))
                .collect()
        })
    }

    /// The commit tags of prompt `name` as `(tag, commit hash)`, sorted by tag.
    pub fn tags(&self, name: &str) -> Vec<(String, String)> {
        let inner = lock(&self.shared.inner);
        let Some(r) = inner.store.repo(name) else {
            return Vec::new();
        };
        let mut v: Vec<(String, String)> = r
            .commit_tags
            .iter()
            .filter_map(|t| {
                let c = r.commits.iter().find(|c| c.id == t.commit_id)?;
                Some((t.name.clone(), c.hash.clone()))
            })
            .collect();
        v.sort();
        v
    }

    /// Whether prompt `name` exists.
    pub fn has_prompt(&self, name: &str) -> bool {
        lock(&self.shared.inner).store.repo(name).is_some()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// How many requests were received (since the last [`FakeHub::clear_requests`]).
    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).len()
    }

    /// Bytes received on all connections since the hub started: request lines,
    /// headers and bodies as they came over TCP (not reset by
    /// [`FakeHub::clear_requests`]).
    pub fn bytes_received(&self) -> u64 {
        self.shared.bytes_received.load(Ordering::Relaxed)
    }

    /// Bytes sent on all connections since the hub started: status lines, headers
    /// and bodies (not reset by [`FakeHub::clear_requests`]).
    pub fn bytes_sent(&self) -> u64 {
        self.shared.bytes_sent.load(Ordering::Relaxed)
    }

    /// Sets the delay applied before answering each request.
    pub fn set_latency(&self, d: Duration) {
        lock(&self.shared.inner).config.latency = d;
    }

    /// Changes the required API key (`None` accepts anything).
    pub fn set_api_key(&self, key: Option<&str>) {
        lock(&self.shared.inner).config.api_key = key.map(str::to_string);
    }

    /// Turns the org-scoped-key behaviour (403 without `X-Tenant-Id`) on or off.
    pub fn set_workspace_id_required(&self, required: bool) {
        lock(&self.shared.inner).config.workspace_id_required = required;
    }

    /// Adds a fault rule; rules are tried in the order added, the first match fires.
    pub fn add_fault(&self, fault: Fault) {
        lock(&self.shared.inner).faults.add(fault);
    }

    /// Removes all fault rules.
    pub fn clear_faults(&self) {
        lock(&self.shared.inner).faults.clear();
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        // Wake the blocking accept() so the loop sees the flag.
        let mut woke = false;
        for _ in 0..3 {
            if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok() {
                woke = true;
                break;
            }
        }
        if !woke {
            // Cannot wake the acceptor; leave its thread detached rather than hang.
            return;
        }
        let workers = acceptor.join().unwrap_or_default();
        for s in lock(&self.shared.conns).values() {
            let _ = s.shutdown(Shutdown::Both);
        }
        for w in workers {
            let _ = w.join();
        }
    }
}
