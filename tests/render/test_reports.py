"""HTML, CSV and OCSF: self-contained and inert HTML, spreadsheet-safe CSV, valid OCSF events."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.render import render_csv, render_html, render_ocsf
from scanner.render.ocsf import finding_uid
from scanner.render.spreadsheet import COLUMNS, cell
from tests.render.samples import HOSTILE, document, finding

OCSF_SCHEMA = Path(__file__).resolve().parents[1] / "schemas/ocsf-compliance-finding.schema.json"
ARN = "arn:aws:cloudtrail:eu-west-1:111111111111:trail/"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(html: bytes) -> Tags:
    tags = Tags()
    tags.feed(html.decode())
    return tags


# --- HTML ----------------------------------------------------------------------------------


def test_html_is_self_contained(results: dict[str, Any]) -> None:
    page = render_html(results)
    tags = parse(page)
    for tag, attrs in tags.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            if value is not None and tag != "object":
                assert value.startswith("#") or value.startswith("data:"), (tag, name, value)
    text = page.decode()
    assert "@import" not in text and "url(" not in text
    assert not re.search(r"<(link|iframe|img|object|embed)\b", text)


def test_html_runs_only_its_own_script(results: dict[str, Any]) -> None:
    page = render_html(results)
    tags = parse(page)
    assert len(tags.scripts) == 1
    [csp] = [
        a["content"]
        for t, a in tags.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp is not None and "default-src 'none'" in csp
    digest = base64.b64encode(hashlib.sha256(tags.scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_html_hostile_text_is_inert(results: dict[str, Any]) -> None:
    page = render_html(results).decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    quoted = document(
        [
            finding(
                "p",
                "fail",
                "high",
                ARN + "q",
                '"><img src=x onerror=alert(1)>',
                "' onmouseover='alert(1)",
            )
        ]
    )
    page = render_html(quoted).decode()
    assert "<img" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_html_has_every_section_and_every_finding(results: dict[str, Any]) -> None:
    page = render_html(results)
    tags = parse(page)
    ids = {a.get("id") for _t, a in tags.tags}
    assert {"scope", "summary", "gaps", "controls", "findings", "filters"} <= ids
    rows = [a for t, a in tags.tags if t == "tr" and a.get("data-filter") == "finding"]
    assert len(rows) == len(results["findings"])
    assert sorted(r["data-status"] or "" for r in rows) == sorted(
        f["status"] for f in results["findings"]
    )
    # Every error/unknown finding is listed in the coverage gaps, with its reason.
    text = page.decode()
    gaps = text[text.index('id="gaps"') : text.index('id="controls"')]
    assert "GetTrailStatus failed in 111111111111/eu-west-1" in gaps
    assert "kms key: value known only after apply" in gaps
    assert "AccessDenied" in gaps


def test_html_control_lists_its_non_passing_findings(results: dict[str, Any]) -> None:
    text = render_html(results).decode()
    matrix = text[text.index('id="controls"') : text.index('id="findings"')]
    control = matrix[matrix.index('<details class="control"') :]
    control = control[: control.index("</details>")]
    assert 'data-status="fail"' in control
    # 6 findings that are not passing, each linking to its full row; the pass is counted.
    assert len(re.findall(r'href="#f\d+"', control)) == 6
    assert "1 passing finding(s)" in control


def test_html_ten_thousand_findings_stay_collapsed_and_complete() -> None:
    big = document(
        [
            finding(
                f"p-{i % 30}",
                ("pass", "fail", "unknown", "error")[i % 4],
                ("critical", "high", "medium", "low")[i % 4],
                ARN + str(i),
                f"trail-{i}",
                "x" * 120,
            )
            for i in range(10_000)
        ]
    )
    page = render_html(big)
    tags = parse(page)
    rows = [a for t, a in tags.tags if t == "tr" and a.get("data-filter") == "finding"]
    assert len(rows) == 10_000
    # Large reports start with every policy and control collapsed.
    assert not [
        a
        for t, a in tags.tags
        if t == "details" and "open" in a and (a.get("class") or "") in ("policy", "control")
    ]
    # A control lists at most 100 findings and says how many more there are.
    assert "and 7400 more non-passing findings" in page.decode()
    assert len(page) < 40_000_000


# --- CSV -----------------------------------------------------------------------------------


def test_csv_one_row_per_control_and_finding(results: dict[str, Any]) -> None:
    results["findings"][0]["controls"] = []  # mapped to nothing: still one row
    results["findings"][1]["controls"] = ["soc2:CC7.2", "soc2:CC7.3"]  # CC7.3 not in controls
    data = render_csv(results)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == len(results["findings"])
    assert rows[0]["framework"] == "" and rows[0]["control_id"] == ""
    assert {r["control_id"] for r in rows[1:]} == {"CC7.2"}
    by_status = {r["status"] for r in rows}
    assert by_status == {"pass", "fail", "error", "unknown"}
    assert rows[1]["framework_version"] == "2017"


def test_csv_cells_never_become_formulas() -> None:
    for evil in ('=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"):
        assert cell(evil) == "'" + evil
    assert cell("plain") == "plain" and cell(None) == ""
    doc = document([finding("p", "fail", "high", ARN + "z", "=cmd|' /C calc'!A0", "@evil")])
    rows = list(csv.DictReader(io.StringIO(render_csv(doc).decode("utf-8-sig"))))
    assert rows[0]["resource_name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["message"] == "'@evil"


def test_csv_keeps_hostile_text_in_one_cell(results: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(results).decode("utf-8-sig"))))
    assert rows[0]["resource_name"] == HOSTILE


# --- OCSF ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ocsf_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(OCSF_SCHEMA.read_text(encoding="utf-8")))


def assert_valid_ocsf(
    events: list[dict[str, Any]], validator: jsonschema.Draft202012Validator
) -> None:
    problems = [
        f"event {i}: {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for i, event in enumerate(events)
        for e in validator.iter_errors(event)
    ]
    assert not problems, problems[:5]


def test_ocsf_events_validate_and_keep_statuses(
    results: dict[str, Any], ocsf_validator: jsonschema.Draft202012Validator
) -> None:
    events = json.loads(render_ocsf(results))
    assert_valid_ocsf(events, ocsf_validator)
    assert len(events) == len(results["findings"])
    got = [(e["compliance"]["status_id"], e["compliance"]["status"]) for e in events]
    want = {
        "pass": (1, "Pass"),
        "fail": (3, "Fail"),
        "unknown": (0, "Unknown"),
        "error": (99, "Error"),
    }
    assert got == [want[f["status"]] for f in results["findings"]]
    first = events[0]
    assert first["class_uid"] == 2003 and first["type_uid"] == 200301
    assert first["severity_id"] == 5 and first["compliance"]["requirements"] == ["soc2:CC7.2"]
    assert first["severity"] == "Critical"
    assert first["resources"][0]["cloud_partition"] == "aws"
    assert first["compliance"]["standards"] == ["SOC 2 Trust Services Criteria"]
    assert first["cloud"]["account"] == {
        "uid": "111111111111",
        "type_id": 10,
        "type": "AWS Account",
    }
    assert first["time"] == 1795698110000  # 2026-11-26T13:01:50Z in milliseconds
    assert first["resources"][0]["name"] == HOSTILE


def test_ocsf_finding_uid_is_stable_per_policy_and_resource(results: dict[str, Any]) -> None:
    events = json.loads(render_ocsf(results))
    again = json.loads(render_ocsf(results))
    assert [e["finding_info"]["uid"] for e in events] == [e["finding_info"]["uid"] for e in again]
    assert events[0]["finding_info"]["uid"] == finding_uid(results["findings"][0])
    assert len({e["finding_info"]["uid"] for e in events}) == len(events)
    assert len({e["metadata"]["uid"] for e in events}) == len(events)


def test_ocsf_schema_rejects_a_misspelled_field(
    results: dict[str, Any], ocsf_validator: jsonschema.Draft202012Validator
) -> None:
    event = json.loads(render_ocsf(results))[0]
    event["compliance"]["stauts_id"] = event["compliance"].pop("status_id")
    assert not ocsf_validator.is_valid(event)


# --- `logward report` --------------------------------------------------------------------


def test_report_rerenders_a_saved_scan_in_every_format(
    results: dict[str, Any], tmp_path: Path
) -> None:
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results), encoding="utf-8")
    out = tmp_path / "out"
    run = CliRunner().invoke(
        main,
        ["report", str(saved), "--format", "html,md,csv,ocsf,sarif,junit", "--out", str(out)],
        catch_exceptions=False,
    )
    assert run.exit_code == 0, run.output
    assert sorted(p.name for p in out.iterdir()) == [
        "findings.csv",
        "findings.ocsf.json",
        "report.html",
        "results.junit.xml",
        "results.sarif",
        "summary.md",
    ]
    assert (out / "report.html").read_bytes() == render_html(results)


def test_report_names_the_line_of_a_broken_results_file(tmp_path: Path) -> None:
    saved = tmp_path / "results.json"
    saved.write_text('{\n  "schema_version": "1.0",\n  "tool": ,\n}\n', encoding="utf-8")
    run = CliRunner().invoke(main, ["report", str(saved), "--out", str(tmp_path / "o")])
    assert run.exit_code == 2
    assert f"{saved}:3: not valid JSON" in run.output
    assert not (tmp_path / "o").exists()


def test_report_names_what_a_results_file_lacks(results: dict[str, Any], tmp_path: Path) -> None:
    del results["summary"]
    results["findings"][2]["status"] = "passed"
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results, indent=2), encoding="utf-8")
    run = CliRunner().invoke(main, ["report", str(saved), "--out", str(tmp_path / "o")])
    assert run.exit_code == 2
    assert "missing required field: 'summary'" in run.output
    line = json.dumps(results, indent=2).splitlines().index('      "status": "passed",') + 1
    assert f"{saved}:{line}: at findings/2/status" in run.output


def test_unknown_format_is_refused(results: dict[str, Any], tmp_path: Path) -> None:
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results), encoding="utf-8")
    run = CliRunner().invoke(main, ["report", str(saved), "--format", "pdf"])
    assert run.exit_code == 2 and "unknown format(s) ['pdf']" in run.output


def test_report_refuses_a_time_that_is_not_one(results: dict[str, Any], tmp_path: Path) -> None:
    results["scan"]["finished_at"] = "yesterday"
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results, indent=2), encoding="utf-8")
    run = CliRunner().invoke(main, ["report", str(saved), "--out", str(tmp_path / "o")])
    assert run.exit_code == 2
    line = json.dumps(results, indent=2).splitlines().index('    "finished_at": "yesterday",') + 1
    assert f"{saved}:{line}: at scan/finished_at: 'yesterday' is not an ISO 8601" in run.output


def test_report_problems_without_lines_when_yaml_cannot_reread(
    results: dict[str, Any], tmp_path: Path
) -> None:
    del results["summary"]
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results, indent="\t"), encoding="utf-8")
    run = CliRunner().invoke(main, ["report", str(saved), "--out", str(tmp_path / "o")])
    assert run.exit_code == 2 and "missing required field: 'summary'" in run.output


def test_report_writes_json_only_when_asked(results: dict[str, Any], tmp_path: Path) -> None:
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results), encoding="utf-8")
    for formats, expected in (
        ("html", ["report.html"]),
        ("json,html", ["report.html", "results.json"]),
    ):
        out = tmp_path / formats.replace(",", "-")
        run = CliRunner().invoke(
            main, ["report", str(saved), "--format", formats, "--out", str(out)]
        )
        assert run.exit_code == 0, run.output
        assert sorted(p.name for p in out.iterdir()) == expected


def test_html_lists_resource_types_no_policy_judges(results: dict[str, Any]) -> None:
    results["scan"]["not_evaluated"] = {
        "google_logging_project_sink": ["module.a.sink[0]", "sink_b"]
    }
    text = render_html(results).decode()
    gaps = text[text.index('id="gaps"') : text.index('id="controls"')]
    assert "1 resource types not judged" in gaps
    assert "google_logging_project_sink" in gaps and "module.a.sink[0], sink_b" in gaps
