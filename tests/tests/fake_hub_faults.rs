//! Fault injection, latency, the request log, keep-alive and path normalisation of
//! the fake hub. Timing checks are generous lower bounds only.

#![allow(clippy::unwrap_used)]

mod fake_hub_support;

use std::time::{Duration, Instant};

use fake_hub_support::{Conn, prompt_manifest, request};
use prompt_sync_tests::fake_hub::{FakeHub, Fault, FaultKind, Options, RouteMatch};
use serde_json::json;

fn hub_with_prompt() -> FakeHub {
    let hub = FakeHub::start();
    hub.put_prompt("joke", prompt_manifest("tell a joke about {topic}"));
    hub
}

#[test]
fn status_fault_sends_json_error_then_expires() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::once("GET /commits/", FaultKind::Status(503)));
    let mut c = Conn::open(&hub.url());
    let r = c.get("/commits/-/joke/latest");
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json(), json!({"detail": "Service Unavailable"}));
    // `times` spent: the same connection now gets the real answer.
    let r = c.get("/commits/-/joke/latest");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["examples"], json!([]));
}

#[test]
fn retry_after_header() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::once(
        "GET /commits/-/joke/latest",
        FaultKind::StatusWithRetryAfter(429, 7),
    ));
    let r = request(&hub.url(), "GET", "/commits/-/joke/latest", None);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.json(), json!({"detail": "Too Many Requests"}));
}

#[test]
fn times_limit_always_and_clear() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::times("GET /settings", 2, FaultKind::Status(500)));
    let mut c = Conn::open(&hub.url());
    let got: Vec<u16> = (0..3).map(|_| c.get("/settings").status).collect();
    assert_eq!(got, [500, 500, 200]);

    hub.add_fault(Fault::always("GET /settings", FaultKind::Status(502)));
    let got: Vec<u16> = (0..3).map(|_| c.get("/settings").status).collect();
    assert_eq!(got, [502, 502, 502]);
    // Other methods and routes are unaffected.
    assert_eq!(c.get("/repos").status, 200);
    hub.clear_faults();
    assert_eq!(c.get("/settings").status, 200);

    // Method-specific: a POST rule leaves GETs alone.
    hub.add_fault(Fault::always("POST /commits/", FaultKind::Status(500)));
    assert_eq!(c.get("/commits/-/joke").status, 200);
    let r = c.post_json(
        "/commits/-/joke",
        &json!({"manifest": prompt_manifest("v2")}),
    );
    assert_eq!(r.status, 500);
}

#[test]
fn drop_connection_closes_without_response_and_changes_nothing() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::once("POST /commits/", FaultKind::DropConnection));
    let mut c = Conn::open(&hub.url());
    let body = serde_json::to_vec(&json!({"manifest": prompt_manifest("v2")})).unwrap();
    let err = c.send("POST", "/commits/-/joke", &[], Some(&body));
    assert!(err.is_err(), "expected EOF/reset, got {err:?}");
    assert_eq!(hub.commits("joke").len(), 1, "preempted: nothing stored");
    // The request was still recorded, and a new connection works.
    assert_eq!(hub.request_count(), 1);
    let r = request(
        &hub.url(),
        "POST",
        "/commits/-/joke",
        Some(&json!({"manifest": prompt_manifest("v2")})),
    );
    assert_eq!(r.status, 201);
}

#[test]
fn drop_after_handling_loses_the_response_of_a_stored_commit() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::once("POST /commits/", FaultKind::DropAfterHandling));
    let body = json!({"manifest": prompt_manifest("v2")});
    let mut c = Conn::open(&hub.url());
    let bytes = serde_json::to_vec(&body).unwrap();
    assert!(
        c.send("POST", "/commits/-/joke", &[], Some(&bytes))
            .is_err()
    );
    assert_eq!(hub.commits("joke").len(), 2, "the commit was stored");
    // A naive retry now hits "Nothing to commit".
    let r = request(&hub.url(), "POST", "/commits/-/joke", Some(&body));
    assert_eq!(r.status, 409);
}

