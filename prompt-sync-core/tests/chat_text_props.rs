//! Property tests for the sectioned chat text format (`prompt_sync_core::chat_text`).
//!
//! They check the guarantees the module documents: `parse(render(m)) == m` for every
//! valid message list (in either form), `render_in(parse(x), form_of(x)) == x`
//! byte-exact for every text that parses (sectioned or plain),
//! that `render` refuses labels it cannot write, and that `parse` never panics.
//! Message texts are drawn heavily from lines that look like (or almost like) section
//! headers, so the escape rule is exercised on every run.

use prompt_sync_core::chat_text::{Form, form_of, parse, render, render_in};
use prompt_sync_core::model::{ChatMessage, Role};
use proptest::prelude::*;

/// Lines that stress the header recognition and the escape rule.
const LINE_POOL: &[&str] = &[
    // Exact headers.
    "=== system ===",
    "=== human ===",
    "=== ai ===",
    "=== role: critic ===",
    "=== role: system ===",
    "=== role: a === b ===",
    "=== placeholder: history ===",
    "=== placeholder: x ===",
    // Headers with leading backslashes (escaped forms).
    "\\=== system ===",
    "\\=== human ===",
    "\\\\=== ai ===",
    "\\\\\\=== human ===",
    "\\=== role: critic ===",
    "\\\\=== placeholder: history ===",
    "\\\\\\=== role: critic ===",
    // Near-headers: ordinary text.
    "=== Examples ===",
    "===",
    "=====",
    "=== ===",
    "======",
    "=== human",
    "human ===",
    " === human ===",
    "=== human === ",
    "===  human ===",
    "=== Human ===",
    "=== human ===\r",
    "\\=== human ===\r",
    "=== role:  critic ===",
    "=== role: critic  ===",
    "=== role: ===",
    "=== role:  ===",
    "=== placeholder: ===",
    "=== placeholder:  history ===",
    "=== placeholder: a\tb ===",
    "=== role: x\u{7f} ===",
    "=== role: \u{a0}x ===",
    "x\\=== human ===",
    "\\ === human ===",
    // Blank-ish lines and backslashes.
    "",
    "",
    "\r",
    "\\",
    "\\\\",
    "\\\\\\",
    " ",
    // Ordinary text.
    "hello {name}",
    "{question}",
    "ünïcödé ✓ 🦀",
];

/// The module's notion of a writable role name or placeholder variable.
fn is_valid_label(s: &str) -> bool {
    !s.is_empty() && s.trim() == s && !s.chars().any(char::is_control)
}

/// Truly arbitrary strings, control characters and newlines included
/// (`any::<String>()` never yields control characters).
fn arb_any_chars() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..24).prop_map(|cs| cs.into_iter().collect())
}

/// One line: mostly from the pool, sometimes arbitrary (without a newline, which
/// would split it).
fn arb_line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(LINE_POOL).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => arb_any_chars().prop_map(|s| s.replace('\n', "")),
        1 => (0..4usize, prop::sample::select(LINE_POOL))
            .prop_map(|(n, l)| format!("{}{l}", "\\".repeat(n))),
    ]
}

/// Lines joined by `\n`.
fn arb_lines(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(arb_line(), 0..max).prop_map(|ls| ls.join("\n"))
}

/// Message contents: pool-built multi-line text, arbitrary strings, empty text,
/// and texts with trailing newlines.
fn arb_content() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => arb_lines(8),
        2 => arb_lines(6).prop_map(|s| s + "\n"),
        1 => arb_lines(4).prop_map(|s| s + "\n\n"),
        2 => Just(String::new()),
        1 => Just("\n".to_owned()),
        2 => any::<String>(),
        2 => arb_any_chars(),
    ]
}

/// Valid role names and placeholder variables.
fn arb_valid_label() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9_][A-Za-z0-9_ .:{}=-]{0,10}[A-Za-z0-9_}]",
        2 => "[a-z]{1,6}",
        2 => prop::sample::select(&[
            "critic", "system", "human", "ai", "history", "x", "a === b", "x ===",
            "=== y", "role: z", "placeholder: h", "🦀", "{var}", "\\", "=",
        ][..])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
    .prop_filter("valid label", |s| is_valid_label(s))
}

