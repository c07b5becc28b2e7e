//! Helpers for this crate's unit tests.

use crate::hash::sha256_hex;
use crate::layout::CacheLayout;
use crate::metadata::Metadata;
use crate::name::PromptName;
use crate::store::Store;

/// `PromptName::new(s)`, for names known valid.
pub(crate) fn n(s: &str) -> PromptName {
    PromptName::new(s).unwrap()
}

/// A new cache (`<tempdir>/c`) holding prompt `p` with `text`, as the hub's version:
/// `edit` may change its metadata before it is written.
pub(crate) fn store_with(
    text: &str,
    edit: impl FnOnce(&mut Metadata),
) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(CacheLayout::new(dir.path().join("c")));
    let lock = store.lock_exclusive(|_| {}).unwrap();
    let h = sha256_hex(text.as_bytes());
    let mut m = Metadata::new(&n("p"), &h);
    m.hub_content_hash = Some(h);
    edit(&mut m);
    store.write(&lock, &n("p"), text, &m).unwrap();
    (dir, store)
}
