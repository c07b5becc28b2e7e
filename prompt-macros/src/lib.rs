//! The `prompt!` macro of prompt-sync (use it through the `prompt-sync` crate).
//!
//! `prompt!("name")` finds the package's cache (`PROMPT_SYNC_DIR`, the config's
//! `cache_dir`, or `prompts/langsmith_cache`), reads the text and metadata under the
//! cache's shared lock, verifies them with `prompt_sync_core::verify`, and expands to a
//! `prompt_sync::Prompt` constant: the text, its hashes, a chat prompt's message
//! boundaries and the manifest's render options (see the `expand` module). Editing
//! either file rebuilds the crate: through the build script's tracking of the cache
//! directory when `prompt-sync-build` runs, else through `include_bytes!` of both
//! files. With the build script, the expansion also reads (`option_env!`) the digest of
//! what it verified, so the embedded content is an input of rustc (in its dep-info)
//! in both modes, as build caches like sccache need. It never uses the network and
//! never writes.
//!
//! `prompt!("name", var = expr, …)` checks the variables against the prompt's at
//! compile time and expands to code that renders the embedded template directly
//! (see the `render` module).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2, TokenTree};
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, LitStr, Token};

use prompt_sync_core::config::Config;
use prompt_sync_core::layout::{CACHE_DIR_ENV, CacheLayout};
use prompt_sync_core::model::Role;
use prompt_sync_core::store::Store;
use prompt_sync_core::{Error, PromptName};

use found::Found;

mod emit;
mod expand;
mod found;
mod plan_tokens;
mod render;

/// Embeds a cached prompt, or renders it; see the `prompt-sync` crate, whose
/// `prompt!` calls this with its own path first: `prompt!($crate; "name", …)`. Without
/// that prefix the expansion names the runtime `::prompt_sync`.
#[proc_macro]
pub fn prompt(input: TokenStream) -> TokenStream {
    let (krate, input) = split_crate_path(input.into());
    let (expansion, by_name) = expand_prompt(input);
    let expansion: TokenStream2 = expansion.into();
    if by_name {
        return expansion.into();
    }
    // The generated code names the runtime's `private` module `__prompt_sync`; one
    // `use` binds that name to the crate's path.
    quote!({
        #[allow(unused_imports)]
        use #krate::private as __prompt_sync;
        #expansion
    })
    .into()
}

/// `$crate ; rest` as (`$crate`, rest); anything else as (`::prompt_sync`, all of it).
fn split_crate_path(input: TokenStream2) -> (TokenStream2, TokenStream) {
    let mut tokens = input.clone().into_iter();
    match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Ident(krate)), Some(TokenTree::Punct(semi)))
            if krate == "$crate" && semi.as_char() == ';' =>
        {
            (
                TokenTree::Ident(krate).into(),
                tokens.collect::<TokenStream2>().into(),
            )
        }
        _ => (quote!(::prompt_sync), input.into()),
    }
}

/// The expansion of `prompt!(args)`, naming the runtime's `private` module `__prompt_sync`.
///
/// Also says whether the expansion names the runtime from the crate root
/// (`::prompt_sync::private`, see [`emit::BY_NAME`]) and so needs no `use`.
fn expand_prompt(input: TokenStream) -> (TokenStream, bool) {
    let args = match syn::parse::<Args>(input) {
        Ok(a) => a,
        Err(e) => return (e.to_compile_error().into(), true),
    };
    let found = match load(&args.name) {
        Ok(found) => found,
        Err(msg) => {
            let e = syn::Error::new(args.name.span(), msg);
            return (e.to_compile_error().into(), true);
        }
    };
    let Some(input) = found.plan_input() else {
        let msg = "internal error in prompt!: the render options do not fit the templates";
        let e = syn::Error::new(args.name.span(), msg);
        return (e.to_compile_error().into(), true);
    };
    if args.vars.is_empty() {
        return (expand::expand(&found, &input).into(), found.runtime_by_name);
    }
    let plan = prompt_sync_core::render::PromptPlan::build(input);
    match render::expand(&found, &found.model, &plan, &args) {
        Ok(tokens) => (tokens.into(), false),
        Err(e) => (e.to_compile_error().into(), true),
    }
}

/// The macro's arguments: the prompt's name, then `var = expr` pairs.
struct Args {
    name: LitStr,
    vars: Vec<VarArg>,
}

