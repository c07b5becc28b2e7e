//! The compile-time cost of `prompt!` against `include_str!`: two generated crates
//! embedding the same N cached prompts (the benchmark's mixed text and chat corpus),
//! one with `prompt!` and one with `include_str!`, identical otherwise (same
//! dependencies, same `build.rs`). Their dependencies are built first; then each is
//! rebuilt alone R times after touching its `main.rs` (the edit-compile loop of a
//! debug build, build script rerun included, `PROMPT_SYNC_OFFLINE=1`), alternating
//! between the two, and the medians are compared.
//!
//! The crates build in their own target directory, `target/bench-compile`, so
//! concurrent test builds in `target/e2e` (with other environments) cannot force
//! dependency rebuilds in between; an untimed build before each timed one absorbs any
//! change to the workspace crates themselves.
//!
//! The binary-size overhead per prompt is the slope of the size difference between
//! the two crates: both are also built with the first N/2 prompts, so the fixed cost
//! of linking the `prompt-sync` runtime cancels out and what remains is what each
//! `prompt!` adds beyond its text (name, SHA-256, commit, messages, variables and
//! their relocations).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::throwaway::pull_into;
use crate::workspace;

use super::corpus;
use super::stats::median;

/// What [`measure`] found.
#[derive(Clone, Debug)]
pub struct CompileCost {
    /// Prompts embedded by each crate.
    pub prompts: usize,
    /// Rebuilds timed per crate.
    pub runs: usize,
    /// Median rebuild of the `prompt!` crate.
    pub macro_build: Duration,
    /// Median rebuild of the `include_str!` crate.
    pub include_build: Duration,
    /// Size of the `prompt!` crate's binary (debug profile), N prompts.
    pub macro_binary: u64,
    /// Size of the `include_str!` crate's binary (debug profile), N prompts.
    pub include_binary: u64,
    /// Extra binary bytes per prompt of `prompt!` over `include_str!` (see the module
    /// doc).
    pub overhead_per_prompt: f64,
}

impl CompileCost {
    /// `prompt!` build time over `include_str!` build time.
    pub fn ratio(&self) -> f64 {
        self.macro_build.as_secs_f64() / self.include_build.as_secs_f64().max(1e-9)
    }
}

/// A generated crate in `target/bench-compile/<name>`.
struct BenchCrate {
    dir: PathBuf,
    name: String,
    /// `src/main.rs` for the first `k` prompts.
    main_rs: fn(&[String]) -> String,
}

