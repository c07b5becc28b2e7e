//! Rendering at run time: [`Prompt::format`], [`Prompt::format_messages`] and the
//! [`FormatMessages`] builder that fills placeholders.

use std::borrow::Cow;

use prompt_sync_render::{Part, Value};

use crate::embedded::Compiled;
use crate::error::{RenderError, RenderErrorKind};
use crate::message::{Message, MessageTemplate, Role};
use crate::{Prompt, PromptKind};

/// The messages given for a placeholder.
pub(crate) type Given<'v> = (&'v str, Cow<'v, [Message]>);

/// How the names of the values given are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Names {
    /// Values given one by one (`format(&[…])`, `messages_with`): each must be a name
    /// the prompt uses, given once (a misspelt name is a bug).
    Exact,
    /// A context (a JSON object), as LangChain's `invoke` takes it: keys the prompt
    /// does not use are ignored.
    Context,
}

impl Prompt {
    /// Renders a text prompt with string values, exactly as LangChain's
    /// `PromptTemplate.format` would.
    ///
    /// Every variable of the prompt must be given, once, and nothing else (partial
    /// variables from the hub may be overridden): a name the prompt does not use is
    /// a typo here (`format_json` takes a whole context instead, and ignores its other
    /// keys). Values are inserted as they are: f-string format specs apply to them,
    /// mustache escapes `&`, `<`, `>` and `"`.
    ///
    /// ```
    /// const SUMMARIZER: prompt_sync::Prompt = prompt_sync::prompt!("doc-summarizer");
    /// let text = SUMMARIZER.format(&[("style", "terse"), ("text", "Rust is fast.")]).unwrap();
    /// assert!(text.ends_with("terse style:\n\nRust is fast.\n"));
    ///
    /// let e = SUMMARIZER.format(&[("style", "terse"), ("txet", "Rust is fast.")]).unwrap_err();
    /// assert_eq!(e.to_string(), "prompt \"doc-summarizer\" takes {style, text}; unknown variable: txet");
    /// ```
    ///
    /// A chat prompt is an error here: use [`format_messages`](Self::format_messages).
    pub fn format(&self, vars: &[(&str, &str)]) -> Result<String, RenderError> {
        self.format_values(string_values(vars), Names::Exact)
    }

    /// Renders a chat prompt with string values, as LangChain's
    /// `ChatPromptTemplate.format_messages` would: one [`Message`] per message
    /// template, literal messages as they are. A text prompt renders as one human
    /// message.
    ///
    /// Placeholders need messages: give them with [`messages_with`](Self::messages_with)
    /// (`prompt.messages_with(&vars).placeholder("history", &history).format()`). Here,
    /// an optional placeholder adds no messages and a required one is reported missing.
    pub fn format_messages(&self, vars: &[(&str, &str)]) -> Result<Vec<Message>, RenderError> {
        self.render_messages(string_values(vars), Vec::new(), Names::Exact)
    }

    /// Starts a chat render with string values; add placeholder messages with
    /// [`FormatMessages::placeholder`], then call [`FormatMessages::format`].
    pub fn messages_with<'p, 'v>(
        &'p self,
        vars: &'v [(&'v str, &'v str)],
    ) -> FormatMessages<'p, 'v> {
        FormatMessages {
            prompt: self,
            vars,
            placeholders: Vec::new(),
        }
    }

