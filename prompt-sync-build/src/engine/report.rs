//! What a sync did (or would do), per prompt and in total, like the original tool's
//! summary.

use std::fmt;
use std::path::PathBuf;

use super::{PlannedPrompt, State};

/// What happened to one prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A prompt the cache lacked was pulled.
    Pulled,
    /// The hub's newer version replaced the cached text (backed up first).
    Updated {
        /// The backup of the replaced text.
        backup: Option<PathBuf>,
    },
    /// A marked local edit was pushed.
    Pushed {
        /// The new commit.
        commit: Option<String>,
    },
    /// The hub already had the local text; the metadata now says so.
    Recorded,
    /// Already identical to the hub.
    Unchanged,
    /// A marked local edit that is not on the hub yet (kept).
    LocalEdit,
    /// An edit that was not marked (kept; the macro refuses it).
    UnmarkedEdit,
    /// Both sides changed (kept), with what to do.
    Conflict(String),
    /// It failed, with the cause.
    Error(String),
    /// Dry run: would pull a missing prompt.
    WouldPull,
    /// Dry run: would update from the hub.
    WouldUpdate,
    /// Dry run: would record the hub's commit.
    WouldRecord,
    /// Dry run: would push.
    WouldPush,
    /// A write a killed process left half done (a dry run does not repair it; the
    /// next real sync or `prompt-sync repair` finishes it). Not a problem.
    Interrupted,
    /// `--auto-push` did not push a marked local edit, with why and the command that
    /// publishes it (kept; counted as a conflict).
    PushRefused(String),
}

/// One line of the report.
#[derive(Clone, Debug)]
pub struct PromptReport {
    /// The prompt.
    pub name: String,
    /// Its three-way state, when known.
    pub state: Option<State>,
    /// What happened.
    pub outcome: Outcome,
}

/// Counts like the original tool's summary block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Prompts considered.
    pub total: usize,
    /// Missing prompts pulled.
    pub pulled: usize,
    /// Prompts updated from the hub.
    pub updated: usize,
    /// Prompts pushed.
    pub pushed: usize,
    /// Conflicts and unmarked edits kept.
    pub conflicts: usize,
    /// Failures.
    pub errors: usize,
    /// Unchanged (including recorded and kept marked edits).
    pub unchanged: usize,
}

/// The whole report.
#[derive(Clone, Debug, Default)]
pub struct SyncReport {
    /// One entry per prompt, in target order.
    pub prompts: Vec<PromptReport>,
    /// What repairing interrupted writes did first.
    pub repaired: Vec<String>,
}

impl SyncReport {
    pub(crate) fn push(&mut self, p: &PlannedPrompt, outcome: Outcome) {
        self.prompts.push(PromptReport {
            name: p.target.name.as_str().to_owned(),
            state: p.state,
            outcome,
        });
    }

    /// The totals.
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            total: self.prompts.len(),
            ..Totals::default()
        };
        for p in &self.prompts {
            match p.outcome {
                Outcome::Pulled | Outcome::WouldPull => t.pulled += 1,
                Outcome::Updated { .. } | Outcome::WouldUpdate => t.updated += 1,
                Outcome::Pushed { .. } | Outcome::WouldPush => t.pushed += 1,
                Outcome::Conflict(_) | Outcome::UnmarkedEdit | Outcome::PushRefused(_) => {
                    t.conflicts += 1;
                }
                Outcome::Error(_) => t.errors += 1,
                Outcome::Recorded
                | Outcome::WouldRecord
                | Outcome::Unchanged
                | Outcome::LocalEdit
                | Outcome::Interrupted => t.unchanged += 1,
            }
        }
        t
    }

    /// True when a conflict, an unmarked edit or an error remains.
    pub fn has_problems(&self) -> bool {
        let t = self.totals();
        t.conflicts + t.errors > 0
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Pulled => f.write_str("pulled from hub"),
            Outcome::Updated { .. } => f.write_str("updated from hub (old text backed up)"),
            Outcome::Pushed { commit } => match commit {
                Some(c) => write!(f, "pushed to hub (commit {})", c.get(..8).unwrap_or(c)),
                None => f.write_str("pushed to hub"),
            },
            Outcome::Recorded => f.write_str("identical to hub (recorded)"),
            Outcome::Unchanged => f.write_str("identical to hub"),
            Outcome::LocalEdit => f.write_str("local edit not pushed yet (run `prompt-sync push`)"),
            Outcome::UnmarkedEdit => f.write_str(
                "edited but not marked: kept; run `prompt-sync mark-edited` to keep it or `prompt-sync restore` to discard it",
            ),
            Outcome::Conflict(why) => write!(f, "conflict: kept the local text; {why}"),
            Outcome::Error(e) => write!(f, "error: {e}"),
            Outcome::WouldPull => f.write_str("would pull from hub"),
            Outcome::WouldUpdate => f.write_str("would update from hub"),
            Outcome::WouldRecord => f.write_str("would record the hub's commit"),
            Outcome::WouldPush => f.write_str("would push to hub"),
            Outcome::Interrupted => f.write_str(
                "interrupted write: `prompt-sync sync` or `prompt-sync repair` will finish it",
            ),
            Outcome::PushRefused(why) => write!(f, "not pushed: {why}"),
        }
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.repaired {
            writeln!(f, "repaired: {r}")?;
        }
        for p in &self.prompts {
            writeln!(f, "{}: {}", p.name, p.outcome)?;
        }
        let t = self.totals();
        writeln!(f, "Total: {}", t.total)?;
        writeln!(f, "Pulled from hub: {}", t.pulled)?;
        writeln!(f, "Updated from hub: {}", t.updated)?;
        writeln!(f, "Pushed to hub: {}", t.pushed)?;
        writeln!(f, "Conflicts: {}", t.conflicts)?;
        writeln!(f, "Errors: {}", t.errors)?;
        write!(f, "Unchanged: {}", t.unchanged)
    }
}