/// One `var = expr` argument.
struct VarArg {
    /// The name as written (for spans).
    ident: Ident,
    /// The variable's name (`r#type` is `type`).
    name: String,
    /// The value.
    expr: Expr,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let usage =
            "expected the prompt's name as a string literal, e.g. `prompt!(\"test_generator_v1\")`";
        if input.is_empty() {
            return Err(input.error(usage));
        }
        let name: LitStr = input
            .parse()
            .map_err(|e| syn::Error::new(e.span(), usage))?;
        let mut vars = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let pair_usage = "expected `variable = value` after the prompt name, e.g. `prompt!(\"summarizer\", text = article)`";
            let ident: Ident = match input.parse() {
                Ok(ident) => ident,
                Err(e) => {
                    // A keyword (`type = …`): name the raw form that works.
                    let fork = input.fork();
                    return Err(match Ident::parse_any(&fork) {
                        Ok(kw) if fork.peek(Token![=]) => syn::Error::new(
                            kw.span(),
                            format!("`{kw}` is a Rust keyword: write the variable as `r#{kw} = …`"),
                        ),
                        _ => syn::Error::new(e.span(), pair_usage),
                    });
                }
            };
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(ident.span(), pair_usage));
            }
            input.parse::<Token![=]>()?;
            let expr: Expr = input.parse()?;
            vars.push(VarArg {
                name: ident.unraw().to_string(),
                ident,
                expr,
            });
        }
        Ok(Args { name, vars })
    }
}

fn load(lit: &LitStr) -> Result<Found, String> {
    let raw = lit.value();
    let name = PromptName::new(&raw).map_err(|e| {
        format!(
            "invalid prompt name {:?}: {e}",
            raw.escape_debug().to_string()
        )
    })?;
    let package_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| {
            "CARGO_MANIFEST_DIR is not set: `prompt!` must be compiled by cargo".to_owned()
        })?;
    let package = package_info(&package_dir)?;
    let store = Store::new(package.layout);
    let show = |e: &Error| relative(&e.to_string(), &package_dir);
    let _lock = store.lock_shared(|_| {}).map_err(|e| show(&e))?;
    let mut found = found::find(&store, &name, &package_dir)?;
    found.config_files = package.files;
    found.runtime_by_name = package.runtime_by_name;
    Ok(found)
}

/// What `prompt!` needs to know of the package it expands in.
struct PackageInfo {
    /// The cache directory.
    layout: CacheLayout,
    /// The `Cargo.toml` files its config came from.
    files: Vec<PathBuf>,
    /// It depends on prompt-sync under that name.
    runtime_by_name: bool,
}

/// The [`PackageInfo`] of a package.
///
/// Resolved once per compilation: the proc-macro library stays loaded while rustc
/// expands every `prompt!` of a crate, so the config (one or more `Cargo.toml` parses)
/// is read once, not once per call. A process that lives longer (rust-analyzer's
/// proc-macro server) reads it again when `PROMPT_SYNC_DIR` or one of those files
/// changed.
fn package_info(package_dir: &Path) -> Result<PackageInfo, String> {
    struct Resolved {
        package_dir: PathBuf,
        env: Option<std::ffi::OsString>,
        /// The config files with their modification times.
        files: Vec<(PathBuf, Option<std::time::SystemTime>)>,
        result: Result<(CacheLayout, bool), String>,
    }
    static RESOLVED: Mutex<Vec<Resolved>> = Mutex::new(Vec::new());
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let env = std::env::var_os(CACHE_DIR_ENV);
    let mut resolved = RESOLVED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let current = |r: &Resolved| {
        r.package_dir == package_dir
            && r.env == env
            && r.files.iter().all(|(p, t)| modified(p) == *t)
    };
    let info = |r: &Resolved| {
        r.result
            .clone()
            .map(|(layout, runtime_by_name)| PackageInfo {
                layout,
                files: r.files.iter().map(|(p, _)| p.clone()).collect(),
                runtime_by_name,
            })
    };
    if let Some(r) = resolved.iter().find(|r| current(r)) {
        return info(r);
    }
    let (result, files) = match Config::load(package_dir) {
        Ok(config) => (
            Ok((
                CacheLayout::resolve(package_dir, config.cache_dir.as_deref(), env.as_deref()),
                config.runtime_by_name,
            )),
            config.manifest_files,
        ),
        Err(e) => (
            Err(relative(&e.to_string(), package_dir)),
            vec![package_dir.join("Cargo.toml")],
        ),
    };
    resolved.retain(|r| r.package_dir != package_dir);
    let r = Resolved {
        package_dir: package_dir.to_owned(),
        env,
        files: files.iter().map(|p| (p.clone(), modified(p))).collect(),
        result,
    };
    let out = info(&r);
    resolved.push(r);
    out
}

fn relative(msg: &str, base: &Path) -> String {
    match base.to_str() {
        Some(b) => msg.replace(&format!("{}/", b.trim_end_matches('/')), ""),
        None => msg.to_owned(),
    }
}

fn role_tokens(role: &Role) -> TokenStream2 {
    match role {
        Role::System => quote!(__prompt_sync::Role::System),
        Role::Human => quote!(__prompt_sync::Role::Human),
        Role::Ai => quote!(__prompt_sync::Role::Ai),
        Role::Other(r) => quote!(__prompt_sync::Role::Other(#r)),
    }
}

fn path_literal(p: &Path) -> Result<LitStr, String> {
    p.to_str()
        .map(|s| LitStr::new(s, Span::call_site()))
        .ok_or_else(|| {
            format!(
                "the path `{}` is not valid UTF-8, so rustc cannot track it",
                p.display()
            )
        })
}
