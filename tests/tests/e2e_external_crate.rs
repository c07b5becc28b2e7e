//! A crate outside the workspace that depends on prompt-sync by path, with its own
//! cache (in a custom `cache_dir`) and `build.rs`, builds and embeds its prompts;
//! changing a cached prompt rebuilds it; an unmarked edit fails the build with the fix.

#![allow(clippy::unwrap_used)]

use std::fs;

use prompt_sync_tests::throwaway::{Crate, pull_into, text_manifest};

const MAIN: &str = r#"
const WELCOME: prompt_sync::Prompt = prompt_sync::prompt!("welcome");
static FAREWELL: prompt_sync::Prompt = prompt_sync::prompt!("farewell");

fn main() {
    println!("{}|{}|{}", WELCOME.content(), WELCOME.sha256(), WELCOME.hub_commit().unwrap_or("-"));
    println!("{}|{}", FAREWELL.content(), FAREWELL.locally_modified());
}
"#;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn external_crate_builds_embeds_and_rebuilds_on_change() {
    let app = Crate::new(
        "prompt_sync_e2e_app",
        "prompts = [\"welcome\"]\ncache_dir = \"llm/cache\"",
        MAIN,
    )
    .unwrap();
    let cache = app.path().join("llm/cache");
    pull_into(
        &cache,
        "welcome",
        "c0mmit1",
        &text_manifest("Welcome, {user}!", &["user"]),
    )
    .unwrap();
    pull_into(&cache, "farewell", "c0mmit2", &text_manifest("Bye", &[])).unwrap();

    // No API key: builds from the cache with one warning naming the cause.
    let out = app.build(&[]).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no LANGSMITH_API_KEY set"),
        "{}",
        stderr(&out)
    );
    let run = app.run(&[]).unwrap();
    let text = stdout(&run);
    let first: Vec<&str> = text.lines().next().unwrap().split('|').collect();
    assert_eq!(first[0], "Welcome, {user}!");
    assert_eq!(
        first[1],
        prompt_sync_core::hash::sha256_hex(b"Welcome, {user}!")
    );
    assert_eq!(first[2], "c0mmit1");
    assert_eq!(text.lines().nth(1).unwrap(), "Bye|false");

    // A new version lands in the cache (as a sync would write it): the crate rebuilds.
    pull_into(
        &cache,
        "welcome",
        "c0mmit3",
        &text_manifest("Hello again, {user}.", &["user"]),
    )
    .unwrap();
    let out = app.build(&[("PROMPT_SYNC_OFFLINE", "1")]).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("warning"),
        "explicit offline is silent: {}",
        stderr(&out)
    );
    let line = stdout(&app.run(&[]).unwrap());
    assert!(line.starts_with("Hello again, {user}.|"), "{line}");
    assert!(line.contains("|c0mmit3"), "{line}");

    // An edit that was not marked fails the build, naming the fix; nothing is changed.
    let farewell = cache.join("farewell.txt");
    fs::write(&farewell, "Bye for now").unwrap();
    let meta_before = fs::read(cache.join("metadata/farewell.json")).unwrap();
    let out = app.build(&[("PROMPT_SYNC_OFFLINE", "1")]).unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("prompt-sync mark-edited farewell"), "{err}");
    assert!(err.contains("llm/cache/farewell.txt"), "{err}");
    assert_eq!(fs::read_to_string(&farewell).unwrap(), "Bye for now");
    assert_eq!(
        fs::read(cache.join("metadata/farewell.json")).unwrap(),
        meta_before
    );

    // Marking it (what `prompt-sync mark-edited farewell` does) makes it build, edited.
    let store = prompt_sync_core::store::Store::new(prompt_sync_core::CacheLayout::new(&cache));
    let lock = store.lock_exclusive(|_| {}).unwrap();
    store
        .mark_edited(
            &lock,
            &prompt_sync_core::PromptName::new("farewell").unwrap(),
        )
        .unwrap();
    drop(lock);
    let out = app.build(&[("PROMPT_SYNC_OFFLINE", "1")]).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("prompt-sync push farewell"),
        "{}",
        stderr(&out)
    );
    let run = stdout(&app.run(&[]).unwrap());
    assert_eq!(run.lines().nth(1).unwrap(), "Bye for now|true");
}

