//! What `prompt!` embeds is an input of rustc in every mode, so a build cache keyed on
//! rustc's inputs (sccache, the remote caches of larger build systems) never serves a
//! stale prompt: with the build script, the digest of what it verified is an `env-dep`
//! of rustc's dep-info; without it, the prompt's files are.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prompt_sync_core::PromptName;
use prompt_sync_core::index::{embedded_digest, set_digest};
use prompt_sync_core::layout::{CacheLayout, VERIFIED_DIGEST_ENV};
use prompt_sync_core::store::Store;
use prompt_sync_core::verify::verify;
use prompt_sync_tests::throwaway::{Crate, pull_into, text_manifest};
use prompt_sync_tests::workspace;

const MAIN: &str = r#"
const GREET: prompt_sync::Prompt = prompt_sync::prompt!("greet");

fn main() {
    println!("{}", GREET.content());
}
"#;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// rustc's dep-info of the crate `name` (its binary's) in the shared target directory:
/// the newest, since earlier runs (other temporary directories) left theirs.
fn dep_info(name: &str) -> String {
    let deps = workspace::shared_target_dir().join("debug/deps");
    let prefix = format!("{name}-");
    let newest = fs::read_dir(&deps)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let file = p.file_name().unwrap().to_string_lossy();
            file.starts_with(&prefix) && file.ends_with(".d")
        })
        .max_by_key(|p| fs::metadata(p).unwrap().modified().unwrap())
        .unwrap_or_else(|| panic!("no dep-info of {name} in {}", deps.display()));
    fs::read_to_string(newest).unwrap()
}

/// The digest the build script gives rustc for a cache holding only `greet`.
fn expected_digest(cache: &Path) -> String {
    let store = Store::new(CacheLayout::new(cache));
    let v = verify(&store, &PromptName::new("greet").unwrap()).unwrap();
    set_digest([("greet", embedded_digest(&v).as_str())])
}

#[test]
fn the_prompt_is_in_rustcs_dep_info_with_and_without_the_build_script() {
    // With the build script: the digest of what it verified is an env-dep.
    let name = "prompt_sync_e2e_depinfo_build";
    let app = Crate::new(name, "prompts = [\"greet\"]", MAIN).unwrap();
    let cache = app.path().join("prompts/langsmith_cache");
    let offline = [("PROMPT_SYNC_OFFLINE", "1")];
    let mut seen = Vec::new();
    for (text, commit) in [("ONE", "c1"), ("TWO", "c2")] {
        pull_into(&cache, "greet", commit, &text_manifest(text, &[])).unwrap();
        let out = app.build(&offline).unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&app.run(&[]).unwrap()), format!("{text}\n"));
        let digest = expected_digest(&cache);
        let line = format!("# env-dep:{VERIFIED_DIGEST_ENV}={digest}");
        let info = dep_info(name);
        assert!(info.lines().any(|l| l == line), "no `{line}` in:\n{info}");
        seen.push(digest);
    }
    assert_ne!(seen[0], seen[1]);
    // The variable set by the build script does not make cargo rebuild for nothing.
    let out = app.build(&offline).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Compiling"), "{}", stderr(&out));

    // The rendering form (`prompt!("name", var = …)`) reads it too.
    let name = "prompt_sync_e2e_depinfo_render";
    let render = Crate::new(
        name,
        "prompts = []",
        "fn main() {\n    println!(\"{}\", prompt_sync::prompt!(\"greet\", who = \"Ada\"));\n}\n",
    )
    .unwrap();
    let cache = render.path().join("prompts/langsmith_cache");
    pull_into(&cache, "greet", "c1", &text_manifest("Hi {who}", &["who"])).unwrap();
    let out = render.build(&offline).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&render.run(&[]).unwrap()), "Hi Ada\n");
    let line = format!(
        "# env-dep:{VERIFIED_DIGEST_ENV}={}",
        expected_digest(&cache)
    );
    let info = dep_info(name);
    assert!(info.lines().any(|l| l == line), "no `{line}` in:\n{info}");

    // Without it: the prompt's files themselves.
    let name = "prompt_sync_e2e_depinfo_plain";
    let plain = Crate::without_build_script(name, MAIN).unwrap();
    let cache = plain.path().join("prompts/langsmith_cache");
    pull_into(&cache, "greet", "c1", &text_manifest("ONE", &[])).unwrap();
    let out = plain.build(&[]).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let info = dep_info(name);
    for file in ["greet.txt", "metadata/greet.json"] {
        let path = cache.join(file).display().to_string();
        assert!(
            info.lines().any(|l| l.starts_with(&format!("{path}:"))),
            "{path} not in:\n{info}"
        );
    }
}

