//! The listener: an accept loop, one thread per connection with keep-alive, and
//! delivery of responses (normal or faulted).

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::json;

use super::faults::FaultKind;
use super::http::{self, ReadError, Request, Response};
use super::{Shared, lock, routes};

/// Accepts connections until shutdown; returns the connection threads to join.
pub(crate) fn accept_loop(listener: TcpListener, shared: Arc<Shared>) -> Vec<JoinHandle<()>> {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    loop {
        let accepted = listener.accept();
        if shared.is_shutting_down() {
            break;
        }
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        workers.retain(|h| !h.is_finished());
        let id = next_id;
        next_id += 1;
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.conns).insert(id, clone);
        }
        let sh = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name(format!("fake-hub-conn-{id}"))
            .spawn(move || {
                serve(&stream, &sh);
                lock(&sh.conns).remove(&id);
            });
        match spawned {
            Ok(h) => workers.push(h),
            Err(_) => {
                lock(&shared.conns).remove(&id);
            }
        }
    }
    workers
}

/// Serves requests on one connection until it closes.
fn serve(stream: &TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(Counted {
        stream: read_half,
        shared,
    });
    loop {
        let mut out = Counted { stream, shared };
        let req = match http::read_request(&mut reader, &mut out) {
            Ok(req) => req,
            Err(ReadError::Closed | ReadError::Io) => break,
            Err(ReadError::Bad {
                status,
                message,
                head,
            }) => {
                let (method, target) = head.unwrap_or_default();
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                shared.record(Request {
                    method,
                    path: path.to_string(),
                    query: query.to_string(),
                    http10: false,
                    headers: Vec::new(),
                    body: Vec::new(),
                });
                let _ = http::write_response(&mut out, &Response::detail(status, &message), true);
                close_gracefully(stream);
                return;
            }
        };
        if shared.is_shutting_down() || !exchange(shared, &req, stream) {
            break;
        }
    }
    close_gracefully(stream);
}

