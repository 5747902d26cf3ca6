"""Layer 3, in-process moto: collection through the real boto3 client code, normalized inventory.

One estate is built and scanned once per module (moto's EC2 start-up dominates the cost); the
error tests build their own small estates and make one call fail through a botocore event.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from scanner.evidence import EvidenceStore
from scanner.inventory import Inventory
from scanner.model import Finding, Resource, Status, Unknowable
from scanner.providers.aws.calls import AwsApi
from scanner.providers.aws.selectors import S3_OBJECT_EVENTS
from tests.aws.helpers import assess

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
EAST, WEST = REGIONS


def _trail_arn(region: str, name: str) -> str:
    return f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{name}"


def _bucket_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CloudTrailAclCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": f"arn:aws:s3:::{bucket}",
                },
                {
                    "Sid": "CloudTrailWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{ACCOUNT}/*",
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )


def scan(session: Any, evidence: EvidenceStore | None = None) -> Any:
    """The collector exactly as the pipeline calls it."""
    from scanner.providers.aws.collect import scan as collect_scan

    return collect_scan(session, REGIONS, EvidenceStore() if evidence is None else evidence)


# --------------------------------------------------------------------------------------------
# The shared estate
# --------------------------------------------------------------------------------------------


@dataclass
class Estate:
    """What the module estate built, and what one scan of it produced."""

    keys: dict[str, str]
    listed_in_west: list[str]
    inventory: Inventory
    evidence: EvidenceStore
    api: AwsApi
    findings: list[Finding]

    def get(self, rid: str) -> Resource:
        found = self.inventory.get(rid)
        assert found is not None, f"{rid} was not collected"
        return found

    def named(self, rtype: str, name: str) -> list[Resource]:
        return [r for r in self.inventory.of_type(rtype) if r.name == name]

    def finding(self, policy_id: str, rid: str) -> Finding:
        hits = [f for f in self.findings if f.policy_id == policy_id and f.resource_id == rid]
        assert len(hits) == 1, f"{policy_id} on {rid}: {hits}"
        return hits[0]


def build(session: Any) -> dict[str, str]:
    """Two regions: trails with every selector shape, log stores, KMS, alarms and config."""
    s3 = session.client("s3", region_name=EAST)
    kms = session.client("kms", region_name=EAST)
    keys = {
        name: kms.create_key(Description=name)["KeyMetadata"]["Arn"]
        for name in ("trail", "group", "bucket", "unused")
    }
    kms.enable_key_rotation(KeyId=keys["trail"])
    kms.enable_key_rotation(KeyId=keys["bucket"])

    for name in ("access-log-sink", "app-data-bkt"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_acl(Bucket="access-log-sink", ACL="log-delivery-write")
    s3.create_bucket(Bucket="central-trail-logs", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket="central-trail-logs",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 400}},
        },
    )
    s3.put_bucket_versioning(
        Bucket="central-trail-logs", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_encryption(
        Bucket="central-trail-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": keys["bucket"],
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket="central-trail-logs",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(Bucket="central-trail-logs", Policy=_bucket_policy("central-trail-logs"))
    s3.put_bucket_logging(
        Bucket="central-trail-logs",
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "access-log-sink", "TargetPrefix": "central/"}
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket="central-trail-logs",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "keep",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 2555},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 400},
                }
            ]
        },
    )
    session.client("s3", region_name=WEST).create_bucket(
        Bucket="regional-trail-logs", CreateBucketConfiguration={"LocationConstraint": WEST}
    )
    # A trail can name a bucket that is not the account's (here: gone once the trail exists).
    s3.create_bucket(Bucket="partner-owned-bkt")

    logs = session.client("logs", region_name=EAST)
    logs.create_log_group(logGroupName="/trail/org", kmsKeyId=keys["group"])
    logs.put_retention_policy(logGroupName="/trail/org", retentionInDays=365)
    logs.put_metric_filter(
        logGroupName="/trail/org",
        filterName="root-usage",
        filterPattern='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }',
        metricTransformations=[
            {"metricName": "RootUsage", "metricNamespace": "Security", "metricValue": "1"}
        ],
    )
    sns = session.client("sns", region_name=EAST)
    topic = sns.create_topic(Name="sec-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://hooks.example.com/sec")
    session.client("cloudwatch", region_name=EAST).put_metric_alarm(
        AlarmName="root-usage-alarm",
        MetricName="RootUsage",
        Namespace="Security",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )

    ct = session.client("cloudtrail", region_name=EAST)
    ct.create_trail(
        Name="org-trail",
        S3BucketName="central-trail-logs",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=keys["trail"],
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{EAST}:{ACCOUNT}:log-group:/trail/org:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/TrailToLogs",
    )
    ct.start_logging(Name="org-trail")
    ct.put_event_selectors(
        TrailName="org-trail",
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
            }
        ],
    )
    ct.create_trail(Name="audit-reads", S3BucketName="central-trail-logs")
    ct.put_event_selectors(
        TrailName="audit-reads",
        EventSelectors=[
            {
                "ReadWriteType": "ReadOnly",
                "IncludeManagementEvents": False,
                "DataResources": [
                    {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::app-data-bkt/"]}
                ],
            },
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": True,
                "ExcludeManagementEventSources": ["kms.amazonaws.com", "rdsdata.amazonaws.com"],
            },
        ],
    )
    ct.create_trail(Name="partner-trail", S3BucketName="partner-owned-bkt")
    s3.delete_bucket(Bucket="partner-owned-bkt")

    west = session.client("cloudtrail", region_name=WEST)
    west.create_trail(Name="west-trail", S3BucketName="regional-trail-logs")
    west.put_event_selectors(
        TrailName="west-trail",
        AdvancedEventSelectors=[
            {
                "Name": "writes, no KMS",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                    {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]},
                ],
            },
            {
                "Name": "app reads",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                    {"Field": "readOnly", "Equals": ["true"]},
                    {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::app-data-bkt/"]},
                ],
            },
            {
                "Name": "all writes",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            },
        ],
    )
    west.create_trail(Name="iam-only", S3BucketName="regional-trail-logs")
    west.put_event_selectors(
        TrailName="iam-only",
        AdvancedEventSelectors=[
            {
                "Name": "IAM only",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "eventSource", "Equals": ["iam.amazonaws.com"]},
                ],
            },
            {
                "Name": "puts only",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                    {"Field": "eventName", "Equals": ["PutObject"]},
                ],
            },
        ],
    )

    for region, start in ((EAST, True), (WEST, False)):
        config = session.client("config", region_name=region)
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": start},
            }
        )
        if start:
            config.put_delivery_channel(
                DeliveryChannel={"name": "default", "s3BucketName": "access-log-sink"}
            )
            config.start_configuration_recorder(ConfigurationRecorderName="default")
    return keys


@pytest.fixture(scope="module")
def estate(prepared: Any) -> Iterator[Estate]:
    """Build, scan and assess once; moto is gone again before the first test runs."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        session = boto3.Session(region_name=EAST)
        keys = build(session)
        listed = session.client("cloudtrail", region_name=WEST).describe_trails(
            includeShadowTrails=True
        )["trailList"]
        evidence = EvidenceStore()
        collected = scan(session, evidence)
        findings = assess(prepared, collected)
    yield Estate(
        keys=keys,
        listed_in_west=[t["TrailARN"] for t in listed],
        inventory=collected.inventory,
        evidence=evidence,
        api=collected.api,
        findings=findings,
    )


