"""The provider boundary holds: a cloud that lives only under tests/providers/example/ scans,
plans and renders every format through the real commands, the core never names it (nor any
other cloud), and every registered adapter declares its links as its schemas say."""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner import providers
from scanner.cli import main
from scanner.link import declared_links
from scanner.mappings import load_frameworks
from scanner.providers.base import Adapter
from scanner.results import load_results
from tests.render.test_render import assert_valid_sarif
from tests.support.nosdk import plan_loads

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "scanner"
EXAMPLE = Path(__file__).resolve().parent / "example"
POLICY = "example-log-store-retained"


@pytest.fixture
def example() -> Iterator[None]:
    with providers.registered("example", "tests.providers.example:ADAPTER"):
        yield


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def statuses(results: dict[str, Any]) -> dict[str, str]:
    return {
        f["resource"]["name"]: f["status"] for f in results["findings"] if f["policy_id"] == POLICY
    }


# --- the example cloud, through every command ------------------------------------------------


def test_its_policy_and_its_mapping_line_join_the_catalogue(example: None) -> None:
    code, output = invoke("policies", "validate")
    assert code == 0, output
    code, output = invoke("policies", "list")
    assert POLICY in output
    soc2 = next(f for f in load_frameworks() if f.id == "soc2")
    disposal = next(c for c in soc2.controls if c.id == "C1.2")
    assert POLICY in disposal.policies and "aws-logs-log-group-retention" in disposal.policies
    assert str(EXAMPLE / "mappings" / "soc2.yaml") in soc2.extra_files


def test_scan_renders_every_format_with_evidence(example: None, tmp_path: Path) -> None:
    out, bundle = tmp_path / "out", tmp_path / "evidence"
    code, output = invoke(
        "scan",
        "example",
        "--endpoint",
        str(EXAMPLE / "fixtures" / "api"),
        "--format",
        "all",
        "--out",
        str(out),
        "--evidence",
        str(bundle),
        "--quiet",
    )
    assert code == 1, output  # failing findings
    results = load_results(out / "results.json")
    # Two pages, three stores; 400 days is long enough but not whole months.
    assert statuses(results) == {"audit": "pass", "short": "fail", "odd": "fail"}
    scan = results["scan"]
    assert scan["source"] == "example" and scan["accounts"] == ["example-account-1"]
    assert scan["policy_set"]["ids"] == [POLICY]  # only the scanned cloud's policies
    assert scan["api_calls"] == 2
    control = next(
        c for c in results["controls"] if c["framework"] == "soc2" and c["control_id"] == "C1.2"
    )
    assert control["status"] == "fail"
    names = {p.name for p in out.iterdir()}
    assert {
        "report.html",
        "results.sarif",
        "results.junit.xml",
        "summary.md",
        "findings.csv",
        "findings.ocsf.json",
    } <= names
    assert_valid_sarif(json.loads((out / "results.sarif").read_text(encoding="utf-8")))
    ocsf = json.loads((out / "findings.ocsf.json").read_text(encoding="utf-8"))
    assert {e["cloud"]["provider"] for e in ocsf} == {"Example Cloud"}
    assert "example-log-store-retained" in (out / "report.html").read_text(encoding="utf-8")
    code, output = invoke("verify", str(bundle))
    assert code == 0, output
    cited = {e["sha256"] for f in results["findings"] for e in f["evidence"]}
    assert cited and all((bundle / "responses" / f"{sha}.json").is_file() for sha in cited)


def test_a_failed_page_is_an_error_never_a_gap(example: None, tmp_path: Path) -> None:
    api = tmp_path / "api"
    shutil.copytree(EXAMPLE / "fixtures" / "api", api)
    (api / "log-stores.p2.json").write_text(
        json.dumps({"error": "Throttled", "message": "slow down"}), encoding="utf-8"
    )
    code, output = invoke(
        "scan", "example", "--endpoint", str(api), "--out", str(tmp_path / "out"), "--quiet"
    )
    assert code == 1, output
    results = load_results(tmp_path / "out" / "results.json")
    assert [(e["operation"], e["code"]) for e in results["errors"]] == [
        ("ListLogStores", "Throttled")
    ]
    errors = [f for f in results["findings"] if f["status"] == "error"]
    assert errors and "could not list example.log_store" in errors[0]["message"]


