//! A hostile hub's prompt list (issue 17, item 3): handles far longer than any prompt
//! name, a `total` of a billion and pages without end. The build step's sync reads a
//! bounded number of pages, skips (and counts) the invalid handles, pulls the prompts
//! the list never showed directly, and finishes. Request counts are asserted, not
//! times or memory: what bounds memory is that nothing invalid is kept and the pages
//! read are few.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use prompt_sync_build::{Builder, Env};
use prompt_sync_tests::fake_hub::{FakeHub, Fault, FaultKind, Options};
use prompt_sync_tests::reliability;
use prompt_sync_tests::throwaway::text_manifest;

const KEY: &str = "lsv2_pt_hostile_list_key";

fn env(endpoint: &str) -> Env {
    Env::from_map(BTreeMap::from([
        ("LANGSMITH_API_KEY".to_owned(), KEY.to_owned()),
        ("LANGSMITH_ENDPOINT".to_owned(), endpoint.to_owned()),
        ("PROMPT_SYNC_REFRESH".to_owned(), "1".to_owned()),
        // Generous: the test is about what is read, not how fast.
        ("PROMPT_SYNC_TIMEOUT".to_owned(), "60".to_owned()),
    ]))
}

#[test]
fn a_build_against_an_endless_list_of_huge_handles_reads_a_bounded_number_of_pages() {
    let hub = FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    });
    hub.put_prompt("alpha", text_manifest("alpha v1 {topic}\n", &["topic"]));
    hub.put_prompt("beta", text_manifest("beta v1 {topic}\n", &["topic"]));
    let pkg = reliability::package("prompts = [\"alpha\", \"beta\"]").unwrap();
    Builder::new()
        .package_dir(pkg.path())
        .run_with(&env(&hub.url()))
        .unwrap_or_else(|(e, d)| panic!("{e}\n{d}"));
    hub.put_prompt("alpha", text_manifest("alpha v2 {topic}\n", &["topic"]));

    // 90 KB handles (a prompt name has at most 100 bytes), 100 a page, at every
    // offset, announcing a billion.
    hub.add_fault(Fault::always(
        "GET /repos",
        FaultKind::HostileRepoList {
            handle_len: 90_000,
            total: 1_000_000_000,
        },
    ));
    hub.clear_requests();
    let report = Builder::new()
        .package_dir(pkg.path())
        .run_with(&env(&hub.url()))
        .unwrap_or_else(|(e, d)| panic!("{e}\n{d}"));

    let requests: Vec<String> = hub
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.logical_path()))
        .collect();
    let listed = requests.iter().filter(|r| *r == "GET /repos").count();
    // Two prompts needed: the minimum budget of 10 pages, not the 10 million the
    // total announces (nor the 1,000-page cap of a whole listing).
    assert_eq!(listed, 10, "{requests:?}");
    // The list never showed them, so both were pulled directly; nothing else.
    assert_eq!(requests.len(), 12, "{requests:?}");
    assert!(
        requests.contains(&"GET /commits/-/alpha/latest".to_owned()),
        "{requests:?}"
    );
    assert!(
        requests.contains(&"GET /commits/-/beta/latest".to_owned()),
        "{requests:?}"
    );

    let warnings: Vec<&String> = report
        .directives
        .lines()
        .iter()
        .filter(|l| l.contains("warning"))
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains(
            "the hub's prompt list had 1000 entries whose name is no valid prompt name (skipped)"
        )),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().all(|w| w.len() < 1_000),
        "a handle was printed"
    );
    let text =
        std::fs::read_to_string(pkg.path().join("prompts/langsmith_cache/alpha.txt")).unwrap();
    assert_eq!(text, "alpha v2 {topic}\n");
}
