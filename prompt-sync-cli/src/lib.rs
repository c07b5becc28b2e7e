//! The `prompt-sync` command line, also run as `cargo prompt-sync`.
//!
//! - `status [--offline] [--json]`: one row per prompt (configured, used by `prompt!`,
//!   or cached) with its three-way state against the hub (`unknown` offline);
//! - `sync [NAME…] [--all] [--auto-push] [--dry-run] [--force-pull] [--json]`: pulls
//!   what changed on the hub, in the original tool's output style;
//! - `push NAME… [--tag TAG]… [--description TEXT] [--dry-run] [--force] [--json]`:
//!   publishes marked local edits, creating new prompts;
//! - `diff NAME [--offline] [--exit-code]`: unified diff hub → local (and base → each
//!   side on a conflict);
//! - `mark-edited NAME`, `new NAME [--from FILE] [--chat]`,
//!   `restore NAME [--backup ID | --list | --hub]`, `repair`;
//! - `check [--offline] [--json]`: the CI gate.
//!
//! Without a subcommand the original smart-prompt-sync flags work: `--all`,
//! `--prompt NAME`, `--status`, `--mark-edited NAME`, `--auto-push`, `--dry-run`.
//! `--workspace` runs `status`, `sync`, `check` and `repair` on every workspace member
//! with `[package.metadata.prompt-sync]`.
//!
//! Exit codes: 0 success, 1 a conflict, an error or a failed check, 2 a usage error
//! (bad arguments, an invalid prompt name).

mod check;
mod cli;
mod connect;
mod diff;
mod error;
mod local_state;
mod mark;
mod new;
mod original;
mod package;
mod push;
mod restore;
mod states;
mod status;
mod sync;
mod sync_output;
mod textdiff;
mod ui;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use serde_json::{Value, json};

use crate::cli::{Cli, Command, DiffArgs, RestoreArgs};
use crate::error::{CliError, EXIT_FAILURE, EXIT_HUB, parse_name};
use crate::package::Package;
use crate::ui::Ui;
use prompt_sync_core::PromptName;

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
    let ui = Ui::new(cli.quiet, cli.verbose);
    let json = cli.command.as_ref().is_some_and(Command::wants_json);
    match execute(cli, &ui) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            ui.error(&e.message);
            for hint in &e.hints {
                ui.hint(hint);
            }
            if json {
                // `--json` always prints a document, even when the command failed
                // before any package ran.
                let doc = json!({ "packages": [], "error": error_json(&e) });
                ui.json(serde_json::to_string_pretty(&doc).unwrap_or_default());
            }
            ExitCode::from(e.code)
        }
    }
}

