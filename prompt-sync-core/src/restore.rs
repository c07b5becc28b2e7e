//! Bringing back an earlier text of a prompt: the hub's text as of the last sync
//! (rendered from the manifest the metadata keeps, so it works offline) or a backup.
//! What is replaced is backed up first, like every overwrite.

use std::path::PathBuf;

use crate::chat_text::Form;
use crate::error::{Error, Result};
use crate::hash::sha256_hex;
use crate::lock::CacheLock;
use crate::manifest::from_manifest;
use crate::metadata::Metadata;
use crate::name::PromptName;
use crate::store::Store;
use crate::timestamp;

/// What a restore did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restored {
    /// The text file written.
    pub text_path: PathBuf,
    /// Where the replaced text was backed up (`None` when it was already that text).
    pub backup: Option<PathBuf>,
    /// True when the restored text differs from the last sync's, so it is now a
    /// marked local edit.
    pub locally_modified: bool,
}

fn restore_error(name: &PromptName, detail: impl Into<String>) -> Error {
    Error::Restore {
        name: name.as_str().to_owned(),
        detail: detail.into(),
    }
}

impl Store {
    /// Puts back the hub's text as of the last sync, discarding local edits (they are
    /// backed up). Works offline from the manifest kept in the metadata; a cache
    /// written by the original tool (no manifest) uses the backup with that hash.
    pub fn restore_synced(&self, lock: &CacheLock, name: &PromptName) -> Result<Restored> {
        let meta = self.require_metadata(name)?;
        let base = meta.hub_content_hash.clone().ok_or_else(|| {
            restore_error(
                name,
                "its metadata records no hub hash; run `prompt-sync sync` to fetch it again",
            )
        })?;
        let text = match &meta.manifest {
            Some(manifest) => {
                let model = from_manifest(manifest).map_err(|e| {
                    restore_error(name, format!("its recorded manifest cannot be read: {e}"))
                })?;
                // The synced text was written in one of the forms of a chat text.
                [
                    Form::Plain,
                    Form::SECTIONED,
                    Form::Sectioned {
                        final_newline: false,
                    },
                ]
                    .into_iter()
                    .filter_map(|form| model.to_cache_text_in(form).ok())
                    .find(|text| sha256_hex(text.as_bytes()) == base)
                    .ok_or_else(|| restore_error(
                        name,
                        "its recorded manifest does not match `hub_content_hash`; restore the metadata from git or run `prompt-sync sync` to fetch the prompt again",
                    ))?
            }
            None => self.backup_with_hash(name, &base)?.ok_or_else(|| {
                restore_error(
                    name,
                    "its metadata keeps no manifest and no backup has the synced text; restore it from git or run `prompt-sync sync` to fetch it again",
                )
            })?,
        };
        let mut new_meta = meta;
        new_meta.locally_modified = false;
        new_meta.local_edit_timestamp = None;
        new_meta.local_content_hash = Some(base);
        let report = self.write(lock, name, &text, &new_meta)?;
        Ok(Restored {
            text_path: self.layout().text_path(name),
            backup: report.backup,
            locally_modified: false,
        })
    }

    /// Puts back the backup file `backup` (a file name from [`Store::list_backups`]).
    /// If it differs from the last sync's text it becomes a marked local edit.
    pub fn restore_backup(
        &self,
        lock: &CacheLock,
        name: &PromptName,
        backup: &str,
    ) -> Result<Restored> {
        let meta = self.require_metadata(name)?;
        let path = self
            .list_backups(name)?
            .into_iter()
            .find(|p| p.file_name().and_then(|f| f.to_str()) == Some(backup))
            .ok_or_else(|| {
                restore_error(
                    name,
                    format!("there is no backup `{backup}`; list them with `prompt-sync restore {name} --list`"),
                )
            })?;
        let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
        let text = crate::fsio::into_utf8(bytes, &path)?;
        let hash = sha256_hex(text.as_bytes());
        let mut new_meta = meta;
        let modified = new_meta.hub_content_hash.as_deref() != Some(hash.as_str());
        new_meta.local_content_hash = Some(hash);
        new_meta.locally_modified = modified;
        new_meta.local_edit_timestamp = modified.then(timestamp::now_utc);
        let report = self.write(lock, name, &text, &new_meta)?;
        Ok(Restored {
            text_path: self.layout().text_path(name),
            backup: report.backup,
            locally_modified: modified,
        })
    }

