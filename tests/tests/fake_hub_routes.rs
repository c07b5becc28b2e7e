//! Endpoint semantics of the fake hub: owners, refs, paging, conflicts, validation,
//! tags, auth, and the state helpers tests use.

#![allow(clippy::unwrap_used)]

mod fake_hub_support;

use fake_hub_support::{Conn, prompt_manifest};
use prompt_sync_tests::fake_hub::{FakeHub, Options};
use serde_json::{Value, json};

fn hub() -> FakeHub {
    FakeHub::start_with(Options {
        tenant_handle: Some("me".into()),
        ..Options::default()
    })
}

#[test]
fn owner_dash_and_handle_are_the_same_workspace() {
    let hub = hub();
    hub.put_prompt("p", prompt_manifest("a"));
    let mut c = Conn::open(&hub.url());
    let a = c.get("/repos/-/p").json();
    let b = c.get("/repos/me/p").json();
    assert_eq!(a, b);
    assert_eq!(a["repo"]["owner"], "me");
    assert_eq!(a["repo"]["full_name"], "me/p");
    let r = c.get("/repos/someone-else/p");
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"detail": "Repo not found"}))
    );
    let r = c.get("/commits/someone-else/p/latest");
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), "{\"error\":\"repository not found\"}\n");
    assert_eq!(c.get("/settings").json()["tenant_handle"], "me");

    // Without a handle: settings say null, repos have owner null.
    let anon = FakeHub::start();
    anon.put_prompt("p", prompt_manifest("a"));
    let mut c = Conn::open(&anon.url());
    assert_eq!(c.get("/settings").json()["tenant_handle"], Value::Null);
    assert_eq!(c.get("/repos/-/p").json()["repo"]["owner"], Value::Null);
}

#[test]
fn repo_has_every_field_the_python_sdk_requires() {
    let hub = hub();
    let h = hub.put_prompt("p", prompt_manifest("a"));
    hub.tag("p", "prod", &h);
    let mut c = Conn::open(&hub.url());
    let repo = c.get("/repos").json()["repos"][0].clone();
    for k in [
        "repo_handle",
        "id",
        "tenant_id",
        "created_at",
        "updated_at",
        "is_public",
        "is_archived",
        "tags",
        "owner",
        "full_name",
        "num_likes",
        "num_downloads",
        "num_views",
        "num_commits",
        "repo_type",
        "last_commit_hash",
        "commit_tags",
    ] {
        assert!(repo.get(k).is_some(), "missing {k}");
    }
    assert_eq!(repo["last_commit_hash"], h.as_str());
    assert_eq!(repo["commit_tags"], json!(["prod"]));
    assert_eq!(repo["num_commits"], 1);
    assert_eq!(repo["repo_type"], "prompt");
    let with = c.get("/repos?with_latest_manifest=true").json();
    assert_eq!(
        with["repos"][0]["latest_commit_manifest"]["commit_hash"],
        h.as_str()
    );
}

