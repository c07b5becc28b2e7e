//! The prompt-sync performance benchmark: sync speed, HTTP requests, bytes and peak
//! memory against the fake hub on 127.0.0.1, and the compile-time cost of `prompt!`.
//! See `prompt_sync_tests::bench`.
//!
//! ```text
//! cargo run --release -p prompt-sync-tests --bin bench -- [--prompts N] [--latency-ms MS]
//!     [--runs R] [--json] [--compile-prompts N | --no-compile] [--sweep C,C,...]
//! ```

use std::time::Duration;

use prompt_sync_tests::bench::{self, Config, child};

const USAGE: &str = "usage: bench [--prompts N (500)] [--latency-ms MS (20)] [--runs R (5)] [--json]
             [--compile-prompts N (200)] [--no-compile] [--sweep C,C,... (fetch concurrencies to compare)]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(child::SUBCOMMAND) {
        if let Err(e) = child::main(&args[1..]) {
            eprintln!("bench child: {e}");
            std::process::exit(1);
        }
        return;
    }
    let (config, json) = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    match bench::run(&config) {
        Ok(results) => {
            if json {
                println!("{:#}", bench::to_json(&results));
            } else {
                print!("{}", bench::table(&results));
            }
        }
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    }
}

fn parse(args: &[String]) -> Result<(Config, bool), String> {
    let mut config = Config {
        prompts: 500,
        latency: Duration::from_millis(20),
        runs: 5,
        compile_prompts: Some(200),
        sweep: Vec::new(),
    };
    let mut json = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |what: &str| -> Result<String, String> {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs {what}"))
        };
        let number = |v: String| -> Result<usize, String> {
            v.parse::<usize>()
                .map_err(|_| format!("{arg}: `{v}` is not a number"))
        };
        match arg.as_str() {
            "--prompts" => config.prompts = number(value("a count")?)?.max(1),
            "--latency-ms" => {
                config.latency = Duration::from_millis(number(value("milliseconds")?)? as u64)
            }
            "--runs" => config.runs = number(value("a count")?)?.max(1),
            "--compile-prompts" => config.compile_prompts = Some(number(value("a count")?)?.max(1)),
            "--no-compile" => config.compile_prompts = None,
            "--sweep" => {
                config.sweep = value("a list")?
                    .split(',')
                    .map(|c| number(c.trim().to_owned()))
                    .collect::<Result<_, _>>()?
            }
            "--json" => json = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok((config, json))
}
