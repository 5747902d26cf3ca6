"""The log-store, diagnostic-setting and tamper policies on the golden tenant, scanned through
the real azure-mgmt-* clients against the fake ARM server: every row of
golden/expected-policies.yaml, and nothing else from these policies; and the findings say why
(a category group, a destination in another subscription, precedence of an unlocked container
policy, a table overriding its workspace)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.data import data_dir
from scanner.policy.engine import evaluate
from scanner.policy.loader import compile_policies, load_policies
from tests.azure.watch_scan import scan
from tests.support.inventory import schema_problems

EXPECTED = Path(__file__).resolve().parent / "golden" / "expected-policies.yaml"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ROWS: dict[str, dict[str, str]] = yaml.safe_load(EXPECTED.read_text())
SUB = "/subscriptions/22222222-0000-0000-0000-00000000000"


@pytest.fixture(scope="module")
def findings() -> dict[str, dict[str, Any]]:
    policies = [p for p in load_policies([data_dir("policies")]) if p.id in ROWS]
    collected, _requests = scan()
    found: dict[str, dict[str, Any]] = {}
    for f in evaluate(compile_policies(policies, {}), collected.inventory, NOW):
        found.setdefault(f.policy_id, {})[f.resource_id] = f
    return found


@pytest.mark.parametrize("policy_id", sorted(ROWS))
def test_golden_rows(findings: dict[str, dict[str, Any]], policy_id: str) -> None:
    got = {rid: f.status.value for rid, f in findings.get(policy_id, {}).items()}
    messages = "\n".join(f"{rid}: {f.message}" for rid, f in findings.get(policy_id, {}).items())
    assert got == ROWS[policy_id], messages


def _message(findings: dict[str, dict[str, Any]], policy_id: str, rid: str) -> str:
    return str(findings[policy_id][rid].message)


def test_the_findings_name_what_decided_them(findings: dict[str, dict[str, Any]]) -> None:
    shared = _message(findings, "azure-monitor-subscription-diagnostic-setting", SUB + "4")
    assert "missing Security, Alert, Policy" in shared
    ext = "/subscriptions/99999999-0000-0000-0000-000000000009/resourcegroups/rg-ext/providers/"
    far = _message(
        findings,
        "azure-storage-log-account-cmk",
        ext + "microsoft.storage/storageaccounts/lwextarchive",
    )
    assert "99999999-0000-0000-0000-000000000009, outside the scan" in far
    entra = _message(
        findings, "azure-entra-diagnostic-setting", "/tenants/11111111-1111-1111-1111-111111111111"
    )
    assert "missing RiskyUsers, UserRiskEvents, MicrosoftGraphActivityLogs" in entra
    janitor = _message(findings, "azure-iam-log-tamper-principals", SUB + "2")
    assert "Log Janitor" in janitor and "Microsoft.Insights/diagnosticSettings/delete" in janitor
    denied = _message(findings, "azure-monitor-subscription-diagnostic-setting", SUB + "3")
    assert "AuthorizationFailed" in denied


def test_every_scanned_resource_matches_its_schema_derived_attributes_included() -> None:
    collected, _requests = scan()
    problems = schema_problems(collected.inventory, "azure")
    assert not problems, "\n".join(problems[:20])
