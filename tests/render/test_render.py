"""SARIF, JUnit and Markdown: valid formats, statuses never softened, hostile text inert."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.data import schema
from scanner.render import render_junit, render_markdown, render_sarif
from scanner.render.markdown import MAX_ROWS, md
from scanner.results import RENDERERS
from tests.render.samples import ERROR_REASON, HOSTILE, Renderer, document, finding

SARIF_SCHEMA = Path(__file__).resolve().parents[2].parent / "shared/schemas/sarif-schema-2.1.0.json"


def sarif_validator() -> jsonschema.Draft4Validator:
    # CI always has ../shared; a missing schema must fail loudly, never skip validation.
    if not SARIF_SCHEMA.is_file():
        pytest.fail(
            f"SARIF 2.1.0 schema not found at {SARIF_SCHEMA}: the tests validate SARIF "
            "output against ../shared/schemas/sarif-schema-2.1.0.json"
        )
    loaded = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(
        loaded, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def assert_valid_sarif(log: dict[str, Any]) -> None:
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in sarif_validator().iter_errors(log)
    ]
    assert not problems, problems


def test_fixture_is_a_valid_results_document(results: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema("results"))
    assert not [e.message for e in validator.iter_errors(results)]


def test_formats_are_registered() -> None:
    assert {k: v[0] for k, v in RENDERERS.items()} == {
        "json": "results.json",
        "sarif": "results.sarif",
        "junit": "results.junit.xml",
        "markdown": "summary.md",
        "html": "report.html",
        "csv": "findings.csv",
        "ocsf": "findings.ocsf.json",
    }


@pytest.mark.parametrize("render", [render_sarif, render_junit, render_markdown])
def test_renderers_are_pure(render: Renderer, results: dict[str, Any]) -> None:
    before = copy.deepcopy(results)
    assert render(results) == render(results)
    assert results == before


# --- the demo, end to end through the CLI ---------------------------------------------------


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(
        main,
        ["demo", "--out", str(out), "--format", "json,sarif,junit,markdown", "--quiet"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out


def test_demo_writes_all_four_formats(demo_out: Path) -> None:
    for name in ("results.json", "results.sarif", "results.junit.xml", "summary.md"):
        assert (demo_out / name).is_file(), name
        assert (demo_out / name).stat().st_size > 0, name


def test_demo_sarif_is_valid_and_complete(demo_out: Path) -> None:
    results = json.loads((demo_out / "results.json").read_text(encoding="utf-8"))
    log = json.loads((demo_out / "results.sarif").read_text(encoding="utf-8"))
    assert_valid_sarif(log)
    run = log["runs"][0]
    s = results["summary"]
    assert len(run["results"]) == s["fail"] + s["error"] + s["unknown"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        p["id"] for p in results["policies"]
    ]


def test_demo_junit_totals_match_summary(demo_out: Path) -> None:
    results = json.loads((demo_out / "results.json").read_text(encoding="utf-8"))
    root = ET.parse(demo_out / "results.junit.xml").getroot()
    s = results["summary"]
    assert root.get("tests") == str(sum(s.values()))
    assert root.get("failures") == str(s["fail"])
    assert root.get("errors") == str(s["error"])
    assert root.get("skipped") == str(s["unknown"])


def test_demo_markdown_headline(demo_out: Path) -> None:
    results = json.loads((demo_out / "results.json").read_text(encoding="utf-8"))
    text = (demo_out / "summary.md").read_text(encoding="utf-8")
    s = results["summary"]
    assert text.startswith(
        f"## logward: {s['fail']} failing, {s['error']} error, "
        f"{s['unknown']} unknown, {s['pass']} passing\n"
    )


# --- SARIF ----------------------------------------------------------------------------------


def test_sarif_valid_against_the_oasis_schema(results: dict[str, Any]) -> None:
    assert_valid_sarif(json.loads(render_sarif(results)))


def test_sarif_one_result_per_non_pass_finding_with_status_kept(results: dict[str, Any]) -> None:
    run = json.loads(render_sarif(results))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    non_pass = [f for f in results["findings"] if f["status"] != "pass"]
    assert len(run["results"]) == len(non_pass)
    for sarif, source in zip(run["results"], non_pass, strict=True):
        assert sarif["ruleId"] == source["policy_id"]
        assert rules[sarif["ruleIndex"]]["id"] == source["policy_id"]
        assert sarif["properties"]["status"] == source["status"]
        location = sarif["locations"][0]["logicalLocations"][0]
        assert location == {
            "fullyQualifiedName": source["resource"]["id"],
            "name": source["resource"]["name"],
            "kind": "resource",
        }
        assert "physicalLocation" not in sarif["locations"][0]
    by_status = {
        (r["properties"]["status"], r["properties"]["severity"]): r for r in run["results"]
    }
    assert by_status["fail", "critical"]["kind"] == "fail"
    assert by_status["fail", "critical"]["level"] == "error"
    assert by_status["fail", "medium"]["level"] == "warning"
    # SARIF §3.27.10: a kind other than "fail" requires level "none".
    for status in ("error", "unknown"):
        result = by_status[status, "medium"]
        assert (result["kind"], result["level"]) == ("review", "none")
        assert result["message"]["text"].startswith(status.upper())


def test_sarif_rules_carry_severity_controls_and_help(results: dict[str, Any]) -> None:
    rules = json.loads(render_sarif(results))["runs"][0]["tool"]["driver"]["rules"]
    critical, medium = rules
    assert critical["name"] == "PCritical"
    assert critical["shortDescription"]["text"] == "Title of p-critical"
    assert critical["properties"]["security-severity"] == "9.5"
    assert medium["properties"]["security-severity"] == "5.5"
    assert "soc2:CC7.2" in critical["properties"]["tags"]
    assert critical["help"]["text"].startswith("Turn it on.")
    assert "```sh\naws cloudtrail update-trail\n```" in critical["help"]["markdown"]
    assert critical["helpUri"] == "https://example.org/cis#3.2"


def test_sarif_fingerprints_are_stable_and_distinct(results: dict[str, Any]) -> None:
    sarif = json.loads(render_sarif(results))["runs"][0]["results"]
    prints = [r["partialFingerprints"]["logward/v1"] for r in sarif]
    assert len(set(prints)) == len(prints)
    first = results["findings"][0]
    expected = hashlib.sha256(
        f"{first['policy_id']}\0{first['resource']['id']}".encode()
    ).hexdigest()
    assert prints[0] == expected
    again = copy.deepcopy(results)
    again["scan"]["id"] = "another-run"
    assert [
        r["partialFingerprints"] for r in json.loads(render_sarif(again))["runs"][0]["results"]
    ] == [r["partialFingerprints"] for r in sarif]


def test_sarif_collection_errors_are_notifications(results: dict[str, Any]) -> None:
    invocation = json.loads(render_sarif(results))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    [note] = invocation["toolExecutionNotifications"]
    assert note["message"]["text"] == ERROR_REASON
    assert note["properties"]["code"] == "AccessDenied"


def test_sarif_keeps_hostile_text_verbatim(results: dict[str, Any]) -> None:
    # JSON escapes it; viewers render SARIF message.text as plain text.
    first = json.loads(render_sarif(results))["runs"][0]["results"][0]
    assert first["message"]["text"] == HOSTILE


# --- JUnit ----------------------------------------------------------------------------------


def test_junit_totals_and_elements(results: dict[str, Any]) -> None:
    root = ET.fromstring(render_junit(results))
    s = results["summary"]
    assert (
        root.tag,
        root.get("tests"),
        root.get("failures"),
        root.get("errors"),
        root.get("skipped"),
    ) == ("testsuites", "7", str(s["fail"]), str(s["error"]), str(s["unknown"]))
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["p-critical", "p-medium"]
    assert suites["p-critical"].get("failures") == "3"
    medium = suites["p-medium"].findall("testcase")
    assert [c.get("classname") for c in medium] == ["p-medium"] * 3
    error, unknown, fail = medium
    err = error.find("error")
    assert err is not None and err.get("message") == ERROR_REASON
    skipped = unknown.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "unknown: kms key: value known only after apply"
    assert fail.find("failure") is not None
    passing = suites["p-critical"].findall("testcase")[1]
    assert passing.get("name") == "good-trail" and list(passing) == []


def test_junit_hostile_strings_round_trip(results: dict[str, Any]) -> None:
    raw = render_junit(results)
    assert b"<script>" not in raw
    cases = ET.fromstring(raw).findall("testsuite/testcase")
    assert cases[0].get("name") == HOSTILE
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("message") == HOSTILE


def test_junit_shared_names_are_told_apart(results: dict[str, Any]) -> None:
    names = [
        c.get("name") for c in ET.fromstring(render_junit(results)).findall("testsuite/testcase")
    ]
    assert "twin [arn:aws:cloudtrail:eu-west-1:111111111111:trail/c]" in names
    assert "twin [arn:aws:cloudtrail:eu-west-1:111111111111:trail/d]" in names


def test_junit_strips_characters_xml_cannot_carry(results: dict[str, Any]) -> None:
    results["findings"][0]["message"] = "nul\x00 and bell\x07"
    failure = ET.fromstring(render_junit(results)).find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message") == "nul\ufffd and bell\ufffd"


# --- Markdown -------------------------------------------------------------------------------


UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_markdown_hostile_strings_are_inert(results: dict[str, Any]) -> None:
    text = render_markdown(results).decode()
    assert "<script" not in text and "&lt;script&gt;" in text
    assert "second line" in text
    columns = None
    for line in text.splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        # Every row keeps its table's column count: no pipe from data ends a cell.
        pipes = len(UNESCAPED_PIPE.findall(line))
        columns = columns or pipes
        assert pipes == columns, line
        assert not re.search(r"(?<!\\)`rm", line), line
        assert "[link](" not in line.replace("\\[link\\](", ""), line
        # The "\r\n| --- |" in the data must not start a row of its own.
        assert line != "| --- |"
    row = next(line for line in text.splitlines() if "second line" in line)
    assert row.startswith("| p-critical |")
    assert "\\*bold\\*" in row and "\\~\\~gone\\~\\~" in row and "\\$x\\$" in row


def test_markdown_sections_in_order_and_gaps_visible(results: dict[str, Any]) -> None:
    text = render_markdown(results).decode()
    failing, gaps, controls = (
        text.index("### Failing (4)"),
        text.index("### Coverage gaps (2 findings, 1 failed calls)"),
        text.index("### Controls"),
    )
    assert failing < gaps < controls
    assert text.index("#### critical") < text.index("#### medium") < gaps
    err = text.index("| **error** | p-medium | err-trail")
    unk = text.index("| **unknown** | p-medium | unk-trail")
    assert gaps < err < unk < controls
    assert "| GetTrailStatus |" in text
    assert (
        "- **SOC 2 Trust Services Criteria** (soc2): 1 fail, 0 error, 0 unknown, 0 pass; "
        "failing: CC7.2\n"
    ) in text
    assert "good-trail" not in text  # passes are counted, not listed


def test_markdown_caps_each_section(results: dict[str, Any]) -> None:
    arn = "arn:aws:s3:::bucket-"
    many = [
        finding("p-low", "fail", "low", f"{arn}{i}", f"bucket-{i}", "x")
        for i in range(MAX_ROWS + 20)
    ]
    many += [
        finding("p-low", "unknown", "low", f"{arn}u{i}", f"u-{i}", "y") for i in range(MAX_ROWS + 1)
    ]
    text = render_markdown(document(many)).decode()
    assert text.count("| p-low | bucket-") == MAX_ROWS
    assert "_and 20 more failing findings (see results.json)_" in text
    assert text.count("| **unknown** | p-low |") == MAX_ROWS
    assert "_and 1 more coverage gaps (see results.json)_" in text


def test_markdown_clean_run() -> None:
    text = render_markdown(document([finding("p", "pass", "low", "id", "n", "ok")])).decode()
    assert "No failing findings." in text
    assert "None: every policy could be evaluated." in text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`x`", "\\`x\\`"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("one\ntwo\r\n\tthree", "one two three"),
        ("back\\slash", "back\\\\slash"),
        ("arn:aws:s3:::my-bucket.v1", "arn:aws:s3:::my-bucket.v1"),
    ],
)
def test_md_filter(raw: str, escaped: str) -> None:
    assert md(raw) == escaped


def test_md_filter_cuts_before_escaping() -> None:
    cut = md("|" * 20, limit=10)
    assert cut == "\\|" * 9 + "\u2026"


def test_markdown_renders_inert_in_a_commonmark_parser(results: dict[str, Any]) -> None:
    import markdown_it  # a dev dependency: a missing one fails, not skips

    html = (
        markdown_it.MarkdownIt("commonmark")
        .enable("table")
        .render(render_markdown(results).decode())
    )
    assert "<script" not in html
    assert '<a href="https://evil.example"' not in html
    assert "<code>rm" not in html and "<strong>bold" not in html
    row = next(r for r in html.split("<tr>") if "second line" in r)
    assert row.count("<td>") == 4