    fn require_metadata(&self, name: &PromptName) -> Result<Metadata> {
        self.read_metadata(name)?.ok_or_else(|| {
            restore_error(
                name,
                format!(
                    "it has no metadata (`{}`); run `prompt-sync sync {name}` to fetch it",
                    self.layout().existing_metadata_path(name).display()
                ),
            )
        })
    }

    fn backup_with_hash(&self, name: &PromptName, hash: &str) -> Result<Option<String>> {
        for path in self.list_backups(name)?.into_iter().rev() {
            if let Ok(text) = std::fs::read_to_string(&path)
                && sha256_hex(text.as_bytes()) == hash
            {
                return Ok(Some(text));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::CacheLayout;
    use crate::name::HubRef;
    use crate::pulled::{HubVersion, pulled_entry};
    use std::fs;

    fn pulled(store: &Store, lock: &CacheLock, name: &PromptName, template: &str) {
        let manifest = serde_json::json!({
            "lc": 1, "type": "constructor",
            "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
            "kwargs": {"input_variables": [], "template": template, "template_format": "f-string"}
        });
        let r = HubRef::latest();
        let v = HubVersion {
            name,
            owner: "-",
            hub_ref: &r,
            commit_hash: "c1",
            manifest: &manifest,
        };
        let (text, meta) = pulled_entry(&v, None, "2026-11-25T00:00:00Z").unwrap();
        store.write(lock, name, &text, &meta).unwrap();
    }

    #[test]
    fn restore_synced_discards_an_edit_and_backs_it_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(CacheLayout::new(dir.path()));
        let lock = store.lock_exclusive(|_| {}).unwrap();
        let p = PromptName::new("p").unwrap();
        pulled(&store, &lock, &p, "Hub text");
        fs::write(store.layout().text_path(&p), "my edit").unwrap();
        let r = store.restore_synced(&lock, &p).unwrap();
        assert_eq!(store.read_text(&p).unwrap().as_deref(), Some("Hub text"));
        assert_eq!(fs::read_to_string(r.backup.unwrap()).unwrap(), "my edit");
        let m = store.read_metadata(&p).unwrap().unwrap();
        assert!(!m.locally_modified);
        assert_eq!(m.local_content_hash, Some(sha256_hex(b"Hub text")));
        assert!(crate::verify::verify(&store, &p).is_ok());

        // The backup comes back as a marked local edit.
        let file = store.list_backups(&p).unwrap()[0]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let r = store.restore_backup(&lock, &p, &file).unwrap();
        assert!(r.locally_modified);
        assert_eq!(store.read_text(&p).unwrap().as_deref(), Some("my edit"));
        assert!(crate::verify::verify(&store, &p).is_ok());
        let err = store
            .restore_backup(&lock, &p, "../../etc/passwd")
            .unwrap_err();
        assert!(err.to_string().contains("no backup"), "{err}");
    }

    #[test]
    fn without_manifest_or_backup_it_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(CacheLayout::new(dir.path()));
        let lock = store.lock_exclusive(|_| {}).unwrap();
        let p = PromptName::new("legacy").unwrap();
        let h = sha256_hex(b"v1");
        let mut m = Metadata::new(&p, &h);
        m.hub_content_hash = Some(h);
        store.write(&lock, &p, "v1", &m).unwrap();
        fs::write(store.layout().text_path(&p), "edited").unwrap();
        let before = fs::read(store.layout().metadata_path(&p)).unwrap();
        let err = store.restore_synced(&lock, &p).unwrap_err();
        assert!(matches!(err, Error::Restore { .. }));
        assert!(err.to_string().contains("restore it from git"), "{err}");
        assert_eq!(fs::read(store.layout().metadata_path(&p)).unwrap(), before);
        assert_eq!(store.read_text(&p).unwrap().as_deref(), Some("edited"));
    }
}
