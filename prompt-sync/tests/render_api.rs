//! The runtime rendering API on prompts embedded by `prompt!`: results, and errors
//! that name the prompt, the variable and the variables the prompt takes.

#![cfg(feature = "json")]
#![allow(clippy::unwrap_used)]

use prompt_sync::{Message, Prompt, RenderErrorKind, Role};

const SUMMARIZER: Prompt = prompt_sync::prompt!("doc-summarizer");
const SUPPORT: Prompt = prompt_sync::prompt!("doc-support");
static DIGEST: Prompt = prompt_sync::prompt!("doc-digest");

#[test]
fn variables_are_langchains() {
    assert_eq!(SUMMARIZER.variables(), ["style", "text"]);
    assert_eq!(SUPPORT.variables(), ["history", "name", "question"]);
    assert_eq!(DIGEST.variables(), ["items", "user"]);
    assert_eq!(SUMMARIZER.render_problem(), None);
}

#[test]
fn text_prompts_format() {
    let text = SUMMARIZER
        .format(&[("text", "A {brace} & <tag>"), ("style", "plain")])
        .unwrap();
    assert_eq!(
        text,
        "Summarize the following text in a plain style:\n\nA {brace} & <tag>\n"
    );
    // A text prompt as messages: one human message, as LangChain's to_messages().
    assert_eq!(
        SUMMARIZER
            .format_messages(&[("text", "x"), ("style", "y")])
            .unwrap(),
        [Message::human(
            "Summarize the following text in a y style:\n\nx\n"
        )]
    );
}

#[test]
fn errors_name_the_prompt_the_variable_and_the_variables() {
    let e = SUMMARIZER.format(&[("text", "x")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "prompt \"doc-summarizer\" takes {style, text}; missing: style"
    );
    assert_eq!(e.prompt(), "doc-summarizer");
    assert_eq!(e.variables(), ["style", "text"]);
    assert_eq!(
        e.kind(),
        &RenderErrorKind::Missing(vec!["style".to_owned()])
    );

    let e = SUMMARIZER
        .format(&[("text", "x"), ("style", "y"), ("tone", "z")])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "prompt \"doc-summarizer\" takes {style, text}; unknown variable: tone"
    );

    let e = SUPPORT.format(&[("name", "x")]).unwrap_err();
    assert_eq!(e.kind(), &RenderErrorKind::ChatPrompt);
    assert!(e.to_string().contains("format_messages"), "{e}");
}

#[test]
fn placeholders_take_messages() {
    let history = [Message::human("Hi"), Message::ai("Hello!")];
    let vars = [("name", "Ada"), ("question", "Where?")];
    let messages = SUPPORT
        .messages_with(&vars)
        .placeholder("history", &history)
        .format()
        .unwrap();
    assert_eq!(
        messages,
        [
            Message::system("You are Ada, a support assistant."),
            Message::human("Hi"),
            Message::ai("Hello!"),
            Message::new(Role::Human, "Where?"),
        ]
    );
    // A required placeholder left out is missing; text for it, or messages for a
    // template variable, are refused.
    let e = SUPPORT.format_messages(&vars).unwrap_err();
    assert_eq!(
        e.to_string(),
        "prompt \"doc-support\" takes {history, name, question}; missing: history"
    );
    let e = SUPPORT
        .format_messages(&[("name", "Ada"), ("question", "Where?"), ("history", "hi")])
        .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("`history` is a placeholder: needs a list of messages, got a string"),
        "{e}"
    );
    let e = SUPPORT
        .messages_with(&[("question", "Where?"), ("history", "x")])
        .placeholder("name", &history)
        .format()
        .unwrap_err();
    assert!(e.to_string().contains("`name` is not a placeholder"), "{e}");
}

#[test]
fn json_values_render_sections_and_placeholders() {
    let digest = DIGEST
        .format_json(&serde_json::json!({"user": {"name": "Ada"}, "items": []}))
        .unwrap();
    assert_eq!(digest, "Hello Ada!\nNothing new.\n");
    let messages = SUPPORT
        .format_messages_json(&serde_json::json!({
            "name": "Ada",
            "question": "Where?",
            "history": ["plain text is human", ["ai", "a pair"], {"role": "assistant", "content": "a map"}],
        }))
        .unwrap();
    assert_eq!(
        messages[1..4],
        [
            Message::human("plain text is human"),
            Message::ai("a pair"),
            Message::ai("a map"),
        ]
    );
    let e = DIGEST
        .format_json(&serde_json::json!(["not", "a", "map"]))
        .unwrap_err();
    assert!(e.to_string().contains("must be a JSON object"), "{e}");
    let e = SUPPORT
        .format_messages_json(
            &serde_json::json!({"name": "Ada", "question": "?", "history": [["tool", "x"]]}),
        )
        .unwrap_err();
    assert!(e.to_string().contains("unknown message type `tool`"), "{e}");
}

