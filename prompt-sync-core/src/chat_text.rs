//! The sectioned text format of chat prompts.
//!
//! A chat prompt is cached as readable, diff-friendly text: one section per message,
//! in order. Each section is a header line, a newline, then the message's text
//! exactly (placeholders have empty text). Sections are joined by one newline.
//!
//! ```text
//! === system ===
//! You are a helpful assistant named {name}.
//! === placeholder: history ===
//!
//! === human ===
//! {question}
//! ```
//!
//! Headers are exactly `=== system ===`, `=== human ===`, `=== ai ===`,
//! `=== role: NAME ===` (any other role) and `=== placeholder: VARIABLE ===`.
//! Only a line that is *exactly* a header starts a section; `=== Examples ===` or
//! `=====` in a message is ordinary text.
//!
//! **Escape rule.** A message line that, after its leading backslashes, is exactly a
//! header is written with one more leading backslash; reading removes one backslash
//! from such a line. So `\=== human ===` in the file is the text `=== human ===`, and
//! `\\=== human ===` is `\=== human ===`. No other line is changed.
//!
//! **Plain form.** A chat text whose first line is not a header and which has no
//! header line at all is one system message holding the whole text, exactly: the
//! form the original Python tool cached a one-system-message chat prompt in (it kept
//! the system text alone). A new prompt that is one system message is written this
//! way ([`Form::for_new`]); an existing file keeps its form ([`form_of`]). A text that
//! starts without a header and has one further down is refused (start it with
//! `=== system ===`), so every text reads one way only.
//!
//! **Final newline.** Editors end a file with a newline; in the sectioned form that
//! newline ends the file, it is not part of the last message. prompt-sync writes every
//! sectioned text with one (so a last message that ends in a newline is followed by a
//! second), and reading removes one final newline, unless the line before it is a
//! header (then it is that header's, as in `=== placeholder: history ===` followed by a
//! newline, written by earlier versions without the final newline). A file that does
//! not end in a newline reads as it is, and keeps that form when rewritten, as long as
//! its last message does not end in a newline (which would read as the final one). The
//! plain form is exact: its whole text is the message, newlines included, as the
//! original tool sends it.
//!
//! Consequences: a message whose text is empty is written as its header followed by
//! one empty line; a placeholder is its header followed by one empty line.
//! `render_in(parse(x), form_of(x)) == x` for every `x` that parses, and
//! `parse(render_in(m, form)) == m` for every valid `m` and any form.

use std::fmt;

use crate::model::{ChatMessage, Role};

const OPEN: &str = "=== ";
const CLOSE: &str = " ===";
const ROLE_PREFIX: &str = "role: ";
const PLACEHOLDER_PREFIX: &str = "placeholder: ";

/// A chat text that does not parse, or a message that cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatTextError {
    /// 1-based line of the problem (0 when rendering).
    pub line: usize,
    /// What is wrong and how to write it instead.
    pub message: String,
}

impl fmt::Display for ChatTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for ChatTextError {}

/// What a header line says.
enum Header<'a> {
    Message(Role),
    Placeholder(&'a str),
}

fn parse_header(line: &str) -> Option<Header<'_>> {
    let label = line.strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
    match label {
        "system" => Some(Header::Message(Role::System)),
        "human" => Some(Header::Message(Role::Human)),
        "ai" => Some(Header::Message(Role::Ai)),
        _ => {
            if let Some(role) = label.strip_prefix(ROLE_PREFIX) {
                valid_label(role).then(|| Header::Message(Role::Other(role.to_owned())))
            } else {
                let var = label.strip_prefix(PLACEHOLDER_PREFIX)?;
                valid_label(var).then_some(Header::Placeholder(var))
            }
        }
    }
}

/// Role names and placeholder variables: not empty, no control characters, no
/// surrounding spaces (so the header reads unambiguously).
fn valid_label(s: &str) -> bool {
    !s.is_empty() && s.trim() == s && !s.chars().any(char::is_control)
}

fn is_header(line: &str) -> bool {
    parse_header(line).is_some()
}

fn header_line(m: &ChatMessage) -> Result<String, ChatTextError> {
    let bad = |what: &str, v: &str| ChatTextError {
        line: 0,
        message: format!(
            "{what} `{}` cannot be written as a section header: it must be non-empty, without control characters or surrounding spaces",
            v.escape_debug()
        ),
    };
    let label = match m {
        ChatMessage::Message { role, .. } => match role {
            Role::System => "system".to_owned(),
            Role::Human => "human".to_owned(),
            Role::Ai => "ai".to_owned(),
            Role::Other(r) if valid_label(r) => format!("{ROLE_PREFIX}{r}"),
            Role::Other(r) => return Err(bad("role", r)),
        },
        ChatMessage::Placeholder { variable } if valid_label(variable) => {
            format!("{PLACEHOLDER_PREFIX}{variable}")
        }
        ChatMessage::Placeholder { variable } => return Err(bad("placeholder variable", variable)),
    };
    Ok(format!("{OPEN}{label}{CLOSE}"))
}