#[test]
fn reset_mid_body_sends_half_then_closes() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::once("GET /commits/", FaultKind::ResetMidBody));
    let mut c = Conn::open(&hub.url());
    c.write_raw(b"GET /commits/-/joke/latest HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (status, headers) = c.read_head().unwrap();
    assert_eq!(status, 200);
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert!(len > 20);
    let half = c.read_bytes(len / 2).unwrap();
    assert!(half.starts_with(b"{\"commit_hash\""));
    assert!(c.read_bytes(len - len / 2).is_err(), "rest never arrives");
}

#[test]
fn truncated_json_is_well_framed_but_unparseable() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::once("GET /commits/", FaultKind::TruncatedJson));
    let mut c = Conn::open(&hub.url());
    let r = c.get("/commits/-/joke/latest");
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with(b"{\"commit_hash\""));
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    // Framing was right, so the connection is still usable.
    let full = c.get("/commits/-/joke/latest");
    assert_eq!(full.status, 200);
    assert_eq!(r.body.len(), full.body.len() / 2);
}

#[test]
fn html_and_wrong_shape_bodies() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::once("GET /commits/", FaultKind::HtmlBody));
    hub.add_fault(Fault::once("GET /commits/", FaultKind::WrongShapeJson));
    let mut c = Conn::open(&hub.url());
    let html = c.get("/commits/-/joke/latest");
    assert_eq!(html.status, 200);
    assert!(
        html.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.text().starts_with("<!DOCTYPE html>"));
    let wrong = c.get("/commits/-/joke/latest");
    assert_eq!(wrong.status, 200);
    assert_eq!(wrong.header("content-type"), Some("application/json"));
    let v = wrong.json();
    assert!(v.get("commit_hash").is_none() && v.get("manifest").is_none());
}

#[test]
fn oversized_body_has_exact_length() {
    let hub = hub_with_prompt();
    let n = 3 * 1024 * 1024 + 7;
    hub.add_fault(Fault::once("GET /settings", FaultKind::Oversized(n)));
    hub.add_fault(Fault::once("GET /settings", FaultKind::Oversized(5)));
    let mut c = Conn::open(&hub.url());
    let r = c.get("/settings");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), n);
    assert_eq!(r.json()["padding"].as_str().unwrap().len(), n - 14);
    let tiny = c.get("/settings");
    assert_eq!(tiny.body, b"     ");
}

#[test]
fn slow_loris_dribbles_the_body() {
    let hub = hub_with_prompt();
    let every = Duration::from_millis(150);
    hub.add_fault(Fault::once("GET /settings", FaultKind::SlowLoris(every)));
    let mut c = Conn::open(&hub.url());
    c.write_raw(b"GET /settings HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (status, _) = c.read_head().unwrap();
    assert_eq!(status, 200);
    let start = Instant::now();
    let first = c.read_bytes(4).unwrap();
    assert_eq!(first, b"{\"id");
    // Four bytes need at least three intervals after the first byte.
    assert!(start.elapsed() >= every * 2, "{:?}", start.elapsed());
    // Dropping the connection mid-body must not wedge the hub.
    drop(c);
    assert_eq!(request(&hub.url(), "GET", "/settings", None).status, 200);
}

#[test]
fn redirect_points_to_other_origin_with_same_path() {
    let hub = hub_with_prompt();
    let other = FakeHub::start();
    other.put_prompt("joke", prompt_manifest("elsewhere"));
    hub.add_fault(Fault::always(
        "GET /commits/",
        FaultKind::RedirectTo(other.url()),
    ));
    let r = request(
        &hub.url(),
        "GET",
        "/api/v1/commits/-/joke/latest?include_model=true",
        None,
    );
    assert_eq!(r.status, 302);
    let loc = r.header("location").unwrap().to_string();
    assert_eq!(
        loc,
        format!(
            "{}/api/v1/commits/-/joke/latest?include_model=true",
            other.url()
        )
    );
    let target = loc.strip_prefix(&other.url()).unwrap();
    let followed = request(&other.url(), "GET", target, None);
    assert_eq!(followed.status, 200);
    assert_eq!(
        followed.json()["manifest"]["kwargs"]["template"],
        "elsewhere"
    );
    assert_eq!(other.request_count(), 1);
}

#[test]
fn delay_fault_and_latency_are_lower_bounds() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::once(
        "GET /settings",
        FaultKind::Delay(Duration::from_millis(200)),
    ));
    let mut c = Conn::open(&hub.url());
    let t = Instant::now();
    assert_eq!(c.get("/settings").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));

    hub.set_latency(Duration::from_millis(150));
    let t = Instant::now();
    assert_eq!(c.get("/repos").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    hub.set_latency(Duration::ZERO);

    let slow = FakeHub::start_with(Options {
        latency: Duration::from_millis(120),
        ..Options::default()
    });
    let t = Instant::now();
    assert_eq!(request(&slow.url(), "GET", "/settings", None).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(120));
}