impl BenchCrate {
    fn create(
        name: &str,
        names: &[String],
        main_rs: fn(&[String]) -> String,
    ) -> Result<BenchCrate, String> {
        let root = workspace::root();
        let dir = bench_dir().join(name);
        let io = |e: std::io::Error| format!("cannot write the crate `{name}`: {e}");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir.join("src")).map_err(io)?;
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nprompt-sync = {{ path = {runtime:?} }}\n\n\
             [build-dependencies]\nprompt-sync-build = {{ path = {build:?} }}\n\n\
             [package.metadata.prompt-sync]\nprompts = []\n\n[workspace]\n",
            runtime = root.join("prompt-sync").display().to_string(),
            build = root.join("prompt-sync-build").display().to_string(),
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).map_err(io)?;
        std::fs::write(
            dir.join("build.rs"),
            "fn main() {\n    prompt_sync_build::sync();\n}\n",
        )
        .map_err(io)?;
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(io)?;
        let c = BenchCrate {
            dir,
            name: name.to_owned(),
            main_rs,
        };
        c.write_main(names)?;
        let cache = c.dir.join("prompts/langsmith_cache");
        for (i, n) in names.iter().enumerate() {
            pull_into(&cache, n, &format!("{i:064x}"), &corpus::manifest(i, 0))?;
        }
        Ok(c)
    }

    /// Writes `src/main.rs` for `names` (a newer mtime: cargo rebuilds the crate).
    fn write_main(&self, names: &[String]) -> Result<(), String> {
        std::thread::sleep(Duration::from_millis(10));
        std::fs::write(self.dir.join("src/main.rs"), (self.main_rs)(names))
            .map_err(|e| format!("cannot write {}: {e}", self.name))
    }

    /// `cargo build` (debug) offline, without any hub or prompt-sync variable.
    fn build(&self) -> Result<Duration, String> {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.arg("build")
            .arg("--quiet")
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", bench_dir().join("target"))
            .env("PROMPT_SYNC_OFFLINE", "1")
            .env("CARGO_TERM_COLOR", "never");
        for var in [
            "LANGSMITH_API_KEY",
            "LANGCHAIN_API_KEY",
            "PROMPT_SYNC_DIR",
            "PROMPT_SYNC_REFRESH",
            "LANGSMITH_ENDPOINT",
            "LANGCHAIN_ENDPOINT",
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
        ] {
            cmd.env_remove(var);
        }
        let start = Instant::now();
        let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
        let took = start.elapsed();
        if out.status.success() {
            Ok(took)
        } else {
            Err(format!(
                "building {} failed:\n{}",
                self.name,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn binary_size(&self) -> u64 {
        let bin = bench_dir().join("target/debug").join(&self.name);
        std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0)
    }
}

/// `<workspace>/target/bench-compile`.
fn bench_dir() -> PathBuf {
    workspace::root().join("target").join("bench-compile")
}

fn macro_main(names: &[String]) -> String {
    let mut s = String::from("static ALL: &[prompt_sync::Prompt] = &[\n");
    for n in names {
        s.push_str(&format!("    prompt_sync::prompt!({n:?}),\n"));
    }
    s.push_str(
        "];\n\nfn main() {\n    let total: usize = ALL.iter().map(|p| p.content().len() + p.sha256().len() + p.messages().len() + p.variables().len()).sum();\n    println!(\"{} {}\", ALL.len(), total);\n}\n",
    );
    s
}

fn include_main(names: &[String]) -> String {
    let mut s = String::from("static ALL: &[&str] = &[\n");
    for n in names {
        s.push_str(&format!(
            "    include_str!(\"../prompts/langsmith_cache/{n}.txt\"),\n"
        ));
    }
    s.push_str(
        "];\n\nfn main() {\n    let total: usize = ALL.iter().map(|p| p.len()).sum();\n    println!(\"{} {}\", ALL.len(), total);\n}\n",
    );
    s
}

/// Generates both crates with `n` prompts, builds them, and times `runs` rebuilds of
/// each (alternating, so machine noise hits both alike).
pub fn measure(n: usize, runs: usize) -> Result<CompileCost, String> {
    let names = corpus::names(n);
    let a = BenchCrate::create("bench_compile_prompt", &names, macro_main)?;
    let b = BenchCrate::create("bench_compile_include", &names, include_main)?;
    // Dependencies, and a first build of each crate.
    a.build()?;
    b.build()?;
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        for (c, times) in [(&a, &mut ta), (&b, &mut tb)] {
            c.build()?; // untimed: absorbs any change to the workspace crates
            c.write_main(&names)?;
            times.push(c.build()?);
        }
    }
    let (sa, sb) = (a.binary_size(), b.binary_size());
    // The same with half the prompts, for the per-prompt slope.
    let half = &names[..n / 2];
    let mut small = [0u64; 2];
    for (k, c) in [&a, &b].into_iter().enumerate() {
        c.write_main(half)?;
        c.build()?;
        small[k] = c.binary_size();
    }
    let diff = |m: u64, i: u64| m as f64 - i as f64;
    let added = (n - n / 2).max(1) as f64;
    Ok(CompileCost {
        prompts: n,
        runs: runs.max(1),
        macro_build: median(&ta),
        include_build: median(&tb),
        macro_binary: sa,
        include_binary: sb,
        overhead_per_prompt: (diff(sa, sb) - diff(small[0], small[1])) / added,
    })
}
