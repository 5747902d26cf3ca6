"""--baseline: a pull request fails only on findings that are new."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import main
from tests.terraform.test_plan import fixture, noncompliant

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_only_new_failures_fail_the_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad-plan.json"
    bad.write_text(json.dumps(noncompliant(fixture("compliant.json"))))
    code, output = run("plan", str(bad), "--out", str(tmp_path / "before"), "--quiet")
    assert code == 1, output
    before = tmp_path / "before" / "results.json"

    code, output = run(
        "plan", str(bad), "--baseline", str(before), "--out", str(tmp_path / "again"), "--quiet"
    )
    assert code == 0, output
    again = json.loads((tmp_path / "again" / "results.json").read_text())
    marks = {f["baseline"] for f in again["findings"] if f["status"] in ("fail", "error")}
    assert marks == {"existing"}

    # Against a clean baseline every failure is new.
    code, _ = run(
        "plan", str(FIXTURES / "compliant.json"), "--out", str(tmp_path / "clean"), "--quiet"
    )
    assert code == 0
    code, output = run(
        "plan",
        str(bad),
        "--baseline",
        str(tmp_path / "clean" / "results.json"),
        "--out",
        str(tmp_path / "pr"),
        "--quiet",
    )
    assert code == 1, output
    pr = json.loads((tmp_path / "pr" / "results.json").read_text())
    assert {f["baseline"] for f in pr["findings"] if f["status"] == "fail"} == {"new"}


def test_bad_baseline_exits_2_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "old.json"
    broken.write_text("{not json")
    code, output = run(
        "plan",
        str(FIXTURES / "compliant.json"),
        "--baseline",
        str(broken),
        "--out",
        str(tmp_path / "r"),
    )
    assert code == 2, output
    assert "old.json:1: not valid JSON" in output
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    code, output = run(
        "plan",
        str(FIXTURES / "compliant.json"),
        "--baseline",
        str(other),
        "--out",
        str(tmp_path / "r"),
    )
    assert code == 2, output
    assert "expected a results.json of logward" in output
