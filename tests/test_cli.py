"""The command line: browsing and validating the catalogue, permissions, exit codes, the demo."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner import __version__
from scanner.cli import exit_code, main
from scanner.files import write_atomic
from scanner.model import SEVERITIES, Finding, Status
from scanner.policy.loader import load_policies

POLICIES = {p.id: p for p in load_policies()}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_version() -> None:
    code, output = invoke("--version")
    assert code == 0 and __version__ in output


# --- policies ---------------------------------------------------------------------------------


def test_policies_list() -> None:
    code, output = invoke("policies", "list")
    assert code == 0
    ids = [line.split()[0] for line in output.splitlines()]
    assert ids == sorted(POLICIES)
    for line in output.splitlines():
        pid, severity = line.split()[:2]
        assert severity == POLICIES[pid].severity
        assert line.endswith(POLICIES[pid].title)


def test_policies_list_json() -> None:
    code, output = invoke("policies", "list", "--json")
    assert code == 0
    listed = json.loads(output)
    assert [p["id"] for p in listed] == sorted(POLICIES)
    assert all(set(p) == {"id", "title", "severity", "resource", "category"} for p in listed)


def test_policies_show() -> None:
    pid = sorted(POLICIES)[0]
    code, output = invoke("policies", "show", pid)
    assert code == 0
    assert output == Path(POLICIES[pid].file).read_text(encoding="utf-8") + "\n"


def test_policies_validate_the_catalogue() -> None:
    code, output = invoke("policies", "validate")
    assert code == 0, output
    assert output == f"{len(POLICIES)} policies valid\n"


def test_policies_validate_a_path() -> None:
    one = next(iter(POLICIES.values()))
    code, output = invoke("policies", "validate", one.file)
    assert code == 0, output
    assert output == "1 policies valid\n"


# --- permissions ------------------------------------------------------------------------------


def test_permissions_aws_is_a_read_only_iam_policy() -> None:
    from scanner.providers.aws.services import PERMISSIONS

    code, output = invoke("permissions", "aws")
    assert code == 0
    document = json.loads(output)
    assert document["Version"] == "2012-10-17"
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
    actions = statement["Action"]
    assert actions == sorted(set(actions)) == sorted(set(PERMISSIONS.values()))
    for action in actions:
        assert re.fullmatch(r"[a-z0-9-]+:(Describe|Get|List)[A-Za-z0-9]+", action), action


# --- exit codes -------------------------------------------------------------------------------


def finding(status: Status, severity: str) -> Finding:
    return Finding(
        policy_id="p",
        status=status,
        severity=severity,
        resource_id="r",
        resource_type="aws.x.y",
        resource_name="r",
        provider="aws",
        account="111111111111",
        region="us-east-1",
        message="m",
    )


@pytest.mark.parametrize(
    ("findings", "fail_on", "expected"),
    [
        ([], "low", 0),
        ([(Status.PASS, "critical")], "info", 0),
        ([(Status.FAIL, "high")], "low", 1),
        ([(Status.FAIL, "high")], "high", 1),
        ([(Status.FAIL, "high")], "critical", 0),
        ([(Status.FAIL, "medium")], "high", 0),
        ([(Status.ERROR, "critical")], "critical", 1),  # could not look: not a pass
        ([(Status.ERROR, "low")], "medium", 0),
        ([(Status.UNKNOWN, "critical")], "info", 0),  # unknown never sets exit 1
        ([(Status.FAIL, "info")], "low", 0),
        ([(Status.FAIL, "info")], "info", 1),
        ([(Status.FAIL, "critical"), (Status.ERROR, "high")], "none", 0),
        ([(Status.PASS, "high"), (Status.UNKNOWN, "high"), (Status.FAIL, "low")], "medium", 0),
        ([(Status.PASS, "high"), (Status.UNKNOWN, "high"), (Status.FAIL, "low")], "low", 1),
    ],
)
def test_exit_code(findings: list[tuple[Status, str]], fail_on: str, expected: int) -> None:
    assert exit_code([finding(s, sev) for s, sev in findings], fail_on) == expected


def test_every_fail_on_threshold_is_accepted() -> None:
    for fail_on in (*SEVERITIES, "none"):
        assert exit_code([], fail_on) == 0


# --- writing outputs --------------------------------------------------------------------------


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "results.json"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["results.json"]


def test_write_atomic_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "results.json"
    target.write_bytes(b"old")

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["results.json"]


# --- the demo ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("demo")
    out, evidence = base / "report", base / "evidence"
    out.mkdir()
    (out / "results.json").write_text("stale content from an earlier run")
    result = CliRunner().invoke(
        main,
        ["demo", "--out", str(out), "--evidence", str(evidence), "--quiet"],
        catch_exceptions=False,
    )
    return {
        "code": result.exit_code,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "out": out,
        "evidence": evidence,
        "results": json.loads((out / "results.json").read_text(encoding="utf-8")),
    }


def test_demo_succeeds_despite_its_deliberate_gaps(demo: dict[str, Any]) -> None:
    assert demo["code"] == 0, demo["stdout"] + demo["stderr"]
    assert demo["results"]["summary"]["fail"] > 0
    assert demo["stderr"] == ""  # --quiet


def test_demo_replaces_results_atomically(demo: dict[str, Any]) -> None:
    """The old file is replaced whole and no temporary file is left next to it."""
    assert sorted(os.listdir(demo["out"])) == [
        "demo-signing-key.pem",
        "demo-signing-key.pem.pub",
        "findings.csv",
        "findings.ocsf.json",
        "report.html",
        "results.json",
        "results.junit.xml",
        "results.sarif",
        "summary.md",
    ]
    assert demo["results"]["schema_version"] == "1.0"


def test_demo_prints_the_summary_table(demo: dict[str, Any]) -> None:
    lines = demo["stdout"].splitlines()
    assert re.fullmatch(r"policy\s+sev\s+pass fail  err  unk", lines[0])
    results = demo["results"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1 : len(results["policies"]) + 1]}
    assert set(rows) == {p["id"] for p in results["policies"]}
    for policy in results["policies"]:
        c = policy["counts"]
        assert rows[policy["id"]] == [
            policy["severity"],
            str(c["pass"]),
            str(c["fail"]),
            str(c["error"]),
            str(c["unknown"]),
        ]
    for framework in results["scan"]["frameworks"]:
        assert any(line.startswith(f"{framework['id']}: ") for line in lines)
    s = results["summary"]
    assert (
        f"findings: {s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['unknown']} unknown;"
    ) in demo["stdout"]
    assert f"wrote {demo['out'] / 'results.json'}" in lines
    assert lines[-2].startswith(f"signed and verified {demo['evidence']}: ")
    assert lines[-1].strip() == (
        f"logward verify {demo['evidence']} --public-key {demo['out'] / 'demo-signing-key.pem.pub'}"
    )


def test_demo_evidence_files_are_named_by_their_hash(demo: dict[str, Any]) -> None:
    files = sorted((demo["evidence"] / "responses").iterdir())
    assert files
    for path in files:
        assert path.name == hashlib.sha256(path.read_bytes()).hexdigest() + ".json"
    referenced = {e["sha256"] for f in demo["results"]["findings"] for e in f["evidence"]}
    assert referenced and referenced <= {p.stem for p in files}


def test_demo_fail_on_is_not_applied(tmp_path: Path) -> None:
    """The demo's failures are deliberate: even --fail-on info exits 0."""
    code, output = invoke("demo", "--out", str(tmp_path / "r"), "--fail-on", "info", "--quiet")
    assert code == 0, output
