//! f-string templates: Python's `str.format` as LangChain applies it.
//!
//! Parsing follows CPython's `MarkupIterator` (`{{`/`}}` escapes, `{name!conv:spec}`
//! fields) and then LangChain's `validate_f_string_template`: attribute access
//! (`{a.b}`), indexing (`{a[0]}`), positional fields (`{0}`, `{}`) and nested
//! replacement fields in specs (`{a:{w}}`) are refused. Specs and conversions are
//! checked when the template is parsed, since every value is formatted as a string.

use std::borrow::Cow;

use super::error::{RenderError, TemplateError};
use super::python;
use super::spec::Spec;
use super::value::Value;
use crate::TemplateFormat;

/// A conversion: `!s`, `!r` or `!a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Conversion {
    /// None given.
    #[default]
    None,
    /// `!s`: Python's `str()`.
    Str,
    /// `!r`: Python's `repr()`.
    Repr,
    /// `!a`: Python's `ascii()`.
    Ascii,
}

/// A replacement field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field<'a> {
    /// The variable.
    pub name: &'a str,
    /// The conversion.
    pub conversion: Conversion,
    /// The spec, parsed.
    pub spec: Spec,
    /// True when the field had a non-empty spec (a non-string value is then refused).
    pub has_spec: bool,
}

/// One piece of a parsed template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Piece<'a> {
    /// Literal text (escapes already resolved).
    Text(&'a str),
    /// A replacement field.
    Field(Field<'a>),
}

/// One item of Python's `Formatter().parse(template)`.
struct RawField<'a> {
    literal: &'a str,
    field: Option<(&'a str, Option<char>, &'a str)>,
}

fn error(message: impl Into<String>) -> TemplateError {
    TemplateError::new(TemplateFormat::FString, message)
}

/// Python's `Formatter().parse(template)`: literal text and fields, until the end or
/// the first error. `visit` sees every item before the error.
fn python_parse<'a>(
    template: &'a str,
    mut visit: impl FnMut(RawField<'a>),
) -> Result<(), TemplateError> {
    let b = template.as_bytes();
    let len = b.len();
    let mut pos = 0;
    while pos < len {
        let start = pos;
        let mut c = 0u8;
        let mut markup = false;
        while pos < len {
            c = b[pos];
            pos += 1;
            if c == b'{' || c == b'}' {
                markup = true;
                break;
            }
        }
        let at_end = pos >= len;
        let mut literal_end = pos;
        if markup && c == b'}' && (at_end || b[pos] != b'}') {
            return Err(error("Single '}' encountered in format string"));
        }
        if markup && at_end && c == b'{' {
            return Err(error("Single '{' encountered in format string"));
        }
        if markup {
            if b[pos] == c {
                pos += 1;
                markup = false;
            } else {
                literal_end -= 1;
            }
        }
        let literal = &template[start..literal_end];
        if !markup {
            visit(RawField {
                literal,
                field: None,
            });
            continue;
        }
        let (field, next) = parse_field(template, pos)?;
        pos = next;
        visit(RawField {
            literal,
            field: Some(field),
        });
    }
    Ok(())
}

type ParsedField<'a> = ((&'a str, Option<char>, &'a str), usize);

