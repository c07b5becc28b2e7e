//! The performance benchmark behind
//! `cargo run --release -p prompt-sync-tests --bin bench`.
//!
//! It starts the fake hub on 127.0.0.1 with a fixed latency per request, puts N
//! prompts on it ([`corpus`]), and measures, each as the median of several runs and
//! each in a child process of its own ([`child`], so its peak memory is its own):
//!
//! - **cold sync**: the build step (`Builder::run_with`, what `build.rs` runs) of a
//!   package whose sources use all N prompts, with an empty cache;
//! - **warm sync**: the same again with `PROMPT_SYNC_REFRESH=1` (a forced hub
//!   check) when nothing changed;
//! - **10% changed**: the same after N/10 prompts got a new commit on the hub;
//! - **offline build step**: the build step with `PROMPT_SYNC_OFFLINE=1` over the N
//!   cached prompts;
//! - **baseline**: the cold sync done the obvious way, one
//!   `GET /commits/-/{name}/latest` per prompt, one after the other, same client and
//!   same cache writes;
//!
//! with wall time, HTTP requests, bytes on the wire (counted by the fake hub: request
//! and response heads and bodies) and peak memory (`VmHWM`), plus the compile-time
//! cost of `prompt!` against `include_str!` ([`compile`]).

pub mod child;
pub mod compile;
pub mod corpus;
pub mod package;
pub mod stats;

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_hub::{FakeHub, Options};
use package::Package;
use stats::median;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Config {
    /// Prompts on the hub and in the package.
    pub prompts: usize,
    /// Latency the fake hub adds to every request.
    pub latency: Duration,
    /// Runs per measurement (the median is reported).
    pub runs: usize,
    /// Prompts of the compile-time comparison (`None`: skip it).
    pub compile_prompts: Option<usize>,
    /// Concurrencies to compare for the engine's parallel fetches (empty: skip).
    pub sweep: Vec<usize>,
}

/// One measurement of one step.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    /// Wall time of the step.
    pub wall: Duration,
    /// HTTP requests the hub received.
    pub requests: usize,
    /// Bytes the hub sent (responses).
    pub bytes_down: u64,
    /// Bytes the hub received (requests).
    pub bytes_up: u64,
    /// Peak resident memory of the process that ran the step, in KiB.
    pub peak_rss_kib: u64,
}

/// The samples of one step and its medians.
#[derive(Clone, Debug)]
pub struct Row {
    /// Short key (`cold`, `warm`, `changed`, `offline`, `baseline`).
    pub key: &'static str,
    /// What the row measures.
    pub label: &'static str,
    /// Every run.
    pub samples: Vec<Sample>,
}

impl Row {
    fn new(key: &'static str, label: &'static str) -> Row {
        Row {
            key,
            label,
            samples: Vec::new(),
        }
    }

    /// Median wall time.
    pub fn wall(&self) -> Duration {
        median(&self.samples.iter().map(|s| s.wall).collect::<Vec<_>>())
    }

    /// Median request count.
    pub fn requests(&self) -> usize {
        median(&self.samples.iter().map(|s| s.requests).collect::<Vec<_>>())
    }

    /// Median bytes sent by the hub.
    pub fn bytes_down(&self) -> u64 {
        median(
            &self
                .samples
                .iter()
                .map(|s| s.bytes_down)
                .collect::<Vec<_>>(),
        )
    }

    /// Median bytes received by the hub.
    pub fn bytes_up(&self) -> u64 {
        median(&self.samples.iter().map(|s| s.bytes_up).collect::<Vec<_>>())
    }

    /// Median peak memory, KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        median(
            &self
                .samples
                .iter()
                .map(|s| s.peak_rss_kib)
                .collect::<Vec<_>>(),
        )
    }
}

/// Everything measured.
#[derive(Clone, Debug)]
pub struct Results {
    /// What was asked.
    pub config: Config,
    /// CPUs available to this process.
    pub cpus: usize,
    /// Total size of the N cache texts, bytes.
    pub text_bytes: u64,
    /// cold, warm, changed, offline, baseline.
    pub rows: Vec<Row>,
    /// The compile-time comparison, when run.
    pub compile: Option<compile::CompileCost>,
    /// `(concurrency, median wall)` of the engine-only cold syncs, when asked.
    pub sweep: Vec<(usize, Duration)>,
}

