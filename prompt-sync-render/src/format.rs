//! The template formats LangChain knows.

use std::fmt;

/// How a template marks its variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TemplateFormat {
    /// Python `str.format` style: `{name}`, `{{` escapes (LangChain's default).
    #[default]
    FString,
    /// Mustache: `{{name}}`, sections, partials.
    Mustache,
    /// Jinja2: stored and synced, but not rendered by prompt-sync.
    Jinja2,
}

impl TemplateFormat {
    /// The name LangChain uses in `template_format`.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateFormat::FString => "f-string",
            TemplateFormat::Mustache => "mustache",
            TemplateFormat::Jinja2 => "jinja2",
        }
    }

    /// Parses LangChain's `template_format` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "f-string" => Some(TemplateFormat::FString),
            "mustache" => Some(TemplateFormat::Mustache),
            "jinja2" => Some(TemplateFormat::Jinja2),
            _ => None,
        }
    }
}

impl fmt::Display for TemplateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
