//! What can go wrong parsing or rendering a template.

use std::fmt;

use crate::TemplateFormat;

/// A template prompt-sync cannot render: LangChain would refuse it too, or it uses a
/// feature prompt-sync does not render (jinja2, mustache partials).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// The template's format.
    pub format: TemplateFormat,
    /// What is wrong, e.g. `Single '}' encountered in format string`.
    pub message: String,
}

impl TemplateError {
    pub(crate) fn new(format: TemplateFormat, message: impl Into<String>) -> Self {
        TemplateError {
            format,
            message: message.into(),
        }
    }

    /// The error for a format prompt-sync does not render (jinja2).
    pub fn unsupported(format: TemplateFormat) -> Self {
        TemplateError::new(
            format,
            format!(
                "{format} templates are not rendered by prompt-sync (it renders f-string and mustache \
                 exactly as LangChain does); render this prompt with LangChain, or convert it to \
                 f-string or mustache on the hub"
            ),
        )
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.format {
            TemplateFormat::Jinja2 => f.write_str(&self.message),
            format => write!(f, "invalid {format} template: {}", self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

/// A render that failed because of the values given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenderError {
    /// An f-string field has no value (Python's `KeyError`).
    Missing {
        /// The variable.
        name: String,
    },
    /// An f-string field's value cannot be formatted the way LangChain would.
    BadValue {
        /// The variable.
        name: String,
        /// Why, e.g. "is a list; f-string values must be strings".
        detail: String,
    },
    /// LangChain's own renderer fails on this template with these values (a quirk of
    /// its mustache implementation); prompt-sync reports it rather than guessing.
    LangChainFails {
        /// What LangChain does.
        detail: String,
    },
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Missing { name } => write!(f, "no value for variable `{name}`"),
            RenderError::BadValue { name, detail } => write!(f, "variable `{name}` {detail}"),
            RenderError::LangChainFails { detail } => {
                write!(f, "LangChain fails to render this template: {detail}")
            }
        }
    }
}

impl std::error::Error for RenderError {}
