"""Azure behind the provider boundary: plans and the policy loader import no Azure SDK, the
options come from the adapter, and bad input stops before any call (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from tests.support.nosdk import plan_loads

ROOT = Path(__file__).resolve().parents[2]


def test_plans_and_policies_import_no_azure_sdk(tmp_path: Path) -> None:
    plan = ROOT / "tests" / "terraform" / "fixtures" / "compliant.json"
    report = plan_loads(plan, tmp_path, ("azure", "msal", "msrest", "isodate"), "azure")
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
