"""Absent link targets in the condition language and the engine: a target looked for where it
would be and not there fails every condition on it, under every quantifier and under `not`,
with the missing id in the reason; a target outside the scan stays unknown, a failed listing
stays error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from scanner.model import Status
from scanner.policy.engine import evaluate
from scanner.policy.lang import Compiler, Context
from scanner.policy.loader import compile_policies, load_policies
from tests.support.inventory import inventory_from_data

P, F, E, U = Status.PASS, Status.FAIL, Status.ERROR, Status.UNKNOWN
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
GONE_ARN = "arn:aws:sns:us-east-1:111111111111:gone"
GONE_WHY = (
    f"SNS topic {GONE_ARN} does not exist: the listing of account 111111111111 in region "
    "us-east-1 succeeded and does not hold it"
)


def topic(name: str, confirmed: int) -> dict[str, Any]:
    return {"type": "aws.sns.topic", "id": name, "attrs": {"subscriptions_confirmed": confirmed}}


GOOD, QUIET = topic("good", 1), topic("quiet", 0)
GONE = {"type": "aws.sns.topic", "id": "gone", "absent": GONE_WHY}
FOREIGN = {
    "type": "aws.sns.topic",
    "id": "foreign",
    "account": "999999999999",
    "placeholder": "SNS topic foreign is in account 999999999999, outside the scan",
}
NOTIFIES = {"attr": "subscriptions_confirmed", "gt": 0}


def alarm(*topics: str, unresolved: Any = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": "aws.cloudwatch.alarm",
        "id": "alarm",
        "attrs": {},
        "links": {"sns_topics": list(topics)},
    }
    if unresolved is not None:
        found["unresolved"] = {"sns_topics": unresolved}
    return found


def judge(
    condition: Any, subject: Mapping[str, Any], others: Iterable[Mapping[str, Any]] = ()
) -> tuple[Status, tuple[str, ...]]:
    inventory = inventory_from_data([subject, *others])
    node = Compiler({}).compile(condition, ("condition",))
    resource = inventory.get(subject["id"])
    assert resource is not None
    return node.fn(resource, resource.attrs, Context(inventory=inventory, now=NOW))


EVERYONE = (GOOD, QUIET, GONE, FOREIGN)


@pytest.mark.parametrize(
    ("targets", "quant", "expected"),
    [
        # The failing case: the only topic does not exist.
        (["gone"], "any", F),
        (["gone"], "all", F),
        # `none` must not read "not there" as "has not the property".
        (["gone"], "none", F),
        (["good", "gone"], "none", F),
        # Siblings that stay as they are: outside the scan is unknown; present topics decide.
        (["foreign"], "any", U),
        (["foreign"], "none", U),
        (["quiet"], "any", F),
        (["quiet"], "none", P),
        # Boundary: another topic notifies, so someone is told; `all` needs every one.
        (["good", "gone"], "any", P),
        (["good", "gone"], "all", F),
        (["gone", "foreign"], "any", U),
        (["gone", "foreign"], "all", F),
    ],
)
def test_follow_into_an_absent_target(targets: list[str], quant: str, expected: Status) -> None:
    got = judge({"follow": "sns_topics", quant: NOTIFIES}, alarm(*targets), EVERYONE)
    assert got[0] is expected, got


def test_an_absent_target_is_named_in_the_reason() -> None:
    status, reasons = judge({"follow": "sns_topics", "any": NOTIFIES}, alarm("gone"), EVERYONE)
    assert status is F and GONE_ARN in "; ".join(reasons)
    assert judge({"follow": "sns_topics", "none": NOTIFIES}, alarm("gone"), EVERYONE) == (
        F,
        (f'topic "gone": {GONE_WHY}',),
    )


def test_a_failed_listing_stays_an_error() -> None:
    failed = alarm(unresolved={"error": "ListTopics failed: AccessDenied"})
    assert judge({"follow": "sns_topics", "any": NOTIFIES}, failed, EVERYONE)[0] is E


def test_conditions_on_an_absent_resource_fail_and_so_does_their_negation() -> None:
    leaf = {"attr": "subscriptions_confirmed", "gt": 0}
    assert judge(leaf, GONE) == (F, (GONE_WHY,))
    assert judge({"not": leaf}, GONE) == (F, (GONE_WHY,))
    assert judge({"each": "subscriptions", "none": True}, GONE) == (F, (GONE_WHY,))
    assert judge({"follow": "kms_key", "all": True}, GONE) == (F, (GONE_WHY,))
    # The unknown sibling is untouched: its negation is unknown too.
    assert judge({"not": leaf}, FOREIGN)[0] is U


def test_linked_counts_only_targets_that_exist() -> None:
    assert judge({"linked": "sns_topics"}, alarm("gone"), EVERYONE) == (F, (GONE_WHY,))
    assert judge({"linked": "sns_topics"}, alarm("gone", "quiet"), EVERYONE)[0] is P
    assert judge({"linked": "sns_topics"}, alarm("foreign"), EVERYONE)[0] is P
    assert judge({"linked": "sns_topics"}, alarm(), EVERYONE)[0] is F


def _rotation(*resources: Mapping[str, Any]) -> dict[str, Status]:
    policies = [p for p in load_policies() if p.id == "aws-kms-log-key-rotation"]
    inventory = inventory_from_data(resources)
    return {
        f.resource_id: f.status
        for f in evaluate(compile_policies(policies, {}), inventory, NOW)
        if f.policy_id == "aws-kms-log-key-rotation"
    }


def test_an_absent_resource_fails_the_policies_whose_select_it_meets_by_its_links() -> None:
    why = "KMS key alias/gone does not exist in account 111111111111, region us-east-1"
    store = {"type": "aws.cloudtrail.trail", "id": "trail", "attrs": {}}
    gone = {"type": "aws.kms.key", "id": "gone", "absent": why, "links": {"protects": ["trail"]}}
    # Nothing points at it: the select's link test rules it out, absent or not.
    orphan = {"type": "aws.kms.key", "id": "orphan", "absent": why, "links": {"protects": []}}
    outside = {
        "type": "aws.kms.key",
        "id": "outside",
        "placeholder": "KMS key outside is in account 999999999999, outside the scan",
        "links": {"protects": ["trail"]},
    }
    assert _rotation(store, gone, orphan, outside) == {"gone": F, "outside": U}
