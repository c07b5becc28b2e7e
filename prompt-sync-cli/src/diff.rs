//! `prompt-sync diff NAME [--offline] [--exit-code]`: a unified diff from the hub's
//! current text (at the prompt's ref) to the cached text. When both changed since the
//! last sync (a conflict), two more diffs follow: base → hub and base → local, where
//! the base is the text of the last sync (rebuilt from the manifest the metadata keeps,
//! or found among the backups). `--offline` diffs base → local without the hub.

use prompt_sync_build::hub::{Hub, HubError};
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::manifest::from_manifest;
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::{PromptName, fsio};

use crate::cli::DiffArgs;
use crate::connect;
use crate::error::{CliError, EXIT_FAILURE, parse_name};
use crate::package::Package;
use crate::textdiff;
use crate::ui::{Tone, Ui, short, show_path};

/// Runs `diff`; returns the exit code.
pub(crate) fn run(
    manifest_path: Option<&std::path::Path>,
    args: &DiffArgs,
    ui: &Ui,
) -> Result<u8, CliError> {
    let name = parse_name(&args.name)?;
    let pkg = Package::open(manifest_path, ui)?;
    let local = read_local(&pkg, &name)?;
    let meta = pkg.store.read_metadata(&name)?;
    let base = meta.as_ref().and_then(|m| base_text(&pkg, &name, m));
    let base_label = format!(
        "base/{name}{}",
        meta.as_ref()
            .and_then(|m| m.hub_commit_hash.as_deref())
            .map(|c| format!("@{}", short(c)))
            .unwrap_or_default()
    );
    let local_label = format!("local/{name}");
    let mut differs = false;

    if args.offline {
        let Some(base) = base else {
            return Err(CliError::failure(format!(
                "the text of `{name}` as of its last sync is not recorded (no manifest in its metadata, no backup with its hash)"
            ))
            .hint(format!("run `prompt-sync diff {name}` with LANGSMITH_API_KEY set to compare with the hub")));
        };
        differs |= print_diff(ui, &base, &local, &base_label, &local_label, &name);
        return Ok(exit(args, differs));
    }

    let http = connect::connect(&pkg, ui)?;
    let owner = meta
        .as_ref()
        .and_then(|m| m.owner.clone())
        .unwrap_or_else(|| http.settings().owner.clone());
    let hub_ref = pkg.hub_ref(&name);
    let repo = pkg.config.hub_repo(&name);
    let (hub_text, hub_label) = match http.pull(&owner, repo.as_str(), hub_ref.as_str()) {
        Ok(commit) => {
            let text = from_manifest(&commit.manifest)
                .and_then(|m| {
                    m.to_cache_text_like(Some(&local)).map_err(|e| {
                        prompt_sync_core::Error::Manifest {
                            detail: e.to_string(),
                        }
                    })
                })
                .map_err(|e| {
                    CliError::failure(format!("the hub's version of `{name}` cannot be read: {e}"))
                })?;
            (text, format!("hub/{name}@{}", short(&commit.commit_hash)))
        }
        Err(HubError::NotFound { .. }) if crate::sync::is_new_local(&pkg, &name) => {
            ui.note(format!(
                "note: `{name}` is a new prompt, not on the hub yet; `prompt-sync push {name}` creates it"
            ));
            (String::new(), "/dev/null".to_owned())
        }
        Err(e) => {
            return Err(CliError::failure(format!(
                "cannot fetch `{name}` at `{hub_ref}` from the hub: {e}"
            ))
            .hint(format!(
                "`prompt-sync diff --offline {name}` compares with the last synced text"
            )));
        }
    };
    differs |= print_diff(ui, &hub_text, &local, &hub_label, &local_label, &name);

    // A conflict: both sides moved away from the base.
    if let Some(base) = base
        && base != local
        && base != hub_text
        && hub_text != local
    {
        ui.info("");
        ui.info(format!(
            "# conflict: both the hub and the cache changed `{name}` since the last sync"
        ));
        ui.info("# what the hub changed:");
        print_diff(ui, &base, &hub_text, &base_label, &hub_label, &name);
        ui.info("# what you changed:");
        print_diff(ui, &base, &local, &base_label, &local_label, &name);
    }
    Ok(exit(args, differs))
}

fn exit(args: &DiffArgs, differs: bool) -> u8 {
    if args.exit_code && differs {
        EXIT_FAILURE
    } else {
        0
    }
}

fn read_local(pkg: &Package, name: &PromptName) -> Result<String, CliError> {
    pkg.store.read_text(name)?.ok_or_else(|| {
        CliError::failure(format!(
            "prompt `{name}` is not in the cache: `{}` does not exist",
            show_path(&pkg.store.layout().text_path(name), &pkg.dir)
        ))
        .hint(format!("run `prompt-sync sync {name}` to fetch it"))
    })
}

/// The text of the last sync, if it can be rebuilt.
fn base_text(pkg: &Package, name: &PromptName, meta: &Metadata) -> Option<String> {
    let hash = meta.hub_content_hash.as_deref()?;
    if let Some(text) = meta
        .manifest
        .as_ref()
        .and_then(|m| from_manifest(m).ok())
        .and_then(|m| m.to_cache_text().ok())
        .filter(|t| sha256_hex(t.as_bytes()) == hash)
    {
        return Some(text);
    }
    pkg.store
        .list_backups(name)
        .ok()?
        .into_iter()
        .filter_map(|p| fsio::read_optional(&p).ok().flatten())
        .find(|b| sha256_hex(b) == hash)
        .and_then(|b| String::from_utf8(b).ok())
}

/// Prints the diff (or that the texts are equal); true when they differ.
fn print_diff(
    ui: &Ui,
    old: &str,
    new: &str,
    old_label: &str,
    new_label: &str,
    name: &PromptName,
) -> bool {
    match textdiff::unified(old, new, old_label, new_label) {
        None => {
            ui.info(format!("{name}: {old_label} and {new_label} are identical"));
            false
        }
        Some(diff) => {
            for line in diff.lines() {
                let tone = if line.starts_with("@@") {
                    Tone::Hint
                } else if line.starts_with("+++") || line.starts_with("---") {
                    Tone::Plain
                } else if line.starts_with('+') {
                    Tone::Good
                } else if line.starts_with('-') {
                    Tone::Bad
                } else {
                    Tone::Plain
                };
                ui.out_tone(tone, line);
            }
            true
        }
    }
}
