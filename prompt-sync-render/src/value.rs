//! The values a template is rendered with.

use std::borrow::Cow;

use super::python;
use super::seq::Seq;

/// A value to render: what a JSON document can hold, as Python sees it after
/// `json.loads`. f-string templates take strings; mustache sections walk lists and
/// maps and test truthiness.
///
/// Every variant can be built in a `const` (with [`Cow::Borrowed`] and
/// [`Seq::Borrowed`]), so prompts embed
/// their partial variables as constants.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// Python's `None` (JSON `null`).
    Null,
    /// `True` / `False`.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A string.
    Str(Cow<'a, str>),
    /// A list.
    List(Seq<'a, Value<'a>>),
    /// A map with string keys, in insertion order (a Python `dict`).
    Map(Seq<'a, (Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// The empty string, the value of a mustache key that is not found.
    pub const EMPTY: Value<'static> = Value::Str(Cow::Borrowed(""));

    /// A borrowed string value.
    pub const fn str(s: &'a str) -> Self {
        Value::Str(Cow::Borrowed(s))
    }

    /// A map of borrowed strings, e.g. from `&[("name", "Ada")]`.
    pub fn from_pairs(pairs: &[(&'a str, &'a str)]) -> Self {
        Value::Map(Seq::Owned(
            pairs
                .iter()
                .map(|&(k, v)| (Cow::Borrowed(k), Value::str(v)))
                .collect(),
        ))
    }

    /// Borrows a JSON value. Numbers become [`Value::Int`] when they are integers
    /// (as Python's `json.loads` reads them) and [`Value::Float`] otherwise.
    #[cfg(any(feature = "json", test))]
    pub fn from_json(json: &'a serde_json::Value) -> Self {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    Value::Int(i128::from(u))
                } else {
                    Value::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            J::String(s) => Value::str(s),
            J::Array(items) => {
                Value::List(Seq::Owned(items.iter().map(Value::from_json).collect()))
            }
            J::Object(map) => Value::Map(Seq::Owned(
                map.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Value::from_json(v)))
                    .collect(),
            )),
        }
    }

    /// The value under `key` of a map (the first entry with that key); `None` for
    /// other values.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Python's `bool(value)`.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(items) => !items.is_empty(),
            Value::Map(entries) => !entries.is_empty(),
        }
    }

    /// Python's `value in (0, False)`: the two falsy values chevron keeps as they are.
    pub(crate) fn is_zero_or_false(&self) -> bool {
        match self {
            Value::Bool(b) => !b,
            Value::Int(i) => *i == 0,
            Value::Float(f) => *f == 0.0,
            _ => false,
        }
    }

    /// A short name of the value's kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// Appends Python's `str(value)`.
    pub fn push_py_str(&self, out: &mut String) {
        match self {
            Value::Str(s) => out.push_str(s),
            other => other.push_py_repr(out),
        }
    }

    /// Appends Python's `repr(value)`.
    pub fn push_py_repr(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => python::push_float(out, *f),
            Value::Str(s) => python::push_str_repr(out, s, false),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.push_py_repr(out);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    python::push_str_repr(out, k, false);
                    out.push_str(": ");
                    v.push_py_repr(out);
                }
                out.push('}');
            }
        }
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::str(s)
    }
}

impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::Str(Cow::Owned(s))
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl<'a> From<Vec<Value<'a>>> for Value<'a> {
    fn from(items: Vec<Value<'a>>) -> Self {
        Value::List(Seq::Owned(items))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn py_str(v: &Value<'_>) -> String {
        let mut s = String::new();
        v.push_py_str(&mut s);
        s
    }

    #[test]
    fn str_follows_python() {
        let j =
            json!({"a": [1, 2.5, "x", null, true, {"k": "it's"}], "b": 18446744073709551615u64});
        let v = Value::from_json(&j);
        assert_eq!(
            py_str(&v),
            "{'a': [1, 2.5, 'x', None, True, {'k': \"it's\"}], 'b': 18446744073709551615}"
        );
        assert_eq!(py_str(&Value::str("plain")), "plain");
        assert_eq!(py_str(&Value::Float(3.0)), "3.0");
        assert!(!Value::Float(0.0).is_truthy() && Value::Float(0.0).is_zero_or_false());
        assert!(!Value::Null.is_zero_or_false());
    }
}