# --------------------------------------------------------------------------------------------
# Trails
# --------------------------------------------------------------------------------------------


def test_collection_has_no_errors(estate: Estate) -> None:
    assert estate.inventory.errors == []


def test_multi_region_trail_is_listed_in_both_regions_but_collected_once(estate: Estate) -> None:
    org = _trail_arn(EAST, "org-trail")
    assert org in estate.listed_in_west, "precondition: moto lists the shadow trail"
    trails = estate.inventory.of_type("aws.cloudtrail.trail")
    assert sorted(t.name for t in trails) == [
        "audit-reads",
        "iam-only",
        "org-trail",
        "partner-trail",
        "west-trail",
    ]
    assert len({t.id for t in trails}) == len(trails)
    assert estate.get(org).region == EAST
    assert estate.get(org).attrs["is_multi_region"] is True


@pytest.mark.parametrize(
    ("region", "name"),
    [(EAST, "org-trail"), (EAST, "audit-reads"), (WEST, "west-trail"), (WEST, "iam-only")],
)
def test_status_and_selectors_come_from_the_home_region(
    estate: Estate, region: str, name: str
) -> None:
    trail = estate.get(_trail_arn(region, name))
    assert trail.attrs["home_region"] == region
    asked = [e for e in trail.evidence if e.operation in ("GetTrailStatus", "GetEventSelectors")]
    assert sorted(e.operation for e in asked) == ["GetEventSelectors", "GetTrailStatus"]
    assert {e.region for e in asked} == {region}
    assert all(trail.id in e.params.values() for e in asked)


