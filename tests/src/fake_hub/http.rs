//! Minimal HTTP/1.1 framing: reading one request (Content-Length or chunked body) and
//! writing a response with Content-Length. Never panics on malformed input.

use std::io::{self, BufRead, Read, Write};

/// Largest accepted request head (request line + headers).
const MAX_HEAD: usize = 64 * 1024;
/// Largest accepted request body.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// The path part of the request target, exactly as sent (not decoded).
    pub path: String,
    /// The query string without `?` (empty when absent).
    pub query: String,
    /// `true` for HTTP/1.0.
    pub http10: bool,
    /// Header names lowercased, values trimmed, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// First value of header `name` (lowercase).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The request target as sent: path plus `?query` when there is one.
    pub(crate) fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// Whether the client asked for (or implied) closing after this exchange.
    pub(crate) fn wants_close(&self) -> bool {
        let conn = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |t: &str| conn.split(',').any(|x| x.trim() == t);
        if self.http10 {
            !has("keep-alive")
        } else {
            has("close")
        }
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed the connection before sending a byte (normal keep-alive end).
    Closed,
    /// A socket error, or EOF in the middle of a request.
    Io,
    /// A malformed request; answer `status` and close. `head` is what was parsed.
    Bad {
        status: u16,
        message: String,
        head: Option<(String, String)>,
    },
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
}

fn bad(status: u16, message: impl Into<String>, head: Option<(String, String)>) -> ReadError {
    ReadError::Bad {
        status,
        message: message.into(),
        head,
    }
}

/// Reads one line (up to and including `\n`), spending at most `budget` bytes.
/// Returns `None` on EOF before any byte; the line has its CRLF/LF removed.
fn read_line<R: BufRead>(r: &mut R, budget: &mut usize) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX);
    let n = r.by_ref().take(limit).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    *budget = budget.saturating_sub(n);
    if line.last() != Some(&b'\n') {
        if *budget == 0 {
            return Err(bad(431, "request header too large", None));
        }
        return Err(ReadError::Io);
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// Reads one request. `out` receives a `100 Continue` when the client expects one.
pub(crate) fn read_request<R: BufRead, W: Write>(
    r: &mut R,
    out: &mut W,
) -> Result<Request, ReadError> {
    let mut budget = MAX_HEAD;
    // Skip empty lines before the request line (RFC 9112 §2.2).
    let line = loop {
        match read_line(r, &mut budget)? {
            None if budget == MAX_HEAD => return Err(ReadError::Closed),
            None => return Err(ReadError::Io),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let line = String::from_utf8_lossy(&line).into_owned();
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts.as_slice() else {
        return Err(bad(400, "malformed request line", None));
    };
    let head = Some((method.to_string(), target.to_string()));
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(bad(400, "malformed method", head));
    }
    let http10 = match *version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(bad(400, "unsupported HTTP version", head)),
    };
    let Some((path, query)) = split_target(target) else {
        return Err(bad(400, "malformed request target", head));
    };

    let mut headers = Vec::new();
    loop {
        let Some(l) = read_line(r, &mut budget)? else {
            return Err(ReadError::Io);
        };
        if l.is_empty() {
            break;
        }
        if l[0] == b' ' || l[0] == b'\t' {
            return Err(bad(400, "obsolete header folding", head));
        }
        let l = String::from_utf8_lossy(&l);
        let Some((name, value)) = l.split_once(':') else {
            return Err(bad(400, "header line without ':'", head));
        };
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(bad(400, "malformed header name", head));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }

    let mut req = Request {
        method: method.to_string(),
        path,
        query,
        http10,
        headers,
        body: Vec::new(),
    };
    let expects_continue = req
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let framing = body_framing(&req).map_err(|(s, m)| bad(s, m, head.clone()))?;
    if expects_continue && !matches!(framing, Framing::Length(0)) {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        out.flush()?;
    }
    req.body = match framing {
        Framing::Length(n) => {
            let mut body = vec![0; n];
            r.read_exact(&mut body)?;
            body
        }
        Framing::Chunked => read_chunked(r).map_err(|e| match e {
            ReadError::Bad {
                status, message, ..
            } => bad(status, message, head.clone()),
            other => other,
        })?,
    };
    Ok(req)
}

/// Splits an origin-form (or absolute-form) target into raw path and query.
fn split_target(target: &str) -> Option<(String, String)> {
    let rest = if let Some(after) = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        match after.find('/') {
            Some(i) => &after[i..],
            None => "/",
        }
    } else {
        target
    };
    if !rest.starts_with('/') || rest.bytes().any(|b| b.is_ascii_control()) {
        return None;
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.split('#').next().unwrap_or(path);
    Some((path.to_string(), query.to_string()))
}

enum Framing {
    Length(usize),
    Chunked,
}

fn body_framing(req: &Request) -> Result<Framing, (u16, &'static str)> {
    if let Some(te) = req.header("transfer-encoding") {
        let last = te.rsplit(',').next().unwrap_or("").trim();
        return if last.eq_ignore_ascii_case("chunked") {
            Ok(Framing::Chunked)
        } else {
            Err((400, "unsupported transfer-encoding"))
        };
    }
    let mut length: Option<usize> = None;
    for (k, v) in &req.headers {
        if k != "content-length" {
            continue;
        }
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err((400, "malformed content-length"));
        }
        let n: usize = v.parse().map_err(|_| (413, "content too large"))?;
        if length.is_some_and(|l| l != n) {
            return Err((400, "conflicting content-length"));
        }
        length = Some(n);
    }
    let n = length.unwrap_or(0);
    if n > MAX_BODY {
        return Err((413, "content too large"));
    }
    Ok(Framing::Length(n))
}

