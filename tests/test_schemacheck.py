"""The compiled schema check says yes exactly when jsonschema does, on real findings and on
each way a finding can be wrong; a schema keyword it does not implement is refused."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.data import schema
from scanner.schemacheck import Unsupported, compile_schema

VALID = Path(__file__).resolve().parent / "inputs" / "bounded" / "valid.results.json"


def _results() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(VALID.read_text(encoding="utf-8"))
    return loaded


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _drop(path: tuple[str | int, ...]) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


F = ("findings", 0)
CHANGES = {
    "valid": lambda _doc: None,
    "status-unknown-word": _set((*F, "status"), "passed"),
    "status-number": _set((*F, "status"), 1),
    "status-true": _set((*F, "status"), True),
    "missing-message": _drop((*F, "message")),
    "empty-message": _set((*F, "message"), ""),
    "extra-field": _set((*F, "extra"), 1),
    "resource-not-object": _set((*F, "resource"), "x"),
    "resource-extra": _set((*F, "resource", "extra"), "x"),
    "evidence-not-list": _set((*F, "evidence"), {}),
    "controls-of-numbers": _set((*F, "controls"), [1]),
    "source-line-zero": _set((*F, "source"), {"file": "a.tf", "line": 0}),
    "source-line-float": _set((*F, "source"), {"file": "a.tf", "line": 2.0}),
    "source-line-bool": _set((*F, "source"), {"file": "a.tf", "line": True}),
    "baseline-word": _set((*F, "baseline"), "old"),
    "version": _set(("schema_version",), "2.0"),
    "tool-name": _set(("tool", "name"), "other"),
    "scan-source-pattern": _set(("scan", "source"), "Not A Name"),
    "caller-null": _set(("scan", "caller"), None),
    "caller-number": _set(("scan", "caller"), 5),
    "inventory-string": _set(("inventory", "aws.account"), "1"),
    "api-calls-negative": _set(("scan", "api_calls"), -1),
    "missing-summary": _drop(("summary",)),
    "top-extra": _set(("extra",), 1),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_the_check_agrees_with_jsonschema(name: str) -> None:
    root = schema("results")
    doc = copy.deepcopy(_results())
    CHANGES[name](doc)
    expected = jsonschema.Draft202012Validator(root).is_valid(doc)
    assert compile_schema(root, root)(doc) is expected
    assert expected is (name in ("valid", "caller-null", "source-line-float"))


def test_every_finding_of_a_real_run_agrees() -> None:
    root = schema("results")
    part = {"$defs": root["$defs"], **root["properties"]["findings"]["items"]}
    slow, fast = jsonschema.Draft202012Validator(part), compile_schema(part, root)
    findings = _results()["findings"]
    assert findings
    for finding in findings:
        assert fast(finding) is slow.is_valid(finding) is True


PLANS = sorted((Path(__file__).resolve().parent / "terraform" / "fixtures").glob("*.json"))
BAD_PLANS = sorted((Path(__file__).resolve().parent / "inputs" / "bounded").glob("*.plan.json"))


@pytest.mark.parametrize("path", PLANS + BAD_PLANS, ids=lambda p: p.name)
def test_the_plan_check_agrees_with_jsonschema(path: Path) -> None:
    root = schema("plan")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):
        pytest.skip("not JSON Python reads: refused before the shape check")
    expected = jsonschema.Draft202012Validator(root).is_valid(doc)
    assert compile_schema(root, root)(doc) is expected


@pytest.mark.parametrize("keyword", ["oneOf", "patternProperties", "maxItems", "if"])
def test_an_unknown_keyword_is_refused_not_ignored(keyword: str) -> None:
    with pytest.raises(Unsupported):
        compile_schema({"type": "object", keyword: {}}, {})