def test_trail_status_is_normalized(estate: Estate) -> None:
    org = estate.get(_trail_arn(EAST, "org-trail")).attrs
    assert org["status"]["is_logging"] is True
    assert isinstance(org["status"]["latest_delivery_time"], str)
    # moto reports neither of these; the trail is configured for both, so they are unknown.
    assert isinstance(org["status"]["latest_cloudwatch_logs_delivery_time"], Unknowable)
    assert isinstance(org["status"]["latest_digest_delivery_time"], Unknowable)
    west = estate.get(_trail_arn(WEST, "west-trail")).attrs
    assert west["status"]["is_logging"] is False
    assert west["status"]["latest_delivery_time"] is None
    assert west["status"]["latest_digest_delivery_time"] is None


def _selectors(trail: Resource) -> tuple[str, dict[str, Any], dict[str, Any]]:
    a = trail.attrs
    return a["selector_mode"], a["management_events"], a["s3_data_events"]


READS = sorted(n for n, d in S3_OBJECT_EVENTS.items() if d == "read")
WRITES = sorted(n for n, d in S3_OBJECT_EVENTS.items() if d == "write")


def _mgmt(read: bool, write: bool, read_lost: list[str], write_lost: list[str]) -> dict[str, Any]:
    return {
        "read": read,
        "write": write,
        "excluded_sources": sorted({*read_lost, *write_lost}),
        "read_excluded_sources": read_lost,
        "write_excluded_sources": write_lost,
    }


def _s3(
    read_buckets: list[str], read_missing: list[str], write_missing: list[str]
) -> dict[str, Any]:
    return {
        "read_all_buckets": not read_missing,
        "write_all_buckets": not write_missing,
        "read_buckets": read_buckets,
        "write_buckets": [],
        "read_events_missing": read_missing,
        "write_events_missing": write_missing,
    }


def test_basic_selectors_all_events(estate: Estate) -> None:
    mode, mgmt, s3 = _selectors(estate.get(_trail_arn(EAST, "org-trail")))
    assert mode == "basic"
    assert mgmt == _mgmt(True, True, [], [])
    assert s3 == _s3([], [], [])


def test_basic_selectors_directions_exclusions_and_one_bucket(estate: Estate) -> None:
    mode, mgmt, s3 = _selectors(estate.get(_trail_arn(EAST, "audit-reads")))
    assert mode == "basic"
    assert mgmt == _mgmt(False, True, [], ["kms.amazonaws.com", "rdsdata.amazonaws.com"])
    assert s3 == _s3(["app-data-bkt"], READS, WRITES)


def test_advanced_selectors_normalize_like_basic_ones(estate: Estate) -> None:
    trail = estate.get(_trail_arn(WEST, "west-trail"))
    mode, mgmt, s3 = _selectors(trail)
    assert mode == "advanced"
    assert mgmt == _mgmt(False, True, [], ["kms.amazonaws.com"])
    assert s3 == _s3(["app-data-bkt"], READS, [])
    assert trail.attrs["event_selectors"] is None
    assert [s["Name"] for s in trail.attrs["advanced_event_selectors"]] == [
        "writes, no KMS",
        "app reads",
        "all writes",
    ]


