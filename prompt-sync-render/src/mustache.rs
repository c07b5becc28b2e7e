//! The mustache renderer: a port of `render` and `_get_key` in LangChain's
//! `langchain_core/utils/mustache.py`, over the tokens of [`super::tokenize`].
//!
//! What it does, as LangChain does:
//! - `{{x}}` is HTML-escaped (`&`, `<`, `>`, `"`; not `'`), `{{{x}}}` and `{{& x}}` are not;
//!   non-string values print as Python's `str()` (`True`, `None`, `[1, 2]`, `{'a': 1}`).
//! - A key is looked up in each scope from the innermost out; a dotted key must resolve
//!   whole in one scope; list items are reached by index (`items.0`, `items.-1`).
//!   A key found nowhere renders empty; so do `None`, `""`, `[]` and `{}`, while `0` and
//!   `False` print.
//! - `{{#x}}` over a non-empty list renders once per item (falsy items render nothing);
//!   over another truthy value it renders once with that value as the innermost scope.
//!   `{{^x}}` renders when `x` is falsy.

use std::borrow::Cow;

use super::error::RenderError;
use super::tokenize::Token;
use super::value::Value;

type Scope<'v, 'a> = Cow<'v, Value<'a>>;

/// Renders `tokens` with `data` (the top-level scope, normally a [`Value::Map`]).
pub fn render(tokens: &[Token<'_>], data: &Value<'_>, out: &mut String) -> Result<(), RenderError> {
    let mut scopes = vec![Cow::Borrowed(data)];
    render_tokens(tokens, &mut scopes, out)
}

fn no_scope() -> RenderError {
    RenderError::LangChainFails {
        detail: "a section's end tag closes more scopes than were opened (Python raises \
                 IndexError); this happens when a list section contains an inverted section \
                 of the same name"
            .to_owned(),
    }
}

/// chevron's `render` loop. `scopes` has the innermost scope last.
fn render_tokens<'v, 'a>(
    tokens: &[Token<'_>],
    scopes: &mut Vec<Scope<'v, 'a>>,
    out: &mut String,
) -> Result<(), RenderError>
where
    'a: 'v,
{
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        i += 1;
        let current_truthy = scopes.last().ok_or_else(no_scope)?.is_truthy();
        if let Token::End(_) = token {
            scopes.pop();
            continue;
        }
        if !current_truthy && scopes.len() != 1 {
            if matches!(token, Token::Section(_) | Token::Inverted(_)) {
                scopes.push(Cow::Owned(Value::Bool(false)));
            }
            continue;
        }
        match token {
            Token::Literal(text) => out.push_str(text),
            Token::Variable(key) => {
                let mut thing = get_key(key, scopes);
                if key == "." && matches!(*thing, Value::Bool(true)) {
                    // An inverted section pushed `True`: print the scope under it.
                    let below = scopes.len().checked_sub(2).ok_or_else(no_scope)?;
                    thing = scopes[below].clone();
                }
                push_escaped(&thing, out);
            }
            Token::NoEscape(key) => get_key(key, scopes).push_py_str(out),
            Token::Section(key) => {
                let scope = get_key(key, scopes);
                if let Value::List(items) = &*scope {
                    let end = gather_end(tokens, i, key);
                    let inner = &tokens[i..end];
                    i = (end + 1).min(tokens.len());
                    for item in list_items(&scope, items) {
                        let mut item_scopes = scopes.clone();
                        item_scopes.push(item);
                        render_tokens(inner, &mut item_scopes, out)?;
                    }
                } else {
                    scopes.push(scope);
                }
            }
            Token::Inverted(key) => {
                let truthy = get_key(key, scopes).is_truthy();
                scopes.push(Cow::Owned(Value::Bool(!truthy)));
            }
            Token::End(_) | Token::Partial(_) => {}
        }
    }
    Ok(())
}

/// The items of a list scope, borrowed when the scope is.
fn list_items<'v, 'a>(scope: &Scope<'v, 'a>, items: &[Value<'a>]) -> Vec<Scope<'v, 'a>> {
    match scope {
        Cow::Borrowed(Value::List(borrowed)) => borrowed.iter().map(Cow::Borrowed).collect(),
        _ => items.iter().cloned().map(Cow::Owned).collect(),
    }
}

/// Where a list section's body ends, counted as chevron does: nested sections with
/// the same key open, end tags with that key close (inverted sections are not counted).
fn gather_end(tokens: &[Token<'_>], start: usize, key: &str) -> usize {
    let mut depth = 0usize;
    for (offset, token) in tokens[start..].iter().enumerate() {
        match token {
            Token::Section(k) if *k == key => depth += 1,
            Token::End(k) if *k == key => {
                if depth == 0 {
                    return start + offset;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    tokens.len()
}

/// chevron's `_get_key` (without `warn` and `keep`).
fn get_key<'v, 'a>(key: &str, scopes: &[Scope<'v, 'a>]) -> Scope<'v, 'a> {
    if key == "." {
        return scopes.last().cloned().unwrap_or(Cow::Owned(Value::str("")));
    }
    'scopes: for scope in scopes.iter().rev() {
        if scope.is_zero_or_false() {
            return scope.clone();
        }
        let mut resolved: Scope<'v, 'a> = scope.clone();
        for child in key.split('.') {
            if resolved.is_zero_or_false() {
                return resolved;
            }
            let next = match resolved {
                Cow::Borrowed(v) => child_of(v, child).map(Cow::Borrowed),
                Cow::Owned(ref v) => child_of(v, child).cloned().map(Cow::Owned),
            };
            match next {
                Some(n) => resolved = n,
                None => continue 'scopes,
            }
        }
        if resolved.is_zero_or_false() || resolved.is_truthy() {
            return resolved;
        }
        return Cow::Owned(Value::str(""));
    }
    Cow::Owned(Value::str(""))
}

/// One step of a dotted key: a map entry, or a list item by Python `int()` index.
fn child_of<'x, 'a>(value: &'x Value<'a>, child: &str) -> Option<&'x Value<'a>> {
    match value {
        Value::Map(_) => value.get(child),
        Value::List(items) => {
            let index = super::python::parse_int(child)?;
            let len = i64::try_from(items.len()).ok()?;
            let index = if index < 0 { index + len } else { index };
            usize::try_from(index).ok().and_then(|i| items.get(i))
        }
        _ => None,
    }
}

/// Appends Python's `str(value)`, HTML-escaped as chevron's `_html_escape` does.
fn push_escaped(value: &Value<'_>, out: &mut String) {
    match value {
        Value::Str(s) => push_html_escaped(s, out),
        other => {
            let mut s = String::new();
            other.push_py_str(&mut s);
            push_html_escaped(&s, out);
        }
    }
}

/// Escapes `&`, `<`, `>` and `"` (chevron leaves `'` alone).
pub fn push_html_escaped(s: &str, out: &mut String) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tokenize::tokenize;
    use super::*;

    fn r(template: &str, data: serde_json::Value) -> String {
        let tokens = tokenize(template).unwrap();
        let mut out = String::new();
        render(&tokens, &Value::from_json(&data), &mut out).unwrap();
        out
    }

    #[test]
    fn renders_like_chevron() {
        assert_eq!(
            r("Hi {{name}} {{{name}}}", json!({"name": "<b>&\"'"})),
            "Hi &lt;b&gt;&amp;&quot;' <b>&\"'"
        );
        assert_eq!(
            r(
                "{{#items}}[{{name}}]{{/items}}",
                json!({"items": [{"name": "a"}, {"name": "b"}]})
            ),
            "[a][b]"
        );
        assert_eq!(
            r(
                "{{#items}}{{.}},{{/items}}",
                json!({"items": [0, 1, "", "x"]})
            ),
            "1,x,"
        );
        assert_eq!(r("{{^items}}none{{/items}}", json!({"items": []})), "none");
        assert_eq!(
            r(
                "{{user.name}} {{user.missing}}",
                json!({"user": {"name": "Ada"}})
            ),
            "Ada "
        );
        assert_eq!(
            r(
                "{{items.1}} {{items.-1}}",
                json!({"items": ["a", "b", "c"]})
            ),
            "b c"
        );
        assert_eq!(
            r(
                "{{a}} {{b}} {{c}} {{d}}",
                json!({"a": 0, "b": false, "c": null, "d": [1, "x"]})
            ),
            "0 False  [1, 'x']"
        );
        assert_eq!(r("{{#u}}{{n}}{{/u}}", json!({"u": {"n": 1}, "n": 2})), "1");
        assert_eq!(r("{{^x}}{{.}}{{/x}}", json!({"x": false})), "{'x': False}");
    }
}