#[test]
fn request_log_records_everything() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::once("GET /settings", FaultKind::Status(500)));
    let mut c = Conn::open(&hub.url());
    let before = std::time::SystemTime::now();
    assert_eq!(c.get("/settings").status, 500);
    let body = br#"{"like": true}"#;
    let r = c
        .send(
            "POST",
            "/api/v1/likes/-/joke/?x=1&y=two",
            &[("X-Api-Key", "k1"), ("Content-Type", "application/json")],
            Some(body),
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"likes": 1}));

    let log = hub.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(hub.request_count(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/settings");
    let p = &log[1];
    assert_eq!(p.method, "POST");
    assert_eq!(p.path, "/api/v1/likes/-/joke/");
    assert_eq!(p.logical_path(), "/likes/-/joke");
    assert_eq!(p.query, "x=1&y=two");
    assert!(p.headers.iter().any(|(k, v)| k == "x-api-key" && v == "k1"));
    assert!(p.headers.iter().all(|(k, _)| *k == k.to_ascii_lowercase()));
    assert_eq!(p.header("Content-Type"), Some("application/json"));
    assert_eq!(p.body, body);
    assert_eq!(p.json(), Some(json!({"like": true})));
    assert!(p.time >= before && p.time >= log[0].time);

    hub.clear_requests();
    assert_eq!(hub.request_count(), 0);
    assert!(hub.requests().is_empty());

    // Malformed requests are answered 400 and recorded too.
    let mut bad = Conn::open(&hub.url());
    bad.write_raw(b"BROKEN\r\n\r\n").unwrap();
    assert_eq!(bad.read_response().unwrap().status, 400);
    assert_eq!(hub.request_count(), 1);
}

#[test]
fn keep_alive_and_connection_close() {
    let hub = hub_with_prompt();
    let mut c = Conn::open(&hub.url());
    let a = c.get("/settings");
    let b = c.get("/commits/-/joke/latest");
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.header("connection"), Some("keep-alive"));
    // Pipelined: two requests written at once, two answers in order.
    c.write_raw(b"GET /settings HTTP/1.1\r\nHost: x\r\n\r\nGET /repos HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert!(
        c.read_response()
            .unwrap()
            .json()
            .get("tenant_handle")
            .is_some()
    );
    assert!(c.read_response().unwrap().json().get("repos").is_some());
    assert_eq!(hub.request_count(), 4);

    let r = c
        .send("GET", "/settings", &[("Connection", "close")], None)
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.is_closed());

    // HTTP/1.0 closes by default.
    let mut old = Conn::open(&hub.url());
    old.write_raw(b"GET /settings HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(old.read_response().unwrap().status, 200);
    assert!(old.is_closed());
}

#[test]
fn both_prefixes_and_trailing_slashes() {
    let hub = FakeHub::start_with(Options {
        tenant_handle: Some("me".into()),
        ..Options::default()
    });
    let hash = hub.put_prompt("joke", prompt_manifest("t"));
    let mut c = Conn::open(&hub.url());
    for prefix in ["", "/api/v1"] {
        for slash in ["", "/"] {
            for path in [
                "/settings",
                "/repos",
                "/repos/-/joke",
                "/repos/me/joke",
                "/commits/-/joke",
                "/commits/me/joke/latest",
            ] {
                let r = c.get(&format!("{prefix}{path}{slash}"));
                assert_eq!(r.status, 200, "{prefix}{path}{slash}: {}", r.text());
            }
            let r = c.get(&format!("{prefix}/commits/-/joke/{hash}{slash}"));
            assert_eq!(r.json()["commit_hash"], hash.as_str());
        }
    }
    assert_eq!(c.get("/api/v2/settings").status, 404);
    // Faults match the logical path, whatever prefix or slash was sent.
    hub.add_fault(Fault::always(
        RouteMatch::exact("GET", "/commits/-/joke"),
        FaultKind::Status(418),
    ));
    assert_eq!(c.get("/api/v1/commits/-/joke/").status, 418);
    assert_eq!(c.get("/commits/-/joke").status, 418);
    assert_eq!(c.get("/commits/-/joke/latest").status, 200);
}

