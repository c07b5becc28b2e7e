//! LangChain manifests (the JSON the Prompt Hub stores) to and from the prompt model.
//!
//! A manifest is LangChain's `dumpd` serialization: nested
//! `{"lc": 1, "type": "constructor", "id": [namespace, …, Class], "kwargs": {…}}` nodes.
//! [`from_manifest`] reads the parts prompt-sync models: the templates, the message
//! list and its roles, the template format and the input variables.
//! [`to_manifest`] writes them back.
//!
//! # Lossless strategy
//!
//! The hub holds much more than the model: the schema of a `StructuredPrompt`,
//! `metadata`, `partial_variables`, `tags`, kwargs prompt-sync has never heard of, the
//! model half of a `RunnableSequence` / `PromptPlayground` wrapper, the exact `id`
//! paths (`langchain` or `langchain_core`), key order. Rather than trying to model all
//! of that, a push passes the manifest the cache came from as `base`, and
//! [`to_manifest`] edits a copy of it in place, overwriting only the values the model
//! expresses:
//!
//! - a text prompt's `template`, `template_format` and `input_variables`;
//! - a chat prompt's `messages` list (the role and template of each message, the
//!   variable of each placeholder), its `input_variables`, and its `template_format`
//!   where the base has one;
//! - in each message template, the inner `PromptTemplate`'s `template`,
//!   `template_format`, and (only when its template or format changed) its
//!   `input_variables`, recomputed from the template.
//!
//! A key the base does not have is only added when the model's value differs from
//! LangChain's default (an empty variable list, `f-string`), so
//! `to_manifest(&from_manifest(m)?, Some(m))` is exactly `m`, byte for byte once
//! serialized with `preserve_order`.
//!
//! When the model's messages no longer line up with the base's (a message was added,
//! removed or changed role), the list is rebuilt index by index: the base's entry at
//! the same index is reused (with everything it carries, e.g. a placeholder's
//! `optional`) when it has the same class and role, and a fresh entry is created
//! otherwise, in the namespace the base's messages use.
//!
//! # What is read
//!
//! - Wrappers `RunnableSequence` and `PromptPlayground` (`["langsmith", "playground",
//!   "PromptPlayground"]`) are unwrapped by following `kwargs.first`.
//! - `PromptTemplate` is a text prompt; `ChatPromptTemplate` and `StructuredPrompt` are
//!   chat prompts.
//! - Classes are recognized by the last element of `id`, in either the `langchain` or
//!   the `langchain_core` namespace, so the Python (`["langchain", "prompts", "chat",
//!   …]`) and JS (`["langchain_core", "prompts", "chat", …]`) spellings, and the
//!   legacy `["langchain", "schema", "messages", …]` message ids, are all accepted.
//! - Messages: `SystemMessagePromptTemplate`, `HumanMessagePromptTemplate` and
//!   `AIMessagePromptTemplate` become [`Role::System`], [`Role::Human`] and
//!   [`Role::Ai`]. `ChatMessagePromptTemplate` always becomes [`Role::Other`] with its
//!   `role`, even when that role is `"system"`, `"human"` or `"ai"`, so that writing
//!   the model back keeps the class. `MessagesPlaceholder` becomes
//!   [`ChatMessage::Placeholder`] with its `variable_name`.
//! - Literal messages (`SystemMessage`, `HumanMessage`, `AIMessage`, `ChatMessage`
//!   with a string `content`) become messages of that role whose text is the content,
//!   taken literally. The model does not tell literals from templates: with a `base`,
//!   a literal stays a literal (kept exactly when its content is unchanged, its
//!   `content` replaced otherwise); without one, it comes back as a message template.
//! - `template_format` is read from the message templates (and the chat prompt's own
//!   `template_format`, which JS writes); it defaults to `f-string`, and all of a
//!   prompt's templates must agree. Literal messages carry no format.
//! - `input_variables` is the prompt's top-level `kwargs.input_variables` (empty when
//!   absent).
//!
//! Anything else (multimodal list content, other prompt or message classes, secrets
//! as prompts, unknown template formats) is an [`Error::Manifest`] that says what is
//! unsupported and where, e.g. `messages[2]: list content (multimodal) is not
//! supported`. Paths in errors follow the manifest with the `kwargs` levels left out:
//! `first.messages[1].prompt` is `kwargs.first.kwargs.messages[1].kwargs.prompt`.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{ChatMessage, PromptBody, PromptModel, Role, TemplateFormat};

/// How many wrappers (`RunnableSequence` inside `PromptPlayground` …) we follow.
const MAX_WRAPPER_DEPTH: usize = 8;

/// LangChain manifest JSON -> prompt model. Unwraps RunnableSequence (and
/// PromptPlayground) wrappers by taking `kwargs.first`.
///
/// See the [module documentation](self) for what is read and what is refused.
pub fn from_manifest(manifest: &Value) -> Result<PromptModel> {
    let (node, path, _) = unwrap_prompt(manifest)?;
    match prompt_class(node, &path)? {
        PromptClass::Text => read_text(node, &path),
        PromptClass::Chat => read_chat(node, &path),
    }
}

/// Prompt model -> manifest.
///
/// With `base` (the manifest the model came from, possibly wrapped), returns a copy
/// of `base` with only the parts the model expresses replaced (templates, message
/// list and roles, `template_format`, `input_variables`); everything else is kept
/// exactly. `base` must itself be a manifest [`from_manifest`] accepts. If the model
/// is of the other kind (text vs chat) than the base's prompt, the prompt is built
/// fresh in the base's style, inside the base's wrapper.
///
/// Without `base`, builds a fresh manifest the way the Python SDK's `dumpd` does
/// (`langchain` namespace ids, `name` keys, every template with its own
/// `input_variables` computed from its text).
pub fn to_manifest(model: &PromptModel, base: Option<&Value>) -> Result<Value> {
    let Some(base) = base else {
        return Ok(fresh_prompt(model, &Style::PYTHON));
    };
    from_manifest(base).map_err(|e| match e {
        Error::Manifest { detail } => manifest_error(format!("base manifest: {detail}")),
        other => other,
    })?;
    let (_, _, depth) = unwrap_prompt(base)?;
    let mut out = base.clone();
    let mut node = &mut out;
    for _ in 0..depth {
        node = node
            .get_mut("kwargs")
            .and_then(|k| k.get_mut("first"))
            .ok_or_else(|| manifest_error("base manifest: wrapper lost its `first`"))?;
    }
    update_prompt(node, model)?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// Classes

/// Who speaks a message, as its class says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Speaker {
    System,
    Human,
    Ai,
    /// `ChatMessagePromptTemplate` / `ChatMessage`: the role is in `kwargs.role`.
    Generic,
}

impl Speaker {
    pub(crate) fn matches(self, role: &Role) -> bool {
        matches!(
            (self, role),
            (Speaker::System, Role::System)
                | (Speaker::Human, Role::Human)
                | (Speaker::Ai, Role::Ai)
                | (Speaker::Generic, Role::Other(_))
        )
    }
}