#[test]
fn pull_ref_resolution() {
    let hub = hub();
    let h1 = hub.put_prompt("p", prompt_manifest("one"));
    let h2 = hub.put_prompt("p", prompt_manifest("two"));
    hub.tag("p", "prod", &h1);
    hub.tag("p", "v1", &h1);
    // A tag that looks like a long hash prefix of h2 loses to the hash.
    hub.tag("p", &h2[..10], &h1);
    let mut c = Conn::open(&hub.url());
    let pull = |c: &mut Conn, r: &str| {
        let resp = c.get(&format!("/commits/-/p/{r}?include_model=true"));
        (resp.status, resp.json())
    };
    let tmpl = |v: &Value| v["manifest"]["kwargs"]["template"].clone();
    let (s, v) = pull(&mut c, "latest");
    assert_eq!((s, v["commit_hash"].as_str().unwrap()), (200, h2.as_str()));
    assert_eq!(tmpl(&v), "two");
    assert_eq!(v["examples"], json!([]));
    assert_eq!(tmpl(&pull(&mut c, "prod").1), "one");
    assert_eq!(tmpl(&pull(&mut c, "v1").1), "one");
    assert_eq!(tmpl(&pull(&mut c, &h1).1), "one");
    assert_eq!(tmpl(&pull(&mut c, &h1[..8]).1), "one");
    assert_eq!(tmpl(&pull(&mut c, &h2[..10]).1), "two");
    // Fewer than 8 characters: tags only.
    let (s, v) = pull(&mut c, &h1[..7]);
    assert_eq!(s, 404, "{v}");
    assert_eq!(v, json!({"error": "commit not found"}));
    assert_eq!(pull(&mut c, "nope").0, 404);
    assert_eq!(pull(&mut c, "ffffffffff").0, 404);
    // Empty repo: latest is 404.
    let r = c.post_json(
        "/repos",
        &json!({"repo_handle": "empty", "is_public": false}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(pull(&mut c, "latest").0, 200);
    assert_eq!(c.get("/commits/-/empty/latest").status, 404);
}

#[test]
fn list_repos_paging_sorting_and_filters() {
    let hub = hub();
    for i in 0..25 {
        hub.put_prompt(&format!("p{i:02}"), prompt_manifest("x"));
    }
    let mut c = Conn::open(&hub.url());
    let page = c.get("/repos").json();
    assert_eq!(page["total"], 25);
    let names: Vec<String> = page["repos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["repo_handle"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 20, "default limit 20");
    assert_eq!(names[0], "p24", "updated_at desc");
    let rest = c.get("/repos?limit=100&offset=20").json();
    assert_eq!(rest["repos"].as_array().unwrap().len(), 5);
    assert_eq!(rest["repos"][4]["repo_handle"], "p00");
    let asc = c.get("/repos?sort_direction=asc&limit=1").json();
    assert_eq!(asc["repos"][0]["repo_handle"], "p00");
    assert_eq!(c.get("/repos?limit=101").status, 422);
    assert_eq!(c.get("/repos?limit=0").status, 422);
    assert_eq!(c.get("/repos?offset=-1").status, 422);
    assert_eq!(c.get("/repos?sort_field=bogus").status, 422);

    // A new commit moves a repo to the front.
    hub.put_prompt("p03", prompt_manifest("y"));
    assert_eq!(
        c.get("/repos?limit=1").json()["repos"][0]["repo_handle"],
        "p03"
    );
    let q = c.get("/repos?query=P1&match_prefix=true").json();
    assert_eq!(q["total"], 10);
    let r = c.send(
        "PATCH",
        "/repos/-/p05",
        &[],
        Some(br#"{"is_public": true, "is_archived": true}"#),
    );
    assert_eq!(r.unwrap().status, 200);
    assert_eq!(c.get("/repos?is_public=true").json()["total"], 0);
    assert_eq!(
        c.get("/repos?is_public=true&is_archived=true").json()["total"],
        1
    );
    assert_eq!(c.get("/repos?is_archived=allow").json()["total"], 25);
    assert_eq!(c.get("/repos").json()["total"], 24);
    assert_eq!(c.get("/repos?tenant_handle=other").json()["total"], 0);
}

#[test]
fn repo_create_update_delete() {
    let hub = hub();
    let mut c = Conn::open(&hub.url());
    let body = json!({"repo_handle": "r", "description": "d", "readme": "", "tags": ["t1"], "is_public": false});
    let r = c.post_json("/repos/", &body);
    assert_eq!(r.status, 200);
    let repo = &r.json()["repo"];
    assert_eq!(repo["description"], "d");
    assert_eq!(repo["tags"], json!(["t1"]));
    assert_eq!(repo["num_commits"], 0);
    assert_eq!(repo["last_commit_hash"], Value::Null);
    assert!(hub.has_prompt("r"));
    let dup = c.post_json("/repos", &body);
    assert_eq!(dup.status, 409);
    assert!(dup.json().get("detail").is_some());
    assert_eq!(
        c.post_json("/repos", &json!({"is_public": true})).status,
        422
    );
    assert_eq!(
        c.post_json("/repos", &json!({"repo_handle": "x", "tags": "no"}))
            .status,
        422
    );

    let r = c
        .send(
            "PATCH",
            "/repos/-/r",
            &[],
            Some(br#"{"description": "new", "tags": []}"#),
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["repo"]["description"], "new");
    assert_eq!(r.json()["repo"]["tags"], json!([]));
    let r = c
        .send("PATCH", "/repos/-/missing", &[], Some(b"{}"))
        .unwrap();
    assert_eq!(r.status, 404);

    let r = c.send("DELETE", "/repos/-/r", &[], None).unwrap();
    assert_eq!((r.status, r.json()), (200, json!({})));
    assert_eq!(c.get("/repos/-/r").status, 404);
    assert_eq!(
        c.send("DELETE", "/repos/-/r", &[], None).unwrap().status,
        404
    );
    assert!(!hub.has_prompt("r"));
}

#[test]
fn commits_create_list_and_errors() {
    let hub = hub();
    let mut c = Conn::open(&hub.url());
    // Unknown repo.
    let r = c.post_json(
        "/commits/-/nope",
        &json!({"manifest": prompt_manifest("a")}),
    );
    assert_eq!(r.status, 404);
    c.post_json("/repos", &json!({"repo_handle": "p", "is_public": false}));
    // Validation, with the real server's messages.
    let r = c.post_json("/commits/-/p", &json!({"manifest": {"hi": "hello"}}));
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), "{\"error\":\"Manifest must have an id field\"}\n");
    let r = c.post_json("/commits/-/p", &json!({"manifest": {"id": ["hi"]}}));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"error": "Manifest type hi is not supported"})
    );
    assert_eq!(c.post_json("/commits/-/p", &json!({})).status, 400);

    let m1 = prompt_manifest("one");
    let r = c.post_json(
        "/commits/-/p/",
        &json!({"parent_commit": null, "manifest": m1, "description": "first"}),
    );
    assert_eq!(r.status, 201);
    let c1 = r.json()["commit"].clone();
    assert_eq!(c1["parent_commit_hash"], Value::Null);
    assert_eq!(c1["description"], "first");
    assert_eq!(c1["manifest"], m1);
    let h1 = c1["commit_hash"].as_str().unwrap().to_string();
    assert!(prompt_sync_core::hash::is_sha256_hex(&h1));

    // Same manifest with keys in another order: structurally equal → 409.
    let reordered: Value = serde_json::from_str(
        r#"{"name":"PromptTemplate","kwargs":{"template_format":"f-string","template":"one","input_variables":[]},"id":["langchain","prompts","prompt","PromptTemplate"],"type":"constructor","lc":1}"#,
    )
    .unwrap();
    let r = c.post_json(
        "/commits/-/p",
        &json!({"parent_commit": h1, "manifest": reordered}),
    );
    assert_eq!(r.status, 409);
    assert_eq!(
        r.text(),
        "{\"error\":\"Nothing to commit: prompt has not changed since latest commit\"}\n"
    );

    let r = c.post_json("/commits/-/p", &json!({"manifest": prompt_manifest("two")}));
    assert_eq!(r.status, 201);
    let c2 = r.json()["commit"].clone();
    assert_eq!(c2["parent_commit_hash"], h1.as_str());
    assert_eq!(c2["parent_id"], c1["id"]);
    // Going back to an older manifest is a change.
    assert_eq!(
        c.post_json("/commits/-/p", &json!({"manifest": m1})).status,
        201
    );

    let list = c.get("/commits/-/p?limit=1&offset=0").json();
    assert_eq!(list["total"], 3);
    assert_eq!(list["commits"].as_array().unwrap().len(), 1);
    assert_eq!(list["commits"][0]["manifest"], m1, "newest first");
    let list = c.get("/commits/-/p/?offset=1&include_model=False").json();
    assert_eq!(list["commits"][0]["commit_hash"], c2["commit_hash"]);
    assert_eq!(list["commits"][1]["commit_hash"], h1.as_str());
    assert_eq!(c.get("/commits/-/p?limit=101").status, 400);
    assert_eq!(c.get("/commits/-/p?limit=abc").status, 400);
    assert_eq!(hub.commits("p").len(), 3);
    assert_eq!(hub.commits("p")[1].2.as_deref(), Some(h1.as_str()));
}

