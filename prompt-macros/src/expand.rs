//! The expansion of a verified prompt into a `prompt_sync::Prompt` constant.

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use crate::{Found, format_tokens, kind_tokens, messages_tokens, path_literal};

/// `{ const _: &[u8] = include_bytes!(text); …; Prompt::__from_macro(…) }`.
pub(crate) fn expand(found: &Found) -> TokenStream2 {
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
    let variables: Vec<&str> = v
        .metadata
        .input_variables
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect();
    // Tracking both files makes rustc rebuild the crate when either changes. A path
    // that is not UTF-8 cannot be tracked this way; the build script's
    // rerun-if-changed still covers it.
    let tracked: Vec<TokenStream2> = [&v.text_path, &v.metadata_path]
        .into_iter()
        .filter_map(|p| path_literal(p).ok())
        .map(|lit| {
            quote!(
                const _: &[u8] = ::core::include_bytes!(#lit);
            )
        })
        .collect();
    quote!({
        #(#tracked)*
        ::prompt_sync::Prompt::__from_macro(
            #name,
            #content,
            #sha,
            #hub_commit,
            #locally_modified,
            #kind,
            #format,
            #messages,
            &[#(#variables),*],
        )
    })
}
