"""Absent is a fact, not an unknown: a link target looked for where it would be (a listing of the
scanned account and region that succeeded) and not there fails the policies that depend on it,
with the missing id in the message. A target outside the scan (another account, a region not
scanned) stays unknown, a failed listing stays error, and a bucket missing from ListBuckets
stays unknown (a bucket name may be another account's). And keys in scope are the keys of
audit log stores: a key only an application log group names is neither described nor judged.

Each estate is built in moto through boto3, collected by the real collector and judged by the
shipped catalogue; failures are injected through botocore's event system (conftest's `deny`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scanner.model import Absent, Finding, Status, Unknowable
from tests.aws.helpers import assess
from tests.aws.test_regressions import (
    ACCOUNT,
    EAST,
    OUTSIDER,
    collect,
    finding,
    get,
    group_arn,
    watched_estate,
)

WEST = "us-west-2"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ROOT_USAGE = "aws-monitoring-root-usage"
ROTATION = "aws-kms-log-key-rotation"


def main_trail(session: Any, **settings: str) -> None:
    """Bucket trail-logs-1 and trail main-trail delivering to it, with `settings`."""
    session.client("s3", region_name=EAST).create_bucket(Bucket="trail-logs-1")
    session.client("cloudtrail", region_name=EAST).create_trail(
        Name="main-trail", S3BucketName="trail-logs-1", **settings
    )


def to_log_group(name: str) -> dict[str, str]:
    """Trail settings delivering to log group `name` through the usual role."""
    return {
        "CloudWatchLogsLogGroupArn": f"{group_arn(name)}:*",
        "CloudWatchLogsRoleArn": f"arn:aws:iam::{ACCOUNT}:role/TrailToLogs",
    }


def topic_arn(name: str, region: str = EAST, account: str = ACCOUNT) -> str:
    return f"arn:aws:sns:{region}:{account}:{name}"


def _alerts(sns: Any) -> str:
    arn: str = sns.create_topic(Name="sec-alerts")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="soc@example.com")
    return arn


def root_usage(prepared: Any, collected: Any) -> Finding:
    return finding(assess(prepared, collected), ROOT_USAGE, ROOT)


# ----- 8. topics -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "regions", "expected", "says"),
    [
        # The failing case: the topic's region was scanned and listed, and it is not there.
        (lambda _sns: [topic_arn("deleted")], [EAST], Status.FAIL, topic_arn("deleted")),
        # The same in another region that was scanned too.
        (
            lambda _sns: [topic_arn("gone", WEST)],
            [EAST, WEST],
            Status.FAIL,
            topic_arn("gone", WEST),
        ),
        # Siblings that stay: another account's topic, a region not scanned.
        (
            lambda _sns: [topic_arn("central", account=OUTSIDER)],
            [EAST],
            Status.UNKNOWN,
            "outside the scan",
        ),
        (lambda _sns: [topic_arn("west", WEST)], [EAST], Status.UNKNOWN, "was not scanned"),
        # Boundary: a topic that notifies beside one that does not exist: someone is told.
        (lambda sns: [topic_arn("deleted"), _alerts(sns)], [EAST], Status.PASS, ""),
    ],
)
def test_an_alarm_notifying_a_topic_that_does_not_exist_fails(
    prepared: Any,
    moto_session: Any,
    actions: Callable[[Any], list[str]],
    regions: list[str],
    expected: Status,
    says: str,
) -> None:
    watched_estate(moto_session, actions)
    got = root_usage(prepared, collect(moto_session, regions))
    assert got.status is expected, got.message
    assert says in got.message


def test_a_topic_listing_that_failed_stays_an_error(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    watched_estate(moto_session, lambda _sns: [topic_arn("deleted")])
    deny(moto_session, "sns", "ListTopics")
    collected = collect(moto_session)
    placeholder = get(collected, topic_arn("deleted")).placeholder
    assert isinstance(placeholder, Unknowable) and placeholder.error
    got = root_usage(prepared, collected)
    assert got.status is Status.ERROR, got.message
    assert "ListTopics" in got.message


# ----- 8. log groups, keys, buckets ----------------------------------------------------------


def test_a_trail_delivering_to_a_log_group_that_does_not_exist(
    prepared: Any, moto_session: Any
) -> None:
    s = moto_session
    main_trail(s, **to_log_group("/trail/deleted"))
    collected = collect(s)
    missing = group_arn("/trail/deleted")
    assert isinstance(get(collected, missing).placeholder, Absent)
    findings = assess(prepared, collected)
    for pid in ("aws-logs-log-group-retention", "aws-logs-log-group-kms-encryption"):
        got = finding(findings, pid, missing)
        assert got.status is Status.FAIL, (pid, got.message)
        assert f"log group {missing} does not exist" in got.message


def test_a_log_group_listing_that_failed_stays_an_error(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    s = moto_session
    main_trail(s, **to_log_group("/trail/deleted"))
    deny(s, "cloudwatch-logs", "DescribeLogGroups")
    collected = collect(s)
    placeholder = get(collected, group_arn("/trail/deleted")).placeholder
    assert isinstance(placeholder, Unknowable) and placeholder.error


@pytest.mark.parametrize(
    ("key", "expected", "says"),
    [
        # The failing case: DescribeKey says the alias names no key.
        ("alias/deleted", Status.FAIL, "does not exist"),
        # Sibling: a key of another account is not described, so unknown.
        (
            f"arn:aws:kms:{EAST}:{OUTSIDER}:key/0b1c2d3e-0000-4000-8000-000000000000",
            Status.UNKNOWN,
            "outside the scan",
        ),
    ],
)
def test_a_trail_encrypting_with_a_key_that_does_not_exist(
    prepared: Any, moto_session: Any, key: str, expected: Status, says: str
) -> None:
    s = moto_session
    main_trail(s, KmsKeyId=key)
    collected = collect(s)
    got = finding(assess(prepared, collected), "aws-cloudtrail-kms-encryption", trail("main-trail"))
    assert got.status is expected, got.message
    assert says in got.message and key in got.message


def test_a_describe_key_that_failed_stays_an_error(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    s = moto_session
    main_trail(s, KmsKeyId="alias/deleted")
    deny(s, "kms", "DescribeKey")
    findings = assess(prepared, collect(s))
    rotation = [f for f in findings if f.policy_id == ROTATION]
    assert [f.status for f in rotation] == [Status.ERROR], [f.message for f in rotation]
    assert "DescribeKey" in rotation[0].message


def test_an_absent_key_of_an_audit_store_fails_the_rotation_policy(
    prepared: Any, moto_session: Any
) -> None:
    s = moto_session
    main_trail(s, KmsKeyId="alias/deleted")
    collected = collect(s)
    alias = f"arn:aws:kms:{EAST}:{ACCOUNT}:alias/deleted"
    assert isinstance(get(collected, alias).placeholder, Absent)
    got = finding(assess(prepared, collected), ROTATION, alias)
    assert got.status is Status.FAIL and "alias/deleted does not exist" in got.message


def test_a_trail_bucket_missing_from_list_buckets_stays_unknown(
    prepared: Any, moto_session: Any
) -> None:
    """ListBuckets lists only the caller's own buckets, and bucket names are shared by every
    account: a trail bucket not in it may be a log-archive account's (the documented
    cross-account pattern), so its settings are unknown, not failing."""
    s = moto_session
    s3 = s.client("s3", region_name=EAST)
    s3.create_bucket(Bucket="archive-trail-logs")
    s.client("cloudtrail", region_name=EAST).create_trail(
        Name="main-trail", S3BucketName="archive-trail-logs"
    )
    s3.delete_bucket(Bucket="archive-trail-logs")
    collected = collect(s)
    bucket = get(collected, "arn:aws:s3:::archive-trail-logs")
    assert isinstance(bucket.placeholder, Unknowable) and not bucket.placeholder.error
    got = finding(
        assess(prepared, collected),
        "aws-s3-trail-bucket-object-lock",
        "arn:aws:s3:::archive-trail-logs",
    )
    assert got.status is Status.UNKNOWN and "not owned by account" in got.message


def trail(name: str) -> str:
    return f"arn:aws:cloudtrail:{EAST}:{ACCOUNT}:trail/{name}"


# ----- 7. keys in scope are the keys of audit log stores -------------------------------------


def keyed_groups(session: Any) -> tuple[str, str]:
    """An application log group with its own key (no rotation), and the trail's log group
    sharing a second key (no rotation) with another application group."""
    kms = session.client("kms", region_name=EAST)
    app_key = kms.create_key(Description="app")["KeyMetadata"]["Arn"]
    log_key = kms.create_key(Description="logs")["KeyMetadata"]["Arn"]
    logs = session.client("logs", region_name=EAST)
    logs.create_log_group(logGroupName="/app/web", kmsKeyId=app_key)
    logs.create_log_group(logGroupName="/app/api", kmsKeyId=log_key)
    logs.create_log_group(logGroupName="/trail/audit", kmsKeyId=log_key)
    main_trail(session, **to_log_group("/trail/audit"))
    return app_key, log_key


def test_only_keys_of_audit_log_stores_are_described_and_judged(
    prepared: Any, moto_session: Any
) -> None:
    app_key, log_key = keyed_groups(moto_session)
    collected = collect(moto_session)
    described = [
        e.params.get("KeyId")
        for r in collected.inventory.of_type("aws.kms.key")
        for e in r.evidence
        if e.operation == "DescribeKey"
    ]
    assert described == [log_key]
    assert collected.inventory.get(app_key) is None
    # The boundary: a key of an audit and a non-audit group is in scope, through the audit one.
    assert get(collected, log_key).links["protects"].targets == (group_arn("/trail/audit"),)
    web = get(collected, group_arn("/app/web")).links["kms_key"]
    assert web.targets == () and web.unresolved is not None
    assert "outside the audit scope" in web.unresolved.reason
    # The application group still links to the key it shares with the audit group.
    assert get(collected, group_arn("/app/api")).links["kms_key"].targets == (log_key,)

    rotation = {f.resource_id: f for f in assess(prepared, collected) if f.policy_id == ROTATION}
    assert set(rotation) == {log_key}
    assert rotation[log_key].status is Status.FAIL


def test_when_trails_cannot_be_listed_every_group_key_is_described_and_errs(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    """Which log groups receive audit logs cannot be told: a key no audit store is known to
    name may still be one, so it is described and its rotation finding is an error, never
    skipped."""
    app_key, log_key = keyed_groups(moto_session)
    deny(moto_session, "cloudtrail", "DescribeTrails")
    collected = collect(moto_session)
    rotation = {f.resource_id: f for f in assess(prepared, collected) if f.policy_id == ROTATION}
    # Besides the keys the log groups name, the trails' own keys cannot be known: the region's
    # keys err as a type too (a row of its own, naming the failed listing).
    region_row = f"aws:{ACCOUNT}:{EAST}:aws.kms.key"
    assert set(rotation) == {app_key, log_key, region_row}
    for got in rotation.values():
        assert got.status is Status.ERROR, got.message
        assert "DescribeTrails" in got.message


def test_a_flow_log_delivering_to_a_log_group_that_does_not_exist(
    prepared: Any, moto_session: Any
) -> None:
    """The same rule on the other audit log source: a VPC flow log whose log group (named
    bare, so in the VPC's region and account) the region's listing does not hold."""
    ec2 = moto_session.client("ec2", region_name=EAST)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName="/vpc/deleted",
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/FlowLogs",
    )
    collected = collect(moto_session)
    missing = group_arn("/vpc/deleted")
    assert isinstance(get(collected, missing).placeholder, Absent)
    got = finding(assess(prepared, collected), "aws-logs-log-group-retention", missing)
    assert got.status is Status.FAIL and f"log group {missing} does not exist" in got.message
