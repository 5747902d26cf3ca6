"""The same policies on the Terraform plan of the golden tenant agree with the live verdicts the
golden expectations name (tests/azure/golden/expected.yaml, written by hand: policy id ->
resource id -> status; fragments `expected-*.yaml` are read too until they are merged into it).

Where a plan cannot give the live verdict, test_plan_catalogue_azure.py's tables say why:
subscription ...0003 answers 403 to every call (error live, absent from any plan), and what
only a plan judges (PLAN_ONLY, empty on the golden tenant)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scanner.model import Status
from tests.terraform.test_plan_catalogue_azure import (
    DEVELOPMENT,
    LIVE_ONLY,
    PLAN_CANNOT_KNOW,
    PLAN_ONLY,
    PLAN_ONLY_POLICY,
    PLAN_POLICIES,
    Key,
    plan_findings,
)

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "tests" / "azure" / "golden"


def expected_rows() -> dict[Key, Status]:
    """Every (policy, resource) -> status the golden expectations give a plan policy."""
    rows: dict[Key, Status] = {}
    for path in sorted(GOLDEN_DIR.glob("expected*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for pid, resources in data.items():
            if pid not in PLAN_POLICIES:
                continue
            for rid, status in (resources or {}).items():
                rows[(pid, str(rid))] = Status(str(status))
    return rows


def _rows() -> dict[Key, Status]:
    rows = expected_rows()
    if not rows:
        pytest.skip(
            f"{GOLDEN_DIR}/expected.yaml (the golden tenant's live verdicts) holds no row of a "
            "policy a plan judges yet"
        )
    return rows


def test_plan_gives_the_expected_live_verdicts() -> None:
    planned = plan_findings()
    problems = []
    for key, live in sorted(_rows().items()):
        if DEVELOPMENT in key[1]:
            # 403 on every call: an error live, and nothing of it in the plan.
            assert live is Status.ERROR and key not in planned, key
            continue
        if key in LIVE_ONLY:
            assert key not in planned, key
            continue
        want = PLAN_CANNOT_KNOW.get(key, (live, ""))[0]
        got = planned.get(key)
        if got is None or got.status is not want:
            problems.append((key, want, got.status if got else None, got.message if got else ""))
    assert not problems, "\n".join(map(str, problems))


def test_plan_judges_nothing_the_expectations_do_not_list() -> None:
    rows = _rows()
    listed = {pid for pid, _rid in rows}
    extra = {
        key
        for key in plan_findings()
        if key[0] in listed and key[0] != PLAN_ONLY_POLICY and key not in rows
    }
    assert extra <= set(PLAN_ONLY), sorted(extra - set(PLAN_ONLY))
