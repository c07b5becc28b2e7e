//! Verifying the committed cache without the network.

use std::collections::HashMap;
use std::path::Path;

use prompt_sync_core::PromptName;
use prompt_sync_core::index::{Entry, Index, Stamps, embedded_digest, set_digest};
use prompt_sync_core::layout::VERIFIED_DIGEST_ENV;
use prompt_sync_core::store::Store;
use prompt_sync_core::verify::{Failure, Problem, verify};

use crate::BuildError;
use crate::directives::Directives;
use crate::needed::Needed;

/// Finishes or rolls back what a killed process left (an interrupted write, temporary
/// files) under the exclusive lock, with one warning per action. Best effort: when the
/// cache cannot be locked or written (a read-only checkout) it warns and leaves the
/// cache as it is; verification then names any prompt that is really unusable.
pub(crate) fn repair_leftovers(store: &Store, out: &mut Directives) -> Result<(), BuildError> {
    if !store.needs_repair().map_err(BuildError::Setup)? {
        return Ok(());
    }
    let repaired = store
        .lock_exclusive(|p| eprintln!("prompt-sync: waiting for the cache lock `{}`", p.display()))
        .and_then(|lock| store.repair(&lock));
    match repaired {
        Ok(actions) => {
            for action in actions {
                out.warning(&format!("prompt-sync repaired the cache: {action}"));
            }
        }
        Err(e) => out.warning(&format!(
            "prompt-sync: an interrupted sync left files in the cache that cannot be repaired here: {e}; run `prompt-sync repair` where the cache is writable"
        )),
    }
    Ok(())
}

/// Checks every needed prompt. Required prompts that fail are a build error listing
/// each one; cache-only prompts that fail are warnings. What a killed process left is
/// repaired ([`repair_leftovers`]) before the verdict, unless the package may not be
/// written (built from a registry or by `cargo package`): verification reads every
/// prompt anyway, so it is what notices an interrupted write (only a temporary file
/// needs a directory listing of its own), and the prompts are verified again after a
/// repair.
///
/// With an `index` path (in `OUT_DIR`), prompts whose files are unchanged since they
/// last verified are not verified again, and what was verified is recorded there for
/// the next run and for the `prompt!` macro (see [`prompt_sync_core::index`]).
///
/// On success it sets [`VERIFIED_DIGEST_ENV`] for the crate's compilation to the
/// digest of every prompt that verified: `prompt!` reads it, which makes what it
/// embeds an input of rustc that build caches (sccache) see.
pub(crate) fn verify_cache(
    store: &Store,
    needed: &Needed,
    package_dir: &Path,
    may_write: bool,
    index: Option<&Path>,
    out: &mut Directives,
) -> Result<(), BuildError> {
    let mut recorded = index.map(|path| Index::load(path, store.layout().root()));
    let mut checked = check(store, needed, recorded.as_mut())?;
    if may_write && (checked.interrupted || store.has_leftover_files()) {
        repair_leftovers(store, out)?;
        checked = check(store, needed, recorded.as_mut())?;
    }
    if let (Some(path), Some(recorded)) = (index, &recorded) {
        // Only a cache: a failure to write it costs the next build some time, no more.
        let _ = recorded.save(path);
    }
    let mut failures = Vec::new();
    let mut digests: Vec<(&str, String)> = Vec::new();
    for (name, result) in checked.results {
        match result {
            Ok(good) => {
                if good.locally_modified {
                    out.warning(&format!(
                        "prompt `{name}` has local edits that are not on the hub: publish them with `prompt-sync push {name}`"
                    ));
                }
                digests.push((name.as_str(), good.digest));
            }
            Err(f) => failures.push(f),
        }
    }
    let (required, optional): (Vec<Failure>, Vec<Failure>) = failures
        .into_iter()
        .partition(|f| needed.required.contains(&f.name));
    for f in optional {
        out.warning(&f.message(Some(package_dir)));
    }
    if required.is_empty() {
        let digest = set_digest(digests.iter().map(|(n, d)| (*n, d.as_str())));
        out.rustc_env(VERIFIED_DIGEST_ENV, &digest);
        Ok(())
    } else {
        Err(BuildError::Prompts {
            failures: required,
            package_dir: package_dir.to_owned(),
            explained: Default::default(),
        })
    }
}

/// Fewest prompts worth verifying on more than one thread.
const PARALLEL_MIN: usize = 64;

/// Most threads verifying at once.
const MAX_THREADS: usize = 4;