/// The LangChain classes prompt-sync knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// `RunnableSequence` / `PromptPlayground`: the prompt is `kwargs.first`.
    Wrapper,
    /// `PromptTemplate`.
    Text,
    /// `ChatPromptTemplate` / `StructuredPrompt`.
    Chat,
    /// `*MessagePromptTemplate`.
    Template(Speaker),
    /// `SystemMessage` / `HumanMessage` / `AIMessage` / `ChatMessage`.
    Literal(Speaker),
    /// `MessagesPlaceholder`.
    Placeholder,
}

fn class_by_name(name: &str) -> Option<Class> {
    Some(match name {
        "RunnableSequence" | "PromptPlayground" => Class::Wrapper,
        "PromptTemplate" => Class::Text,
        "ChatPromptTemplate" | "StructuredPrompt" => Class::Chat,
        "SystemMessagePromptTemplate" => Class::Template(Speaker::System),
        "HumanMessagePromptTemplate" => Class::Template(Speaker::Human),
        "AIMessagePromptTemplate" => Class::Template(Speaker::Ai),
        "ChatMessagePromptTemplate" => Class::Template(Speaker::Generic),
        "SystemMessage" => Class::Literal(Speaker::System),
        "HumanMessage" => Class::Literal(Speaker::Human),
        "AIMessage" => Class::Literal(Speaker::Ai),
        "ChatMessage" => Class::Literal(Speaker::Generic),
        "MessagesPlaceholder" => Class::Placeholder,
        _ => return None,
    })
}

/// A node's `id`, checked.
pub(crate) struct Ident<'a> {
    /// `None` when prompt-sync does not know the class (or its namespace).
    pub(crate) class: Option<Class>,
    /// The last element of `id`.
    name: &'a str,
    /// `id` as compact JSON, for messages.
    id: String,
}

/// Checks that `node` is a LangChain constructor node and names its class.
pub(crate) fn identify<'a>(node: &'a Value, path: &str) -> Result<Ident<'a>> {
    let Some(obj) = node.as_object() else {
        return Err(manifest_error(format!(
            "{}: expected a LangChain object, found {}",
            here(path),
            json_kind(node)
        )));
    };
    if let Some(t) = obj.get("type")
        && t != "constructor"
    {
        return Err(manifest_error(format!(
            "{}: node type {t} is not supported (only \"constructor\")",
            here(path)
        )));
    }
    if let Some(lc) = obj.get("lc")
        && lc != 1
    {
        return Err(manifest_error(format!(
            "{}: serialization version `lc` {lc} is not supported (only 1)",
            here(path)
        )));
    }
    let parts: Vec<&str> = match obj.get("id") {
        None | Some(Value::Null) => {
            return Err(manifest_error(format!(
                "{}: missing `id` (the LangChain class path)",
                here(path)
            )));
        }
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(_) => Vec::new(),
    };
    let id_value = obj.get("id").cloned().unwrap_or(Value::Null);
    let id = serde_json::to_string(&id_value).unwrap_or_default();
    let well_formed = id_value.as_array().is_some_and(|a| a.len() == parts.len());
    let (Some(namespace), Some(name), true) = (parts.first(), parts.last(), well_formed) else {
        return Err(manifest_error(format!(
            "{}: `id` must be a non-empty list of strings, found {id}",
            here(path)
        )));
    };
    let class = match *namespace {
        "langchain" | "langchain_core" => class_by_name(name),
        "langsmith" if *name == "PromptPlayground" => Some(Class::Wrapper),
        _ => None,
    };
    Ok(Ident { class, name, id })
}

/// The namespace of a node's `id`, when it is one prompt-sync writes.
fn namespace_of(node: &Value) -> Option<&'static str> {
    match node.get("id")?.get(0)?.as_str()? {
        "langchain" => Some("langchain"),
        "langchain_core" => Some("langchain_core"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Reading

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PromptClass {
    Text,
    Chat,
}

/// Follows wrappers to the prompt: the prompt node, its path and how many wrappers
/// were crossed.
pub(crate) fn unwrap_prompt(manifest: &Value) -> Result<(&Value, String, usize)> {
    let mut node = manifest;
    let mut path = String::new();
    for depth in 0..=MAX_WRAPPER_DEPTH {
        let ident = identify(node, &path)?;
        if ident.class != Some(Class::Wrapper) {
            return Ok((node, path, depth));
        }
        node = node
            .get("kwargs")
            .and_then(|k| k.get("first"))
            .ok_or_else(|| {
                manifest_error(format!(
                    "{}: `{}` has no `kwargs.first` (the prompt)",
                    here(&path),
                    ident.name
                ))
            })?;
        path = child(&path, "first");
    }
    Err(manifest_error(format!(
        "{}: more than {MAX_WRAPPER_DEPTH} nested wrappers",
        here(&path)
    )))
}

/// Whether the (unwrapped) prompt node is a text or a chat prompt.
fn prompt_class(node: &Value, path: &str) -> Result<PromptClass> {
    let ident = identify(node, path)?;
    match ident.class {
        Some(Class::Text) => Ok(PromptClass::Text),
        Some(Class::Chat) => Ok(PromptClass::Chat),
        _ => Err(manifest_error(format!(
            "{}: manifest type `{}` (id {}) is not supported; prompt-sync handles PromptTemplate, ChatPromptTemplate and StructuredPrompt",
            here(path),
            ident.name,
            ident.id
        ))),
    }
}

fn read_text(node: &Value, path: &str) -> Result<PromptModel> {
    let kw = kwargs_of(node, path)?;
    let template = read_template_string(kw, path)?;
    let template_format = read_format(kw, path)?.unwrap_or_default();
    let input_variables = read_vars(kw, path)?;
    Ok(PromptModel {
        body: PromptBody::Text(template),
        template_format,
        input_variables,
    })
}

/// The template format all of a prompt's templates agree on.
#[derive(Default)]
struct FormatVote {
    first: Option<(TemplateFormat, String)>,
}

impl FormatVote {
    fn add(&mut self, format: TemplateFormat, path: &str) -> Result<()> {
        match &self.first {
            None => {
                self.first = Some((format, path.to_owned()));
                Ok(())
            }
            Some((f, _)) if *f == format => Ok(()),
            Some((f, at)) => Err(manifest_error(format!(
                "{} uses template_format `{format}` but {} uses `{f}`; prompt-sync needs one template format for the whole prompt",
                here(path),
                here(at)
            ))),
        }
    }

    fn result(&self) -> TemplateFormat {
        self.first.as_ref().map(|(f, _)| *f).unwrap_or_default()
    }
}

fn read_chat(node: &Value, path: &str) -> Result<PromptModel> {
    let kw = kwargs_of(node, path)?;
    let messages = match kw.get("messages") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => {
            return Err(manifest_error(format!(
                "{}: chat prompt has no `messages` list",
                here(path)
            )));
        }
        Some(other) => {
            return Err(manifest_error(format!(
                "{}: `messages` must be a list, found {}",
                here(path),
                json_kind(other)
            )));
        }
    };
    let mut vote = FormatVote::default();
    if let Some(f) = read_format(kw, path)? {
        vote.add(f, &child(path, "template_format"))?;
    }
    let mut out = Vec::with_capacity(messages.len());
    for (i, entry) in messages.iter().enumerate() {
        let at = child(path, &format!("messages[{i}]"));
        let (message, format) = read_message(entry, &at)?;
        if let Some(f) = format {
            vote.add(f, &at)?;
        }
        out.push(message);
    }
    Ok(PromptModel {
        body: PromptBody::Chat(out),
        template_format: vote.result(),
        input_variables: read_vars(kw, path)?,
    })
}

/// One entry of `messages`, and its template format when it has a template.
fn read_message(entry: &Value, at: &str) -> Result<(ChatMessage, Option<TemplateFormat>)> {
    let ident = identify(entry, at)?;
    let class = match ident.class {
        Some(c @ (Class::Template(_) | Class::Literal(_) | Class::Placeholder)) => c,
        _ => {
            return Err(manifest_error(format!(
                "{at}: message class `{}` (id {}) is not supported; prompt-sync handles System/Human/AI/ChatMessagePromptTemplate, MessagesPlaceholder and System/Human/AI/ChatMessage",
                ident.name, ident.id
            )));
        }
    };
    let kw = kwargs_of(entry, at)?;
    match class {
        Class::Template(speaker) => {
            let role = read_role(speaker, kw, at)?;
            let (content, format) = read_inner(kw.get("prompt"), at)?;
            Ok((ChatMessage::Message { role, content }, Some(format)))
        }
        Class::Literal(speaker) => {
            let role = read_role(speaker, kw, at)?;
            let content = match kw.get("content") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(_)) => return Err(multimodal(at)),
                None | Some(Value::Null) => {
                    return Err(manifest_error(format!(
                        "{at}: `{}` has no `content`",
                        ident.name
                    )));
                }
                Some(other) => {
                    return Err(manifest_error(format!(
                        "{at}: `content` must be a string, found {}",
                        json_kind(other)
                    )));
                }
            };
            Ok((ChatMessage::Message { role, content }, None))
        }
        _ => match kw.get("variable_name") {
            Some(Value::String(v)) => Ok((
                ChatMessage::Placeholder {
                    variable: v.clone(),
                },
                None,
            )),
            _ => Err(manifest_error(format!(
                "{at}: MessagesPlaceholder has no `variable_name` string"
            ))),
        },
    }
}

