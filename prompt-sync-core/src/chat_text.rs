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
//! Consequences: a message whose text is empty is written as its header followed by
//! one empty line; a placeholder is its header followed by one empty line (or the end
//! of the file). A text file with a trailing newline keeps it as part of the last
//! message. `render(parse(x)) == x` for every `x` that parses, and
//! `parse(render(m)) == m` for every valid `m`.

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

/// Writes messages in the sectioned text format.
pub fn render(messages: &[ChatMessage]) -> Result<String, ChatTextError> {
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
    let lines: Vec<&str> = text.split('\n').collect();
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
            "=== system ===\nYou are a helpful assistant named {name}.\n=== placeholder: history ===\n\n=== human ===\n{question}"
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
            "=== human ===\nbefore\n\\=== human ===\n\\\\=== ai ===\n=== Examples ===\n=====\nafter\n"
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
            "=== role: critic ===\n\n=== ai ===\n\n\n=== role: system ===\nx"
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
        assert_eq!(render(&m).unwrap(), text);
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
