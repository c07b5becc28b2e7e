"""Generates the differential render corpus: what langchain-core renders for each case.

The JSON files next to this script are its output and are committed; the Rust tests
(`prompt-sync/tests/render_corpus.rs` and the macro test it feeds) check prompt-sync
against them. They were generated once, with:

    python3 -m venv /tmp/lcvenv
    /tmp/lcvenv/bin/pip install langchain-core==1.8.3
    /tmp/lcvenv/bin/python tests/render-corpus/generate.py     # from the workspace root

(Python 3.11.7, langchain-core 1.8.3; both are recorded in every file.) Re-running it
with the same versions rewrites the same bytes.

Each case builds the prompt the way LangChain does (`PromptTemplate.from_template`,
`ChatPromptTemplate.from_messages`, `.partial(...)`), then records:

- `manifest`: `dumpd(prompt)`, the JSON the hub stores (absent when LangChain refuses to
  build the prompt);
- `input_variables`: LangChain's `prompt.input_variables`;
- `expected`: `{"output": str}` from `prompt.format(**values)` for text prompts,
  `{"messages": [{"role", "content"}]}` from `prompt.format_messages(**values)` for chat
  prompts, or `{"error": "Type: message"}` when LangChain raises;
- `divergence` (when set): prompt-sync deliberately refuses what LangChain renders (the
  reason is the value); the Rust test expects an error there.

Placeholder values are lists of `[type, content]` pairs (LangChain's message tuples).
"""

import json
import os
import platform
import sys

import langchain_core
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompts import (
    ChatMessagePromptTemplate,
    ChatPromptTemplate,
    MessagesPlaceholder,
    PromptTemplate,
)

HERE = os.path.dirname(os.path.abspath(__file__))

PARTIALS_NOT_RENDERED = "mustache partials are refused (LangChain renders them empty)"
JINJA2 = "jinja2 is never rendered by prompt-sync"
SPEC_ON_NUMBER = "format specs apply to string values only"


def text(name, fmt, template, values, partials=None, divergence=None):
    return {
        "name": name,
        "kind": "text",
        "format": fmt,
        "template": template,
        "partial_variables": partials or {},
        "values": values,
        "divergence": divergence,
    }


def chat(name, fmt, messages, values, partials=None, divergence=None):
    return {
        "name": name,
        "kind": "chat",
        "format": fmt,
        "messages": messages,
        "partial_variables": partials or {},
        "values": values,
        "divergence": divergence,
    }


def f(name, template, values=None, **kw):
    return text(name, "f-string", template, values or {}, **kw)


def m(name, template, values=None, **kw):
    return text(name, "mustache", template, values or {}, **kw)


