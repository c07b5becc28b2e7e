//! Request routing (langsmith-api.md §1-§4, §10): path normalisation, query
//! parsing, the API-key/workspace checks and dispatch to [`super::endpoints`].
//!
//! Every route is served at `/` and under `/api/v1`, with or without one trailing
//! slash. Repo routes answer errors FastAPI-style (`{"detail": …}`), commit routes
//! Go-style (`{"error": …}` plus a newline), as the recordings and real bodies show.

use serde_json::{Value, json};

use super::Inner;
use super::endpoints::{
    create_commit, create_repo, create_tag, like, list_commits, list_repos, update_repo,
};
use super::http::{Request, Response};
use super::state::Store;

/// Splits a raw request path into decoded route segments: strips an `/api/v1`
/// prefix and one trailing slash. `None` when percent-decoding fails.
pub(crate) fn segments(raw: &str) -> Option<Vec<String>> {
    let mut p = raw;
    if let Some(rest) = p.strip_prefix("/api/v1")
        && (rest.is_empty() || rest.starts_with('/'))
    {
        p = rest;
    }
    let p = p.strip_suffix('/').unwrap_or(p);
    let p = p.strip_prefix('/').unwrap_or(p);
    if p.is_empty() {
        return Some(Vec::new());
    }
    p.split('/').map(|s| percent_decode(s, false)).collect()
}

/// The logical path used for fault matching: `/` + decoded segments.
pub(crate) fn logical_path(raw: &str) -> String {
    match segments(raw) {
        Some(s) => format!("/{}", s.join("/")),
        None => raw.to_string(),
    }
}

/// Percent-decodes `s` (and `+` as space in query strings); `None` on bad escapes
/// or invalid UTF-8.
fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Parsed query string.
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(q: &str) -> Query {
        let pairs = q
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                let dec = |x: &str| percent_decode(x, true).unwrap_or_else(|| x.to_string());
                (dec(k), dec(v))
            })
            .collect();
        Query(pairs)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A boolean parameter (`true`/`false`, any case, or `1`/`0`).
    pub(crate) fn flag(&self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(other) => Err(format!("{key}: invalid boolean {other:?}")),
        }
    }

    /// `limit` in 1..=100 (default 20) and `offset` ≥ 0 (default 0).
    pub(crate) fn page(&self) -> Result<(usize, usize), String> {
        let limit = match self.get("limit") {
            None => 20,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => return Err(format!("limit must be an integer in 1..=100, got {v:?}")),
            },
        };
        let offset = match self.get("offset") {
            None => 0,
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| format!("offset must be a non-negative integer, got {v:?}"))?,
        };
        Ok((limit, offset))
    }
}

