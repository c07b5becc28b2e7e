//! Prompt names and hub refs, validated once wherever they enter.
//!
//! A prompt name is a LangSmith repo handle and also a file name in the cache, so it
//! is restricted to characters that are safe in both: ASCII letters, digits, `-` and
//! `_`, starting with a letter or digit, at most [`MAX_NAME_LEN`] bytes. That rules out
//! path tricks (`../x`, `a/b`, absolute paths, NUL) and names a shell or `clap` would
//! read as a flag (`-x`).

use std::fmt;

/// Longest accepted prompt name, in bytes.
pub const MAX_NAME_LEN: usize = 100;

/// Longest accepted ref (tag or commit hash), in bytes.
pub const MAX_REF_LEN: usize = 128;

/// A validated prompt name (a LangSmith repo handle).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PromptName(String);

/// Why a name or ref was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than the limit.
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The name contains a character outside the allowed set.
    BadChar {
        /// The offending character.
        ch: char,
        /// Its byte offset.
        at: usize,
    },
    /// A ref (tag or commit hash) contains a character outside the allowed set
    /// (which, unlike a name's, includes `.`).
    BadRefChar {
        /// The offending character.
        ch: char,
        /// Its byte offset.
        at: usize,
    },
    /// The name starts with a character that may not start it.
    BadStart {
        /// The offending first character.
        ch: char,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("it is empty"),
            NameError::TooLong { len, max } => {
                write!(f, "it is {len} bytes long; the limit is {max}")
            }
            NameError::BadChar { ch, at } => write!(
                f,
                "character {} at byte {at} is not allowed (use ASCII letters, digits, `-` and `_`)",
                describe_char(*ch)
            ),
            NameError::BadRefChar { ch, at } => write!(
                f,
                "character {} at byte {at} is not allowed (use ASCII letters, digits, `-`, `_` and `.`)",
                describe_char(*ch)
            ),
            NameError::BadStart { ch } => write!(
                f,
                "it starts with {}; it must start with an ASCII letter or digit",
                describe_char(*ch)
            ),
        }
    }
}

impl std::error::Error for NameError {}

fn describe_char(ch: char) -> String {
    if ch.is_ascii_graphic() {
        format!("`{ch}`")
    } else {
        format!("U+{:04X}", ch as u32)
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

impl PromptName {
    /// Validates `name` as a prompt name.
    pub fn new(name: &str) -> Result<Self, NameError> {
        validate(name, MAX_NAME_LEN, is_name_char)?;
        Ok(PromptName(name.to_owned()))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PromptName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PromptName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for PromptName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PromptName::new(s)
    }
}

/// A validated hub ref: `latest`, a commit tag, or a (prefix of a) commit hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HubRef(String);

impl HubRef {
    /// The ref that follows the newest commit.
    pub fn latest() -> Self {
        HubRef("latest".to_owned())
    }

    /// Validates a ref: ASCII letters, digits, `-`, `_`, `.`; no `/` or `:`.
    pub fn new(r: &str) -> Result<Self, NameError> {
        validate(r, MAX_REF_LEN, |c| is_name_char(c) || c == '.').map_err(|e| match e {
            NameError::BadChar { ch, at } => NameError::BadRefChar { ch, at },
            e => e,
        })?;
        Ok(HubRef(r.to_owned()))
    }

    /// The ref as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `latest`, the moving pointer to the newest commit.
    pub fn is_latest(&self) -> bool {
        self.0 == "latest"
    }
}

impl Default for HubRef {
    fn default() -> Self {
        HubRef::latest()
    }
}

impl fmt::Display for HubRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn validate(s: &str, max: usize, allowed: impl Fn(char) -> bool) -> Result<(), NameError> {
    let Some(first) = s.chars().next() else {
        return Err(NameError::Empty);
    };
    if s.len() > max {
        return Err(NameError::TooLong { len: s.len(), max });
    }
    if let Some((at, ch)) = s.char_indices().find(|&(_, c)| !allowed(c)) {
        return Err(NameError::BadChar { ch, at });
    }
    if !first.is_ascii_alphanumeric() {
        return Err(NameError::BadStart { ch: first });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_repo_handles() {
        for ok in ["test_generator_v1", "router", "A-b_9", "9lives", "x"] {
            assert_eq!(PromptName::new(ok).unwrap().as_str(), ok);
        }
        let longest = "a".repeat(MAX_NAME_LEN);
        assert!(PromptName::new(&longest).is_ok());
    }

    #[test]
    fn rejects_paths_and_junk() {
        assert_eq!(PromptName::new(""), Err(NameError::Empty));
        assert_eq!(
            PromptName::new("../x"),
            Err(NameError::BadChar { ch: '.', at: 0 })
        );
        assert_eq!(
            PromptName::new("a/b"),
            Err(NameError::BadChar { ch: '/', at: 1 })
        );
        assert_eq!(
            PromptName::new("/etc/passwd"),
            Err(NameError::BadChar { ch: '/', at: 0 })
        );
        assert_eq!(
            PromptName::new("a\0b"),
            Err(NameError::BadChar { ch: '\0', at: 1 })
        );
        assert_eq!(
            PromptName::new("-flag"),
            Err(NameError::BadStart { ch: '-' })
        );
        assert_eq!(
            PromptName::new(&"a".repeat(300)),
            Err(NameError::TooLong {
                len: 300,
                max: MAX_NAME_LEN
            })
        );
        // Cyrillic "а" looks like a Latin "a".
        assert_eq!(
            PromptName::new("rout\u{0435}r"),
            Err(NameError::BadChar {
                ch: '\u{0435}',
                at: 4
            })
        );
        assert_eq!(
            PromptName::new("C:\\x"),
            Err(NameError::BadChar { ch: ':', at: 1 })
        );
    }

    #[test]
    fn errors_read_well() {
        let e = PromptName::new("a\0b").unwrap_err().to_string();
        assert!(e.contains("U+0000"), "{e}");
        let e = PromptName::new("a/b").unwrap_err().to_string();
        assert!(e.contains("`/`"), "{e}");
    }

    #[test]
    fn refs() {
        assert!(HubRef::new("latest").unwrap().is_latest());
        assert!(HubRef::new("production").is_ok());
        assert!(HubRef::new("v1.2").is_ok());
        assert!(HubRef::new(&"ab12".repeat(16)).is_ok());
        assert!(HubRef::new("a:b").is_err());
        assert!(HubRef::new("a/b").is_err());
        assert!(HubRef::new("").is_err());
        assert!(HubRef::new(".hidden").is_err());
        // A ref's rule includes `.`, and its error says so (a name's does not).
        let e = HubRef::new("a/b").unwrap_err().to_string();
        assert!(e.contains("`-`, `_` and `.`"), "{e}");
        let e = PromptName::new("a.b").unwrap_err().to_string();
        assert!(e.contains("`-` and `_`)"), "{e}");
    }
}