#[test]
fn chunked_request_bodies_and_expect_continue() {
    let hub = hub_with_prompt();
    let body = serde_json::to_string(&json!({"manifest": prompt_manifest("chunky")})).unwrap();
    let (a, b) = body.split_at(body.len() / 2);
    let raw = format!(
        "POST /commits/-/joke HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
         Content-Type: application/json\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    let mut c = Conn::open(&hub.url());
    c.write_raw(raw.as_bytes()).unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        hub.commits("joke").last().unwrap().1["kwargs"]["template"],
        "chunky"
    );
    assert_eq!(hub.requests().last().unwrap().body, body.as_bytes());

    // Expect: 100-continue gets an interim response before the body is sent.
    let body = br#"{"like": true}"#;
    c.write_raw(
        format!(
            "POST /likes/-/joke HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(c.read_head().unwrap().0, 100);
    c.write_raw(body).unwrap();
    assert_eq!(c.read_response().unwrap().json(), json!({"likes": 1}));
}

#[test]
fn malformed_requests_get_400_and_the_hub_survives() {
    let hub = hub_with_prompt();
    let cases: &[&[u8]] = &[
        b"NONSENSE\r\n\r\n",
        b"GET /settings HTTP/3.0\r\n\r\n",
        b"GET settings HTTP/1.1\r\n\r\n",
        b"GET /settings HTTP/1.1\r\nBadHeader\r\n\r\n",
        b"POST /repos HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"POST /repos HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nnothex\r\n",
        b"\xff\xfe\xfd /x HTTP/1.1\r\n\r\n",
    ];
    for raw in cases {
        let mut c = Conn::open(&hub.url());
        c.write_raw(raw).unwrap();
        let r = c.read_response().unwrap();
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(raw));
        assert!(r.json().get("detail").is_some());
    }
    // Well-framed but invalid bodies and paths.
    let mut c = Conn::open(&hub.url());
    let r = c.send("POST", "/repos", &[], Some(b"{not json")).unwrap();
    assert_eq!(r.status, 422);
    let r = c
        .send("POST", "/commits/-/joke", &[], Some(b"[1,2]"))
        .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(c.get("/repos/-/%zz").status, 400);
    assert_eq!(c.get("/no/such/route").status, 404);
    assert_eq!(c.send("PUT", "/settings", &[], None).unwrap().status, 405);
    // Half a request then EOF: the hub just closes that connection.
    let mut half = Conn::open(&hub.url());
    half.write_raw(b"POST /repos HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    half.stream().shutdown(std::net::Shutdown::Write).unwrap();
    assert!(half.is_closed());
    assert_eq!(request(&hub.url(), "GET", "/settings", None).status, 200);
}

#[test]
fn drop_does_not_hang_on_idle_or_busy_connections() {
    let hub = hub_with_prompt();
    hub.add_fault(Fault::always(
        "GET /settings",
        FaultKind::SlowLoris(Duration::from_secs(1)),
    ));
    hub.add_fault(Fault::always(
        "GET /repos",
        FaultKind::Delay(Duration::from_secs(30)),
    ));
    let mut idle = Conn::open(&hub.url());
    assert_eq!(idle.get("/commits/-/joke").status, 200);
    let mut slow = Conn::open(&hub.url());
    slow.write_raw(b"GET /settings HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut delayed = Conn::open(&hub.url());
    delayed
        .write_raw(b"GET /repos HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    drop(hub);
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(idle.is_closed());
}
