//! The prompt cache of this crate's own tests (`prompt-sync/prompts/langsmith_cache`,
//! the default location, so `prompt!` finds it without configuration) and the
//! generated test that runs the macro form on the corpus.
//!
//! Everything here is generated: `PROMPT_SYNC_REGENERATE=1 cargo test -p prompt-sync
//! --test render_corpus` rewrites it; without the variable the test fails when a
//! committed file differs from what would be generated.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use prompt_sync_core::PromptName;
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::manifest::to_manifest;
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::model::{ChatMessage, PromptBody, PromptModel, Role, TemplateFormat};
use prompt_sync_core::render::tokenize::Token;
use prompt_sync_core::render::{Part, PromptPlan, Template, Value};
use serde_json::Value as Json;

use super::{Case, Expected, model_of};

/// Files to generate: path relative to the crate -> bytes.
pub type Files = BTreeMap<PathBuf, Vec<u8>>;

/// The cache directory, relative to the crate.
pub const CACHE: &str = "prompts/langsmith_cache";
/// The generated test, relative to the crate.
pub const MACRO_TEST: &str = "tests/render_macro_corpus.rs";

/// Adds a prompt (text and metadata) to `files`.
fn add_prompt(files: &mut Files, name: &str, model: &PromptModel, manifest: Option<Json>) {
    let text = model.to_cache_text().unwrap();
    let hash = sha256_hex(text.as_bytes());
    let mut meta = Metadata::new(&PromptName::new(name).unwrap(), &hash);
    meta.hub_content_hash = Some(hash.clone());
    meta.kind = Some(model.kind().as_str().to_owned());
    meta.template_format = Some(model.template_format.as_str().to_owned());
    meta.input_variables = Some(model.input_variables.clone());
    meta.manifest = Some(manifest.unwrap_or_else(|| to_manifest(model, None).unwrap()));
    files.insert(
        Path::new(CACHE).join(format!("{name}.txt")),
        text.into_bytes(),
    );
    files.insert(
        Path::new(CACHE)
            .join("metadata")
            .join(format!("{name}.json")),
        meta.to_json_bytes(),
    );
}

fn is_ident(s: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else",
        "enum", "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match",
        "mod", "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "try", "type", "unsafe", "use", "where", "while", "yield", "_",
    ];
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// Whether `prompt!` can render the case from its values: LangChain rendered it, the
/// strict check passes, every value is a string (placeholders: message pairs), every
/// name is an identifier, and no mustache template needs structured values.
fn macro_eligible(case: &Case, plan: &PromptPlan<'_>) -> bool {
    if case.divergence.is_some()
        || matches!(case.expected, Expected::Error(_))
        || plan.problem.is_some()
    {
        return false;
    }
    let values = used_values(case, plan);
    // Without variables, `prompt!("name")` is the prompt itself, not a render.
    if values.is_empty() || plan.check_vars(values.keys().map(String::as_str)).is_err() {
        return false;
    }
    let values_ok = values
        .iter()
        .all(|(k, v)| is_ident(k) && (v.is_string() || (case.is_chat() && v.is_array())));
    let templates_ok = plan.parts.iter().all(|p| match p {
        Part::Template(Template::Mustache(tokens)) => tokens.iter().all(|t| match t {
            Token::Variable(k) | Token::NoEscape(k) => *k != "." && !k.contains('.'),
            Token::Literal(_) => true,
            _ => false,
        }),
        _ => true,
    });
    let partial_placeholders_ok = plan
        .partials
        .iter()
        .all(|(_, v)| !matches!(v, Value::List(items) if !items.is_empty()));
    values_ok && templates_ok && partial_placeholders_ok
}

/// The case's values the prompt uses (LangChain ignores the others; `prompt!` refuses
/// them).
fn used_values(case: &Case, plan: &PromptPlan<'_>) -> serde_json::Map<String, Json> {
    let mut values = case.values.as_object().cloned().unwrap_or_default();
    values
        .retain(|k, _| plan.variables.contains(&k.as_str()) || plan.accepted.contains(&k.as_str()));
    values
}

fn role_expr(role: &str) -> String {
    match role {
        "system" => "Role::System".to_owned(),
        "human" => "Role::Human".to_owned(),
        "ai" => "Role::Ai".to_owned(),
        other => format!("Role::Other({other:?})"),
    }
}

fn messages_expr(pairs: impl IntoIterator<Item = (String, String)>) -> String {
    let items: Vec<String> = pairs
        .into_iter()
        .map(|(role, content)| format!("Message::new({}, {content:?})", role_expr(&role)))
        .collect();
    format!("vec![{}]", items.join(", "))
}

fn json_pairs(v: &Json) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .map(|(role, content)| {
            let role = match role.as_str() {
                "user" => "human".to_owned(),
                "assistant" => "ai".to_owned(),
                _ => role,
            };
            (role, content)
        })
        .collect()
}