FSTRING = [
    f("basic", "Hello {name}!", {"name": "Ada"}),
    f("repeated", "{a}-{b}-{a}", {"a": "x", "b": "y"}),
    f("no-fields", "Just text, no fields.\n"),
    f("empty", ""),
    f("escaped-braces", "{{literal}} and }} and {{", {}),
    f("escape-around-field", "{{{x}}}", {"x": "v"}),
    f("double-escape", "{{{{x}}}}", {"x": "v"}),
    f("escape-then-field", "}}{x}{{", {"x": "v"}),
    f("json-example", 'Reply as JSON: {{"answer": "{answer}"}}', {"answer": "42"}),
    f("spaces-in-name", "{ x } and {first name}", {" x ": "1", "first name": "Ada"}),
    f("unicode-name", "{名前}さん", {"名前": "太郎"}),
    f("hyphen-name", "{user-name}", {"user-name": "ada"}),
    f("multiline", "Line 1 {a}\r\nLine 2 {b}\n", {"a": "A", "b": "B"}),
    f("value-with-braces", "{x}", {"x": "{not} {{expanded}}"}),
    f("value-unicode", "[{x}]", {"x": "é😀\u200b"}),
    f("spec-right", "[{x:>8}]", {"x": "ab"}),
    f("spec-left", "[{x:<8}]", {"x": "ab"}),
    f("spec-center", "[{x:^7}]", {"x": "ab"}),
    f("spec-center-even", "[{x:^6}]", {"x": "abc"}),
    f("spec-fill", "[{x:*^9}]", {"x": "ab"}),
    f("spec-fill-brace-like", "[{x:<>6}]", {"x": "ab"}),
    f("spec-zero", "[{x:05}]", {"x": "ab"}),
    f("spec-zero-right", "[{x:>05}]", {"x": "ab"}),
    f("spec-precision", "[{x:.3}]", {"x": "abcdef"}),
    f("spec-width-precision", "[{x:10.3}]", {"x": "abcdef"}),
    f("spec-fill-width-precision", "[{x:_>8.2}]", {"x": "abcdef"}),
    f("spec-width-smaller", "[{x:2}]", {"x": "abcdef"}),
    f("spec-s", "[{x:s}] [{x:>4s}]", {"x": "ab"}),
    f("spec-unicode-width", "[{x:>6}]", {"x": "é😀"}),
    f("spec-unicode-fill", "[{x:é^6}]", {"x": "ab"}),
    f("spec-precision-zero", "[{x:.0}]", {"x": "abc"}),
    f("spec-empty-after-colon", "[{x:}]", {"x": "ab"}),
    f("conv-s", "{x!s}", {"x": "ab"}),
    f("conv-r", "{x!r}", {"x": "it's"}),
    f("conv-r-quotes", "{x!r}", {"x": "say \"hi\" it's"}),
    f("conv-r-escapes", "{x!r}", {"x": "a\nb\tc\\d\x01é\u200b😀"}),
    f("conv-a", "{x!a}", {"x": "é😀 ok"}),
    f("conv-r-spec", "[{x!r:>8}]", {"x": "ab"}),
    f("json-int", "n={n}", {"n": 42}),
    f("json-float", "x={x} y={y} z={z}", {"x": 1.0, "y": 2.5, "z": 1e20}),
    f("json-bool-null", "{a} {b} {c}", {"a": True, "b": False, "c": None}),
    f("json-list", "{x}", {"x": [1, "two", None]}),
    f("json-dict", "{x}", {"x": {"k": "v", "n": 1}}),
    f("json-int-repr", "{n!r}", {"n": 7}),
    f("json-int-spec", "[{n:>5}]", {"n": 42}, divergence=SPEC_ON_NUMBER),
    f("missing", "Hello {name}!", {}),
    f("extra-ignored", "Hello {name}!", {"name": "Ada", "unused": "x"}),
    f("partial", "{greeting}, {name}!", {"name": "Ada"}, partials={"greeting": "Hi"}),
    f("partial-overridden", "{greeting}, {name}!", {"name": "Ada", "greeting": "Yo"}, partials={"greeting": "Hi"}),
    f("partial-only", "{greeting}!", {}, partials={"greeting": "Hi"}),
    # Refusals, at parse (Python) or validation (LangChain) time.
    f("err-single-close", "a } b", {}),
    f("err-single-open", "a { b", {}),
    f("err-open-at-end", "a {", {}),
    f("err-unclosed-field", "{name", {"name": "x"}),
    f("err-attribute", "{user.name}", {"user": "x"}),
    f("err-index", "{items[0]}", {"items": "x"}),
    f("err-positional", "{0}", {}),
    f("err-empty-field", "{}", {}),
    f("err-nested-spec", "{x:>{w}}", {"x": "a", "w": "5"}),
    f("err-brace-in-name", "{a{b}}", {}),
    f("err-conversion", "{x!z}", {"x": "a"}),
    f("err-conversion-then-text", "{x!rr}", {"x": "a"}),
    f("err-conversion-at-end", "{x!", {"x": "a"}),
    f("err-spec-unclosed", "{x:", {"x": "a"}),
    f("err-spec-d", "{x:d}", {"x": "a"}),
    f("err-spec-sign", "{x:+}", {"x": "a"}),
    f("err-spec-space", "{x: }", {"x": "a"}),
    f("err-spec-alt", "{x:#}", {"x": "a"}),
    f("err-spec-eq", "{x:=5}", {"x": "a"}),
    f("err-spec-comma", "{x:,}", {"x": "a"}),
    f("err-spec-underscore", "{x:_}", {"x": "a"}),
    f("err-spec-z", "{x:z}", {"x": "a"}),
    f("err-spec-missing-precision", "{x:.}", {"x": "a"}),
    f("err-spec-junk", "{x:5x5}", {"x": "a"}),
]

