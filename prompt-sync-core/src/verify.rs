//! Checking a cached prompt before it is embedded: shared by the macro, the build
//! script and the CLI so they agree on what "intact" means.
//!
//! A prompt is intact when its text and metadata exist, the metadata is valid, and
//! SHA-256(text) equals `local_content_hash`, or the metadata says `locally_modified`
//! (a marked edit). A chat prompt's text must also follow the sectioned format.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::chat_text::ChatTextError;
use crate::error::Error;
use crate::hash::{sha256_hex, short};
use crate::metadata::Metadata;
use crate::model::{PromptBody, PromptModel};
use crate::name::PromptName;
use crate::store::Store;

/// A prompt that passed verification.
#[derive(Clone, Debug)]
pub struct Verified {
    /// Its name.
    pub name: PromptName,
    /// The exact cached text.
    pub text: String,
    /// SHA-256 of `text`.
    pub sha256: String,
    /// Its metadata.
    pub metadata: Metadata,
    /// The text read as the prompt's kind (chat messages parsed).
    pub body: PromptBody,
    /// The text file.
    pub text_path: PathBuf,
    /// The metadata file.
    pub metadata_path: PathBuf,
}

impl Verified {
    /// The prompt's model: its templates, format and the manifest's variables.
    pub fn model(&self) -> PromptModel {
        PromptModel {
            body: self.body.clone(),
            template_format: self.metadata.format(),
            input_variables: self.metadata.input_variables.clone().unwrap_or_default(),
        }
    }
}

/// Why a prompt cannot be used.
#[derive(Debug)]
pub enum Problem {
    /// The text, the metadata, or both are missing.
    Missing {
        /// The text file exists.
        text_exists: bool,
        /// The metadata file exists.
        metadata_exists: bool,
    },
    /// The text was edited without `prompt-sync mark-edited`.
    UnmarkedEdit {
        /// The hash the metadata records.
        recorded: String,
        /// The hash of the file now.
        actual: String,
    },
    /// The text is the hub's version but the metadata records another hash: the
    /// metadata was changed by hand.
    MetadataMismatch {
        /// The hash the metadata records.
        recorded: String,
        /// The hash of the file now.
        actual: String,
    },
    /// The text is the synced one with its line endings turned into CRLF (git's
    /// `core.autocrlf` on checkout).
    LineEndings {
        /// The hash the metadata records.
        recorded: String,
        /// The hash of the file now.
        actual: String,
    },
    /// The metadata records no SHA-256 (the original tool's older shape), so nothing
    /// says the text is the one last synced.
    Unverified,
    /// A sync was killed between writing the metadata and the text.
    Interrupted,
    /// A chat prompt's text does not parse.
    BadChatText(ChatTextError),
    /// Reading failed, or the metadata or text is corrupt.
    Store(Error),
}

/// A prompt that failed verification, with everything needed to explain it.
#[derive(Debug)]
pub struct Failure {
    /// The prompt.
    pub name: PromptName,
    /// The cache directory searched.
    pub cache_dir: PathBuf,
    /// What is wrong.
    pub problem: Problem,
}