    /// A text prompt rendered with values of any kind.
    pub(crate) fn format_values<'v>(
        &self,
        vars: Vec<(&'v str, Value<'v>)>,
        names: Names,
    ) -> Result<String, RenderError> {
        if self.kind() == PromptKind::Chat {
            return Err(self.error(RenderErrorKind::ChatPrompt));
        }
        let mut messages = self.render_messages(vars, Vec::new(), names)?;
        Ok(messages.pop().map(|m| m.content).unwrap_or_default())
    }

    /// Renders every message: the shared core of every runtime form.
    pub(crate) fn render_messages<'v>(
        &self,
        vars: Vec<(&'v str, Value<'v>)>,
        mut given: Vec<Given<'v>>,
        names: Names,
    ) -> Result<Vec<Message>, RenderError> {
        let compiled = self.compiled();
        let plan = &compiled.plan;
        if let Some(problem) = &plan.problem {
            return Err(self.error(RenderErrorKind::Unrenderable(problem.to_string())));
        }
        let given_names = vars
            .iter()
            .map(|(k, _)| *k)
            .chain(given.iter().map(|(k, _)| *k));
        match names {
            Names::Exact => plan.check_vars(given_names),
            Names::Context => plan.check_context(given_names),
        }
        .map_err(|p| RenderError::from_vars(self.name(), self.variables(), p))?;
        for (name, _) in &given {
            if placeholder(compiled, name).is_none() {
                return Err(self.wrong_value(name, "is not a placeholder: give it text"));
            }
            // LangChain also formats the templates with the value given for the
            // placeholder, as Python prints it; messages have no such text here.
            if used_in_a_template(compiled, name) {
                return Err(self.wrong_value(
                    name,
                    "is a placeholder that a template also prints; give its messages as \
                     JSON with `format_messages_json` so they print as LangChain prints them",
                ));
            }
        }
        let mut text_vars = Vec::with_capacity(vars.len());
        for (name, value) in vars {
            if placeholder(compiled, name).is_some() {
                let messages = messages_from_value(&value).map_err(|detail| {
                    self.wrong_value(name, &format!("is a placeholder: {detail}"))
                })?;
                given.push((name, Cow::Owned(messages)));
                if used_in_a_template(compiled, name) {
                    // As LangChain: the templates print the value as given.
                    text_vars.push((name, value));
                }
            } else {
                text_vars.push((name, value));
            }
        }
        let ctx = plan.context(text_vars);
        let mut out = Vec::with_capacity(compiled.messages.len());
        for (part, template) in plan.parts.iter().zip(compiled.messages) {
            match (part, template) {
                (Part::Template(t), MessageTemplate::Message { role, .. }) => {
                    let content = t
                        .render(&ctx)
                        .map_err(|e| self.error(RenderErrorKind::Render(e)))?;
                    out.push(Message::new(*role, content));
                }
                (Part::Literal, MessageTemplate::Message { role, template }) => {
                    out.push(Message::new(*role, *template));
                }
                (
                    Part::Placeholder { n_messages, .. },
                    MessageTemplate::Placeholder { variable },
                ) => {
                    let messages = self.placeholder_messages(compiled, variable, &given)?;
                    let skip = match *n_messages {
                        0 => 0,
                        n => messages.len().saturating_sub(n),
                    };
                    out.extend(messages.into_iter().skip(skip));
                }
                _ => {
                    return Err(self.error(RenderErrorKind::Unrenderable(
                        "internal error: the render plan does not match the messages".to_owned(),
                    )));
                }
            }
        }
        Ok(out)
    }

    /// The messages of a placeholder: given, else the hub's partial variable, else none
    /// (an optional placeholder; `check_vars` has reported a required one).
    fn placeholder_messages(
        &self,
        compiled: &Compiled,
        variable: &str,
        given: &[Given<'_>],
    ) -> Result<Vec<Message>, RenderError> {
        if let Some((_, messages)) = given.iter().find(|(k, _)| *k == variable) {
            return Ok(messages.to_vec());
        }
        match compiled.plan.partial(variable) {
            Some(value) => messages_from_value(value).map_err(|detail| {
                self.wrong_value(
                    variable,
                    &format!("has a partial value that is not messages: {detail}"),
                )
            }),
            None => Ok(Vec::new()),
        }
    }

    pub(crate) fn error(&self, kind: RenderErrorKind) -> RenderError {
        RenderError::new(self.name(), self.variables(), kind)
    }

    fn wrong_value(&self, name: &str, detail: &str) -> RenderError {
        self.error(RenderErrorKind::WrongValue {
            name: name.to_owned(),
            detail: detail.to_owned(),
        })
    }
}