MUSTACHE = [
    m("basic", "Hello {{name}}!", {"name": "Ada"}),
    m("spaces", "Hello {{ name }}!", {"name": "Ada"}),
    m("escape", "{{x}}", {"x": "<a href=\"x\">Tom & Jerry's</a>"}),
    m("triple", "{{{x}}}", {"x": "<b>&\"'</b>"}),
    m("ampersand", "{{& x}} {{&x}}", {"x": "<b>&</b>"}),
    m("triple-spaces", "{{{ x }}}", {"x": "<i>"}),
    m("no-tags", "plain text\n"),
    m("empty", ""),
    m("missing-top", "[{{missing}}]", {}),
    m("missing-nested", "[{{user.missing}}] [{{user.name.first}}]", {"user": {"name": "Ada"}}),
    m("dotted", "{{user.name}} is {{user.age}}", {"user": {"name": "Ada", "age": 36}}),
    m("dotted-deep", "{{a.b.c}}", {"a": {"b": {"c": "deep"}}}),
    m("dotted-index", "{{items.0}} {{items.2}} {{items.-1}} [{{items.5}}]", {"items": ["a", "b", "c"]}),
    m("dotted-index-map", "{{items.1.name}}", {"items": [{"name": "a"}, {"name": "b"}]}),
    m("section-list", "{{#items}}[{{name}}]{{/items}}", {"items": [{"name": "a"}, {"name": "b"}]}),
    m("section-strings", "{{#items}}{{.}}, {{/items}}", {"items": ["x", "y", "z"]}),
    m("section-falsy-items", "{{#items}}<{{.}}>{{/items}}", {"items": [0, 1, "", "s", None, False, True, [], [1]]}),
    m("section-empty-list", "a{{#items}}X{{/items}}b", {"items": []}),
    m("section-map", "{{#user}}{{name}} ({{age}}){{/user}}", {"user": {"name": "Ada", "age": 36}}),
    m("section-true", "{{#flag}}yes {{.}}{{/flag}}", {"flag": True}),
    m("section-false", "{{#flag}}yes{{/flag}}no", {"flag": False}),
    m("section-string", "{{#s}}[{{.}}]{{/s}}", {"s": "text"}),
    m("section-empty-string", "{{#s}}[{{.}}]{{/s}}", {"s": ""}),
    m("section-zero", "{{#n}}[{{.}}]{{/n}}|{{#f}}[{{.}}]{{/f}}", {"n": 0, "f": 0.0}),
    m("section-number", "{{#n}}[{{.}}]{{/n}}", {"n": 7}),
    m("section-missing", "a{{#nothing}}X{{/nothing}}b", {}),
    m("section-scope-fallback", "{{#items}}{{name}}/{{greeting}} {{/items}}", {"items": [{"name": "a"}, {"name": "b", "greeting": "yo"}], "greeting": "hi"}),
    m("section-nested", "{{#a}}{{#b}}{{x}}{{/b}}{{/a}}", {"a": {"b": [{"x": 1}, {"x": 2}]}}),
    m("section-nested-lists", "{{#rows}}[{{#.}}{{.}}{{/.}}]{{/rows}}", {"rows": [[1, 2], [3]]}),
    m("section-same-key-nested", "{{#a}}<{{#a}}{{.}}{{/a}}>{{/a}}", {"a": [1, 2]}),
    m("section-dotted", "{{#user.tags}}#{{.}} {{/user.tags}}", {"user": {"tags": ["x", "y"]}}),
    m("inverted-missing", "{{^x}}none{{/x}}", {}),
    m("inverted-empty", "{{^items}}none{{/items}}", {"items": []}),
    m("inverted-false", "{{^flag}}off{{/flag}}", {"flag": False}),
    m("inverted-truthy", "{{^flag}}off{{/flag}}on", {"flag": "yes"}),
    m("inverted-dot", "{{^flag}}[{{.}}]{{/flag}}", {"flag": False}),
    m("inverted-in-list-same-key", "{{#a}}{{^a}}x{{/a}}{{/a}}", {"a": [1]}),
    m("values-non-string", "{{i}} {{f}} {{t}} {{fa}} [{{n}}] {{l}} {{d}}", {"i": 3, "f": 2.5, "t": True, "fa": False, "n": None, "l": [1, "x"], "d": {"k": "<v>"}}),
    m("values-zero", "[{{z}}] [{{e}}] [{{el}}] [{{ed}}]", {"z": 0, "e": "", "el": [], "ed": {}}),
    m("dot-top-level", "{{.}}", {"a": "x", "b": 1}),
    m("comment", "a{{! a comment }}b", {}),
    m("comment-standalone", "a\n  {{! standalone comment }}\nb", {}),
    m("comment-multiline", "a\n{{!\n multi\n line\n}}\nb", {}),
    m("standalone-section", "Items:\n{{#items}}\n- {{.}}\n{{/items}}\nEnd", {"items": ["a", "b"]}),
    m("standalone-indented", "Items:\n  {{#items}}  \n  - {{.}}\n  {{/items}}\nEnd", {"items": ["a", "b"]}),
    m("standalone-tab", "x\n\t{{#a}}\ny\n\t{{/a}}\nz", {"a": True}),
    m("standalone-crlf", "x\r\n{{#a}}\r\ny\r\n{{/a}}\r\nz", {"a": True}),
    m("standalone-start", "{{#a}}\nfirst\n{{/a}}\n", {"a": True}),
    m("standalone-end-no-newline", "x\n{{#a}}\ny\n{{/a}}", {"a": True}),
    m("standalone-eof", "x\n  {{#a}}  ", {"a": True}),
    m("not-standalone", "x {{#a}}\ny{{/a}} z\n", {"a": True}),
    m("standalone-inverted", "a\n{{^x}}\nnone\n{{/x}}\nb", {}),
    m("standalone-variable-not", "a\n  {{x}}\nb", {"x": "v"}),
    m("set-delimiter", "{{=<% %>=}}Hi <% name %> {{name}}", {"name": "Ada"}),
    m("set-delimiter-back", "{{=<% %>=}}<% a %><%={{ }}=%>{{b}}", {"a": "A", "b": "B"}),
    m("set-delimiter-standalone", "x\n{{=| |=}}\n|name|\n", {"name": "Ada"}),
    m("set-delimiter-section", "{{=[ ]=}}[#items][.][/items]", {"items": ["a", "b"]}),
    m("quirk-two-brace-triple", "{{{x}} after", {"x": "v"}),
    m("quirk-trailing-open", "text {{", {}),
    m("quirk-sigil-after-space", "{{ #x}}", {"#x": "hash"}),
    m("unicode", "{{名前}}: {{#リスト}}{{.}}{{/リスト}}", {"名前": "太郎", "リスト": ["あ", "い"]}),
    m("braces-in-text", "{single} {{x}} }", {"x": "v"}),
    m("extra-ignored", "{{a}}", {"a": "1", "b": "2"}),
    m("partial-var", "{{greeting}}, {{name}}", {"name": "Ada"}, partials={"greeting": "Hi"}),
    m("partial-map", "{{#user}}{{name}}{{/user}}", {}, partials={"user": {"name": "Ada"}}),
    m("err-unclosed-tag", "Hello {{name", {"name": "x"}),
    m("err-empty-tag", "Hello {{ }}", {}),
    m("err-unclosed-section", "{{#a}}x", {"a": True}),
    m("err-mismatched-close", "{{#a}}x{{/b}}", {"a": True}),
    m("err-close-unopened", "x{{/a}}", {}),
    m("err-set-delimiter", "{{=<% %>}}", {}),
    m("partial-tag", "Hi {{> footer}}!", {}, divergence=PARTIALS_NOT_RENDERED),
    text("jinja2", "jinja2", "Hello {{ name }}!", {"name": "Ada"}, divergence=JINJA2),
]