/// How a chat prompt's text is laid out in the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// Sections, each starting with a header line (the module doc).
    Sectioned {
        /// The file ends with a newline that is not part of the last message (how
        /// prompt-sync writes it); `false` for a file written without one.
        final_newline: bool,
    },
    /// The text of the one system message alone (the original tool's form).
    Plain,
}

impl Form {
    /// The sectioned form prompt-sync writes: with the final newline.
    pub const SECTIONED: Form = Form::Sectioned {
        final_newline: true,
    };

    /// The form prompt-sync writes a new prompt in: plain when it is one system
    /// message that the plain form can hold, sectioned otherwise.
    pub fn for_new(messages: &[ChatMessage]) -> Form {
        if plain_content(messages).is_some() {
            Form::Plain
        } else {
            Form::SECTIONED
        }
    }
}

/// The form of an existing cache text: sectioned when it is empty or starts with a
/// header line (with a final newline when it ends in one that does not end a header
/// line), plain otherwise.
pub fn form_of(text: &str) -> Form {
    let first = text.split('\n').next().unwrap_or("");
    if text.is_empty() || is_header(first) {
        Form::Sectioned {
            final_newline: final_newline(text).is_some(),
        }
    } else {
        Form::Plain
    }
}

/// `text` without its final newline, when it ends in one that is not a header's.
fn final_newline(text: &str) -> Option<&str> {
    let body = text.strip_suffix('\n')?;
    let last_line = body.rsplit('\n').next().unwrap_or(body);
    (!is_header(last_line)).then_some(body)
}

/// The system text of `messages` when the plain form can hold them: one system
/// message, not empty, with no line that reads as a header (escaped or with a `\r`).
fn plain_content(messages: &[ChatMessage]) -> Option<&str> {
    match messages {
        [
            ChatMessage::Message {
                role: Role::System,
                content,
            },
        ] if !content.is_empty() && content.split('\n').all(|l| !looks_like_header(l)) => {
            Some(content)
        }
        _ => None,
    }
}

/// A line that is a header once leading backslashes or a trailing `\r` are removed.
fn looks_like_header(line: &str) -> bool {
    is_header(line.trim_start_matches('\\')) || is_header(line.trim_end_matches('\r'))
}

/// Writes messages in `form`: plain when asked for and possible, else sectioned. A
/// sectioned text asked for without the final newline gets one anyway when its last
/// message ends in a newline (read back, that newline would be the final one).
pub fn render_in(messages: &[ChatMessage], form: Form) -> Result<String, ChatTextError> {
    if let (Form::Plain, Some(content)) = (form, plain_content(messages)) {
        return Ok(content.to_owned());
    }
    let mut out = render_sections(messages)?;
    let ambiguous = matches!(
        messages.last(),
        Some(ChatMessage::Message { content, .. }) if content.ends_with('\n')
    );
    let terminate = !matches!(
        form,
        Form::Sectioned {
            final_newline: false
        }
    ) || ambiguous;
    if terminate && !messages.is_empty() {
        out.push('\n');
    }
    Ok(out)
}

/// Writes messages in the sectioned text format, as prompt-sync writes a new file
/// (with the final newline).
pub fn render(messages: &[ChatMessage]) -> Result<String, ChatTextError> {
    render_in(messages, Form::SECTIONED)
}

/// The sections alone, joined by newlines.
fn render_sections(messages: &[ChatMessage]) -> Result<String, ChatTextError> {
    let mut out = String::new();
    for (i, m) in messages.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&header_line(m)?);
        out.push('\n');
        if let ChatMessage::Message { content, .. } = m {
            for (j, line) in content.split('\n').enumerate() {
                if j > 0 {
                    out.push('\n');
                }
                if is_header(line.trim_start_matches('\\')) {
                    out.push('\\');
                }
                out.push_str(line);
            }
        }
    }
    Ok(out)
}

