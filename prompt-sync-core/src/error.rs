//! The one error type of the store. Every message names the file involved and, where
//! there is one, the command that fixes it.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::name::NameError;

/// Result with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong in the store.
#[derive(Debug)]
pub enum Error {
    /// A prompt name (or ref) was refused.
    InvalidName {
        /// The name as given (control characters escaped when displayed).
        name: String,
        /// Where it came from, e.g. "config key `prompts`".
        source_desc: String,
        /// Why.
        reason: NameError,
    },
    /// A file operation failed.
    Io {
        /// What we were doing, e.g. "read".
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A metadata file is not valid JSON or not valid metadata.
    MetadataCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A prompt file is not UTF-8.
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// A config file (Cargo.toml) has a bad value.
    Config {
        /// The Cargo.toml.
        path: PathBuf,
        /// What is wrong, naming the key.
        detail: String,
    },
    /// A LangChain manifest that prompt-sync cannot represent.
    Manifest {
        /// What is unsupported or malformed.
        detail: String,
    },
    /// A chat prompt's text does not follow the sectioned format.
    ChatText {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: crate::chat_text::ChatTextError,
    },
    /// A prompt cannot be restored.
    Restore {
        /// The prompt.
        name: String,
        /// Why, and what to do instead.
        detail: String,
    },
    /// A write was attempted without the cache's exclusive lock.
    LockNotHeld {
        /// The lock file that should have been held.
        path: PathBuf,
    },
    /// Waiting for the cache lock took too long.
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long we waited, in seconds.
        waited_secs: u64,
    },
}

impl Error {
    /// Wraps an I/O error with the operation and the path.
    pub fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        Error::Io {
            op,
            path: path.to_owned(),
            source,
        }
    }

    /// A refused name, with where it came from.
    pub fn invalid_name(name: &str, source_desc: impl Into<String>, reason: NameError) -> Self {
        Error::InvalidName {
            name: name.to_owned(),
            source_desc: source_desc.into(),
            reason,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidName {
                name,
                source_desc,
                reason,
            } => write!(
                f,
                "invalid prompt name {:?} in {source_desc}: {reason}",
                name
            ),
            Error::Io { op, path, source } => {
                write!(f, "cannot {op} `{}`: {source}", path.display())
            }
            Error::MetadataCorrupt { path, detail } => write!(
                f,
                "metadata file `{}` is corrupt: {detail}; restore it from git (`git checkout -- {}`), or take the hub's version again with `prompt-sync sync --force-pull` (the text is backed up first; a plain `prompt-sync sync` does it when the text is the hub's)",
                path.display(),
                path.display()
            ),
            Error::NotUtf8 { path } => write!(
                f,
                "prompt file `{}` is not valid UTF-8; restore it with `prompt-sync restore` or from git",
                path.display()
            ),
            Error::Config { path, detail } => {
                write!(
                    f,
                    "bad prompt-sync config in `{}`: {detail}",
                    path.display()
                )
            }
            Error::Manifest { detail } => write!(f, "unsupported prompt manifest: {detail}"),
            Error::ChatText { path, source } => write!(
                f,
                "chat prompt file `{}` does not follow the sectioned format: {source}",
                path.display()
            ),
            Error::Restore { name, detail } => {
                write!(f, "cannot restore prompt `{name}`: {detail}")
            }
            Error::LockNotHeld { path } => write!(
                f,
                "internal error: a cache write without the exclusive lock `{}`",
                path.display()
            ),
            Error::LockTimeout { path, waited_secs } => write!(
                f,
                "another process has held the cache lock `{}` for {waited_secs} s (a sync, a build or rust-analyzer); wait for it to finish and retry. The lock is released when its holder exits, so do not delete the file",
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::ChatText { source, .. } => Some(source),
            _ => None,
        }
    }
}
