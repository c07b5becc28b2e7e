//! The endpoint handlers behind [`super::routes`]: repos, commits, tags and likes.

use serde_json::{Map, Value, json};

use super::http::{Request, Response};
use super::routes::Query;
use super::state::{Commit, Repo, Store, TagError};

/// The body as a JSON object, or an error message.
fn json_object(req: &Request) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("request body must be a JSON object".into()),
        Err(e) => Err(format!("invalid JSON body: {e}")),
    }
}

fn opt_string(m: &Map<String, Value>, key: &str) -> Result<Option<Option<String>>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

fn opt_bool(m: &Map<String, Value>, key: &str) -> Result<Option<bool>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("{key} must be a boolean")),
    }
}

fn opt_strings(m: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| format!("{key} must be a list of strings")),
        Some(_) => Err(format!("{key} must be a list of strings")),
    }
}

pub(crate) fn list_repos(store: &Store, q: &Query) -> Response {
    let parsed = (|| -> Result<_, String> {
        let (limit, offset) = q.page()?;
        let is_public = q.flag("is_public")?;
        let archived = q.get("is_archived").unwrap_or("false").to_ascii_lowercase();
        if !matches!(archived.as_str(), "true" | "false" | "allow") {
            return Err("is_archived must be true, false or allow".into());
        }
        let sort_field = q.get("sort_field").unwrap_or("updated_at");
        if !matches!(
            sort_field,
            "updated_at" | "num_likes" | "num_downloads" | "num_views" | "relevance"
        ) {
            return Err(format!("unsupported sort_field {sort_field:?}"));
        }
        let asc = match q.get("sort_direction").unwrap_or("desc") {
            "asc" => true,
            "desc" => false,
            other => return Err(format!("unsupported sort_direction {other:?}")),
        };
        Ok((limit, offset, is_public, archived, sort_field, asc))
    })();
    let (limit, offset, is_public, archived, sort_field, asc) = match parsed {
        Ok(p) => p,
        Err(msg) => return Response::detail(422, &msg),
    };
    let with_manifest = q.flag("with_latest_manifest").ok().flatten() == Some(true);
    let has_commits = q.flag("has_commits").ok().flatten();
    let needle = q.get("query").map(str::to_lowercase);
    let wanted_tags = q.all("tags");
    let foreign = q.get("tenant_handle").is_some_and(|h| !store.is_own(h));
    let mut hits: Vec<&Repo> = store
        .repos
        .iter()
        .filter(|_| !foreign)
        .filter(|r| is_public.is_none_or(|p| r.is_public == p))
        .filter(|r| match archived.as_str() {
            "true" => r.is_archived,
            "false" => !r.is_archived,
            _ => true,
        })
        .filter(|r| has_commits.is_none_or(|h| h != r.commits.is_empty()))
        .filter(|r| wanted_tags.iter().all(|t| r.tags.iter().any(|x| x == t)))
        .filter(|r| {
            needle.as_ref().is_none_or(|n| {
                r.handle.to_lowercase().contains(n)
                    || r.description
                        .as_ref()
                        .is_some_and(|d| d.to_lowercase().contains(n))
            })
        })
        .collect();
    hits.sort_by_key(|r| match sort_field {
        "num_likes" => (r.num_likes, r.touched),
        "num_downloads" => (r.num_downloads, r.touched),
        "num_views" => (r.num_views, r.touched),
        _ => (r.touched, 0),
    });
    if !asc {
        hits.reverse();
    }
    let total = hits.len();
    let page: Vec<Value> = hits
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|r| store.repo_json(r, with_manifest))
        .collect();
    Response::json(200, &json!({ "repos": page, "total": total }))
}

pub(crate) fn create_repo(store: &mut Store, req: &Request) -> Response {
    let body = match json_object(req) {
        Ok(b) => b,
        Err(msg) => return Response::detail(422, &msg),
    };
    let handle = match body.get("repo_handle") {
        Some(Value::String(h)) if !h.is_empty() && !h.contains('/') => h.clone(),
        _ => return Response::detail(422, "repo_handle must be a non-empty string"),
    };
    let fields = (|| -> Result<_, String> {
        Ok((
            opt_string(&body, "description")?,
            opt_string(&body, "readme")?,
            opt_strings(&body, "tags")?,
            opt_bool(&body, "is_public")?,
        ))
    })();
    let (description, readme, tags, is_public) = match fields {
        Ok(f) => f,
        Err(msg) => return Response::detail(422, &msg),
    };
    if store.index(&handle).is_some() {
        return Response::detail(409, "Repo already exists");
    }
    let i = store.create_repo(&handle);
    let repo = &mut store.repos[i];
    repo.description = description.flatten();
    repo.readme = readme.flatten();
    repo.tags = tags.unwrap_or_default();
    repo.is_public = is_public.unwrap_or(false);
    Response::json(
        200,
        &json!({ "repo": store.repo_json(&store.repos[i], false) }),
    )
}

