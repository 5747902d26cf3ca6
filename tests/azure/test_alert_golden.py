"""The alert and network policies on the golden tenant, scanned through the real azure-mgmt-*
clients against the fake ARM server: every row of golden/expected-alerts.yaml, and nothing
else from these policies."""

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

EXPECTED = Path(__file__).resolve().parent / "golden" / "expected-alerts.yaml"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def findings() -> dict[str, dict[str, Any]]:
    expected = yaml.safe_load(EXPECTED.read_text())
    policies = [p for p in load_policies([data_dir("policies")]) if p.id in expected]
    collected, _requests = scan()
    found: dict[str, dict[str, Any]] = {}
    for f in evaluate(compile_policies(policies, {}), collected.inventory, NOW):
        found.setdefault(f.policy_id, {})[f.resource_id] = f
    return found


@pytest.mark.parametrize("policy_id", sorted(yaml.safe_load(EXPECTED.read_text())))
def test_golden_rows(findings: dict[str, dict[str, Any]], policy_id: str) -> None:
    expected = yaml.safe_load(EXPECTED.read_text())[policy_id]
    got = {rid: f.status.value for rid, f in findings.get(policy_id, {}).items()}
    messages = "\n".join(f"{rid}: {f.message}" for rid, f in findings.get(policy_id, {}).items())
    assert got == expected, messages


def test_the_narrowed_alert_is_named(findings: dict[str, dict[str, Any]]) -> None:
    f = findings["azure-monitor-alert-policy-assignment-create"][
        "/subscriptions/22222222-0000-0000-0000-000000000002"
    ]
    assert 'closest is alert "policy-assignment-create"' in f.message
    assert "level equals 'Critical'" in f.message
