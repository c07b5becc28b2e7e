//! The expansion of a verified prompt into a `prompt_sync::Prompt` constant.

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use prompt_sync_core::render::PromptPlan;

use crate::{Found, format_tokens, kind_tokens, messages_tokens, path_literal, plan_tokens};

/// `{ const _: &[u8] = include_bytes!(text); …; static PLAN: …; Prompt::__from_macro(…) }`.
pub(crate) fn expand(found: &Found, plan: &PromptPlan<'_>) -> TokenStream2 {
    let v = &found.verified;
    let name = v.name.as_str();
    let content = v.text.as_str();
    let sha = v.sha256.as_str();
    let hub_commit = match v.metadata.hub_commit_hash.as_deref() {
        Some(c) => quote!(::core::option::Option::Some(#c)),
        None => quote!(::core::option::Option::None),
    };
    let locally_modified = v.metadata.locally_modified;
    let kind = kind_tokens(v.metadata.prompt_kind());
    let format = format_tokens(v.metadata.format());
    let messages = messages_tokens(&v.body);
    let tracked = tracked(found);
    let plan = plan_tokens::plan(plan);
    quote!({
        #tracked
        static __PROMPT_SYNC_PLAN: ::prompt_sync::private::PromptPlan<'static> = #plan;
        ::prompt_sync::Prompt::__from_macro(
            #name,
            #content,
            #sha,
            #hub_commit,
            #locally_modified,
            #kind,
            #format,
            #messages,
            &__PROMPT_SYNC_PLAN,
        )
    })
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
