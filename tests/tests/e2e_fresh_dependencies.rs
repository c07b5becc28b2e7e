//! A user's crate does not get the workspace's `Cargo.lock`: cargo resolves the newest
//! compatible dependencies. Built that way (a fresh `cargo generate-lockfile`), the
//! crate must compile without a single warning from our crates (a deprecation in a
//! newer dependency, say, which the workspace's lock file hides). Needs the crates.io
//! index; the build shares the end-to-end target directory, so only what the fresh
//! resolution changed is compiled.

#![allow(clippy::unwrap_used)]

use prompt_sync_tests::throwaway::{Crate, pull_into, text_manifest};
use prompt_sync_tests::workspace;

const MAIN: &str = r#"
const GREET: prompt_sync::Prompt = prompt_sync::prompt!("greet");

fn main() {
    println!("{}", GREET.sha256());
    println!("{}", prompt_sync::prompt!("greet", name = "Ada"));
}
"#;

/// The `warning:` blocks of cargo's output that come from our code: a path in the
/// workspace, one of our crates, or the throwaway crate itself (whose only code is
/// what our macro expands to).
fn our_warnings(stderr: &str, app: &str) -> Vec<String> {
    let root = workspace::root().display().to_string();
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in stderr.lines() {
        if line.starts_with("warning") {
            blocks.extend(current.take());
            current = Some(line.to_owned());
        } else if line.starts_with("error") || line.trim_start().starts_with("Compiling") {
            blocks.extend(current.take());
        } else if let Some(block) = current.as_mut() {
            block.push('\n');
            block.push_str(line);
        }
    }
    blocks.extend(current);
    blocks
        .into_iter()
        .filter(|b| {
            b.contains(&root)
                || b.contains(app)
                || [
                    "prompt-sync",
                    "prompt_sync",
                    "prompt-macros",
                    "prompt_macros",
                ]
                .iter()
                .any(|c| b.contains(c))
        })
        .collect()
}

#[test]
fn freshly_resolved_dependencies_give_no_warning_from_our_crates() {
    let name = "prompt_sync_e2e_fresh";
    let app = Crate::new(name, "prompts = [\"greet\"]", MAIN).unwrap();
    pull_into(
        &app.path().join("prompts/langsmith_cache"),
        "greet",
        "c0mmit1",
        &text_manifest("Hello, {name}!", &["name"]),
    )
    .unwrap();
    let lock = app.resolve_fresh().unwrap();
    assert!(
        lock.status.success(),
        "`cargo generate-lockfile` failed (this test needs the crates.io index): {}",
        String::from_utf8_lossy(&lock.stderr)
    );

    // Offline: the build script's own note about the missing key is not a warning of
    // the code.
    let out = app.build(&[("PROMPT_SYNC_OFFLINE", "1")]).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warnings = our_warnings(&stderr, name);
    assert!(
        warnings.is_empty(),
        "our crates warn with freshly resolved dependencies:\n{}",
        warnings.join("\n\n")
    );
    let run = app.run(&[]).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).lines().nth(1),
        Some("Hello, Ada!")
    );
}

#[test]
fn the_warning_filter_sees_a_deprecation_in_our_crates() {
    let root = workspace::root().display().to_string();
    let stderr = format!(
        "   Compiling rustls v0.23.48\n   Compiling prompt-sync-build v0.1.0 ({root}/prompt-sync-build)\nwarning: use of deprecated function `rustls::crypto::ring::default_provider`\n   --> {root}/prompt-sync-build/src/hub/client/http.rs:527:45\n    |\n\nwarning: `prompt-sync-build` (lib) generated 1 warning\nwarning: unused manifest key: package.foo\n"
    );
    let found = our_warnings(&stderr, "app");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("http.rs"), "{found:?}");
    assert!(our_warnings("   Compiling x v1.0.0\n", "app").is_empty());
}