/// Reads the sectioned text format.
pub fn parse(text: &str) -> Result<Vec<ChatMessage>, ChatTextError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    if form_of(text) == Form::Plain {
        let lines: Vec<&str> = text.split('\n').collect();
        return parse_plain(text, &lines);
    }
    let lines: Vec<&str> = final_newline(text).unwrap_or(text).split('\n').collect();
    let mut messages = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let header_no = i + 1;
        let Some(header) = parse_header(lines[i]) else {
            let hint = if lines[i].ends_with('\r') && is_header(lines[i].trim_end_matches('\r')) {
                " (the file has Windows line endings; save it with `\\n` line endings)"
            } else {
                ""
            };
            return Err(ChatTextError {
                line: header_no,
                message: format!(
                    "a chat prompt starts with a section header such as `=== system ===`, found `{}`{hint}",
                    truncate(lines[i])
                ),
            });
        };
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !is_header(lines[end]) {
            end += 1;
        }
        if start == end {
            return Err(ChatTextError {
                line: header_no,
                message: "a section header must be followed by a newline and the message text; an empty message is its header followed by one empty line".to_owned(),
            });
        }
        let body = &lines[start..end];
        match header {
            Header::Placeholder(var) => {
                if body != [""] {
                    return Err(ChatTextError {
                        line: start + 1,
                        message: format!(
                            "the placeholder `{var}` holds no text: leave one empty line after its header, or start a new section"
                        ),
                    });
                }
                messages.push(ChatMessage::Placeholder {
                    variable: var.to_owned(),
                });
            }
            Header::Message(role) => {
                let mut content = String::new();
                for (j, line) in body.iter().enumerate() {
                    if j > 0 {
                        content.push('\n');
                    }
                    let unescaped = match line.strip_prefix('\\') {
                        Some(rest) if is_header(line.trim_start_matches('\\')) => rest,
                        _ => line,
                    };
                    content.push_str(unescaped);
                }
                messages.push(ChatMessage::Message { role, content });
            }
        }
        i = end;
    }
    Ok(messages)
}

/// A text without a leading header: one system message, if no line reads as a header.
fn parse_plain(text: &str, lines: &[&str]) -> Result<Vec<ChatMessage>, ChatTextError> {
    let Some(at) = lines.iter().position(|l| looks_like_header(l)) else {
        return Ok(vec![ChatMessage::Message {
            role: Role::System,
            content: text.to_owned(),
        }]);
    };
    let hint = if is_header(lines[at].trim_end_matches('\r')) && lines[at].ends_with('\r') {
        " (the file has Windows line endings; save it with `\\n` line endings)"
    } else {
        ""
    };
    Err(ChatTextError {
        line: 1,
        message: format!(
            "a chat prompt with sections starts with a section header such as `=== system ===`, found `{}`; line {} reads as a header{hint} (a text without any header line is one system message)",
            truncate(lines[0]),
            at + 1
        ),
    })
}