fn read_role(speaker: Speaker, kw: &Map<String, Value>, at: &str) -> Result<Role> {
    Ok(match speaker {
        Speaker::System => Role::System,
        Speaker::Human => Role::Human,
        Speaker::Ai => Role::Ai,
        Speaker::Generic => match kw.get("role") {
            Some(Value::String(r)) => Role::Other(r.clone()),
            _ => {
                return Err(manifest_error(format!(
                    "{at}: chat message has no `role` string"
                )));
            }
        },
    })
}

/// A message template's `kwargs.prompt`: its template text and format.
fn read_inner(prompt: Option<&Value>, message_at: &str) -> Result<(String, TemplateFormat)> {
    let at = child(message_at, "prompt");
    let prompt = match prompt {
        None | Some(Value::Null) => {
            return Err(manifest_error(format!(
                "{message_at}: message template has no `prompt`"
            )));
        }
        Some(Value::Array(_)) => return Err(multimodal(message_at)),
        Some(p) => p,
    };
    let ident = identify(prompt, &at)?;
    if ident.class != Some(Class::Text) {
        return Err(manifest_error(format!(
            "{at}: template class `{}` (id {}) is not supported (only PromptTemplate)",
            ident.name, ident.id
        )));
    }
    let kw = kwargs_of(prompt, &at)?;
    let template = read_template_string(kw, &at)?;
    let format = read_format(kw, &at)?.unwrap_or_default();
    Ok((template, format))
}

fn multimodal(at: &str) -> Error {
    manifest_error(format!("{at}: list content (multimodal) is not supported"))
}

fn kwargs_of<'a>(node: &'a Value, path: &str) -> Result<&'a Map<String, Value>> {
    match node.get("kwargs") {
        Some(Value::Object(m)) => Ok(m),
        None | Some(Value::Null) => {
            Err(manifest_error(format!("{}: missing `kwargs`", here(path))))
        }
        Some(other) => Err(manifest_error(format!(
            "{}: `kwargs` must be an object, found {}",
            here(path),
            json_kind(other)
        ))),
    }
}

fn read_template_string(kw: &Map<String, Value>, path: &str) -> Result<String> {
    match kw.get("template") {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Err(manifest_error(format!(
            "{}: PromptTemplate has no `template`",
            here(path)
        ))),
        Some(Value::Array(_)) => Err(manifest_error(format!(
            "{}: list `template` (multimodal) is not supported",
            here(path)
        ))),
        Some(other) => Err(manifest_error(format!(
            "{}: `template` must be a string, found {}",
            here(path),
            json_kind(other)
        ))),
    }
}

/// `template_format`, if the node has one.
fn read_format(kw: &Map<String, Value>, path: &str) -> Result<Option<TemplateFormat>> {
    match kw.get("template_format") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => TemplateFormat::parse(s).map(Some).ok_or_else(|| {
            manifest_error(format!(
                "{}: unknown template_format `{}` (prompt-sync knows f-string, mustache and jinja2)",
                here(path),
                s.escape_debug()
            ))
        }),
        Some(other) => Err(manifest_error(format!(
            "{}: unknown template_format {other} (prompt-sync knows f-string, mustache and jinja2)",
            here(path)
        ))),
    }
}

fn read_vars(kw: &Map<String, Value>, path: &str) -> Result<Vec<String>> {
    match kw.get("input_variables") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                manifest_error(format!(
                    "{}: `input_variables` must be a list of strings",
                    here(path)
                ))
            }),
        Some(other) => Err(manifest_error(format!(
            "{}: `input_variables` must be a list of strings, found {}",
            here(path),
            json_kind(other)
        ))),
    }
}

// ---------------------------------------------------------------------------
// Writing into a base

/// How fresh nodes are spelled: which namespace, and whether nodes carry `name`
/// (Python's `dumpd` adds it to prompts, JS does not).
struct Style {
    namespace: &'static str,
    named: bool,
}

impl Style {
    /// What the Python SDK sends.
    const PYTHON: Style = Style {
        namespace: "langchain",
        named: true,
    };

    /// The style of an existing prompt node: the namespace its messages use (else its
    /// own), and whether it has a `name`.
    fn of(node: &Value) -> Style {
        let messages = node
            .get("kwargs")
            .and_then(|k| k.get("messages"))
            .and_then(Value::as_array);
        let namespace = messages
            .into_iter()
            .flatten()
            .chain(std::iter::once(node))
            .find_map(namespace_of)
            .unwrap_or("langchain");
        Style {
            namespace,
            named: node.get("name").is_some(),
        }
    }
}

