use prompt_sync::{MessageTemplate, Prompt, PromptKind, Role, TemplateFormat};

const GREETING: Prompt = prompt_sync::prompt!("greeting");
static CHAT: Prompt = prompt_sync::prompt!("support_chat");

fn main() {
    assert_eq!(GREETING.name(), "greeting");
    assert_eq!(GREETING.content(), include_str!("cache/greeting.txt"));
    assert_eq!(GREETING.sha256().len(), 64);
    assert!(include_str!("cache/metadata/greeting.json").contains(GREETING.sha256()));
    assert_eq!(GREETING.hub_commit(), Some("a1b2c3d4e5f6"));
    assert!(!GREETING.locally_modified());
    assert_eq!(GREETING.kind(), PromptKind::Text);
    assert_eq!(GREETING.variables(), &["name"]);
    assert_eq!(
        GREETING.messages(),
        &[MessageTemplate::Message { role: Role::Human, template: "Hello {name}!\n" }]
    );

    assert_eq!(CHAT.kind(), PromptKind::Chat);
    assert_eq!(CHAT.template_format(), TemplateFormat::FString);
    assert_eq!(
        CHAT.messages(),
        &[
            MessageTemplate::Message { role: Role::System, template: "You are {persona}." },
            MessageTemplate::Placeholder { variable: "history" },
            MessageTemplate::Message { role: Role::Human, template: "{question}" },
        ]
    );

    // A cache written by the original Python tool: eight metadata fields only.
    const LEGACY: Prompt = prompt_sync::prompt!("legacy");
    assert_eq!(LEGACY.content(), "Summarise {text}");
    assert_eq!(LEGACY.hub_commit(), None);
    assert_eq!(LEGACY.kind(), PromptKind::Text);

    // The original tool's push leaves `local_content_hash` at the marked text's hash and
    // its metadata file named `selector-v1.json`: clean, as pushed.
    const SELECTOR: Prompt = prompt_sync::prompt!("selector_v1");
    assert_eq!(SELECTOR.content(), "Pick the best agent for {task}.\n");
    assert!(!SELECTOR.locally_modified());

    // A one-system-message chat prompt in the original's plain form, recorded by a sync.
    const REVIEWER: Prompt = prompt_sync::prompt!("reviewer_v1");
    assert_eq!(REVIEWER.content(), "You review code for {language}.\nBe direct.");
    assert_eq!(REVIEWER.kind(), PromptKind::Chat);
    assert_eq!(REVIEWER.hub_commit(), Some("c0ffee12"));
    assert_eq!(
        REVIEWER.messages(),
        &[MessageTemplate::Message { role: Role::System, template: "You review code for {language}.\nBe direct." }]
    );
    assert_eq!(REVIEWER.variables(), &["language"]);

    // A marked local edit is embedded as edited.
    let marked = prompt_sync::prompt!("marked");
    assert!(marked.locally_modified());
    assert_eq!(marked.content(), "Original, improved locally\n");
}
