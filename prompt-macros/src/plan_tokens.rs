//! A [`PromptPlan`] as tokens of a constant expression (everything borrowed), so the
//! runtime renders without parsing anything.

use proc_macro2::{Literal, TokenStream as TokenStream2};
use quote::quote;

use prompt_sync_core::render::fstring::{Conversion, Piece};
use prompt_sync_core::render::spec::{Align, Spec};
use prompt_sync_core::render::tokenize::Token;
use prompt_sync_core::render::{Part, PromptPlan, Template, Value};

/// `::prompt_sync::private::PromptPlan { … }`.
pub(crate) fn plan(plan: &PromptPlan<'_>) -> TokenStream2 {
    let parts = plan.parts.iter().map(part);
    let partials = plan.partials.iter().map(|(k, v)| {
        let k: &str = k;
        let v = value(v);
        quote!((::prompt_sync::private::Cow::Borrowed(#k), #v))
    });
    let variables = plan.variables.iter();
    let accepted = plan.accepted.iter();
    let problem = match plan.problem.as_deref() {
        Some(p) => quote!(::core::option::Option::Some(::prompt_sync::private::Cow::Borrowed(#p))),
        None => quote!(::core::option::Option::None),
    };
    quote!(::prompt_sync::private::PromptPlan {
        parts: ::prompt_sync::private::Seq::Borrowed(&[#(#parts),*]),
        partials: ::prompt_sync::private::Seq::Borrowed(&[#(#partials),*]),
        variables: ::prompt_sync::private::Seq::Borrowed(&[#(#variables),*]),
        accepted: ::prompt_sync::private::Seq::Borrowed(&[#(#accepted),*]),
        problem: #problem,
    })
}

fn part(part: &Part<'_>) -> TokenStream2 {
    match part {
        Part::Template(t) => {
            let t = template(t);
            quote!(::prompt_sync::private::Part::Template(#t))
        }
        Part::Literal => quote!(::prompt_sync::private::Part::Literal),
        Part::Placeholder {
            optional,
            n_messages,
        } => {
            let n = Literal::usize_suffixed(*n_messages);
            quote!(::prompt_sync::private::Part::Placeholder { optional: #optional, n_messages: #n })
        }
    }
}

fn template(t: &Template<'_>) -> TokenStream2 {
    match t {
        Template::FString(pieces) => {
            let pieces = pieces.iter().map(piece);
            quote!(::prompt_sync::private::Template::FString(::prompt_sync::private::Seq::Borrowed(&[#(#pieces),*])))
        }
        Template::Mustache(tokens) => {
            let tokens = tokens.iter().map(token);
            quote!(::prompt_sync::private::Template::Mustache(::prompt_sync::private::Seq::Borrowed(&[#(#tokens),*])))
        }
    }
}

fn piece(p: &Piece<'_>) -> TokenStream2 {
    match p {
        Piece::Text(t) => quote!(::prompt_sync::private::Piece::Text(#t)),
        Piece::Field(f) => {
            let name = f.name;
            let conversion = conversion(f.conversion);
            let spec = spec(&f.spec);
            let has_spec = f.has_spec;
            quote!(::prompt_sync::private::Piece::Field(::prompt_sync::private::Field {
                name: #name,
                conversion: #conversion,
                spec: #spec,
                has_spec: #has_spec,
            }))
        }
    }
}

/// `::prompt_sync::private::Conversion::…`.
pub(crate) fn conversion(c: Conversion) -> TokenStream2 {
    match c {
        Conversion::None => quote!(::prompt_sync::private::Conversion::None),
        Conversion::Str => quote!(::prompt_sync::private::Conversion::Str),
        Conversion::Repr => quote!(::prompt_sync::private::Conversion::Repr),
        Conversion::Ascii => quote!(::prompt_sync::private::Conversion::Ascii),
    }
}

/// `::prompt_sync::private::Spec { … }`.
pub(crate) fn spec(s: &Spec) -> TokenStream2 {
    let fill = s.fill;
    let align = match s.align {
        Align::Left => quote!(::prompt_sync::private::Align::Left),
        Align::Right => quote!(::prompt_sync::private::Align::Right),
        Align::Center => quote!(::prompt_sync::private::Align::Center),
    };
    let width = Literal::usize_suffixed(s.width);
    let precision = match s.precision {
        Some(p) => {
            let p = Literal::usize_suffixed(p);
            quote!(::core::option::Option::Some(#p))
        }
        None => quote!(::core::option::Option::None),
    };
    quote!(::prompt_sync::private::Spec { fill: #fill, align: #align, width: #width, precision: #precision })
}

fn token(t: &Token<'_>) -> TokenStream2 {
    let (variant, text) = match t {
        Token::Literal(s) => (quote!(Literal), *s),
        Token::Variable(s) => (quote!(Variable), *s),
        Token::NoEscape(s) => (quote!(NoEscape), *s),
        Token::Section(s) => (quote!(Section), *s),
        Token::Inverted(s) => (quote!(Inverted), *s),
        Token::End(s) => (quote!(End), *s),
        Token::Partial(s) => (quote!(Partial), *s),
    };
    quote!(::prompt_sync::private::Token::#variant(#text))
}

fn value(v: &Value<'_>) -> TokenStream2 {
    match v {
        Value::Null => quote!(::prompt_sync::private::Value::Null),
        Value::Bool(b) => quote!(::prompt_sync::private::Value::Bool(#b)),
        Value::Int(i) => {
            let i = Literal::i128_suffixed(*i);
            quote!(::prompt_sync::private::Value::Int(#i))
        }
        Value::Float(f) => {
            let f = Literal::f64_suffixed(*f);
            quote!(::prompt_sync::private::Value::Float(#f))
        }
        Value::Str(s) => {
            let s: &str = s;
            quote!(::prompt_sync::private::Value::Str(::prompt_sync::private::Cow::Borrowed(#s)))
        }
        Value::List(items) => {
            let items = items.iter().map(value);
            quote!(::prompt_sync::private::Value::List(::prompt_sync::private::Seq::Borrowed(&[#(#items),*])))
        }
        Value::Map(entries) => {
            let entries = entries.iter().map(|(k, v)| {
                let k: &str = k;
                let v = value(v);
                quote!((::prompt_sync::private::Cow::Borrowed(#k), #v))
            });
            quote!(::prompt_sync::private::Value::Map(::prompt_sync::private::Seq::Borrowed(&[#(#entries),*])))
        }
    }
}
