//! The differential corpus: every case of `tests/render-corpus/*.json` (outputs
//! produced by langchain-core, see `generate.py` and, for the mustache spec's
//! cases, `generate_spec.py` there) rendered by prompt-sync's
//! runtime API, from the manifest LangChain serialized for it.
//!
//! - An output LangChain produced must be produced byte for byte (by `format_json` /
//!   `format_messages_json`, and by `format` / `messages_with` when every value is a
//!   string).
//! - Where LangChain raises, prompt-sync must return an error.
//! - Where the case names a deliberate divergence, prompt-sync must return an error.
//! - Values with keys the prompt does not use: the JSON API ignores them and renders
//!   LangChain's output (a context, as LangChain takes it); the string API refuses them
//!   as unknown variables.
//! - Where LangChain's `format` renders a missing variable (mustache renders it empty),
//!   the runtime API must report it missing, as LangChain's `invoke` does, and the
//!   renderer underneath must still produce `format`'s output.
//! - Where the case records LangChain's `invoke` (the mustache spec's cases), the JSON
//!   API must do what it did: the same output, or an error.
//! - `input_variables` must equal LangChain's.

#![cfg(feature = "json")]
#![allow(clippy::unwrap_used)]

mod corpus_support;

use corpus_support::{Case, Expected, load_cases, runtime_prompt};
use prompt_sync::{Message, Prompt, PromptKind, RenderError, RenderErrorKind, Role};
use prompt_sync_core::render::{Part, PromptPlan, Value, VarsProblem};
use serde_json::Value as Json;

