"""`logward demo` shows AWS, GCP and Azure side by side; the Azure tenant is served by the
package's fake ARM server (TLS on loopback) through the real azure-mgmt-* clients."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import main
from tests.azure.conftest import SUB, TENANT_ID


def test_demo_shows_three_clouds(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    counts = results["inventory"]
    assert counts["aws.account"] == 1
    assert counts["gcp.organization"] == 1
    assert counts["azure.tenant"] == 1 and counts["azure.subscription"] == 4
    accounts = results["scan"]["accounts"]
    assert "123456789012" in accounts and "lw-logging" in accounts and SUB[1] in accounts
    # The golden tenant's deliberate failure (subscription 3 answers 403 to everything) is
    # listed, never dropped.
    azure = [(e["account"], e["code"]) for e in results["errors"] if e["provider"] == "azure"]
    assert azure and {a for a, _ in azure} == {SUB[3]}
    assert {c for _, c in azure} == {"FORBIDDEN"}


def test_demo_of_azure_alone(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["demo", "--cloud", "azure", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {t.split(".")[0] for t in results["inventory"]} == {"azure"}
    assert results["scan"]["source"] == "demo"
    assert TENANT_ID not in results["scan"]["accounts"]  # accounts are the subscriptions
