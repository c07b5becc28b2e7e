//! The expansion of `prompt!("name")` written as Rust source text and handed to rustc's
//! lexer in one piece.
//!
//! A proc macro runs unoptimized in a debug build (cargo's default for build
//! dependencies). Building the expansion token by token with `quote!` cost more than
//! the rest of the crate's compilation for a few hundred prompts, and so does
//! `proc_macro2`'s `FromStr`, which lexes the text once more with its own (equally
//! unoptimized) lexer before handing it over. Here the text is written with a few
//! `push_str` calls per item (the standard library is optimized) and parsed by
//! `proc_macro::TokenStream::from_str`, that is by rustc itself.
//!
//! The text is also kept small, since rustc's work grows with it: strings go in as raw
//! literals (copied, not escaped), the prompt's text is one constant that the
//! messages and the render plan slice (`__sub(start, end)`) rather than repeat, and
//! what the plan repeats most has short local names ([`PRELUDE`]).

use std::fmt::Write as _;

use prompt_sync_core::render::fstring::{Conversion, Piece};
use prompt_sync_core::render::spec::{Align, Spec};
use prompt_sync_core::render::tokenize::Token;
use prompt_sync_core::render::{Part, PromptPlan, Template, Value};

/// Rust source text being written.
pub(crate) struct Src<'t> {
    out: String,
    /// The prompt's cached text, which `__PROMPT_SYNC_TEXT` holds: strings found in it
    /// are written as slices of it (`__sub(start, end)`), not as literals again.
    text: &'t str,
    /// Where the last slice ended (strings mostly come in text order).
    cursor: usize,
}

impl<'t> Src<'t> {
    /// With room for about `n` bytes; strings found in `text` become slices of
    /// `__PROMPT_SYNC_TEXT` (see [`Src::text_str`]).
    pub(crate) fn new(text: &'t str, n: usize) -> Src<'t> {
        Src {
            out: String::with_capacity(n),
            text,
            cursor: 0,
        }
    }

    /// The text written.
    pub(crate) fn into_string(self) -> String {
        self.out
    }

    /// A `&'static str` expression equal to `s`: a slice of `__PROMPT_SYNC_TEXT` when
    /// `s` occurs in it, else a literal.
    pub(crate) fn text_str(&mut self, s: &str) -> &mut Self {
        if s.len() < 16 {
            return self.str(s);
        }
        let found = self.text[self.cursor..]
            .find(s)
            .map(|i| i + self.cursor)
            .or_else(|| self.text.find(s));
        match found {
            Some(start) => {
                let end = start + s.len();
                self.cursor = end;
                let _ = write!(self.out, "__sub({start},{end})");
                self
            }
            None => self.str(s),
        }
    }

    /// Code, as is.
    pub(crate) fn code(&mut self, code: &str) -> &mut Self {
        self.out.push_str(code);
        self
    }

    /// A string literal holding exactly `text`: a raw string with as many `#` as it
    /// needs, or (for a text with a carriage return, which a raw string cannot hold)
    /// an escaped one.
    pub(crate) fn str(&mut self, text: &str) -> &mut Self {
        if text.contains('\r') {
            let _ = write!(self.out, "{text:?}");
            return self;
        }
        let hashes = text
            .match_indices('"')
            .map(|(i, _)| 1 + text[i + 1..].bytes().take_while(|&b| b == b'#').count())
            .max()
            .unwrap_or(0);
        self.out.push('r');
        push_hashes(&mut self.out, hashes);
        self.out.push('"');
        self.out.push_str(text);
        self.out.push('"');
        push_hashes(&mut self.out, hashes);
        self
    }

    /// A `usize` literal.
    pub(crate) fn usize(&mut self, n: usize) -> &mut Self {
        let _ = write!(self.out, "{n}usize");
        self
    }

    /// `true` or `false`.
    pub(crate) fn bool(&mut self, b: bool) -> &mut Self {
        self.code(if b { "true" } else { "false" })
    }

    /// `&[a, b, …]`, each item written by `item`.
    pub(crate) fn slice<T>(
        &mut self,
        items: &[T],
        mut item: impl FnMut(&mut Self, &T),
    ) -> &mut Self {
        self.code("&[");
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.code(",");
            }
            item(self, x);
        }
        self.code("]")
    }

    /// `__s(&[…])`: `::prompt_sync::private::Seq::Borrowed(&[…])`.
    fn seq<T>(&mut self, items: &[T], item: impl FnMut(&mut Self, &T)) -> &mut Self {
        self.code("__s(");
        self.slice(items, item);
        self.code(")")
    }
}