/// Labels `render` must refuse.
fn arb_invalid_label() -> impl Strategy<Value = String> {
    let control = prop_oneof![
        prop::char::range('\u{0}', '\u{1f}'),
        prop::char::range('\u{7f}', '\u{9f}'),
    ];
    let space = prop::sample::select(&[' ', '\t', '\u{a0}', '\u{2003}', '\u{3000}'][..]);
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        (arb_valid_label(), space.clone()).prop_map(|(l, s)| format!("{s}{l}")),
        (arb_valid_label(), space).prop_map(|(l, s)| format!("{l}{s}")),
        (arb_valid_label(), any::<prop::sample::Index>(), control).prop_map(|(l, i, c)| {
            let cs: Vec<char> = l.chars().collect();
            let at = i.index(cs.len() + 1);
            cs[..at]
                .iter()
                .chain(std::iter::once(&c))
                .chain(&cs[at..])
                .collect()
        }),
        arb_any_chars(),
    ]
    .prop_filter("invalid label", |s| !is_valid_label(s))
}

fn arb_role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::System),
        Just(Role::Human),
        Just(Role::Ai),
        arb_valid_label().prop_map(Role::Other),
    ]
}

fn arb_message() -> impl Strategy<Value = ChatMessage> {
    prop_oneof![
        4 => (arb_role(), arb_content())
            .prop_map(|(role, content)| ChatMessage::Message { role, content }),
        1 => arb_valid_label().prop_map(|variable| ChatMessage::Placeholder { variable }),
    ]
}

fn arb_messages() -> impl Strategy<Value = Vec<ChatMessage>> {
    prop::collection::vec(arb_message(), 0..8)
}

/// A message that cannot be written: an invalid role name or placeholder variable.
fn arb_invalid_message() -> impl Strategy<Value = ChatMessage> {
    prop_oneof![
        (arb_invalid_label(), arb_content()).prop_map(|(r, content)| ChatMessage::Message {
            role: Role::Other(r),
            content,
        }),
        arb_invalid_label().prop_map(|variable| ChatMessage::Placeholder { variable }),
    ]
}

/// Texts shaped like chat files (header line, then body lines from the pool), so a
/// good share of them parse; plus pool lines and arbitrary strings, which mostly
/// do not.
fn arb_text() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        4 => prop::sample::select(&[
            "=== system ===",
            "=== human ===",
            "=== ai ===",
            "=== role: critic ===",
            "=== placeholder: history ===",
        ][..])
        .prop_map(str::to_owned),
        1 => arb_valid_label().prop_map(|l| format!("=== role: {l} ===")),
        1 => arb_valid_label().prop_map(|l| format!("=== placeholder: {l} ===")),
    ];
    let section = (header, arb_content()).prop_map(|(h, body)| {
        if h.starts_with("=== placeholder: ") {
            format!("{h}\n")
        } else {
            format!("{h}\n{body}")
        }
    });
    prop_oneof![
        6 => prop::collection::vec(section, 1..6).prop_map(|ss| ss.join("\n")),
        3 => arb_lines(12),
        1 => arb_lines(12).prop_map(|s| s + "\n"),
        1 => any::<String>(),
        1 => arb_any_chars(),
    ]
}

