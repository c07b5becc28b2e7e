//! The error a command ends with: a message, hints, and the exit code.

use std::fmt;

use prompt_sync_core::{Error, NameError, PromptName};

/// Exit code of a failed check or a failed operation.
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit code of a usage error: bad arguments, or a command this version lacks.
pub(crate) const EXIT_USAGE: u8 = 2;

/// `check`: the cache passed its own checks but could not be compared with the hub
/// (unreachable, too slow, refusing the key, or a bad endpoint).
pub(crate) const EXIT_HUB: u8 = 3;

/// Why a command failed.
#[derive(Debug)]
pub(crate) struct CliError {
    /// The exit code.
    pub code: u8,
    /// The message, printed after `error: `.
    pub message: String,
    /// Follow-up lines, printed after `hint: `.
    pub hints: Vec<String>,
}

impl CliError {
    /// A usage error (exit code 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_USAGE,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// A failure (exit code 1).
    pub(crate) fn failure(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_FAILURE,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// Adds a hint line.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        let code = match e {
            Error::InvalidName { .. } => EXIT_USAGE,
            _ => EXIT_FAILURE,
        };
        CliError {
            code,
            message: e.to_string(),
            hints: Vec::new(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Validates a prompt name given on the command line; a bad one is a usage error
/// carrying the core's explanation.
pub(crate) fn parse_name(name: &str) -> Result<PromptName, CliError> {
    PromptName::new(name).map_err(|reason: NameError| {
        CliError::from(Error::invalid_name(name, "the command line", reason))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_names_are_usage_errors_that_say_why() {
        for (bad, why) in [
            ("../x", "`.`"),
            ("a/b", "`/`"),
            ("", "empty"),
            ("-x", "starts with"),
        ] {
            let e = parse_name(bad).unwrap_err();
            assert_eq!(e.code, EXIT_USAGE, "{bad:?}");
            assert!(e.message.contains("invalid prompt name"), "{e}");
            assert!(e.message.contains(why), "{e}");
        }
        let long = "a".repeat(101);
        assert!(parse_name(&long).unwrap_err().message.contains("limit"));
        assert_eq!(parse_name("ok_1").unwrap().as_str(), "ok_1");
    }
}