fn push_hashes(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push('#');
    }
}

/// Items every expansion starts with (inside its block): short names for what the
/// plan repeats most, `__f(name)` for a plain `{name}` field, and `__sub(start, end)`,
/// a slice of the block's `__PROMPT_SYNC_TEXT` constant.
pub(crate) const PRELUDE: &str = "#[allow(unused)] use ::prompt_sync::private as __p;\
#[allow(unused)] use __p::Seq::Borrowed as __s;\
#[allow(unused)] use __p::Piece::Text as __t;\
#[allow(unused)] const fn __f(name: &'static str) -> __p::Piece<'static> {\
__p::Piece::Field(__p::Field { name, conversion: __p::Conversion::None, spec: __p::Spec::NONE, has_spec: false })\
}\
#[allow(unused)] const fn __sub(start: usize, end: usize) -> &'static str {\
__PROMPT_SYNC_TEXT.split_at(start).1.split_at(end - start).0\
}";

/// The render plan as a constant expression of `::prompt_sync::private` types, using
/// the names [`PRELUDE`] brings into scope.
pub(crate) fn plan(out: &mut Src<'_>, plan: &PromptPlan<'_>) {
    out.code("__p::PromptPlan{parts: ");
    out.seq(&plan.parts, |o, p| part(o, p));
    out.code(",partials: ");
    out.seq(&plan.partials, |o, (k, v)| {
        o.code("(__p::Cow::Borrowed(").str(k).code("),");
        value(o, v);
        o.code(")");
    });
    out.code(",variables: ");
    out.seq(&plan.variables, |o, v| {
        o.str(v);
    });
    out.code(",accepted: ");
    out.seq(&plan.accepted, |o, v| {
        o.str(v);
    });
    out.code(",problem: ");
    match plan.problem.as_deref() {
        Some(p) => out
            .code("::core::option::Option::Some(__p::Cow::Borrowed(")
            .str(p)
            .code("))"),
        None => out.code("::core::option::Option::None"),
    };
    out.code("}");
}

fn part(out: &mut Src<'_>, part: &Part<'_>) {
    match part {
        Part::Template(t) => {
            out.code("__p::Part::Template(");
            template(out, t);
            out.code(")");
        }
        Part::Literal => {
            out.code("__p::Part::Literal");
        }
        Part::Placeholder {
            optional,
            n_messages,
        } => {
            out.code("__p::Part::Placeholder{optional: ")
                .bool(*optional)
                .code(",n_messages: ")
                .usize(*n_messages)
                .code("}");
        }
    }
}

fn template(out: &mut Src<'_>, t: &Template<'_>) {
    match t {
        Template::FString(pieces) => {
            out.code("__p::Template::FString(");
            out.seq(pieces, |o, p| piece(o, p));
            out.code(")");
        }
        Template::Mustache(tokens) => {
            out.code("__p::Template::Mustache(");
            out.seq(tokens, |o, t| token(o, t));
            out.code(")");
        }
    }
}

fn piece(out: &mut Src<'_>, p: &Piece<'_>) {
    match p {
        Piece::Text(t) => {
            out.code("__t(").text_str(t).code(")");
        }
        Piece::Field(f)
            if f.conversion == Conversion::None && !f.has_spec && f.spec == Spec::NONE =>
        {
            out.code("__f(").str(f.name).code(")");
        }
        Piece::Field(f) => {
            out.code("__p::Piece::Field(__p::Field{name: ").str(f.name);
            out.code(",conversion: ");
            conversion(out, f.conversion);
            out.code(",spec: ");
            spec(out, &f.spec);
            out.code(",has_spec: ").bool(f.has_spec).code("})");
        }
    }
}

