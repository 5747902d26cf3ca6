"""`logward plan` end to end: exit codes, results, and what a plan cannot judge."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.data import schema

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def results(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "results.json").read_text())
    jsonschema.Draft202012Validator(schema("results")).validate(data)
    return data


def test_compliant_plan_exits_0_with_valid_results(tmp_path: Path) -> None:
    code, output = run("plan", str(FIXTURES / "compliant.json"), "--out", str(tmp_path), "--quiet")
    assert code == 0, output
    data = results(tmp_path)
    assert data["scan"]["source"] == "plan"
    assert data["scan"]["api_calls"] == 0
    assert data["summary"]["fail"] == 0 and data["summary"]["pass"] > 0
    ids = {f["policy_id"] for f in data["findings"]}
    assert "aws-cloudtrail-multi-region-logging" not in ids  # account scope needs the account
    assert "aws-cloudtrail-tamper-principals" not in ids  # live only
    assert any(
        "account-scope policies are not evaluated" in line for line in data["scan"]["limits"]
    )


def test_assume_complete_judges_account_scope_policies(tmp_path: Path) -> None:
    code, output = run(
        "plan",
        str(FIXTURES / "compliant.json"),
        "--assume-complete",
        "--out",
        str(tmp_path),
        "--quiet",
    )
    data = results(tmp_path)
    ids = {f["policy_id"] for f in data["findings"]}
    assert "aws-cloudtrail-multi-region-logging" in ids
    assert not any("account-scope" in line for line in data["scan"]["limits"])
    assert code in (0, 1), output


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("malformed.json", "malformed.json:"),
        ("unsupported_version.json", "supported are"),
        ("not_a_plan.json", "terraform show -json"),
    ],
)
def test_bad_plan_files_exit_2_naming_the_file(tmp_path: Path, fixture: str, expected: str) -> None:
    out = tmp_path / "report"
    code, output = run("plan", str(FIXTURES / fixture), "--out", str(out))
    assert code == 2, output
    assert fixture in output and expected in output
    assert not out.exists()


def test_missing_plan_file_exits_2(tmp_path: Path) -> None:
    code, output = run("plan", str(tmp_path / "nope.json"), "--out", str(tmp_path / "r"))
    assert code == 2, output
    assert "nope.json" in output


def test_plan_runs_without_any_cloud_sdk(tmp_path: Path) -> None:
    """A CI job that only checks plans installs no SDK: block boto3, botocore and moto."""
    script = (
        "import sys\n"
        "for name in ('boto3', 'botocore', 'moto'):\n"
        "    sys.modules[name] = None\n"
        "from scanner.cli import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "plan",
            str(FIXTURES / "compliant.json"),
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert results(tmp_path)["summary"]["pass"] > 0


def test_not_evaluated_and_deleted_are_listed_in_results(tmp_path: Path) -> None:
    plan = json.loads((FIXTURES / "compliant.json").read_text())
    plan["resource_changes"].append(
        {
            "address": "aws_s3_bucket.old_logs",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "old_logs",
            "change": {
                "actions": ["delete"],
                "before": {"bucket": "old"},
                "after": None,
                "after_unknown": {},
            },
        }
    )
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, output = run("plan", str(path), "--out", str(tmp_path / "r"), "--quiet")
    assert code == 0, output
    scan = results(tmp_path / "r")["scan"]
    assert scan["deleted"] == ["aws_s3_bucket.old_logs"]
    assert scan["not_evaluated"] == {"aws_iam_role": ["aws_iam_role.trail_to_logs"]}
    assert scan["input"] == str(path)


def test_destroying_or_replacing_a_log_store_fails(tmp_path: Path) -> None:
    plan = json.loads((FIXTURES / "compliant.json").read_text())
    plan["resource_changes"] += [
        {
            "address": "aws_cloudwatch_log_group.legacy",
            "mode": "managed",
            "type": "aws_cloudwatch_log_group",
            "name": "legacy",
            "change": {"actions": ["delete"], "before": {"name": "/legacy"}, "after": None},
        },
        {
            "address": "aws_s3_bucket.archive",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "archive",
            "change": {
                "actions": ["delete", "create"],
                "before": {"bucket": "archive"},
                "after": {"bucket": "archive"},
            },
        },
        {
            "address": "aws_s3_bucket.scratch",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "scratch",
            "change": {"actions": ["delete"], "before": {"bucket": "scratch"}, "after": None},
        },
    ]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, output = run("plan", str(path), "--out", str(tmp_path / "r"), "--quiet")
    assert code == 1, output
    got = {
        f["resource"]["name"]: f["status"]
        for f in results(tmp_path / "r")["findings"]
        if f["policy_id"] == "aws-plan-log-store-not-destroyed"
    }
    assert got["aws_cloudwatch_log_group.legacy"] == "fail"
    assert "aws_s3_bucket.archive" not in got  # no trail delivers there: not a log store
    assert got["aws_s3_bucket.trail"] == "pass"  # the trail's bucket, created: fine
    assert "aws_s3_bucket.scratch" not in got  # not a log store
    assert all(
        status == "pass"
        for name, status in got.items()
        if name != "aws_cloudwatch_log_group.legacy"
    )
