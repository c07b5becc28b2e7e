//! The command line, as clap sees it.
//!
//! Commands that need the hub client (`sync`, `push`, `diff`,
//! `new`) already take their planned arguments, so `--help` shows the whole surface, but
//! running them says they are not available yet.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Keeps a package's LangSmith Prompt Hub cache in step with the hub, and lets you edit
/// cached prompts safely.
#[derive(Debug, Parser)]
#[command(name = "prompt-sync", version, max_term_width = 100)]
pub(crate) struct Cli {
    /// The package's Cargo.toml [default: the nearest Cargo.toml with a [package] table,
    /// searching upward from the current directory]
    #[arg(long, value_name = "PATH", global = true)]
    pub manifest_path: Option<PathBuf>,

    /// Print only results, warnings and errors (no hints or notes)
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show the sync state of every prompt: configured, used by `prompt!`, or cached
    Status {
        /// Read the local cache only, without asking the hub
        #[arg(long)]
        offline: bool,
    },

    /// Pull what changed on the hub into the cache (needs the hub client)
    Sync(SyncArgs),

    /// Publish marked local edits to the hub (needs the hub client)
    Push(PushArgs),

    /// Show how a cached prompt differs from the hub's version (needs the hub client)
    Diff {
        /// The prompt
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// Mark a prompt as locally modified, before you edit its cached text
    MarkEdited {
        /// The prompt
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// Bring back an earlier text of a prompt from its backups
    Restore(RestoreArgs),

    /// Finish or roll back writes that a killed process left in the cache
    Repair,
    /// Create a new prompt locally, to push later (needs the hub client)
    New(NewArgs),

    /// Fail unless every prompt the package uses is intact and has no unpushed edits (for CI)
    Check {
        /// Check the local cache only, without asking the hub
        #[arg(long)]
        offline: bool,
    },
}

/// Arguments of `sync`.
#[derive(Debug, Args)]
#[allow(
    dead_code,
    reason = "the planned arguments are parsed now and used once the hub client lands"
)]
pub(crate) struct SyncArgs {
    /// The prompts to sync [default: every prompt the package uses]
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Sync every configured, used and cached prompt
    #[arg(long, conflicts_with = "names")]
    pub all: bool,
    /// Push marked local edits instead of only reporting them
    #[arg(long)]
    pub auto_push: bool,
    /// Show what would change, change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Take the hub's version even over local edits (they are backed up first)
    #[arg(long)]
    pub force_pull: bool,
}

/// Arguments of `push`.
#[derive(Debug, Args)]
#[allow(
    dead_code,
    reason = "the planned arguments are parsed now and used once the hub client lands"
)]
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
}

/// Arguments of `restore`.
#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// The prompt
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The backup to restore, as shown by `--list` [default: the hub's text as of the last sync]
    #[arg(long, value_name = "ID", conflicts_with = "list")]
    pub backup: Option<String>,
    /// List the prompt's backups, oldest first (works offline)
    #[arg(long)]
    pub list: bool,
}

/// Arguments of `new`.
#[derive(Debug, Args)]
#[allow(
    dead_code,
    reason = "the planned arguments are parsed now and used once the hub client lands"
)]
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
            Command::Status { .. } => "status",
            Command::Sync(_) => "sync",
            Command::Push(_) => "push",
            Command::Diff { .. } => "diff",
            Command::MarkEdited { .. } => "mark-edited",
            Command::Restore(_) => "restore",
            Command::New(_) => "new",
            Command::Repair => "repair",
            Command::Check { .. } => "check",
        }
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