fn conversion(out: &mut Src<'_>, c: Conversion) {
    out.code(match c {
        Conversion::None => "__p::Conversion::None",
        Conversion::Str => "__p::Conversion::Str",
        Conversion::Repr => "__p::Conversion::Repr",
        Conversion::Ascii => "__p::Conversion::Ascii",
    });
}

fn spec(out: &mut Src<'_>, s: &Spec) {
    let _ = write!(out.out, "__p::Spec{{fill: {:?},align: ", s.fill);
    out.code(match s.align {
        Align::Left => "__p::Align::Left",
        Align::Right => "__p::Align::Right",
        Align::Center => "__p::Align::Center",
    });
    out.code(",width: ").usize(s.width).code(",precision: ");
    match s.precision {
        Some(p) => out.code("::core::option::Option::Some(").usize(p).code(")"),
        None => out.code("::core::option::Option::None"),
    };
    out.code("}");
}

fn token(out: &mut Src<'_>, t: &Token<'_>) {
    let (variant, text) = match t {
        Token::Literal(s) => ("Literal", *s),
        Token::Variable(s) => ("Variable", *s),
        Token::NoEscape(s) => ("NoEscape", *s),
        Token::Section(s) => ("Section", *s),
        Token::Inverted(s) => ("Inverted", *s),
        Token::End(s) => ("End", *s),
        Token::Partial(s) => ("Partial", *s),
    };
    out.code("__p::Token::")
        .code(variant)
        .code("(")
        .str(text)
        .code(")");
}

fn value(out: &mut Src<'_>, v: &Value<'_>) {
    match v {
        Value::Null => {
            out.code("__p::Value::Null");
        }
        Value::Bool(b) => {
            out.code("__p::Value::Bool(").bool(*b).code(")");
        }
        Value::Int(i) => {
            out.code("__p::Value::Int(");
            if *i == i128::MIN {
                // `-N` is a negation of `N`, which does not fit for the minimum.
                out.code("i128::MIN");
            } else {
                let _ = write!(out.out, "{i}i128");
            }
            out.code(")");
        }
        Value::Float(f) => {
            out.code("__p::Value::Float(");
            if f.is_finite() {
                let _ = write!(out.out, "{f:?}f64");
            } else if f.is_nan() {
                out.code("f64::NAN");
            } else if *f > 0.0 {
                out.code("f64::INFINITY");
            } else {
                out.code("f64::NEG_INFINITY");
            }
            out.code(")");
        }
        Value::Str(s) => {
            out.code("__p::Value::Str(__p::Cow::Borrowed(")
                .str(s)
                .code("))");
        }
        Value::List(items) => {
            out.code("__p::Value::List(");
            out.seq(items, |o, x| value(o, x));
            out.code(")");
        }
        Value::Map(entries) => {
            out.code("__p::Value::Map(");
            out.seq(entries, |o, (k, x)| {
                o.code("(__p::Cow::Borrowed(").str(k).code("),");
                value(o, x);
                o.code(")");
            });
            out.code(")");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str) -> String {
        let mut s = Src::new("", 0);
        s.str(text);
        s.into_string()
    }

    #[test]
    fn string_literals_hold_any_text() {
        assert_eq!(lit("plain"), "r\"plain\"");
        assert_eq!(lit("a \"quote\""), "r#\"a \"quote\"\"#");
        assert_eq!(lit("x\"## y"), "r###\"x\"## y\"###");
        assert_eq!(lit("cr\r\n"), "\"cr\\r\\n\"");
        for text in [
            "",
            "\"",
            "\"#",
            "#\"#",
            "tab\tand\nnewline \\ back",
            "é ü ✓",
            "\0nul",
        ] {
            let l = lit(text);
            let parsed: syn::LitStr = syn::parse_str(&l).unwrap_or_else(|e| panic!("{l}: {e}"));
            assert_eq!(parsed.value(), text, "{l}");
        }
    }
}