def test_narrowed_advanced_selectors_do_not_count_as_all_events(estate: Estate) -> None:
    mode, mgmt, s3 = _selectors(estate.get(_trail_arn(WEST, "iam-only")))
    assert mode == "advanced"
    assert mgmt == _mgmt(False, False, [], [])
    assert s3 == _s3([], READS, [n for n in WRITES if n != "PutObject"])


def test_trail_without_custom_selectors_logs_all_management_events(estate: Estate) -> None:
    _mode, mgmt, s3 = _selectors(estate.get(_trail_arn(EAST, "partner-trail")))
    assert mgmt == _mgmt(True, True, [], [])
    assert not s3["read_all_buckets"] and not s3["write_all_buckets"]


def test_selector_normalization_drives_the_account_policies(estate: Estate) -> None:
    account = f"arn:aws:iam::{ACCOUNT}:root"
    for pid in (
        "aws-cloudtrail-multi-region-logging",
        "aws-cloudtrail-s3-data-events-read",
        "aws-cloudtrail-s3-data-events-write",
    ):
        assert estate.finding(pid, account).status is Status.PASS, pid


# --------------------------------------------------------------------------------------------
# Buckets
# --------------------------------------------------------------------------------------------


def test_trail_bucket_is_collected_in_full(estate: Estate) -> None:
    a = estate.get("arn:aws:s3:::central-trail-logs").attrs
    assert a["detailed"] is True
    assert a["region"] == EAST
    assert a["object_lock"] == {"enabled": True, "mode": "COMPLIANCE", "retention_days": 400}
    assert a["versioning"] == {"status": "Enabled", "mfa_delete": False}
    assert a["encryption"] == {
        "algorithm": "aws:kms",
        "kms_key_id": estate.keys["bucket"],
        "bucket_key_enabled": True,
    }
    all_on = dict.fromkeys(
        (
            "block_public_acls",
            "ignore_public_acls",
            "block_public_policy",
            "restrict_public_buckets",
        ),
        True,
    )
    assert a["public_access_block"] == all_on
    assert a["effective_public_access_block"] == all_on
    assert a["policy"]["present"] is True
    assert a["policy"]["public"] is False
    assert a["policy"]["denies_insecure_transport"] is True
    assert [s["Sid"] for s in a["policy"]["document"]["Statement"]] == [
        "CloudTrailAclCheck",
        "CloudTrailWrite",
        "DenyInsecureTransport",
    ]
    assert a["acl"]["public"] is False
    assert a["logging"] == {
        "enabled": True,
        "target_bucket": "access-log-sink",
        "target_prefix": "central/",
    }
    assert a["lifecycle"]["earliest_expiration_days"] == 400
    assert [r["ID"] for r in a["lifecycle"]["rules"]] == ["keep"]


def test_bare_trail_bucket_reads_as_not_configured(estate: Estate) -> None:
    bucket = estate.get("arn:aws:s3:::regional-trail-logs")
    a = bucket.attrs
    assert a["detailed"] is True
    assert a["region"] == WEST
    assert a["encryption"] is None  # GetBucketEncryption answered 404
    assert a["policy"] == {
        "present": False,
        "public": False,
        "public_reasons": [],
        "denies_insecure_transport": False,
        "document": None,
    }
    assert a["public_access_block"] is None
    assert a["object_lock"] == {"enabled": False, "mode": None, "retention_days": None}
    assert a["versioning"] == {"status": None, "mfa_delete": False}
    assert a["logging"] == {"enabled": False, "target_bucket": None, "target_prefix": None}
    assert a["lifecycle"] == {"rules": [], "earliest_expiration_days": None}
    # Detail calls go to the bucket's own region.
    regions = {e.operation: e.region for e in bucket.evidence}
    assert regions["GetBucketAcl"] == WEST and regions["GetBucketLocation"] == EAST
    # A 404 is "not configured": an answer, but no document to keep as evidence.
    assert "GetBucketEncryption" not in regions and "GetBucketPolicy" not in regions


