//! The mustache tokenizer: a port of `tokenize` in LangChain's
//! `langchain_core/utils/mustache.py` (a chevron fork), quirks included:
//! standalone-line detection, `rstrip(" ")` of the indentation before a standalone
//! tag, set-delimiter tags, and `{{{x}}` without its third brace (which renders
//! nothing).

use super::error::TemplateError;
use super::python::{is_space_str, strip};
use crate::TemplateFormat;

/// A token of a mustache template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Token<'a> {
    /// Literal text.
    Literal(&'a str),
    /// `{{name}}`: HTML-escaped.
    Variable(&'a str),
    /// `{{{name}}}` or `{{& name}}`: as is.
    NoEscape(&'a str),
    /// `{{#name}}`.
    Section(&'a str),
    /// `{{^name}}`.
    Inverted(&'a str),
    /// `{{/name}}`.
    End(&'a str),
    /// `{{> name}}`: refused by [`super::Template::parse`].
    Partial(&'a str),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Comment,
    Section,
    Inverted,
    End,
    Partial,
    SetDelimiter,
    /// `{` not followed by a third brace: chevron's `"no escape?"`, which renders nothing.
    MaybeNoEscape,
    NoEscape,
    Variable,
}

fn error(message: impl Into<String>) -> TemplateError {
    TemplateError::new(TemplateFormat::Mustache, message)
}

/// Tokenizes `template` as LangChain does. Tokens that render nothing (comments,
/// set-delimiter tags, `{{{x}}` without a third brace) are left out.
pub fn tokenize(template: &str) -> Result<Vec<Token<'_>>, TemplateError> {
    let mut tokens = Vec::new();
    tokenize_into(template, &mut tokens)?;
    Ok(tokens)
}

/// [`tokenize`], leaving in `tokens` what was read before an error.
pub(crate) fn tokenize_into<'a>(
    template: &'a str,
    tokens: &mut Vec<Token<'a>>,
) -> Result<(), TemplateError> {
    let mut rest = template;
    let mut line = 1usize;
    let mut last_tag_line = 0usize;
    let mut is_standalone = true;
    let mut open: Vec<&str> = Vec::new();
    let mut l_del = "{{";
    let mut r_del = "}}";
    while !rest.is_empty() {
        // grab_literal (an empty delimiter makes Python's split raise: all literal)
        let split = if l_del.is_empty() {
            None
        } else {
            rest.split_once(l_del)
        };
        let Some((mut literal, after)) = split else {
            tokens.push(Token::Literal(rest));
            break;
        };
        line += literal.matches('\n').count();
        rest = after;
        if rest.is_empty() {
            // "abc{{" at the very end: chevron keeps the literal and drops the `{{`.
            if !literal.is_empty() {
                tokens.push(Token::Literal(literal));
            }
            break;
        }
        is_standalone = left_standalone(literal, is_standalone);

        // parse_tag
        let split = if r_del.is_empty() {
            None
        } else {
            rest.split_once(r_del)
        };
        let Some((mut tag, mut after)) = split else {
            return Err(error(format!("unclosed tag at line {line}")));
        };
        if strip(tag).is_empty() {
            return Err(error(format!("empty tag at line {line}")));
        }
        let first = tag.chars().next().unwrap_or(' ');
        let mut kind = match first {
            '!' => Kind::Comment,
            '#' => Kind::Section,
            '^' => Kind::Inverted,
            '/' => Kind::End,
            '>' => Kind::Partial,
            '=' => Kind::SetDelimiter,
            '{' => Kind::MaybeNoEscape,
            '&' => Kind::NoEscape,
            _ => Kind::Variable,
        };
        if kind != Kind::Variable {
            tag = &tag[first.len_utf8()..];
        }
        if kind == Kind::SetDelimiter {
            match tag.strip_suffix('=') {
                Some(t) => tag = t,
                None => return Err(error(format!("unclosed set delimiter tag at line {line}"))),
            }
        } else if kind == Kind::MaybeNoEscape
            && l_del == "{{"
            && r_del == "}}"
            && let Some(a) = after.strip_prefix('}')
        {
            after = a;
            kind = Kind::NoEscape;
        }
        let key = strip(tag);
        rest = after;

        match kind {
            Kind::SetDelimiter => {
                let dels: Vec<&str> = strip(key).split(' ').collect();
                l_del = dels.first().copied().unwrap_or_default();
                r_del = dels.last().copied().unwrap_or_default();
            }
            Kind::Section | Kind::Inverted => {
                open.push(key);
                last_tag_line = line;
            }
            Kind::End => match open.pop() {
                None => {
                    return Err(error(format!(
                        "trying to close tag \"{key}\", which was not opened (line {})",
                        line + 1
                    )));
                }
                Some(last) if last != key => {
                    return Err(error(format!(
                        "trying to close tag \"{key}\" but the last open tag is \"{last}\" (line {})",
                        line + 1
                    )));
                }
                Some(_) => {}
            },
            _ => {}
        }

        // r_sa_check
        is_standalone = is_standalone && !matches!(kind, Kind::Variable | Kind::NoEscape) && {
            let first_line = rest.split('\n').next().unwrap_or_default();
            first_line.is_empty() || is_space_str(first_line)
        };
        if is_standalone {
            if let Some((_, next)) = rest.split_once('\n') {
                rest = next;
            }
            if kind != Kind::Partial {
                literal = literal.trim_end_matches(' ');
            }
        }

        if !literal.is_empty() {
            tokens.push(Token::Literal(literal));
        }
        match kind {
            Kind::Variable => tokens.push(Token::Variable(key)),
            Kind::NoEscape => tokens.push(Token::NoEscape(key)),
            Kind::Section => tokens.push(Token::Section(key)),
            Kind::Inverted => tokens.push(Token::Inverted(key)),
            Kind::End => tokens.push(Token::End(key)),
            Kind::Partial => tokens.push(Token::Partial(key)),
            Kind::Comment | Kind::SetDelimiter | Kind::MaybeNoEscape => {}
        }
    }
    if let Some(last) = open.last() {
        return Err(error(format!(
            "unexpected end of template: the tag \"{last}\" opened at line {last_tag_line} was never closed"
        )));
    }
    Ok(())
}

/// chevron's `l_sa_check`: could the coming tag stand alone on its line?
fn left_standalone(literal: &str, previous_standalone: bool) -> bool {
    if literal.contains('\n') || previous_standalone {
        let padding = literal.rsplit('\n').next().unwrap_or_default();
        padding.is_empty() || is_space_str(padding)
    } else {
        false
    }
}

/// LangChain's `mustache_template_vars`: the top-level names (first segment of dotted
/// names) of variables and sections outside any section, sorted, each once.
pub fn variables<'a>(tokens: &[Token<'a>]) -> Vec<&'a str> {
    let mut vars = Vec::new();
    let mut depth = 0usize;
    for token in tokens {
        match token {
            Token::End(_) => depth = depth.saturating_sub(1),
            Token::Variable(key)
            | Token::NoEscape(key)
            | Token::Section(key)
            | Token::Inverted(key) => {
                if *key != "." && depth == 0 {
                    vars.push(key.split('.').next().unwrap_or(key));
                }
                if matches!(token, Token::Section(_) | Token::Inverted(_)) {
                    depth += 1;
                }
            }
            Token::Literal(_) | Token::Partial(_) => {}
        }
    }
    vars.sort_unstable();
    vars.dedup();
    vars
}

#[cfg(test)]
mod tests {
    use super::*;
    use Token::*;

    #[test]
    fn tokens_and_standalone_lines() {
        assert_eq!(
            tokenize("Hi {{name}}!\n  {{#items}}  \n- {{.}}\n  {{/items}}\nbye").unwrap(),
            [
                Literal("Hi "),
                Variable("name"),
                Literal("!\n"),
                Section("items"),
                Literal("- "),
                Variable("."),
                Literal("\n"),
                End("items"),
                Literal("bye"),
            ]
        );
        assert_eq!(
            tokenize("{{{a}}} {{& b }} {{! c }} {{=<% %>=}}<% d %> {{e}}").unwrap(),
            [
                NoEscape("a"),
                Literal(" "),
                NoEscape("b"),
                Literal(" "),
                Literal(" "),
                Variable("d"),
                Literal(" {{e}}"),
            ]
        );
        assert_eq!(tokenize("abc{{").unwrap(), [Literal("abc")]);
        assert_eq!(tokenize("{{{x}} y").unwrap(), [Literal(" y")]);
    }

    #[test]
    fn errors() {
        for t in [
            "{{a",
            "{{ }}",
            "{{=<% %>}}",
            "{{/a}}",
            "{{#a}}{{/b}}",
            "{{#a}}",
        ] {
            assert!(tokenize(t).is_err(), "{t}");
        }
    }

    #[test]
    fn top_level_variables() {
        let tokens = tokenize(
            "{{a}} {{{b}}} {{& c}} {{#d}}{{e}}{{/d}} {{^f}}x{{/f}} {{! g}} {{> h}} {{i.j}} {{.}}",
        )
        .unwrap();
        assert_eq!(variables(&tokens), ["a", "b", "c", "d", "f", "i"]);
    }
}
