//! The expansion of a verified prompt into a `prompt_sync::Prompt` constant.
//!
//! One expression of literals, `Prompt::__embed(&Embedded { … })`: the text, its
//! hashes and flags, a chat prompt's message boundaries (spans of the text) and the
//! manifest's render options. rustc handles it about as fast as `include_str!` of the
//! text; the templates are parsed at run time, at the prompt's first render.

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use prompt_sync_core::layout::{BUILD_TRACKS_CACHE_ENV, CACHE_DIR_ENV, VERIFIED_DIGEST_ENV};
use prompt_sync_core::model::{ChatMessage, PromptBody, PromptKind, Role, TemplateFormat};
use prompt_sync_core::render::{PartSpec, PlanInput};

use crate::emit::{self, Src};
use crate::{Found, path_literal};

/// `Prompt::__embed(&Embedded { … })`, written as text and lexed once (see [`emit`]).
pub(crate) fn expand(found: &Found, input: &PlanInput<'_>) -> TokenStream2 {
    let v = found;
    let runtime = if v.runtime_by_name {
        emit::BY_NAME
    } else {
        emit::LOCAL
    };
    let mut out = Src::new(&v.text, v.text.len() + 1024).runtime(runtime);
    let track = needs_tracking(found);
    // Partial variables are `Value`s, which have drop glue: a reference to them is only
    // `'static` in an item, not as a promoted temporary.
    let in_static = !input.partials.is_empty();
    out.code("{");
    if !track {
        // The build script's digest of what it verified, an input of rustc (see
        // `VERIFIED_DIGEST_ENV`): build caches keyed on rustc's inputs see a change.
        // A statement, not an item: cheaper for rustc over hundreds of prompts.
        out.code("let _=::core::option_env!(")
            .str(VERIFIED_DIGEST_ENV)
            .code(");");
    } else {
        // Tracking both files makes rustc rebuild the crate when either changes, and
        // so do the config files and the variable that choose the cache directory. A
        // path that is not UTF-8 cannot be tracked this way.
        for path in tracked_files(found) {
            if let Some(p) = path.to_str() {
                out.code("const _:&[u8]=::core::include_bytes!(")
                    .str(p)
                    .code(");");
            }
        }
        out.code("const _: ::core::option::Option<&str>=::core::option_env!(")
            .str(CACHE_DIR_ENV)
            .code(");");
    }
    if in_static {
        out.code("static __PROMPT_SYNC_EMBEDDED: __prompt_sync::Embedded=");
        embedded(&mut out, found, input);
        out.code(";__prompt_sync::Prompt::__embed(&__PROMPT_SYNC_EMBEDDED)");
    } else {
        out.code("__prompt_sync::Prompt::__embed(&");
        embedded(&mut out, found, input);
        out.code(")");
    }
    out.code("}");
    // Lexed by rustc itself: `proc_macro2`'s `FromStr` would first run its own lexer
    // over the text, unoptimized in a debug build, at several times the cost.
    match out.into_string().parse::<proc_macro::TokenStream>() {
        Ok(tokens) => tokens.into(),
        Err(e) => {
            let msg = format!("internal error in prompt!: the expansion does not lex: {e}");
            quote!(::core::compile_error!(#msg))
        }
    }
}

/// `Embedded { … }`.
fn embedded(out: &mut Src<'_>, found: &Found, input: &PlanInput<'_>) {
    let v = found;
    out.code("__prompt_sync::Embedded{name: ")
        .str(v.name.as_str())
        .code(",content: ")
        .str(&v.text)
        .code(",sha256: ")
        .str(&v.sha256)
        .code(",hub_commit: ");
    match v.hub_commit.as_deref() {
        Some(c) => out.code("::core::option::Option::Some(").str(c).code(")"),
        None => out.code("::core::option::Option::None"),
    };
    out.code(",locally_modified: ").bool(v.locally_modified);
    out.code(match v.kind {
        PromptKind::Text => ",kind: __prompt_sync::PromptKind::Text",
        PromptKind::Chat => ",kind: __prompt_sync::PromptKind::Chat",
    });
    out.code(match v.model.template_format {
        TemplateFormat::FString => ",template_format: __prompt_sync::TemplateFormat::FString",
        TemplateFormat::Mustache => ",template_format: __prompt_sync::TemplateFormat::Mustache",
        TemplateFormat::Jinja2 => ",template_format: __prompt_sync::TemplateFormat::Jinja2",
    });
    out.code(",messages: ");
    match &v.model.body {
        PromptBody::Text(_) => {
            out.code("&[]");
        }
        PromptBody::Chat(ms) => {
            let mut i = 0;
            out.slice(ms, |o, m| {
                message(o, m, input.parts.get(i));
                i += 1;
            });
        }
    }
    out.code(",partials: ");
    out.slice(&input.partials, |o, (k, value)| {
        o.code("(").str(k).code(",");
        emit::value(o, value);
        o.code(")");
    });
    out.code(",problem: ");
    match input.problem.as_deref() {
        Some(p) => out.code("::core::option::Option::Some(").str(p).code(")"),
        None => out.code("::core::option::Option::None"),
    };
    out.code(",input_variables: ");
    out.slice(&input.input_variables, |o, name| {
        o.str(name);
    });
    out.code("}");
}

/// One chat message, with how it renders (`spec`; a plain template when the plan input
/// has none, as when the manifest could not be read and the prompt is unrenderable).
fn message(out: &mut Src<'_>, m: &ChatMessage, spec: Option<&PartSpec<'_>>) {
    match m {
        ChatMessage::Placeholder { variable } => {
            let (optional, n_messages) = match spec {
                Some(PartSpec::Placeholder {
                    optional,
                    n_messages,
                    ..
                }) => (*optional, *n_messages),
                _ => (false, 0),
            };
            out.code("__prompt_sync::EmbeddedMessage::Placeholder{variable: ")
                .str(variable)
                .code(",optional: ")
                .bool(optional)
                .code(",n_messages: ")
                .usize(n_messages)
                .code("}");
        }
        ChatMessage::Message { role, content } => {
            let variant = match spec {
                Some(PartSpec::Literal) => "Literal",
                Some(PartSpec::Refused(_)) => "Refused",
                _ => "Template",
            };
            out.code("__prompt_sync::EmbeddedMessage::")
                .code(variant)
                .code("{role: ");
            role_src(out, role);
            out.code(",text: ").text(content);
            if let Some(PartSpec::Refused(why)) = spec {
                out.code(",why: ").str(why);
            }
            out.code("}");
        }
    }
}

fn role_src(out: &mut Src<'_>, role: &Role) {
    match role {
        Role::System => out.code("__prompt_sync::Role::System"),
        Role::Human => out.code("__prompt_sync::Role::Human"),
        Role::Ai => out.code("__prompt_sync::Role::Ai"),
        Role::Other(r) => out.code("__prompt_sync::Role::Other(").str(r).code(")"),
    };
}

/// Whether the expansion must track the prompt's files itself: not when the crate's
/// build script (`prompt-sync-build`) tracks the whole cache directory (cargo then
/// reruns it, and rebuilds the crate, on any change there) and gives the digest of
/// what it verified (which the expansion then reads, so that rustc records it).
/// Per-file tracking costs rustc an item per file, which adds up over hundreds of
/// prompts.
fn needs_tracking(found: &Found) -> bool {
    let Some(tracked) = std::env::var_os(BUILD_TRACKS_CACHE_ENV) else {
        return true;
    };
    // Only a crate with a build script has an OUT_DIR: a stray variable in a shell
    // does not turn tracking off for a crate without one.
    std::env::var_os("OUT_DIR").is_none()
        || found.cache_root.as_os_str() != tracked
        || std::env::var_os(VERIFIED_DIGEST_ENV).is_none()
}

/// The files a crate without the build script must track for this prompt: its text,
/// metadata and record (when it has one), and the `Cargo.toml` files whose config
/// chose the cache directory.
fn tracked_files(found: &Found) -> Vec<std::path::PathBuf> {
    let record = prompt_sync_core::CacheLayout::new(&found.cache_root).record_path(&found.name);
    [found.text_path.clone(), found.metadata_path.clone()]
        .into_iter()
        .chain(record.is_file().then_some(record))
        .chain(found.config_files.iter().cloned())
        .collect()
}

/// `include_bytes!` of the [`tracked_files`] and `option_env!` of `PROMPT_SYNC_DIR`,
/// unless the build script tracks the cache (see [`needs_tracking`]): rustc rebuilds the
/// crate when any of them changes. When it does, `option_env!` of the digest of what
/// it verified, so the prompt is an input of rustc either way.
pub(crate) fn tracked(found: &Found) -> TokenStream2 {
    if !needs_tracking(found) {
        return quote!(
            const _: ::core::option::Option<&str> = ::core::option_env!(#VERIFIED_DIGEST_ENV);
        );
    }
    let items = tracked_files(found)
        .into_iter()
        .filter_map(|p| path_literal(&p).ok())
        .map(|lit| {
            quote!(
                const _: &[u8] = ::core::include_bytes!(#lit);
            )
        });
    quote!(
        #(#items)*
        const _: ::core::option::Option<&str> = ::core::option_env!(#CACHE_DIR_ENV);
    )
}
