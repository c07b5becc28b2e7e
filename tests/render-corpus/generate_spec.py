"""Renders the official mustache spec's cases with langchain-core: `spec.json`.

The spec's JSON files are in `mustache-spec/` (from github.com/mustache/spec, MIT
licence, see `mustache-spec/README.md`). This script reads them, renders every case the
way a LangChain user does, and writes `spec.json` next to it, which is committed; the
Rust tests (`prompt-sync/tests/render_corpus.rs`) check prompt-sync against it. It was
generated once, with the same interpreter and version as `generate.py`:

    python3 -m venv /tmp/lcvenv
    /tmp/lcvenv/bin/pip install langchain-core==1.8.3
    /tmp/lcvenv/bin/python tests/render-corpus/generate_spec.py   # from the workspace root

Only the spec's required files are used (comments, delimiters, interpolation, inverted,
sections). The optional modules (`~lambdas`, `~inheritance`, `~dynamic-names`) and
`partials` are left out: LangChain's `PromptTemplate` has no lambdas and no partials,
and prompt-sync refuses partial tags.

Each case is `PromptTemplate.from_template(template, template_format="mustache")` with
the spec's `data` as values, and records, as `generate.py` does:

- `manifest`, `input_variables`: `dumpd(prompt)` and `prompt.input_variables`;
- `expected`: `prompt.format(**data)` (`{"output": str}` or `{"error": …}`), as for the
  other mustache cases;
- `invoke`: `prompt.invoke(data).to_string()`, the runnable form (it refuses a missing
  input variable where `format` renders it empty, and takes the whole `data` as is);
- `spec`: the spec's file, name, description and expected output, and
  `langchain_matches_spec` (LangChain's `format` output equals the spec's);
- `divergence` (when set): prompt-sync deliberately refuses what LangChain's `format`
  renders (the reason is the value: a partial tag, a missing variable); the Rust test
  expects an error there;
- `spec.langchain_differs`: why LangChain's output is not the spec's (`SPEC_DIFFERENCES`
  below; the script fails when the list and the outputs disagree).
"""

import json
import os
import platform
import re
import sys

import langchain_core
from langchain_core.load import dumpd
from langchain_core.prompts import PromptTemplate

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_DIR = os.path.join(HERE, "mustache-spec")
SPEC_FILES = ["comments", "delimiters", "interpolation", "inverted", "sections"]

PARTIALS_NOT_RENDERED = "mustache partials are refused (LangChain renders them empty)"
MISSING_REFUSED = (
    "a missing variable is an error (LangChain's format renders it empty; its invoke "
    "refuses it too)"
)

# Where LangChain's output is not the spec's, and why (the script checks this list).
NOT_A_MAPPING = (
    "the data is not an object: a LangChain prompt takes a mapping of variables "
    "(TypeError), and so does format_json"
)
PARTIALS_EMPTY = "LangChain's PromptTemplate takes no partials: {{>include}} renders empty"
SPEC_DIFFERENCES = {
    "delimiters-partial-inheritence": PARTIALS_EMPTY,
    "delimiters-post-partial-behavior": PARTIALS_EMPTY,
    "interpolation-dotted-names-context-precedence": (
        "LangChain's chevron fork looks the whole dotted name up in each scope in turn: "
        "`b.c` fails in `a` (whose `b` has no `c`) and is found in the outer scope; the "
        "spec resolves `b` in the innermost scope that has it and renders empty"
    ),
    "interpolation-implicit-iterators-basic-interpolation": NOT_A_MAPPING,
    "interpolation-implicit-iterators-html-escaping": NOT_A_MAPPING,
    "interpolation-implicit-iterators-triple-mustache": NOT_A_MAPPING,
    "interpolation-implicit-iterators-ampersand": NOT_A_MAPPING,
    "interpolation-implicit-iterators-basic-integer-interpolation": NOT_A_MAPPING,
    "sections-implicit-iterator-root-level": NOT_A_MAPPING,
}


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def error(e):
    return {"error": f"{type(e).__name__}: {e}"}


def outcome(render):
    try:
        return {"output": render()}
    except Exception as e:
        return error(e)


def run(file, test):
    template = test["template"]
    data = test["data"]
    case = {
        "name": f"{file}-{slug(test['name'])}",
        "kind": "text",
        "format": "mustache",
        "template": template,
        "partial_variables": {},
        "values": data,
        "divergence": PARTIALS_NOT_RENDERED if "{{>" in template else None,
    }
    try:
        prompt = PromptTemplate.from_template(template, template_format="mustache")
    except Exception as e:
        case.update(manifest=None, input_variables=None, expected=error(e), invoke=error(e))
    else:
        case["manifest"] = dumpd(prompt)
        case["input_variables"] = list(prompt.input_variables)
        if isinstance(data, dict) and not case["divergence"]:
            if any(v not in data for v in prompt.input_variables):
                case["divergence"] = MISSING_REFUSED
        # A spec `data` that is not a mapping: Python refuses `**data` (TypeError).
        case["expected"] = outcome(lambda: prompt.format(**data))
        case["invoke"] = outcome(lambda: prompt.invoke(data).to_string())
    got = case["expected"].get("output")
    case["spec"] = {
        "file": f"{file}.json",
        "name": test["name"],
        "desc": test["desc"],
        "expected": test["expected"],
        "partials": test.get("partials"),
        "langchain_matches_spec": got == test["expected"],
        "langchain_differs": SPEC_DIFFERENCES.get(case["name"]),
    }
    return case


def main():
    cases = []
    for file in SPEC_FILES:
        with open(os.path.join(SPEC_DIR, f"{file}.json"), encoding="utf-8") as fh:
            spec = json.load(fh)
        cases.extend(run(file, t) for t in spec["tests"])
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    doc = {
        "generator": "tests/render-corpus/generate_spec.py",
        "langchain_core": langchain_core.__version__,
        "python": platform.python_version(),
        "source": "https://github.com/mustache/spec (specs/*.json), MIT licence",
        "cases": cases,
    }
    path = os.path.join(HERE, "spec.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    differ = [c["name"] for c in cases if not c["spec"]["langchain_matches_spec"]]
    assert set(differ) == set(SPEC_DIFFERENCES), set(differ) ^ set(SPEC_DIFFERENCES)
    print(f"{path}: {len(cases)} cases; LangChain's format differs from the spec in {len(differ)}", file=sys.stderr)
    for name in differ:
        print(f"  {name}", file=sys.stderr)


if __name__ == "__main__":
    main()
