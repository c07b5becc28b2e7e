//! Render speed: a 2 KiB f-string template with 5 variables, rendered by the
//! compile-time form (`prompt!("bench-2k", …)`), by the runtime form
//! (`Prompt::format`), and by `format!` of the same text, in ns per render.
//!
//! `cargo bench -p prompt-sync --bench render`. Prints numbers; asserts only that the
//! three forms agree.

use std::hint::black_box;
use std::time::Instant;

use prompt_sync::Prompt;

const BENCH: Prompt = prompt_sync::prompt!("bench-2k");

fn time(label: &str, iterations: u32, mut f: impl FnMut() -> String) -> f64 {
    for _ in 0..iterations / 10 {
        black_box(f());
    }
    let start = Instant::now();
    for _ in 0..iterations {
        black_box(f());
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(iterations);
    println!("{label:<36} {ns:>9.0} ns/render");
    ns
}

fn main() {
    let (product, customer, issue, tone, deadline) = (
        black_box("Widget Pro 3000"),
        black_box("Ada Lovelace"),
        black_box("the delivery is two weeks late"),
        black_box("warm and concise"),
        black_box("Friday noon"),
    );
    let compile_time = || {
        prompt_sync::prompt!(
            "bench-2k",
            product = product,
            customer = customer,
            issue = issue,
            tone = tone,
            deadline = deadline,
        )
    };
    let runtime = || {
        BENCH
            .format(&[
                ("product", product),
                ("customer", customer),
                ("issue", issue),
                ("tone", tone),
                ("deadline", deadline),
            ])
            .unwrap_or_default()
    };
    let plain = || {
        format!(
            include_str!("../prompts/langsmith_cache/bench-2k.txt"),
            product = product,
            customer = customer,
            issue = issue,
            tone = tone,
            deadline = deadline,
        )
    };
    assert_eq!(compile_time(), plain());
    assert_eq!(runtime(), plain());
    println!(
        "render of a {} byte f-string template with {} variables:",
        BENCH.content().len(),
        BENCH.variables().len()
    );
    let iterations = 200_000;
    let base = time("format! (baseline)", iterations, plain);
    let macro_ns = time(
        "prompt!(\"bench-2k\", …) compile-time",
        iterations,
        compile_time,
    );
    let runtime_ns = time("Prompt::format runtime", iterations, runtime);
    println!(
        "compile-time form: {:.2}x format!; runtime form: {:.2}x format!",
        macro_ns / base,
        runtime_ns / base
    );
}
