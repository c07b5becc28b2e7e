//! A whole prompt, ready to render: one [`Part`] per message, the partial variables
//! and the input variables, worked out once from a [`PlanInput`] (by the `prompt!`
//! macro at compile time, or by `prompt_sync::Prompt` at its first render).

use std::borrow::Cow;

use super::{Seq, Template, TemplateError, TemplateFormat, Value};

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
    pub partials: Seq<'a, (&'a str, Value<'a>)>,
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

/// One entry of a prompt's message list, as a plan needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartSpec<'a> {
    /// A template: a text prompt's text (`role: None`), or a chat message's content
    /// (`role`: its role, for error messages).
    Template {
        /// The template's text.
        text: &'a str,
        /// The message's role (`system`, `human`, …); `None` for a text prompt.
        role: Option<&'a str>,
    },
    /// A literal message (sent as is, never formatted).
    Literal,
    /// A `MessagesPlaceholder`.
    Placeholder {
        /// The variable that takes the messages.
        variable: &'a str,
        /// It may be left out.
        optional: bool,
        /// Only the last n messages are kept (0: all).
        n_messages: usize,
    },
    /// A message prompt-sync does not render, and why (the whole prompt then cannot
    /// be rendered).
    Refused(Cow<'a, str>),
}

/// What a [`PromptPlan`] is built from: the templates and the manifest's options.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanInput<'a> {
    /// The prompt's template format.
    pub format: TemplateFormat,
    /// One entry per message (one template for a text prompt).
    pub parts: Vec<PartSpec<'a>>,
    /// The manifest's `partial_variables`, in order.
    pub partials: Seq<'a, (&'a str, Value<'a>)>,
    /// Why the prompt cannot be rendered, when that is known before any template is
    /// parsed (a manifest prompt-sync does not understand), else `None`.
    pub problem: Option<Cow<'a, str>>,
    /// The input variables the manifest lists: the plan's variables when the prompt
    /// cannot be rendered.
    pub input_variables: Seq<'a, &'a str>,
}

impl<'a> PromptPlan<'a> {
    /// Plans the rendering of a prompt: parses every template and works out the
    /// variables as LangChain does. Never fails: what cannot be rendered (jinja2, a
    /// template LangChain refuses, a refused part) is recorded in
    /// [`problem`](Self::problem), and the variables are then the manifest's.
    pub fn build(mut input: PlanInput<'a>) -> PromptPlan<'a> {
        add_optional_placeholder_partials(&mut input);
        match build(&input) {
            Ok((parts, variables, accepted)) => PromptPlan {
                parts: Seq::Owned(parts),
                partials: input.partials,
                variables: Seq::Owned(variables),
                accepted: Seq::Owned(accepted),
                problem: None,
            },
            Err(problem) => PromptPlan {
                parts: Seq::Owned(Vec::new()),
                partials: Seq::Owned(Vec::new()),
                variables: input.input_variables,
                accepted: Seq::Owned(Vec::new()),
                problem: Some(problem),
            },
        }
    }

    /// The partial variable `name`, if the manifest defines one.
    pub fn partial(&self, name: &str) -> Option<&Value<'a>> {
        self.partials
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// Checks the names a caller gives: each known and given once, and every
    /// [`variables`](Self::variables) entry among them. For values given one by one
    /// (`format(&[…])`, `prompt!`), where an unknown name is a typo.
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
        self.missing(&seen)
    }

    /// Checks the keys of a context (a JSON object of values, as LangChain's `invoke`
    /// takes it): every [`variables`](Self::variables) entry among them. Other keys
    /// are not an error, as in LangChain: they stay in the context, unused unless the
    /// template prints the context itself (`{{.}}`).
    pub fn check_context<'g>(
        &self,
        given: impl IntoIterator<Item = &'g str>,
    ) -> Result<(), VarsProblem> {
        let seen: Vec<&str> = given.into_iter().collect();
        self.missing(&seen)
    }

    fn missing(&self, seen: &[&str]) -> Result<(), VarsProblem> {
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
            .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
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

/// LangChain's `ChatPromptTemplate` gives every optional `MessagesPlaceholder` an empty
/// list as a partial variable (so a template may even print it: `{history}` is `[]`
/// when no messages are given). Added after the manifest's own partials, unless the
/// manifest already has one of that name.
fn add_optional_placeholder_partials(input: &mut PlanInput<'_>) {
    let missing: Vec<_> = input
        .parts
        .iter()
        .filter_map(|p| match p {
            PartSpec::Placeholder {
                variable,
                optional: true,
                ..
            } if !input.partials.iter().any(|(k, _)| k == variable) => {
                Some((*variable, Value::List(Seq::Owned(Vec::new()))))
            }
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        let mut partials = input.partials.to_vec();
        for (k, v) in missing {
            if !partials.iter().any(|(p, _)| *p == k) {
                partials.push((k, v));
            }
        }
        input.partials = Seq::Owned(partials);
    }
}

/// The parts, the variables and the accepted names, or why the prompt cannot be
/// rendered.
type Built<'a> = (Vec<Part<'a>>, Vec<&'a str>, Vec<&'a str>);

fn build<'a>(input: &PlanInput<'a>) -> Result<Built<'a>, Cow<'a, str>> {
    let format = input.format;
    if format == TemplateFormat::Jinja2 {
        return Err(Cow::Owned(TemplateError::unsupported(format).to_string()));
    }
    if let Some(problem) = &input.problem {
        return Err(problem.clone());
    }
    let mut parts = Vec::with_capacity(input.parts.len());
    for (i, spec) in input.parts.iter().enumerate() {
        parts.push(match spec {
            PartSpec::Template { text, role } => {
                Part::Template(Template::parse(text, format).map_err(|e| match role {
                    None => Cow::Owned(e.to_string()),
                    Some(role) => Cow::Owned(format!("messages[{i}] ({role}): {e}")),
                })?)
            }
            PartSpec::Literal => Part::Literal,
            PartSpec::Placeholder {
                optional,
                n_messages,
                ..
            } => Part::Placeholder {
                optional: *optional,
                n_messages: *n_messages,
            },
            PartSpec::Refused(why) => return Err(why.clone()),
        });
    }
    let (variables, accepted) = input_variables(&input.parts, &parts, &input.partials);
    Ok((parts, variables, accepted))
}

