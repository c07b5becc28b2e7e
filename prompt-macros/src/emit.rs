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
//! The text is also kept small and cheap for rustc: strings go in as raw literals
//! (copied, not escaped), and a chat message's template is a span of the prompt's text
//! (`Text::Span(start, end)`), not a second copy of it.

use std::fmt::Write as _;

use prompt_sync_core::render::Value;

/// Rust source text being written.
pub(crate) struct Src<'t> {
    out: String,
    /// The prompt's cached text: strings found in it are written as spans of it (see
    /// [`Src::text`]), not as literals again.
    text: &'t str,
    /// Where the last slice ended (strings mostly come in text order).
    cursor: usize,
    /// What the runtime's `private` module is called in the code: [`LOCAL`] (bound by
    /// a `use` of `$crate::private`), or `::prompt_sync::private` when the package
    /// depends on prompt-sync under that name (rustc resolves a path from the crate
    /// root faster than one through a block's `use`, which adds up over hundreds of
    /// prompts).
    runtime: &'static str,
}

/// The name the code is written with for the runtime's `private` module.
pub(crate) const LOCAL: &str = "__prompt_sync";

/// The path of the runtime's `private` module from the crate root, for a package that
/// depends on prompt-sync under that name.
pub(crate) const BY_NAME: &str = "::prompt_sync::private";

impl<'t> Src<'t> {
    /// With room for about `n` bytes; strings found in `text` become spans of it (see
    /// [`Src::text`]).
    pub(crate) fn new(text: &'t str, n: usize) -> Src<'t> {
        Src {
            out: String::with_capacity(n),
            text,
            cursor: 0,
            runtime: LOCAL,
        }
    }

    /// Names the runtime's `private` module `runtime` ([`LOCAL`] or [`BY_NAME`]) in the
    /// code written from now on.
    pub(crate) fn runtime(mut self, runtime: &'static str) -> Src<'t> {
        self.runtime = runtime;
        self
    }

    /// The text written.
    pub(crate) fn into_string(self) -> String {
        self.out
    }

    /// A `__prompt_sync::Text` equal to `s`: a span of the prompt's text when
    /// `s` occurs in it (strings mostly come in text order), else a literal.
    pub(crate) fn text(&mut self, s: &str) -> &mut Self {
        let found = self.text[self.cursor..]
            .find(s)
            .map(|i| i + self.cursor)
            .or_else(|| self.text.find(s));
        match found {
            Some(start) => {
                let end = start + s.len();
                self.cursor = end;
                let _ = write!(self.out, "{}::Text::Span({start},{end})", self.runtime);
                self
            }
            None => self.code("__prompt_sync::Text::Str(").str(s).code(")"),
        }
    }

    /// Code, as is, but for the runtime's name ([`LOCAL`] in `code`, see `runtime`).
    pub(crate) fn code(&mut self, code: &str) -> &mut Self {
        match code.split_once("__prompt_sync::") {
            Some((before, after)) if self.runtime != LOCAL => {
                self.out.push_str(before);
                self.out.push_str(self.runtime);
                self.out.push_str("::");
                self.code(after)
            }
            _ => {
                self.out.push_str(code);
                self
            }
        }
    }

    /// A string literal holding exactly `text`: a raw string with as many `#` as it
    /// needs, or an escaped one for a text a raw string cannot hold (a carriage return,
    /// or a `"` followed by more than the 255 `#` rustc allows).
    pub(crate) fn str(&mut self, text: &str) -> &mut Self {
        let hashes = text
            .match_indices('"')
            .map(|(i, _)| 1 + text[i + 1..].bytes().take_while(|&b| b == b'#').count())
            .max()
            .unwrap_or(0);
        if text.contains('\r') || hashes > 255 {
            let _ = write!(self.out, "{text:?}");
            return self;
        }
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

    /// `Seq::Borrowed(&[…])`.
    fn seq<T>(&mut self, items: &[T], item: impl FnMut(&mut Self, &T)) -> &mut Self {
        self.code("__prompt_sync::Seq::Borrowed(");
        self.slice(items, item);
        self.code(")")
    }
}

fn push_hashes(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push('#');
    }
}

/// A render value as a constant expression (a partial variable's).
pub(crate) fn value(out: &mut Src<'_>, v: &Value<'_>) {
    match v {
        Value::Null => {
            out.code("__prompt_sync::Value::Null");
        }
        Value::Bool(b) => {
            out.code("__prompt_sync::Value::Bool(").bool(*b).code(")");
        }
        Value::Int(i) => {
            out.code("__prompt_sync::Value::Int(");
            if *i == i128::MIN {
                // `-N` is a negation of `N`, which does not fit for the minimum.
                out.code("i128::MIN");
            } else {
                let _ = write!(out.out, "{i}i128");
            }
            out.code(")");
        }
        Value::Float(f) => {
            out.code("__prompt_sync::Value::Float(");
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
            out.code("__prompt_sync::Value::Str(__prompt_sync::Cow::Borrowed(")
                .str(s)
                .code("))");
        }
        Value::List(items) => {
            out.code("__prompt_sync::Value::List(");
            out.seq(items, |o, x| value(o, x));
            out.code(")");
        }
        Value::Map(entries) => {
            out.code("__prompt_sync::Value::Map(");
            out.seq(entries, |o, (k, x)| {
                o.code("(__prompt_sync::Cow::Borrowed(").str(k).code("),");
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
    fn the_runtime_is_named_as_chosen() {
        let code = "x(__prompt_sync::A, __prompt_sync::B::C)";
        let mut local = Src::new("", 0);
        local.code(code);
        assert_eq!(local.into_string(), code);
        let mut by_name = Src::new("ab", 0).runtime(BY_NAME);
        by_name.code(code).text("b");
        assert_eq!(
            by_name.into_string(),
            "x(::prompt_sync::private::A, ::prompt_sync::private::B::C)::prompt_sync::private::Text::Span(1,2)"
        );
    }

    #[test]
    fn string_literals_hold_any_text() {
        assert_eq!(lit("plain"), "r\"plain\"");
        assert_eq!(lit("a \"quote\""), "r#\"a \"quote\"\"#");
        assert_eq!(lit("x\"## y"), "r###\"x\"## y\"###");
        assert_eq!(lit("cr\r\n"), "\"cr\\r\\n\"");
        let many = format!("\"{}", "#".repeat(300));
        assert!(lit(&many).starts_with('"'), "rustc takes at most 255 `#`");
        for text in [
            "",
            "\"",
            "\"#",
            "#\"#",
            "tab\tand\nnewline \\ back",
            "é ü ✓",
            "\0nul",
            &many,
        ] {
            let l = lit(text);
            let parsed: syn::LitStr = syn::parse_str(&l).unwrap_or_else(|e| panic!("{l}: {e}"));
            assert_eq!(parsed.value(), text, "{l}");
        }
    }
}