impl Results {
    /// The row with `key`.
    pub fn row(&self, key: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.key == key)
    }

    /// Baseline wall time over cold sync wall time.
    pub fn speedup(&self) -> Option<f64> {
        let cold = self.row("cold")?.wall().as_secs_f64();
        let base = self.row("baseline")?.wall().as_secs_f64();
        (cold > 0.0).then(|| base / cold)
    }
}

/// One target of the issue and whether it was met.
#[derive(Clone, Debug)]
pub struct Check {
    /// The measure.
    pub what: String,
    /// The target, as text.
    pub target: String,
    /// What was measured, as text.
    pub measured: String,
    /// Whether the target was met.
    pub met: bool,
}

/// Runs everything `config` asks for. Progress goes to stderr.
pub fn run(config: &Config) -> Result<Results, String> {
    let n = config.prompts;
    let hub = FakeHub::try_start_with(Options {
        latency: config.latency,
        ..Options::default()
    })
    .map_err(|e| format!("cannot start the fake hub: {e}"))?;
    let names = corpus::names(n);
    let mut text_bytes = 0u64;
    for (i, name) in names.iter().enumerate() {
        let m = corpus::manifest(i, 0);
        text_bytes += prompt_sync_core::manifest::from_manifest(&m)
            .ok()
            .and_then(|model| model.to_cache_text().ok())
            .map_or(0, |t| t.len() as u64);
        hub.put_prompt(name, m);
    }
    let url = hub.url();
    let mut rows = vec![
        Row::new("cold", "cold sync (empty cache)"),
        Row::new("warm", "warm sync (forced check, no change)"),
        Row::new("changed", "10% changed on the hub"),
        Row::new("offline", "offline build step"),
        Row::new(
            "offline_indexed",
            "offline build step, cache unchanged (index)",
        ),
        Row::new("baseline", "baseline: 1 GET/prompt, sequential"),
    ];
    let measure = |step: child::Step, pkg: &Package| -> Result<Sample, String> {
        hub.clear_requests();
        let (down, up) = (hub.bytes_sent(), hub.bytes_received());
        let m = child::spawn(step, pkg.path(), &url, n)?;
        Ok(Sample {
            wall: m.wall,
            requests: hub.request_count(),
            bytes_down: hub.bytes_sent() - down,
            bytes_up: hub.bytes_received() - up,
            peak_rss_kib: m.peak_rss_kib.unwrap_or(0),
        })
    };
    let create = || Package::create(&names).map_err(|e| format!("cannot create a package: {e}"));
    // Packages are removed only at the end: deleting thousands of files just before a
    // measured step would make it pay for the file system's bookkeeping of them (ext4
    // without a journal, as here, makes each new inode skip recently freed ones).
    let mut kept: Vec<Package> = Vec::new();
    for run in 0..config.runs.max(1) {
        eprintln!("run {}/{}", run + 1, config.runs.max(1));
        let pkg = create()?;
        rows[0].samples.push(measure(child::Step::Sync, &pkg)?);
        rows[1].samples.push(measure(child::Step::Sync, &pkg)?);
        let version = u32::try_from(run + 1).unwrap_or(u32::MAX);
        for i in (0..n).step_by(10) {
            hub.put_prompt(&names[i], corpus::manifest(i, version));
        }
        rows[2].samples.push(measure(child::Step::Sync, &pkg)?);
        // Every prompt verified (as after a change to the cache, or on a first build).
        let index = pkg
            .path()
            .join("out")
            .join(prompt_sync_core::index::INDEX_FILE);
        let _ = std::fs::remove_file(&index);
        rows[3].samples.push(measure(child::Step::Offline, &pkg)?);
        // The edit-compile loop: the build script reruns because a source changed, and
        // the cache files are older than the index's 2 s racy window (dated back here,
        // as files from an earlier checkout are), so the index spares re-verifying.
        age_files(&pkg.cache_dir(), Duration::from_secs(60))
            .map_err(|e| format!("cannot date the cache back: {e}"))?;
        measure(child::Step::Offline, &pkg)?;
        rows[4].samples.push(measure(child::Step::Offline, &pkg)?);
        kept.push(pkg);
        let fresh = create()?;
        rows[5]
            .samples
            .push(measure(child::Step::Baseline, &fresh)?);
        kept.push(fresh);
    }
    let mut sweep = Vec::new();
    for &c in &config.sweep {
        eprintln!("engine cold sync with concurrency {c}");
        let mut walls = Vec::new();
        for _ in 0..config.runs.max(1) {
            let pkg = create()?;
            walls.push(measure(child::Step::Engine(c), &pkg)?.wall);
            kept.push(pkg);
        }
        sweep.push((c, median(&walls)));
    }
    drop(hub);
    drop(kept);
    let compile = match config.compile_prompts {
        Some(cn) => {
            eprintln!("compile-time comparison with {cn} prompts (builds in target/bench-compile)");
            Some(compile::measure(cn, config.runs)?)
        }
        None => None,
    };
    Ok(Results {
        config: config.clone(),
        cpus: std::thread::available_parallelism().map_or(1, |c| c.get()),
        text_bytes,
        rows,
        compile,
        sweep,
    })
}

