//! The command line, as clap sees it: the subcommands, and the original
//! `smart-prompt-sync` tool's flags, which are accepted when no subcommand is given.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

/// How the original tool's command lines map onto the subcommands (shown in `--help`).
const ORIGINAL_FLAGS_HELP: &str = "\
The original smart-prompt-sync command lines keep working:
  prompt-sync --all                             = prompt-sync sync --all
  prompt-sync --prompt NAME [--prompt NAME2]    = prompt-sync sync NAME [NAME2]
  prompt-sync --prompt NAME --auto-push         = prompt-sync sync NAME --auto-push
  prompt-sync --all --dry-run                   = prompt-sync sync --all --dry-run
  prompt-sync --status                          = prompt-sync status (the original table)
  prompt-sync --mark-edited NAME                = prompt-sync mark-edited NAME

Environment: LANGSMITH_API_KEY / LANGCHAIN_API_KEY (never printed), LANGSMITH_ENDPOINT,
LANGSMITH_WORKSPACE_ID, PROMPT_SYNC_DIR, PROMPT_SYNC_TIMEOUT, PROMPT_SYNC_OFFLINE, NO_COLOR.
Exit status: 0 success, 1 a conflict, an error or a failed check, 2 a usage error, 3 `check`
could not compare with the hub (and found nothing else wrong).";

/// Keeps a package's LangSmith Prompt Hub cache in step with the hub, and lets you edit
/// and publish cached prompts safely.
#[derive(Debug, Parser)]
#[command(
    name = "prompt-sync",
    version,
    max_term_width = 100,
    after_help = ORIGINAL_FLAGS_HELP
)]
pub(crate) struct Cli {
    /// The package's Cargo.toml [default: the nearest Cargo.toml with a [package] table,
    /// searching upward from the current directory]
    #[arg(long, value_name = "PATH", global = true)]
    pub manifest_path: Option<PathBuf>,

    /// Work on every workspace member with [package.metadata.prompt-sync]
    /// (status, sync, check, repair), or on the member that has the named prompt
    /// (push, diff, mark-edited, restore)
    #[arg(long, global = true)]
    pub workspace: bool,

    /// Print only results, warnings and errors (no hints, notes or progress)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print what is being done (hub, owner, cache, requests); never the API key
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// The original tool's flags.
    #[command(flatten)]
    pub original: OriginalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The original smart-prompt-sync flags, used when no subcommand is given.
#[derive(Debug, Args)]
#[command(next_help_heading = "Original smart-prompt-sync flags (without a subcommand)")]
pub(crate) struct OriginalArgs {
    /// Sync all prompts: `sync --all`
    #[arg(long = "all", conflicts_with = "prompt")]
    pub all: bool,
    /// Sync this prompt (repeatable): `sync NAME…`
    #[arg(long = "prompt", value_name = "NAME")]
    pub prompt: Vec<String>,
    /// Show the sync status: `status`
    #[arg(long = "status", conflicts_with_all = ["all", "prompt", "mark_edited", "auto_push", "dry_run"])]
    pub status: bool,
    /// Mark a prompt as locally edited: `mark-edited NAME`
    #[arg(long = "mark-edited", value_name = "NAME", conflicts_with_all = ["all", "prompt", "auto_push", "dry_run"])]
    pub mark_edited: Option<String>,
    /// With --all / --prompt: push marked local edits (`sync --auto-push`)
    #[arg(long = "auto-push")]
    pub auto_push: bool,
    /// With --all / --prompt: show what would change, change nothing (`sync --dry-run`)
    #[arg(long = "dry-run")]
    pub dry_run: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show the sync state of every prompt: configured, used by `prompt!`, or cached
    Status(StatusArgs),

    /// Pull what changed on the hub into the cache (and push marked edits with --auto-push)
    Sync(SyncArgs),

    /// Publish marked local edits to the hub (creating new prompts)
    Push(PushArgs),

    /// Show how a cached prompt differs from the hub's version
    Diff(DiffArgs),

