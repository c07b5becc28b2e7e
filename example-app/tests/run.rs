//! The example app prints the prompts embedded from its committed cache.

#![allow(clippy::unwrap_used)]

use std::process::Command;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_example-app"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn lists_every_prompt() {
    let out = run(&[]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    for name in [
        "summarizer",
        "support_assistant",
        "greeter",
        "tweet-generator-example",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
}

#[test]
fn prints_the_cached_text_exactly() {
    let cached = include_str!("../prompts/langsmith_cache/support_assistant.txt");
    let out = run(&["support_assistant"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let content = stdout.split("--- content ---\n").nth(1).unwrap();
    assert_eq!(
        content.trim_end_matches('\n'),
        cached.trim_end_matches('\n')
    );
    assert!(stdout.contains("[placeholder] {history}"));
    let meta = include_str!("../prompts/langsmith_cache/metadata/support_assistant.json");
    let sha = stdout
        .lines()
        .find_map(|l| l.strip_prefix("sha256:"))
        .unwrap()
        .trim();
    assert!(meta.contains(&format!("\"local_content_hash\": \"{sha}\"")));
}

#[test]
fn unknown_names_are_a_clear_error() {
    let out = run(&["nope"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no prompt named `nope`"), "{stderr}");
    assert!(stderr.contains("summarizer"), "{stderr}");
}

#[test]
fn renders_every_prompt_with_sample_values() {
    let out = run(&["--render"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains(
        "== summarizer\nSummarize the following text: Rust is a general-purpose language"
    ));
    assert!(stdout.contains(
        "== support_assistant\n[system] You are a helpful assistant named Ada.\n\
         [human] Hi, my order #42 has not arrived.\n\
         [ai] Sorry to hear that! Let me look into it.\n\
         [human] Where is my order now?\n"
    ));
    assert!(
        stdout.contains("== greeter\n[system] Hi Tom &amp; Jerry\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[human] compile-time checked prompts"),
        "{stdout}"
    );
}