impl Failure {
    /// The command or action that fixes it.
    pub fn fix(&self) -> String {
        let n = &self.name;
        match &self.problem {
            Problem::Missing {
                text_exists: false,
                metadata_exists: false,
            } => format!(
                "run `prompt-sync sync {n}` (or build with network access and LANGSMITH_API_KEY set) to fetch it"
            ),
            Problem::Missing {
                text_exists: true, ..
            } => format!(
                "restore the metadata from git, or take the hub's version with `prompt-sync sync --force-pull {n}` (the text is backed up first)"
            ),
            Problem::Missing { .. } => format!(
                "run `prompt-sync sync {n}` to fetch it again, or restore the missing file from git"
            ),
            Problem::UnmarkedEdit { .. } => format!(
                "to keep the edit run `prompt-sync mark-edited {n}`; to discard it run `prompt-sync restore {n}`"
            ),
            Problem::MetadataMismatch { .. } => format!(
                "restore the metadata from git, or run `prompt-sync sync {n}` to record the hub's version again"
            ),
            Problem::LineEndings { .. } => format!(
                "make git keep the cache byte for byte with a `.gitattributes` holding `* -text` in `{}` (prompt-sync writes one when it creates a cache; commit it), then run `prompt-sync restore {n}` to bring back the exact text",
                self.cache_dir.display()
            ),
            Problem::Unverified => format!(
                "run `prompt-sync sync {n}` with LANGSMITH_API_KEY set: when the text is the hub's it records it (as does a `cargo build` with network access and the key); to keep this text as a local edit instead, run `prompt-sync mark-edited {n}`"
            ),
            Problem::Interrupted => {
                "run `prompt-sync repair` (a `cargo build` of the package repairs it too)"
                    .to_owned()
            }
            Problem::BadChatText(_) => format!(
                "fix the section headers, or run `prompt-sync restore {n}` to discard the edit"
            ),
            Problem::Store(Error::MetadataCorrupt { .. }) => format!(
                "restore the metadata file from git, or run `prompt-sync sync --force-pull {n}` to take the hub's version again (the text is backed up first)"
            ),
            Problem::Store(_) => {
                format!("run `prompt-sync restore {n}` or restore the file from git")
            }
        }
    }

    /// The message, with paths shown relative to `base` when they are inside it.
    pub fn message(&self, base: Option<&Path>) -> String {
        let show = |p: &Path| display_path(p, base);
        let n = &self.name;
        let dir = show(&self.cache_dir);
        let what = match &self.problem {
            Problem::Missing {
                text_exists: false,
                metadata_exists: false,
            } => {
                format!(
                    "prompt `{n}` is not in the cache (searched `{dir}` for `{n}.txt` and `metadata/{n}.json`)"
                )
            }
            Problem::Missing {
                text_exists: true, ..
            } => {
                format!(
                    "prompt `{n}` has a text but no metadata: `{dir}/metadata/{n}.json` is missing"
                )
            }
            Problem::Missing { .. } => {
                format!("prompt `{n}` has metadata but no text: `{dir}/{n}.txt` is missing")
            }
            Problem::UnmarkedEdit { recorded, actual } => format!(
                "prompt `{n}` changed since its last sync and is not marked as edited: `{dir}/{n}.txt` has SHA-256 {} but its metadata records {}",
                short(actual),
                short(recorded)
            ),
            Problem::MetadataMismatch { recorded, actual } => format!(
                "the metadata of prompt `{n}` does not match its text: `{dir}/{n}.txt` is the hub's version (SHA-256 {}) but `local_content_hash` says {}",
                short(actual),
                short(recorded)
            ),
            Problem::LineEndings { recorded, actual } => format!(
                "prompt `{n}` has CRLF line endings in `{dir}/{n}.txt` (SHA-256 {}), but its last sync wrote LF ({}): git converts line endings on checkout (`core.autocrlf`)",
                short(actual),
                short(recorded)
            ),
            Problem::Unverified => format!(
                "prompt `{n}` cannot be verified: its metadata in `{dir}/metadata` has the original tool's older shape, which records no SHA-256 of the text"
            ),
            Problem::Interrupted => {
                format!("prompt `{n}` is half-written: a sync of `{dir}` was interrupted")
            }
            Problem::BadChatText(e) => format!(
                "chat prompt `{n}` in `{dir}/{n}.txt` does not follow the sectioned format: {e}"
            ),
            // Store errors already say how to fix them.
            Problem::Store(e) => return relativize(&e.to_string(), base),
        };
        format!("{what}\n  fix: {}", self.fix())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(None))
    }
}

impl std::error::Error for Failure {}