/// Half-closes, drains what the peer still sends (briefly), so it sees our last
/// response instead of a reset.
fn close_gracefully(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut sink = [0u8; 4096];
    let mut budget = 256 * 1024;
    let mut s = stream;
    while budget > 0 {
        match s.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => budget -= n.min(budget),
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Handles one request; returns whether the connection stays open.
fn exchange(shared: &Shared, req: &Request, stream: &TcpStream) -> bool {
    shared.record(req.clone());
    let path = routes::logical_path(&req.path);
    let (latency, fault) = {
        let mut inner = lock(&shared.inner);
        let fault = inner.faults.take(&req.method, &path);
        (inner.config.latency, fault)
    };
    shared.sleep(latency);
    let close = req.wants_close();
    let mut out = Counted { stream, shared };
    let written = match fault {
        None => http::write_response(&mut out, &answer(shared, req), close),
        Some(kind) => return deliver_fault(shared, kind, req, stream, close),
    };
    written.is_ok() && !close
}

/// The real handler's response; a handler panic becomes a 500.
fn answer(shared: &Shared, req: &Request) -> Response {
    let mut inner = lock(&shared.inner);
    catch_unwind(AssertUnwindSafe(|| routes::handle(&mut inner, req)))
        .unwrap_or_else(|_| Response::detail(500, "fake hub internal error"))
}

/// Delivers a faulted exchange; returns whether the connection stays open.
fn deliver_fault(
    shared: &Shared,
    kind: FaultKind,
    req: &Request,
    stream: &TcpStream,
    close: bool,
) -> bool {
    let mut out = Counted { stream, shared };
    let simple = |resp: Response| {
        let mut out = Counted { stream, shared };
        http::write_response(&mut out, &resp, close).is_ok() && !close
    };
    match kind {
        FaultKind::Status(code) => simple(Response::detail(code, http::reason(code))),
        FaultKind::StatusWithRetryAfter(code, secs) => simple(
            Response::detail(code, http::reason(code))
                .with_header("Retry-After", &secs.to_string()),
        ),
        FaultKind::DropConnection => {
            let _ = stream.shutdown(Shutdown::Both);
            false
        }
        FaultKind::DropAfterHandling => {
            let _ = answer(shared, req);
            let _ = stream.shutdown(Shutdown::Both);
            false
        }
        FaultKind::ResetMidBody => {
            let resp = answer(shared, req);
            let half = resp.body.len() / 2;
            let _ = http::write_head(&mut out, resp.status, &resp.headers, resp.body.len(), false)
                .and_then(|()| out.write_all(&resp.body[..half]))
                .and_then(|()| out.flush());
            let _ = stream.shutdown(Shutdown::Both);
            false
        }
        FaultKind::TruncatedJson => {
            let mut resp = answer(shared, req);
            resp.body.truncate(resp.body.len() / 2);
            simple(resp)
        }
        FaultKind::HtmlBody => simple(Response::typed(
            200,
            "text/html; charset=utf-8",
            b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\
              <body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>\n"
                .to_vec(),
        )),
        FaultKind::WrongShapeJson => simple(Response::json(
            200,
            &json!({ "unexpected": "shape", "items": [1, 2, 3], "ok": true }),
        )),
        FaultKind::Oversized(n) => {
            let headers = [("Content-Type".to_string(), "application/json".to_string())];
            http::write_head(&mut out, 200, &headers, n, close).is_ok()
                && write_padding(&mut out, n).is_ok()
                && !close
        }
        FaultKind::SlowLoris(every) => {
            let resp = answer(shared, req);
            if http::write_head(&mut out, resp.status, &resp.headers, resp.body.len(), close)
                .and_then(|()| out.flush())
                .is_err()
            {
                return false;
            }
            for (i, b) in resp.body.iter().enumerate() {
                if i > 0 && !shared.sleep(every) {
                    return false;
                }
                if out.write_all(&[*b]).and_then(|()| out.flush()).is_err() {
                    return false;
                }
            }
            !close
        }
        FaultKind::RedirectTo(origin) => {
            let location = format!("{}{}", origin.trim_end_matches('/'), req.target());
            simple(
                Response::typed(302, "application/json", b"{}".to_vec())
                    .with_header("Location", &location),
            )
        }
        FaultKind::Delay(d) => {
            if !shared.sleep(d) {
                return false;
            }
            simple(answer(shared, req))
        }
        FaultKind::HostileRepoList { handle_len, total } => {
            simple(hostile_repo_list(req, handle_len, total))
        }
    }
}

/// A page of [`FaultKind::HostileRepoList`] at the request's offset.
fn hostile_repo_list(req: &Request, handle_len: usize, total: u64) -> Response {
    let q = routes::Query::parse(&req.query);
    let (limit, offset) = q.page().unwrap_or((100, 0));
    let repos: Vec<serde_json::Value> = (offset..offset + limit)
        .map(|i| {
            let tail = format!("-{i}");
            let handle = format!(
                "{}{tail}",
                "h".repeat(handle_len.saturating_sub(tail.len()))
            );
            json!({"repo_handle": handle, "last_commit_hash": "0123456789abcdef"})
        })
        .collect();
    Response::json(200, &json!({"repos": repos, "total": total}))
}

/// A connection that adds the bytes read from it and written to it to the hub's
/// counters ([`super::FakeHub::bytes_received`], [`super::FakeHub::bytes_sent`]).
struct Counted<'a, S> {
    stream: S,
    shared: &'a Shared,
}

impl<S: Read> Read for Counted<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.stream.read(buf)?;
        self.shared
            .bytes_received
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<S: Write> Write for Counted<'_, S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.stream.write(buf)?;
        self.shared
            .bytes_sent
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

/// Writes exactly `n` bytes: `{"padding":"xxx…"}` when `n >= 14`, else spaces.
fn write_padding<W: Write>(w: &mut W, n: usize) -> std::io::Result<()> {
    const CHUNK: usize = 64 * 1024;
    let (prefix, suffix): (&[u8], &[u8]) = if n >= 14 {
        (b"{\"padding\":\"", b"\"}")
    } else {
        (b"", b"")
    };
    let fill_byte = if n >= 14 { b'x' } else { b' ' };
    w.write_all(prefix)?;
    let mut left = n - prefix.len() - suffix.len();
    let block = vec![fill_byte; CHUNK.min(left.max(1))];
    while left > 0 {
        let k = left.min(block.len());
        w.write_all(&block[..k])?;
        left -= k;
    }
    w.write_all(suffix)?;
    w.flush()
}

impl Shared {
    /// Sleeps `d` in small steps; returns `false` if the hub shut down meanwhile.
    pub(crate) fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.is_shutting_down() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            thread::sleep((end - now).min(Duration::from_millis(10)));
        }
    }
}
