"""Azure behind the provider boundary: plans and the policy loader import no Azure SDK, the
options come from the adapter, and bad input stops before any call (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main

ROOT = Path(__file__).resolve().parents[2]
_NO_SDK = """
import json, sys
from click.testing import CliRunner
from scanner.cli import main
from scanner.policy.loader import load_policies
from scanner import providers
load_policies(None)
providers.resource_schemas()
providers.get("azure").permissions()
result = CliRunner().invoke(main, ["plan", sys.argv[1], "--out", sys.argv[2], "--quiet"])
sdk = sorted(m for m in sys.modules if m.split(".")[0] in ("azure", "msal", "msrest", "isodate"))
print(json.dumps({"code": result.exit_code, "sdk": sdk, "output": result.output}))
"""


def test_plans_and_policies_import_no_azure_sdk(tmp_path: Path) -> None:
    plan = ROOT / "tests" / "terraform" / "fixtures" / "compliant.json"
    done = subprocess.run(
        [sys.executable, "-c", _NO_SDK, str(plan), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] in (0, 1), report["output"]
    assert report["sdk"] == []


def test_scan_azure_options_come_from_the_adapter() -> None:
    result = CliRunner().invoke(main, ["scan", "azure", "--help"])
    assert result.exit_code == 0
    for flag in (
        "--subscriptions",
        "--management-group",
        "--endpoint",
        "--ca-bundle",
        "--static-token",
        "--max-duration",
    ):
        assert flag in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--subscriptions", "not-a-guid"], "is not a subscription id"),
        (
            ["--subscriptions", "22222222-0000-0000-0000-000000000001", "--management-group", "m"],
            "not both",
        ),
        (["--management-group", "bad/name"], "is not a management group id"),
        (["--static-token"], "--static-token: only with --endpoint"),
        (["--static-token", "--endpoint", "https://management.azure.com"], "only with"),
        (["--endpoint", "http://127.0.0.1:8443", "--static-token"], "expected https://"),
        (["--endpoint", "https://127.0.0.1:8443/x"], "expected https://"),
        (["--ca-bundle", "/nonexistent/ca.pem"], "no such file"),
    ],
)
def test_bad_input_is_exit_2_before_any_call(tmp_path: Path, args: list[str], says: str) -> None:
    result = CliRunner().invoke(main, ["scan", "azure", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2, (args, result.output)
    assert says in result.output
    assert not (tmp_path / "results.json").exists()
