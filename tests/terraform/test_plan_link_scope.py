"""Links in a plan: keys in scope are the keys of audit log stores, as in a live scan (a
bucket's key counts for the rotation policy only when a trail writes to the bucket; a plan holds
application buckets too), and a target named but not in the plan stays unknown, never absent,
even under --assume-complete (a live scan fails a topic that its region's listing does not
hold: tests/aws/test_absent_links.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scanner import pipeline
from scanner.model import Status, Unknowable
from scanner.plan.inventory import plan_inventory
from scanner.policy.engine import evaluate
from scanner.policy.loader import compile_policies, load_policies
from tests.support.pipeline import scan_plan
from tests.terraform.planedit import expressions, unknown, values

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


def test_a_topic_not_in_the_plan_stays_unknown_even_when_assumed_complete(tmp_path: Path) -> None:
    """The plan names the topic by a literal ARN: its account may not be the plan's, and the
    plan is not the account's listing, so nobody can say the topic does not exist."""
    plan: dict[str, Any] = json.loads(
        (Path(__file__).parent / "fixtures" / "monitoring.json").read_text(encoding="utf-8")
    )
    gone = "arn:aws:sns:us-east-1:123456789012:deleted"
    alarm = "aws_cloudwatch_metric_alarm.root_usage"
    values(plan, alarm)["alarm_actions"] = [gone]
    expressions(plan, alarm)["alarm_actions"] = {"constant_value": [gone]}
    unknown(plan, alarm).pop("alarm_actions", None)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    findings = scan_plan(pipeline.prepare(None, None, None), path, assume_complete=True).findings
    (root,) = [f for f in findings if f.policy_id == "aws-monitoring-root-usage"]
    assert root.status is Status.UNKNOWN, root.message
    assert f"SNS topic {gone} is not in this plan" in root.message
