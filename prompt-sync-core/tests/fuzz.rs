//! Fuzzing with proptest: the chat text parser, the manifest converter, the metadata
//! reader and the prompt name / ref parsers (with config prompt entries).
//!
//! Each target must never panic (nor hang: every case is bounded in size), and the
//! round trips each module documents must hold:
//! - `chat_text`: if `parse(x)` succeeds then `render_in(parse(x), form_of(x)) == x`,
//!   and `parse(render(m)) == m`;
//! - `manifest`: if `from_manifest(m)` succeeds then `to_manifest(model, Some(m)) == m`
//!   and `from_manifest(to_manifest(model, None)) == model`;
//! - `metadata`: a file that reads back re-reads identically through `to_json_bytes`;
//! - `name`: an accepted name or ref holds only allowed characters and fits the limit.
//!
//! The committed seed corpus in `tests/fuzz-corpus/` is fed to every target, and the
//! real fixture manifests (`fixtures/langsmith/*.json`) seed the manifest mutations.
//!
//! Case counts are sized so each target runs in roughly 1-3 s in a debug build;
//! `PROMPT_SYNC_FUZZ_CASES=N` raises every target to at least `N` cases (e.g. a longer
//! nightly run).

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use prompt_sync_core::chat_text::{form_of, parse, render_in};
use prompt_sync_core::config::Config;
use prompt_sync_core::hash::sha256_hex;
use prompt_sync_core::manifest::{from_manifest, to_manifest};
use prompt_sync_core::metadata::Metadata;
use prompt_sync_core::name::{HubRef, MAX_NAME_LEN, MAX_REF_LEN, PromptName};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------

/// `default` cases, raised to `PROMPT_SYNC_FUZZ_CASES` when that is larger.
fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROMPT_SYNC_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(default, |n| n.max(default));
    ProptestConfig {
        // Fuzz failures are reported with their minimal input; do not write
        // regression files from CI runs.
        failure_persistence: None,
        ..ProptestConfig::with_cases(n)
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus")
}

/// Every corpus file, sorted, with its bytes.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the fuzz corpus went missing");
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect()
}

/// Every object in the fixture files that looks like a manifest (has `lc`), plus the
/// corpus manifests. Sub-objects count too: they are realistic fragments.
fn fixture_manifests() -> &'static [Value] {
    static ALL: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        fn collect(v: &Value, out: &mut Vec<Value>) {
            match v {
                Value::Object(m) => {
                    if m.contains_key("lc") {
                        out.push(v.clone());
                    }
                    m.values().for_each(|c| collect(c, out));
                }
                Value::Array(a) => a.iter().for_each(|c| collect(c, out)),
                _ => {}
            }
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/langsmith");
        let mut files: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.extend(
            fs::read_dir(corpus_dir())
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "json")),
        );
        files.sort();
        let mut out = Vec::new();
        for f in files {
            // Some fixture/corpus files hold strings with manifests in them (wire
            // bodies) — parse those too.
            let Ok(v) = serde_json::from_slice::<Value>(&fs::read(&f).unwrap()) else {
                continue;
            };
            collect(&v, &mut out);
            let mut strings = Vec::new();
            strings_in(&v, &mut strings);
            for s in strings {
                if let Ok(inner) = serde_json::from_str::<Value>(&s) {
                    collect(&inner, &mut out);
                }
            }
        }
        assert!(
            out.len() >= 10,
            "found only {} fixture manifests",
            out.len()
        );
        out
    })
}

fn strings_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.contains("\"lc\"") => out.push(s.clone()),
        Value::Object(m) => m.values().for_each(|c| strings_in(c, out)),
        Value::Array(a) => a.iter().for_each(|c| strings_in(c, out)),
        _ => {}
    }
}