@pytest.mark.parametrize("name", ["access-log-sink", "app-data-bkt"])
def test_other_buckets_are_listed_only(estate: Estate, name: str) -> None:
    bucket = estate.get(f"arn:aws:s3:::{name}")
    assert bucket.attrs["detailed"] is False
    assert not {"policy", "encryption", "object_lock", "acl"} & set(bucket.attrs)
    assert {e.operation for e in bucket.evidence} == {"ListBuckets"}
    # Per-bucket detail calls are spent on the two trail buckets only.
    per_bucket = Counter(
        op
        for service, op, _region in estate.api.operations
        if service == "s3" and op != "ListBuckets"
    )
    assert set(per_bucket.values()) == {2}, per_bucket
    assert not [
        e
        for r in estate.inventory
        for e in r.evidence
        if e.operation.startswith("GetBucket") and e.params.get("Bucket") == name
    ]


def test_bucket_of_another_owner_is_an_unknown_placeholder(prepared: Any, estate: Estate) -> None:
    rid = "arn:aws:s3:::partner-owned-bkt"
    bucket = estate.get(rid)
    assert bucket.placeholder is not None
    assert bucket.placeholder.error is False
    assert "not owned by account" in bucket.placeholder.reason
    assert bucket.links["trails"].targets == (_trail_arn(EAST, "partner-trail"),)
    bucket_policies = [p.id for p in prepared.policies if p.resource == "aws.s3.bucket"]
    assert bucket_policies
    for pid in bucket_policies:
        finding = estate.finding(pid, rid)
        assert finding.status is Status.UNKNOWN, (pid, finding.message)
        assert "not owned by account" in finding.message


def test_trail_buckets_are_linked_both_ways(estate: Estate) -> None:
    central = estate.get("arn:aws:s3:::central-trail-logs")
    assert set(central.links["trails"].targets) == {
        _trail_arn(EAST, "org-trail"),
        _trail_arn(EAST, "audit-reads"),
    }
    assert central.links["kms_key"].targets == (estate.keys["bucket"],)
    assert estate.get(_trail_arn(WEST, "iam-only")).links["bucket"].targets == (
        "arn:aws:s3:::regional-trail-logs",
    )


# --------------------------------------------------------------------------------------------
# KMS, log groups, monitoring chain, config
# --------------------------------------------------------------------------------------------


def test_referenced_keys_are_described_with_rotation(estate: Estate) -> None:
    keys = {k.id: k for k in estate.inventory.of_type("aws.kms.key")}
    assert set(keys) == {estate.keys["trail"], estate.keys["group"], estate.keys["bucket"]}
    assert estate.keys["unused"] not in keys  # no ListKeys sweep
    for name, rotation in (("trail", True), ("group", False), ("bucket", True)):
        a = keys[estate.keys[name]].attrs
        assert a["manager"] == "CUSTOMER" and a["key_state"] == "Enabled", name
        assert a["key_spec"] == "SYMMETRIC_DEFAULT"
        assert a["rotation_enabled"] is rotation, name
        ops = {e.operation for e in keys[estate.keys[name]].evidence}
        assert ops == {"DescribeKey", "GetKeyRotationStatus"}
    protects = {
        name: set(keys[estate.keys[name]].links["protects"].targets)
        for name in ("trail", "group", "bucket")
    }
    assert protects == {
        "trail": {_trail_arn(EAST, "org-trail")},
        "group": {f"arn:aws:logs:{EAST}:{ACCOUNT}:log-group:/trail/org"},
        "bucket": {"arn:aws:s3:::central-trail-logs"},
    }


