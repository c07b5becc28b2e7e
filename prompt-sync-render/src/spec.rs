//! Python format specs applied to strings: `format("ab", ">5")`.
//!
//! The grammar is Python's `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`,
//! parsed as CPython's `parse_internal_render_format_spec` does for a `str`, with the
//! same refusals (a sign, `z`, `#`, `=` alignment, grouping, any type but `s`).

/// How a padded value is aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Align {
    /// `<` (the default for strings).
    Left,
    /// `>`.
    Right,
    /// `^` (an odd padding puts the extra fill on the right).
    Center,
}

/// A parsed format spec for a string value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spec {
    /// The fill character.
    pub fill: char,
    /// The alignment.
    pub align: Align,
    /// The minimum width in characters (code points); 0 for none.
    pub width: usize,
    /// The maximum number of characters kept; `None` for all.
    pub precision: Option<usize>,
}

/// Widths above this are refused rather than allocated (a precision only cuts).
pub const MAX_WIDTH: usize = 1 << 20;

impl Spec {
    /// The empty spec: the value as it is.
    pub const NONE: Spec = Spec {
        fill: ' ',
        align: Align::Left,
        width: 0,
        precision: None,
    };

    /// True when applying the spec never changes a value.
    pub const fn is_identity(&self) -> bool {
        self.width == 0 && self.precision.is_none()
    }