/// Dates every file under `dir` `by` back.
fn age_files(dir: &std::path::Path, by: Duration) -> std::io::Result<()> {
    let then = std::time::SystemTime::now() - by;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            age_files(&path, by)?;
        } else {
            std::fs::File::options()
                .write(true)
                .open(&path)?
                .set_modified(then)?;
        }
    }
    Ok(())
}

/// The targets, checked against `r`.
pub fn checks(r: &Results) -> Vec<Check> {
    let mut out = Vec::new();
    let secs = |d: Duration| format!("{:.3} s", d.as_secs_f64());
    if let Some(cold) = r.row("cold") {
        out.push(Check {
            what: "cold sync wall".into(),
            target: "<= 1.5 s".into(),
            measured: secs(cold.wall()),
            met: cold.wall() <= Duration::from_millis(1500),
        });
        if let Some(x) = r.speedup() {
            out.push(Check {
                what: "cold sync vs baseline".into(),
                target: ">= 10x faster".into(),
                measured: format!("{x:.1}x"),
                met: x >= 10.0,
            });
        }
    }
    if let Some(warm) = r.row("warm") {
        out.push(Check {
            what: "warm sync".into(),
            target: "<= 6 requests, <= 0.25 s".into(),
            measured: format!("{} requests, {}", warm.requests(), secs(warm.wall())),
            met: warm.requests() <= 6 && warm.wall() <= Duration::from_millis(250),
        });
    }
    if let Some(ch) = r.row("changed") {
        out.push(Check {
            what: "10% changed".into(),
            target: "<= 56 requests, <= 0.4 s".into(),
            measured: format!("{} requests, {}", ch.requests(), secs(ch.wall())),
            met: ch.requests() <= 56 && ch.wall() <= Duration::from_millis(400),
        });
    }
    if let Some(off) = r.row("offline") {
        out.push(Check {
            what: "offline build step".into(),
            target: "<= 30 ms".into(),
            measured: format!("{:.1} ms", off.wall().as_secs_f64() * 1e3),
            met: off.wall() <= Duration::from_millis(30),
        });
    }
    if let Some(c) = &r.compile {
        out.push(Check {
            what: "prompt! / include_str! build time".into(),
            target: "<= 1.3".into(),
            measured: format!("{:.2}", c.ratio()),
            met: c.ratio() <= 1.3,
        });
    }
    let peak = ["cold", "warm", "changed"]
        .iter()
        .filter_map(|k| r.row(k))
        .map(Row::peak_rss_kib)
        .max();
    if let Some(peak) = peak {
        out.push(Check {
            what: format!("peak memory of a {}-prompt sync", r.config.prompts),
            target: "<= 64 MiB".into(),
            measured: mib(peak * 1024),
            met: peak > 0 && peak <= 64 * 1024,
        });
    }
    out
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        mib(bytes)
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// The results as a Markdown table (what README shows).
pub fn table(r: &Results) -> String {
    let c = &r.config;
    let mut s = format!(
        "{} prompts ({} text, {} chat; {} of text, 200 B to 20 KiB each), fake hub on 127.0.0.1 \
         with {} ms latency per request, median of {} runs, {} CPUs\n\n",
        c.prompts,
        c.prompts - c.prompts / 2,
        c.prompts / 2,
        size(r.text_bytes),
        c.latency.as_millis(),
        c.runs.max(1),
        r.cpus,
    );
    s.push_str("| step | wall time | HTTP requests | bytes down / up | peak memory |\n");
    s.push_str("|---|---:|---:|---:|---:|\n");
    for row in &r.rows {
        let wall = row.wall().as_secs_f64();
        let wall = if wall < 1.0 {
            format!("{:.1} ms", wall * 1e3)
        } else {
            format!("{wall:.2} s")
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} / {} | {} |\n",
            row.label,
            wall,
            row.requests(),
            size(row.bytes_down()),
            size(row.bytes_up()),
            mib(row.peak_rss_kib() * 1024),
        ));
    }
    if let Some(x) = r.speedup() {
        s.push_str(&format!(
            "\ncold sync is {x:.1}x faster than the baseline\n"
        ));
    }
    if let Some(cc) = &r.compile {
        s.push_str(&format!(
            "\ncompile time, {} prompts (debug rebuild of the crate alone, build script included, median of {}): \
             `prompt!` {:.2} s, `include_str!` {:.2} s, ratio {:.2}; binary overhead {:.0} B per prompt beyond its text\n",
            cc.prompts,
            cc.runs,
            cc.macro_build.as_secs_f64(),
            cc.include_build.as_secs_f64(),
            cc.ratio(),
            cc.overhead_per_prompt,
        ));
    }
    if !r.sweep.is_empty() {
        s.push_str("\nengine-only cold sync by fetch concurrency:\n\n| concurrency | wall time |\n|---:|---:|\n");
        for (conc, wall) in &r.sweep {
            s.push_str(&format!(
                "| {conc} | {:.1} ms |\n",
                wall.as_secs_f64() * 1e3
            ));
        }
    }
    s.push_str("\n| target | goal | measured | met |\n|---|---|---|---|\n");
    for ch in checks(r) {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            ch.what,
            ch.target,
            ch.measured,
            if ch.met { "yes" } else { "**no**" }
        ));
    }
    s
}