/// Runs a parsed command line; `Ok` carries the exit code of a command that ran to the
/// end.
fn execute(cli: Cli, ui: &Ui) -> Result<u8, CliError> {
    let Cli {
        manifest_path,
        workspace,
        original,
        command,
        ..
    } = cli;
    let (command, original) = original::resolve(command, original)?;
    if workspace && !command.takes_workspace() && !command.finds_member() {
        return Err(CliError::usage(format!(
            "`{}` works on one package; --workspace goes with status, sync, check and repair (every member), and with push, diff, mark-edited and restore (the member that has the prompt)",
            command.name()
        ))
        .hint("pass --manifest-path the Cargo.toml of the package instead"));
    }
    // With --workspace, a command that names one prompt runs in the member that has it.
    let member = match (&command, workspace) {
        (Command::Diff(DiffArgs { name, .. }), true)
        | (Command::Restore(RestoreArgs { name, .. }), true)
        | (Command::MarkEdited { name }, true) => {
            let members = Package::open_all(manifest_path.as_deref(), true, ui)?;
            Some(member_with(&members, &parse_name(name)?)?.manifest.clone())
        }
        _ => None,
    };
    let manifest = member.as_deref().or(manifest_path.as_deref());
    let each = |ui: &Ui| Package::open_all(manifest, workspace, ui);
    match &command {
        Command::Status(args) => {
            let ui = if args.json { ui.for_json() } else { *ui };
            let ran = for_each(&each(&ui)?, &ui, args.json, |pkg, out| {
                status::run(pkg, args, original, &ui, out).map(|()| false)
            });
            finish(ran, args.json, &ui, None)
        }
        Command::Check(args) => {
            let ui = if args.json { ui.for_json() } else { *ui };
            let mut hub_failed = false;
            let ran = for_each(&each(&ui)?, &ui, args.json, |pkg, out| {
                let verdict = check::run(pkg, args, &ui, out)?;
                hub_failed |= verdict == check::Verdict::HubFailed;
                Ok(verdict == check::Verdict::Problems)
            });
            // A hub that could not be asked fails the check as its own cause; a
            // prompt that needs attention (or a package that failed) comes first.
            match finish(ran, args.json, &ui, None)? {
                0 if hub_failed => Ok(EXIT_HUB),
                code => Ok(code),
            }
        }
        Command::Sync(args) => {
            let names = args
                .names
                .iter()
                .map(|n| parse_name(n))
                .collect::<Result<Vec<_>, _>>()?;
            let ui = if args.json { ui.for_json() } else { *ui };
            let mut packages = each(&ui)?;
            if workspace && !names.is_empty() {
                packages = members_using(packages, &names)?;
            }
            let ran = for_each(&packages, &ui, args.json, |pkg, out| {
                let mine = if workspace && !names.is_empty() {
                    let used = pkg.all_prompts()?;
                    names
                        .iter()
                        .filter(|n| used.contains(*n))
                        .cloned()
                        .collect()
                } else {
                    names.clone()
                };
                sync::run(pkg, &mine, args, &ui, out)
            });
            finish(ran, args.json, &ui, Some(args.dry_run))
        }
        Command::Push(args) if workspace => {
            let names = push::parse_args(args)?;
            let ui = if args.json { ui.for_json() } else { *ui };
            // Each name in the member that has it, member by member (in the order
            // the names first reach them).
            let mut members = Package::open_all(manifest, true, &ui)?;
            let mut by_member: Vec<(PathBuf, Vec<PromptName>)> = Vec::new();
            for name in names {
                let m = member_with(&members, &name)?.manifest.clone();
                match by_member.iter_mut().find(|(p, _)| *p == m) {
                    Some((_, list)) => list.push(name),
                    None => by_member.push((m, vec![name])),
                }
            }
            members.retain(|pkg| by_member.iter().any(|(m, _)| *m == pkg.manifest));
            members.sort_by_key(|pkg| by_member.iter().position(|(m, _)| *m == pkg.manifest));
            let ran = for_each(&members, &ui, args.json, |pkg, out| {
                let names = by_member
                    .iter()
                    .find(|(m, _)| *m == pkg.manifest)
                    .map(|(_, n)| n.as_slice())
                    .unwrap_or_default();
                push::run(pkg, names, args, &ui, out)
            });
            finish(ran, args.json, &ui, Some(args.dry_run))
        }
        Command::Push(args) => {
            let names = push::parse_args(args)?;
            let ui = if args.json { ui.for_json() } else { *ui };
            let pkg = Package::open(manifest, &ui)?;
            let mut out = Vec::new();
            let problems = push::run(&pkg, &names, args, &ui, &mut out)?;
            print_json(args.json, &ui, out, Some(args.dry_run));
            Ok(if problems { EXIT_FAILURE } else { 0 })
        }
        Command::Diff(args) => diff::run(manifest, args, ui),
        Command::MarkEdited { name } => {
            mark::run(manifest, name, original, ui)?;
            Ok(0)
        }
        Command::New(args) => {
            new::run(manifest, args, ui)?;
            Ok(0)
        }
        Command::Restore(args) if args.list => {
            restore::list(manifest, &args.name, ui)?;
            Ok(0)
        }
        Command::Restore(args) if args.hub => {
            restore::from_hub(manifest, &args.name, ui)?;
            Ok(0)
        }
        Command::Restore(args) => {
            restore::run(manifest, &args.name, args.backup.as_deref(), ui)?;
            Ok(0)
        }
        Command::Repair => {
            let ran = for_each(&each(ui)?, ui, false, |pkg, _| {
                restore::repair(Some(&pkg.manifest), ui).map(|()| false)
            });
            finish(ran, false, ui, None)
        }
    }
}

/// What running a command on each package gave.
struct Ran {
    /// A run reported a problem (a conflict, a failed check).
    problems: bool,
    /// The JSON entries, one per package (an `error` entry for a failed one).
    packages: Vec<Value>,
    /// The error of a failed package (the last one).
    failed: Option<CliError>,
    /// Number of packages that failed.
    failures: usize,
    /// Number of packages run.
    total: usize,
}

/// Runs `f` on each package (with a heading when there are several). A package that
/// fails does not stop the others: its error is printed under its heading (and, with
/// `json`, becomes its entry `{"package", "manifest_path", "error": {message, hints}}`).
fn for_each(
    packages: &[Package],
    ui: &Ui,
    json: bool,
    mut f: impl FnMut(&Package, &mut Vec<Value>) -> Result<bool, CliError>,
) -> Ran {
    let mut ran = Ran {
        problems: false,
        packages: Vec::new(),
        failed: None,
        failures: 0,
        total: packages.len(),
    };
    for (i, pkg) in packages.iter().enumerate() {
        if packages.len() > 1 {
            if i > 0 {
                ui.info("");
            }
            ui.info(format!("== {} ({}) ==", pkg.name, pkg.manifest.display()));
        }
        match f(pkg, &mut ran.packages) {
            Ok(problems) => ran.problems |= problems,
            Err(e) => {
                // One package alone without JSON: `run` prints the error as usual.
                if packages.len() > 1 || json {
                    ui.error(&e.message);
                    for hint in &e.hints {
                        ui.hint(hint);
                    }
                }
                if json {
                    ran.packages.push(json!({
                        "package": pkg.name,
                        "manifest_path": pkg.manifest.display().to_string(),
                        "error": error_json(&e),
                    }));
                }
                ran.failures += 1;
                ran.failed = Some(e);
            }
        }
    }
    ran
}

