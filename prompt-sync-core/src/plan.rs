//! The render plan of a cached prompt: its templates, with the options its hub
//! manifest gives (partial variables, literal messages, placeholder options), as a
//! [`PlanInput`] for `prompt_sync_render`.
//!
//! The `prompt!` macro embeds the input (so a `Prompt` plans itself at its first
//! render) or renders with the plan at compile time; both read the manifest here.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::manifest::{Class, Speaker, identify, unwrap_prompt};
use crate::model::{ChatMessage, PromptBody, PromptModel};
use crate::render::{PartSpec, PlanInput, PromptPlan, Seq, Value};

/// Plans the rendering of `model`, reading partial variables, literal messages and
/// placeholder options from its hub `manifest` when there is one. Never fails: what
/// cannot be rendered is recorded in [`PromptPlan::problem`].
pub fn plan<'a>(model: &'a PromptModel, manifest: Option<&'a Json>) -> PromptPlan<'a> {
    PromptPlan::build(plan_input(model, manifest))
}

/// What [`plan`] builds from: one [`PartSpec`] per message, the partial variables, and
/// the manifest's input variables (the plan's variables when it cannot render).
pub fn plan_input<'a>(model: &'a PromptModel, manifest: Option<&'a Json>) -> PlanInput<'a> {
    match read(model, manifest) {
        Ok((partials, parts)) => input(
            model,
            parts,
            partials
                .into_iter()
                .map(|(k, v)| (k, Value::from_json(v)))
                .collect(),
            None,
        ),
        Err(problem) => input(model, Vec::new(), Vec::new(), Some(problem)),
    }
}

fn input<'a>(
    model: &'a PromptModel,
    parts: Vec<PartSpec<'a>>,
    partials: Vec<(&'a str, Value<'a>)>,
    problem: Option<String>,
) -> PlanInput<'a> {
    PlanInput {
        format: model.template_format,
        parts,
        partials: Seq::Owned(partials),
        problem: problem.map(Cow::Owned),
        input_variables: Seq::Owned(model.input_variables.iter().map(String::as_str).collect()),
    }
}

/// What the manifest adds to a prompt's templates, kept without the manifest (in the
/// build script's [`crate::index`]): how each message renders, the partial variables
/// and any reason the prompt cannot be rendered. With the prompt's model it gives back
/// the same [`PlanInput`] as [`plan_input`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRecord {
    /// One entry per message (one for a text prompt).
    pub parts: Vec<PartRecord>,
    /// The manifest's `partial_variables`, in order.
    pub partials: Vec<(String, Json)>,
    /// Why the manifest cannot be rendered, if it cannot.
    pub problem: Option<String>,
}

/// How one message renders (see [`PartSpec`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PartRecord {
    /// A template.
    Template,
    /// A literal message.
    Literal,
    /// A placeholder.
    Placeholder {
        /// It may be left out.
        optional: bool,
        /// Only the last n messages are kept (0: all).
        n_messages: usize,
    },
    /// A message prompt-sync does not render, and why.
    Refused {
        /// Why.
        why: String,
    },
}

impl PlanRecord {
    /// The record of `model` with its `manifest`.
    pub fn new(model: &PromptModel, manifest: Option<&Json>) -> PlanRecord {
        match read(model, manifest) {
            Ok((partials, parts)) => PlanRecord {
                parts: parts
                    .iter()
                    .map(|p| match p {
                        PartSpec::Template { .. } => PartRecord::Template,
                        PartSpec::Literal => PartRecord::Literal,
                        PartSpec::Placeholder {
                            optional,
                            n_messages,
                            ..
                        } => PartRecord::Placeholder {
                            optional: *optional,
                            n_messages: *n_messages,
                        },
                        PartSpec::Refused(why) => PartRecord::Refused {
                            why: why.to_string(),
                        },
                    })
                    .collect(),
                partials: partials
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.clone()))
                    .collect(),
                problem: None,
            },
            Err(problem) => PlanRecord {
                parts: Vec::new(),
                partials: Vec::new(),
                problem: Some(problem),
            },
        }
    }

    /// The plan input of `model` (the same prompt this was recorded from): `None` when
    /// the record does not fit the model's messages.
    pub fn input<'a>(&'a self, model: &'a PromptModel) -> Option<PlanInput<'a>> {
        let partials = self
            .partials
            .iter()
            .map(|(k, v)| (k.as_str(), Value::from_json(v)))
            .collect();
        if let Some(problem) = &self.problem {
            return Some(input(model, Vec::new(), partials, Some(problem.clone())));
        }
        let parts = match &model.body {
            PromptBody::Text(text) => match self.parts.as_slice() {
                [PartRecord::Template] => vec![PartSpec::Template { text, role: None }],
                _ => return None,
            },
            PromptBody::Chat(messages) => {
                if messages.len() != self.parts.len() {
                    return None;
                }
                let mut parts = Vec::with_capacity(messages.len());
                for (m, r) in messages.iter().zip(&self.parts) {
                    parts.push(match (m, r) {
                        (
                            ChatMessage::Placeholder { variable },
                            PartRecord::Placeholder {
                                optional,
                                n_messages,
                            },
                        ) => PartSpec::Placeholder {
                            variable,
                            optional: *optional,
                            n_messages: *n_messages,
                        },
                        (ChatMessage::Message { role, content }, PartRecord::Template) => {
                            PartSpec::Template {
                                text: content,
                                role: Some(role.as_str()),
                            }
                        }
                        (ChatMessage::Message { .. }, PartRecord::Literal) => PartSpec::Literal,
                        (ChatMessage::Message { .. }, PartRecord::Refused { why }) => {
                            PartSpec::Refused(Cow::Borrowed(why))
                        }
                        _ => return None,
                    });
                }
                parts
            }
        };
        Some(input(model, parts, partials, None))
    }
}