/// The `sccache` binary: on `PATH`, or in cargo's `bin` directory (`cargo install`).
fn find_sccache() -> Option<PathBuf> {
    let exe = format!("sccache{}", std::env::consts::EXE_SUFFIX);
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    on_path
        .into_iter()
        .chain(cargo_home.map(|h| h.join("bin")))
        .map(|dir| dir.join(&exe))
        .find(|p| p.is_file())
}

/// An sccache server of its own (a free port, a cache in a temporary directory),
/// stopped when dropped.
struct Sccache {
    exe: PathBuf,
    env: Vec<(&'static str, String)>,
    _dir: tempfile::TempDir,
}

impl Sccache {
    fn start(exe: PathBuf) -> Sccache {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let env = vec![
            (
                "SCCACHE_DIR",
                dir.path().join("cache").display().to_string(),
            ),
            ("SCCACHE_SERVER_PORT", port.to_string()),
            // Gone by itself should the test die before stopping it.
            ("SCCACHE_IDLE_TIMEOUT", "300".to_owned()),
        ];
        let s = Sccache {
            exe,
            env,
            _dir: dir,
        };
        let out = s.command().arg("--start-server").output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        s
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.exe);
        cmd.envs(self.env.iter().map(|(k, v)| (*k, v.as_str())));
        cmd
    }

    /// "Cache hits" from the statistics, summed over languages.
    fn hits(&self) -> u64 {
        let out = self
            .command()
            .args(["--show-stats", "--stats-format", "json"])
            .output()
            .unwrap();
        let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        stats
            .pointer("/stats/cache_hits/counts")
            .and_then(|c| c.as_object())
            .map(|c| c.values().filter_map(|v| v.as_u64()).sum())
            .unwrap_or(0)
    }
}

impl Drop for Sccache {
    fn drop(&mut self) {
        let _ = self.command().arg("--stop-server").output();
    }
}

/// The reported case: a library embedding `greet` is compiled through sccache; the
/// committed text goes ONE → TWO → ONE → TWO (as syncs or branch switches leave it),
/// and after each switch the library is compiled again (`cargo clean -p`, then
/// `cargo build`). The binary prints the text the build script verified every time,
/// whether sccache compiled it afresh or served it from its cache.
#[test]
fn sccache_never_serves_a_stale_prompt() {
    let Some(exe) = find_sccache() else {
        eprintln!(
            "NOTICE: skipping sccache_never_serves_a_stale_prompt: sccache is not installed (neither on PATH nor in cargo's bin directory); `apt-get install sccache` or `cargo install sccache` runs it (.ci/run installs it)"
        );
        return;
    };
    let sccache = Sccache::start(exe.clone());
    let name = "prompt_sync_e2e_sccache";
    let app = Crate::new(
        name,
        "prompts = [\"greet\"]",
        &format!("fn main() {{\n    println!(\"{{}}\", {name}::GREET.content());\n}}\n"),
    )
    .unwrap();
    fs::write(
        app.path().join("src/lib.rs"),
        "/// The greeting.\npub const GREET: prompt_sync::Prompt = prompt_sync::prompt!(\"greet\");\n",
    )
    .unwrap();
    let cache = app.path().join("prompts/langsmith_cache");
    // Only this package's own compilations go through sccache: the dependencies are
    // the shared target directory's (a plain `RUSTC_WRAPPER` would rebuild them all,
    // through sccache, in a target directory of their own). Its library's compilation
    // is the same either way.
    let exe = exe.display().to_string();
    let mut env: Vec<(&str, &str)> = sccache.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([
        ("RUSTC_WORKSPACE_WRAPPER", exe.as_str()),
        ("CARGO_INCREMENTAL", "0"),
        ("PROMPT_SYNC_OFFLINE", "1"),
    ]);
    for (round, (text, commit)) in [("ONE", "c1"), ("TWO", "c2"), ("ONE", "c1"), ("TWO", "c2")]
        .into_iter()
        .enumerate()
    {
        pull_into(&cache, "greet", commit, &text_manifest(text, &[])).unwrap();
        if round > 0 {
            let out = app.cargo(&["clean", "-p", name], &env).unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let out = app.build(&env).unwrap();
        assert!(out.status.success(), "round {round}: {}", stderr(&out));
        assert_eq!(
            stdout(&app.run(&[]).unwrap()),
            format!("{text}\n"),
            "round {round}: the binary embeds another text than the cache's"
        );
    }
    // The switches back were served from sccache's cache: it was really in the way.
    assert!(sccache.hits() >= 2, "sccache hits: {}", sccache.hits());
}