/// Prints the JSON document (with `json`) and gives the exit code: a lone package's
/// own error code, 1 when any package failed or reported a problem, else 0.
fn finish(ran: Ran, json: bool, ui: &Ui, dry_run: Option<bool>) -> Result<u8, CliError> {
    print_json(json, ui, ran.packages, dry_run);
    match ran.failed {
        Some(e) if ran.total == 1 && !json => Err(e),
        Some(e) if ran.total == 1 => Ok(e.code),
        Some(_) => {
            if ran.total > 1 && !json {
                ui.info("");
            }
            ui.error(format!(
                "{} of {} packages failed; see above",
                ran.failures, ran.total
            ));
            Ok(EXIT_FAILURE)
        }
        None => Ok(if ran.problems { EXIT_FAILURE } else { 0 }),
    }
}

/// With `--workspace`: the member (of `members`) that configures, uses or caches
/// `name`. Members that share one cache directory and follow the same ref for it count
/// as one; several other members, or none, are a usage error naming them.
fn member_with<'m>(members: &'m [Package], name: &PromptName) -> Result<&'m Package, CliError> {
    let found: Vec<&Package> = members
        .iter()
        .filter(|pkg| pkg.all_prompts().is_ok_and(|p| p.contains(name)))
        .collect();
    let same = |a: &Package, b: &Package| {
        a.store.layout().root() == b.store.layout().root() && a.hub_ref(name) == b.hub_ref(name)
    };
    match found.as_slice() {
        [] => Err(CliError::usage(format!(
            "no workspace member configures, uses or caches `{name}`"
        ))
        .hint(
            "run the command in the member's directory, or pass --manifest-path MEMBER/Cargo.toml",
        )),
        [first, rest @ ..] if rest.iter().all(|p| same(first, p)) => Ok(first),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|p| format!("{} ({})", p.name, p.manifest.display()))
                .collect();
            Err(CliError::usage(format!(
                "`{name}` is in several workspace members: {}",
                list.join(", ")
            ))
            .hint("pick one with --manifest-path MEMBER/Cargo.toml instead of --workspace"))
        }
    }
}

/// The members of a workspace that configure or use (or cache) one of `names`: a
/// name given with `--workspace` applies only to those. A usage error when a name is
/// used by no member. A member whose prompts cannot be listed is kept, so its error
/// is reported.
fn members_using(
    packages: Vec<Package>,
    names: &[prompt_sync_core::PromptName],
) -> Result<Vec<Package>, CliError> {
    let mut unused: Vec<&prompt_sync_core::PromptName> = names.iter().collect();
    let mut kept = Vec::new();
    for pkg in packages {
        match pkg.all_prompts() {
            Ok(used) => {
                if names.iter().any(|n| used.contains(n)) {
                    unused.retain(|n| !used.contains(*n));
                    kept.push(pkg);
                }
            }
            Err(_) => kept.push(pkg),
        }
    }
    if !unused.is_empty() {
        let list: Vec<String> = unused.iter().map(|n| format!("`{n}`")).collect();
        return Err(CliError::usage(format!(
            "no workspace member configures or uses {}",
            list.join(", ")
        ))
        .hint("add it to a member's [package.metadata.prompt-sync] prompts, or run `prompt-sync --manifest-path MEMBER/Cargo.toml sync NAME` for one member"));
    }
    Ok(kept)
}

/// The `error` object of a JSON document: `{message, hints}`.
fn error_json(e: &CliError) -> Value {
    json!({ "message": e.message, "hints": e.hints })
}

/// Prints the JSON document of a `--json` command: `{"packages": [...]}` (plus
/// `dry_run` for sync and push).
fn print_json(enabled: bool, ui: &Ui, packages: Vec<Value>, dry_run: Option<bool>) {
    if !enabled {
        return;
    }
    let mut doc = json!({ "packages": packages });
    if let (Some(d), Some(obj)) = (dry_run, doc.as_object_mut()) {
        obj.insert("dry_run".to_owned(), Value::Bool(d));
    }
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => ui.json(text),
        Err(e) => ui.error(format!("cannot write JSON: {e}")),
    }
}