fn update_prompt(node: &mut Value, model: &PromptModel) -> Result<()> {
    let class = prompt_class(node, "")?;
    let style = Style::of(node);
    match (&model.body, class) {
        (PromptBody::Text(template), PromptClass::Text) => {
            let kw = kwargs_mut(node)?;
            kw.insert("template".to_owned(), Value::String(template.clone()));
            put_format(kw, model.template_format);
            put_vars(kw, &model.input_variables);
        }
        (PromptBody::Chat(messages), PromptClass::Chat) => {
            let kw = kwargs_mut(node)?;
            let base: Vec<Value> = match kw.get_mut("messages") {
                Some(Value::Array(a)) => std::mem::take(a),
                _ => Vec::new(),
            };
            let mut has_template = false;
            let mut out = Vec::with_capacity(messages.len());
            for (i, m) in messages.iter().enumerate() {
                let entry = match base.get(i).and_then(|e| reuse_entry(e, m, model)) {
                    Some((entry, is_template)) => {
                        has_template |= is_template;
                        entry
                    }
                    None => {
                        has_template |= matches!(m, ChatMessage::Message { .. });
                        fresh_message(m, model, &style)
                    }
                };
                out.push(entry);
            }
            kw.insert("messages".to_owned(), Value::Array(out));
            put_chat_format(kw, model.template_format, has_template);
            put_vars(kw, &model.input_variables);
        }
        _ => *node = fresh_prompt(model, &style),
    }
    Ok(())
}

/// The base's entry updated to say `m`, if it has the same class and role; and
/// whether it is a template (as opposed to a literal or a placeholder).
fn reuse_entry(entry: &Value, m: &ChatMessage, model: &PromptModel) -> Option<(Value, bool)> {
    let class = identify(entry, "").ok()?.class?;
    let mut entry = entry.clone();
    let kw = entry.get_mut("kwargs")?.as_object_mut()?;
    let is_template = match (class, m) {
        (Class::Placeholder, ChatMessage::Placeholder { variable }) => {
            kw.insert("variable_name".to_owned(), Value::String(variable.clone()));
            false
        }
        (Class::Template(speaker), ChatMessage::Message { role, content })
            if speaker.matches(role) =>
        {
            if let Role::Other(r) = role {
                kw.insert("role".to_owned(), Value::String(r.clone()));
            }
            let pkw = kw.get_mut("prompt")?.get_mut("kwargs")?.as_object_mut()?;
            let old_template = pkw.get("template").and_then(Value::as_str);
            let old_format = pkw
                .get("template_format")
                .and_then(Value::as_str)
                .and_then(TemplateFormat::parse)
                .unwrap_or_default();
            if old_template != Some(content.as_str()) || old_format != model.template_format {
                pkw.insert("template".to_owned(), Value::String(content.clone()));
                let vars = template_vars(content, model.template_format, &model.input_variables);
                put_vars(pkw, &vars);
            }
            put_format(pkw, model.template_format);
            true
        }
        (Class::Literal(speaker), ChatMessage::Message { role, content })
            if speaker.matches(role) =>
        {
            if let Role::Other(r) = role {
                kw.insert("role".to_owned(), Value::String(r.clone()));
            }
            kw.insert("content".to_owned(), Value::String(content.clone()));
            false
        }
        _ => return None,
    };
    Some((entry, is_template))
}

fn kwargs_mut(node: &mut Value) -> Result<&mut Map<String, Value>> {
    node.get_mut("kwargs")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| manifest_error("base manifest: prompt has no `kwargs` object"))
}

/// True when `kw` has `key` with a non-null value.
fn has(kw: &Map<String, Value>, key: &str) -> bool {
    kw.get(key).is_some_and(|v| !v.is_null())
}

/// Sets `template_format`, adding the key only when it is not the default.
fn put_format(kw: &mut Map<String, Value>, format: TemplateFormat) {
    if has(kw, "template_format") || format != TemplateFormat::FString {
        kw.insert(
            "template_format".to_owned(),
            Value::String(format.as_str().to_owned()),
        );
    }
}

/// A chat prompt's own `template_format`: replaced where the base has one, and added
/// when no message template carries a non-default format (so it is not lost).
fn put_chat_format(kw: &mut Map<String, Value>, format: TemplateFormat, has_template: bool) {
    if has(kw, "template_format") || (!has_template && format != TemplateFormat::FString) {
        kw.insert(
            "template_format".to_owned(),
            Value::String(format.as_str().to_owned()),
        );
    }
}

/// Sets `input_variables`, adding the key only when the list is not empty.
fn put_vars(kw: &mut Map<String, Value>, vars: &[String]) {
    if has(kw, "input_variables") || !vars.is_empty() {
        kw.insert("input_variables".to_owned(), string_array(vars));
    }
}

// ---------------------------------------------------------------------------
// Fresh nodes