#[test]
fn commit_tags() {
    let hub = hub();
    let h1 = hub.put_prompt("p", prompt_manifest("one"));
    let h2 = hub.put_prompt("p", prompt_manifest("two"));
    let mut c = Conn::open(&hub.url());
    let list = c.get("/commits/-/p").json();
    let id2 = list["commits"][0]["id"].as_str().unwrap().to_string();
    let id1 = list["commits"][1]["id"].as_str().unwrap().to_string();

    let r = c.post_json(
        "/repos/-/p/tags",
        &json!({"tag_name": "prod", "commit_id": id1}),
    );
    assert_eq!(r.status, 200);
    let t = r.json();
    assert_eq!(t["commit_hash"], h1.as_str());
    assert_eq!(t["commit_id"], id1.as_str());
    assert_eq!(t["tag_name"], "prod");
    for k in ["id", "created_at", "updated_at", "repo_id"] {
        assert!(t[k].is_string(), "{k}");
    }
    // Idempotent on the same commit, conflict on another.
    let again = c.post_json(
        "/repos/-/p/tags",
        &json!({"tag_name": "prod", "commit_id": id1}),
    );
    assert_eq!(again.status, 200);
    let clash = c.post_json(
        "/repos/-/p/tags",
        &json!({"tag_name": "prod", "commit_id": id2}),
    );
    assert_eq!(clash.status, 409);
    let missing = c.post_json(
        "/repos/-/p/tags",
        &json!({"tag_name": "x", "commit_id": "00000000-0000-4000-8000-000000000000"}),
    );
    assert_eq!(missing.status, 404);
    assert_eq!(
        c.post_json("/repos/-/p/tags", &json!({"tag_name": "x"}))
            .status,
        422
    );

    assert_eq!(hub.tags("p"), [("prod".to_string(), h1.clone())]);
    let filtered = c.get("/commits/-/p?tag=prod").json();
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["commits"][0]["commit_hash"], h1.as_str());
    assert_eq!(c.get("/repos/-/p/tags").json().as_array().unwrap().len(), 1);
    assert_eq!(
        c.get("/repos/-/p/tags/prod").json()["commit_id"],
        id1.as_str()
    );

    let r = c.send("DELETE", "/repos/-/p/tags/prod", &[], None).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(c.get("/commits/-/p/prod").status, 404);
    assert_eq!(
        c.send("DELETE", "/repos/-/p/tags/prod", &[], None)
            .unwrap()
            .status,
        404
    );
    // The state helper moves tags freely.
    hub.tag("p", "prod", &h2[..8]);
    assert_eq!(hub.tags("p"), [("prod".to_string(), h2)]);
}