#[test]
fn json_values_are_a_context_whose_other_keys_are_ignored() {
    // A whole state object serialised to JSON: keys the prompt does not use are
    // ignored, as LangChain's `invoke` ignores them.
    let state = serde_json::json!({
        "user": {"name": "Ada", "id": 7},
        "items": [{"title": "a", "seen": true}],
        "session": "s-1",
        "retries": 0,
    });
    assert_eq!(DIGEST.format_json(&state).unwrap(), "Hello Ada!\n- a\n");
    let text = SUMMARIZER
        .format_json(&serde_json::json!({"style": "plain", "text": "x", "tone": "z"}))
        .unwrap();
    assert_eq!(
        text,
        "Summarize the following text in a plain style:\n\nx\n"
    );
    let messages = SUPPORT
        .format_messages_json(&serde_json::json!({
            "name": "Ada", "question": "Where?", "history": [], "ticket": 42,
        }))
        .unwrap();
    assert_eq!(
        messages,
        [
            Message::system("You are Ada, a support assistant."),
            Message::human("Where?"),
        ]
    );
    // A missing variable is still an error, named as such.
    let e = DIGEST
        .format_json(&serde_json::json!({"user": {"name": "Ada"}, "session": "s-1"}))
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &RenderErrorKind::Missing(vec!["items".to_owned()])
    );
    let e = SUPPORT
        .format_messages_json(&serde_json::json!({"name": "Ada", "history": [], "ticket": 42}))
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &RenderErrorKind::Missing(vec!["question".to_owned()])
    );
    // Values given one by one stay strict: there, an unused name is a typo.
    let e = SUMMARIZER
        .format(&[("style", "plain"), ("text", "x"), ("tone", "z")])
        .unwrap_err();
    assert_eq!(e.kind(), &RenderErrorKind::Unknown("tone".to_owned()));
    let e = SUPPORT
        .messages_with(&[("name", "Ada"), ("question", "Where?"), ("ticket", "42")])
        .placeholder("history", &[])
        .format()
        .unwrap_err();
    assert_eq!(e.kind(), &RenderErrorKind::Unknown("ticket".to_owned()));
    let e = SUPPORT
        .format_messages(&[("name", "Ada"), ("question", "Where?"), ("ticket", "42")])
        .unwrap_err();
    assert_eq!(e.kind(), &RenderErrorKind::Unknown("ticket".to_owned()));
}

#[test]
fn the_macro_takes_any_display_expression() {
    let style = String::from("plain");
    let text = format!("{} words", 3);
    let by_ref: String = prompt_sync::prompt!("doc-summarizer", style = &style, text = &text);
    let by_value: String =
        prompt_sync::prompt!("doc-summarizer", style = style.clone(), text = text);
    let computed: String =
        prompt_sync::prompt!("doc-summarizer", style = style.to_uppercase(), text = 3 + 4);
    assert_eq!(by_ref, by_value);
    assert_eq!(
        computed,
        "Summarize the following text in a PLAIN style:\n\n7\n"
    );
    let history: Vec<Message> = Vec::new();
    let messages = prompt_sync::prompt!(
        "doc-support",
        name = style,
        history = history.iter(),
        question = format!("{}?", "Why"),
    );
    assert_eq!(messages.last(), Some(&Message::human("Why?")));
}

/// `format_json`'s values come from the re-exported `serde_json`: a crate needs no
/// dependency of its own on it.
#[test]
fn serde_json_is_re_exported_for_format_json() {
    use prompt_sync::serde_json::{Value, json};
    let values: Value = json!({"user": {"name": "Ada"}, "items": [{"title": "a"}]});
    assert_eq!(DIGEST.format_json(&values).unwrap(), "Hello Ada!\n- a\n");
}