/// CPython's `parse_field`, from just after the `{`: name, conversion, spec, and the
/// position after the closing `}`.
fn parse_field(template: &str, mut pos: usize) -> Result<ParsedField<'_>, TemplateError> {
    let b = template.as_bytes();
    let len = b.len();
    let name_start = pos;
    let mut terminator = None;
    while pos < len {
        let c = b[pos];
        pos += 1;
        match c {
            b'{' => return Err(error("unexpected '{' in field name")),
            b'[' => {
                while pos < len && b[pos] != b']' {
                    pos += 1;
                }
            }
            b'}' | b':' | b'!' => {
                terminator = Some(c);
                break;
            }
            _ => {}
        }
    }
    let Some(c) = terminator else {
        return Err(error("expected '}' before end of string"));
    };
    // The terminator is ASCII, so `pos - 1` is a character boundary.
    let name = &template[name_start..pos - 1];
    if c == b'}' {
        return Ok(((name, None, ""), pos));
    }
    let mut conversion = None;
    if c == b'!' {
        let Some(conv) = template[pos..].chars().next() else {
            return Err(error(
                "end of string while looking for conversion specifier",
            ));
        };
        conversion = Some(conv);
        pos += conv.len_utf8();
        if let Some(next) = template[pos..].chars().next() {
            pos += next.len_utf8();
            if next == '}' {
                return Ok(((name, conversion, ""), pos));
            }
            if next != ':' {
                return Err(error("expected ':' after conversion specifier"));
            }
        }
    }
    let spec_start = pos;
    let mut depth = 1;
    while pos < len {
        let c = b[pos];
        pos += 1;
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(((name, conversion, &template[spec_start..pos - 1]), pos));
                }
            }
            _ => {}
        }
    }
    Err(error("unmatched '{' in format spec"))
}

/// Parses an f-string template, refusing what LangChain refuses.
pub fn parse(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut raw = Vec::new();
    python_parse(template, |f| raw.push(f))?;
    let mut pieces = Vec::with_capacity(raw.len() * 2);
    for RawField { literal, field } in raw {
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        if let Some((name, conversion, spec)) = field {
            pieces.push(Piece::Field(check_field(name, conversion, spec)?));
        }
    }
    Ok(pieces)
}

/// LangChain's checks of one field, then the conversion and the spec.
fn check_field<'a>(
    name: &'a str,
    conversion: Option<char>,
    spec: &str,
) -> Result<Field<'a>, TemplateError> {
    if name.contains(['.', '[', ']']) {
        return Err(error(format!(
            "invalid variable name {name:?}: variable names cannot contain attribute access (.) \
             or indexing ([])"
        )));
    }
    if name.is_empty() || name.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(format!(
            "positional field {{{name}}}: LangChain takes named variables only, e.g. {{topic}}"
        )));
    }
    if spec.contains(['{', '}']) {
        return Err(error(format!(
            "field {{{name}}}: nested replacement fields in format specs are not allowed"
        )));
    }
    let conversion = match conversion {
        None => Conversion::None,
        Some('s') => Conversion::Str,
        Some('r') => Conversion::Repr,
        Some('a') => Conversion::Ascii,
        Some(other) => {
            return Err(error(format!(
                "field {{{name}}}: Unknown conversion specifier {other}"
            )));
        }
    };
    let parsed =
        Spec::parse(spec).map_err(|message| error(format!("field {{{name}}}: {message}")))?;
    Ok(Field {
        name,
        conversion,
        spec: parsed,
        has_spec: !spec.is_empty(),
    })
}

/// The variables of a template as LangChain lists them (sorted, each once).
pub fn variables<'a>(pieces: &[Piece<'a>]) -> Vec<&'a str> {
    let mut vars: Vec<&str> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Field(f) => Some(f.name),
            Piece::Text(_) => None,
        })
        .collect();
    vars.sort_unstable();
    vars.dedup();
    vars
}

/// The field names Python's parser finds before any error, without LangChain's
/// checks: what the manifest writer lists for a template it cannot fully parse.
pub fn lenient_variables(template: &str) -> Vec<&str> {
    let mut vars = Vec::new();
    let _ = python_parse(template, |f| {
        if let Some((name, _, _)) = f.field
            && !name.is_empty()
        {
            vars.push(name);
        }
    });
    vars.sort_unstable();
    vars.dedup();
    vars
}

/// Renders parsed pieces with the variables of `ctx` (a [`Value::Map`]).
pub fn render(pieces: &[Piece<'_>], ctx: &Value<'_>, out: &mut String) -> Result<(), RenderError> {
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Field(f) => {
                let value = ctx.get(f.name).ok_or_else(|| RenderError::Missing {
                    name: f.name.to_owned(),
                })?;
                push_field(f, value, out)?;
            }
        }
    }
    Ok(())
}

