//! The request counts behind the performance targets (issue 5), for 500 prompts on the
//! fake hub with no latency: deterministic, so they are asserted here (times are not;
//! the `bench` binary measures those).
//!
//! - cold sync: one pull per prompt (no listing: nothing cached can be known unchanged);
//! - warm sync (forced check, nothing changed): the listing only, `ceil(500 / 100)` pages;
//! - 10% changed: the listing plus one pull per changed prompt;
//! - offline build step: nothing.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use prompt_sync_build::{Builder, Env};
use prompt_sync_tests::bench::corpus;
use prompt_sync_tests::bench::package::Package;
use prompt_sync_tests::fake_hub::FakeHub;

const N: usize = 500;

fn online(hub: &FakeHub, pkg: &Package) -> Env {
    Env::from_map(BTreeMap::from([
        ("LANGSMITH_API_KEY".to_owned(), "k".to_owned()),
        ("LANGSMITH_ENDPOINT".to_owned(), hub.url()),
        ("PROMPT_SYNC_REFRESH".to_owned(), "1".to_owned()),
        ("OUT_DIR".to_owned(), pkg.out_dir().display().to_string()),
    ]))
}

/// Runs the build step and returns the requests it made (by logical path).
fn build(hub: &FakeHub, pkg: &Package, env: &Env) -> Vec<String> {
    hub.clear_requests();
    let report = Builder::new()
        .package_dir(pkg.path())
        .run_with(env)
        .unwrap_or_else(|(e, d)| panic!("{e}\n{d}"));
    assert_eq!(report.prompts.len(), N);
    let troubles: Vec<&String> = report
        .directives
        .lines()
        .iter()
        .filter(|l| l.contains("could not sync") || l.contains("cannot sync"))
        .collect();
    assert!(troubles.is_empty(), "{troubles:?}");
    hub.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.logical_path()))
        .collect()
}

#[test]
fn request_counts_of_a_500_prompt_sync() {
    let hub = FakeHub::start();
    let names = corpus::names(N);
    for (i, name) in names.iter().enumerate() {
        hub.put_prompt(name, corpus::manifest(i, 0));
    }
    let pkg = Package::create(&names).unwrap();
    let env = online(&hub, &pkg);

    let cold = build(&hub, &pkg, &env);
    assert_eq!(cold.len(), N, "cold: one pull per prompt");
    assert!(
        cold.iter().all(|r| r.starts_with("GET /commits/-/")),
        "{cold:?}"
    );

    let warm = build(&hub, &pkg, &env);
    assert!(warm.len() <= 6, "warm: {warm:?}");
    assert_eq!(warm, vec!["GET /repos"; N.div_ceil(100)]);

    for i in (0..N).step_by(10) {
        hub.put_prompt(&names[i], corpus::manifest(i, 1));
    }
    let changed = build(&hub, &pkg, &env);
    assert!(
        changed.len() <= 56,
        "10% changed: {} requests",
        changed.len()
    );
    assert_eq!(changed.len(), N.div_ceil(100) + N / 10);
    let pulled = changed
        .iter()
        .filter(|r| r.starts_with("GET /commits/"))
        .count();
    assert_eq!(pulled, N / 10);

    // The changed prompts are in the cache now, and nothing else was touched.
    let again = build(&hub, &pkg, &env);
    assert_eq!(again.len(), N.div_ceil(100));

    let offline = Env::from_map(BTreeMap::from([(
        "PROMPT_SYNC_OFFLINE".to_owned(),
        "1".to_owned(),
    )]));
    assert!(build(&hub, &pkg, &offline).is_empty());
}