    /// Parses `spec` as Python does for a `str` value. The error is Python's message.
    pub fn parse(spec: &str) -> Result<Spec, String> {
        let chars: Vec<char> = spec.chars().collect();
        let n = chars.len();
        let at = |i: usize| chars.get(i).copied();
        let is_align = |c: Option<char>| matches!(c, Some('<' | '>' | '=' | '^'));
        let mut pos = 0;
        let mut out = Spec::NONE;
        let mut align_char = '<';
        let mut fill_specified = false;
        if is_align(at(1)) {
            out.fill = chars[0];
            align_char = chars[1];
            fill_specified = true;
            pos = 2;
        } else if is_align(at(0)) {
            align_char = chars[0];
            pos = 1;
        }
        let sign = match at(pos) {
            Some(c @ (' ' | '+' | '-')) => {
                pos += 1;
                Some(c)
            }
            _ => None,
        };
        let no_neg_0 = at(pos) == Some('z');
        if no_neg_0 {
            pos += 1;
        }
        let alternate = at(pos) == Some('#');
        if alternate {
            pos += 1;
        }
        if !fill_specified && at(pos) == Some('0') {
            // For strings the default alignment is `<`, so `0` only sets the fill.
            out.fill = '0';
            pos += 1;
        }
        let (width, used) = integer(&chars, &mut pos)?;
        if used {
            out.width = width;
        }
        let mut grouping = None;
        if at(pos) == Some(',') {
            grouping = Some(',');
            pos += 1;
        }
        if at(pos) == Some('_') {
            if grouping.is_some() {
                return Err("Cannot specify both ',' and '_'.".to_owned());
            }
            grouping = Some('_');
            pos += 1;
        }
        if at(pos) == Some(',') && grouping == Some('_') {
            return Err("Cannot specify both ',' and '_'.".to_owned());
        }
        if at(pos) == Some('.') {
            pos += 1;
            let (precision, used) = integer(&chars, &mut pos)?;
            if !used {
                return Err("Format specifier missing precision".to_owned());
            }
            out.precision = Some(precision);
        }
        if n - pos > 1 {
            return Err(format!(
                "Invalid format specifier '{spec}' for object of type 'str'"
            ));
        }
        let kind = at(pos).unwrap_or('s');
        if let Some(g) = grouping
            && !matches!(kind, 'd' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F')
            && !(g == '_' && matches!(kind, 'b' | 'o' | 'x' | 'X'))
        {
            return Err(format!("Cannot specify '{g}' with '{kind}'."));
        }
        if kind != 's' {
            return Err(if ('!'..='\x7f').contains(&kind) {
                format!("Unknown format code '{kind}' for object of type 'str'")
            } else {
                format!(
                    "Unknown format code '\\x{:x}' for object of type 'str'",
                    u32::from(kind)
                )
            });
        }
        match sign {
            Some(' ') => return Err("Space not allowed in string format specifier".to_owned()),
            Some(_) => return Err("Sign not allowed in string format specifier".to_owned()),
            None => {}
        }
        if no_neg_0 {
            return Err(
                "Negative zero coercion (z) not allowed in string format specifier".to_owned(),
            );
        }
        if alternate {
            return Err("Alternate form (#) not allowed in string format specifier".to_owned());
        }
        out.align = match align_char {
            '>' => Align::Right,
            '^' => Align::Center,
            '=' => return Err("'=' alignment not allowed in string format specifier".to_owned()),
            _ => Align::Left,
        };
        // Only the width allocates (padding); a precision only cuts, so any is fine.
        if out.width > MAX_WIDTH {
            return Err(format!("width above {MAX_WIDTH} (prompt-sync's limit)"));
        }
        Ok(out)
    }

    /// Appends `value` formatted with this spec.
    pub fn apply(&self, value: &str, out: &mut String) {
        if self.is_identity() {
            out.push_str(value);
            return;
        }
        let (kept, len) = match self.precision {
            Some(p) => match value.char_indices().nth(p) {
                Some((cut, _)) => (&value[..cut], p),
                None => (value, value.chars().count()),
            },
            None => (value, value.chars().count()),
        };
        let pad = self.width.saturating_sub(len);
        let left = match self.align {
            Align::Left => 0,
            Align::Right => pad,
            Align::Center => pad / 2,
        };
        out.extend(std::iter::repeat_n(self.fill, left));
        out.push_str(kept);
        out.extend(std::iter::repeat_n(self.fill, pad - left));
    }
}

/// CPython's `get_integer`: ASCII digits at `pos`; whether any were read.
fn integer(chars: &[char], pos: &mut usize) -> Result<(usize, bool), String> {
    let start = *pos;
    let mut value: usize = 0;
    while let Some(d) = chars.get(*pos).and_then(|c| c.to_digit(10)) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d as usize))
            .ok_or_else(|| "Too many decimal digits in format string".to_owned())?;
        *pos += 1;
    }
    Ok((value, *pos > start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(value: &str, spec: &str) -> Result<String, String> {
        let spec = Spec::parse(spec)?;
        let mut out = String::new();
        spec.apply(value, &mut out);
        Ok(out)
    }

    #[test]
    fn specs_format_like_python() {
        assert_eq!(fmt("ab", "").unwrap(), "ab");
        assert_eq!(fmt("ab", "s").unwrap(), "ab");
        assert_eq!(fmt("ab", ">5").unwrap(), "   ab");
        assert_eq!(fmt("ab", "*^5").unwrap(), "*ab**");
        assert_eq!(fmt("ab", "05").unwrap(), "ab000");
        assert_eq!(fmt("abcdef", ".3").unwrap(), "abc");
        assert_eq!(fmt("abcdef", "x>8.2").unwrap(), "xxxxxxab");
        assert_eq!(fmt("héllo", "<7").unwrap(), "héllo  ");
        assert_eq!(fmt("ab", "<<4").unwrap(), "ab<<");
        // Python: f"{'ab':.1048577}" == "ab" (a precision only cuts).
        assert_eq!(fmt("ab", ".1048577").unwrap(), "ab");
        assert!(fmt("ab", "1048577").unwrap_err().contains("width above"));
        for (spec, err) in [
            ("d", "Unknown format code 'd' for object of type 'str'"),
            ("+", "Sign not allowed in string format specifier"),
            (" ", "Space not allowed in string format specifier"),
            (
                "#",
                "Alternate form (#) not allowed in string format specifier",
            ),
            ("=5", "'=' alignment not allowed in string format specifier"),
            (",", "Cannot specify ',' with 's'."),
            (".", "Format specifier missing precision"),
            (
                "5x5",
                "Invalid format specifier '5x5' for object of type 'str'",
            ),
            (
                "z",
                "Negative zero coercion (z) not allowed in string format specifier",
            ),
        ] {
            assert_eq!(fmt("ab", spec).unwrap_err(), err, "{spec}");
        }
    }
}
