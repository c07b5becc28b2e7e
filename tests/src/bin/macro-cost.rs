//! Measures the compile-time cost of `prompt!` against `include_str!`: generates two
//! crates embedding the same N cached prompts (default 200; the benchmark's mixed text
//! and chat corpus), builds their dependencies once, then times rebuilds of each crate
//! alone (median of R runs) and prints the ratio and the binary-size difference per
//! prompt. The `bench` binary reports the same measurement as its compile-time row.
//!
//! `cargo run --release -p prompt-sync-tests --bin macro-cost -- [N] [RUNS]`

use prompt_sync_tests::bench::compile;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(200);
    let runs = args.get(1).copied().unwrap_or(5);
    match compile::measure(n, runs) {
        Ok(c) => {
            println!("prompts: {n}, runs: {runs} (median), debug profile, PROMPT_SYNC_OFFLINE=1");
            println!("{:<14} {:>10} {:>12}", "crate", "build (s)", "binary (B)");
            println!(
                "{:<14} {:>10.3} {:>12}",
                "prompt!",
                c.macro_build.as_secs_f64(),
                c.macro_binary
            );
            println!(
                "{:<14} {:>10.3} {:>12}",
                "include_str!",
                c.include_build.as_secs_f64(),
                c.include_binary
            );
            println!("ratio prompt!/include_str!: {:.2}", c.ratio());
            println!("binary overhead per prompt: {:.0} B", c.overhead_per_prompt);
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
