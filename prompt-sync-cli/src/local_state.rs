//! What the cache alone says about one prompt (the core's verification, as a state).

use prompt_sync_core::error::Error;
use prompt_sync_core::verify::{self, Problem, Verified};

/// What the cache says about one prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LocalCheck {
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
    /// Git turned the text's line endings into CRLF.
    LineEndings,
    /// The metadata records no SHA-256 (the original tool's older shape).
    Unverified,
    /// A sync was killed half-way.
    Interrupted,
    /// A chat prompt's text does not parse.
    BadChatText,
    /// Metadata or text is corrupt (bad JSON, not UTF-8).
    Corrupt,
    /// Reading failed.
    Unreadable,
}

impl LocalCheck {
    /// The state of a verification result.
    pub(crate) fn of(result: &Result<Verified, verify::Failure>) -> LocalCheck {
        match result {
            Ok(v) if v.metadata.locally_modified => LocalCheck::MarkedEdit,
            Ok(_) => LocalCheck::Ok,
            Err(f) => match &f.problem {
                Problem::Missing {
                    text_exists: false,
                    metadata_exists: false,
                } => LocalCheck::Missing,
                Problem::Missing {
                    text_exists: false, ..
                } => LocalCheck::MissingText,
                Problem::Missing { .. } => LocalCheck::MissingMetadata,
                Problem::UnmarkedEdit { .. } => LocalCheck::UnmarkedEdit,
                Problem::MetadataMismatch { .. } => LocalCheck::MetadataMismatch,
                Problem::LineEndings { .. } => LocalCheck::LineEndings,
                Problem::Unverified => LocalCheck::Unverified,
                Problem::Interrupted => LocalCheck::Interrupted,
                Problem::BadChatText(_) => LocalCheck::BadChatText,
                Problem::Store(Error::MetadataCorrupt { .. } | Error::NotUtf8 { .. }) => {
                    LocalCheck::Corrupt
                }
                Problem::Store(_) => LocalCheck::Unreadable,
            },
        }
    }

    /// The label of the state.
    pub(crate) fn label(self) -> &'static str {
        match self {
            LocalCheck::Ok => "ok",
            LocalCheck::MarkedEdit => "marked edit",
            LocalCheck::UnmarkedEdit => "unmarked edit",
            LocalCheck::Missing => "missing",
            LocalCheck::MissingText => "missing text",
            LocalCheck::MissingMetadata => "missing metadata",
            LocalCheck::MetadataMismatch => "metadata mismatch",
            LocalCheck::LineEndings => "CRLF line endings",
            LocalCheck::Unverified => "unverified",
            LocalCheck::Interrupted => "interrupted",
            LocalCheck::BadChatText => "bad chat text",
            LocalCheck::Corrupt => "corrupt",
            LocalCheck::Unreadable => "unreadable",
        }
    }

    /// True when the prompt cannot be embedded as it is.
    pub(crate) fn needs_attention(self) -> bool {
        !matches!(self, LocalCheck::Ok | LocalCheck::MarkedEdit)
    }
}