/// LangChain's `input_variables` of the whole prompt, and the other accepted names.
fn input_variables<'a>(
    specs: &[PartSpec<'a>],
    parts: &[Part<'a>],
    partials: &[(&'a str, Value<'a>)],
) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut required: Vec<&'a str> = Vec::new();
    let mut optional: Vec<&'a str> = Vec::new();
    let mut names: Vec<&'a str> = Vec::new();
    for (part, spec) in parts.iter().zip(specs) {
        match (part, spec) {
            (Part::Template(t), _) => {
                required.extend(t.variables());
                names.extend(t.names());
            }
            (Part::Placeholder { optional: true, .. }, PartSpec::Placeholder { variable, .. }) => {
                optional.push(variable)
            }
            (Part::Placeholder { .. }, PartSpec::Placeholder { variable, .. }) => {
                required.push(variable)
            }
            _ => {}
        }
    }
    let is_partial = |v: &str| partials.iter().any(|(k, _)| *k == v);
    required.retain(|v| !is_partial(v) && !optional.contains(v));
    required.sort_unstable();
    required.dedup();
    let mut accepted: Vec<&'a str> = names
        .into_iter()
        .chain(optional)
        .chain(partials.iter().map(|(k, _)| *k))
        .filter(|v| !required.contains(v))
        .collect();
    accepted.sort_unstable();
    accepted.dedup();
    (required, accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(partials: Vec<(&'a str, Value<'a>)>) -> PlanInput<'a> {
        PlanInput {
            format: TemplateFormat::FString,
            parts: vec![
                PartSpec::Template {
                    text: "ctx: {history}",
                    role: Some("system"),
                },
                PartSpec::Placeholder {
                    variable: "history",
                    optional: true,
                    n_messages: 0,
                },
                PartSpec::Template {
                    text: "{q}",
                    role: Some("human"),
                },
            ],
            partials: Seq::Owned(partials),
            problem: None,
            input_variables: Seq::Owned(Vec::new()),
        }
    }

    #[test]
    fn an_optional_placeholder_is_an_empty_list_unless_given() {
        // LangChain: ChatPromptTemplate([("system", "ctx: {history}"),
        //   MessagesPlaceholder("history", optional=True), ("human", "{q}")])
        //   .format_messages(q="x")[0].content == "ctx: []"
        let plan = PromptPlan::build(input(Vec::new()));
        assert_eq!(plan.problem, None);
        assert_eq!(plan.variables.as_slice(), ["q"]);
        assert_eq!(
            plan.partial("history"),
            Some(&Value::List(Seq::Owned(Vec::new())))
        );
        assert_eq!(plan.check_vars(["q"]), Ok(()));
        // A context's extra keys are ignored; values given one by one are checked.
        assert_eq!(plan.check_context(["q", "user"]), Ok(()));
        assert_eq!(
            plan.check_vars(["q", "user"]),
            Err(VarsProblem::Unknown("user".to_owned()))
        );
        assert_eq!(
            plan.check_context(["user"]),
            Err(VarsProblem::Missing(vec!["q".to_owned()]))
        );
        let ctx = plan.context([("q", Value::str("x"))]);
        let Part::Template(t) = &plan.parts[0] else {
            panic!("{:?}", plan.parts[0]);
        };
        assert_eq!(t.render(&ctx).unwrap(), "ctx: []");
        // A partial of that name from the manifest wins, and is not repeated.
        let plan = PromptPlan::build(input(vec![("history", Value::str("none"))]));
        assert_eq!(plan.partials.len(), 1);
        let ctx = plan.context([("q", Value::str("x"))]);
        let Part::Template(t) = &plan.parts[0] else {
            panic!("{:?}", plan.parts[0]);
        };
        assert_eq!(t.render(&ctx).unwrap(), "ctx: none");
    }
}