fn msg(role: Role, content: &str) -> ChatMessage {
    ChatMessage::Message {
        role,
        content: content.to_owned(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `parse(render(m)) == m` for every valid message list.
    #[test]
    fn render_then_parse_round_trips(m in arb_messages()) {
        let text = render(&m).unwrap();
        prop_assert_eq!(parse(&text), Ok(m), "rendered text: {:?}", text);
    }

    /// Rendering is also a fixed point the other way: the rendered text re-renders
    /// to itself.
    #[test]
    fn rendered_text_re_renders_identically(m in arb_messages()) {
        let text = render(&m).unwrap();
        let again = parse(&text).unwrap();
        prop_assert_eq!(render(&again), Ok(text));
    }

    /// The plain form reads back as the messages it was written from, and writes the
    /// one system message's text alone whenever it is used.
    #[test]
    fn plain_form_round_trips(m in arb_messages()) {
        let text = render_in(&m, Form::Plain).unwrap();
        prop_assert_eq!(parse(&text), Ok(m.clone()), "rendered text: {:?}", text);
        if form_of(&text) == Form::Plain {
            prop_assert_eq!(m.len(), 1);
            prop_assert_eq!(&m[0], &msg(Role::System, &text));
        }
    }

    /// `render_in(parse(x), form_of(x)) == x`, byte-exact, for every text that parses.
    #[test]
    fn parse_then_render_is_byte_exact(x in arb_text()) {
        if let Ok(m) = parse(&x) {
            prop_assert_eq!(render_in(&m, form_of(&x)), Ok(x), "parsed messages: {:?}", m);
        }
    }

    /// Same, over texts that are arbitrary lines from the pool joined by `\n`.
    #[test]
    fn parse_then_render_is_byte_exact_for_pool_lines(x in arb_lines(16)) {
        if let Ok(m) = parse(&x) {
            prop_assert_eq!(render_in(&m, form_of(&x)), Ok(x), "parsed messages: {:?}", m);
        }
    }

    /// `render` refuses an unwritable role name or placeholder variable wherever it
    /// appears in the list, instead of writing text that would read back differently.
    #[test]
    fn render_refuses_invalid_labels(
        before in prop::collection::vec(arb_message(), 0..4),
        bad in arb_invalid_message(),
        after in prop::collection::vec(arb_message(), 0..4),
    ) {
        let mut m = before;
        m.push(bad);
        m.extend(after);
        let err = render(&m);
        prop_assert!(err.is_err(), "rendered {:?} as {:?}", m, err);
        prop_assert_eq!(err.unwrap_err().line, 0);
    }

    /// A role name or variable is accepted exactly when the documented rule says so.
    #[test]
    fn render_accepts_exactly_valid_labels(label in prop_oneof![
        arb_valid_label(),
        arb_invalid_label(),
        any::<String>(),
    ]) {
        let valid = is_valid_label(&label);
        let role = render(&[msg(Role::Other(label.clone()), "t")]);
        let ph = render(&[ChatMessage::Placeholder { variable: label.clone() }]);
        prop_assert_eq!(role.is_ok(), valid, "role {:?}: {:?}", label, role);
        prop_assert_eq!(ph.is_ok(), valid, "placeholder {:?}: {:?}", label, ph);
    }

    /// `parse` never panics, and its errors point at a line of the input.
    #[test]
    fn parse_never_panics_on_any_string(x in any::<String>()) {
        if let Err(e) = parse(&x) {
            prop_assert!(e.line >= 1 && e.line <= x.split('\n').count(), "{:?}", e);
        }
    }

    /// Same, with control characters, `\r` and `\n` in the input.
    #[test]
    fn parse_never_panics_on_arbitrary_chars(
        x in prop_oneof![arb_any_chars(), arb_text(), arb_lines(16)]
    ) {
        if let Err(e) = parse(&x) {
            prop_assert!(e.line >= 1 && e.line <= x.split('\n').count(), "{:?}", e);
        }
    }
}

#[test]
fn content_that_is_exactly_a_header_is_escaped() {
    let m = vec![msg(Role::Human, "=== human ===")];
    let text = render(&m).unwrap();
    assert_eq!(text, "=== human ===\n\\=== human ===\n");
    assert!(text.lines().any(|l| l == "\\=== human ==="), "{text:?}");
    assert_eq!(parse(&text).unwrap(), m);
}

#[test]
fn content_with_one_escaped_header_gets_two_backslashes() {
    let m = vec![msg(Role::Ai, "\\=== ai ===")];
    let text = render(&m).unwrap();
    assert_eq!(text, "=== ai ===\n\\\\=== ai ===\n");
    assert_eq!(parse(&text).unwrap(), m);
}

#[test]
fn every_header_kind_in_content_is_escaped() {
    for header in [
        "=== system ===",
        "=== human ===",
        "=== ai ===",
        "=== role: critic ===",
        "=== placeholder: history ===",
    ] {
        for n in 0..4 {
            let line = format!("{}{header}", "\\".repeat(n));
            let m = vec![msg(Role::System, &format!("a\n{line}\nb"))];
            let text = render(&m).unwrap();
            assert_eq!(text, format!("=== system ===\na\n\\{line}\nb\n"));
            assert_eq!(parse(&text).unwrap(), m);
        }
    }
}

#[test]
fn near_headers_are_left_alone() {
    let content =
        "=== Examples ===\n===\n=== human\n === human ===\n=== human ===\r\n=== role:  x ===";
    let m = vec![msg(Role::Human, content)];
    let text = render(&m).unwrap();
    assert_eq!(text, format!("=== human ===\n{content}\n"));
    assert_eq!(parse(&text).unwrap(), m);
}

#[test]
fn empty_contents_and_trailing_newlines_round_trip() {
    let m = vec![
        msg(Role::Human, ""),
        ChatMessage::Placeholder {
            variable: "history".into(),
        },
        msg(Role::Ai, "x\n"),
        msg(Role::Other("critic".into()), "\n\n"),
        ChatMessage::Placeholder {
            variable: "end".into(),
        },
    ];
    let text = render(&m).unwrap();
    assert_eq!(
        text,
        "=== human ===\n\n=== placeholder: history ===\n\n=== ai ===\nx\n\n=== role: critic ===\n\n\n\n=== placeholder: end ===\n\n"
    );
    assert_eq!(parse(&text).unwrap(), m);
}