/// Texts made of lines that stress the chat format's headers and escapes.
const LINE_POOL: &[&str] = &[
    "=== system ===",
    "=== human ===",
    "=== ai ===",
    "=== role: critic ===",
    "=== role: a === b ===",
    "=== placeholder: history ===",
    "\\=== human ===",
    "\\\\=== ai ===",
    "\\=== placeholder: x ===",
    "=== Examples ===",
    "=====",
    "=== ===",
    "=== role: ===",
    "=== role:  x ===",
    "=== placeholder: ===",
    "=== placeholder: a\tb ===",
    "=== human ===\r",
    " === human ===",
    "=== role: \u{a0}x ===",
    "=== role: x\u{0} ===",
    "\\",
    "",
    "\r",
    "{name}",
    "{{x}}",
    "héllo \u{1F600}",
    "\u{feff}=== human ===",
];

fn chat_text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        // Lines from the pool (and some random ones) joined by "\n" or "\r\n".
        (
            prop::collection::vec(
                prop_oneof![
                    4 => prop::sample::select(LINE_POOL).prop_map(str::to_owned),
                    1 => ".{0,12}",
                ],
                0..12
            ),
            any::<bool>(),
            any::<bool>(),
            prop::option::of(prop::sample::select(&LINE_POOL[..6]))
        )
            .prop_map(|(lines, crlf, trailing, first)| {
                // Most start with a real header, so the parser gets past line 1.
                let lines: Vec<String> =
                    first.map(str::to_owned).into_iter().chain(lines).collect();
                let mut s = lines.join(if crlf { "\r\n" } else { "\n" });
                if trailing {
                    s.push('\n');
                }
                s
            }),
        // Anything at all.
        any::<String>(),
        "[=\\\\ a-z:\n\r]{0,64}",
    ]
}

fn check_chat(text: &str) -> Result<bool, TestCaseError> {
    let Ok(messages) = parse(text) else {
        return Ok(false);
    };
    let back = render_in(&messages, form_of(text));
    prop_assert_eq!(back.as_deref(), Ok(text), "render(parse(x)) != x");
    prop_assert_eq!(parse(text), Ok(messages), "parse is not deterministic");
    Ok(true)
}

// Keys and strings that make random JSON look like a manifest often enough to reach
// deep into the converter.
const KEYS: &[&str] = &[
    "lc",
    "type",
    "id",
    "kwargs",
    "template",
    "template_format",
    "input_variables",
    "messages",
    "prompt",
    "first",
    "last",
    "middle",
    "role",
    "variable_name",
    "optional",
    "name",
    "metadata",
    "partial_variables",
    "schema_",
    "content",
    "additional_kwargs",
];
const STRINGS: &[&str] = &[
    "constructor",
    "secret",
    "not_implemented",
    "langchain",
    "langchain_core",
    "prompts",
    "prompt",
    "chat",
    "schema",
    "runnable",
    "structured",
    "PromptTemplate",
    "ChatPromptTemplate",
    "SystemMessagePromptTemplate",
    "HumanMessagePromptTemplate",
    "AIMessagePromptTemplate",
    "ChatMessagePromptTemplate",
    "MessagesPlaceholder",
    "RunnableSequence",
    "PromptPlayground",
    "StructuredPrompt",
    "f-string",
    "mustache",
    "jinja2",
    "history",
    "=== human ===",
    "\\=== ai ===",
    "{x} and {{y}}",
    "",
];

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => prop_oneof![Just(1i64), Just(0), any::<i64>()].prop_map(Value::from),
        1 => any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        3 => prop::sample::select(STRINGS).prop_map(Value::from),
        1 => ".{0,10}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            // Class ids: arrays of known strings.
            prop::collection::vec(prop::sample::select(STRINGS), 1..5)
                .prop_map(|v| Value::Array(v.into_iter().map(Value::from).collect())),
            prop::collection::vec(
                (
                    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => "[a-z_]{0,6}"],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A template's text: plain, with variables, or with header-like lines.
fn template_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,16}",
        prop::collection::vec(prop::sample::select(LINE_POOL), 0..4).prop_map(|l| l.join("\n")),
        "[a-z {}\n]{0,20}",
    ]
}

fn prompt_template(t: String, format: &str) -> Value {
    json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
           "kwargs": {"input_variables": [], "template": t, "template_format": format}})
}