HISTORY = [["human", "Hi"], ["ai", "Hello! How can I help?"], ["human", "Tell me a joke"], ["ai", "Why did the {chicken}..."]]

CHAT = [
    chat("system-placeholder-human", "f-string", [
        {"role": "system", "template": "You are a helpful assistant named {name}."},
        {"placeholder": "history"},
        {"role": "human", "template": "{question}"},
    ], {"name": "Bob", "question": "What is 2+2?", "history": HISTORY}),
    chat("placeholder-empty", "f-string", [
        {"role": "system", "template": "Be brief."},
        {"placeholder": "history"},
        {"role": "human", "template": "{q}"},
    ], {"q": "hi", "history": []}),
    chat("placeholder-missing", "f-string", [
        {"placeholder": "history"},
        {"role": "human", "template": "{q}"},
    ], {"q": "hi"}),
    chat("placeholder-optional-omitted", "f-string", [
        {"role": "system", "template": "Sys"},
        {"placeholder": "history", "optional": True},
        {"role": "human", "template": "{q}"},
    ], {"q": "hi"}),
    chat("placeholder-optional-given", "f-string", [
        {"placeholder": "history", "optional": True},
        {"role": "human", "template": "{q}"},
    ], {"q": "hi", "history": HISTORY[:2]}),
    chat("placeholder-n-messages", "f-string", [
        {"placeholder": "history", "n_messages": 2},
        {"role": "human", "template": "{q}"},
    ], {"q": "hi", "history": HISTORY}),
    chat("placeholder-aliases", "f-string", [
        {"placeholder": "history"},
    ], {"history": [["user", "u"], ["assistant", "a"], ["system", "s"]]}),
    chat("placeholder-not-a-list", "f-string", [
        {"placeholder": "history"},
    ], {"history": "just a string"}),
    chat("literal-messages", "f-string", [
        {"role": "system", "literal": "Answer in {lang}, literally."},
        {"role": "human", "template": "{q} {{braces}}"},
        {"role": "ai", "literal": "{ok}"},
    ], {"q": "hi"}),
    chat("generic-role", "f-string", [
        {"role": "critic", "template": "Critique: {text}"},
        {"role": "ai", "template": "Sure, {who}."},
    ], {"text": "draft", "who": "Ada"}),
    chat("shared-variable", "f-string", [
        {"role": "system", "template": "You are {name}."},
        {"role": "human", "template": "Hi {name}, {q}"},
    ], {"name": "Bob", "q": "how are you?"}),
    chat("format-spec", "f-string", [
        {"role": "human", "template": "[{x:>6}] [{x!r}]"},
    ], {"x": "ab"}),
    chat("partials", "f-string", [
        {"role": "system", "template": "Today is {date}. You are {name}."},
        {"role": "human", "template": "{q}"},
    ], {"name": "Bob", "q": "hi"}, partials={"date": "2026-01-01"}),
    chat("missing-variable", "f-string", [
        {"role": "system", "template": "You are {name}."},
        {"role": "human", "template": "{q}"},
    ], {"q": "hi"}),
    chat("error-template", "f-string", [
        {"role": "human", "template": "{q.attr}"},
    ], {"q": "hi"}),
    chat("mustache-basic", "mustache", [
        {"role": "system", "template": "Hi {{name}} <{{tag}}>"},
        {"placeholder": "history"},
        {"role": "human", "template": "{{{raw}}} {{q}}"},
    ], {"name": "Ada", "tag": "b&b", "raw": "<i>", "q": "why?", "history": HISTORY[:1]}),
    chat("mustache-sections", "mustache", [
        {"role": "system", "template": "Rules:\n{{#rules}}\n- {{.}}\n{{/rules}}\n{{^rules}}\nNo rules.\n{{/rules}}"},
        {"role": "human", "template": "{{user.name}} asks: {{q}}"},
    ], {"rules": ["be kind", "be brief"], "user": {"name": "Ada"}, "q": "hi"}),
    chat("mustache-partials", "mustache", [
        {"role": "system", "template": "{{#persona}}You are {{name}}.{{/persona}}"},
        {"role": "human", "template": "{{q}}"},
    ], {"q": "hi"}, partials={"persona": {"name": "Bob"}}),
    chat("mustache-literal", "mustache", [
        {"role": "system", "literal": "{{not rendered}}"},
        {"role": "human", "template": "{{q}}"},
    ], {"q": "hi"}),
]