fn display_path(p: &Path, base: Option<&Path>) -> String {
    match base.and_then(|b| p.strip_prefix(b).ok()) {
        Some(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Some(rel) => rel.display().to_string(),
        None => p.display().to_string(),
    }
}

fn relativize(msg: &str, base: Option<&Path>) -> String {
    match base.and_then(|b| b.to_str()) {
        Some(b) if !b.is_empty() => msg.replace(&format!("{}/", b.trim_end_matches('/')), ""),
        _ => msg.to_owned(),
    }
}

/// Verifies one prompt. The caller holds the shared (or exclusive) lock.
pub fn verify(store: &Store, name: &PromptName) -> Result<Verified, Failure> {
    let layout = store.layout();
    let fail = |problem| Failure {
        name: name.clone(),
        cache_dir: layout.root().to_owned(),
        problem,
    };
    let text_path = layout.text_path(name);
    let metadata_path = layout.existing_metadata_path(name);
    let text = store.read_text(name).map_err(|e| fail(Problem::Store(e)))?;
    let metadata = store
        .read_metadata(name)
        .map_err(|e| fail(Problem::Store(e)))?;
    let (text, metadata) = match (text, metadata) {
        (Some(t), Some(m)) => (t, m),
        // A first write killed before its text was renamed into place.
        (None, Some(m)) if m.pending_write.is_some() => {
            return Err(fail(Problem::Interrupted));
        }
        (t, m) => {
            return Err(fail(Problem::Missing {
                text_exists: t.is_some(),
                metadata_exists: m.is_some(),
            }));
        }
    };
    // Only an interrupted write leaves the marker (a finished one writes the metadata
    // without it): whatever the text is, it may not be the one the metadata describes.
    if metadata.pending_write.is_some() {
        return Err(fail(Problem::Interrupted));
    }
    let sha256 = sha256_hex(text.as_bytes());
    if !metadata.locally_modified && !metadata.text_is_recorded(&sha256) {
        if !metadata.has_verified_base() {
            return Err(fail(Problem::Unverified));
        }
        let recorded = metadata
            .local_content_hash
            .clone()
            .or_else(|| metadata.hub_content_hash.clone())
            .unwrap_or_default();
        return Err(fail(
            if metadata.hub_content_hash.as_deref() == Some(sha256.as_str()) {
                Problem::MetadataMismatch {
                    recorded,
                    actual: sha256,
                }
            } else if text.contains("\r\n")
                && sha256_hex(text.replace("\r\n", "\n").as_bytes()) == recorded
            {
                Problem::LineEndings {
                    recorded,
                    actual: sha256,
                }
            } else {
                Problem::UnmarkedEdit {
                    recorded,
                    actual: sha256,
                }
            },
        ));
    }
    let body = PromptModel::body_from_cache_text(metadata.prompt_kind(), &text)
        .map_err(|e| fail(Problem::BadChatText(e)))?;
    Ok(Verified {
        name: name.clone(),
        text,
        sha256,
        metadata,
        body,
        text_path,
        metadata_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    use crate::test_support::n;

    fn store_with(text: &str) -> (tempfile::TempDir, Store) {
        crate::test_support::store_with(text, |_| {})
    }

    fn problem(store: &Store) -> Problem {
        verify(store, &n("p")).unwrap_err().problem
    }

    #[test]
    fn intact_prompt_verifies() {
        let (_d, store) = store_with("Hello {name}\n");
        let v = verify(&store, &n("p")).unwrap();
        assert_eq!(v.text, "Hello {name}\n");
        assert_eq!(v.sha256, sha256_hex(b"Hello {name}\n"));
        assert_eq!(v.body, PromptBody::Text("Hello {name}\n".into()));
    }

    #[test]
    fn each_problem_is_recognised() {
        let (d, store) = store_with("v1");
        let layout = store.layout().clone();
        fs::write(layout.text_path(&n("p")), "edited").unwrap();
        assert!(matches!(problem(&store), Problem::UnmarkedEdit { .. }));
        let f = verify(&store, &n("p")).unwrap_err();
        let msg = f.message(Some(d.path()));
        assert!(msg.contains("prompt-sync mark-edited p"), "{msg}");
        assert!(msg.contains("`c/p.txt`"), "{msg}");

        // Marked: accepted.
        let lock = store.lock_exclusive(|_| {}).unwrap();
        store.mark_edited(&lock, &n("p")).unwrap();
        assert_eq!(verify(&store, &n("p")).unwrap().text, "edited");

        // Metadata hash changed by hand while the text is the hub's.
        let (_d2, store) = store_with("v1");
        let mp = store.layout().metadata_path(&n("p"));
        let m = fs::read_to_string(&mp).unwrap();
        let h = sha256_hex(b"v1");
        let first = m.find(&h).unwrap();
        let second = m.rfind(&h).unwrap();
        assert_ne!(first, second);
        // Replace only local_content_hash (the later field).
        let tampered = format!(
            "{}{}{}",
            &m[..second],
            sha256_hex(b"other"),
            &m[second + 64..]
        );
        fs::write(&mp, tampered).unwrap();
        assert!(matches!(problem(&store), Problem::MetadataMismatch { .. }));

        // Git's CRLF conversion of an intact text.
        let (_d5, store) = store_with("one\ntwo\n");
        fs::write(store.layout().text_path(&n("p")), "one\r\ntwo\r\n").unwrap();
        let f = verify(&store, &n("p")).unwrap_err();
        assert!(matches!(f.problem, Problem::LineEndings { .. }), "{f}");
        assert!(f.to_string().contains("prompt-sync restore p"), "{f}");
        // CRLF that is not only a conversion is an edit.
        fs::write(store.layout().text_path(&n("p")), "one\r\nthree\r\n").unwrap();
        assert!(matches!(problem(&store), Problem::UnmarkedEdit { .. }));

        // Missing pieces.
        let (_d3, store) = store_with("v1");
        fs::remove_file(store.layout().metadata_path(&n("p"))).unwrap();
        assert!(matches!(
            problem(&store),
            Problem::Missing {
                text_exists: true,
                metadata_exists: false
            }
        ));
        fs::remove_file(store.layout().text_path(&n("p"))).unwrap();
        let f = verify(&store, &n("p")).unwrap_err();
        assert!(matches!(
            f.problem,
            Problem::Missing {
                text_exists: false,
                metadata_exists: false
            }
        ));
        assert!(f.to_string().contains("prompt-sync sync p"), "{f}");

        // Non-UTF-8 text, corrupt metadata.
        let (_d4, store) = store_with("v1");
        fs::write(store.layout().text_path(&n("p")), b"\xff\xfe").unwrap();
        assert!(matches!(
            problem(&store),
            Problem::Store(Error::NotUtf8 { .. })
        ));
        fs::write(store.layout().text_path(&n("p")), "v1").unwrap();
        fs::write(store.layout().metadata_path(&n("p")), "{\"prompt_name\": ").unwrap();
        assert!(matches!(
            problem(&store),
            Problem::Store(Error::MetadataCorrupt { .. })
        ));
    }

    #[test]
    fn interrupted_sync_is_not_reported_as_tampering() {
        let (_d, store) = store_with("v1");
        let mut m = store.read_metadata(&n("p")).unwrap().unwrap();
        m.local_content_hash = Some(sha256_hex(b"v2"));
        m.pending_write = Some(crate::metadata::PendingWrite {
            incoming_hash: sha256_hex(b"v2"),
            previous: None,
            ..Default::default()
        });
        crate::fsio::atomic_write(&store.layout().metadata_path(&n("p")), &m.to_json_bytes())
            .unwrap();
        let f = verify(&store, &n("p")).unwrap_err();
        assert!(matches!(f.problem, Problem::Interrupted));
        assert!(f.to_string().contains("interrupted"));
        // The first write of a prompt, killed before its text arrived.
        fs::remove_file(store.layout().text_path(&n("p"))).unwrap();
        let f = verify(&store, &n("p")).unwrap_err();
        assert!(matches!(f.problem, Problem::Interrupted), "{f}");
        assert!(f.to_string().contains("prompt-sync repair"), "{f}");
    }

    /// A write that marks the prompt as a local edit (`restore --backup`), killed before
    /// its text arrived: the old text must not pass as the marked edit.
    #[test]
    fn an_interrupted_write_of_a_marked_edit_is_interrupted() {
        let (_d, store) = store_with("v1");
        let mut m = store.read_metadata(&n("p")).unwrap().unwrap();
        m.locally_modified = true;
        m.local_content_hash = Some(sha256_hex(b"from a backup"));
        m.pending_write = Some(crate::metadata::PendingWrite {
            incoming_hash: sha256_hex(b"from a backup"),
            ..Default::default()
        });
        crate::fsio::atomic_write(&store.layout().metadata_path(&n("p")), &m.to_json_bytes())
            .unwrap();
        let f = verify(&store, &n("p")).unwrap_err();
        assert!(matches!(f.problem, Problem::Interrupted), "{f}");
    }

    #[test]
    fn the_original_tools_push_leaves_a_clean_prompt() {
        // Marked at "draft", edited to "pushed", pushed by the original tool.
        let (_d, store) = crate::test_support::store_with("pushed", |m| {
            m.local_content_hash = Some(sha256_hex(b"draft"));
            m.sync_direction = Some("push".into());
        });
        let v = verify(&store, &n("p")).unwrap();
        assert_eq!(v.text, "pushed");
        // The same hashes after a pull are a hand-edited metadata file.
        let (_d, store) = crate::test_support::store_with("pulled", |m| {
            m.local_content_hash = Some(sha256_hex(b"draft"));
            m.sync_direction = Some("pull".into());
        });
        assert!(matches!(problem(&store), Problem::MetadataMismatch { .. }));
    }

    #[test]
    fn metadata_of_the_older_shape_is_unverified_and_names_the_fix() {
        let (_d, store) = crate::test_support::store_with("old text", |m| {
            m.local_content_hash = None;
            m.hub_content_hash = None;
            m.extra.insert(
                "content_hash".into(),
                serde_json::json!(3337754897008630479_u64),
            );
        });
        let f = verify(&store, &n("p")).unwrap_err();
        assert!(matches!(f.problem, Problem::Unverified), "{f}");
        let msg = f.to_string();
        assert!(msg.contains("older shape"), "{msg}");
        assert!(msg.contains("prompt-sync sync p"), "{msg}");
        assert!(msg.contains("prompt-sync mark-edited p"), "{msg}");
        // Marked as a local edit, it embeds.
        let (_d, store) = crate::test_support::store_with("old text", |m| {
            m.local_content_hash = None;
            m.hub_content_hash = None;
            m.locally_modified = true;
        });
        assert!(verify(&store, &n("p")).is_ok());
    }

    #[test]
    fn a_plain_chat_text_is_one_system_message() {
        let (_d, store) = crate::test_support::store_with("You are {role}.\n", |m| {
            m.kind = Some("chat".into());
        });
        let v = verify(&store, &n("p")).unwrap();
        assert_eq!(
            v.body,
            PromptBody::Chat(vec![crate::model::ChatMessage::Message {
                role: crate::model::Role::System,
                content: "You are {role}.\n".into()
            }])
        );
    }

    #[test]
    fn chat_text_must_parse() {
        // Text, then a header: neither the plain form (no header at all) nor sections.
        let (_d, store) = store_with("not a header\n=== human ===\nx");
        let lock = store.lock_exclusive(|_| {}).unwrap();
        let mut m = store.read_metadata(&n("p")).unwrap().unwrap();
        m.kind = Some("chat".into());
        store.write_metadata(&lock, &n("p"), &m).unwrap();
        assert!(matches!(problem(&store), Problem::BadChatText(_)));
    }
}