/// Appends one field's value: converted, then formatted with its spec.
pub fn push_field(
    field: &Field<'_>,
    value: &Value<'_>,
    out: &mut String,
) -> Result<(), RenderError> {
    let text: Cow<'_, str> = match (field.conversion, value) {
        (Conversion::None | Conversion::Str, Value::Str(s)) => Cow::Borrowed(s),
        (Conversion::None, _) if field.has_spec => {
            return Err(bad_value(
                field,
                value,
                "a format spec applies to strings only in prompt-sync (Python would format the number)",
            ));
        }
        (Conversion::None | Conversion::Str, other) => {
            let mut s = String::new();
            other.push_py_str(&mut s);
            Cow::Owned(s)
        }
        (Conversion::Repr | Conversion::Ascii, Value::Str(s)) => {
            let mut r = String::new();
            python::push_str_repr(&mut r, s, field.conversion == Conversion::Ascii);
            Cow::Owned(r)
        }
        (Conversion::Repr, other) => {
            let mut r = String::new();
            other.push_py_repr(&mut r);
            Cow::Owned(r)
        }
        (Conversion::Ascii, other) => {
            let mut r = String::new();
            other.push_py_repr(&mut r);
            let mut a = String::new();
            for c in r.chars() {
                if c.is_ascii() {
                    a.push(c);
                } else {
                    let mut tmp = String::new();
                    python::push_str_repr(&mut tmp, &c.to_string(), true);
                    a.push_str(&tmp[1..tmp.len() - 1]);
                }
            }
            Cow::Owned(a)
        }
    };
    field.spec.apply(&text, out);
    Ok(())
}

fn bad_value(field: &Field<'_>, value: &Value<'_>, why: &str) -> RenderError {
    RenderError::BadValue {
        name: field.name.to_owned(),
        detail: format!("is {}; {why}", value.kind()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(template: &str, vars: &[(&str, &str)]) -> Result<String, String> {
        let pieces = parse(template).map_err(|e| e.message)?;
        let mut out = String::new();
        render(&pieces, &Value::from_pairs(vars), &mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn renders_like_str_format() {
        assert_eq!(fmt("Hi {name}!", &[("name", "Ada")]).unwrap(), "Hi Ada!");
        assert_eq!(fmt("{{x}} }} {{", &[]).unwrap(), "{x} } {");
        assert_eq!(
            fmt("{a:>4}|{a!r}|{a!s:.1}", &[("a", "é")]).unwrap(),
            "   é|'é'|é"
        );
        assert_eq!(fmt("{ a b }", &[(" a b ", "x")]).unwrap(), "x");
        assert_eq!(fmt("{x!a}", &[("x", "é")]).unwrap(), "'\\xe9'");
        assert_eq!(fmt("{x}", &[]).unwrap_err(), "no value for variable `x`");
    }

    #[test]
    fn refuses_what_python_and_langchain_refuse() {
        for (t, e) in [
            ("a }", "Single '}' encountered in format string"),
            ("a {", "Single '{' encountered in format string"),
            ("{a", "expected '}' before end of string"),
            ("{a{b}", "unexpected '{' in field name"),
            ("{a!}", "unmatched '{' in format spec"),
            ("{a!x}", "field {a}: Unknown conversion specifier x"),
            ("{a!rx}", "expected ':' after conversion specifier"),
            (
                "{a!",
                "end of string while looking for conversion specifier",
            ),
            ("{a:", "unmatched '{' in format spec"),
        ] {
            assert_eq!(fmt(t, &[("a", "1")]).unwrap_err(), e, "{t}");
        }
        for t in ["{a.b}", "{a[0]}", "{0}", "{}", "{a:{w}}", "{a:d}"] {
            assert!(parse(t).is_err(), "{t}");
        }
        assert_eq!(lenient_variables("{{x}} {y!r} {z:>{w}} }} {"), ["y", "z"]);
    }
}