def test_metric_filter_alarm_topic_chain(estate: Estate) -> None:
    group = estate.get(f"arn:aws:logs:{EAST}:{ACCOUNT}:log-group:/trail/org")
    assert group.attrs["retention_days"] == 365
    assert group.attrs["kms_key_id"] == estate.keys["group"]
    assert group.links["log_sources"].targets == (_trail_arn(EAST, "org-trail"),)
    assert estate.get(_trail_arn(EAST, "org-trail")).links["log_group"].targets == (group.id,)
    (filter_id,) = group.links["metric_filters"].targets
    metric_filter = estate.get(filter_id)
    assert metric_filter.attrs["metrics"] == [
        {"name": "RootUsage", "namespace": "Security", "dimensions": []}
    ]
    assert metric_filter.links["log_group"].targets == (group.id,)
    (alarm_id,) = metric_filter.links["alarms"].targets
    alarm = estate.get(alarm_id)
    assert alarm.name == "root-usage-alarm"
    (topic_id,) = alarm.links["sns_topics"].targets
    topic = estate.get(topic_id)
    assert topic.placeholder is None
    assert topic.name == "sec-alerts"
    assert topic.attrs["subscriptions_confirmed"] == 1
    assert topic.attrs["subscriptions"] == [{"protocol": "https", "confirmed": True}]
    assert (
        estate.finding("aws-monitoring-root-usage", f"arn:aws:iam::{ACCOUNT}:root").status
        is Status.PASS
    )


def test_config_recorders_are_keyed_by_region(estate: Estate) -> None:
    recorders = {r.region: r for r in estate.inventory.of_type("aws.config.recorder")}
    assert set(recorders) == set(REGIONS)
    assert {r.attrs["name"] for r in recorders.values()} == {"default"}
    assert len({r.id for r in recorders.values()}) == 2
    assert recorders[EAST].attrs["recording"] is True
    assert recorders[WEST].attrs["recording"] is False
    for region in REGIONS:
        region_resource = estate.get(f"aws:{ACCOUNT}:region/{region}")
        assert region_resource.links["config_recorders"].targets == (recorders[region].id,)
    statuses = {
        f.region: f.status
        for f in estate.findings
        if f.policy_id == "aws-config-recorder-all-regions"
    }
    assert {r: statuses.pop(r) for r in REGIONS} == {EAST: Status.PASS, WEST: Status.FAIL}
    # Every other enabled region was not scanned: unknown, not silently passed over.
    assert statuses and set(statuses.values()) == {Status.UNKNOWN}


# --------------------------------------------------------------------------------------------
# Evidence and schemas
# --------------------------------------------------------------------------------------------


def test_every_resource_carries_evidence_that_is_stored(estate: Estate) -> None:
    for resource in estate.inventory:
        if resource.placeholder is not None:
            assert resource.evidence == ()
            continue
        assert resource.evidence, f"{resource.type} {resource.name} has no evidence"
        for ref in resource.evidence:
            blob = estate.evidence.get(ref.sha256)
            assert blob is not None, f"{resource.name}: {ref.operation} not in the store"
            json.loads(blob)


def test_evidence_hash_is_of_the_stored_bytes(estate: Estate) -> None:
    import hashlib

    for sha, blob in estate.evidence.items():
        assert hashlib.sha256(blob).hexdigest() == sha


def test_every_resource_matches_its_schema(
    estate: Estate, validate_schema: Callable[[Resource], list[str]]
) -> None:
    collected = [r for r in estate.inventory if r.placeholder is None]
    assert {r.type for r in collected} >= {
        "aws.account",
        "aws.region",
        "aws.cloudtrail.trail",
        "aws.s3.bucket",
        "aws.kms.key",
        "aws.logs.log_group",
        "aws.logs.metric_filter",
        "aws.cloudwatch.alarm",
        "aws.sns.topic",
        "aws.config.recorder",
        "aws.ec2.vpc",
    }
    problems = [p for r in collected for p in validate_schema(r)]
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------
# Calls that fail become errors, never passes or silence
# --------------------------------------------------------------------------------------------


def _small_estate(session: Any) -> None:
    """A logging single-region trail in us-east-1, a multi-region one homed in eu-west-1."""
    s3 = session.client("s3", region_name=EAST)
    s3.create_bucket(Bucket="east-trail-logs")
    ct = session.client("cloudtrail", region_name=EAST)
    ct.create_trail(Name="east-trail", S3BucketName="east-trail-logs")
    ct.start_logging(Name="east-trail")
    session.client("s3", region_name=WEST).create_bucket(
        Bucket="west-trail-logs", CreateBucketConfiguration={"LocationConstraint": WEST}
    )
    west = session.client("cloudtrail", region_name=WEST)
    west.create_trail(
        Name="west-multi",
        S3BucketName="west-trail-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
    )
    west.start_logging(Name="west-multi")