/// The results as JSON.
pub fn to_json(r: &Results) -> Value {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let rows: Vec<Value> = r
        .rows
        .iter()
        .map(|row| {
            json!({
                "key": row.key,
                "label": row.label,
                "wall_ms": ms(row.wall()),
                "requests": row.requests(),
                "bytes_down": row.bytes_down(),
                "bytes_up": row.bytes_up(),
                "peak_rss_kib": row.peak_rss_kib(),
                "samples": row.samples.iter().map(|s| json!({
                    "wall_ms": ms(s.wall),
                    "requests": s.requests,
                    "bytes_down": s.bytes_down,
                    "bytes_up": s.bytes_up,
                    "peak_rss_kib": s.peak_rss_kib,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "prompts": r.config.prompts,
        "latency_ms": ms(r.config.latency),
        "runs": r.config.runs,
        "cpus": r.cpus,
        "text_bytes": r.text_bytes,
        "rows": rows,
        "speedup_vs_baseline": r.speedup(),
        "compile": r.compile.as_ref().map(|c| json!({
            "prompts": c.prompts,
            "runs": c.runs,
            "prompt_macro_build_ms": ms(c.macro_build),
            "include_str_build_ms": ms(c.include_build),
            "ratio": c.ratio(),
            "prompt_macro_binary_bytes": c.macro_binary,
            "include_str_binary_bytes": c.include_binary,
            "binary_overhead_per_prompt": c.overhead_per_prompt,
        })),
        "concurrency_sweep": r.sweep.iter().map(|(c, w)| json!({"concurrency": c, "wall_ms": ms(*w)})).collect::<Vec<_>>(),
        "targets": checks(r).iter().map(|c| json!({
            "what": c.what, "target": c.target, "measured": c.measured, "met": c.met,
        })).collect::<Vec<_>>(),
    })
}
