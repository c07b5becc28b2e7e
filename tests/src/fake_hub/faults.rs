//! Injectable faults: which requests they hit and what goes wrong.

use std::time::Duration;

/// Which requests a [`Fault`] applies to: an optional method and a path pattern.
///
/// The pattern is matched against the *logical* path: without the `/api/v1` prefix,
/// without a trailing slash, percent-decoded (e.g. `/commits/-/joke/latest`). A pattern
/// containing `*` is a glob over the whole path (`*` matches any run of characters,
/// `/` included); a pattern without `*` matches every path that starts with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    method: Option<String>,
    pattern: String,
}

impl RouteMatch {
    /// Parses `"METHOD PATTERN"` or just `"PATTERN"` (any method); the method `*`
    /// also means any method. Examples: `"GET /commits/"`, `"* /repos/*/tags"`,
    /// `"POST /commits/-/joke"`, `"/settings"`.
    pub fn new(spec: &str) -> RouteMatch {
        let spec = spec.trim();
        let (method, pattern) = match spec.split_once(char::is_whitespace) {
            Some((m, p)) if !m.starts_with('/') => (m, p.trim()),
            _ => ("*", spec),
        };
        RouteMatch {
            method: (method != "*").then(|| method.to_ascii_uppercase()),
            pattern: pattern.to_string(),
        }
    }

    /// Matches every request.
    pub fn any() -> RouteMatch {
        RouteMatch {
            method: None,
            pattern: String::new(),
        }
    }

    /// Matches exactly one method and logical path (no prefix or glob semantics).
    pub fn exact(method: &str, path: &str) -> RouteMatch {
        RouteMatch {
            method: Some(method.to_ascii_uppercase()),
            pattern: format!("={path}"),
        }
    }

    /// Whether a request with `method` and logical `path` is matched.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if self
            .method
            .as_deref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return false;
        }
        if let Some(exact) = self.pattern.strip_prefix('=') {
            return exact == path;
        }
        if self.pattern.contains('*') {
            glob(self.pattern.as_bytes(), path.as_bytes())
        } else {
            path.starts_with(&self.pattern)
        }
    }
}

impl From<&str> for RouteMatch {
    fn from(spec: &str) -> Self {
        RouteMatch::new(spec)
    }
}

/// `*`-only glob match over bytes (iterative, linear backtracking).
fn glob(pat: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pat.len() && pat[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pat.len() && pat[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&b| b == b'*')
}

/// What goes wrong when a fault fires.
///
/// Kinds marked *preempting* answer instead of the real handler, so the request has
/// no effect on the hub's state. The others run the real handler (state changes
/// apply) and then mangle or slow down delivery of its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// *Preempting.* This status with a JSON body `{"detail": "<reason phrase>"}`.
    Status(u16),
    /// *Preempting.* Like `Status` plus a `Retry-After: <secs>` header.
    StatusWithRetryAfter(u16, u64),
    /// *Preempting.* Close the connection without sending a byte.
    DropConnection,
    /// Run the handler (e.g. the commit is stored), then close without a response:
    /// a lost response to a request that succeeded.
    DropAfterHandling,
    /// Send the real status and headers (full Content-Length) and half of the body,
    /// then close the connection.
    ResetMidBody,
    /// Send the real status with the first half of the body as a complete, correctly
    /// framed response (Content-Length matches), so the JSON is cut off.
    TruncatedJson,
    /// *Preempting.* 200 with a `text/html` error page.
    HtmlBody,
    /// *Preempting.* 200 with valid JSON of the wrong shape.
    WrongShapeJson,
    /// *Preempting.* 200 `application/json` with a body of exactly this many bytes
    /// (valid JSON `{"padding":"xxx…"}` when at least 14 bytes), streamed.
    Oversized(usize),
    /// Send the real status and headers at once, then the body one byte per interval
    /// (the classic slow-loris uses one second).
    SlowLoris(Duration),
    /// *Preempting.* `302 Found` with `Location: <origin><path>?<query>`: the given
    /// origin (e.g. another listener's `http://127.0.0.1:PORT`) plus the request's
    /// own path and query.
    RedirectTo(String),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// *Preempting.* A hostile prompt list (for `GET /repos`): a full page (the
    /// request's `limit`) at every offset, without end, of distinct handles of
    /// `handle_len` bytes (no valid prompt names when above 100), announcing `total`.
    HostileRepoList {
        /// The length of each handle.
        handle_len: usize,
        /// The `total` each page announces.
        total: u64,
    },
}

/// A fault rule: requests matching `route` get `kind`, `times` times (or always).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Which requests are hit.
    pub route: RouteMatch,
    /// How many matching requests are hit; `None` means every one.
    pub times: Option<usize>,
    /// What happens.
    pub kind: FaultKind,
}

impl Fault {
    /// A fault hitting every matching request.
    pub fn always(route: impl Into<RouteMatch>, kind: FaultKind) -> Fault {
        Fault {
            route: route.into(),
            times: None,
            kind,
        }
    }

    /// A fault hitting the next `n` matching requests.
    pub fn times(route: impl Into<RouteMatch>, n: usize, kind: FaultKind) -> Fault {
        Fault {
            route: route.into(),
            times: Some(n),
            kind,
        }
    }

    /// A fault hitting the next matching request only.
    pub fn once(route: impl Into<RouteMatch>, kind: FaultKind) -> Fault {
        Fault::times(route, 1, kind)
    }
}

/// Active faults, first added first tried.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    entries: Vec<Fault>,
}

impl FaultTable {
    /// Adds a rule (ignored when `times` is `Some(0)`).
    pub(crate) fn add(&mut self, f: Fault) {
        if f.times != Some(0) {
            self.entries.push(f);
        }
    }

    /// Removes all rules.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// The fault for this request, if any, spending one use of it.
    pub(crate) fn take(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let i = self
            .entries
            .iter()
            .position(|f| f.route.matches(method, path))?;
        let entry = &mut self.entries[i];
        let kind = entry.kind.clone();
        if let Some(n) = entry.times.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.entries.remove(i);
            }
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_matching() {
        let r = RouteMatch::new("GET /commits/");
        assert!(r.matches("GET", "/commits/-/x"));
        assert!(r.matches("get", "/commits/-/x/latest"));
        assert!(!r.matches("POST", "/commits/-/x"));
        assert!(!r.matches("GET", "/repos"));
        let g = RouteMatch::new("* /repos/*/tags");
        assert!(g.matches("POST", "/repos/-/x/tags"));
        assert!(!g.matches("POST", "/repos/-/x/tags/prod"));
        assert!(RouteMatch::new("/settings").matches("PATCH", "/settings"));
        assert!(RouteMatch::any().matches("DELETE", "/anything"));
        let e = RouteMatch::exact("GET", "/repos");
        assert!(e.matches("GET", "/repos"));
        assert!(!e.matches("GET", "/repos/-/x"));
        assert!(glob(b"*a*b", b"xxaxxb"));
        assert!(!glob(b"*a*b", b"xxaxx"));
    }

    #[test]
    fn times_are_spent() {
        let mut t = FaultTable::default();
        t.add(Fault::times("GET /x", 2, FaultKind::Status(500)));
        t.add(Fault::times("GET /x", 0, FaultKind::Status(501)));
        assert_eq!(t.take("GET", "/x"), Some(FaultKind::Status(500)));
        assert_eq!(t.take("GET", "/x"), Some(FaultKind::Status(500)));
        assert_eq!(t.take("GET", "/x"), None);
    }
}
