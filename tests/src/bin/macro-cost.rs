//! Measures the compile-time cost of `prompt!` against `include_str!`: generates two
//! crates embedding the same N cached prompts (default 200), builds their
//! dependencies once, then times rebuilds of each crate alone (median of R runs) and
//! prints the ratio and the binary-size difference per prompt.
//!
//! `cargo run --release -p prompt-sync-tests --bin macro-cost -- [N] [RUNS]`

use std::path::Path;
use std::time::{Duration, Instant};

use prompt_sync_tests::throwaway::{Crate, pull_into, text_manifest};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(200);
    let runs = args.get(1).copied().unwrap_or(5);
    match measure(n, runs) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn measure(n: usize, runs: usize) -> Result<(), String> {
    let names: Vec<String> = (0..n).map(|i| format!("prompt_{i:04}")).collect();
    let body = |call: &dyn Fn(&str) -> String| -> String {
        let mut s = String::from("static ALL: &[&str] = &[\n");
        for name in &names {
            s.push_str(&format!("    {},\n", call(name)));
        }
        s.push_str("];\n\nfn main() {\n    let total: usize = ALL.iter().map(|p| p.len()).sum();\n    println!(\"{} {}\", ALL.len(), total);\n}\n");
        s
    };
    let with_macro = body(&|n| format!("prompt_sync::prompt!({n:?}).content()"));
    let with_include = body(&|n| format!("include_str!(\"../prompts/langsmith_cache/{n}.txt\")"));
    let a =
        Crate::new("macro_cost_prompt", "prompts = []", &with_macro).map_err(|e| e.to_string())?;
    let b = Crate::new("macro_cost_include", "prompts = []", &with_include)
        .map_err(|e| e.to_string())?;
    for c in [&a, &b] {
        let cache = c.path().join("prompts/langsmith_cache");
        for (i, name) in names.iter().enumerate() {
            // Realistic sizes: 200 B to ~20 KiB.
            let len = 200 + (i * 7919) % (20 * 1024);
            let text: String = "Lorem ipsum {topic} dolor sit amet. "
                .chars()
                .cycle()
                .take(len)
                .collect();
            pull_into(
                &cache,
                name,
                &format!("{i:040x}"),
                &text_manifest(&text, &["topic"]),
            )?;
        }
    }
    let env = [("PROMPT_SYNC_OFFLINE", "1")];
    for c in [&a, &b] {
        let out = c.build(&env).map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
    }
    let time = |c: &Crate| -> Result<Duration, String> {
        let mut samples = Vec::new();
        for _ in 0..runs {
            touch(&c.path().join("src/main.rs"))?;
            let start = Instant::now();
            let out = c.build(&env).map_err(|e| e.to_string())?;
            samples.push(start.elapsed());
            if !out.status.success() {
                return Err(String::from_utf8_lossy(&out.stderr).into_owned());
            }
        }
        samples.sort();
        Ok(samples[samples.len() / 2])
    };
    let tm = time(&a)?;
    let ti = time(&b)?;
    let size = |c: &Crate| std::fs::metadata(c.binary()).map(|m| m.len()).unwrap_or(0);
    let (sm, si) = (size(&a), size(&b));
    println!("prompts: {n}, runs: {runs} (median), debug profile, PROMPT_SYNC_OFFLINE=1");
    println!("{:<14} {:>10} {:>12}", "crate", "build (s)", "binary (B)");
    println!("{:<14} {:>10.3} {:>12}", "prompt!", tm.as_secs_f64(), sm);
    println!(
        "{:<14} {:>10.3} {:>12}",
        "include_str!",
        ti.as_secs_f64(),
        si
    );
    println!(
        "ratio prompt!/include_str!: {:.2}",
        tm.as_secs_f64() / ti.as_secs_f64()
    );
    println!(
        "binary overhead per prompt: {:.0} B",
        (sm as f64 - si as f64) / n as f64
    );
    Ok(())
}

/// Makes cargo consider the crate changed (a newer mtime than its last build).
fn touch(path: &Path) -> Result<(), String> {
    let text = std::fs::read(path).map_err(|e| e.to_string())?;
    std::thread::sleep(Duration::from_millis(10));
    std::fs::write(path, text).map_err(|e| e.to_string())
}