/// Answers one request against the hub state.
pub(crate) fn handle(inner: &mut Inner, req: &Request) -> Response {
    let Some(segs) = segments(&req.path) else {
        return Response::detail(400, "malformed percent-encoding in path");
    };
    if let Some(denied) = check_auth(inner, req) {
        return denied;
    }
    let q = Query::parse(&req.query);
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = req.method.as_str();
    let store = &mut inner.store;
    match (m, s.as_slice()) {
        ("GET", ["settings"]) => Response::json(200, &store.settings_json()),
        ("GET", ["repos"]) => list_repos(store, &q),
        ("POST", ["repos"]) => create_repo(store, req),
        ("GET", ["repos", o, r]) => with_repo(store, o, r, |st, i| {
            Response::json(200, &json!({ "repo": st.repo_json(&st.repos[i], false) }))
        }),
        ("PATCH", ["repos", o, r]) => with_repo(store, o, r, |st, i| update_repo(st, i, req)),
        ("DELETE", ["repos", o, r]) => with_repo(store, o, r, |st, i| {
            st.repos.remove(i);
            Response::json(200, &json!({}))
        }),
        ("GET", ["repos", o, r, "tags"]) => with_repo(store, o, r, |st, i| {
            let repo = &st.repos[i];
            let tags: Vec<Value> = repo
                .commit_tags
                .iter()
                .map(|t| Store::tag_json(repo, t))
                .collect();
            Response::json(200, &Value::Array(tags))
        }),
        ("POST", ["repos", o, r, "tags"]) => with_repo(store, o, r, |st, i| create_tag(st, i, req)),
        ("GET", ["repos", o, r, "tags", t]) => with_repo(store, o, r, |st, i| {
            let repo = &st.repos[i];
            match repo.commit_tags.iter().find(|x| x.name == *t) {
                Some(tag) => Response::json(200, &Store::tag_json(repo, tag)),
                None => Response::detail(404, "Tag not found"),
            }
        }),
        ("DELETE", ["repos", o, r, "tags", t]) => with_repo(store, o, r, |st, i| {
            let tags = &mut st.repos[i].commit_tags;
            match tags.iter().position(|x| x.name == *t) {
                Some(k) => {
                    tags.remove(k);
                    Response::json(200, &json!({}))
                }
                None => Response::detail(404, "Tag not found"),
            }
        }),
        ("GET", ["commits", o, r]) => {
            with_commit_repo(store, o, r, |st, i| list_commits(st, i, &q))
        }
        ("POST", ["commits", o, r]) => {
            with_commit_repo(store, o, r, |st, i| create_commit(st, i, req))
        }
        ("GET", ["commits", o, r, rf]) => with_commit_repo(store, o, r, |st, i| {
            let repo = &mut st.repos[i];
            let Some(c) = repo.resolve(rf).cloned() else {
                return Response::error(404, "commit not found");
            };
            repo.num_downloads += 1;
            let body = json!({ "commit_hash": c.hash, "manifest": c.manifest, "examples": [] });
            Response::json(200, &body)
        }),
        ("POST", ["likes", o, r]) => with_repo(store, o, r, |st, i| like(st, i, req)),
        (
            _,
            ["settings"]
            | ["repos"]
            | ["repos", _, _]
            | ["repos", _, _, "tags"]
            | ["repos", _, _, "tags", _]
            | ["commits", _, _]
            | ["commits", _, _, _]
            | ["likes", _, _],
        ) => Response::detail(405, "Method Not Allowed"),
        _ => Response::detail(404, "Not Found"),
    }
}

/// 401 for a missing/wrong key, 403 for a missing workspace when one is required.
fn check_auth(inner: &Inner, req: &Request) -> Option<Response> {
    if let Some(key) = &inner.config.api_key {
        let bearer = req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "));
        let given = req.header("x-api-key").or(bearer);
        if given != Some(key.as_str()) {
            return Some(Response::detail(401, "Invalid token"));
        }
    }
    if inner.config.workspace_id_required && req.header("x-tenant-id").is_none_or(str::is_empty) {
        return Some(Response::error(403, "org_scoped_key_requires_workspace"));
    }
    None
}

/// Runs `f` on the repo `owner/handle` of this workspace, or answers 404 (detail).
fn with_repo(
    store: &mut Store,
    owner: &str,
    handle: &str,
    f: impl FnOnce(&mut Store, usize) -> Response,
) -> Response {
    match store.is_own(owner).then(|| store.index(handle)).flatten() {
        Some(i) => f(store, i),
        None => Response::detail(404, "Repo not found"),
    }
}

/// Like [`with_repo`] but with the commit routes' 404 body.
fn with_commit_repo(
    store: &mut Store,
    owner: &str,
    handle: &str,
    f: impl FnOnce(&mut Store, usize) -> Response,
) -> Response {
    match store.is_own(owner).then(|| store.index(handle)).flatten() {
        Some(i) => f(store, i),
        None => Response::error(404, "repository not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_normalisation() {
        let s = |p: &str| segments(p).unwrap();
        assert_eq!(s("/api/v1/commits/-/x/"), ["commits", "-", "x"]);
        assert_eq!(s("/commits/-/x"), ["commits", "-", "x"]);
        assert_eq!(s("/api/v1"), Vec::<String>::new());
        assert_eq!(s("/api/v10/x"), ["api", "v10", "x"]);
        assert_eq!(s("/repos/a%20b"), ["repos", "a b"]);
        assert!(segments("/repos/%zz").is_none());
        assert_eq!(logical_path("/api/v1/repos/"), "/repos");
    }
}
