"""The shipped schemas are valid Draft 2020-12, and what logward ships and writes follows them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from scanner import docgen
from scanner.assessment import SCHEMA_VERSION
from scanner.cli import main
from scanner.data import data_dir, schema
from scanner.policy.loader import policy_schema
from scanner.providers import schema_files

SCHEMAS = Path(docgen.__file__).resolve().parent / "schemas"
NAMED = ("policy", "results", "mapping", "config")
RESOURCE_SCHEMAS = sorted(schema_files().values())
POLICY_FILES = sorted(data_dir("policies").rglob("*.yaml"))
MAPPING_FILES = sorted(data_dir("mappings").glob("*.yaml"))
Validator = jsonschema.Draft202012Validator


def validator(name: str) -> jsonschema.protocols.Validator:
    # The policy schema as the loader applies it: completed with the registered clouds.
    found = policy_schema() if name == "policy" else schema(name)
    return Validator(found, format_checker=Validator.FORMAT_CHECKER)


def errors(name: str, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator(name).iter_errors(instance)
    ]


@pytest.mark.parametrize("name", NAMED)
def test_named_schema_is_valid_draft_2020_12(name: str) -> None:
    loaded = schema(name)
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Validator.check_schema(loaded)
    assert loaded["$id"].endswith(f"/{name}.schema.json")


@pytest.mark.parametrize("path", RESOURCE_SCHEMAS, ids=lambda p: p.stem)
def test_resource_schema_is_valid_draft_2020_12(path: Path) -> None:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Validator.check_schema(loaded)
    # One id everywhere: the file, the title and the $id name the resource type.
    assert loaded["title"] == path.stem
    assert loaded["$id"].endswith(f"/resources/{path.name}")
    assert loaded["properties"]["attrs"]["type"] == "object"


def test_there_are_schemas_and_policies_to_check() -> None:
    assert len(RESOURCE_SCHEMAS) >= 10
    assert len(POLICY_FILES) >= 30
    assert MAPPING_FILES


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.stem)
def test_shipped_policy_validates_against_the_schema(path: Path) -> None:
    """The whole file, conditions included (the loader leaves those to the compiler)."""
    assert errors("policy", yaml.safe_load(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", MAPPING_FILES, ids=lambda p: p.stem)
def test_shipped_mapping_validates_against_the_schema(path: Path) -> None:
    assert errors("mapping", yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_policy_resource_types_have_a_schema() -> None:
    types = {p.stem for p in RESOURCE_SCHEMAS}
    missing = {
        str(p.relative_to(data_dir("policies"))): r
        for p in POLICY_FILES
        if (r := yaml.safe_load(p.read_text(encoding="utf-8"))["resource"]) not in types
    }
    assert missing == {}


def test_results_schema_version_matches_the_writer() -> None:
    assert schema("results")["properties"]["schema_version"]["const"] == SCHEMA_VERSION


# --- what a run writes -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("demo") / "report"
    result = CliRunner().invoke(
        main, ["demo", "--out", str(out), "--quiet"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return loaded


def test_demo_results_validate(demo_results: dict[str, Any]) -> None:
    assert errors("results", demo_results) == []


def test_demo_results_use_every_status_but_error(demo_results: dict[str, Any]) -> None:
    """The demo estate has passes, failures and unknowns; a schema-valid but empty document
    would prove nothing."""
    summary = demo_results["summary"]
    assert summary["pass"] and summary["fail"] and summary["unknown"]
    assert len(demo_results["findings"]) == sum(summary.values())
    assert demo_results["scan"]["source"] == "demo"


def test_results_schema_rejects_what_it_should(demo_results: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(demo_results))
    broken["findings"][0]["status"] = "waived"
    broken["schema_version"] = "2.0"
    del broken["summary"]["unknown"]
    found = errors("results", broken)
    assert any(e.startswith("findings/0/status") for e in found)
    assert any(e.startswith("schema_version") for e in found)
    assert any(e.startswith("summary") for e in found)


# --- generated docs ---------------------------------------------------------------------------


def test_generated_docs_are_current() -> None:
    """docs/resources.md and docs/results-schema.json; run `python -m scanner.docgen` to fix."""
    for path, text in docgen.outputs().items():
        assert path.exists(), f"{path} is missing: run python -m scanner.docgen"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run python -m scanner.docgen"
        )


def test_docgen_check_mode(tmp_path: Path) -> None:
    assert docgen.stale() == []
    assert docgen.stale(tmp_path) == [tmp_path / "resources.md", tmp_path / "results-schema.json"]


def test_resources_doc_lists_every_attribute() -> None:
    text = docgen.render_resources()
    for path in RESOURCE_SCHEMAS:
        loaded = json.loads(path.read_text(encoding="utf-8"))
        assert f"## `{path.stem}`" in text
        for attr in loaded["properties"]["attrs"]["properties"]:
            assert f"| `{attr}` |" in text, f"{path.stem}.{attr} is not documented"


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ({"type": "string"}, "string"),
        ({"type": ["string", "null"]}, "string or null"),
        ({"type": "array", "items": {"type": "string"}}, "array of string"),
        ({"enum": ["basic", "none"]}, '"basic" or "none"'),
        (
            {"anyOf": [{"type": "integer"}, {"type": "object", "required": ["unknown", "error"]}]},
            "integer",
        ),
        ({}, "any"),
    ],
)
def test_docgen_type_text(spec: dict[str, Any], text: str) -> None:
    assert docgen.type_text(spec) == text


# --- docs/results.md ----------------------------------------------------------------------------

RESULTS_DOC = Path(docgen.DOCS) / "results.md"


def test_results_doc_example_validates() -> None:
    text = RESULTS_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"^```json\n(.*?)^```", text, re.S | re.M)
    assert len(blocks) == 1
    assert errors("results", json.loads(blocks[0])) == []


def test_results_doc_names_every_status_and_exit_code() -> None:
    from scanner.model import Status

    text = RESULTS_DOC.read_text(encoding="utf-8")
    for status in Status:
        assert f"| `{status.value}` |" in text
    for code in range(4):
        assert f"| `{code}` |" in text
    assert f'this document describes `"{SCHEMA_VERSION}"`' in text


# --- one vocabulary ---------------------------------------------------------------------------


def _enums(node: Any) -> list[list[Any]]:
    if isinstance(node, dict):
        found = [node["enum"]] if isinstance(node.get("enum"), list) else []
        return found + [e for v in node.values() for e in _enums(v)]
    if isinstance(node, list):
        return [e for v in node for e in _enums(v)]
    return []


def test_status_and_severity_words_are_the_models() -> None:
    """The schemas and the renderers' translation tables say what the model's enums say."""
    from scanner.model import SEVERITIES, STATUSES, Severity, Status
    from scanner.render import ocsf, sarif

    for name in ("results", "policy"):
        for enum in _enums(schema(name)):
            if "pass" in enum:
                assert enum == list(STATUSES), name
            if "critical" in enum:
                assert enum == list(SEVERITIES), name
    assert schema("results")["$defs"]["counts"]["required"] == list(STATUSES)
    assert set(ocsf.COMPLIANCE_STATUS) == set(Status)
    assert set(ocsf.SEVERITY_ID) == set(ocsf.SEVERITY_CAPTION) == set(Severity)
    assert set(sarif.SECURITY_SEVERITY) == set(sarif.FAIL_LEVEL) == set(Severity)