pub(crate) fn update_repo(store: &mut Store, i: usize, req: &Request) -> Response {
    let body = match json_object(req) {
        Ok(b) => b,
        Err(msg) => return Response::detail(422, &msg),
    };
    let fields = (|| -> Result<_, String> {
        Ok((
            opt_string(&body, "description")?,
            opt_string(&body, "readme")?,
            opt_strings(&body, "tags")?,
            opt_bool(&body, "is_public")?,
            opt_bool(&body, "is_archived")?,
        ))
    })();
    let (description, readme, tags, is_public, is_archived) = match fields {
        Ok(f) => f,
        Err(msg) => return Response::detail(422, &msg),
    };
    let repo = &mut store.repos[i];
    if let Some(d) = description {
        repo.description = d;
    }
    if let Some(r) = readme {
        repo.readme = r;
    }
    if let Some(t) = tags {
        repo.tags = t;
    }
    if let Some(p) = is_public {
        repo.is_public = p;
    }
    if let Some(a) = is_archived {
        repo.is_archived = a;
    }
    store.touch(i);
    Response::json(
        200,
        &json!({ "repo": store.repo_json(&store.repos[i], false) }),
    )
}

pub(crate) fn list_commits(store: &Store, i: usize, q: &Query) -> Response {
    let (limit, offset) = match q.page() {
        Ok(p) => p,
        Err(msg) => return Response::error(400, &msg),
    };
    let repo = &store.repos[i];
    let tag = q.get("tag");
    let hits: Vec<&Commit> = repo
        .commits
        .iter()
        .rev()
        .filter(|c| tag.is_none_or(|t| repo.tags_of(&c.id).iter().any(|x| x == t)))
        .collect();
    let total = hits.len();
    let page: Vec<Value> = hits
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|c| Store::commit_json(repo, c))
        .collect();
    Response::json(200, &json!({ "commits": page, "total": total }))
}

/// Classes the fake accepts as the last element of a manifest's `id`.
const SUPPORTED: &[&str] = &[
    "PromptTemplate",
    "ChatPromptTemplate",
    "StructuredPrompt",
    "FewShotPromptTemplate",
    "FewShotChatMessagePromptTemplate",
    "RunnableSequence",
    "PromptPlayground",
];

/// The real server's manifest checks (messages from real-server-error-bodies.json).
fn validate_manifest(manifest: &Value) -> Result<(), String> {
    let missing = || "Manifest must have an id field".to_string();
    let id = match manifest.get("id") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => return Err(missing()),
    };
    let Some(last) = id.last().and_then(Value::as_str) else {
        return Err(missing());
    };
    if SUPPORTED.contains(&last) || last.ends_with("PromptTemplate") {
        Ok(())
    } else {
        Err(format!("Manifest type {last} is not supported"))
    }
}

pub(crate) fn create_commit(store: &mut Store, i: usize, req: &Request) -> Response {
    let body = match json_object(req) {
        Ok(b) => b,
        Err(msg) => return Response::error(400, &msg),
    };
    let manifest = match body.get("manifest") {
        Some(m @ Value::Object(_)) => m.clone(),
        _ => return Response::error(400, "Manifest must have an id field"),
    };
    if let Err(msg) = validate_manifest(&manifest) {
        return Response::error(400, &msg);
    }
    let description = match body.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) if d.chars().count() <= 1000 => Some(d.clone()),
        Some(_) => {
            return Response::error(
                400,
                "description must be a string of at most 1000 characters",
            );
        }
    };
    if store.repos[i]
        .latest()
        .is_some_and(|c| c.manifest == manifest)
    {
        return Response::error(
            409,
            "Nothing to commit: prompt has not changed since latest commit",
        );
    }
    match store.append_commit(i, manifest, description) {
        Some(c) => Response::json(
            201,
            &json!({ "commit": Store::commit_json(&store.repos[i], &c) }),
        ),
        None => Response::error(404, "repository not found"),
    }
}

pub(crate) fn create_tag(store: &mut Store, i: usize, req: &Request) -> Response {
    let body = match json_object(req) {
        Ok(b) => b,
        Err(msg) => return Response::detail(422, &msg),
    };
    let (Some(tag), Some(commit)) = (
        body.get("tag_name").and_then(Value::as_str),
        body.get("commit_id").and_then(Value::as_str),
    ) else {
        return Response::detail(422, "tag_name and commit_id must be strings");
    };
    if tag.is_empty() {
        return Response::detail(422, "tag_name must not be empty");
    }
    match store.set_tag(i, tag, commit, false) {
        Ok(t) => Response::json(200, &Store::tag_json(&store.repos[i], &t)),
        Err(TagError::NoCommit) => Response::detail(404, "Commit not found"),
        Err(TagError::Conflict) => {
            Response::detail(409, &format!("Tag {tag} already exists on another commit"))
        }
    }
}

pub(crate) fn like(store: &mut Store, i: usize, req: &Request) -> Response {
    let body = match json_object(req) {
        Ok(b) => b,
        Err(msg) => return Response::detail(422, &msg),
    };
    let want = match opt_bool(&body, "like") {
        Ok(b) => b.unwrap_or(true),
        Err(msg) => return Response::detail(422, &msg),
    };
    let repo = &mut store.repos[i];
    if want != repo.liked {
        repo.liked = want;
        repo.num_likes = if want {
            repo.num_likes + 1
        } else {
            repo.num_likes.saturating_sub(1)
        };
    }
    Response::json(200, &json!({ "likes": repo.num_likes }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_checks() {
        assert!(validate_manifest(&json!({"hi": "hello"})).is_err());
        assert_eq!(
            validate_manifest(&json!({"id": ["hi"]})).unwrap_err(),
            "Manifest type hi is not supported"
        );
        assert!(
            validate_manifest(
                &json!({"id": ["langchain", "prompts", "chat", "ChatPromptTemplate"]})
            )
            .is_ok()
        );
    }
}
