//! Properties of the renderer: it never panics, whatever the template and values, and
//! text without fields renders as itself.

#![allow(clippy::unwrap_used)]

use std::borrow::Cow;

use prompt_sync_render::TemplateFormat;
use prompt_sync_render::spec::Spec;
use prompt_sync_render::{Seq, Template, Value, template_variables};
use proptest::prelude::*;

/// Templates made of the characters that matter to both formats.
fn template() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("{"),
            Just("}"),
            Just("{{"),
            Just("}}"),
            Just("{{{"),
            Just("}}}"),
            Just("#"),
            Just("^"),
            Just("/"),
            Just("!"),
            Just("="),
            Just("&"),
            Just(">"),
            Just("<"),
            Just("."),
            Just(":"),
            Just(" "),
            Just("\n"),
            Just("\t"),
            Just("a"),
            Just("b"),
            Just("0"),
            Just("-1"),
            Just("é"),
            Just("<%"),
            Just("%>"),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// Values of every kind, nested.
fn value() -> impl Strategy<Value = Value<'static>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i128..3).prop_map(Value::Int),
        prop_oneof![Just(0.0), Just(1.5), Just(-2.0), Just(1e20)].prop_map(Value::Float),
        "[a-b<&\"' ]{0,4}".prop_map(|s| Value::Str(Cow::Owned(s))),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| Value::List(Seq::Owned(v))),
            prop::collection::vec(("[ab.]{1,2}", inner), 0..4).prop_map(|entries| {
                Value::Map(Seq::Owned(
                    entries
                        .into_iter()
                        .map(|(k, v)| (Cow::Owned(k), v))
                        .collect(),
                ))
            }),
        ]
    })
}

/// A context binding `a`, `b` and `.` to arbitrary values.
fn context() -> impl Strategy<Value = Value<'static>> {
    (value(), value(), value()).prop_map(|(a, b, c)| {
        Value::Map(Seq::Owned(vec![
            (Cow::Borrowed("a"), a),
            (Cow::Borrowed("b"), b),
            (Cow::Borrowed("0"), c),
        ]))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn rendering_never_panics(t in template(), ctx in context()) {
        for format in [TemplateFormat::FString, TemplateFormat::Mustache, TemplateFormat::Jinja2] {
            let _ = template_variables(&t, format);
            if let Ok(parsed) = Template::parse(&t, format) {
                let _ = parsed.variables();
                let _ = parsed.render(&ctx);
            }
        }
    }

    #[test]
    fn specs_never_panic(spec in "[<>^=+ z#0-9,_.sdé*-]{0,8}", value in "[aé😀]{0,6}") {
        if let Ok(parsed) = Spec::parse(&spec) {
            let mut out = String::new();
            parsed.apply(&value, &mut out);
            prop_assert!(out.chars().count() >= parsed.width.min(value.chars().count()));
        }
    }

    #[test]
    fn fstring_without_fields_round_trips(text in any::<String>()) {
        let escaped = text.replace('{', "{{").replace('}', "}}");
        let parsed = Template::parse(&escaped, TemplateFormat::FString).unwrap();
        prop_assert!(parsed.variables().is_empty());
        prop_assert_eq!(parsed.render(&Value::from_pairs(&[])).unwrap(), text);
    }

    #[test]
    fn mustache_without_tags_renders_itself(text in any::<String>()) {
        prop_assume!(!text.contains("{{"));
        let parsed = Template::parse(&text, TemplateFormat::Mustache).unwrap();
        prop_assert!(parsed.variables().is_empty());
        prop_assert_eq!(parsed.render(&Value::from_pairs(&[])).unwrap(), text);
    }

    #[test]
    fn fstring_values_are_inserted_verbatim(before in "[^{}]{0,8}", value in any::<String>(), after in "[^{}]{0,8}") {
        let t = format!("{before}{{x}}{after}");
        let parsed = Template::parse(&t, TemplateFormat::FString).unwrap();
        let out = parsed.render(&Value::from_pairs(&[("x", &value)])).unwrap();
        prop_assert_eq!(out, format!("{before}{value}{after}"));
    }
}

/// The case `rendering_never_panics` once shrank to (kept in
/// `render_props.proptest-regressions` beside this file, which proptest replays):
/// unbalanced braces before a multi-byte character, with null values.
#[test]
fn the_recorded_regression_renders_or_refuses_without_panicking() {
    let t = "{{{{{{{é";
    let ctx = Value::Map(Seq::Owned(vec![
        (Cow::Borrowed("a"), Value::Null),
        (Cow::Borrowed("b"), Value::Null),
        (Cow::Borrowed("0"), Value::Null),
    ]));
    for format in [
        TemplateFormat::FString,
        TemplateFormat::Mustache,
        TemplateFormat::Jinja2,
    ] {
        let _ = template_variables(t, format);
        if let Ok(parsed) = Template::parse(t, format) {
            let _ = parsed.variables();
            let _ = parsed.render(&ctx);
        }
    }
}