fn string_array(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

/// `{"lc": 1, "type": "constructor", "id": [namespace, module…, class], "kwargs": …}`,
/// plus `"name": class` when asked.
fn constructor(
    namespace: &str,
    module: &[&str],
    class: &str,
    kwargs: Map<String, Value>,
    named: bool,
) -> Value {
    let id = std::iter::once(namespace)
        .chain(module.iter().copied())
        .chain(std::iter::once(class))
        .map(|s| Value::String(s.to_owned()))
        .collect();
    let mut node = Map::new();
    node.insert("lc".to_owned(), Value::from(1));
    node.insert("type".to_owned(), Value::from("constructor"));
    node.insert("id".to_owned(), Value::Array(id));
    node.insert("kwargs".to_owned(), Value::Object(kwargs));
    if named {
        node.insert("name".to_owned(), Value::from(class));
    }
    Value::Object(node)
}

/// A `PromptTemplate` node; kwargs in the order Python (or, when not `named`, JS)
/// writes them.
fn fresh_template(template: &str, format: TemplateFormat, vars: &[String], style: &Style) -> Value {
    let mut kw = Map::new();
    kw.insert("input_variables".to_owned(), string_array(vars));
    let format = Value::String(format.as_str().to_owned());
    if style.named {
        kw.insert("template".to_owned(), Value::from(template));
        kw.insert("template_format".to_owned(), format);
    } else {
        kw.insert("template_format".to_owned(), format);
        kw.insert("template".to_owned(), Value::from(template));
    }
    constructor(
        style.namespace,
        &["prompts", "prompt"],
        "PromptTemplate",
        kw,
        style.named,
    )
}

fn fresh_message(m: &ChatMessage, model: &PromptModel, style: &Style) -> Value {
    let mut kw = Map::new();
    let class = match m {
        ChatMessage::Placeholder { variable } => {
            kw.insert("variable_name".to_owned(), Value::from(variable.as_str()));
            "MessagesPlaceholder"
        }
        ChatMessage::Message { role, content } => {
            let format = model.template_format;
            let vars = template_vars(content, format, &model.input_variables);
            kw.insert(
                "prompt".to_owned(),
                fresh_template(content, format, &vars, style),
            );
            match role {
                Role::System => "SystemMessagePromptTemplate",
                Role::Human => "HumanMessagePromptTemplate",
                Role::Ai => "AIMessagePromptTemplate",
                Role::Other(r) => {
                    kw.insert("role".to_owned(), Value::from(r.as_str()));
                    "ChatMessagePromptTemplate"
                }
            }
        }
    };
    constructor(style.namespace, &["prompts", "chat"], class, kw, false)
}

fn fresh_prompt(model: &PromptModel, style: &Style) -> Value {
    match &model.body {
        PromptBody::Text(template) => fresh_template(
            template,
            model.template_format,
            &model.input_variables,
            style,
        ),
        PromptBody::Chat(messages) => {
            let mut kw = Map::new();
            kw.insert(
                "input_variables".to_owned(),
                string_array(&model.input_variables),
            );
            kw.insert(
                "messages".to_owned(),
                Value::Array(
                    messages
                        .iter()
                        .map(|m| fresh_message(m, model, style))
                        .collect(),
                ),
            );
            let has_template = messages
                .iter()
                .any(|m| matches!(m, ChatMessage::Message { .. }));
            put_chat_format(&mut kw, model.template_format, has_template);
            constructor(
                style.namespace,
                &["prompts", "chat"],
                "ChatPromptTemplate",
                kw,
                style.named,
            )
        }
    }
}

// ---------------------------------------------------------------------------
// Template variables (for the `input_variables` of templates we write)

/// The input variables of a whole prompt, as LangChain lists them: the variables of
/// every template plus every placeholder's variable, sorted. When they are the same set
/// as `previous` (the manifest's list), `previous` is returned unchanged, so an edit
/// that does not change the variables keeps the manifest's order.
pub fn prompt_input_variables(model: &PromptModel, previous: &[String]) -> Vec<String> {
    let mut vars: Vec<String> = match &model.body {
        PromptBody::Text(t) => template_vars(t, model.template_format, previous),
        PromptBody::Chat(messages) => messages
            .iter()
            .flat_map(|m| match m {
                ChatMessage::Message { content, .. } => {
                    template_vars(content, model.template_format, previous)
                }
                ChatMessage::Placeholder { variable } => vec![variable.clone()],
            })
            .collect(),
    };
    vars.sort();
    vars.dedup();
    let mut prev_sorted = previous.to_vec();
    prev_sorted.sort();
    prev_sorted.dedup();
    if prev_sorted == vars {
        previous.to_vec()
    } else {
        vars
    }
}

/// The variables of one template, sorted, as LangChain's `get_template_variables`
/// would list them (with the renderer's parser, [`crate::render`]; a template LangChain
/// would refuse yields the variables found before the error). Jinja2 is not parsed: its
/// variables are those of `known` that appear as a name inside a `{{ }}` or `{% %}` block.
fn template_vars(template: &str, format: TemplateFormat, known: &[String]) -> Vec<String> {
    let mut vars = match format {
        TemplateFormat::Jinja2 => jinja2_vars(template, known),
        other => crate::render::lenient_variables(template, other),
    };
    vars.sort();
    vars.dedup();
    vars
}

/// Names of `known` used inside Jinja2 `{{ }}` / `{% %}` blocks.
fn jinja2_vars(template: &str, known: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    loop {
        let next = [("{{", "}}"), ("{%", "%}")]
            .into_iter()
            .filter_map(|(open, close)| rest.find(open).map(|at| (at, close)))
            .min_by_key(|(at, _)| *at);
        let Some((at, close)) = next else { break };
        let after = &rest[at + 2..];
        let Some(end) = after.find(close) else { break };
        let block = &after[..end];
        for word in block.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if known.iter().any(|k| k == word) {
                found.push(word.to_owned());
            }
        }
        rest = &after[end + 2..];
    }
    found
}

// ---------------------------------------------------------------------------
// Helpers

fn manifest_error(detail: impl Into<String>) -> Error {
    Error::Manifest {
        detail: detail.into(),
    }
}

