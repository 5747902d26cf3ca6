"""GCP behind the provider boundary: plans and the policy loader import no Google SDK, the
options come from the adapter, and a scan must say what to scan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
providers.get("gcp").permissions()
result = CliRunner().invoke(main, ["plan", sys.argv[1], "--out", sys.argv[2], "--quiet"])
sdk = sorted(m for m in sys.modules if m.split(".")[0] in ("google", "grpc", "proto"))
print(json.dumps({"code": result.exit_code, "sdk": sdk, "output": result.output}))
"""


def test_plans_and_policies_import_no_google_sdk(tmp_path: Path) -> None:
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


def test_scan_gcp_options_come_from_the_adapter() -> None:
    result = CliRunner().invoke(main, ["scan", "gcp", "--help"])
    assert result.exit_code == 0
    for flag in ("--organization", "--folders", "--projects", "--impersonate-service-account"):
        assert flag in result.output


def test_scan_gcp_must_name_what_to_scan(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["scan", "gcp", "--anonymous", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--organization ORG_ID, --folders F[,F2] or --projects" in result.output


def test_bad_ids_are_input_errors(tmp_path: Path) -> None:
    for args in (
        ["--organization", "example.org"],
        ["--folders", "12,abc"],
        ["--projects", "UPPER"],
        ["--projects", "p-1234", "--endpoint", "logging.googleapis.com"],
    ):
        result = CliRunner().invoke(
            main, ["scan", "gcp", "--anonymous", *args, "--out", str(tmp_path)]
        )
        assert result.exit_code == 2, (args, result.output)
    assert not (tmp_path / "results.json").exists()