/// Manifests built the way the SDKs write them (text or chat, any roles, placeholders,
/// optionally wrapped), then optionally mutated: they reach the converter's success
/// paths, which random JSON rarely does.
fn generated_manifest() -> impl Strategy<Value = Value> {
    let format = prop::sample::select(vec!["f-string", "mustache", "jinja2"]);
    let message = prop_oneof![
        (
            prop::sample::select(vec![
                "SystemMessagePromptTemplate",
                "HumanMessagePromptTemplate",
                "AIMessagePromptTemplate",
            ]),
            template_text()
        )
            .prop_map(|(class, t)| (class.to_owned(), None, t)),
        ("[a-z =:]{0,8}", template_text()).prop_map(|(role, t)| (
            "ChatMessagePromptTemplate".to_owned(),
            Some(role),
            t
        )),
        "[a-z_ ]{0,8}".prop_map(|v| ("MessagesPlaceholder".to_owned(), Some(v), String::new())),
    ];
    (
        any::<bool>(),
        format,
        template_text(),
        prop::collection::vec(message, 0..5),
        any::<bool>(),
        prop::collection::vec(mutation(), 0..2),
    )
        .prop_map(|(chat, format, text, messages, wrap, muts)| {
            let mut m = if chat {
                let msgs: Vec<Value> = messages
                    .into_iter()
                    .map(|(class, extra, t)| {
                        let id = json!(["langchain", "prompts", "chat", class]);
                        match class.as_str() {
                            "MessagesPlaceholder" => json!({"lc": 1, "type": "constructor", "id": id,
                                "kwargs": {"variable_name": extra, "optional": true}}),
                            "ChatMessagePromptTemplate" => json!({"lc": 1, "type": "constructor", "id": id,
                                "kwargs": {"role": extra, "prompt": prompt_template(t, format)}}),
                            _ => json!({"lc": 1, "type": "constructor", "id": id,
                                "kwargs": {"prompt": prompt_template(t, format)}}),
                        }
                    })
                    .collect();
                json!({"lc": 1, "type": "constructor", "id": ["langchain", "prompts", "chat", "ChatPromptTemplate"],
                       "kwargs": {"input_variables": [], "template_format": format, "messages": msgs}})
            } else {
                prompt_template(text, format)
            };
            if wrap {
                m = json!({"lc": 1, "type": "constructor",
                    "id": ["langchain", "schema", "runnable", "RunnableSequence"],
                    "kwargs": {"first": m, "last": {"lc": 1, "type": "not_implemented", "id": ["x"]}}});
            }
            for (walk, mutation) in &muts {
                mutate(&mut m, walk, mutation);
            }
            m
        })
}

/// One edit to a JSON tree: which node (by a walk of indices) and what to do to it.
#[derive(Clone, Debug)]
enum Mutation {
    Replace(Value),
    Delete,
    Duplicate,
    SetString(String),
    WrapInArray,
}

fn mutation() -> impl Strategy<Value = (Vec<usize>, Mutation)> {
    (
        prop::collection::vec(any::<usize>(), 0..8),
        prop_oneof![
            json_leaf().prop_map(Mutation::Replace),
            json_value().prop_map(Mutation::Replace),
            Just(Mutation::Delete),
            Just(Mutation::Duplicate),
            prop_oneof![
                prop::sample::select(STRINGS).prop_map(str::to_owned),
                ".{0,8}"
            ]
            .prop_map(Mutation::SetString),
            Just(Mutation::WrapInArray),
        ],
    )
}

