//! Rendering the embedded prompts with sample values, in both forms: `prompt!` with
//! variables (checked at compile time) and the runtime `format` / `messages_with`.
//! Both must give the same result.

use std::fmt::Write as _;

use prompt_sync::{Message, RenderError};

use crate::{GREETER, SUMMARIZER, SUPPORT, TWEETS};

/// Sample values.
const ARTICLE: &str =
    "Rust is a general-purpose language emphasizing performance, type safety and concurrency.";
const AGENT: &str = "Ada";
const QUESTION: &str = "Where is my order now?";
const TOPIC: &str = "compile-time checked prompts";
const VISITOR: &str = "Tom & Jerry";

/// Every prompt rendered with the sample values, as printable text.
pub(crate) fn render_all() -> Result<String, RenderError> {
    let mut out = String::new();

    // A text prompt (f-string): a String.
    let summary: String = prompt_sync::prompt!("summarizer", text = ARTICLE);
    same(&summary, &SUMMARIZER.format(&[("text", ARTICLE)])?);
    let _ = writeln!(out, "== summarizer\n{summary}\n");

    // A chat prompt with a placeholder: messages.
    let history = vec![
        Message::human("Hi, my order #42 has not arrived."),
        Message::ai("Sorry to hear that! Let me look into it."),
    ];
    let support = prompt_sync::prompt!(
        "support_assistant",
        name = AGENT,
        history = &history,
        question = QUESTION,
    );
    let runtime = SUPPORT
        .messages_with(&[("name", AGENT), ("question", QUESTION)])
        .placeholder("history", &history)
        .format()?;
    same(&support, &runtime);
    write_messages(&mut out, "support_assistant", &support);

    // A mustache chat prompt: values are HTML-escaped as LangChain does.
    let greeting = prompt_sync::prompt!("greeter", name = VISITOR);
    same(&greeting, &GREETER.format_messages(&[("name", VISITOR)])?);
    write_messages(&mut out, "greeter", &greeting);

    // A structured-output prompt pulled with its model.
    let tweet = prompt_sync::prompt!("tweet-generator-example", topic = TOPIC);
    same(&tweet, &TWEETS.format_messages(&[("topic", TOPIC)])?);
    write_messages(&mut out, "tweet-generator-example", &tweet);
    Ok(out)
}

fn write_messages(out: &mut String, name: &str, messages: &[Message]) {
    let _ = writeln!(out, "== {name}");
    for m in messages {
        let _ = writeln!(out, "[{}] {}", m.role.as_str(), m.content);
    }
    out.push('\n');
}

/// The two forms agree (they are tested to on the whole differential corpus).
fn same<T: PartialEq + std::fmt::Debug + ?Sized>(compile_time: &T, runtime: &T) {
    assert_eq!(
        compile_time, runtime,
        "prompt! and the runtime API disagree"
    );
}