/// A prompt that verified.
struct Good {
    /// A marked local edit.
    locally_modified: bool,
    /// A write is pending (verification then fails; kept for the repair decision).
    pending_write: bool,
    /// [`Entry::digest`]: what `prompt!` embeds for it.
    digest: String,
}

/// One prompt verified, or why it failed.
type Outcome = Result<Good, Failure>;

/// What to do with a verified prompt's index entry.
enum Record {
    /// Record it.
    Keep(Box<Entry>),
    /// Drop any older one: the files are too new to record.
    Forget,
    /// Leave the index as it is (not verified, or a write pending).
    Skip,
}

/// What verifying every needed prompt found.
struct Checked<'a> {
    /// Per prompt, in [`Needed::all`] order.
    results: Vec<(&'a PromptName, Outcome)>,
    /// Some prompt is in the middle of an interrupted write.
    interrupted: bool,
}

/// Verifies every needed prompt under the shared lock, on several threads when there
/// are many (verifying is reading and hashing), except those `index` holds with
/// unchanged files; records what it verifies in `index`.
fn check<'a>(
    store: &Store,
    needed: &'a Needed,
    mut index: Option<&mut Index>,
) -> Result<Checked<'a>, BuildError> {
    let _lock = store
        .lock_shared(|p| eprintln!("prompt-sync: waiting for the cache lock `{}`", p.display()))
        .map_err(BuildError::Setup)?;
    let layout = store.layout();
    let stamps = |name: &PromptName| Stamps::of(layout, name);
    // Known good with unchanged files (an entry is never recorded with a pending write).
    let mut known: Vec<(&PromptName, Outcome)> = Vec::new();
    let mut names: Vec<&PromptName> = Vec::new();
    for name in needed.all() {
        let hit = index.as_deref().and_then(|index| {
            let s = stamps(name)?;
            index.get(name.as_str(), &s).map(|e| Good {
                locally_modified: e.locally_modified,
                pending_write: false,
                digest: e.digest.clone(),
            })
        });
        match hit {
            Some(good) => known.push((name, Ok(good))),
            None => names.push(name),
        }
    }
    let threads = if names.len() < PARALLEL_MIN {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    };
    // The outcome, and the index entry of a prompt verified with the same stamps
    // before and after.
    let record = index.is_some();
    let verify_one = |name: &PromptName| {
        let before = if record { stamps(name) } else { None };
        let verified = verify(store, name);
        // An entry is built (it reads the manifest) only for files old enough to be
        // recorded; newer ones only drop what the index held.
        let entry = match (&verified, before) {
            (Ok(_), Some(before)) if before.too_recent() => Record::Forget,
            (Ok(v), Some(before)) if v.metadata.pending_write.is_none() => {
                let entry = Entry::new(v, before);
                // Unchanged while it was read: the entry is what the files hold.
                if stamps(name) == Some(before) {
                    Record::Keep(Box::new(entry))
                } else {
                    Record::Skip
                }
            }
            _ => Record::Skip,
        };
        let result = verified.map(|v| Good {
            locally_modified: v.metadata.locally_modified,
            pending_write: v.metadata.pending_write.is_some(),
            digest: match &entry {
                Record::Keep(e) => e.digest.clone(),
                _ => embedded_digest(&v),
            },
        });
        (result, entry)
    };
    let verified: Vec<(Outcome, Record)> = if threads < 2 {
        names.iter().map(|n| verify_one(n)).collect()
    } else {
        let chunk = names.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = names
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().map(|n| verify_one(n)).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .zip(names.chunks(chunk))
                .flat_map(|(h, part)| {
                    // A verifying thread cannot panic short of a bug; verify its part here then.
                    h.join()
                        .unwrap_or_else(|_| part.iter().map(|n| verify_one(n)).collect())
                })
                .collect()
        })
    };
    let mut results = Vec::with_capacity(verified.len());
    for (name, (result, entry)) in names.iter().zip(verified) {
        match (index.as_deref_mut(), entry) {
            (Some(index), Record::Keep(entry)) => index.insert(name.as_str(), *entry),
            (Some(index), Record::Forget) => index.forget(name.as_str()),
            _ => {}
        }
        results.push(result);
    }
    let interrupted = results.iter().any(|r| match r {
        Ok(good) => good.pending_write,
        Err(f) => matches!(f.problem, Problem::Interrupted),
    });
    // Back in `Needed::all` order.
    let mut by_name: HashMap<&PromptName, Outcome> = known
        .into_iter()
        .chain(names.into_iter().zip(results))
        .collect();
    Ok(Checked {
        results: needed
            .all()
            .filter_map(|n| Some((n, by_name.remove(n)?)))
            .collect(),
        interrupted,
    })
}