fn read_chunked<R: BufRead>(r: &mut R) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let mut budget = 4096;
        let Some(line) = read_line(r, &mut budget)? else {
            return Err(ReadError::Io);
        };
        let line = String::from_utf8_lossy(&line);
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| bad(400, "malformed chunk size", None))?;
        if size == 0 {
            // Trailer section: skip fields until the empty line.
            let mut budget = MAX_HEAD;
            loop {
                match read_line(r, &mut budget)? {
                    None => return Err(ReadError::Io),
                    Some(l) if l.is_empty() => return Ok(body),
                    Some(_) => {}
                }
            }
        }
        if body.len().saturating_add(size) > MAX_BODY {
            return Err(bad(413, "content too large", None));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        let mut crlf_budget = 2;
        match read_line(r, &mut crlf_budget) {
            Ok(Some(l)) if l.is_empty() => {}
            Ok(_) | Err(ReadError::Bad { .. }) => {
                return Err(bad(400, "chunk not followed by CRLF", None));
            }
            Err(e) => return Err(e),
        }
    }
}

/// A complete response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    /// Extra headers (Content-Type included); Content-Length and Connection are added.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response, serialized compactly.
    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Response {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Response::typed(status, "application/json", body)
    }

    /// A response with the given content type.
    pub(crate) fn typed(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    /// FastAPI-style error: `{"detail": msg}`.
    pub(crate) fn detail(status: u16, msg: &str) -> Response {
        Response::json(status, &serde_json::json!({ "detail": msg }))
    }

    /// Go-style error as the commit routes send it: `{"error": msg}` plus a newline.
    pub(crate) fn error(status: u16, msg: &str) -> Response {
        let mut r = Response::json(status, &serde_json::json!({ "error": msg }));
        r.body.push(b'\n');
        r
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Writes the status line and headers, announcing `content_length` body bytes.
pub(crate) fn write_head<W: Write>(
    w: &mut W,
    status: u16,
    headers: &[(String, String)],
    content_length: usize,
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {content_length}\r\n"));
    head.push_str("Server: prompt-sync-fake-hub\r\n");
    head.push_str(if close {
        "Connection: close\r\n\r\n"
    } else {
        "Connection: keep-alive\r\n\r\n"
    });
    w.write_all(head.as_bytes())
}

/// Writes a whole response.
pub(crate) fn write_response<W: Write>(w: &mut W, resp: &Response, close: bool) -> io::Result<()> {
    write_head(w, resp.status, &resp.headers, resp.body.len(), close)?;
    w.write_all(&resp.body)?;
    w.flush()
}

/// The standard reason phrase for `status`.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Entity",
        425 => "Too Early",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Result<Request, ReadError> {
        let mut r = io::BufReader::new(raw);
        read_request(&mut r, &mut io::sink())
    }

    #[test]
    fn parses_content_length_and_query() {
        let req = parse(b"POST /a/b?x=1 HTTP/1.1\r\nContent-Length: 3\r\nX-Api-Key: k\r\n\r\nabc")
            .unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/a/b");
        assert_eq!(req.query, "x=1");
        assert_eq!(req.header("x-api-key"), Some("k"));
        assert_eq!(req.body, b"abc");
        assert!(!req.wants_close());
    }

    #[test]
    fn parses_chunked() {
        let req = parse(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext\r\nabc\r\n2\r\nde\r\n0\r\nX: y\r\n\r\n",
        )
        .unwrap();
        assert_eq!(req.body, b"abcde");
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for raw in [
            &b"GARBAGE\r\n\r\n"[..],
            b"GET / HTTP/9\r\n\r\n",
            b"GET nopath HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        ] {
            assert!(matches!(parse(raw), Err(ReadError::Bad { .. })), "{raw:?}");
        }
        assert!(matches!(parse(b""), Err(ReadError::Closed)));
        assert!(matches!(parse(b"GET / HTTP/1.1\r\n"), Err(ReadError::Io)));
    }
}