#[test]
fn a_prompt_used_in_code_but_not_cached_fails_the_build_with_the_fix() {
    let app = Crate::new(
        "prompt_sync_e2e_missing",
        "prompts = []",
        "fn main() {\n    println!(\"{}\", prompt_sync::prompt!(\"not_there\").content());\n}\n",
    )
    .unwrap();
    let out = app.build(&[("PROMPT_SYNC_OFFLINE", "1")]).unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("prompt `not_there` is not in the cache"),
        "{err}"
    );
    assert!(err.contains("prompts/langsmith_cache"), "{err}");
    assert!(err.contains("prompt-sync sync not_there"), "{err}");
    // The offline build wrote nothing into the package.
    assert!(!app.path().join("prompts").exists());
}

#[test]
fn editing_the_cache_rebuilds_the_crate_through_include_bytes_alone() {
    // No build script: nothing but the macro's include_bytes! tracks the cache files.
    let app = Crate::without_build_script(
        "prompt_sync_e2e_no_build_rs",
        "const P: prompt_sync::Prompt = prompt_sync::prompt!(\"motd\");\nfn main() {\n    println!(\"{}\", P.content());\n}\n",
    )
    .unwrap();
    let cache = app.path().join("prompts/langsmith_cache");
    pull_into(&cache, "motd", "c1", &text_manifest("first", &[])).unwrap();
    let env = [("PROMPT_SYNC_OFFLINE", "1")];
    let out = app.build(&env).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "first\n");
    // Same environment, only the cache changed.
    pull_into(&cache, "motd", "c2", &text_manifest("second", &[])).unwrap();
    let out = app.build(&env).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "second\n");
    // Another cache directory, chosen by the environment, then by the config: each
    // choice rebuilds (the macro tracks `PROMPT_SYNC_DIR` and `Cargo.toml` too).
    let other = app.path().join("other_cache");
    pull_into(&other, "motd", "c3", &text_manifest("third", &[])).unwrap();
    let out = app
        .build(&[
            ("PROMPT_SYNC_OFFLINE", "1"),
            ("PROMPT_SYNC_DIR", "other_cache"),
        ])
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "third\n");
    let out = app.build(&env).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "second\n");
    let toml = app.path().join("Cargo.toml");
    let config = fs::read_to_string(&toml)
        .unwrap()
        .replace("prompts = []", "prompts = []\ncache_dir = \"other_cache\"");
    fs::write(&toml, config).unwrap();
    let out = app.build(&env).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "third\n");
}

#[test]
fn prompt_works_through_a_renamed_dependency() {
    // `ps = { package = "prompt-sync" }`: the expansion names the runtime by `$crate`.
    let app = Crate::without_build_script(
        "prompt_sync_e2e_renamed",
        "fn main() {\n    const P: ps::Prompt = ps::prompt!(\"motd\");\n    static Q: ps::Prompt = ps::prompt!(\"partial\");\n    let text: String = ps::prompt!(\"motd\", who = \"Ada\");\n    println!(\"{}|{}|{}\", P.content(), text, Q.format(&[]).unwrap());\n}\n",
    )
    .unwrap();
    let toml = app.path().join("Cargo.toml");
    let manifest = fs::read_to_string(&toml).unwrap().replacen(
        "prompt-sync = {",
        "ps = { package = \"prompt-sync\",",
        1,
    );
    fs::write(&toml, manifest).unwrap();
    let cache = app.path().join("prompts/langsmith_cache");
    pull_into(&cache, "motd", "c1", &text_manifest("Hi {who}", &["who"])).unwrap();
    // Partial variables are embedded in a `static` item of their own.
    let mut partial = text_manifest("Bye {who}", &[]);
    partial["kwargs"]["partial_variables"] = serde_json::json!({"who": "Bob"});
    pull_into(&cache, "partial", "c2", &partial).unwrap();
    let out = app.build(&[("PROMPT_SYNC_OFFLINE", "1")]).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "Hi {who}|Hi Ada|Bye Bob\n");
}