def test_plan_judges_the_example_cloud(example: None, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = invoke(
        "plan", str(EXAMPLE / "fixtures" / "plan.json"), "--format", "all", "--out", str(out)
    )
    assert code == 1, output
    results = load_results(out / "results.json")
    assert statuses(results) == {"audit": "pass", "short": "fail", "later": "unknown"}
    later = next(f for f in results["findings"] if f["resource"]["name"] == "later")
    assert "known after apply" in later["message"]
    assert results["scan"]["not_evaluated"] == {"example_bucket": ["example_bucket.other"]}
    assert "aws.account" not in results["inventory"]  # nothing of AWS in this plan
    assert_valid_sarif(json.loads((out / "results.sarif").read_text(encoding="utf-8")))


def test_its_command_words_come_from_the_registry(example: None) -> None:
    code, output = invoke("scan", "--help")
    assert code == 0 and "example" in output and "aws" in output
    code, output = invoke("permissions", "example")
    assert code == 0 and json.loads(output) == {"permissions": ["example.logStores.list"]}
    code, output = invoke("scan", "example", "--out", "never")
    assert code == 2 and "--endpoint: required" in output
    code, output = invoke("demo", "--cloud", "example", "--out", "never")
    assert code == 3 and "no demo estate for example" in output


def test_unregistered_it_is_unknown() -> None:
    assert "example" not in providers.names()
    code, output = invoke("scan", "example")
    assert code == 2 and "No such command 'example'" in output


# --- the core knows no cloud ------------------------------------------------------------------


def _core_files() -> list[Path]:
    """The core: scanner/ without the clouds' own folders (scanner/providers/<cloud>/)."""
    clouds = {p for p in (CORE / "providers").iterdir() if p.is_dir()}
    return [
        p
        for p in sorted(CORE.rglob("*.py"))
        if not any(p.is_relative_to(c) for c in clouds) and "__pycache__" not in p.parts
    ]


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """Every string constant and name of a module that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.Name):
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.alias):
            found.append((getattr(node, "lineno", 0), node.name))
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
    return found


def test_the_core_never_names_the_example_cloud() -> None:
    # The reserved example.com domain is any demo's; the example cloud is another matter.
    word = re.compile(r"\bexample\b(?!\.(com|org|net))", re.IGNORECASE)
    named = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in _core_files() + sorted((CORE / "providers").rglob("*.py"))
        for line, text in _code_strings(path)
        if word.search(text)
    ]
    data = [
        str(p.relative_to(ROOT))
        for p in sorted(CORE.rglob("*"))
        if p.is_file()
        and p.suffix in (".json", ".yaml", ".j2", ".md")
        and word.search(p.read_text(encoding="utf-8"))
    ]
    assert named == [] and data == []


def test_the_core_names_no_cloud_and_imports_no_sdk() -> None:
    """Outside the registry table, no core module says a cloud's name in code (docstrings and
    comments may give examples) or imports a cloud SDK."""
    cloud = re.compile(r"\b(aws|gcp|azure|google|boto3|botocore|moto)\b", re.IGNORECASE)
    registry = CORE / "providers" / "__init__.py"
    named = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in _core_files()
        if path != registry
        for line, text in _code_strings(path)
        if cloud.search(text)
    ]
    assert named == []


# --- every adapter ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", providers.BUILTIN)
def test_builtin_adapter_follows_the_protocol(name: str) -> None:
    adapter = providers.get(name)
    assert isinstance(adapter, Adapter)
    assert adapter.name == name
    schemas = list(Path(adapter.schema_dir).glob("*.json"))
    assert schemas and all(p.stem.startswith(f"{name}.") for p in schemas)


@pytest.mark.parametrize("name", [*providers.BUILTIN, "example"])
def test_declared_links_are_what_the_schemas_say(name: str) -> None:
    with providers.registered("example", "tests.providers.example:ADAPTER"):
        adapter = providers.get(name)
        declared = declared_links(adapter.links, adapter.joins)
    schemas = {
        p.stem: json.loads(p.read_text(encoding="utf-8")).get("x-links")
        for p in Path(adapter.schema_dir).glob("*.json")
    }
    assert {t: declared.get(t, {}) for t in schemas} == schemas
    assert set(declared) <= set(schemas)


# --- plans import no cloud SDK -----------------------------------------------------------------


@pytest.mark.parametrize(
    "plan",
    [
        EXAMPLE / "fixtures" / "plan.json",
        ROOT / "tests" / "terraform" / "fixtures" / "compliant.json",
    ],
    ids=["no-aws-resources", "aws-resources"],
)
def test_plan_imports_no_cloud_sdk(plan: Path, tmp_path: Path) -> None:
    report = plan_loads(plan, tmp_path, ("boto3", "botocore", "moto"), timeout=120)
    assert report["code"] in (0, 1), report["output"]
    assert report["sdk"] == []
    assert (tmp_path / "out" / "results.json").is_file()
