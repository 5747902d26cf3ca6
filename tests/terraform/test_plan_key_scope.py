"""Keys in scope are the keys of audit log stores, in a plan as in a live scan: a bucket's key
counts for the rotation policy only when a trail writes to the bucket (a plan holds application
buckets too), and a key named but not in the plan stays unknown, never absent."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scanner.model import Status, Unknowable
from scanner.plan.inventory import plan_inventory
from scanner.policy.engine import evaluate
from scanner.policy.loader import compile_policies, load_policies
from tests.terraform.planedit import values

KEY = "arn:aws:kms:eu-west-1:111111111111:key/existing"
ROTATION = "aws-kms-log-key-rotation"


def legacy(trail_bucket: str) -> dict[str, Any]:
    """legacy_inline.json, whose bucket encrypts with a key the plan does not hold, and whose
    trail writes to `trail_bucket`."""
    path = Path(__file__).parent / "fixtures" / "legacy_inline.json"
    plan: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    values(plan, "aws_cloudtrail.legacy")["s3_bucket_name"] = trail_bucket
    return plan


@pytest.mark.parametrize(
    ("trail_bucket", "expected"),
    [
        # The trail writes to the bucket: its key is an audit key, not in the plan: unknown.
        ("legacy-trail-logs", {KEY: Status.UNKNOWN}),
        # The failing case of before: the bucket holds no trail's logs, so its key is not an
        # audit key and is not judged.
        ("elsewhere-trail-logs", {}),
    ],
)
def test_a_bucket_key_is_judged_only_for_a_trail_bucket(
    trail_bucket: str, expected: dict[str, Status]
) -> None:
    scan = plan_inventory(legacy(trail_bucket))
    key = scan.inventory.get(KEY)
    assert key is not None and isinstance(key.placeholder, Unknowable)
    assert "not in this plan" in key.placeholder.reason
    policies = compile_policies([p for p in load_policies() if p.id == ROTATION], {})
    got = {
        f.resource_id: f.status
        for f in evaluate(policies, scan.inventory, datetime(2026, 11, 26, tzinfo=UTC))
        if f.policy_id == ROTATION
    }
    assert got == expected