#[test]
fn every_case_matches_langchain() {
    let cases = load_cases();
    assert!(cases.len() >= 150, "corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    let mut tally = std::collections::BTreeMap::new();
    for case in &cases {
        match check(case) {
            Ok(how) => *tally.entry((case.group.as_str(), how)).or_insert(0) += 1,
            Err(e) => failures.push(format!("{}: {e}", case.id())),
        }
    }
    eprintln!("{} cases:", cases.len());
    for ((group, how), n) in &tally {
        eprintln!("  {group}: {how:?} {n}");
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// How a case agreed with LangChain.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Agreed {
    /// Same output through the runtime API.
    Output,
    /// Same output through the JSON API, given keys the prompt does not use (ignored,
    /// as LangChain ignores them; the string API refuses them).
    OutputExtraKeys,
    /// Both refuse.
    Error,
    /// prompt-sync refuses deliberately (the case names why).
    Divergence,
    /// A variable is missing: prompt-sync refuses (as LangChain's `invoke` does), and the
    /// renderer underneath gives the output of LangChain's `format`.
    StrictOutput,
}

/// The mustache spec's own expected outputs: prompt-sync renders each one, except
/// where LangChain differs from the spec (recorded, with the reason, by
/// `generate_spec.py`) or prompt-sync deliberately refuses (the case's divergence).
#[test]
fn the_mustache_spec_passes_except_recorded_differences() {
    let cases: Vec<Case> = load_cases()
        .into_iter()
        .filter(|c| c.group == "spec")
        .collect();
    assert_eq!(cases.len(), 124);
    let (mut passes, mut langchain_differs, mut refused) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let spec = &case.raw["spec"];
        let want = spec["expected"].as_str().unwrap();
        let (prompt, _) = runtime_prompt(case);
        let got = prompt.format_json(&case.values);
        let passed = got.as_deref().ok() == Some(want);
        let differs = spec["langchain_differs"].as_str();
        match (passed, differs, &case.divergence) {
            (true, None, None) => passes += 1,
            (false, Some(_), _) => langchain_differs += 1,
            (false, None, Some(_)) => refused += 1,
            _ => failures.push(format!(
                "{}: spec {want:?}, prompt-sync {got:?} (recorded difference: {differs:?}, \
                 divergence: {:?})",
                case.id(),
                case.divergence
            )),
        }
    }
    eprintln!(
        "mustache spec: {passes} pass, {langchain_differs} where LangChain differs, \
         {refused} refused deliberately"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!((passes, langchain_differs, refused), (109, 9, 6));
}

/// The crate's test cache and the generated macro test are what the corpus gives.
#[test]
fn generated_cache_and_macro_test_are_fresh() {
    let files = corpus_support::cache::generate(&load_cases());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let regenerate = std::env::var_os("PROMPT_SYNC_REGENERATE").is_some();
    let cache = root.join(corpus_support::cache::CACHE);
    let mut on_disk = Vec::new();
    for dir in [cache.clone(), cache.join("metadata")] {
        for entry in std::fs::read_dir(&dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_file() {
                on_disk.push(path.strip_prefix(root).unwrap().to_owned());
            }
        }
    }
    let stale: Vec<_> = on_disk.iter().filter(|p| !files.contains_key(*p)).collect();
    let differ: Vec<_> = files
        .iter()
        .filter(|(p, bytes)| std::fs::read(root.join(p)).ok().as_ref() != Some(*bytes))
        .map(|(p, _)| p)
        .collect();
    if regenerate {
        for p in &stale {
            std::fs::remove_file(root.join(p)).unwrap();
        }
        for (p, bytes) in &files {
            std::fs::create_dir_all(root.join(p).parent().unwrap()).unwrap();
            if differ.contains(&p) {
                std::fs::write(root.join(p), bytes).unwrap();
            }
        }
        return;
    }
    assert!(
        stale.is_empty() && differ.is_empty(),
        "generated files are out of date (stale: {stale:?}, differ: {differ:?}); run \
         PROMPT_SYNC_REGENERATE=1 cargo test -p prompt-sync --test render_corpus"
    );
}

/// The outcome of rendering: the text prompt's output, or the chat prompt's messages
/// as `(role, content)`.
#[derive(Debug, PartialEq)]
enum Outcome {
    Text(String),
    Messages(Vec<(String, String)>),
}

fn outcome(
    prompt: &Prompt,
    result: Result<Vec<Message>, RenderError>,
) -> Result<Outcome, RenderError> {
    let messages = result?;
    Ok(match prompt.kind() {
        PromptKind::Text => Outcome::Text(messages.into_iter().map(|m| m.content).collect()),
        PromptKind::Chat => Outcome::Messages(
            messages
                .into_iter()
                .map(|m| (m.role.as_str().to_owned(), m.content))
                .collect(),
        ),
    })
}

fn render_json(prompt: &Prompt, values: &Json) -> Result<Outcome, RenderError> {
    match prompt.kind() {
        PromptKind::Text => prompt.format_json(values).map(Outcome::Text),
        PromptKind::Chat => outcome(prompt, prompt.format_messages_json(values)),
    }
}

/// The string API, when every value is a string (placeholders: lists of pairs).
fn render_strings(prompt: &Prompt, values: &Json) -> Option<Result<Outcome, RenderError>> {
    let map = values.as_object()?;
    let mut vars = Vec::new();
    let mut placeholders = Vec::new();
    for (k, v) in map {
        match v {
            Json::String(s) => vars.push((k.as_str(), s.as_str())),
            Json::Array(items) if prompt.kind() == PromptKind::Chat => {
                let messages: Option<Vec<Message>> = items
                    .iter()
                    .map(|pair| {
                        let role = Role::from_message_type(pair.get(0)?.as_str()?)?;
                        Some(Message::new(role, pair.get(1)?.as_str()?))
                    })
                    .collect();
                placeholders.push((k.as_str(), messages?));
            }
            _ => return None,
        }
    }
    Some(match prompt.kind() {
        PromptKind::Text => prompt.format(&vars).map(Outcome::Text),
        PromptKind::Chat => {
            let mut builder = prompt.messages_with(&vars);
            for (name, messages) in &placeholders {
                builder = builder.placeholder(name, messages);
            }
            outcome(prompt, builder.format())
        }
    })
}

fn expected_outcome(case: &Case) -> Option<Outcome> {
    match &case.expected {
        Expected::Output(s) => Some(Outcome::Text(s.clone())),
        Expected::Messages(m) => Some(Outcome::Messages(m.clone())),
        Expected::Error(_) => None,
    }
}

fn check(case: &Case) -> Result<Agreed, String> {
    let (prompt, plan) = runtime_prompt(case);
    let json = render_json(&prompt, &case.values);
    let strings = render_strings(&prompt, &case.values);
    let names: Vec<&str> = case
        .values
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    // A name the prompt does not use: the string API refuses it (a typo), the JSON API
    // ignores it (a context), as LangChain does.
    let unknown = match plan.check_vars(names.iter().copied()) {
        Err(VarsProblem::Unknown(name)) if plan.problem.is_none() => Some(name),
        _ => None,
    };
    if let Some(strings) = &strings {
        let strings = strings.as_ref().map_err(|e| e.kind());
        let agree = match &unknown {
            Some(name) => strings == Err(&RenderErrorKind::Unknown(name.clone())),
            None => strings == json.as_ref().map_err(|e| e.kind()),
        };
        if !agree {
            return Err(format!(
                "string API {strings:?}, JSON API {json:?} (unknown name: {unknown:?})"
            ));
        }
    }
    if plan.problem.is_none()
        && let Some(expected) = &case.input_variables
        && plan.variables.to_vec() != expected.iter().map(String::as_str).collect::<Vec<_>>()
    {
        return Err(format!(
            "input_variables {:?}, LangChain {expected:?}",
            plan.variables
        ));
    }
    if let Some(why) = &case.divergence {
        let error = match &json {
            Err(e) => e.kind(),
            Ok(o) => return Err(format!("expected a refusal ({why}), rendered {o:?}")),
        };
        // A missing variable refused: the renderer underneath still agrees with
        // LangChain's `format`.
        if let (RenderErrorKind::Missing(_), Some(expected)) = (error, expected_outcome(case)) {
            let lenient = lenient_text(plan, &case.values)?;
            if Outcome::Text(lenient.clone()) != expected {
                return Err(format!(
                    "lenient render {lenient:?}, LangChain {expected:?}"
                ));
            }
        }
        return Ok(Agreed::Divergence);
    }
    // LangChain's `invoke` (recorded for the spec's cases) is what the JSON API does:
    // the same output, or both refuse (a missing variable, values that are no object).
    match (&case.invoke, &json) {
        (None, _) | (Some(Expected::Error(_)), Err(_)) => {}
        (Some(Expected::Output(s)), Ok(Outcome::Text(got))) if s == got => {}
        (Some(invoke), _) => {
            return Err(format!(
                "LangChain's invoke gave {invoke:?}, format_json {json:?}"
            ));
        }
    }
    let Some(expected) = expected_outcome(case) else {
        return match json {
            Err(_) => Ok(Agreed::Error),
            Ok(o) => Err(format!(
                "LangChain raises {:?}, prompt-sync rendered {o:?}",
                case.expected
            )),
        };
    };
    if plan.problem.is_none()
        && let Err(problem) = plan.check_context(names.iter().copied())
    {
        // prompt-sync refuses a missing variable that LangChain's `format` renders
        // empty (its `invoke` refuses it too): the API must say so, and the renderer
        // underneath must still agree with LangChain.
        let kind_matches = match (&problem, json.as_ref().map_err(|e| e.kind())) {
            (VarsProblem::Missing(m), Err(RenderErrorKind::Missing(k))) => m == k,
            _ => false,
        };
        if !kind_matches {
            return Err(format!(
                "strict check {problem:?}, runtime API gave {json:?}"
            ));
        }
        let lenient = lenient_text(plan, &case.values)?;
        return if Outcome::Text(lenient.clone()) == expected {
            Ok(Agreed::StrictOutput)
        } else {
            Err(format!(
                "lenient render {lenient:?}, LangChain {expected:?}"
            ))
        };
    }
    match json {
        Ok(got) if got == expected && unknown.is_some() => Ok(Agreed::OutputExtraKeys),
        Ok(got) if got == expected => Ok(Agreed::Output),
        other => Err(format!("got {other:?}, LangChain {expected:?}")),
    }
}

/// The renderer alone, without the strict variable check (text prompts).
fn lenient_text(plan: &PromptPlan<'_>, values: &Json) -> Result<String, String> {
    let Some(Part::Template(t)) = plan.parts.first() else {
        return Err("lenient check on a prompt without one template".to_owned());
    };
    let vars: Vec<(&str, Value<'_>)> = values
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str(), Value::from_json(v)))
                .collect()
        })
        .unwrap_or_default();
    t.render(&plan.context(vars)).map_err(|e| e.to_string())
}
