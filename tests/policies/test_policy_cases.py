"""Layer 1: every policy on hand-written inventories, one case file per policy (file == id)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.data import data_dir
from scanner.policy.engine import evaluate
from scanner.policy.loader import Policy, compile_policies, load_policies
from tests.support.inventory import inventory_from_data

CASES = Path(__file__).parent / "cases"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
POLICIES = {p.id: p for p in load_policies([data_dir("policies")])}


def _cases(policy_id: str) -> list[dict[str, Any]]:
    path = CASES / f"{policy_id}.yaml"
    data = yaml.safe_load(path.read_text()) if path.exists() else None
    return list(data["cases"]) if data else []


@pytest.mark.parametrize("policy_id", sorted(POLICIES))
def test_every_policy_has_pass_and_fail_cases(policy_id: str) -> None:
    expected = {status for case in _cases(policy_id) for status in case["expect"].values()}
    assert {"pass", "fail"} <= expected, f"{policy_id}: needs a passing and a failing case"


def _params(policy: Policy, case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {policy.id: case.get("params", {})}


@pytest.mark.parametrize(
    ("policy_id", "case"),
    [
        pytest.param(pid, case, id=f"{pid}::{case['name']}")
        for pid in sorted(POLICIES)
        for case in _cases(pid)
    ],
)
def test_policy_case(policy_id: str, case: dict[str, Any]) -> None:
    policy = POLICIES[policy_id]
    compiled = compile_policies([policy], _params(policy, case))
    inventory = inventory_from_data(case["resources"], case.get("errors", []))
    findings = {f.resource_id: f for f in evaluate(compiled, inventory, NOW)}
    got = {rid: f.status.value for rid, f in findings.items()}
    assert got == case["expect"], "\n".join(f.message for f in findings.values())
    for rid, fragment in (case.get("messages") or {}).items():
        assert fragment in findings[rid].message


def test_case_files_name_real_policies() -> None:
    stray = sorted(p.stem for p in CASES.glob("*.yaml") if p.stem not in POLICIES)
    assert not stray, f"case files without a policy: {stray}"