# Seeded random templates: many small combinations of the features above, to catch
# interactions (standalone lines next to sections, escapes next to fields, …).
FUZZ_VALUES = {
    "v": "<a & \"b\">",
    "w": "plain",
    "s": [{"k": "one"}, {"k": "two", "v": "own"}],
    "l": ["x", "", "y"],
    "t": True,
    "f": False,
    "e": [],
    "m": {"k": "mk", "v": "mv", "l": [1, 2]},
    "n": 0,
    "z": None,
    "num": 3.5,
}


def fuzz_mustache(rng, depth=0):
    pieces = []
    for _ in range(rng.randint(1, 5)):
        r = rng.random()
        if r < 0.3:
            pieces.append(rng.choice(["a", " ", "\n", "  ", "\t", "x\r\n", "\n  ", "<&>", "}", "{"]))
        elif r < 0.55:
            key = rng.choice(["v", "w", "k", "v.k", "m.k", "m.l.1", ".", "num", "n", "z", "missing", "l.0"])
            pieces.append(rng.choice(["{{%s}}", "{{{%s}}}", "{{& %s}}", "{{ %s }}"]) % key)
        elif r < 0.65:
            pieces.append(rng.choice(["{{! note }}", "\n{{! note }}\n", "  {{!x}}  \n"]))
        elif depth < 3:
            key = rng.choice(["s", "l", "t", "f", "e", "m", "n", "z", "missing", "m.l", "w"])
            sigil = rng.choice(["#", "#", "^"])
            pad_open = rng.choice(["", "\n", "  ", "\n  "])
            pad_close = rng.choice(["", "\n", "  \n", "\n\t"])
            inner = fuzz_mustache(rng, depth + 1)
            pieces.append(f"{pad_open}{{{{{sigil}{key}}}}}{pad_close}{inner}{pad_open}{{{{/{key}}}}}{pad_close}")
    return "".join(pieces)