/// Applies `m` to the node reached by following `walk` (each step picks a child
/// modulo the child count; the walk stops early at a leaf).
fn mutate(v: &mut Value, walk: &[usize], m: &Mutation) {
    let step = walk.first().copied();
    let child_count = match v {
        Value::Object(o) => o.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    if let Some(i) = step
        && child_count > 0
        && walk.len() > 1
    {
        let i = i % child_count;
        let child = match v {
            Value::Object(o) => o.values_mut().nth(i),
            Value::Array(a) => a.get_mut(i),
            _ => None,
        };
        if let Some(c) = child {
            mutate(c, &walk[1..], m);
            return;
        }
    }
    // Mutate a child of this node for Delete/Duplicate, the node itself otherwise.
    match m {
        Mutation::Replace(r) => *v = r.clone(),
        Mutation::SetString(s) => *v = Value::from(s.clone()),
        Mutation::WrapInArray => *v = Value::Array(vec![v.clone()]),
        Mutation::Delete | Mutation::Duplicate => {
            let i = step.unwrap_or(0);
            match v {
                Value::Object(o) if !o.is_empty() => {
                    let key = o.keys().nth(i % o.len()).cloned().unwrap();
                    if matches!(m, Mutation::Delete) {
                        o.remove(&key);
                    } else {
                        let val = o[&key].clone();
                        o.insert(format!("{key}_"), val);
                    }
                }
                Value::Array(a) if !a.is_empty() => {
                    let i = i % a.len();
                    if matches!(m, Mutation::Delete) {
                        a.remove(i);
                    } else {
                        a.insert(i, a[i].clone());
                    }
                }
                _ => *v = Value::Null,
            }
        }
    }
}

fn check_manifest(m: &Value) -> Result<bool, TestCaseError> {
    let Ok(model) = from_manifest(m) else {
        return Ok(false);
    };
    let same = to_manifest(&model, Some(m));
    prop_assert_eq!(
        same.as_ref().ok(),
        Some(m),
        "to_manifest(model, Some(m)) != m"
    );
    let fresh = to_manifest(&model, None);
    prop_assert!(
        fresh.is_ok(),
        "to_manifest(model, None) failed: {:?}",
        fresh
    );
    let again = from_manifest(fresh.as_ref().unwrap());
    prop_assert_eq!(
        again.as_ref().ok(),
        Some(&model),
        "from_manifest(to_manifest(model, None)) != model; fresh = {}",
        fresh.unwrap()
    );
    // The cache text the model writes must read back as the same body.
    if let Ok(text) = model.to_cache_text() {
        let body = prompt_sync_core::model::PromptModel::body_from_cache_text(model.kind(), &text);
        prop_assert_eq!(
            body.ok(),
            Some(model.body.clone()),
            "cache text does not read back"
        );
    }
    Ok(true)
}

fn meta_name() -> PromptName {
    PromptName::new("p").unwrap()
}

/// Reads `bytes` as metadata of `name`; when that succeeds, the re-serialized file must
/// read back to the same value and serialize to the same bytes.
fn check_metadata(bytes: &[u8], name: &PromptName) -> Result<bool, TestCaseError> {
    let path = Path::new("metadata/p.json");
    let read = Metadata::from_slice(bytes, path, name);
    let accepted = read.is_ok();
    if let Ok(meta) = read {
        let out = meta.to_json_bytes();
        let back = Metadata::from_slice(&out, path, name);
        prop_assert!(back.is_ok(), "rewritten metadata refused: {:?}", back);
        let back = back.unwrap();
        // Exactly, floats included (serde_json's `float_roundtrip`).
        prop_assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&meta).unwrap(),
            "metadata does not round-trip"
        );
    }
    Ok(accepted)
}

fn hex64() -> impl Strategy<Value = String> {
    any::<[u8; 8]>().prop_map(|b| sha256_hex(&b))
}

fn valid_metadata() -> impl Strategy<Value = Metadata> {
    (
        hex64(),
        prop::option::of(hex64()),
        any::<bool>(),
        prop::option::of(Just("2026-11-25T17:00:00Z".to_owned())),
        prop::option::of(prop::sample::select(vec!["pull", "push"]).prop_map(str::to_owned)),
        prop::option::of("[0-9a-f]{8,64}"),
        prop::option::of(prop::sample::select(vec!["text", "chat"]).prop_map(str::to_owned)),
        prop::option::of(prop::collection::vec("[a-z]{1,6}", 0..4)),
        prop::option::of(json_value()),
        prop::collection::vec(("x_[a-z]{1,6}", json_leaf()), 0..3),
    )
        .prop_map(
            |(local, hub, marked, ts, dir, commit, kind, vars, manifest, extra)| {
                let mut m = Metadata::new(&meta_name(), &local);
                m.hub_content_hash = hub;
                m.locally_modified = marked;
                m.local_edit_timestamp = ts.clone().filter(|_| marked);
                m.last_sync_timestamp = ts;
                m.sync_direction = dir;
                m.hub_commit_hash = commit;
                m.kind = kind;
                m.input_variables = vars;
                // `"manifest": null` reads as no manifest.
                m.manifest = manifest.filter(|v| !v.is_null());
                m.extra = extra.into_iter().collect();
                m
            },
        )
}