/// `path.key`, or `key` at the top.
fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A path for messages: "top level" for the root.
fn here(path: &str) -> &str {
    if path.is_empty() { "top level" } else { path }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn msg(role: Role, content: &str) -> ChatMessage {
        ChatMessage::Message {
            role,
            content: content.to_owned(),
        }
    }

    fn placeholder(variable: &str) -> ChatMessage {
        ChatMessage::Placeholder {
            variable: variable.to_owned(),
        }
    }

    fn detail(e: Error) -> String {
        match e {
            Error::Manifest { detail } => detail,
            other => panic!("expected Error::Manifest, got {other:?}"),
        }
    }

    fn template_node(ns: &str, template: &str, vars: &[&str], format: &str) -> Value {
        json!({"lc": 1, "type": "constructor", "id": [ns, "prompts", "prompt", "PromptTemplate"],
               "kwargs": {"input_variables": vars, "template": template, "template_format": format},
               "name": "PromptTemplate"})
    }

    fn message_node(ns: &str, class: &str, template: &str, vars: &[&str], format: &str) -> Value {
        json!({"lc": 1, "type": "constructor", "id": [ns, "prompts", "chat", class],
               "kwargs": {"prompt": template_node(ns, template, vars, format)}})
    }

    /// A Python-style chat prompt with metadata and an unknown kwarg, in a
    /// RunnableSequence with a model.
    fn wrapped_chat() -> Value {
        json!({
            "lc": 1, "type": "constructor", "id": ["langchain", "schema", "runnable", "RunnableSequence"],
            "kwargs": {
                "first": {
                    "lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
                    "kwargs": {
                        "input_variables": ["history", "name", "question"],
                        "metadata": {"lc_hub_owner": "-", "lc_hub_repo": "r"},
                        "messages": [
                            message_node("langchain", "SystemMessagePromptTemplate", "You are {name}.", &["name"], "f-string"),
                            {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "MessagesPlaceholder"],
                             "kwargs": {"variable_name": "history", "optional": true}},
                            message_node("langchain", "HumanMessagePromptTemplate", "{question}", &["question"], "f-string"),
                        ],
                        "something_new": {"x": [1, 2]},
                    },
                    "name": "ChatPromptTemplate",
                },
                "middle": [],
                "last": {"lc": 1, "type": "constructor", "id": ["langchain", "chat_models", "openai", "ChatOpenAI"],
                         "kwargs": {"model_name": "gpt-4o-mini",
                                    "openai_api_key": {"lc": 1, "type": "secret", "id": ["OPENAI_API_KEY"]}}},
            }
        })
    }

    #[test]
    fn reads_a_wrapped_chat_prompt() {
        let model = from_manifest(&wrapped_chat()).unwrap();
        assert_eq!(
            model,
            PromptModel {
                body: PromptBody::Chat(vec![
                    msg(Role::System, "You are {name}."),
                    placeholder("history"),
                    msg(Role::Human, "{question}"),
                ]),
                template_format: TemplateFormat::FString,
                input_variables: vec!["history".into(), "name".into(), "question".into()],
            }
        );
        assert_eq!(
            to_manifest(&model, Some(&wrapped_chat())).unwrap(),
            wrapped_chat()
        );
    }

    #[test]
    fn changing_a_template_changes_only_that_string() {
        let base = wrapped_chat();
        let mut model = from_manifest(&base).unwrap();
        let PromptBody::Chat(messages) = &mut model.body else {
            panic!("chat")
        };
        messages[2] = msg(Role::Human, "Question: {question}");
        let out = to_manifest(&model, Some(&base)).unwrap();
        let mut expected = base.clone();
        *expected
            .pointer_mut("/kwargs/first/kwargs/messages/2/kwargs/prompt/kwargs/template")
            .unwrap() = json!("Question: {question}");
        assert_eq!(out, expected);
        assert_eq!(from_manifest(&out).unwrap(), model);
    }

    #[test]
    fn a_new_variable_updates_the_inner_variables() {
        let base = wrapped_chat();
        let mut model = from_manifest(&base).unwrap();
        let PromptBody::Chat(messages) = &mut model.body else {
            panic!("chat")
        };
        messages[0] = msg(
            Role::System,
            "You are {name}, expert in {topic}. {{literal}}",
        );
        model.input_variables.push("topic".into());
        let out = to_manifest(&model, Some(&base)).unwrap();
        let inner = out
            .pointer("/kwargs/first/kwargs/messages/0/kwargs/prompt/kwargs")
            .unwrap();
        assert_eq!(inner["input_variables"], json!(["name", "topic"]));
        assert_eq!(
            out.pointer("/kwargs/first/kwargs/input_variables").unwrap(),
            &json!(["history", "name", "question", "topic"])
        );
        // Everything but the first message and the variables is as it was.
        let mut expected = base.clone();
        let first = expected.pointer_mut("/kwargs/first/kwargs").unwrap();
        first["messages"][0] = out["kwargs"]["first"]["kwargs"]["messages"][0].clone();
        first["input_variables"] = json!(["history", "name", "question", "topic"]);
        assert_eq!(out, expected);
    }

    #[test]
    fn adding_a_message_keeps_the_others() {
        let base = wrapped_chat();
        let mut model = from_manifest(&base).unwrap();
        let PromptBody::Chat(messages) = &mut model.body else {
            panic!("chat")
        };
        messages.push(msg(Role::Ai, "Sure, {name} here."));
        messages.push(msg(Role::Other("critic".into()), "Check it."));
        let out = to_manifest(&model, Some(&base)).unwrap();
        let out_messages = out
            .pointer("/kwargs/first/kwargs/messages")
            .and_then(Value::as_array)
            .unwrap();
        let base_messages = base
            .pointer("/kwargs/first/kwargs/messages")
            .and_then(Value::as_array)
            .unwrap();
        assert_eq!(out_messages.len(), 5);
        assert_eq!(out_messages[..3], base_messages[..]);
        assert_eq!(
            out_messages[3],
            message_node(
                "langchain",
                "AIMessagePromptTemplate",
                "Sure, {name} here.",
                &["name"],
                "f-string"
            )
        );
        assert_eq!(
            out_messages[4]["id"],
            json!(["langchain", "prompts", "chat", "ChatMessagePromptTemplate"])
        );
        assert_eq!(out_messages[4]["kwargs"]["role"], "critic");
        assert_eq!(from_manifest(&out).unwrap(), model);
        // The wrapper and the rest of the prompt are untouched.
        assert_eq!(out["kwargs"]["last"], base["kwargs"]["last"]);
        assert_eq!(
            out["kwargs"]["first"]["kwargs"]["something_new"],
            base["kwargs"]["first"]["kwargs"]["something_new"]
        );
    }

    #[test]
    fn changed_roles_and_removed_messages_rebuild_by_index() {
        let base = wrapped_chat();
        let model = PromptModel {
            body: PromptBody::Chat(vec![
                msg(Role::Human, "You are {name}."),
                placeholder("chat_history"),
            ]),
            template_format: TemplateFormat::FString,
            input_variables: vec!["chat_history".into(), "name".into()],
        };
        let out = to_manifest(&model, Some(&base)).unwrap();
        let messages = out["kwargs"]["first"]["kwargs"]["messages"]
            .as_array()
            .unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(
            messages[0],
            message_node(
                "langchain",
                "HumanMessagePromptTemplate",
                "You are {name}.",
                &["name"],
                "f-string"
            )
        );
        // Same class: reused, so `optional` survives.
        assert_eq!(
            messages[1]["kwargs"],
            json!({"variable_name": "chat_history", "optional": true})
        );
        assert_eq!(from_manifest(&out).unwrap(), model);
    }

    #[test]
    fn new_messages_follow_the_js_namespace_and_style() {
        let base = json!({"lc": 1, "type": "constructor", "id": ["langchain_core", "prompts", "chat", "ChatPromptTemplate"],
            "kwargs": {"input_variables": [], "messages": [
                {"lc": 1, "type": "constructor", "id": ["langchain_core", "prompts", "chat", "SystemMessagePromptTemplate"],
                 "kwargs": {"prompt": {"lc": 1, "type": "constructor", "id": ["langchain_core", "prompts", "prompt", "PromptTemplate"],
                   "kwargs": {"input_variables": [], "template_format": "f-string", "template": "terse"}}}}]}});
        let mut model = from_manifest(&base).unwrap();
        let PromptBody::Chat(messages) = &mut model.body else {
            panic!("chat")
        };
        messages.push(msg(Role::Human, "{q}"));
        model.input_variables = vec!["q".into()];
        let out = to_manifest(&model, Some(&base)).unwrap();
        assert_eq!(
            out["kwargs"]["messages"][1],
            json!({"lc": 1, "type": "constructor", "id": ["langchain_core", "prompts", "chat", "HumanMessagePromptTemplate"],
                "kwargs": {"prompt": {"lc": 1, "type": "constructor", "id": ["langchain_core", "prompts", "prompt", "PromptTemplate"],
                  "kwargs": {"input_variables": ["q"], "template_format": "f-string", "template": "{q}"}}}})
        );
    }

    #[test]
    fn text_prompt_edits_and_defaults() {
        let base = json!({"lc": 1, "type": "constructor", "id": ["langchain_core", "prompts", "prompt", "PromptTemplate"],
            "kwargs": {"template": "Hi {x}", "partial_variables": {"y": "1"}}});
        let model = from_manifest(&base).unwrap();
        assert_eq!(model.body, PromptBody::Text("Hi {x}".into()));
        assert_eq!(model.template_format, TemplateFormat::FString);
        assert!(model.input_variables.is_empty());
        // Absent defaults stay absent.
        assert_eq!(to_manifest(&model, Some(&base)).unwrap(), base);
        let edited = PromptModel {
            body: PromptBody::Text("Hi {{x}}".into()),
            template_format: TemplateFormat::Mustache,
            input_variables: vec!["x".into()],
        };
        let out = to_manifest(&edited, Some(&base)).unwrap();
        assert_eq!(
            out["kwargs"],
            json!({"template": "Hi {{x}}", "partial_variables": {"y": "1"},
                   "template_format": "mustache", "input_variables": ["x"]})
        );
        assert_eq!(from_manifest(&out).unwrap(), edited);
    }

    #[test]
    fn changing_the_format_rewrites_every_template() {
        let base = json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
            "kwargs": {"input_variables": ["a"], "messages": [
                message_node("langchain", "SystemMessagePromptTemplate", "{a}", &["a"], "f-string"),
                {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "HumanMessagePromptTemplate"],
                 "kwargs": {"prompt": {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
                   "kwargs": {"template": "fixed"}}}}]}});
        let mut model = from_manifest(&base).unwrap();
        model.body = PromptBody::Chat(vec![msg(Role::System, "{{a}}"), msg(Role::Human, "fixed")]);
        model.template_format = TemplateFormat::Mustache;
        let out = to_manifest(&model, Some(&base)).unwrap();
        assert_eq!(from_manifest(&out).unwrap(), model);
        assert_eq!(
            out["kwargs"]["messages"][1]["kwargs"]["prompt"]["kwargs"],
            json!({"template": "fixed", "template_format": "mustache"})
        );
    }

    fn playground_with_literals() -> Value {
        json!({"lc": 1, "type": "constructor", "id": ["langsmith", "playground", "PromptPlayground"],
            "kwargs": {
                "first": {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
                    "kwargs": {"messages": [
                        {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "SystemMessage"],
                         "kwargs": {"content": "Answer in {lang}, literally.", "additional_kwargs": {}}},
                        {"lc": 1, "type": "constructor", "id": ["langchain_core", "messages", "ChatMessage"],
                         "kwargs": {"content": "be brief", "role": "critic"}},
                        message_node("langchain", "ChatMessagePromptTemplate", "{q}", &["q"], "f-string"),
                    ], "input_variables": ["q"]}},
                "last": {"lc": 1, "type": "constructor", "id": ["langchain", "chat_models", "openai", "ChatOpenAI"], "kwargs": {}}}})
    }

    #[test]
    fn literal_messages_and_generic_roles() {
        let mut base = playground_with_literals();
        base["kwargs"]["first"]["kwargs"]["messages"][2]["kwargs"]["role"] = json!("system");
        let model = from_manifest(&base).unwrap();
        assert_eq!(
            model.body,
            PromptBody::Chat(vec![
                msg(Role::System, "Answer in {lang}, literally."),
                msg(Role::Other("critic".into()), "be brief"),
                msg(Role::Other("system".into()), "{q}"),
            ])
        );
        assert_eq!(to_manifest(&model, Some(&base)).unwrap(), base);

        // An edited literal stays a literal.
        let mut edited = model.clone();
        edited.body = PromptBody::Chat(vec![
            msg(Role::System, "Answer in French."),
            msg(Role::Other("judge".into()), "be brief"),
            msg(Role::Other("system".into()), "{q}"),
        ]);
        let out = to_manifest(&edited, Some(&base)).unwrap();
        let mut expected = base.clone();
        expected["kwargs"]["first"]["kwargs"]["messages"][0]["kwargs"]["content"] =
            json!("Answer in French.");
        expected["kwargs"]["first"]["kwargs"]["messages"][1]["kwargs"]["role"] = json!("judge");
        assert_eq!(out, expected);

        // Without a base, literals come back as templates.
        let fresh = to_manifest(&model, None).unwrap();
        assert_eq!(
            fresh["kwargs"]["messages"][0]["id"],
            json!([
                "langchain",
                "prompts",
                "chat",
                "SystemMessagePromptTemplate"
            ])
        );
        assert_eq!(
            fresh["kwargs"]["messages"][0]["kwargs"]["prompt"]["kwargs"]["input_variables"],
            json!(["lang"])
        );
        assert_eq!(from_manifest(&fresh).unwrap(), model);
    }

    #[test]
    fn errors_name_what_and_where() {
        let list_prompt = json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
            "kwargs": {"messages": [
                message_node("langchain", "SystemMessagePromptTemplate", "x", &[], "f-string"),
                message_node("langchain", "SystemMessagePromptTemplate", "y", &[], "f-string"),
                {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "HumanMessagePromptTemplate"],
                 "kwargs": {"prompt": [template_node("langchain", "{q}", &["q"], "f-string"),
                                       {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "image", "ImagePromptTemplate"], "kwargs": {}}]}}]}});
        assert_eq!(
            detail(from_manifest(&list_prompt).unwrap_err()),
            "messages[2]: list content (multimodal) is not supported"
        );

        let list_content = json!({"lc": 1, "type": "constructor", "id": ["langsmith", "playground", "PromptPlayground"],
            "kwargs": {"first": {"lc": 1, "type": "constructor", "id": ["langchain_core", "prompts", "chat", "ChatPromptTemplate"],
              "kwargs": {"messages": [{"lc": 1, "type": "constructor", "id": ["langchain_core", "messages", "HumanMessage"],
                "kwargs": {"content": [{"type": "text", "text": "hi"}]}}]}}}});
        assert_eq!(
            detail(from_manifest(&list_content).unwrap_err()),
            "first.messages[0]: list content (multimodal) is not supported"
        );

        let unknown_message = json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
            "kwargs": {"messages": [{"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "ToolMessage"], "kwargs": {"content": "x"}}]}});
        let d = detail(from_manifest(&unknown_message).unwrap_err());
        assert!(
            d.starts_with("messages[0]: message class `ToolMessage`"),
            "{d}"
        );

        let unknown_prompt = json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "few_shot", "FewShotPromptTemplate"], "kwargs": {}});
        let d = detail(from_manifest(&unknown_prompt).unwrap_err());
        assert!(
            d.starts_with("top level: manifest type `FewShotPromptTemplate`"),
            "{d}"
        );

        let other_namespace = json!({"lc": 1, "type": "constructor", "id": ["mylib", "PromptTemplate"], "kwargs": {"template": "x"}});
        let d = detail(from_manifest(&other_namespace).unwrap_err());
        assert!(d.contains("[\"mylib\",\"PromptTemplate\"]"), "{d}");

        let mixed = json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
            "kwargs": {"messages": [
                message_node("langchain", "SystemMessagePromptTemplate", "{a}", &["a"], "f-string"),
                message_node("langchain", "HumanMessagePromptTemplate", "{{b}}", &["b"], "mustache")]}});
        assert_eq!(
            detail(from_manifest(&mixed).unwrap_err()),
            "messages[1] uses template_format `mustache` but messages[0] uses `f-string`; prompt-sync needs one template format for the whole prompt"
        );

        let bad_format = template_node("langchain", "x", &[], "t-string");
        let d = detail(from_manifest(&bad_format).unwrap_err());
        assert!(d.contains("unknown template_format `t-string`"), "{d}");

        for not_object in [json!([1, 2]), json!("manifest"), json!(null), json!(3)] {
            let d = detail(from_manifest(&not_object).unwrap_err());
            assert!(
                d.starts_with("top level: expected a LangChain object"),
                "{d}"
            );
        }

        let d = detail(from_manifest(&json!({"hi": "hello"})).unwrap_err());
        assert_eq!(d, "top level: missing `id` (the LangChain class path)");
        let d = detail(from_manifest(&json!({"id": []})).unwrap_err());
        assert!(d.contains("non-empty list of strings"), "{d}");

        let no_template = json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
            "kwargs": {"messages": [{"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "HumanMessagePromptTemplate"],
              "kwargs": {"prompt": {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "prompt", "PromptTemplate"], "kwargs": {"input_variables": []}}}}]}});
        assert_eq!(
            detail(from_manifest(&no_template).unwrap_err()),
            "messages[0].prompt: PromptTemplate has no `template`"
        );

        let secret = json!({"lc": 1, "type": "secret", "id": ["OPENAI_API_KEY"]});
        assert!(detail(from_manifest(&secret).unwrap_err()).contains("\"secret\""));

        let no_first = json!({"lc": 1, "type": "constructor", "id": ["langchain", "schema", "runnable", "RunnableSequence"], "kwargs": {"last": {}}});
        assert!(detail(from_manifest(&no_first).unwrap_err()).contains("kwargs.first"));
    }

    #[test]
    fn to_manifest_refuses_an_unsupported_base() {
        let model = PromptModel {
            body: PromptBody::Text("x".into()),
            template_format: TemplateFormat::FString,
            input_variables: vec![],
        };
        let d = detail(
            to_manifest(&model, Some(&json!({"hi": "hello", "lc": 1, "id": null}))).unwrap_err(),
        );
        assert!(
            d.starts_with("base manifest: top level: missing `id`"),
            "{d}"
        );
    }

    #[test]
    fn prompt_input_variables_follow_langchain() {
        let model = PromptModel {
            body: PromptBody::Chat(vec![
                msg(Role::System, "You are {name}. {{literal}}"),
                placeholder("history"),
                msg(Role::Human, "{question} {name}"),
            ]),
            template_format: TemplateFormat::FString,
            input_variables: vec![],
        };
        assert_eq!(
            prompt_input_variables(&model, &[]),
            ["history", "name", "question"]
        );
        // Same set: the manifest's own order is kept.
        let js_order: Vec<String> = ["name", "history", "question"].map(String::from).to_vec();
        assert_eq!(prompt_input_variables(&model, &js_order), js_order);
        let mustache = PromptModel {
            body: PromptBody::Text("Hi {{user.name}} {{#items}}{{.}}{{/items}}".into()),
            template_format: TemplateFormat::Mustache,
            input_variables: vec![],
        };
        assert_eq!(prompt_input_variables(&mustache, &[]), ["items", "user"]);
    }

    #[test]
    fn kind_change_keeps_the_wrapper() {
        let base = wrapped_chat();
        let model = PromptModel {
            body: PromptBody::Text("Summarize {text}".into()),
            template_format: TemplateFormat::FString,
            input_variables: vec!["text".into()],
        };
        let out = to_manifest(&model, Some(&base)).unwrap();
        assert_eq!(out["kwargs"]["last"], base["kwargs"]["last"]);
        assert_eq!(
            out["kwargs"]["first"],
            to_manifest(&model, None).unwrap(),
            "fresh, in the base's (Python) style"
        );
        assert_eq!(from_manifest(&out).unwrap(), model);
    }

    #[test]
    fn fresh_manifests_read_back_the_same() {
        let models = [
            PromptModel {
                body: PromptBody::Text("Summarize the following text: {text}".into()),
                template_format: TemplateFormat::FString,
                input_variables: vec!["text".into()],
            },
            PromptModel {
                body: PromptBody::Chat(vec![
                    msg(Role::System, "You are {name}."),
                    placeholder("history"),
                    msg(Role::Human, "{question}"),
                    msg(Role::Ai, ""),
                    msg(Role::Other("critic".into()), "{{not a var}}"),
                    msg(Role::Other("human".into()), "x"),
                ]),
                template_format: TemplateFormat::FString,
                input_variables: vec!["history".into(), "name".into(), "question".into()],
            },
            PromptModel {
                body: PromptBody::Chat(vec![msg(Role::System, "Hi {{name}}")]),
                template_format: TemplateFormat::Mustache,
                input_variables: vec!["name".into()],
            },
            PromptModel {
                body: PromptBody::Chat(vec![placeholder("history")]),
                template_format: TemplateFormat::Mustache,
                input_variables: vec!["history".into()],
            },
            PromptModel {
                body: PromptBody::Chat(vec![]),
                template_format: TemplateFormat::FString,
                input_variables: vec![],
            },
            PromptModel {
                body: PromptBody::Text("{% for x in items %}{{ x }}{% endfor %}".into()),
                template_format: TemplateFormat::Jinja2,
                input_variables: vec!["items".into()],
            },
        ];
        for model in models {
            let fresh = to_manifest(&model, None).unwrap();
            assert_eq!(from_manifest(&fresh).unwrap(), model, "{fresh}");
            assert_eq!(to_manifest(&model, Some(&fresh)).unwrap(), fresh);
        }
    }

    #[test]
    fn fresh_manifest_matches_python_dumpd() {
        let model = PromptModel {
            body: PromptBody::Chat(vec![
                msg(Role::System, "You are a helpful assistant named {name}."),
                placeholder("history"),
                msg(Role::Human, "{question}"),
            ]),
            template_format: TemplateFormat::FString,
            input_variables: vec!["history".into(), "name".into(), "question".into()],
        };
        let expected = json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
            "kwargs": {"input_variables": ["history", "name", "question"], "messages": [
                message_node("langchain", "SystemMessagePromptTemplate", "You are a helpful assistant named {name}.", &["name"], "f-string"),
                {"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "MessagesPlaceholder"], "kwargs": {"variable_name": "history"}},
                message_node("langchain", "HumanMessagePromptTemplate", "{question}", &["question"], "f-string")]},
            "name": "ChatPromptTemplate"});
        let out = to_manifest(&model, None).unwrap();
        assert_eq!(out, expected);
        // Same bytes, key order included.
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    #[test]
    fn template_variables() {
        let f = |t: &str| template_vars(t, TemplateFormat::FString, &[]);
        assert_eq!(f("{b} {a} {b}"), ["a", "b"]);
        assert_eq!(f("{{x}} {y!r} {z:>{w}} }} {"), ["y", "z"]);
        assert!(f("no vars {{}}").is_empty());
        let m = |t: &str| template_vars(t, TemplateFormat::Mustache, &[]);
        assert_eq!(
            m(
                "{{a}} {{{b}}} {{& c}} {{#d}}{{e}}{{/d}} {{^f}}x{{/f}} {{! g}} {{> h}} {{i.j}} {{.}}"
            ),
            ["a", "b", "c", "d", "f", "i"]
        );
        assert_eq!(m("{{a}} {{=<% %>=}} <% b %>"), ["a", "b"]);
        let known = ["items".to_owned(), "title".to_owned(), "unused".to_owned()];
        assert_eq!(
            template_vars(
                "{{ title }} {% for x in items %}{{ x }}{% endfor %} title",
                TemplateFormat::Jinja2,
                &known
            ),
            ["items", "title"]
        );
    }
}