/// Dates `paths` a minute back, as files from an older checkout are.
fn age(paths: &[std::path::PathBuf]) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for p in paths {
        fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(then)
            .unwrap();
    }
}

/// The build script's verification index of the crate `name` (in its `OUT_DIR`; the
/// newest, as the shared target directory keeps those of earlier builds of the
/// workspace crates).
fn index_of(name: &str) -> serde_json::Value {
    let build = prompt_sync_tests::workspace::shared_target_dir().join("debug/build");
    let mut found: Vec<_> = fs::read_dir(&build)
        .unwrap()
        .filter_map(|e| {
            let dir = e.unwrap().path();
            let file = dir.join("out").join(prompt_sync_core::index::INDEX_FILE);
            let ours = dir
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{name}-")));
            (ours && file.exists()).then_some(file)
        })
        .collect();
    found.sort_by_key(|f| fs::metadata(f).and_then(|m| m.modified()).ok());
    let newest = found.last().expect("no index written");
    serde_json::from_slice(&fs::read(newest).unwrap()).unwrap()
}

#[test]
fn the_verification_index_is_reused_and_never_hides_a_change() {
    let app = Crate::new(
        "prompt_sync_e2e_index",
        "prompts = [\"motd\"]",
        "const P: prompt_sync::Prompt = prompt_sync::prompt!(\"motd\");\nfn main() {\n    println!(\"{}|{}\", P.content(), P.locally_modified());\n}\n",
    )
    .unwrap();
    let cache = app.path().join("prompts/langsmith_cache");
    pull_into(&cache, "motd", "c1", &text_manifest("first", &[])).unwrap();
    let (text, meta) = (cache.join("motd.txt"), cache.join("metadata/motd.json"));
    let record = cache.join("metadata/prompt-sync/motd.json");
    age(&[text.clone(), meta.clone(), record]);
    let env = [("PROMPT_SYNC_OFFLINE", "1")];
    let out = app.build(&env).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "first|false\n");
    let index = index_of("prompt_sync_e2e_index");
    assert_eq!(
        index["prompts"]["motd"]["sha256"],
        prompt_sync_core::hash::sha256_hex(b"first")
    );
    let synced_meta = fs::read(&meta).unwrap();

    // A rebuild through the index embeds the same prompt.
    fs::write(
        app.path().join("src/main.rs"),
        "const P: prompt_sync::Prompt = prompt_sync::prompt!(\"motd\");\nfn main() {\n    println!(\"{}|{}!\", P.content(), P.locally_modified());\n}\n",
    )
    .unwrap();
    let out = app.build(&env).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "first|false!\n");

    // Only the metadata changes (marked as a local edit): the build script's tracking
    // of the cache directory rebuilds the crate, and the stale entry is not used.
    let store = prompt_sync_core::store::Store::new(prompt_sync_core::CacheLayout::new(&cache));
    let lock = store.lock_exclusive(|_| {}).unwrap();
    store
        .mark_edited(&lock, &prompt_sync_core::PromptName::new("motd").unwrap())
        .unwrap();
    drop(lock);
    age(std::slice::from_ref(&meta));
    let out = app.build(&env).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "first|true!\n");
    assert_eq!(
        index_of("prompt_sync_e2e_index")["prompts"]["motd"]["locally_modified"],
        true
    );

    // Back to the synced metadata, then the text edited in place (same length): the
    // build script reruns, the entry no longer matches, and the build fails with the
    // fix.
    fs::write(&meta, &synced_meta).unwrap();
    let out = app.build(&env).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&app.run(&[]).unwrap()), "first|false!\n");
    fs::write(&text, "fir5t").unwrap();
    let out = app.build(&env).unwrap();
    assert!(!out.status.success(), "{}", stdout(&app.run(&[]).unwrap()));
    assert!(
        stderr(&out).contains("prompt-sync mark-edited motd"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(&text).unwrap(), "fir5t");
}