/// Byte-level mutations of a valid file: flip, insert, delete, truncate.
fn byte_mutations() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    prop::collection::vec((any::<usize>(), 0u8..4, any::<u8>()), 0..6)
}

fn apply_byte_mutations(mut bytes: Vec<u8>, muts: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, op, b) in muts {
        if bytes.is_empty() {
            bytes.push(b);
            continue;
        }
        let i = at % bytes.len();
        match op {
            0 => bytes[i] = b,
            1 => bytes.insert(i, b),
            2 => {
                bytes.remove(i);
            }
            _ => bytes.truncate(i),
        }
    }
    bytes
}

fn check_name(s: &str) -> Result<bool, TestCaseError> {
    let accepted = PromptName::new(s).is_ok();
    if let Ok(n) = PromptName::new(s) {
        prop_assert_eq!(n.as_str(), s);
        prop_assert!(
            !s.is_empty() && s.len() <= MAX_NAME_LEN,
            "bad length: {:?}",
            s
        );
        prop_assert!(
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "bad char accepted: {:?}",
            s
        );
        prop_assert!(
            s.starts_with(|c: char| c.is_ascii_alphanumeric()),
            "bad start: {:?}",
            s
        );
        prop_assert_eq!(s.parse::<PromptName>().ok(), Some(n));
    }
    if let Ok(r) = HubRef::new(s) {
        prop_assert_eq!(r.as_str(), s);
        prop_assert!(
            !s.is_empty() && s.len() <= MAX_REF_LEN,
            "bad ref length: {:?}",
            s
        );
        prop_assert!(
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "bad ref char accepted: {:?}",
            s
        );
    }
    Ok(accepted)
}

fn check_config_text(toml_text: &str) -> Result<bool, TestCaseError> {
    let path = Path::new("/nonexistent/pkg/Cargo.toml");
    let Ok(config) = Config::from_toml(toml_text, path, None) else {
        return Ok(false);
    };
    for spec in &config.prompts {
        prop_assert!(
            check_name(spec.name.as_str())?,
            "config accepted a bad name"
        );
        prop_assert!(HubRef::new(spec.hub_ref.as_str()).is_ok());
    }
    Ok(true)
}

/// A config whose `prompts` list holds `entries` (name, optional ref), as plain strings
/// or tables, with every string TOML-escaped.
fn config_with(entries: &[(String, Option<String>, bool)]) -> String {
    let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let items: Vec<String> = entries
        .iter()
        .map(|(n, r, table)| match (r, table) {
            (None, false) => q(n),
            (None, true) => format!("{{ name = {} }}", q(n)),
            (Some(r), _) => format!("{{ name = {}, ref = {} }}", q(n), q(r)),
        })
        .collect();
    format!(
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[package.metadata.prompt-sync]\nprompts = [{}]\n",
        items.join(", ")
    )
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_-]{0,110}",
        "[a-zA-Z0-9_.-]{0,130}",
        "[a-z0-9./\\\\:_ -]{0,20}",
        // Look-alikes and control characters among valid ones.
        prop::collection::vec(
            prop_oneof![
                4 => "[a-z0-9_-]",
                1 => prop::sample::select(vec![
                    "\u{0}", "/", "\\", ".", "..", ":", " ", "\n", "\u{430}", "\u{ff41}",
                    "\u{2010}", "\u{2011}", "\u{200b}", "\u{301}", "\u{130}", "\u{212a}",
                ])
                .prop_map(str::to_owned),
            ],
            0..30
        )
        .prop_map(|v| v.concat()),
        any::<String>(),
    ]
}

