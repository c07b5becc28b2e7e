//! [`RenderError`]: why a render failed, naming the prompt and its variables.

use std::fmt;

use prompt_sync_render::{self as core_render, VarsProblem};

/// A render that failed. Its message names the prompt, what is wrong and the variables
/// the prompt takes, e.g. `prompt "router" takes {history, question}; missing: question`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderError {
    prompt: &'static str,
    variables: &'static [&'static str],
    kind: RenderErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenderErrorKind {
    /// Variables the prompt needs were not given.
    Missing(Vec<String>),
    /// A variable the prompt does not use was given (often a typo); only where values
    /// are given one by one (`format`, `messages_with`), not by the JSON forms.
    Unknown(String),
    /// A variable was given twice.
    Duplicate(String),
    /// A placeholder was given text, or a template variable was given messages.
    WrongValue {
        /// The variable.
        name: String,
        /// What it needs.
        detail: String,
    },
    /// `format` on a chat prompt (use `format_messages`).
    ChatPrompt,
    /// The prompt cannot be rendered by prompt-sync (jinja2, or a template LangChain
    /// refuses).
    Unrenderable(String),
    /// The renderer refused a value.
    Render(core_render::RenderError),
}

impl RenderError {
    pub(crate) fn new(
        prompt: &'static str,
        variables: &'static [&'static str],
        kind: RenderErrorKind,
    ) -> Self {
        RenderError {
            prompt,
            variables,
            kind,
        }
    }

    pub(crate) fn from_vars(
        prompt: &'static str,
        variables: &'static [&'static str],
        problem: VarsProblem,
    ) -> Self {
        let kind = match problem {
            VarsProblem::Missing(m) => RenderErrorKind::Missing(m),
            VarsProblem::Unknown(u) => RenderErrorKind::Unknown(u),
            VarsProblem::Duplicate(d) => RenderErrorKind::Duplicate(d),
        };
        RenderError::new(prompt, variables, kind)
    }

    /// The prompt's name.
    pub fn prompt(&self) -> &'static str {
        self.prompt
    }

    /// The variables the prompt takes.
    pub fn variables(&self) -> &'static [&'static str] {
        self.variables
    }

    /// What went wrong.
    pub fn kind(&self) -> &RenderErrorKind {
        &self.kind
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "prompt \"{}\" takes {{{}}}; ",
            self.prompt,
            self.variables.join(", ")
        )?;
        match &self.kind {
            RenderErrorKind::Missing(m) => write!(f, "missing: {}", m.join(", ")),
            RenderErrorKind::Unknown(u) => write!(f, "unknown variable: {u}"),
            RenderErrorKind::Duplicate(d) => write!(f, "variable given twice: {d}"),
            RenderErrorKind::WrongValue { name, detail } => write!(f, "`{name}` {detail}"),
            RenderErrorKind::ChatPrompt => f.write_str(
                "it is a chat prompt: render it with `format_messages` (or `messages_with`)",
            ),
            RenderErrorKind::Unrenderable(why) => write!(f, "it cannot be rendered: {why}"),
            RenderErrorKind::Render(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RenderError {}
