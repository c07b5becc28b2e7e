//! Rendering templates exactly as `langchain-core` does.
//!
//! - **f-string** ([`fstring`]): Python's `str.format` as LangChain applies it: `{name}`,
//!   `{{`/`}}` escapes, `!s`/`!r`/`!a` conversions, format specs on strings (fill, align,
//!   width, precision). LangChain's refusals (attribute access, indexing, positional
//!   fields, nested fields in specs) are [`TemplateError`]s.
//! - **mustache** ([`mustache`], [`tokenize`]): a port of LangChain's chevron fork:
//!   HTML escaping of `&`, `<`, `>`, `"`; `{{{x}}}` and `{{& x}}` raw; sections over lists
//!   and maps; inverted sections; dotted names; comments; set-delimiter tags;
//!   standalone-line whitespace; missing keys render empty. Partials (`{{> name}}`) are
//!   refused (LangChain renders them empty, as it passes no partials).
//! - **jinja2** is refused with a clear error: prompt-sync never renders it.
//!
//! [`Template`] is a parsed template; [`PromptPlan`] is everything needed to render a
//! whole prompt (each message's template, partial variables, placeholders, the input
//! variables), built from a [`PlanInput`]. Both can also be built in a `const` from
//! borrowed parts.
//!
//! Values are [`Value`]s: strings for f-string templates (non-strings print as Python's
//! `str()`), any JSON-like value for mustache (feature `json`: [`Value::from_json`]).
//!
//! This crate is what the `prompt-sync` runtime links into applications, so it has no
//! dependencies (serde_json only with the `json` feature): the store, the hub client
//! and the config parser stay in `prompt-sync-core` and out of user binaries.

mod error;
mod format;
pub mod fstring;
pub mod mustache;
mod plan;
mod printable;
mod python;
mod seq;
pub mod spec;
pub mod tokenize;
mod value;

pub use error::{RenderError, TemplateError};
pub use format::TemplateFormat;
pub use plan::{Part, PartSpec, PlanInput, PromptPlan, VarsProblem};
pub use seq::Seq;
pub use value::Value;

use fstring::Piece;
use tokenize::Token;

/// A parsed template: f-string pieces or mustache tokens, borrowing the text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Template<'a> {
    /// An f-string template.
    FString(Seq<'a, Piece<'a>>),
    /// A mustache template.
    Mustache(Seq<'a, Token<'a>>),
}

impl<'a> Template<'a> {
    /// Parses `text` as a template of `format`. Jinja2 and mustache partials are
    /// refused, as is anything LangChain refuses.
    pub fn parse(text: &'a str, format: TemplateFormat) -> Result<Self, TemplateError> {
        match format {
            TemplateFormat::FString => Ok(Template::FString(Seq::Owned(fstring::parse(text)?))),
            TemplateFormat::Mustache => {
                let tokens = tokenize::tokenize(text)?;
                if let Some(Token::Partial(name)) =
                    tokens.iter().find(|t| matches!(t, Token::Partial(_)))
                {
                    return Err(TemplateError::new(
                        TemplateFormat::Mustache,
                        format!(
                            "partial {{{{> {name}}}}}: prompt-sync does not render mustache partials \
                             (LangChain passes none, so it would render nothing); inline the text instead"
                        ),
                    ));
                }
                Ok(Template::Mustache(Seq::Owned(tokens)))
            }
            TemplateFormat::Jinja2 => Err(TemplateError::unsupported(format)),
        }
    }

    /// The template's format.
    pub fn format(&self) -> TemplateFormat {
        match self {
            Template::FString(_) => TemplateFormat::FString,
            Template::Mustache(_) => TemplateFormat::Mustache,
        }
    }

    /// LangChain's input variables of this template, sorted (for mustache, the
    /// top-level names only).
    pub fn variables(&self) -> Vec<&'a str> {
        match self {
            Template::FString(pieces) => fstring::variables(pieces_of(pieces)),
            Template::Mustache(tokens) => tokenize::variables(tokens_of(tokens)),
        }
    }

    /// Every name the template may read at the top level: its variables, and for
    /// mustache also names used inside sections (chevron looks them up in the outer
    /// scopes too).
    pub fn names(&self) -> Vec<&'a str> {
        match self {
            Template::FString(pieces) => fstring::variables(pieces_of(pieces)),
            Template::Mustache(tokens) => {
                let mut names: Vec<&str> = tokens_of(tokens)
                    .iter()
                    .filter_map(|t| match t {
                        Token::Variable(k)
                        | Token::NoEscape(k)
                        | Token::Section(k)
                        | Token::Inverted(k)
                            if *k != "." =>
                        {
                            k.split('.').next()
                        }
                        _ => None,
                    })
                    .collect();
                names.sort_unstable();
                names.dedup();
                names
            }
        }
    }

    /// Renders with the variables of `ctx` (a [`Value::Map`]), appending to `out`.
    pub fn render_into(&self, ctx: &Value<'_>, out: &mut String) -> Result<(), RenderError> {
        match self {
            Template::FString(pieces) => fstring::render(pieces, ctx, out),
            Template::Mustache(tokens) => mustache::render(tokens, ctx, out),
        }
    }

    /// Renders with the variables of `ctx` (a [`Value::Map`]).
    pub fn render(&self, ctx: &Value<'_>) -> Result<String, RenderError> {
        let mut out = String::new();
        self.render_into(ctx, &mut out)?;
        Ok(out)
    }
}

/// The borrowed pieces, with the lifetime of the text (not of the `Cow`).
fn pieces_of<'s, 'a>(pieces: &'s Seq<'a, Piece<'a>>) -> &'s [Piece<'a>] {
    pieces
}

fn tokens_of<'s, 'a>(tokens: &'s Seq<'a, Token<'a>>) -> &'s [Token<'a>] {
    tokens
}

/// LangChain's `get_template_variables(text, format)`: sorted, each once.
pub fn template_variables(
    text: &str,
    format: TemplateFormat,
) -> Result<Vec<String>, TemplateError> {
    let vars = match format {
        TemplateFormat::FString => fstring::variables(&fstring::parse(text)?),
        TemplateFormat::Mustache => tokenize::variables(&tokenize::tokenize(text)?),
        TemplateFormat::Jinja2 => return Err(TemplateError::unsupported(format)),
    };
    Ok(vars.into_iter().map(str::to_owned).collect())
}

/// The variables found before any error: what the manifest writer lists for a
/// template LangChain would refuse. Jinja2 yields none.
pub fn lenient_variables(text: &str, format: TemplateFormat) -> Vec<String> {
    let vars = match format {
        TemplateFormat::FString => fstring::lenient_variables(text),
        TemplateFormat::Mustache => {
            let mut tokens = Vec::new();
            let _ = tokenize::tokenize_into(text, &mut tokens);
            tokenize::variables(&tokens)
        }
        TemplateFormat::Jinja2 => Vec::new(),
    };
    vars.into_iter().map(str::to_owned).collect()
}
