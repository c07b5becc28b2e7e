//! The expansion of a verified prompt into a `prompt_sync::Prompt` constant.

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use prompt_sync_core::model::{ChatMessage, PromptBody, PromptKind, Role, TemplateFormat};
use prompt_sync_core::render::PromptPlan;

use crate::emit::{self, Src};
use crate::{Found, path_literal};

/// `{ use …private as __p; const _: &[u8] = include_bytes!(text); …; static PLAN: …;
/// Prompt::__from_macro(…) }`, written as text and lexed once (see [`emit`]).
pub(crate) fn expand(found: &Found, plan: &PromptPlan<'_>) -> TokenStream2 {
    let v = &found.verified;
    let mut out = Src::new(&v.text, 2 * v.text.len() + 4096);
    out.code("{").code(emit::PRELUDE);
    // Tracking both files makes rustc rebuild the crate when either changes. A path
    // that is not UTF-8 cannot be tracked this way; the build script's
    // rerun-if-changed still covers it.
    for path in [&v.text_path, &v.metadata_path] {
        if let Some(p) = path.to_str() {
            out.code("const _:&[u8]=::core::include_bytes!(")
                .str(p)
                .code(");");
        }
    }
    // The text once; a text prompt's one message is the same string.
    out.code("const __PROMPT_SYNC_TEXT:&str=")
        .str(&v.text)
        .code(";");
    // Items, not expressions: a slice built with a `const fn` call is only promoted to
    // `'static` in a constant.
    out.code("const __PROMPT_SYNC_MESSAGES:&[::prompt_sync::MessageTemplate]=");
    messages(&mut out, &v.body);
    out.code(";static __PROMPT_SYNC_PLAN:__p::PromptPlan<'static>=");
    emit::plan(&mut out, plan);
    out.code(";::prompt_sync::Prompt::__from_macro(")
        .str(v.name.as_str())
        .code(",__PROMPT_SYNC_TEXT,")
        .str(&v.sha256)
        .code(",");
    match v.metadata.hub_commit_hash.as_deref() {
        Some(c) => out.code("::core::option::Option::Some(").str(c).code("),"),
        None => out.code("::core::option::Option::None,"),
    };
    out.bool(v.metadata.locally_modified).code(",");
    out.code(match v.metadata.prompt_kind() {
        PromptKind::Text => "::prompt_sync::PromptKind::Text,",
        PromptKind::Chat => "::prompt_sync::PromptKind::Chat,",
    });
    out.code(match v.metadata.format() {
        TemplateFormat::FString => "::prompt_sync::TemplateFormat::FString,",
        TemplateFormat::Mustache => "::prompt_sync::TemplateFormat::Mustache,",
        TemplateFormat::Jinja2 => "::prompt_sync::TemplateFormat::Jinja2,",
    });
    out.code("__PROMPT_SYNC_MESSAGES,&__PROMPT_SYNC_PLAN)}");
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

fn messages(out: &mut Src<'_>, body: &PromptBody) {
    match body {
        PromptBody::Text(_) => {
            out.code("&[::prompt_sync::MessageTemplate::Message{role: ::prompt_sync::Role::Human,template: __PROMPT_SYNC_TEXT}]");
        }
        PromptBody::Chat(ms) => {
            out.slice(ms, |o, m| match m {
                ChatMessage::Message { role, content } => {
                    o.code("::prompt_sync::MessageTemplate::Message{role: ");
                    role_src(o, role);
                    o.code(",template: ").text_str(content).code("}");
                }
                ChatMessage::Placeholder { variable } => {
                    o.code("::prompt_sync::MessageTemplate::Placeholder{variable: ")
                        .str(variable)
                        .code("}");
                }
            });
        }
    }
}

fn role_src(out: &mut Src<'_>, role: &Role) {
    match role {
        Role::System => out.code("::prompt_sync::Role::System"),
        Role::Human => out.code("::prompt_sync::Role::Human"),
        Role::Ai => out.code("::prompt_sync::Role::Ai"),
        Role::Other(r) => out.code("::prompt_sync::Role::Other(").str(r).code(")"),
    };
}

/// `include_bytes!` of the text and the metadata: rustc rebuilds the crate when either
/// changes. A path that is not UTF-8 cannot be tracked this way; the build script's
/// rerun-if-changed still covers it.
pub(crate) fn tracked(found: &Found) -> TokenStream2 {
    let v = &found.verified;
    let items = [&v.text_path, &v.metadata_path]
        .into_iter()
        .filter_map(|p| path_literal(p).ok())
        .map(|lit| {
            quote!(
                const _: &[u8] = ::core::include_bytes!(#lit);
            )
        });
    quote!(#(#items)*)
}
