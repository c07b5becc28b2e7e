//! A whole prompt, ready to render: one [`Part`] per message, the partial variables
//! and the input variables, worked out once (by the `prompt!` macro, at compile time).

use std::borrow::Cow;

use serde_json::Value as Json;

use super::{Seq, Template, TemplateError, Value};
use crate::manifest::{Class, Speaker, identify, unwrap_prompt};
use crate::model::{ChatMessage, PromptBody, PromptModel, TemplateFormat};

/// How one entry of a prompt's message list is rendered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part<'a> {
    /// A message template (a text prompt has exactly one).
    Template(Template<'a>),
    /// A literal message (`SystemMessage`, `HumanMessage` … in the manifest rather than
    /// a message template): LangChain sends its text as is, without formatting.
    Literal,
    /// A `MessagesPlaceholder`.
    Placeholder {
        /// `optional=True`: it may be left out, and then adds no messages.
        optional: bool,
        /// `n_messages`: only the last n messages are kept (0: all).
        n_messages: usize,
    },
}

/// Everything needed to render a prompt, borrowed from its model and manifest (or,
/// when embedded by `prompt!`, from constants).
#[derive(Clone, Debug, PartialEq)]
pub struct PromptPlan<'a> {
    /// One part per message of the prompt (one for a text prompt).
    pub parts: Seq<'a, Part<'a>>,
    /// The manifest's `partial_variables`, in order: defaults the caller may override.
    pub partials: Seq<'a, (Cow<'a, str>, Value<'a>)>,
    /// The variables a render needs, as LangChain computes `input_variables`: the
    /// templates' variables (for mustache, top-level names) and the required
    /// placeholders, minus partial variables and optional placeholders; sorted.
    pub variables: Seq<'a, &'a str>,
    /// Other names a caller may give: partial variables, optional placeholders, and
    /// names used inside mustache sections (looked up in the outer scopes too).
    pub accepted: Seq<'a, &'a str>,
    /// Why the prompt cannot be rendered (jinja2, a template LangChain refuses, a
    /// manifest feature prompt-sync does not render), or `None`.
    pub problem: Option<Cow<'a, str>>,
}

/// What is wrong with the variables given for a render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarsProblem {
    /// A name the prompt does not use.
    Unknown(String),
    /// A name given twice.
    Duplicate(String),
    /// Variables the prompt needs that were not given (in sorted order).
    Missing(Vec<String>),
}

impl<'a> PromptPlan<'a> {
    /// Plans the rendering of `model`, reading partial variables, literal messages and
    /// placeholder options from its hub `manifest` when there is one. Never fails:
    /// what cannot be rendered is recorded in [`problem`](Self::problem).
    pub fn new(model: &'a PromptModel, manifest: Option<&'a Json>) -> PromptPlan<'a> {
        match build(model, manifest) {
            Ok(plan) => plan,
            Err(problem) => PromptPlan {
                parts: Seq::Owned(Vec::new()),
                partials: Seq::Owned(Vec::new()),
                variables: Seq::Owned(model.input_variables.iter().map(String::as_str).collect()),
                accepted: Seq::Owned(Vec::new()),
                problem: Some(Cow::Owned(problem)),
            },
        }
    }

    /// The placeholder options of `name`, if it names a placeholder of the prompt.
    pub fn placeholder(&self, name: &str, messages: &[ChatMessage]) -> Option<(bool, usize)> {
        self.parts
            .iter()
            .zip(messages)
            .find_map(|(part, m)| match (part, m) {
                (
                    Part::Placeholder {
                        optional,
                        n_messages,
                    },
                    ChatMessage::Placeholder { variable },
                ) if variable == name => Some((*optional, *n_messages)),
                _ => None,
            })
    }

    /// The partial variable `name`, if the manifest defines one.
    pub fn partial(&self, name: &str) -> Option<&Value<'a>> {
        self.partials
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Checks the names a caller gives: each known and given once, and every
    /// [`variables`](Self::variables) entry among them.
    pub fn check_vars<'g>(
        &self,
        given: impl IntoIterator<Item = &'g str>,
    ) -> Result<(), VarsProblem> {
        let mut seen: Vec<&str> = Vec::new();
        for name in given {
            if seen.contains(&name) {
                return Err(VarsProblem::Duplicate(name.to_owned()));
            }
            if !self.variables.contains(&name) && !self.accepted.contains(&name) {
                return Err(VarsProblem::Unknown(name.to_owned()));
            }
            seen.push(name);
        }
        let missing: Vec<String> = self
            .variables
            .iter()
            .filter(|v| !seen.contains(v))
            .map(|v| (*v).to_owned())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(VarsProblem::Missing(missing))
        }
    }

    /// The render context: the partial variables, then the caller's values (a caller's
    /// value replaces a partial of the same name in place, as Python's
    /// `{**partials, **kwargs}` does).
    pub fn context<'v>(&'v self, vars: impl IntoIterator<Item = (&'v str, Value<'v>)>) -> Value<'v>
    where
        'a: 'v,
    {
        let mut entries: Vec<(Cow<'v, str>, Value<'v>)> = self
            .partials
            .iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_ref()), v.clone()))
            .collect();
        for (k, v) in vars {
            match entries.iter_mut().find(|(name, _)| name == k) {
                Some(slot) => slot.1 = v,
                None => entries.push((Cow::Borrowed(k), v)),
            }
        }
        Value::Map(Seq::Owned(entries))
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

