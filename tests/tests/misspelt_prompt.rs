//! A misspelt prompt name (`prompt!("order_mial")`) is not a sync problem: the build
//! step says that no such prompt exists, on the hub or in the cache, and names the
//! closest prompts of the config, the cache and the hub's list, instead of sending
//! the user to `prompt-sync sync order_mial` or to "build with network access".

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use prompt_sync_build::{BuildError, Builder, Env};
use prompt_sync_tests::fake_hub::{FakeHub, Options};
use prompt_sync_tests::reliability;
use prompt_sync_tests::throwaway::text_manifest;

const KEY: &str = "lsv2_pt_misspelt_0123456789abcdef";

fn env(endpoint: &str, offline: bool) -> Env {
    let mut vars = BTreeMap::from([
        ("LANGSMITH_API_KEY".to_owned(), KEY.to_owned()),
        ("LANGSMITH_ENDPOINT".to_owned(), endpoint.to_owned()),
        ("PROMPT_SYNC_TIMEOUT".to_owned(), "5".to_owned()),
        ("PROMPT_SYNC_REFRESH".to_owned(), "1".to_owned()),
    ]);
    if offline {
        vars.insert("PROMPT_SYNC_OFFLINE".to_owned(), "1".to_owned());
    }
    Env::from_map(vars)
}

/// The build step's error (and its directives) for the package in `dir`.
fn build_error(dir: &Path, env: &Env) -> String {
    match Builder::new().package_dir(dir).run_with(env) {
        Ok(r) => panic!("the build succeeded: {}", r.directives),
        Err((e @ BuildError::Prompts { .. }, d)) => format!("{e}\n{d}"),
        Err((e, _)) => panic!("not a prompt error: {e}"),
    }
}

fn uses(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        format!("fn main() {{\n    println!(\"{{}}\", prompt_sync::prompt!(\"{name}\").content());\n}}\n"),
    )
    .unwrap();
}

#[test]
fn a_prompt_the_hub_does_not_have_is_named_with_the_closest_names() {
    let hub = FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    });
    hub.put_prompt("order_mail", text_manifest("Your order {id}\n", &["id"]));
    hub.put_prompt("weekly_report", text_manifest("Week\n", &[]));
    let pkg = reliability::package("prompts = [\"order_mail\"]").unwrap();
    // A first build caches `order_mail`.
    Builder::new()
        .package_dir(pkg.path())
        .run_with(&env(&hub.url(), false))
        .unwrap_or_else(|(e, d)| panic!("{e}\n{d}"));

    // A typo of a configured (and cached) prompt.
    uses(pkg.path(), "order_mial");
    let err = build_error(pkg.path(), &env(&hub.url(), false));
    assert!(
        err.contains("no prompt `order_mial` exists: the hub answered \"not found\" for it, and it is not in the cache (searched `prompts/langsmith_cache`)"),
        "{err}"
    );
    assert!(err.contains("did you mean `order_mail`?"), "{err}");
    assert!(
        err.contains(
            "fix: did you mean `order_mail`? Then correct the name in `prompt!(\"order_mial\")`"
        ),
        "{err}"
    );
    assert!(!err.contains("prompt-sync sync order_mial"), "{err}");
    assert!(!err.contains("network access"), "{err}");
    // One message for it: no "could not sync" warning as well.
    assert!(!err.contains("could not sync `order_mial`"), "{err}");

    // A typo of a prompt only the hub's list has.
    uses(pkg.path(), "weekly_reprot");
    let err = build_error(pkg.path(), &env(&hub.url(), false));
    assert!(err.contains("no prompt `weekly_reprot` exists"), "{err}");
    assert!(err.contains("did you mean `weekly_report`?"), "{err}");

    // Offline the hub was not asked: the cache's message stays, with the closest
    // names of the config and the cache.
    uses(pkg.path(), "order_mial");
    let err = build_error(pkg.path(), &env(&hub.url(), true));
    assert!(
        err.contains("prompt `order_mial` is not in the cache"),
        "{err}"
    );
    assert!(err.contains("did you mean `order_mail`?"), "{err}");
    assert!(!err.contains("exists: the hub"), "{err}");
}
