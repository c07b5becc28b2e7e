//! Reading the differential corpus (`tests/render-corpus/*.json` at the workspace
//! root) and building prompts from its cases.

#![allow(dead_code)]

pub mod cache;

use std::path::PathBuf;

use prompt_sync::private::{Embedded, EmbeddedMessage, Text};
use prompt_sync::{Prompt, PromptKind, Role, TemplateFormat};
use prompt_sync_core::manifest::from_manifest;
use prompt_sync_core::model::{self, ChatMessage, PromptBody, PromptModel};
use prompt_sync_core::render::{PartSpec, PromptPlan};
use serde_json::Value as Json;

/// What LangChain did.
#[derive(Clone, Debug)]
pub enum Expected {
    /// A text prompt's output.
    Output(String),
    /// A chat prompt's messages, `(role, content)`.
    Messages(Vec<(String, String)>),
    /// It raised (`Type: message`).
    Error(String),
}

/// One corpus case.
#[derive(Clone, Debug)]
pub struct Case {
    pub group: String,
    pub name: String,
    pub raw: Json,
    pub format: String,
    pub values: Json,
    pub manifest: Option<Json>,
    pub input_variables: Option<Vec<String>>,
    pub divergence: Option<String>,
    /// What LangChain's `format(**values)` did.
    pub expected: Expected,
    /// What LangChain's `invoke(values)` did, when the case records it (`spec.json`).
    pub invoke: Option<Expected>,
}

impl Case {
    /// `group/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }

    /// A valid prompt name for the case (`corpus-group-name`).
    pub fn prompt_name(&self) -> String {
        format!("corpus-{}-{}", self.group, self.name)
    }

    pub fn is_chat(&self) -> bool {
        self.raw["kind"] == "chat"
    }
}

/// The corpus directory.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/render-corpus")
}

/// Every case, in file order.
pub fn load_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for group in ["fstring", "mustache", "chat", "fuzz", "spec"] {
        let path = corpus_dir().join(format!("{group}.json"));
        let doc: Json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(doc["langchain_core"], "1.8.3", "{}", path.display());
        for raw in doc["cases"].as_array().unwrap() {
            let expected = expected_of(&raw["expected"]);
            cases.push(Case {
                group: group.to_owned(),
                name: raw["name"].as_str().unwrap().to_owned(),
                format: raw["format"].as_str().unwrap().to_owned(),
                values: raw["values"].clone(),
                manifest: raw.get("manifest").filter(|m| !m.is_null()).cloned(),
                input_variables: raw["input_variables"]
                    .as_array()
                    .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect()),
                divergence: raw["divergence"].as_str().map(str::to_owned),
                expected,
                invoke: raw.get("invoke").map(expected_of),
                raw: raw.clone(),
            });
        }
    }
    cases
}

/// An outcome as the corpus records it: `{"output"}`, `{"messages"}` or `{"error"}`.
fn expected_of(expected: &Json) -> Expected {
    if let Some(s) = expected.get("output") {
        Expected::Output(s.as_str().unwrap().to_owned())
    } else if let Some(ms) = expected.get("messages") {
        Expected::Messages(
            ms.as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["role"].as_str().unwrap().to_owned(),
                        m["content"].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
        )
    } else {
        Expected::Error(expected["error"].as_str().unwrap().to_owned())
    }
}

/// The prompt model: read from LangChain's manifest when it built one, else from the
/// case's template(s).
pub fn model_of(case: &Case) -> PromptModel {
    if let Some(manifest) = &case.manifest {
        return from_manifest(manifest).unwrap_or_else(|e| panic!("{}: {e}", case.id()));
    }
    let template_format = model::TemplateFormat::parse(&case.format).unwrap();
    let body = if case.is_chat() {
        PromptBody::Chat(
            case.raw["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| match m.get("placeholder") {
                    Some(v) => ChatMessage::Placeholder {
                        variable: v.as_str().unwrap().to_owned(),
                    },
                    None => ChatMessage::Message {
                        role: match m["role"].as_str().unwrap() {
                            "system" => model::Role::System,
                            "human" => model::Role::Human,
                            "ai" => model::Role::Ai,
                            other => model::Role::Other(other.to_owned()),
                        },
                        content: m
                            .get("template")
                            .or_else(|| m.get("literal"))
                            .and_then(Json::as_str)
                            .unwrap()
                            .to_owned(),
                    },
                })
                .collect(),
        )
    } else {
        PromptBody::Text(case.raw["template"].as_str().unwrap().to_owned())
    };
    PromptModel {
        body,
        template_format,
        input_variables: Vec::new(),
    }
}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// A runtime [`Prompt`] for the case, built the way `prompt!` builds one (with leaked
/// data instead of constants), and its plan.
pub fn runtime_prompt(case: &Case) -> (Prompt, &'static PromptPlan<'static>) {
    let model: &'static PromptModel = leak(model_of(case));
    let manifest: Option<&'static Json> = case.manifest.clone().map(|m| leak(m));
    let plan: &'static PromptPlan<'static> = leak(prompt_sync_core::plan::plan(model, manifest));
    let input = prompt_sync_core::plan::plan_input(model, manifest);
    let role = |role: &model::Role| match role {
        model::Role::System => Role::System,
        model::Role::Human => Role::Human,
        model::Role::Ai => Role::Ai,
        model::Role::Other(r) => Role::Other(leak_str(r)),
    };
    let (content, kind, messages): (&'static str, PromptKind, Vec<EmbeddedMessage>) = match &model
        .body
    {
        PromptBody::Text(t) => (t, PromptKind::Text, Vec::new()),
        PromptBody::Chat(ms) => (
            "",
            PromptKind::Chat,
            ms.iter()
                .enumerate()
                .map(|(i, m)| match (m, input.parts.get(i)) {
                    (ChatMessage::Placeholder { variable }, spec) => {
                        let (optional, n_messages) = match spec {
                            Some(PartSpec::Placeholder {
                                optional,
                                n_messages,
                                ..
                            }) => (*optional, *n_messages),
                            _ => (false, 0),
                        };
                        EmbeddedMessage::Placeholder {
                            variable,
                            optional,
                            n_messages,
                        }
                    }
                    (ChatMessage::Message { role: r, content }, Some(PartSpec::Literal)) => {
                        EmbeddedMessage::Literal {
                            role: role(r),
                            text: Text::Str(content),
                        }
                    }
                    (ChatMessage::Message { role: r, content }, Some(PartSpec::Refused(why))) => {
                        EmbeddedMessage::Refused {
                            role: role(r),
                            text: Text::Str(content),
                            why: leak_str(why),
                        }
                    }
                    (ChatMessage::Message { role: r, content }, _) => EmbeddedMessage::Template {
                        role: role(r),
                        text: Text::Str(content),
                    },
                })
                .collect(),
        ),
    };
    let format = match model.template_format {
        model::TemplateFormat::FString => TemplateFormat::FString,
        model::TemplateFormat::Mustache => TemplateFormat::Mustache,
        model::TemplateFormat::Jinja2 => TemplateFormat::Jinja2,
    };
    let embedded = leak(Embedded {
        name: leak_str(&case.prompt_name()),
        content,
        sha256: "",
        hub_commit: None,
        locally_modified: false,
        kind,
        template_format: format,
        messages: messages.leak(),
        partials: input.partials.to_vec().leak(),
        problem: input.problem.as_deref().map(leak_str),
        input_variables: input.input_variables.to_vec().leak(),
    });
    (Prompt::__embed(embedded), plan)
}
