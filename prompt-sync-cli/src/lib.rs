//! The `prompt-sync` command line, also run as `cargo prompt-sync`.
//!
//! This version works on the local cache alone:
//!
//! - `status --offline`: one row per prompt (configured, used by `prompt!`, or cached)
//!   with its state, whether it is locally modified, its last sync, direction and commit;
//! - `check --offline`: exits 0 only if every prompt the package uses is intact and has
//!   no unpushed local edit (exit 1 otherwise), for CI;
//! - `mark-edited NAME`: marks a prompt as locally modified before you edit it;
//! - `restore NAME --list`: lists a prompt's backups.
//!
//! `sync`, `push`, `diff`, `restore` and `new` need the hub client: they take their
//! planned arguments but say they are not available yet.
//!
//! Exit codes: 0 success, 1 a failed check or operation, 2 a usage error (bad
//! arguments, an invalid prompt name, a command this version lacks).

mod check;
mod cli;
mod error;
mod mark;
mod package;
mod restore;
mod status;
mod ui;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::error::{CliError, EXIT_FAILURE};
use crate::package::Package;
use crate::ui::Ui;

/// How the program was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// As `prompt-sync …`.
    Direct,
    /// As `cargo prompt-sync …`: cargo runs `cargo-prompt-sync prompt-sync …`.
    Cargo,
}

/// The entry point of the `prompt-sync` binary.
pub fn main() -> ExitCode {
    run(Invocation::Direct, std::env::args_os())
}

/// The entry point of the `cargo-prompt-sync` binary.
pub fn cargo_main() -> ExitCode {
    run(Invocation::Cargo, std::env::args_os())
}

/// Runs the command line `args` (program name first) and returns the exit code. Output
/// goes to stdout and stderr; nothing panics on bad input.
pub fn run<I, T>(how: Invocation, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let bin_name = match how {
        Invocation::Direct => "prompt-sync",
        Invocation::Cargo => {
            // `cargo prompt-sync x` runs `cargo-prompt-sync prompt-sync x`.
            if args.get(1).is_some_and(|a| a == "prompt-sync") {
                args.remove(1);
            }
            "cargo prompt-sync"
        }
    };
    let mut command = Cli::command().bin_name(bin_name);
    let cli = match command
        .try_get_matches_from_mut(args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are "errors" that print to stdout and exit 0.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_FAILURE));
        }
    };
    let ui = Ui::new(cli.quiet);
    match execute(&cli, &ui) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            ui.error(&e.message);
            for hint in &e.hints {
                ui.hint(hint);
            }
            ExitCode::from(e.code)
        }
    }
}

/// Runs a parsed command; `Ok` carries the exit code of a command that ran to the end.
fn execute(cli: &Cli, ui: &Ui) -> Result<u8, CliError> {
    let manifest = cli.manifest_path.as_deref();
    match &cli.command {
        Command::Status { offline: true } => {
            status::run(&Package::open(manifest, ui)?, ui)?;
            Ok(0)
        }
        Command::Status { offline: false } => Err(CliError::usage(
            "online status needs the hub client, which is not available in this version",
        )
        .hint("run `prompt-sync status --offline` to show the state of the local cache")),
        Command::Check { offline: true } => {
            let clean = check::run(&Package::open(manifest, ui)?, ui)?;
            Ok(if clean { 0 } else { EXIT_FAILURE })
        }
        Command::Check { offline: false } => Err(CliError::usage(
            "an online check needs the hub client, which is not available in this version",
        )
        .hint("run `prompt-sync check --offline` to check the local cache")),
        Command::MarkEdited { name } => {
            mark::run(manifest, name, ui)?;
            Ok(0)
        }
        Command::Restore(args) if args.list => {
            restore::list(manifest, &args.name, ui)?;
            Ok(0)
        }
        Command::Restore(args) => {
            restore::run(manifest, &args.name, args.backup.as_deref(), ui)?;
            Ok(0)
        }
        Command::Repair => {
            restore::repair(manifest, ui)?;
            Ok(0)
        }
        other @ (Command::Sync(_) | Command::Push(_) | Command::Diff { .. } | Command::New(_)) => {
            Err(CliError::not_available(other.name()).hint(
                "`prompt-sync status --offline`, `check --offline`, `mark-edited`, `restore` and `repair` work without it",
            ))
        }
    }
}