/// True when a template of the prompt reads `name`.
fn used_in_a_template(compiled: &Compiled, name: &str) -> bool {
    compiled
        .plan
        .parts
        .iter()
        .any(|p| matches!(p, Part::Template(t) if t.names().contains(&name)))
}

/// `(optional, n_messages)` when `name` is one of the prompt's placeholders.
fn placeholder(compiled: &Compiled, name: &str) -> Option<(bool, usize)> {
    compiled
        .plan
        .parts
        .iter()
        .zip(compiled.messages)
        .find_map(|(part, m)| match (part, m) {
            (
                Part::Placeholder {
                    optional,
                    n_messages,
                },
                MessageTemplate::Placeholder { variable },
            ) if *variable == name => Some((*optional, *n_messages)),
            _ => None,
        })
}

/// A chat render in progress: string values, plus messages for placeholders.
///
/// ```
/// use prompt_sync::{Message, Prompt, Role};
///
/// const SUPPORT: Prompt = prompt_sync::prompt!("doc-support");
/// let history = [Message::human("Hi"), Message::ai("Hello!")];
/// let messages = SUPPORT
///     .messages_with(&[("name", "Ada"), ("question", "Where is my order?")])
///     .placeholder("history", &history)
///     .format()
///     .unwrap();
/// assert_eq!(messages[3], Message::new(Role::Human, "Where is my order?"));
/// ```
#[derive(Clone, Debug)]
#[must_use = "call `.format()` to render"]
pub struct FormatMessages<'p, 'v> {
    prompt: &'p Prompt,
    vars: &'v [(&'v str, &'v str)],
    placeholders: Vec<Given<'v>>,
}

impl<'v> FormatMessages<'_, 'v> {
    /// Fills the placeholder `name` with `messages` (LangChain's `MessagesPlaceholder`;
    /// the prompt's `n_messages` limit applies).
    pub fn placeholder(mut self, name: &'v str, messages: &'v [Message]) -> Self {
        self.placeholders.push((name, Cow::Borrowed(messages)));
        self
    }

    /// Renders the messages.
    pub fn format(self) -> Result<Vec<Message>, RenderError> {
        self.prompt
            .render_messages(string_values(self.vars), self.placeholders, Names::Exact)
    }
}

fn string_values<'v>(vars: &[(&'v str, &'v str)]) -> Vec<(&'v str, Value<'v>)> {
    vars.iter().map(|&(k, v)| (k, Value::str(v))).collect()
}

/// LangChain's `convert_to_messages` for plain text messages: a string is a human
/// message, `[type, content]` and `{"role" or "type": …, "content": …}` name their role.
pub(crate) fn messages_from_value(value: &Value<'_>) -> Result<Vec<Message>, String> {
    let Value::List(items) = value else {
        return Err(format!("needs a list of messages, got {}", value.kind()));
    };
    items.iter().map(message_from_value).collect()
}

fn message_from_value(item: &Value<'_>) -> Result<Message, String> {
    let (kind, content) = match item {
        Value::Str(s) => return Ok(Message::human(s.as_ref())),
        Value::List(pair) if pair.len() == 2 => (pair[0].as_str(), pair[1].as_str()),
        Value::Map(_) => (
            item.get("role")
                .or_else(|| item.get("type"))
                .and_then(Value::as_str),
            // `content or ""` in LangChain's `_convert_to_message`.
            match item.get("content") {
                Some(Value::Null) => Some(""),
                content => content.and_then(Value::as_str),
            },
        ),
        other => {
            return Err(format!(
                "a message must be a string, a [type, content] pair or a {{\"role\", \"content\"}} map, got {}",
                other.kind()
            ));
        }
    };
    let (Some(kind), Some(content)) = (kind, content) else {
        return Err("a message needs a string type (or role) and a string content".to_owned());
    };
    let role = Role::from_message_type(kind).ok_or_else(|| {
        format!("unknown message type `{kind}` (prompt-sync takes human/user, ai/assistant, system/developer)")
    })?;
    Ok(Message::new(role, content))
}
