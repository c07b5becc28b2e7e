//! `prompt-sync new NAME [--from FILE] [--chat]`: starts a prompt in the cache without
//! the hub. Its metadata is marked locally modified and records no hub commit, so the
//! macro accepts it, `sync` reports it as new, and `prompt-sync push NAME` creates it
//! on the hub.

use std::path::Path;

use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::manifest::prompt_input_variables;
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::{PromptKind, PromptModel, TemplateFormat, timestamp};

use crate::cli::NewArgs;
use crate::error::{CliError, parse_name};
use crate::package::Package;
use crate::ui::{Ui, show_from_cwd, show_path};

/// The text of a new text prompt without `--from`.
const TEXT_TEMPLATE: &str = "Write the prompt here. Variables look like {input}.\n";

/// The text of a new chat prompt without `--from`.
const CHAT_TEMPLATE: &str =
    "=== system ===\nYou are a helpful assistant.\n=== human ===\n{input}\n";

/// Runs `new`.
pub(crate) fn run(manifest_path: Option<&Path>, args: &NewArgs, ui: &Ui) -> Result<(), CliError> {
    let name = parse_name(&args.name)?;
    let pkg = Package::open(manifest_path, ui)?;
    let kind = if args.chat {
        PromptKind::Chat
    } else {
        PromptKind::Text
    };
    let text = match &args.from {
        Some(file) => std::fs::read_to_string(file)
            .map_err(|e| CliError::failure(format!("cannot read `{}`: {e}", file.display())))?,
        None if args.chat => CHAT_TEMPLATE.to_owned(),
        None => TEXT_TEMPLATE.to_owned(),
    };
    let body = PromptModel::body_from_cache_text(kind, &text).map_err(|e| {
        CliError::failure(format!(
            "the text is not a chat prompt in the sectioned format: {e}"
        ))
        .hint("sections start with `=== system ===`, `=== human ===`, `=== ai ===`, `=== role: NAME ===` or `=== placeholder: VARIABLE ===`")
    })?;
    let layout = pkg.store.layout();
    let (text_path, meta_path) = (
        layout.text_path(&name),
        layout.existing_metadata_path(&name),
    );
    let exists = |p: &Path| p.exists();
    if exists(&text_path) || exists(&meta_path) {
        return Err(CliError::failure(format!(
            "prompt `{name}` already exists in the cache (`{}`)",
            show_path(&text_path, &pkg.dir)
        ))
        .hint(format!(
            "edit it after `prompt-sync mark-edited {name}`, or pick another name"
        )));
    }
    let model = PromptModel {
        body,
        template_format: TemplateFormat::FString,
        input_variables: Vec::new(),
    };
    let variables = prompt_input_variables(&model, &[]);
    let now = timestamp::now_utc();
    let mut meta = Metadata::new(&name, &sha256_hex(text.as_bytes()));
    meta.locally_modified = true;
    meta.local_edit_timestamp = Some(now);
    meta.hub_ref = Some("latest".to_owned());
    meta.owner = Some(pkg.config.owner.clone());
    meta.kind = Some(kind.as_str().to_owned());
    meta.template_format = Some(model.template_format.as_str().to_owned());
    meta.input_variables = Some(variables);

    let lock = pkg.store.lock_exclusive(|p| ui.waiting_for_lock(p))?;
    // Checked again under the lock: another process may have created it meanwhile.
    if exists(&text_path) || exists(&meta_path) {
        return Err(CliError::failure(format!(
            "prompt `{name}` already exists in the cache"
        )));
    }
    pkg.store.write(&lock, &name, &text, &meta)?;
    drop(lock);
    ui.info(format!(
        "📝 Created {} prompt {name} locally. Edit: {}",
        kind.as_str(),
        show_from_cwd(&text_path)
    ));
    ui.note(format!(
        "hint: `prompt-sync push {name}` creates it on the hub; list it in [package.metadata.prompt-sync] prompts or use `prompt!(\"{name}\")`"
    ));
    Ok(())
}