// ---------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------

/// Runs `check` on `default_cases` inputs from `strategy` (see [`cases`]), failing
/// with the minimal input on a panic or a broken property, and prints the number of
/// executions, how many inputs the target accepted, and the time taken.
fn fuzz<S: Strategy>(
    target: &str,
    default_cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) {
    use std::sync::atomic::{AtomicU32, Ordering};
    let config = cases(default_cases);
    let n = config.cases;
    let runs = AtomicU32::new(0);
    let accepted = AtomicU32::new(0);
    let start = std::time::Instant::now();
    let result = proptest::test_runner::TestRunner::new(config).run(&strategy, |v| {
        runs.fetch_add(1, Ordering::Relaxed);
        if check(v)? {
            accepted.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    let elapsed = start.elapsed();
    if let Err(e) = result {
        panic!("{target}: {e}");
    }
    eprintln!(
        "fuzz {target}: {n} cases ({} executions incl. shrinking), {} accepted, {:.2?}",
        runs.into_inner(),
        accepted.into_inner(),
        elapsed
    );
}

/// The chat parser never panics; whatever it accepts renders back byte for byte.
#[test]
fn fuzz_chat_text_parse() {
    fuzz("chat_text::parse", 10_000, chat_text_strategy(), |text| {
        check_chat(&text)
    });
}

/// Random JSON (biased towards manifest shapes) never panics the converter, and what
/// it accepts round-trips both ways — bare and where a wrapper puts its prompt.
#[test]
fn fuzz_manifest_arbitrary_json() {
    fuzz("manifest (random JSON)", 5_000, json_value(), |v| {
        let bare = check_manifest(&v)?;
        let wrapped = json!({"lc": 1, "type": "constructor",
            "id": ["langchain", "schema", "runnable", "RunnableSequence"],
            "kwargs": {"first": v}});
        Ok(check_manifest(&wrapped)? || bare)
    });
}

/// Generated SDK-shaped manifests (some mutated): no panic, round trips hold.
#[test]
fn fuzz_manifest_generated() {
    fuzz(
        "manifest (generated + mutated)",
        3_000,
        generated_manifest(),
        |m| check_manifest(&m),
    );
}

/// Mutations of the real fixture manifests: no panic, round trips hold.
#[test]
fn fuzz_manifest_mutated_fixtures() {
    let strategy = (
        any::<prop::sample::Index>(),
        prop::collection::vec(mutation(), 1..4),
    );
    fuzz(
        "manifest (mutated fixtures)",
        5_000,
        strategy,
        |(pick, muts)| {
            let all = fixture_manifests();
            let mut m = all[pick.index(all.len())].clone();
            for (walk, mutation) in &muts {
                mutate(&mut m, walk, mutation);
            }
            check_manifest(&m)
        },
    );
}

/// Arbitrary bytes never panic the metadata reader.
#[test]
fn fuzz_metadata_arbitrary_bytes() {
    let strategy = prop::collection::vec(any::<u8>(), 0..512);
    fuzz("metadata (random bytes)", 8_000, strategy, |bytes| {
        check_metadata(&bytes, &meta_name())
    });
}

/// Valid metadata round-trips; byte-level mutations of it never panic.
#[test]
fn fuzz_metadata_mutated_valid() {
    let strategy = (valid_metadata(), byte_mutations());
    fuzz(
        "metadata (valid + byte mutations)",
        2_500,
        strategy,
        |(meta, muts)| {
            let bytes = meta.to_json_bytes();
            let back = Metadata::from_slice(&bytes, Path::new("m.json"), &meta_name());
            prop_assert!(back.is_ok(), "valid metadata refused: {:?}", back);
            prop_assert_eq!(
                serde_json::to_value(back.unwrap()).unwrap(),
                serde_json::to_value(&meta).unwrap()
            );
            check_metadata(&apply_byte_mutations(bytes, &muts), &meta_name())
        },
    );
}

/// JSON-level mutations of valid metadata never panic; what still reads round-trips.
#[test]
fn fuzz_metadata_mutated_json() {
    let strategy = (valid_metadata(), prop::collection::vec(mutation(), 1..4));
    fuzz(
        "metadata (JSON mutations)",
        2_000,
        strategy,
        |(meta, muts)| {
            let mut v = serde_json::to_value(&meta).unwrap();
            for (walk, mutation) in &muts {
                mutate(&mut v, walk, mutation);
            }
            check_metadata(&serde_json::to_vec(&v).unwrap(), &meta_name())
        },
    );
}

/// Names and refs: accepted ones hold only allowed characters and fit the limits.
#[test]
fn fuzz_names() {
    fuzz("PromptName/HubRef", 8_000, name_strategy(), |s| {
        check_name(&s)
    });
}

/// Config prompt entries with arbitrary names and refs: no panic, and every prompt the
/// config accepts is a valid name with a valid ref.
#[test]
fn fuzz_config_prompt_entries() {
    let strategy = prop::collection::vec(
        (
            name_strategy(),
            prop::option::of(name_strategy()),
            any::<bool>(),
        ),
        0..5,
    );
    fuzz(
        "Config::from_toml (prompt entries)",
        1_500,
        strategy,
        |entries| check_config_text(&config_with(&entries)),
    );
}

/// Arbitrary text as a package `Cargo.toml`: no panic.
#[test]
fn fuzz_config_arbitrary_text() {
    let strategy = prop_oneof![
        any::<String>(),
        "\\[package(\\.metadata(\\.prompt-sync)?)?\\]\n[a-z_]{1,8} = (\"[^\"]{0,10}\"|[0-9-]{1,4}|\\[\\]|\\{\\})\n",
    ];
    fuzz("Config::from_toml (random text)", 3_000, strategy, |text| {
        check_config_text(&text)
    });
}

// ---------------------------------------------------------------------------------
// The committed seed corpus, through every target
// ---------------------------------------------------------------------------------

#[test]
fn fuzz_corpus_through_every_target() {
    let run = |r: Result<bool, TestCaseError>, file: &str| {
        if let Err(e) = r {
            panic!("corpus file {file}: {e}");
        }
    };
    let corpus = corpus();
    for (file, bytes) in &corpus {
        let text = String::from_utf8_lossy(bytes);
        run(check_chat(&text), file);
        run(check_metadata(bytes, &meta_name()), file);
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            run(check_manifest(&v), file);
            if let Some(n) = v
                .get("prompt_name")
                .and_then(Value::as_str)
                .and_then(|n| PromptName::new(n).ok())
            {
                run(check_metadata(bytes, &n), file);
            }
        }
        for line in text.lines() {
            run(check_name(line), file);
        }
        run(check_config_text(&text), file);
    }
    for (i, m) in fixture_manifests().iter().enumerate() {
        run(check_manifest(m), &format!("fixture manifest #{i}"));
    }
    // The valid corpus inputs must actually be accepted, or the corpus tests nothing.
    let get = |f: &str| &corpus.iter().find(|(n, _)| n == f).unwrap().1;
    assert!(parse(&String::from_utf8_lossy(get("chat-basic.txt"))).is_ok());
    assert!(parse(&String::from_utf8_lossy(get("chat-escapes.txt"))).is_ok());
    assert!(
        Metadata::from_slice(
            get("metadata-greeter.json"),
            Path::new("greeter.json"),
            &PromptName::new("greeter").unwrap()
        )
        .is_ok()
    );
    assert!(from_manifest(&serde_json::from_slice(get("manifest-wrapped.json")).unwrap()).is_ok());
    assert!(
        Config::from_toml(
            &String::from_utf8_lossy(get("config-tricky.txt")),
            Path::new("/x/Cargo.toml"),
            None
        )
        .is_err()
    );
    let accepted = fixture_manifests()
        .iter()
        .filter(|m| from_manifest(m).is_ok())
        .count();
    assert!(
        accepted >= 5,
        "only {accepted} fixture manifests are accepted"
    );
}