def test_describe_trails_denied_in_one_region(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    _small_estate(moto_session)
    denied = deny(
        moto_session, "cloudtrail", "DescribeTrails", code="AccessDeniedException", regions=[WEST]
    )
    collected = scan(moto_session)
    assert denied == [("DescribeTrails", WEST)]
    # The trails not listed there may name KMS keys that are then never described: the keys
    # err in that region too (found only through log stores).
    error, keys = collected.inventory.errors
    assert (error.operation, error.region, error.code) == (
        "DescribeTrails",
        WEST,
        "AccessDeniedException",
    )
    assert "aws.cloudtrail.trail" in error.resource_types
    assert (keys.operation, keys.region, keys.resource_types) == (
        "DescribeTrails",
        WEST,
        ("aws.kms.key",),
    )
    # The multi-region trail is listed in us-east-1 too, so it is still collected.
    names = sorted(t.name for t in collected.inventory.of_type("aws.cloudtrail.trail"))
    assert names == ["east-trail", "west-multi"]

    findings = assess(prepared, collected)
    trail_policies = [p.id for p in prepared.policies if p.resource == "aws.cloudtrail.trail"]
    assert trail_policies
    for pid in trail_policies:
        gap = [
            f
            for f in findings
            if f.policy_id == pid
            and f.region == WEST
            and f.resource_type == "aws.cloudtrail.trail"
            and f.resource_id.endswith(f"{WEST}:aws.cloudtrail.trail")
        ]
        assert [f.status for f in gap] == [Status.ERROR], pid
        assert "DescribeTrails" in gap[0].message and "AccessDeniedException" in gap[0].message
        # The trails that were listed are still judged on their own merits.
        judged = {
            f.resource_name
            for f in findings
            if f.policy_id == pid and f.resource_id.startswith("arn:aws:cloudtrail:")
        }
        assert judged == {"east-trail", "west-multi"}, pid


def test_describe_trails_denied_turns_a_failing_account_into_error(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    """No listed trail passes, and the unlisted region might hold one: error, not fail."""
    _small_estate(moto_session)
    deny(moto_session, "cloudtrail", "DescribeTrails", regions=[EAST, WEST])
    collected = scan(moto_session)
    assert {(e.operation, e.region) for e in collected.inventory.errors} == {
        ("DescribeTrails", EAST),
        ("DescribeTrails", WEST),
    }
    assert collected.inventory.of_type("aws.cloudtrail.trail") == []
    findings = assess(prepared, collected)
    account = f"arn:aws:iam::{ACCOUNT}:root"
    exists_trail = [
        p.id
        for p in prepared.policies
        if p.resource == "aws.account"
        and isinstance(p.condition, dict)
        and p.condition.get("exists") == "aws.cloudtrail.trail"
    ]
    assert "aws-cloudtrail-multi-region-logging" in exists_trail
    for pid in exists_trail:
        statuses = [f.status for f in findings if f.policy_id == pid and f.resource_id == account]
        assert statuses == [Status.ERROR], pid
    trail_policies = [p.id for p in prepared.policies if p.resource == "aws.cloudtrail.trail"]
    for pid in trail_policies:
        by_region = {(f.region, f.status) for f in findings if f.policy_id == pid}
        assert by_region == {(EAST, Status.ERROR), (WEST, Status.ERROR)}, pid
    # Any bucket may be a trail bucket nobody could list: the trail-bucket policies say error
    # on each, instead of leaving the buckets out.
    bucket_policies = [p.id for p in prepared.policies if p.resource == "aws.s3.bucket"]
    for pid in bucket_policies:
        by_bucket = {f.resource_name: f.status for f in findings if f.policy_id == pid}
        assert by_bucket == {"east-trail-logs": Status.ERROR, "west-trail-logs": Status.ERROR}, pid


def test_a_listed_passing_trail_still_passes_when_another_region_errs(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    _small_estate(moto_session)
    deny(moto_session, "cloudtrail", "DescribeTrails", regions=[EAST])
    collected = scan(moto_session)
    names = [t.name for t in collected.inventory.of_type("aws.cloudtrail.trail")]
    assert names == ["west-multi"]
    findings = assess(prepared, collected)
    (multi,) = [f for f in findings if f.policy_id == "aws-cloudtrail-multi-region-logging"]
    assert multi.status is Status.PASS, multi.message


def test_get_bucket_policy_denied_on_the_trail_bucket(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    _small_estate(moto_session)
    denied = deny(
        moto_session,
        "s3",
        "GetBucketPolicy",
        when=lambda params: "east-trail-logs" in params["url"],
    )
    collected = scan(moto_session)
    assert denied == [("GetBucketPolicy", EAST)]
    # One attribute, not a listing, failed: named in errors for the bucket, erring no type.
    (error,) = collected.inventory.errors
    assert (error.operation, error.code, error.resource_id) == (
        "GetBucketPolicy",
        "AccessDenied",
        "east-trail-logs",
    )
    assert error.resource_types == ()
    east = collected.inventory.get("arn:aws:s3:::east-trail-logs")
    assert east is not None
    policy = east.attrs["policy"]
    assert isinstance(policy, Unknowable) and policy.error
    assert "GetBucketPolicy" in policy.reason and "AccessDenied" in policy.reason
    # Everything else about the bucket was still read.
    assert east.attrs["versioning"] == {"status": None, "mfa_delete": False}
    assert east.attrs["encryption"] is None
    west = collected.inventory.get("arn:aws:s3:::west-trail-logs")
    assert west is not None and west.attrs["policy"]["present"] is False

    findings = {(f.policy_id, f.resource_id): f for f in assess(prepared, collected)}

    def status(pid: str, rid: str) -> Status:
        return findings[(pid, rid)].status

    # Policies that read the bucket policy cannot tell: error, with the failed call named.
    needs_policy = {
        "aws-s3-trail-bucket-tls-only": east.id,
        "aws-s3-trail-bucket-not-public": east.id,  # no Block Public Access to settle it
        "aws-cloudtrail-tamper-principals": _trail_arn(EAST, "east-trail"),
    }
    for pid, rid in needs_policy.items():
        assert status(pid, rid) is Status.ERROR, findings[(pid, rid)].message
        assert "GetBucketPolicy" in findings[(pid, rid)].message
    # The same policies still judge the bucket whose policy could be read.
    assert status("aws-s3-trail-bucket-tls-only", west.id) is Status.FAIL
    assert status("aws-s3-trail-bucket-not-public", west.id) is Status.PASS
    assert status("aws-cloudtrail-tamper-principals", _trail_arn(WEST, "west-multi")) is Status.PASS
    # Policies that do not need the bucket policy are unaffected.
    for pid in (
        "aws-s3-trail-bucket-sse-kms",
        "aws-s3-trail-bucket-object-lock",
        "aws-s3-trail-bucket-access-logging",
    ):
        assert status(pid, east.id) is Status.FAIL, pid
    assert status("aws-s3-trail-bucket-lifecycle-retention", east.id) is Status.PASS


def test_bucket_region_from_list_buckets_saves_get_bucket_location(moto_session: Any) -> None:
    """AWS reports BucketRegion in paginated ListBuckets (moto does not): then the trail
    bucket's region is taken from there, and GetBucketLocation is not called at all."""
    _small_estate(moto_session)

    def add_region(parsed: dict[str, Any], **_: Any) -> None:
        for bucket in parsed.get("Buckets", []):
            bucket["BucketRegion"] = WEST if bucket["Name"].startswith("west") else EAST

    moto_session.events.register("after-call.s3.ListBuckets", add_region)
    collected = scan(moto_session)
    assert "GetBucketLocation" not in {op for _s, op, _r in collected.api.operations}
    west = collected.inventory.get("arn:aws:s3:::west-trail-logs")
    assert west is not None and west.region == WEST and west.attrs["region"] == WEST
    assert west.attrs["versioning"] is not None and west.attrs["policy"]["present"] is False
