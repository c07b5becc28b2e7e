//! The bits of Python the renderers need to match LangChain byte for byte:
//! `str.isspace`, `str.strip`, `int()` of an index, `repr()` of strings and floats.

use std::fmt::Write as _;

use super::printable::NON_PRINTABLE;

/// Python's `str.isspace()` for one character: Unicode `White_Space` plus the ASCII
/// separators U+001C..U+001F.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `s.isspace()`: non-empty and all whitespace.
pub(crate) fn is_space_str(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_space)
}

/// Python's `s.strip()` (no argument).
pub(crate) fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Python's `int(s)` for a list index: surrounding whitespace, an optional sign, ASCII
/// digits with single `_` between them. `None` where Python raises (or the number is
/// too large to index anything).
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    let s = strip(s);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    let mut value: i64 = 0;
    let mut previous_underscore = false;
    for b in digits.bytes() {
        match b {
            b'_' if previous_underscore => return None,
            b'_' => previous_underscore = true,
            b'0'..=b'9' => {
                previous_underscore = false;
                value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
            }
            _ => return None,
        }
    }
    Some(if negative { -value } else { value })
}

/// Python's `str.isprintable()` for one character.
pub(crate) fn is_printable(c: char) -> bool {
    let cp = u32::from(c);
    if cp < 0x80 {
        return (0x20..0x7f).contains(&cp);
    }
    NON_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Appends Python's `repr(s)` (or `ascii(s)` when `ascii_only`).
pub(crate) fn push_str_repr(out: &mut String, s: &str, ascii_only: bool) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && !(' '..'\x7f').contains(&c) => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if c.is_ascii() || (!ascii_only && is_printable(c)) => out.push(c),
            c => {
                let cp = u32::from(c);
                let _ = if cp <= 0xff {
                    write!(out, "\\x{cp:02x}")
                } else if cp <= 0xffff {
                    write!(out, "\\u{cp:04x}")
                } else {
                    write!(out, "\\U{cp:08x}")
                };
            }
        }
    }
    out.push(quote);
}

/// Appends Python's `repr(x)` (which is also `str(x)`) of a float.
pub(crate) fn push_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("nan");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
        return;
    }
    // Rust's `{:e}` prints the shortest digits that round-trip, as Python's repr does;
    // only the layout differs.
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut exponent = exponent;
    round_tie_to_even(x.abs(), &mut digits, &mut exponent);
    // The value is 0.DIGITS x 10^decpt.
    let decpt = exponent + 1;
    if negative {
        out.push('-');
    }
    if x == 0.0 {
        out.push_str("0.0");
        return;
    }
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = decpt - 1;
        let _ = write!(out, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in 0..-decpt {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let decpt = decpt as usize;
        if digits.len() <= decpt {
            out.push_str(&digits);
            for _ in digits.len()..decpt {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..decpt]);
            out.push('.');
            out.push_str(&digits[decpt..]);
        }
    }
}

/// When `ax` lies exactly halfway between two shortest digit strings that both read
/// back as `ax`, Python's `repr` takes the one with the even last digit; Rust's
/// formatter takes the upper one. `digits` (D.DDD x 10^`exponent`) is Rust's choice,
/// replaced by Python's.
fn round_tie_to_even(ax: f64, digits: &mut String, exponent: &mut i32) {
    let n = digits.len();
    if n == 0 || digits.as_bytes()[n - 1].is_multiple_of(2) {
        return;
    }
    // The exact decimal value of the float (an f64 has at most 767 significant digits).
    let exact = format!("{ax:.800e}");
    let Some((m, e)) = exact.split_once('e') else {
        return;
    };
    if e.parse::<i32>().ok() != Some(*exponent) {
        return;
    }
    let all: Vec<u8> = m.bytes().filter(u8::is_ascii_digit).collect();
    let is_tie = all.len() > n && all[n] == b'5' && all[n + 1..].iter().all(|&d| d == b'0');
    if !is_tie {
        return;
    }
    // The two candidates are the exact digits cut after n, and that plus one in the
    // last place; Rust printed the odd one, so take the other if it reads back.
    let mut candidate = all[..n].to_vec();
    let mut exp = *exponent;
    if candidate[n - 1] % 2 == 1 {
        // Plus one, with carry.
        let mut i = n;
        loop {
            if i == 0 {
                candidate.insert(0, b'1');
                candidate.pop();
                exp += 1;
                break;
            }
            i -= 1;
            if candidate[i] == b'9' {
                candidate[i] = b'0';
            } else {
                candidate[i] += 1;
                break;
            }
        }
    }
    while candidate.len() > 1 && candidate.last() == Some(&b'0') {
        candidate.pop();
    }
    let text = String::from_utf8_lossy(&candidate).into_owned();
    if text == *digits {
        return;
    }
    let (first, rest) = text.split_at(1);
    let reads_back = format!("{first}.{rest}0e{exp}").parse::<f64>() == Ok(ax);
    if reads_back {
        *digits = text;
        *exponent = exp;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfway_floats_take_the_even_digit_as_python_does() {
        // repr() in CPython 3.11 (checked against langchain-core's mustache output).
        assert_eq!(float(1e15 + 0.25), "1000000000000000.2");
        assert_eq!(float(1e14 + 0.125), "100000000000000.12");
        assert_eq!(float(524288.0 + 2f64.powi(-11)), "524288.0004882812");
        assert_eq!(float(-(1e15 + 0.25)), "-1000000000000000.2");
        // Not ties: unchanged.
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(2.5), "2.5");
        assert_eq!(float(1e22), "1e+22");
        assert_eq!(float(0.30000000000000004), "0.30000000000000004");
    }

    fn float(x: f64) -> String {
        let mut s = String::new();
        push_float(&mut s, x);
        s
    }

    fn repr(s: &str) -> String {
        let mut out = String::new();
        push_str_repr(&mut out, s, false);
        out
    }

    #[test]
    fn floats_print_as_python_repr() {
        for (x, py) in [
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (0.1, "0.1"),
            (1e100, "1e+100"),
            (12345.678, "12345.678"),
        ] {
            assert_eq!(float(x), py, "{x}");
        }
    }

    #[test]
    fn strings_repr_as_python() {
        assert_eq!(repr("hi"), "'hi'");
        assert_eq!(repr("it's"), "\"it's\"");
        assert_eq!(repr("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(repr("a\\b\n\t\r\x01\x7f"), "'a\\\\b\\n\\t\\r\\x01\\x7f'");
        assert_eq!(
            repr("é\u{a0}\u{200b}😀\u{e000}"),
            "'é\\xa0\\u200b😀\\ue000'"
        );
        let mut ascii = String::new();
        push_str_repr(&mut ascii, "é😀", true);
        assert_eq!(ascii, "'\\xe9\\U0001f600'");
    }

    #[test]
    fn whitespace_and_ints_follow_python() {
        let py_space: Vec<u32> = (0..=0x10ffff_u32)
            .filter_map(char::from_u32)
            .filter(|&c| is_space(c))
            .map(u32::from)
            .collect();
        let expected = [
            0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000,
            0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
            0x2029, 0x202f, 0x205f, 0x3000,
        ];
        assert_eq!(py_space, expected);
        assert_eq!(parse_int(" 1_0 "), Some(10));
        assert_eq!(parse_int("-2"), Some(-2));
        assert_eq!(parse_int("+3"), Some(3));
        for bad in ["", "_1", "1_", "1__0", "a", "1.0", "-"] {
            assert_eq!(parse_int(bad), None, "{bad}");
        }
        assert!(is_printable('é') && !is_printable('\u{85}') && is_printable(' '));
    }
}
