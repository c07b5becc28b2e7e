//! Runs the fake LangSmith prompt hub until killed or until stdin closes:
//!
//! ```text
//! cargo run -p prompt-sync-tests --bin fake-hub -- [--seed FILE.json] [--port N]
//!     [--api-key KEY] [--tenant-handle HANDLE] [--ignore-stdin]
//! ```
//!
//! `--seed` takes a JSON object `{"prompt-name": manifest, …}`; a value that is an
//! array seeds one commit per element, oldest first. Prints
//! `fake-hub listening on http://127.0.0.1:PORT` once ready. With `--ignore-stdin`
//! it runs until killed even when stdin is closed or `/dev/null`.

use std::io::{Read, Write};
use std::process::ExitCode;

use prompt_sync_tests::fake_hub::{FakeHub, Options};
use serde_json::Value;

struct Args {
    seed: Option<String>,
    port: u16,
    opts: Options,
    ignore_stdin: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seed: None,
        port: 0,
        opts: Options::default(),
        ignore_stdin: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().ok_or(format!("{flag} needs a value"));
        match a.as_str() {
            "--seed" => args.seed = Some(value("--seed")?),
            "--port" => {
                let v = value("--port")?;
                args.port = v.parse().map_err(|_| format!("bad port {v:?}"))?;
            }
            "--api-key" => args.opts.api_key = Some(value("--api-key")?),
            "--tenant-handle" => args.opts.tenant_handle = Some(value("--tenant-handle")?),
            "--ignore-stdin" => args.ignore_stdin = true,
            "-h" | "--help" => {
                return Err(
                    "usage: fake-hub [--seed FILE.json] [--port N] [--api-key KEY] \
                            [--tenant-handle HANDLE] [--ignore-stdin]"
                        .into(),
                );
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok(args)
}

fn seed(hub: &FakeHub, path: &str) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))?;
    let Value::Object(prompts) = json else {
        return Err(format!("{path}: expected an object {{name: manifest}}"));
    };
    let mut commits = 0;
    for (name, v) in prompts {
        let manifests = match v {
            Value::Array(list) => list,
            other => vec![other],
        };
        for m in manifests {
            hub.put_prompt(&name, m);
            commits += 1;
        }
    }
    Ok(commits)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("fake-hub: {msg}");
            return ExitCode::from(2);
        }
    };
    let hub = match FakeHub::try_start_on(args.opts, args.port) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("fake-hub: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.seed {
        match seed(&hub, path) {
            Ok(n) => eprintln!("fake-hub: seeded {n} commit(s) from {path}"),
            Err(msg) => {
                eprintln!("fake-hub: {msg}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut out = std::io::stdout();
    if writeln!(out, "fake-hub listening on {}", hub.url())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    if args.ignore_stdin {
        loop {
            std::thread::park();
        }
    }
    // Run until stdin reaches EOF (the parent closed it or exited).
    let mut sink = [0u8; 1024];
    let mut stdin = std::io::stdin();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    drop(hub);
    ExitCode::SUCCESS
}
