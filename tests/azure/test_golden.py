"""Acceptance: `logward scan azure --endpoint ... --ca-bundle ... --static-token` against the
golden tenant gives the hand-written status of every (policy, resource) in
golden/expected*.yaml, through the CLI, the real azure-mgmt-* clients, TLS and the loopback
fake ARM server; every Azure policy that judged something has its rows; the scan facts (the
subscriptions scanned, one counted call per request the fake answered, subscription 3's
403s) hold."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from scanner.cli import main
from scanner.providers.azure.fake import FakeArm
from tests.azure.conftest import SUB

GOLDEN = Path(__file__).resolve().parent / "golden"


def expected_rows() -> dict[str, dict[str, str]]:
    """Every expected*.yaml of the golden folder, merged (a policy in two files is a bug)."""
    rows: dict[str, dict[str, str]] = {}
    for path in sorted(GOLDEN.glob("expected*.yaml")):
        for policy, found in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            assert policy not in rows, f"{policy} has rows in two files ({path.name})"
            rows[policy] = dict(found)
    return rows


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("golden") / "report"
    fake = FakeArm().start()
    try:
        result = CliRunner().invoke(
            main,
            [
                "scan",
                "azure",
                "--endpoint",
                fake.base,
                "--ca-bundle",
                fake.ca_file,
                "--static-token",
                "--out",
                str(out),
                "--quiet",
            ],
        )
        requests = list(fake.requests)
    finally:
        fake.stop()
    assert result.exit_code in (0, 1), result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {"results": results, "requests": requests, "code": result.exit_code}


def _statuses(results: dict[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for finding in results["findings"]:
        if finding["resource"]["provider"] == "azure":
            found[finding["policy_id"]][finding["resource"]["id"]] = finding["status"]
    return found


def test_every_expected_verdict(golden: dict[str, Any]) -> None:
    got = _statuses(golden["results"])
    wrong = {
        policy: {"expected": rows, "got": got.get(policy, {})}
        for policy, rows in expected_rows().items()
        if got.get(policy, {}) != rows
    }
    assert wrong == {}


def test_every_azure_policy_has_its_rows(golden: dict[str, Any]) -> None:
    assert sorted(set(_statuses(golden["results"])) - set(expected_rows())) == []


def test_the_golden_scan_facts(golden: dict[str, Any]) -> None:
    scan = golden["results"]["scan"]
    assert sorted(scan["accounts"]) == sorted(SUB.values())
    # Every request the fake answered is one counted API call (pages included), and every
    # one was a GET.
    assert scan["api_calls"] == len(golden["requests"])
    assert {r.method for r in golden["requests"]} == {"GET"}
    errors = golden["results"]["errors"]
    # Subscription 3's 403s, listed (never dropped), and nothing else failed.
    assert errors and {(e["account"], e["code"]) for e in errors} == {(SUB[3], "FORBIDDEN")}
    ops = {e["operation"] for e in errors}
    assert "Insights/subscriptionDiagnosticSettings.list" in ops
    assert any("Entra ID directory roles" in limit for limit in scan["limits"])


def test_the_golden_tenant_is_read_in_pages(golden: dict[str, Any]) -> None:
    # nextLink followed: the subscriptions list and the root group's descendants take two
    # pages each, and page 2 was asked for exactly as page 1 said.
    paged = {r.path for r in golden["requests"] if r.query.get("$skiptoken") == "page2"}
    assert "/subscriptions" in paged
    assert any(p.endswith("/descendants") for p in paged)
