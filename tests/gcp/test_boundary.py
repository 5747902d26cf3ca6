"""GCP behind the provider boundary: plans and the policy loader import no Google SDK, the
options come from the adapter, and a scan must say what to scan."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from scanner.cli import main
from tests.support.nosdk import plan_loads

ROOT = Path(__file__).resolve().parents[2]


def test_plans_and_policies_import_no_google_sdk(tmp_path: Path) -> None:
    plan = ROOT / "tests" / "terraform" / "fixtures" / "compliant.json"
    report = plan_loads(plan, tmp_path, ("google", "grpc", "proto"), "gcp")
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