fn truncate(s: &str) -> String {
    let mut t: String = s.chars().take(60).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(role: Role, content: &str) -> ChatMessage {
        ChatMessage::Message {
            role,
            content: content.to_owned(),
        }
    }

    #[test]
    fn documented_example() {
        let m = vec![
            msg(Role::System, "You are a helpful assistant named {name}."),
            ChatMessage::Placeholder {
                variable: "history".into(),
            },
            msg(Role::Human, "{question}"),
        ];
        let text = render(&m).unwrap();
        assert_eq!(
            text,
            "=== system ===\nYou are a helpful assistant named {name}.\n=== placeholder: history ===\n\n=== human ===\n{question}\n"
        );
        assert_eq!(parse(&text).unwrap(), m);
    }

    #[test]
    fn escapes_lines_that_look_like_headers() {
        let m = vec![msg(
            Role::Human,
            "before\n=== human ===\n\\=== ai ===\n=== Examples ===\n=====\nafter\n",
        )];
        let text = render(&m).unwrap();
        assert_eq!(
            text,
            "=== human ===\nbefore\n\\=== human ===\n\\\\=== ai ===\n=== Examples ===\n=====\nafter\n\n"
        );
        assert_eq!(parse(&text).unwrap(), m);
    }

    #[test]
    fn generic_roles_and_empty_messages() {
        let m = vec![
            msg(Role::Other("critic".into()), ""),
            msg(Role::Ai, "\n"),
            msg(Role::Other("system".into()), "x"),
        ];
        let text = render(&m).unwrap();
        assert_eq!(
            text,
            "=== role: critic ===\n\n=== ai ===\n\n\n=== role: system ===\nx\n"
        );
        assert_eq!(parse(&text).unwrap(), m);
    }

    #[test]
    fn placeholder_at_end_with_trailing_newline() {
        let text = "=== human ===\nhi\n=== placeholder: scratch ===\n";
        let m = parse(text).unwrap();
        assert_eq!(
            m[1],
            ChatMessage::Placeholder {
                variable: "scratch".into()
            }
        );
        // Written by an earlier version without the final newline: the newline there
        // is the placeholder's empty line, and the file keeps its form.
        assert_eq!(
            form_of(text),
            Form::Sectioned {
                final_newline: false
            }
        );
        assert_eq!(render_in(&m, form_of(text)).unwrap(), text);
        assert_eq!(render(&m).unwrap(), format!("{text}\n"));
    }

    #[test]
    fn refuses_malformed_text_with_a_line_number() {
        let e = parse("hello\n=== human ===\nx").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse("=== system ===\n=== human ===\nx").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("empty line"), "{e}");
        let e = parse("=== placeholder: h ===\ntext").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("=== human ===").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse("=== system ===\r\nx").unwrap_err();
        assert!(e.message.contains("Windows line endings"), "{e}");
    }

    #[test]
    fn the_plain_form_is_one_system_message() {
        let system = vec![msg(Role::System, "You write tests.\nBe brief.\n")];
        assert_eq!(Form::for_new(&system), Form::Plain);
        let text = render_in(&system, Form::Plain).unwrap();
        assert_eq!(text, "You write tests.\nBe brief.\n");
        assert_eq!(form_of(&text), Form::Plain);
        assert_eq!(parse(&text).unwrap(), system);
        // An existing sectioned file stays sectioned.
        let sectioned = render_in(&system, Form::SECTIONED).unwrap();
        assert_eq!(sectioned, "=== system ===\nYou write tests.\nBe brief.\n\n");
        assert_eq!(form_of(&sectioned), Form::SECTIONED);
        // What the plain form cannot hold is written with sections.
        for m in [
            vec![msg(Role::Human, "hi")],
            vec![msg(Role::System, "a"), msg(Role::Human, "b")],
            vec![msg(Role::System, "")],
            vec![msg(Role::System, "x\n=== human ===\ny")],
            vec![msg(Role::System, "x\n\\=== ai ===")],
        ] {
            assert_eq!(Form::for_new(&m), Form::SECTIONED, "{m:?}");
            let text = render_in(&m, Form::Plain).unwrap();
            assert_eq!(text, render(&m).unwrap());
            assert_eq!(parse(&text).unwrap(), m);
        }
        // A plain text with a header further down is refused, as is a CRLF one.
        let e = parse("intro\n=== human ===\nx").unwrap_err();
        assert!(e.message.contains("line 2 reads as a header"), "{e}");
        let e = parse("intro\n=== human ===\r\nx").unwrap_err();
        assert!(e.message.contains("Windows line endings"), "{e}");
    }

    #[test]
    fn the_final_newline_ends_the_file_not_the_last_message() {
        let m = |last: &str| vec![msg(Role::System, "s"), msg(Role::Human, last)];
        // An editor's final newline is not part of the last message.
        assert_eq!(
            parse("=== system ===\ns\n=== human ===\n{q}\n").unwrap(),
            m("{q}")
        );
        // A last message that ends in a newline is written with a second one.
        let text = render(&m("{q}\n")).unwrap();
        assert_eq!(text, "=== system ===\ns\n=== human ===\n{q}\n\n");
        assert_eq!(parse(&text).unwrap(), m("{q}\n"));
        // A file without the final newline (an earlier version's) reads as it is and
        // keeps its form, unless its last message ends in a newline.
        let old = "=== system ===\ns\n=== human ===\n{q}";
        assert_eq!(
            form_of(old),
            Form::Sectioned {
                final_newline: false
            }
        );
        assert_eq!(parse(old).unwrap(), m("{q}"));
        assert_eq!(render_in(&m("{q}"), form_of(old)).unwrap(), old);
        assert_eq!(
            render_in(&m("{q}\n"), form_of(old)).unwrap(),
            "=== system ===\ns\n=== human ===\n{q}\n\n"
        );
        // An empty last message and a placeholder last, with and without it.
        for text in [
            "=== human ===\n",
            "=== human ===\n\n",
            "=== placeholder: h ===\n",
            "=== placeholder: h ===\n\n",
        ] {
            let parsed = parse(text).unwrap();
            assert_eq!(parsed.len(), 1, "{text:?}");
            assert_eq!(render_in(&parsed, form_of(text)).unwrap(), text);
        }
        // The plain form is exact: its newline is the message's.
        assert_eq!(
            parse("You are X.\n").unwrap(),
            vec![msg(Role::System, "You are X.\n")]
        );
    }

    #[test]
    fn refuses_unwritable_labels() {
        for bad in ["", " x", "a\nb", "x "] {
            assert!(render(&[msg(Role::Other(bad.into()), "t")]).is_err());
            assert!(
                render(&[ChatMessage::Placeholder {
                    variable: bad.into()
                }])
                .is_err()
            );
        }
    }
}