#[test]
fn api_key_and_workspace_checks() {
    let hub = FakeHub::start_with(Options {
        api_key: Some("secret".into()),
        workspace_id_required: true,
        ..Options::default()
    });
    let mut c = Conn::open(&hub.url());
    let r = c.get("/settings");
    assert_eq!(
        (r.status, r.json()),
        (401, json!({"detail": "Invalid token"}))
    );
    let r = c
        .send("GET", "/settings", &[("x-api-key", "wrong")], None)
        .unwrap();
    assert_eq!(r.status, 401);
    let r = c
        .send("GET", "/settings", &[("X-API-KEY", "secret")], None)
        .unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"error": "org_scoped_key_requires_workspace"})
    );
    let ok = [("x-api-key", "secret"), ("X-Tenant-Id", "ws-1")];
    assert_eq!(c.send("GET", "/settings", &ok, None).unwrap().status, 200);
    let bearer = [("Authorization", "Bearer secret"), ("x-tenant-id", "ws-1")];
    assert_eq!(
        c.send("GET", "/settings", &bearer, None).unwrap().status,
        200
    );
    hub.set_workspace_id_required(false);
    hub.set_api_key(None);
    assert_eq!(c.get("/settings").status, 200);
}

#[test]
fn likes_toggle() {
    let hub = hub();
    hub.put_prompt("p", prompt_manifest("a"));
    let mut c = Conn::open(&hub.url());
    assert_eq!(
        c.post_json("/likes/-/p", &json!({"like": true})).json()["likes"],
        1
    );
    assert_eq!(
        c.post_json("/likes/-/p", &json!({"like": true})).json()["likes"],
        1
    );
    assert_eq!(
        c.get("/repos/-/p").json()["repo"]["liked_by_auth_user"],
        true
    );
    assert_eq!(
        c.post_json("/likes/-/p", &json!({"like": false})).json()["likes"],
        0
    );
    assert_eq!(
        c.post_json("/likes/-/nope", &json!({"like": true})).status,
        404
    );
}

#[test]
fn state_helpers() {
    let hub = FakeHub::start();
    assert_eq!(hub.latest_commit("p"), None);
    assert!(hub.commits("p").is_empty());
    let m = prompt_manifest("a");
    let h1 = hub.put_prompt("p", m.clone());
    let h2 = hub.put_prompt("p", m.clone());
    assert_ne!(h1, h2, "put_prompt always appends");
    assert_eq!(hub.latest_commit("p"), Some(h2.clone()));
    let commits = hub.commits("p");
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[0], (h1.clone(), m.clone(), None));
    assert_eq!(commits[1], (h2, m, Some(h1)));
    assert!(hub.url().starts_with("http://127.0.0.1:"));
    assert_eq!(hub.request_count(), 0, "helpers make no requests");
}
