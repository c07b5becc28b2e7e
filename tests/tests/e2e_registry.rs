//! A package built from a registry (or a git checkout, or `cargo package`'s
//! verification) is never synced: built with a key and a hub that has newer prompts,
//! nothing in it changes and the hub is not asked. The same package built from a plain
//! path is synced, so the test can tell the two apart.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use prompt_sync_tests::fake_hub::{FakeHub, Options};
use prompt_sync_tests::throwaway::{Crate, pull_into, text_manifest};
use prompt_sync_tests::workspace;

const KEY: &str = "lsv2_pt_registry_0123456789abcdef_secret";

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// A library crate `name` in `dir` whose build script syncs `greet` and which embeds
/// it, with its cache pulled from `hub` as it was published. `unpacked`: it carries
/// what cargo leaves in a package it unpacked from a registry (`.cargo-ok`,
/// `Cargo.toml.orig`).
fn dependency(dir: &Path, name: &str, hub: &FakeHub, unpacked: bool) {
    let root = workspace::root();
    fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[dependencies]
prompt-sync = {{ path = {runtime:?} }}

[build-dependencies]
prompt-sync-build = {{ path = {build:?} }}

[package.metadata.prompt-sync]
prompts = ["greet"]
"#,
        runtime = root.join("prompt-sync").display().to_string(),
        build = root.join("prompt-sync-build").display().to_string(),
    );
    fs::write(dir.join("Cargo.toml"), &manifest).unwrap();
    fs::write(
        dir.join("build.rs"),
        "fn main() {\n    prompt_sync_build::sync();\n}\n",
    )
    .unwrap();
    fs::write(
        dir.join("src/lib.rs"),
        "//! A published library.\n\n/// Its prompt.\npub const GREET: prompt_sync::Prompt = prompt_sync::prompt!(\"greet\");\n",
    )
    .unwrap();
    let published = text_manifest("Hello, published.\n", &[]);
    let commit = hub.put_prompt("greet", published.clone());
    pull_into(
        &dir.join("prompts/langsmith_cache"),
        "greet",
        &commit,
        &published,
    )
    .unwrap();
    if unpacked {
        fs::write(dir.join(".cargo-ok"), "{\"v\":1}").unwrap();
        fs::write(dir.join("Cargo.toml.orig"), &manifest).unwrap();
    }
}

fn app_using(dep_dir: &Path, dep: &str) -> Crate {
    let app = Crate::new(
        &format!("{dep}_app"),
        "prompts = []",
        &format!("fn main() {{\n    print!(\"{{}}\", {dep}::GREET.content());\n}}\n"),
    )
    .unwrap();
    let manifest = app.path().join("Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap().replace(
        "[build-dependencies]",
        &format!(
            "{dep} = {{ path = {:?} }}\n\n[build-dependencies]",
            dep_dir.display().to_string()
        ),
    );
    fs::write(&manifest, text).unwrap();
    app
}

fn build_online(app: &Crate, hub: &FakeHub) -> (bool, String) {
    let url = hub.url();
    let out = app
        .build(&[
            ("LANGSMITH_API_KEY", KEY),
            ("LANGSMITH_ENDPOINT", url.as_str()),
            ("PROMPT_SYNC_REFRESH", "1"),
        ])
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn printed(app: &Crate) -> String {
    String::from_utf8(app.run(&[]).unwrap().stdout).unwrap()
}

#[test]
fn a_package_built_from_a_registry_is_never_synced_or_written() {
    let hub = FakeHub::start_with(Options {
        api_key: Some(KEY.to_owned()),
        ..Options::default()
    });
    let deps = tempfile::tempdir().unwrap();

    // Unpacked as from a registry: nothing changes, the hub is not asked.
    let unpacked = deps.path().join("registry_lib");
    dependency(&unpacked, "registry_lib", &hub, true);
    hub.put_prompt("greet", text_manifest("Hello, newer.\n", &[]));
    let before = snapshot(&unpacked);
    hub.clear_requests();
    let app = app_using(&unpacked, "registry_lib");
    let (ok, err) = build_online(&app, &hub);
    assert!(ok, "{err}");
    assert_eq!(printed(&app), "Hello, published.\n");
    assert_eq!(
        snapshot(&unpacked),
        before,
        "a registry package's files changed"
    );
    assert!(
        hub.requests().is_empty(),
        "the hub was asked: {:?}",
        hub.requests()
            .iter()
            .map(|r| r.logical_path())
            .collect::<Vec<_>>()
    );
    assert!(!err.contains(KEY));

    // The same package from a plain path directory is the user's own: it is synced.
    let local = deps.path().join("local_lib");
    dependency(&local, "local_lib", &hub, false);
    hub.put_prompt("greet", text_manifest("Hello, newest.\n", &[]));
    let app = app_using(&local, "local_lib");
    let (ok, err) = build_online(&app, &hub);
    assert!(ok, "{err}");
    assert_eq!(printed(&app), "Hello, newest.\n");
}
