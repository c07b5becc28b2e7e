use prompt_sync::{Message, Prompt, Role};

const GREETING: Prompt = prompt_sync::prompt!("greeting");
static CHAT: Prompt = prompt_sync::prompt!("support_chat");

fn main() {
    // A text prompt renders to a String; values are anything Display.
    let name = String::from("Ada");
    let text: String = prompt_sync::prompt!("greeting", name = name);
    assert_eq!(text, "Hello Ada!\n");
    assert_eq!(text, GREETING.format(&[("name", "Ada")]).unwrap());
    assert_eq!(prompt_sync::prompt!("greeting", name = 42), "Hello 42!\n");
    // A keyword variable, written raw.
    assert_eq!(prompt_sync::prompt!("keyword", r#type = 2, x = 1), "2 1");
    assert_eq!(prompt_sync::prompt!("greeting", r#name = 'x',), "Hello x!\n");

    // A chat prompt renders to messages; a placeholder takes messages.
    let history = vec![Message::human("Hi"), Message::ai("Hello!")];
    let messages: Vec<Message> = prompt_sync::prompt!(
        "support_chat",
        persona = "a pirate",
        history = &history,
        question = "Where is the treasure?",
    );
    assert_eq!(
        messages,
        [
            Message::new(Role::System, "You are a pirate."),
            Message::human("Hi"),
            Message::ai("Hello!"),
            Message::human("Where is the treasure?"),
        ]
    );
    let runtime = CHAT
        .messages_with(&[("persona", "a pirate"), ("question", "Where is the treasure?")])
        .placeholder("history", &history)
        .format()
        .unwrap();
    assert_eq!(messages, runtime);

    // An optional placeholder may be left out; a partial variable fills `persona`;
    // the placeholder keeps its last n_messages; the spec pads the question.
    let rendered = prompt_sync::prompt!("optional_chat", question = "Hi");
    assert_eq!(rendered, [Message::system("You are a pirate."), Message::human("   Hi")]);
    let three = [Message::human("1"), Message::ai("2"), Message::human("3")];
    let rendered = prompt_sync::prompt!("optional_chat", question = "Q", history = three.clone(), persona = "Bob");
    assert_eq!(
        rendered,
        [Message::system("You are Bob."), Message::ai("2"), Message::human("3"), Message::human("    Q")]
    );

    // Mustache variables are HTML-escaped, triple mustaches are not.
    assert_eq!(
        prompt_sync::prompt!("mustache_hello", name = "Tom & Jerry", tag = "b", raw = "<i>"),
        "Hi Tom &amp; Jerry <b> <i>\n"
    );

    // Arguments are evaluated once each, in the order written.
    let mut order = Vec::new();
    let mut next = |s: &'static str| {
        order.push(s);
        s
    };
    let _ = prompt_sync::prompt!("mustache_hello", tag = next("tag"), raw = next("raw"), name = next("name"));
    assert_eq!(order, ["tag", "raw", "name"]);

    // The plain form is unchanged, and still works in const position.
    const DIGEST: Prompt = prompt_sync::prompt!("digest");
    assert_eq!(
        DIGEST
            .format_json(&serde_json::json!({"user": {"name": "Ada"}, "items": [{"title": "a"}, {"title": "b"}]}))
            .unwrap(),
        "Hello Ada!\n- a\n- b\n"
    );
    const JINJA: Prompt = prompt_sync::prompt!("jinja_prompt");
    assert!(JINJA.render_problem().is_some());
    assert!(JINJA.format(&[("name", "x")]).is_err());
}