    /// Mark a prompt as locally modified, before you edit its cached text
    MarkEdited {
        /// The prompt
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// Bring back an earlier text of a prompt: the last synced text, a backup, or the hub's
    Restore(RestoreArgs),

    /// Finish or roll back writes that a killed process left in the cache
    Repair,

    /// Start a new prompt locally; `push` creates it on the hub
    New(NewArgs),

    /// Fail unless every prompt the package uses is intact, pushed and (online) equal to
    /// the hub (for CI)
    Check(CheckArgs),
}

/// Arguments of `status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Read the local cache only, without asking the hub (the hub's side shows as unknown)
    #[arg(long)]
    pub offline: bool,
    /// Print JSON (see the README for its shape)
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Check the local cache only, without asking the hub
    #[arg(long)]
    pub offline: bool,
    /// Print JSON (see the README for its shape)
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `sync`.
#[derive(Debug, Args, Default)]
pub(crate) struct SyncArgs {
    /// The prompts to sync [default: every cached prompt]
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Also pull the prompts the config lists or `prompt!` uses that the cache lacks
    #[arg(long, conflicts_with = "names")]
    pub all: bool,
    /// Push marked local edits whose hub side has not moved
    #[arg(long)]
    pub auto_push: bool,
    /// Show what would change, change nothing (no file, no hub write)
    #[arg(long)]
    pub dry_run: bool,
    /// Take the hub's version over unmarked edits and conflicts (yours are backed up)
    #[arg(long)]
    pub force_pull: bool,
    /// Print JSON (see the README for its shape)
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `push`.
#[derive(Debug, Args)]
pub(crate) struct PushArgs {
    /// The prompts to publish
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
    /// Tag the new commit (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// The description of the new commit
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Show what would be pushed, push nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Push even when the hub changed since the last sync (a conflict)
    #[arg(long)]
    pub force: bool,
    /// Print JSON (see the README for its shape)
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The prompt
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Compare with the text of the last sync instead of asking the hub
    #[arg(long)]
    pub offline: bool,
    /// Exit with 1 when the texts differ (like `git diff --exit-code`)
    #[arg(long)]
    pub exit_code: bool,
}

/// Arguments of `restore`.
#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// The prompt
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The backup to restore, as shown by `--list` [default: the hub's text as of the last sync]
    #[arg(long, value_name = "ID", conflicts_with_all = ["list", "hub"])]
    pub backup: Option<String>,
    /// List the prompt's backups, oldest first (works offline)
    #[arg(long, conflicts_with = "hub")]
    pub list: bool,
    /// Restore the hub's current text (asks the hub; the replaced text is backed up)
    #[arg(long)]
    pub hub: bool,
}

/// Arguments of `new`.
#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The new prompt's name
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Take the text from this file
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Create a chat prompt (sectioned messages) instead of a text prompt
    #[arg(long)]
    pub chat: bool,
}

impl Command {
    /// The subcommand's name as typed.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Command::Status(_) => "status",
            Command::Sync(_) => "sync",
            Command::Push(_) => "push",
            Command::Diff(_) => "diff",
            Command::MarkEdited { .. } => "mark-edited",
            Command::Restore(_) => "restore",
            Command::New(_) => "new",
            Command::Repair => "repair",
            Command::Check(_) => "check",
        }
    }

    /// True when the command was asked for JSON (`--json`).
    pub(crate) fn wants_json(&self) -> bool {
        match self {
            Command::Status(a) => a.json,
            Command::Check(a) => a.json,
            Command::Sync(a) => a.json,
            Command::Push(a) => a.json,
            _ => false,
        }
    }

    /// True for the commands that `--workspace` runs on every member.
    pub(crate) fn takes_workspace(&self) -> bool {
        matches!(
            self,
            Command::Status(_) | Command::Sync(_) | Command::Check(_) | Command::Repair
        )
    }

    /// True for the commands that, with `--workspace`, run in the member that has the
    /// prompts they name.
    pub(crate) fn finds_member(&self) -> bool {
        matches!(
            self,
            Command::Push(_) | Command::Diff(_) | Command::MarkEdited { .. } | Command::Restore(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
