//! Every manifest in the shared LangSmith fixtures goes through `from_manifest` and back
//! through `to_manifest(model, Some(manifest))` unchanged.

use prompt_sync_core::Error;
use prompt_sync_core::manifest::{from_manifest, to_manifest};
use prompt_sync_core::model::{ChatMessage, PromptBody, PromptModel, Role, TemplateFormat};
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/langsmith");

/// The fixture files that hold manifests, with how many each holds.
const FILES: [(&str, usize); 6] = [
    ("manifests-generated.json", 6),
    ("langsmith-sdk-unit-fixture-prompt-commits.json", 7),
    ("sdk-wire-python-langsmith-0.15.1.json", 26),
    ("sdk-wire-js-langsmith-0.12.0.json", 12),
    // Its only `manifest` key is a type description ("object"), not a manifest.
    ("openapi-excerpt-prompt-endpoints.json", 0),
    // Quotes manifests only inside (truncated) strings.
    ("real-server-error-bodies.json", 0),
];

fn load(file: &str) -> Value {
    let path = format!("{FIXTURES}/{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every object-valued `manifest` key, with its JSON path.
fn walk<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{path}.{k}");
                if k == "manifest" && child.is_object() {
                    out.push((p.clone(), child));
                }
                walk(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The manifests of one file: `manifests-generated.json` is a map of name -> manifest
/// (plus `_provenance`); the others hold them under `manifest` keys.
fn manifests_in(file: &str, doc: &Value) -> Vec<(String, Value)> {
    if file == "manifests-generated.json" {
        doc.as_object()
            .expect("manifests-generated.json is an object")
            .iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| (format!("{file}:{k}"), v.clone()))
            .collect()
    } else {
        let mut found = Vec::new();
        walk(doc, String::new(), &mut found);
        found
            .into_iter()
            .map(|(p, v)| (format!("{file}:{p}"), v.clone()))
            .collect()
    }
}

fn all_manifests() -> Vec<(String, Value)> {
    let mut all = Vec::new();
    for (file, expected) in FILES {
        let found = manifests_in(file, &load(file));
        assert_eq!(found.len(), expected, "manifests found in {file}");
        all.extend(found);
    }
    all
}

fn detail(e: Error) -> String {
    match e {
        Error::Manifest { detail } => detail,
        other => panic!("expected Error::Manifest, got {other:?}"),
    }
}

/// `push invalid manifest dict -> 400` in the Python wire capture sends this; the fake
/// stored and served it back, so it appears 7 times.
fn is_invalid_push(m: &Value) -> bool {
    *m == json!({"hi": "hello", "lc": 1, "id": null})
}

#[test]
fn every_fixture_manifest_round_trips_exactly() {
    let all = all_manifests();
    assert!(all.len() >= 51, "only {} manifests found", all.len());
    let mut ok = 0;
    let mut refused = 0;
    for (where_, manifest) in &all {
        if is_invalid_push(manifest) {
            let d = detail(from_manifest(manifest).unwrap_err());
            assert_eq!(d, "top level: missing `id` (the LangChain class path)");
            let d = detail(
                to_manifest(
                    &PromptModel {
                        body: PromptBody::Text(String::new()),
                        template_format: TemplateFormat::FString,
                        input_variables: vec![],
                    },
                    Some(manifest),
                )
                .unwrap_err(),
            );
            assert!(d.starts_with("base manifest: "), "{d}");
            refused += 1;
            continue;
        }
        let model = from_manifest(manifest).unwrap_or_else(|e| panic!("{where_}: {e}"));
        let back = to_manifest(&model, Some(manifest)).unwrap_or_else(|e| panic!("{where_}: {e}"));
        assert_eq!(&back, manifest, "{where_}: not lossless");
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(manifest).unwrap(),
            "{where_}: key order changed"
        );
        // A fresh manifest of the same model reads back as the same model.
        let fresh = to_manifest(&model, None).unwrap();
        assert_eq!(from_manifest(&fresh).unwrap(), model, "{where_}");
        ok += 1;
    }
    assert_eq!((ok, refused), (44, 7));
}

fn msg(role: Role, content: &str) -> ChatMessage {
    ChatMessage::Message {
        role,
        content: content.to_owned(),
    }
}

fn vars(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn hand_checked_models() {
    let generated = load("manifests-generated.json");

    let chat =
        from_manifest(&generated["python_ChatPromptTemplate_system_placeholder_human"]).unwrap();
    let expected = PromptModel {
        body: PromptBody::Chat(vec![
            msg(Role::System, "You are a helpful assistant named {name}."),
            ChatMessage::Placeholder {
                variable: "history".into(),
            },
            msg(Role::Human, "{question}"),
        ]),
        template_format: TemplateFormat::FString,
        input_variables: vars(&["history", "name", "question"]),
    };
    assert_eq!(chat, expected);

    // JS writes langchain_core ids and its own variable order.
    let js = from_manifest(&generated["js_ChatPromptTemplate_system_placeholder_human"]).unwrap();
    assert_eq!(js.body, expected.body);
    assert_eq!(js.input_variables, vars(&["name", "history", "question"]));

    let mustache = from_manifest(&generated["python_ChatPromptTemplate_mustache"]).unwrap();
    assert_eq!(
        mustache,
        PromptModel {
            body: PromptBody::Chat(vec![msg(Role::System, "Hi {{name}}")]),
            template_format: TemplateFormat::Mustache,
            input_variables: vars(&["name"]),
        }
    );

    let text = from_manifest(&generated["python_PromptTemplate"]).unwrap();
    assert_eq!(
        text,
        PromptModel {
            body: PromptBody::Text("Summarize the following text: {text}".into()),
            template_format: TemplateFormat::FString,
            input_variables: vars(&["text"]),
        }
    );

    let structured = from_manifest(&generated["python_StructuredPrompt"]).unwrap();
    assert_eq!(
        structured,
        PromptModel {
            body: PromptBody::Chat(vec![
                msg(Role::System, "Generate a tweet about the given topic."),
                msg(Role::Human, "{topic}"),
            ]),
            template_format: TemplateFormat::FString,
            input_variables: vars(&["topic"]),
        }
    );
}

#[test]
fn fresh_manifests_are_what_python_dumpd_writes() {
    let generated = load("manifests-generated.json");
    for key in [
        "python_ChatPromptTemplate_system_placeholder_human",
        "python_PromptTemplate",
        "python_ChatPromptTemplate_mustache",
    ] {
        let m = &generated[key];
        let fresh = to_manifest(&from_manifest(m).unwrap(), None).unwrap();
        assert_eq!(
            serde_json::to_string(&fresh).unwrap(),
            serde_json::to_string(m).unwrap(),
            "{key}"
        );
    }
}

#[test]
fn with_and_without_model_give_the_same_prompt() {
    // The SDK fixtures hold the same commits pulled with include_model (wrapped in a
    // RunnableSequence) and without (the bare prompt).
    let doc = load("langsmith-sdk-unit-fixture-prompt-commits.json");
    let entries = doc["entries"].as_array().unwrap();
    let mut pairs = 0;
    for wrapped in entries.iter().filter(|e| e["include_model"] == true) {
        let commit = &wrapped["prompt_commit"];
        assert_eq!(
            commit["manifest"]["id"],
            json!(["langchain", "schema", "runnable", "RunnableSequence"])
        );
        let model = from_manifest(&commit["manifest"]).unwrap();
        assert_eq!(model.kind().as_str(), "chat");
        let bare = entries.iter().find(|e| {
            e["include_model"] == false
                && e["prompt_commit"]["commit_hash"] == commit["commit_hash"]
        });
        if let Some(bare) = bare {
            assert_eq!(
                from_manifest(&bare["prompt_commit"]["manifest"]).unwrap(),
                model
            );
            pairs += 1;
        }
    }
    assert!(pairs >= 2, "only {pairs} with/without-model pairs");

    // The tools entry: a system and a human template.
    let first = from_manifest(&entries[0]["prompt_commit"]["manifest"]).unwrap();
    assert_eq!(
        first.body,
        PromptBody::Chat(vec![
            msg(
                Role::System,
                "Generate a tweet based on the provided topic."
            ),
            msg(Role::Human, "{topic}"),
        ])
    );
    assert_eq!(first.input_variables, vars(&["topic"]));
}

#[test]
fn editing_a_pulled_prompt_keeps_model_schema_and_metadata() {
    let doc = load("langsmith-sdk-unit-fixture-prompt-commits.json");
    // include_model + StructuredPrompt: the schema, the metadata and the model must
    // all survive an edit of the human message.
    let base = &doc["entries"][1]["prompt_commit"]["manifest"];
    let mut model = from_manifest(base).unwrap();
    let PromptBody::Chat(messages) = &mut model.body else {
        panic!("chat")
    };
    messages[1] = msg(Role::Human, "Topic: {topic}");
    let out = to_manifest(&model, Some(base)).unwrap();
    let mut expected = base.clone();
    *expected
        .pointer_mut("/kwargs/first/kwargs/messages/1/kwargs/prompt/kwargs/template")
        .unwrap() = json!("Topic: {topic}");
    assert_eq!(out, expected);
}

#[test]
fn manifests_the_real_server_refuses_are_refused() {
    // real-server-error-bodies.json: the server answers 400 "Manifest must have an id
    // field" to {"hi": "hello"} and "Manifest type hi is not supported" to {"id": ["hi"]}.
    let d = detail(from_manifest(&json!({"hi": "hello"})).unwrap_err());
    assert!(d.contains("missing `id`"), "{d}");
    let d = detail(from_manifest(&json!({"id": ["hi"]})).unwrap_err());
    assert!(d.contains("manifest type `hi`"), "{d}");
}

#[test]
fn the_ui_playground_shape_with_a_literal_message() {
    // The shape quoted (truncated) in real-server-error-bodies.json: PromptPlayground
    // wrapping a ChatPromptTemplate whose first message is a literal SystemMessage.
    let m = json!({"lc": 1, "type": "constructor", "id": ["langsmith", "playground", "PromptPlayground"],
        "kwargs": {"first": {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
            "kwargs": {"messages": [
                {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "SystemMessage"],
                 "kwargs": {"content": "You are terse.", "additional_kwargs": {}, "response_metadata": {}}},
                {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "HumanMessagePromptTemplate"],
                 "kwargs": {"prompt": {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
                   "kwargs": {"input_variables": ["q"], "template_format": "f-string", "template": "{q}"}}}}],
              "input_variables": ["q"]}},
          "last": {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "runnable", "RunnableBinding"],
                   "kwargs": {"bound": {"lc": 1, "type": "constructor", "id": ["langchain", "chat_models", "openai", "ChatOpenAI"], "kwargs": {}}}}}});
    let model = from_manifest(&m).unwrap();
    assert_eq!(
        model.body,
        PromptBody::Chat(vec![
            msg(Role::System, "You are terse."),
            msg(Role::Human, "{q}")
        ])
    );
    assert_eq!(to_manifest(&model, Some(&m)).unwrap(), m);
}

/// The plan record kept in the build script's index gives back exactly the plan input
/// the manifest gives, for every fixture manifest (and so the same plan).
#[test]
fn plan_records_give_back_the_manifests_plan_input() {
    use prompt_sync_core::plan::{PlanRecord, plan_input};
    let mut checked = 0;
    for (where_, manifest) in all_manifests() {
        let Ok(model) = from_manifest(&manifest) else {
            continue;
        };
        let record = PlanRecord::new(&model, Some(&manifest));
        // Through JSON, as the index stores it.
        let stored: PlanRecord =
            serde_json::from_slice(&serde_json::to_vec(&record).unwrap()).unwrap();
        assert_eq!(stored, record, "{where_}");
        assert_eq!(
            stored.input(&model),
            Some(plan_input(&model, Some(&manifest))),
            "{where_}"
        );
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} manifests checked");
}
