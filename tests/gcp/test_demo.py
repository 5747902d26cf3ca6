"""`logward demo` shows the AWS account and the GCP organization side by side, the GCP one
served by the package's loopback fake through the real SDK clients."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import main


def test_demo_scans_aws_and_gcp_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    counts = results["inventory"]
    assert counts["gcp.project"] == 5 and counts["gcp.organization"] == 1
    assert counts["aws.account"] == 1
    accounts = results["scan"]["accounts"]
    assert "123456789012" in accounts and "lw-logging" in accounts
    assert results["scan"]["enabled_regions"]  # AWS's, kept beside GCP's
    # The estate's deliberate failures (dev-sandbox: IAM policy 403, Monitoring and Cloud
    # SQL Admin APIs disabled, custom roles not listable) are listed, never dropped (the
    # other clouds' demo estates have theirs: tests/azure/test_azure_demo.py).
    gcp = [e for e in results["errors"] if e["provider"] == "gcp"]
    assert [(e["account"], e["operation"]) for e in gcp] == [
        ("dev-sandbox", "projects.getIamPolicy"),
        ("dev-sandbox", "alertPolicies.list"),
        ("dev-sandbox", "notificationChannels.list"),
        ("dev-sandbox", "roles.list"),
        ("dev-sandbox", "instances.list"),
    ]


def test_demo_of_one_cloud(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["demo", "--cloud", "gcp", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert not [t for t in results["inventory"] if t.startswith("aws.")]
    assert results["scan"]["source"] == "demo"