fn build<'a>(model: &'a PromptModel, manifest: Option<&'a Json>) -> Result<PromptPlan<'a>, String> {
    let format = model.template_format;
    if format == TemplateFormat::Jinja2 {
        return Err(TemplateError::unsupported(format).to_string());
    }
    let (partials, entries) = match manifest {
        Some(m) => read_manifest(m)?,
        None => (Vec::new(), Vec::new()),
    };
    let parse =
        |text: &'a str, at: &str| Template::parse(text, format).map_err(|e| format!("{at}{e}"));
    let parts: Vec<Part<'a>> = match &model.body {
        PromptBody::Text(text) => vec![Part::Template(parse(text, "")?)],
        PromptBody::Chat(messages) => {
            let mut parts = Vec::with_capacity(messages.len());
            for (i, m) in messages.iter().enumerate() {
                let entry = entries.get(i).unwrap_or(&Entry::Other);
                parts.push(match (m, entry) {
                    (ChatMessage::Placeholder { .. }, Entry::Placeholder { optional, n_messages }) => {
                        Part::Placeholder {
                            optional: *optional,
                            n_messages: *n_messages,
                        }
                    }
                    (ChatMessage::Placeholder { .. }, _) => Part::Placeholder {
                        optional: false,
                        n_messages: 0,
                    },
                    (ChatMessage::Message { role, .. }, Entry::Literal(speaker))
                        if speaker.matches(role) =>
                    {
                        Part::Literal
                    }
                    (ChatMessage::Message { role, .. }, Entry::Template { speaker, inner_partials: true })
                        if speaker.matches(role) =>
                    {
                        return Err(format!(
                            "messages[{i}]: a message template with its own partial_variables is not \
                             rendered by prompt-sync; set partial variables on the prompt instead"
                        ));
                    }
                    (ChatMessage::Message { role, content }, _) => {
                        Part::Template(parse(content, &format!("messages[{i}] ({}): ", role.as_str()))?)
                    }
                });
            }
            parts
        }
    };
    let (variables, accepted) = input_variables(model, &parts, &partials);
    Ok(PromptPlan {
        parts: Seq::Owned(parts),
        partials: Seq::Owned(
            partials
                .into_iter()
                .map(|(k, v)| (Cow::Borrowed(k), Value::from_json(v)))
                .collect(),
        ),
        variables: Seq::Owned(variables),
        accepted: Seq::Owned(accepted),
        problem: None,
    })
}

type Partials<'m> = Vec<(&'m str, &'m Json)>;

/// LangChain's `input_variables` of the whole prompt, and the other accepted names.
fn input_variables<'a>(
    model: &'a PromptModel,
    parts: &[Part<'a>],
    partials: &Partials<'a>,
) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut required: Vec<&str> = Vec::new();
    let mut optional: Vec<&str> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let placeholders: Vec<Option<&str>> = match &model.body {
        PromptBody::Text(_) => vec![None],
        PromptBody::Chat(messages) => messages
            .iter()
            .map(|m| match m {
                ChatMessage::Placeholder { variable } => Some(variable.as_str()),
                ChatMessage::Message { .. } => None,
            })
            .collect(),
    };
    for (part, placeholder) in parts.iter().zip(placeholders) {
        match (part, placeholder) {
            (Part::Template(t), _) => {
                required.extend(t.variables());
                names.extend(t.names());
            }
            (Part::Placeholder { optional: true, .. }, Some(v)) => optional.push(v),
            (
                Part::Placeholder {
                    optional: false, ..
                },
                Some(v),
            ) => required.push(v),
            _ => {}
        }
    }
    let is_partial = |v: &str| partials.iter().any(|(k, _)| *k == v);
    required.retain(|v| !is_partial(v) && !optional.contains(v));
    required.sort_unstable();
    required.dedup();
    let mut accepted: Vec<&str> = names
        .into_iter()
        .chain(optional)
        .chain(partials.iter().map(|(k, _)| *k))
        .filter(|v| !required.contains(v))
        .collect();
    accepted.sort_unstable();
    accepted.dedup();
    (required, accepted)
}

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