def fuzz_fstring(rng):
    pieces = []
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.4:
            pieces.append(rng.choice(["a", " ", "\n", "{{", "}}", "é", "{{x}}", ":", "!"]))
        else:
            name = rng.choice(["x", "y", "long_name"])
            conv = rng.choice(["", "", "", "!s", "!r", "!a"])
            spec = rng.choice(["", "", ":>6", ":<4", ":^7", ":*^8", ":.2", ":6.1", ":05", ":s", ":x<3", ":é>4"])
            pieces.append("{" + name + conv + spec + "}")
    return "".join(pieces)


def fuzz_cases(seed=8, mustache_n=220, fstring_n=100):
    import random

    rng = random.Random(seed)
    cases = []
    for i in range(mustache_n):
        cases.append(m(f"fuzz-m{i:03}", fuzz_mustache(rng), FUZZ_VALUES))
    for i in range(fstring_n):
        cases.append(f(f"fuzz-f{i:03}", fuzz_fstring(rng), {"x": "ab", "y": "é😀'\n", "long_name": "abcdefgh"}))
    return cases


def build_message(spec, fmt):
    if "placeholder" in spec:
        return MessagesPlaceholder(
            variable_name=spec["placeholder"],
            optional=spec.get("optional", False),
            n_messages=spec.get("n_messages"),
        )
    role = spec["role"]
    if "literal" in spec:
        cls = {"system": SystemMessage, "human": HumanMessage, "ai": AIMessage}[role]
        return cls(content=spec["literal"])
    if role in ("system", "human", "ai"):
        return (role, spec["template"])
    return ChatMessagePromptTemplate.from_template(
        spec["template"], role=role, template_format=fmt
    )


def build(case):
    fmt = case["format"]
    partials = case["partial_variables"]
    if case["kind"] == "text":
        prompt = PromptTemplate.from_template(case["template"], template_format=fmt)
    else:
        messages = [build_message(s, fmt) for s in case["messages"]]
        prompt = ChatPromptTemplate.from_messages(messages, template_format=fmt)
    if partials:
        prompt = prompt.partial(**partials)
    return prompt


def values_for_python(case):
    values = dict(case["values"])
    for spec in case.get("messages", []):
        name = spec.get("placeholder")
        if name in values and isinstance(values[name], list):
            values[name] = [tuple(x) for x in values[name]]
    return values


def error(e):
    return {"error": f"{type(e).__name__}: {e}"}


def role_of(message):
    return getattr(message, "role", None) or message.type


def run(case):
    out = dict(case)
    try:
        prompt = build(case)
    except Exception as e:  # LangChain refuses the template itself
        out["manifest"] = None
        out["input_variables"] = None
        out["expected"] = error(e)
        return out
    out["manifest"] = dumpd(prompt)
    out["input_variables"] = list(prompt.input_variables)
    try:
        values = values_for_python(case)
        if case["kind"] == "text":
            out["expected"] = {"output": prompt.format(**values)}
        else:
            out["expected"] = {
                "messages": [
                    {"role": role_of(msg), "content": msg.content}
                    for msg in prompt.format_messages(**values)
                ]
            }
    except Exception as e:
        out["expected"] = error(e)
    return out


def write(group, cases):
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), f"duplicate case names in {group}"
    doc = {
        "generator": "tests/render-corpus/generate.py",
        "langchain_core": langchain_core.__version__,
        "python": platform.python_version(),
        "cases": [run(c) for c in cases],
    }
    path = os.path.join(HERE, f"{group}.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    print(f"{path}: {len(cases)} cases", file=sys.stderr)


def main():
    write("fstring", FSTRING)
    write("mustache", MUSTACHE)
    write("chat", CHAT)
    write("fuzz", fuzz_cases())


if __name__ == "__main__":
    main()