/// One generated test: macro form, runtime form, LangChain's output.
fn macro_test(case: &Case, plan: &PromptPlan<'_>, out: &mut String) {
    let name = case.prompt_name();
    let values = used_values(case, plan);
    let mut setup = String::new();
    let mut macro_args = String::new();
    let mut vars = Vec::new();
    let mut placeholders = String::new();
    for (i, (k, v)) in values.iter().enumerate() {
        if let Some(s) = v.as_str() {
            let _ = write!(macro_args, ", {k} = {s:?}");
            vars.push(format!("({k:?}, {s:?})"));
        } else {
            let _ = writeln!(
                setup,
                "    let p{i}: Vec<Message> = {};",
                messages_expr(json_pairs(v))
            );
            let _ = write!(macro_args, ", {k} = &p{i}");
            let _ = write!(placeholders, ".placeholder({k:?}, &p{i})");
        }
    }
    let fn_name = format!("{}_{}", case.group, case.name).replace('-', "_");
    let _ = writeln!(out, "\n#[test]\nfn {fn_name}() {{");
    out.push_str(&setup);
    let vars = vars.join(", ");
    match &case.expected {
        Expected::Output(expected) => {
            let _ = writeln!(
                out,
                "    let got: String = prompt_sync::prompt!({name:?}{macro_args});"
            );
            let _ = writeln!(
                out,
                "    let runtime = prompt_sync::prompt!({name:?}).format(&[{vars}]).unwrap();"
            );
            let _ = writeln!(out, "    assert_eq!(got, runtime);");
            let _ = writeln!(out, "    assert_eq!(got, {expected:?});");
        }
        Expected::Messages(expected) => {
            let _ = writeln!(
                out,
                "    let got: Vec<Message> = prompt_sync::prompt!({name:?}{macro_args});"
            );
            let _ = writeln!(
                out,
                "    let runtime = prompt_sync::prompt!({name:?}).messages_with(&[{vars}]){placeholders}.format().unwrap();"
            );
            let _ = writeln!(out, "    assert_eq!(got, runtime);");
            let _ = writeln!(
                out,
                "    assert_eq!(got, {});",
                messages_expr(expected.clone())
            );
        }
        Expected::Error(_) => unreachable!(),
    }
    out.push_str("}\n");
}

/// The prompts the crate's docs, benchmark and examples use.
fn fixed_prompts(files: &mut Files) {
    let text = |t: &str, format, vars: &[&str]| PromptModel {
        body: PromptBody::Text(t.to_owned()),
        template_format: format,
        input_variables: vars.iter().map(|v| (*v).to_owned()).collect(),
    };
    add_prompt(
        files,
        "doc-summarizer",
        &text(
            "Summarize the following text in a {style} style:\n\n{text}\n",
            TemplateFormat::FString,
            &["style", "text"],
        ),
        None,
    );
    add_prompt(
        files,
        "doc-digest",
        &text(
            "Hello {{user.name}}!\n{{#items}}\n- {{title}}\n{{/items}}\n{{^items}}\nNothing new.\n{{/items}}\n",
            TemplateFormat::Mustache,
            &["items", "user"],
        ),
        None,
    );
    let support = PromptModel {
        body: PromptBody::Chat(vec![
            ChatMessage::Message {
                role: Role::System,
                content: "You are {name}, a support assistant.".to_owned(),
            },
            ChatMessage::Placeholder {
                variable: "history".to_owned(),
            },
            ChatMessage::Message {
                role: Role::Human,
                content: "{question}".to_owned(),
            },
        ]),
        template_format: TemplateFormat::FString,
        input_variables: vec!["history".into(), "name".into(), "question".into()],
    };
    add_prompt(files, "doc-support", &support, None);
    // The benchmark: 2 KiB of text with 5 variables spread through it.
    let filler = "The quick brown fox jumps over the lazy dog while the cat watches. ";
    let mut bench = String::new();
    for (i, var) in ["product", "customer", "issue", "tone", "deadline"]
        .iter()
        .enumerate()
    {
        while bench.len() < (i + 1) * 400 {
            bench.push_str(filler);
        }
        let _ = write!(bench, "{{{var}}} ");
    }
    while bench.len() < 2048 {
        bench.push('.');
    }
    add_prompt(
        files,
        "bench-2k",
        &text(
            &bench,
            TemplateFormat::FString,
            &["customer", "deadline", "issue", "product", "tone"],
        ),
        None,
    );
}

/// Everything this module generates.
pub fn generate(cases: &[Case]) -> Files {
    let mut files = Files::new();
    fixed_prompts(&mut files);
    let mut test = String::from(
        "//! Generated by `tests/corpus_support/cache.rs` from `tests/render-corpus` (run\n\
         //! `PROMPT_SYNC_REGENERATE=1 cargo test -p prompt-sync --test render_corpus`); do not edit.\n\
         //!\n\
         //! Every corpus case the `prompt!` rendering form can take (string values, identifier\n\
         //! names, no mustache sections), rendered by the macro form and by the runtime form:\n\
         //! both must equal what langchain-core produced.\n\n\
         #![allow(clippy::unwrap_used)]\n\n#[rustfmt::skip]\nmod cases {\nuse prompt_sync::{Message, Role};\n",
    );
    let mut eligible = 0;
    for case in cases {
        let model = model_of(case);
        let plan = prompt_sync_core::plan::plan(&model, case.manifest.as_ref());
        if !macro_eligible(case, &plan) {
            continue;
        }
        eligible += 1;
        add_prompt(
            &mut files,
            &case.prompt_name(),
            &model,
            case.manifest.clone(),
        );
        macro_test(case, &plan, &mut test);
    }
    let _ = write!(test, "\n// {eligible} corpus cases.\n}}\n");
    files.insert(PathBuf::from(MACRO_TEST), test.into_bytes());
    files
}
