//! `prompt-sync status --offline`: one row per prompt, read from the cache alone.

use std::collections::BTreeSet;

use prompt_sync_core::error::Error;
use prompt_sync_core::hash::short;
use prompt_sync_core::verify::{self, Problem, Verified};
use prompt_sync_core::{Metadata, PromptName};

use crate::error::CliError;
use crate::package::Package;
use crate::ui::{Ui, count, show_path};

/// What the cache says about one prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Intact, as last synced.
    Ok,
    /// Edited after `mark-edited`: will be pushed, the macro accepts it.
    MarkedEdit,
    /// Edited without `mark-edited`: the macro refuses it.
    UnmarkedEdit,
    /// Neither text nor metadata.
    Missing,
    /// Metadata without text.
    MissingText,
    /// Text without metadata.
    MissingMetadata,
    /// The metadata's hash was changed by hand.
    MetadataMismatch,
    /// A sync was killed half-way.
    Interrupted,
    /// A chat prompt's text does not parse.
    BadChatText,
    /// Metadata or text is corrupt (bad JSON, not UTF-8).
    Corrupt,
    /// Reading failed.
    Unreadable,
}

impl State {
    /// The state of a verification result.
    pub(crate) fn of(result: &Result<Verified, verify::Failure>) -> State {
        match result {
            Ok(v) if v.metadata.locally_modified => State::MarkedEdit,
            Ok(_) => State::Ok,
            Err(f) => match &f.problem {
                Problem::Missing {
                    text_exists: false,
                    metadata_exists: false,
                } => State::Missing,
                Problem::Missing {
                    text_exists: false, ..
                } => State::MissingText,
                Problem::Missing { .. } => State::MissingMetadata,
                Problem::UnmarkedEdit { .. } => State::UnmarkedEdit,
                Problem::MetadataMismatch { .. } => State::MetadataMismatch,
                Problem::Interrupted => State::Interrupted,
                Problem::BadChatText(_) => State::BadChatText,
                Problem::Store(Error::MetadataCorrupt { .. } | Error::NotUtf8 { .. }) => {
                    State::Corrupt
                }
                Problem::Store(_) => State::Unreadable,
            },
        }
    }

    /// The STATE column.
    pub(crate) fn label(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::MarkedEdit => "marked edit",
            State::UnmarkedEdit => "unmarked edit",
            State::Missing => "missing",
            State::MissingText => "missing text",
            State::MissingMetadata => "missing metadata",
            State::MetadataMismatch => "metadata mismatch",
            State::Interrupted => "interrupted",
            State::BadChatText => "bad chat text",
            State::Corrupt => "corrupt",
            State::Unreadable => "unreadable",
        }
    }

    /// True when the prompt cannot be embedded as it is.
    pub(crate) fn needs_attention(self) -> bool {
        !matches!(self, State::Ok | State::MarkedEdit)
    }
}

const HEADER: [&str; 6] = ["NAME", "STATE", "LOCAL", "LAST SYNC", "DIRECTION", "COMMIT"];

/// Runs `status --offline`.
pub(crate) fn run(pkg: &Package, ui: &Ui) -> Result<(), CliError> {
    let listing = pkg.store.layout().list()?;
    let mut names: BTreeSet<PromptName> =
        pkg.config.prompts.iter().map(|p| p.name.clone()).collect();
    names.extend(pkg.used_prompts()?.into_keys());
    names.extend(listing.names);

    let _lock = pkg.store.lock_shared(|p| ui.waiting_for_lock(p))?;
    let mut rows = Vec::with_capacity(names.len());
    let (mut modified, mut attention) = (0, 0);
    for name in &names {
        let result = verify::verify(&pkg.store, name);
        let state = State::of(&result);
        let metadata = match result {
            Ok(v) => Some(v.metadata),
            // Whatever is wrong, show what the metadata says if it can be read.
            Err(_) => pkg.store.read_metadata(name).ok().flatten(),
        };
        if metadata.as_ref().is_some_and(|m| m.locally_modified) {
            modified += 1;
        }
        if state.needs_attention() {
            attention += 1;
        }
        rows.push(row(name, state, metadata.as_ref()));
    }

    ui.info(format!(
        "cache: {}",
        show_path(pkg.store.layout().root(), &pkg.dir)
    ));
    if rows.is_empty() {
        ui.info("no prompts: none configured in [package.metadata.prompt-sync], used by `prompt!` or cached");
    } else {
        for line in table(&rows) {
            ui.out(line);
        }
    }
    let mut summary = format!(
        "{}, {} locally modified",
        count(rows.len(), "prompt", "prompts"),
        modified
    );
    if attention > 0 {
        summary.push_str(&format!(", {attention} need attention"));
    }
    ui.out(summary);
    if attention > 0 {
        ui.note("hint: run `prompt-sync check --offline` for what is wrong and how to fix it");
    }
    for path in &listing.ignored {
        ui.note(format!(
            "note: ignored `{}`: its name is not a valid prompt name",
            show_path(path, &pkg.dir)
        ));
    }
    Ok(())
}

fn row(name: &PromptName, state: State, metadata: Option<&Metadata>) -> [String; 6] {
    let dash = || "-".to_owned();
    let local = match metadata {
        Some(m) if m.locally_modified => "yes".to_owned(),
        Some(_) => "no".to_owned(),
        None => dash(),
    };
    [
        name.to_string(),
        state.label().to_owned(),
        local,
        metadata
            .and_then(|m| m.last_sync_timestamp.clone())
            .unwrap_or_else(dash),
        metadata
            .and_then(|m| m.sync_direction.clone())
            .unwrap_or_else(dash),
        metadata
            .and_then(|m| m.hub_commit_hash.as_deref())
            .map(|h| short(h).to_owned())
            .unwrap_or_else(dash),
    ]
}

/// Lays out the header and rows in columns (two spaces apart, no trailing spaces).
fn table(rows: &[[String; 6]]) -> Vec<String> {
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header = HEADER.map(str::to_owned);
    std::iter::once(&header)
        .chain(rows)
        .map(|cells| {
            let mut line = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i + 1 == cells.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let rows = [[
            "a_long_name".to_owned(),
            "ok".to_owned(),
            "no".to_owned(),
            "-".to_owned(),
            "pull".to_owned(),
            "-".to_owned(),
        ]];
        let t = table(&rows);
        assert_eq!(
            t[0],
            "NAME         STATE  LOCAL  LAST SYNC  DIRECTION  COMMIT"
        );
        assert_eq!(t[1], "a_long_name  ok     no     -          pull       -");
    }
}