/// The manifest's partial variables and one [`PartSpec`] per message of `model`, or
/// why the manifest cannot be read.
fn read<'a>(
    model: &'a PromptModel,
    manifest: Option<&'a Json>,
) -> Result<(Partials<'a>, Vec<PartSpec<'a>>), String> {
    let (partials, entries) = manifest.map(read_manifest).transpose()?.unwrap_or_default();
    let parts = match &model.body {
        PromptBody::Text(text) => vec![PartSpec::Template { text, role: None }],
        PromptBody::Chat(messages) => messages
            .iter()
            .enumerate()
            .map(|(i, m)| part(i, m, entries.get(i).unwrap_or(&Entry::Other)))
            .collect(),
    };
    Ok((partials, parts))
}

/// How message `i` renders, given its manifest entry.
fn part<'a>(i: usize, m: &'a ChatMessage, entry: &Entry) -> PartSpec<'a> {
    match (m, entry) {
        (
            ChatMessage::Placeholder { variable },
            Entry::Placeholder {
                optional,
                n_messages,
            },
        ) => PartSpec::Placeholder {
            variable,
            optional: *optional,
            n_messages: *n_messages,
        },
        (ChatMessage::Placeholder { variable }, _) => PartSpec::Placeholder {
            variable,
            optional: false,
            n_messages: 0,
        },
        (ChatMessage::Message { role, .. }, Entry::Literal(speaker)) if speaker.matches(role) => {
            PartSpec::Literal
        }
        (
            ChatMessage::Message { role, .. },
            Entry::Template {
                speaker,
                inner_partials: true,
            },
        ) if speaker.matches(role) => PartSpec::Refused(Cow::Owned(format!(
            "messages[{i}]: a message template with its own partial_variables is not \
             rendered by prompt-sync; set partial variables on the prompt instead"
        ))),
        (ChatMessage::Message { role, content }, _) => PartSpec::Template {
            text: content,
            role: Some(role.as_str()),
        },
    }
}

/// The parts of a manifest entry that matter for rendering.
enum Entry {
    Template {
        speaker: Speaker,
        inner_partials: bool,
    },
    Literal(Speaker),
    Placeholder {
        optional: bool,
        n_messages: usize,
    },
    Other,
}

type Partials<'m> = Vec<(&'m str, &'m Json)>;

/// The prompt's `partial_variables` and its message entries, from the manifest.
fn read_manifest(manifest: &Json) -> Result<(Partials<'_>, Vec<Entry>), String> {
    let (node, _, _) = unwrap_prompt(manifest).map_err(|e| e.to_string())?;
    let kwargs = node.get("kwargs");
    let partials = match kwargs.and_then(|k| k.get("partial_variables")) {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Object(map)) => map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        Some(other) => {
            return Err(format!(
                "the manifest's partial_variables is not an object: {other}"
            ));
        }
    };
    let entries = kwargs
        .and_then(|k| k.get("messages"))
        .and_then(Json::as_array)
        .map(|messages| messages.iter().map(read_entry).collect())
        .unwrap_or_default();
    Ok((partials, entries))
}

fn read_entry(entry: &Json) -> Entry {
    let Ok(ident) = identify(entry, "") else {
        return Entry::Other;
    };
    let kwargs = entry.get("kwargs");
    match ident.class {
        Some(Class::Template(speaker)) => Entry::Template {
            speaker,
            inner_partials: kwargs
                .and_then(|k| k.get("prompt"))
                .and_then(|p| p.get("kwargs"))
                .and_then(|k| k.get("partial_variables"))
                .and_then(Json::as_object)
                .is_some_and(|m| !m.is_empty()),
        },
        Some(Class::Literal(speaker)) => Entry::Literal(speaker),
        Some(Class::Placeholder) => Entry::Placeholder {
            optional: kwargs
                .and_then(|k| k.get("optional"))
                .and_then(Json::as_bool)
                .unwrap_or(false),
            n_messages: kwargs
                .and_then(|k| k.get("n_messages"))
                .and_then(Json::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0),
        },
        _ => Entry::Other,
    }
}
