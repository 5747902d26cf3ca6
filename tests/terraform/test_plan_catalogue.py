"""Every shipped policy a plan can judge, on plans where it passes and where it fails, each with
the status the live adapter gives the equivalent estate built in moto.

The plans are the fixtures (compliant.json, monitoring.json, coverage.json) edited the way
another configuration would have produced them; they are judged as `logward plan
--assume-complete` judges them (`scanner.plan.source.PlanSource`). Each live twin is built
with boto3 inside moto under the same resource names, collected by the live adapter and
assessed by pipeline.assess with the plan catalogue. Where a plan cannot give a status, moto
cannot build the live state, or the policy has no live side at all, EXCEPTIONS says why.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest

from scanner import pipeline
from scanner.model import Finding, Status
from scanner.plan.read import load_plan
from scanner.policy.loader import load_policies
from scanner.providers.aws.analysis.cis_patterns import CIS_PATTERNS
from scanner.source import SourceInfo
from tests.support.pipeline import assess_inventory, scan_plan
from tests.terraform.planedit import (
    add,
    block_config,
    clone,
    drop,
    expressions,
    unknown,
    unset,
    values,
)

FIXTURES = Path(__file__).parent / "fixtures"
PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN
PLAN_POLICIES = sorted(
    p.id for p in load_policies() if p.provider == "aws" and "plan" in p.evaluate_on
)

TRAIL = "aws_cloudtrail.main"
BUCKET_NAME = "acme-trail-logs"
MONITORING_BUCKET = "acme-monitoring-trail"
TRAIL_NAME = "acme-trail"
TRAIL_GROUP = "/aws/cloudtrail/acme"
FLOW_GROUP = "/vpc/flow-logs"
ACCOUNT_ID = "123456789012"  # moto's account
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/CloudTrailToLogs"
GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:{TRAIL_GROUP}:*"
CIS_FILTER = "aws_cloudwatch_log_metric_filter.{}"
CIS_ALARM = "aws_cloudwatch_metric_alarm.{}"

PLAN_ONLY = (
    "evaluate_on: [plan] only: aws.plan.log_store_change is a planned change, which no "
    "live estate has"
)
# Where a policy's pass or fail cannot be shown, by policy id: "no plan <status>" (no plan can
# give that status) or "no live <status>" (moto cannot build the live state of that case, which
# is then judged on the plan only), each with the reason.
EXCEPTIONS: dict[str, dict[str, str]] = {
    "aws-cloudtrail-cloudwatch-integration": {
        "no plan pass": "a plan can only fail or be unknown: no delivery to CloudWatch Logs has "
        "happened before apply (status.latest_cloudwatch_logs_delivery_time is "
        "Unknowable)",
        "no live pass": "moto never reports LatestCloudWatchLogsDeliveryTime (a fresh trail "
        "is unknown, an older one would fail)",
    },
    "aws-s3-trail-bucket-mfa-delete": {
        "no live pass": "moto never reports MFADelete in GetBucketVersioning: the twin of a "
        "bucket with MFA delete fails, so the pass case is judged on the plan "
        "only"
    },
    "aws-plan-log-store-not-destroyed": {"no live pass": PLAN_ONLY, "no live fail": PLAN_ONLY},
}


# ----- editing a plan the way another configuration would have produced it -----------------


@cache
def _fixture(name: str) -> dict[str, Any]:
    return load_plan(FIXTURES / name)


def fixture(name: str) -> dict[str, Any]:
    return copy.deepcopy(_fixture(name))


# ----- the plans --------------------------------------------------------------------------

PUBLIC_READ = {
    "Sid": "PublicRead",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET_NAME}/*",
}


def weak_policy(plan: dict[str, Any]) -> str:
    """The compliant bucket policy without its TLS deny and with a public read grant."""
    document = json.loads(values(plan, "aws_s3_bucket_policy.trail")["policy"])
    kept = [s for s in document["Statement"] if s["Sid"] != "DenyInsecureTransport"]
    return json.dumps({"Version": "2012-10-17", "Statement": [*kept, PUBLIC_READ]})


def plan_logstore_weak() -> dict[str, Any]:
    """compliant.json with every log-store safeguard weakened or left out: the bucket has no
    Object Lock, suspended versioning, SSE-S3, a 30-day expiry, no access logging, a public
    read grant without TLS deny and no public access block (the account's is all off); the
    trail has no KMS key, no validation and no CloudWatch Logs; the key does not rotate (it
    still protects the log group)."""
    plan = fixture("compliant.json")
    for address in (
        "aws_s3_bucket_object_lock_configuration.trail",
        "aws_s3_bucket_public_access_block.trail",
        "aws_s3_bucket_logging.trail",
    ):
        drop(plan, address)
    values(plan, "aws_s3_bucket.trail")["object_lock_enabled"] = False
    values(plan, "aws_s3_bucket_versioning.trail")["versioning_configuration"] = [
        {"status": "Suspended", "mfa_delete": "Disabled"}
    ]
    sse = "aws_s3_bucket_server_side_encryption_configuration.trail"
    values(plan, sse)["rule"][0]["apply_server_side_encryption_by_default"] = [
        {"sse_algorithm": "AES256"}
    ]
    unknown(plan, sse).pop("rule")
    expressions(plan, sse)["rule"][0]["apply_server_side_encryption_by_default"][0].pop(
        "kms_master_key_id"
    )
    values(plan, "aws_s3_bucket_lifecycle_configuration.trail")["rule"][0]["expiration"][0][
        "days"
    ] = 30
    values(plan, "aws_s3_bucket_policy.trail")["policy"] = weak_policy(plan)
    add(
        plan,
        "aws_s3_account_public_access_block",
        "this",
        {
            "block_public_acls": False,
            "ignore_public_acls": False,
            "block_public_policy": False,
            "restrict_public_buckets": False,
        },
    )
    values(plan, TRAIL)["enable_log_file_validation"] = False
    for attr in ("kms_key_id", "cloud_watch_logs_group_arn", "cloud_watch_logs_role_arn"):
        unset(plan, TRAIL, attr)
    values(plan, "aws_kms_key.logs")["enable_key_rotation"] = False
    return plan


def plan_cis(missing: str | None = None, retention: int = 400) -> dict[str, Any]:
    """monitoring.json with a metric filter and an alarm for every CIS section-4 pattern, all
    notifying the topic with its auto-confirming https subscription (`missing`: that filter
    left out)."""
    plan = fixture("monitoring.json")
    root_filter, root_alarm = CIS_FILTER.format("root_usage"), CIS_ALARM.format("root_usage")
    for slug, cis in CIS_PATTERNS.items():
        name = slug.replace("-", "_")
        metric = cis_metric(slug)
        if name != "root_usage":
            clone(plan, root_filter, name)
            clone(plan, root_alarm, name)
        f, a = CIS_FILTER.format(name), CIS_ALARM.format(name)
        values(plan, f).update(name=slug, pattern=cis.pattern)
        values(plan, f)["metric_transformation"][0]["name"] = metric
        expressions(plan, f)["name"] = {"constant_value": slug}
        expressions(plan, f)["pattern"] = {"constant_value": cis.pattern}
        expressions(plan, f)["metric_transformation"][0]["name"] = {"constant_value": metric}
        values(plan, a).update(alarm_name=slug, metric_name=metric)
        expressions(plan, a)["alarm_name"] = {"constant_value": slug}
        expressions(plan, a)["metric_name"] = {"constant_value": metric}
    if missing is not None:
        drop(plan, CIS_FILTER.format(missing.replace("-", "_")))
    values(plan, "aws_cloudwatch_log_group.trail")["retention_in_days"] = retention
    return plan


def cis_metric(slug: str) -> str:
    return "CIS" + "".join(part.title() for part in slug.split("-"))


def field(name: str, **ops: list[str]) -> dict[str, Any]:
    """One field_selector block as the plan renders it (unused operators null)."""
    out: dict[str, Any] = dict.fromkeys(
        ("equals", "not_equals", "starts_with", "not_starts_with", "ends_with", "not_ends_with")
    )
    out.update(field=name, **ops)
    return out


def api_selectors(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same selectors as PutEventSelectors takes them."""
    names = {"equals": "Equals", "not_equals": "NotEquals", "starts_with": "StartsWith"}
    return [
        {
            "Name": b["name"],
            "FieldSelectors": [
                {"Field": f["field"], **{names[k]: v for k, v in f.items() if k in names and v}}
                for f in b["field_selector"]
            ],
        }
        for b in blocks
    ]


def selectors(direction: str, exclude_kms: bool = False) -> list[dict[str, Any]]:
    """All management events (or all but KMS) plus S3 object data events of one direction."""
    management = [field("eventCategory", equals=["Management"])]
    if exclude_kms:
        management.append(field("eventSource", not_equals=["kms.amazonaws.com"]))
    return [
        {"name": "management", "field_selector": management},
        {
            "name": f"s3 {direction}",
            "field_selector": [
                field("eventCategory", equals=["Data"]),
                field("resources.type", equals=["AWS::S3::Object"]),
                field("readOnly", equals=["true" if direction == "read" else "false"]),
            ],
        },
    ]


def selectors_by_direction(lose_kms_writes: bool) -> list[dict[str, Any]]:
    """Selectors whose coverage differs by direction: management events but KMS, plus either a
    read-only management selector (KMS writes stay lost) or a KMS-only one (nothing lost); S3
    object events but one event name, a read (GetObject) or a write (PutObject)."""
    extra = (
        field("readOnly", equals=["true"])
        if lose_kms_writes
        else field("eventSource", equals=["kms.amazonaws.com"])
    )
    return [
        {
            "name": "management but kms",
            "field_selector": [
                field("eventCategory", equals=["Management"]),
                field("eventSource", not_equals=["kms.amazonaws.com"]),
            ],
        },
        {
            "name": "more management",
            "field_selector": [field("eventCategory", equals=["Management"]), extra],
        },
        {
            "name": "s3 but one event",
            "field_selector": [
                field("eventCategory", equals=["Data"]),
                field("resources.type", equals=["AWS::S3::Object"]),
                field("eventName", not_equals=["GetObject" if lose_kms_writes else "PutObject"]),
            ],
        },
    ]


def plan_selectors(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    plan = fixture("monitoring.json")
    values(plan, TRAIL)["advanced_event_selector"] = blocks
    return plan


def plan_coverage(recording: bool = True) -> dict[str, Any]:
    """coverage.json with both VPCs in us-east-1 (the region the live twin scans)."""
    plan = fixture("coverage.json")
    block_config(plan, "aws_vpc.legacy")["provider_config_key"] = "aws"
    values(plan, "aws_config_configuration_recorder_status.main")["is_enabled"] = recording
    return plan


def plan_trail_replaced() -> dict[str, Any]:
    """compliant.json where a forced replacement destroys the trail before creating it anew."""
    plan = fixture("compliant.json")
    next(c for c in plan["resource_changes"] if c["address"] == TRAIL)["change"]["actions"] = [
        "delete",
        "create",
    ]
    return plan


def plan_short_retention() -> dict[str, Any]:
    plan = fixture("monitoring.json")
    values(plan, "aws_cloudwatch_log_group.trail")["retention_in_days"] = 30
    return plan


# ----- the live twins ---------------------------------------------------------------------


def plan_key_not_rotated() -> dict[str, Any]:
    """compliant.json whose log key (of the trail, its bucket and its log group) does not
    rotate."""
    plan = fixture("compliant.json")
    values(plan, "aws_kms_key.logs")["enable_key_rotation"] = False
    return plan


def live_logstore(session: Any, compliant: bool, rotate: bool | None = None) -> None:
    """compliant.json (or plan_logstore_weak) built in moto; `rotate` False: its key does not
    rotate."""
    s3, kms = session.client("s3"), session.client("kms")
    key = kms.create_key(Description="audit logs")["KeyMetadata"]["Arn"]
    if compliant if rotate is None else rotate:
        kms.enable_key_rotation(KeyId=key)
    s3.create_bucket(Bucket=BUCKET_NAME, ObjectLockEnabledForBucket=compliant)
    policy = values(_fixture("compliant.json"), "aws_s3_bucket_policy.trail")["policy"]
    if compliant:
        s3.put_object_lock_configuration(
            Bucket=BUCKET_NAME,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 400}},
            },
        )
        s3.put_bucket_versioning(
            Bucket=BUCKET_NAME,
            VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"},
            MFA="arn:aws:iam::mfa/root 123456",
        )
        s3.put_bucket_encryption(
            Bucket=BUCKET_NAME,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key,
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        s3.put_public_access_block(
            Bucket=BUCKET_NAME,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.create_bucket(Bucket="acme-access-logs", ACL="log-delivery-write")
        s3.put_bucket_logging(
            Bucket=BUCKET_NAME,
            BucketLoggingStatus={
                "LoggingEnabled": {"TargetBucket": "acme-access-logs", "TargetPrefix": "trail/"}
            },
        )
    else:
        s3.put_bucket_versioning(
            Bucket=BUCKET_NAME, VersioningConfiguration={"Status": "Suspended"}
        )
        s3.put_bucket_encryption(
            Bucket=BUCKET_NAME,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        policy = weak_policy(_fixture("compliant.json"))
    s3.put_bucket_policy(Bucket=BUCKET_NAME, Policy=policy)
    s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET_NAME,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-after-seven-years",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 2555 if compliant else 30},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 400},
                }
            ]
        },
    )
    logs = session.client("logs")
    logs.create_log_group(logGroupName=TRAIL_GROUP, kmsKeyId=key)
    logs.put_retention_policy(logGroupName=TRAIL_GROUP, retentionInDays=400 if compliant else 30)
    ct = session.client("cloudtrail")
    extra: dict[str, Any] = (
        {"KmsKeyId": key, "CloudWatchLogsLogGroupArn": GROUP_ARN, "CloudWatchLogsRoleArn": ROLE}
        if compliant
        else {}
    )
    ct.create_trail(
        Name=TRAIL_NAME,
        S3BucketName=BUCKET_NAME,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=compliant,
        **extra,
    )
    ct.start_logging(Name=TRAIL_NAME)


def live_monitoring(
    session: Any,
    slugs: list[str] | None = None,
    retention: int = 400,
    advanced: list[dict[str, Any]] | None = None,
) -> None:
    """monitoring.json (or plan_cis / plan_selectors / plan_short_retention) built in moto."""
    session.client("s3").create_bucket(Bucket=MONITORING_BUCKET)
    logs = session.client("logs")
    logs.create_log_group(logGroupName=TRAIL_GROUP)
    logs.put_retention_policy(logGroupName=TRAIL_GROUP, retentionInDays=retention)
    sns = session.client("sns")
    topic = sns.create_topic(Name="security-alerts")["TopicArn"]
    # moto confirms an https subscription at once (a SubscriptionArn, not PendingConfirmation),
    # as the plan's endpoint_auto_confirms = true says it will be.
    sns.subscribe(
        TopicArn=topic,
        Protocol="https",
        Endpoint="https://events.pagerduty.com/integration/abc/enqueue",
    )
    cloudwatch = session.client("cloudwatch")
    for slug in ["root-usage"] if slugs is None else slugs:
        metric = "RootAccountUsage" if slugs is None else cis_metric(slug)
        logs.put_metric_filter(
            logGroupName=TRAIL_GROUP,
            filterName=slug,
            filterPattern=CIS_PATTERNS[slug].pattern,
            metricTransformations=[
                {"metricName": metric, "metricNamespace": "CISBenchmark", "metricValue": "1"}
            ],
        )
    for slug in ["root-usage"] if slugs is None else list(CIS_PATTERNS):
        metric = "RootAccountUsage" if slugs is None else cis_metric(slug)
        cloudwatch.put_metric_alarm(
            AlarmName=slug,
            MetricName=metric,
            Namespace="CISBenchmark",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
            AlarmActions=[topic],
        )
    ct = session.client("cloudtrail")
    ct.create_trail(
        Name=TRAIL_NAME,
        S3BucketName=MONITORING_BUCKET,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        CloudWatchLogsLogGroupArn=GROUP_ARN,
        CloudWatchLogsRoleArn=ROLE,
    )
    if advanced is not None:
        ct.put_event_selectors(TrailName=TRAIL_NAME, AdvancedEventSelectors=api_selectors(advanced))
    ct.start_logging(Name=TRAIL_NAME)


def live_coverage(session: Any, recording: bool = True) -> None:
    """plan_coverage built in moto."""
    ec2 = session.client("ec2")
    main = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}]}],
    )["Vpc"]["VpcId"]
    ec2.create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "legacy"}]}],
    )
    logs = session.client("logs")
    logs.create_log_group(logGroupName=FLOW_GROUP)
    logs.put_retention_policy(logGroupName=FLOW_GROUP, retentionInDays=365)
    ec2.create_flow_logs(
        ResourceIds=[main],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName=FLOW_GROUP,
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT_ID}:role/VpcFlowLogs",
    )
    config = session.client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    session.client("s3").create_bucket(Bucket="config-history")
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": "config-history"}
    )
    if recording:
        config.start_configuration_recorder(ConfigurationRecorderName="default")


# ----- scenarios: a plan and its live twin, judged once each --------------------------------


@dataclass(frozen=True)
class Scenario:
    plan: Callable[[], dict[str, Any]]
    live: Callable[[Any], None] | None = None  # None: no live twin exists


SCENARIOS: dict[str, Scenario] = {
    "logstore-compliant": Scenario(
        lambda: fixture("compliant.json"), lambda s: live_logstore(s, True)
    ),
    "logstore-weak": Scenario(plan_logstore_weak, lambda s: live_logstore(s, False)),
    "key-not-rotated": Scenario(
        plan_key_not_rotated, lambda s: live_logstore(s, True, rotate=False)
    ),
    "cis-all": Scenario(plan_cis, lambda s: live_monitoring(s, list(CIS_PATTERNS))),
    **{
        f"cis-without-{slug}": Scenario(
            partial(plan_cis, missing=slug),
            partial(live_monitoring, slugs=[x for x in CIS_PATTERNS if x != slug]),
        )
        for slug in CIS_PATTERNS
    },
    "log-group-short-retention": Scenario(
        plan_short_retention, lambda s: live_monitoring(s, retention=30)
    ),
    "selectors-read": Scenario(
        lambda: plan_selectors(selectors("read")),
        lambda s: live_monitoring(s, advanced=selectors("read")),
    ),
    "selectors-write-not-kms": Scenario(
        lambda: plan_selectors(selectors("write", exclude_kms=True)),
        lambda s: live_monitoring(s, advanced=selectors("write", exclude_kms=True)),
    ),
    "selectors-kms-writes-lost": Scenario(
        lambda: plan_selectors(selectors_by_direction(True)),
        lambda s: live_monitoring(s, advanced=selectors_by_direction(True)),
    ),
    "selectors-kms-covered": Scenario(
        lambda: plan_selectors(selectors_by_direction(False)),
        lambda s: live_monitoring(s, advanced=selectors_by_direction(False)),
    ),
    "trail-replaced": Scenario(plan_trail_replaced),
    "coverage": Scenario(plan_coverage, lambda s: live_coverage(s)),
    "recorder-stopped": Scenario(
        lambda: plan_coverage(recording=False), lambda s: live_coverage(s, recording=False)
    ),
}


@dataclass(frozen=True)
class Case:
    """One expectation: `policy` on the resource named `name` (None: the one resource the
    policy judges, as the account or the single log key) in `scenario` is `status`; `live`:
    the moto twin gives the same status."""

    scenario: str
    status: Status
    name: str | None = None
    live: bool = True


LOGSTORE_PASS_FAIL = [
    Case("logstore-compliant", PASS, BUCKET_NAME),
    Case("logstore-weak", FAIL, BUCKET_NAME),
]
TABLE: dict[str, list[Case]] = {
    "aws-cloudtrail-cloudwatch-integration": [
        Case("logstore-weak", FAIL, TRAIL_NAME),
        # Configured, but nothing delivered yet: unknown on the plan and on a fresh live trail.
        Case("logstore-compliant", UNKNOWN, TRAIL_NAME),
    ],
    "aws-cloudtrail-kms-encryption": [
        Case("logstore-compliant", PASS, TRAIL_NAME),
        Case("logstore-weak", FAIL, TRAIL_NAME),
    ],
    "aws-cloudtrail-log-file-validation": [
        Case("logstore-compliant", PASS, TRAIL_NAME),
        Case("logstore-weak", FAIL, TRAIL_NAME),
    ],
    "aws-cloudtrail-multi-region-logging": [
        Case("selectors-read", PASS),
        Case("cis-all", PASS),
        Case("selectors-write-not-kms", FAIL),
        # All but KMS plus read-only: KMS writes are lost. All but KMS plus KMS only: none.
        Case("selectors-kms-writes-lost", FAIL),
        Case("selectors-kms-covered", PASS),
    ],
    "aws-cloudtrail-s3-data-events-read": [
        Case("selectors-read", PASS),
        Case("selectors-write-not-kms", FAIL),
        Case("cis-all", FAIL),
        # Excluding GetObject loses a read; excluding PutObject leaves reads complete.
        Case("selectors-kms-writes-lost", FAIL),
        Case("selectors-kms-covered", PASS),
    ],
    "aws-cloudtrail-s3-data-events-write": [
        Case("selectors-write-not-kms", PASS),
        Case("selectors-read", FAIL),
        Case("selectors-kms-writes-lost", PASS),
        Case("selectors-kms-covered", FAIL),
    ],
    "aws-config-recorder-all-regions": [
        Case("coverage", PASS, "us-east-1"),
        Case("recorder-stopped", FAIL, "us-east-1"),
    ],
    "aws-vpc-flow-logs-enabled": [Case("coverage", PASS, "main"), Case("coverage", FAIL, "legacy")],
    # logstore-weak's key protects only a log group no trail delivers to: out of scope
    # (test_key_of_a_log_group_outside_the_audit_scope_is_not_judged).
    "aws-kms-log-key-rotation": [Case("logstore-compliant", PASS), Case("key-not-rotated", FAIL)],
    "aws-logs-log-group-kms-encryption": [
        Case("logstore-compliant", PASS, TRAIL_GROUP),
        Case("cis-all", FAIL, TRAIL_GROUP),
        Case("coverage", FAIL, FLOW_GROUP),
    ],
    "aws-logs-log-group-retention": [
        Case("logstore-compliant", PASS, TRAIL_GROUP),
        Case("coverage", PASS, FLOW_GROUP),
        Case("log-group-short-retention", FAIL, TRAIL_GROUP),
    ],
    **{
        f"aws-monitoring-{slug}": [Case("cis-all", PASS), Case(f"cis-without-{slug}", FAIL)]
        for slug in CIS_PATTERNS
    },
    **{
        pid: LOGSTORE_PASS_FAIL
        for pid in (
            "aws-s3-trail-bucket-access-logging",
            "aws-s3-trail-bucket-lifecycle-retention",
            "aws-s3-trail-bucket-not-public",
            "aws-s3-trail-bucket-object-lock",
            "aws-s3-trail-bucket-sse-kms",
            "aws-s3-trail-bucket-tls-only",
        )
    },
    "aws-plan-log-store-not-destroyed": [
        Case("logstore-compliant", PASS, TRAIL, live=False),
        Case("logstore-compliant", PASS, "aws_s3_bucket.trail", live=False),
        Case("trail-replaced", FAIL, TRAIL, live=False),
    ],
    "aws-s3-trail-bucket-mfa-delete": [
        Case("logstore-compliant", PASS, BUCKET_NAME, live=False),
        Case("key-not-rotated", PASS, BUCKET_NAME, live=False),
        Case("logstore-weak", FAIL, BUCKET_NAME),
    ],
}


# ----- judging ----------------------------------------------------------------------------


@cache
def prepared() -> pipeline.Prepared:
    """The shipped AWS catalogue with default parameters (an empty config file, so a
    logward.yaml in the working directory cannot change what is judged)."""
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "logward.yaml"
        empty.write_text("", encoding="utf-8")
        return pipeline.prepare(None, empty, None)


# The live twin is judged by the plan catalogue: the policies a plan run applies.
PLAN_POLICIES_ON_LIVE = SourceInfo(label="aws", kind="plan", clouds=frozenset({"aws"}))


@cache
def plan_findings(scenario: str) -> tuple[Finding, ...]:
    """The findings of `logward plan --assume-complete` on the scenario's plan."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{scenario}.json"
        path.write_text(json.dumps(SCENARIOS[scenario].plan()), encoding="utf-8")
        assessment = scan_plan(prepared(), path, assume_complete=True)
    return assessment.findings


@pytest.fixture(scope="module")
def moto_env() -> Iterator[None]:
    """Fake credentials and no shared config, so nothing can reach a real account."""
    pytest.importorskip("moto")
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as empty:
        for key in (
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ):
            mp.delenv(key, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", str(Path(empty) / "none"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(Path(empty) / "none"))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield


@cache
def live_findings(scenario: str) -> tuple[Finding, ...]:
    """The live adapter's findings on the scenario's twin, built in a fresh moto."""
    import boto3
    from moto import mock_aws

    from scanner.evidence import EvidenceStore
    from scanner.providers.aws.collect import scan

    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        build = SCENARIOS[scenario].live
        assert build is not None, f"{scenario} has no live twin"
        build(session)
        collected = scan(session, ["us-east-1"], EvidenceStore())
        assessment = assess_inventory(
            prepared(),
            collected.inventory,
            PLAN_POLICIES_ON_LIVE,
            accounts=[collected.scope.account],
            regions=collected.scope.regions,
        )
    return assessment.findings


def status_of(findings: tuple[Finding, ...], policy: str, name: str | None) -> Finding:
    """The one finding of `policy` on the resource named `name` (any name when None)."""
    found = [
        f for f in findings if f.policy_id == policy and (name is None or f.resource_name == name)
    ]
    assert len(found) == 1, (policy, name, [(f.resource_name, f.status) for f in found])
    return found[0]


# ----- the tests --------------------------------------------------------------------------


def test_the_table_covers_exactly_the_plan_catalogue() -> None:
    assert set(TABLE) == set(PLAN_POLICIES)
    assert set(EXCEPTIONS) <= set(PLAN_POLICIES)
    assert {c.scenario for cases in TABLE.values() for c in cases} == set(SCENARIOS)


def test_every_cis_pattern_has_a_monitoring_policy() -> None:
    assert {f"aws-monitoring-{slug}" for slug in CIS_PATTERNS} == {
        p for p in PLAN_POLICIES if p.startswith("aws-monitoring-")
    }
    assert len(CIS_PATTERNS) == 15


@pytest.mark.parametrize("policy", PLAN_POLICIES)
def test_policy_passes_and_fails_on_plans_as_live(policy: str, moto_env: None) -> None:
    cases = TABLE[policy]
    excused = EXCEPTIONS.get(policy, {})
    for status in (PASS, FAIL):
        present = any(c.status is status for c in cases)
        if f"no plan {status.value}" in excused:
            assert not present, f"{policy}: EXCEPTIONS says no plan can {status.value}"
        else:
            assert present, f"{policy}: no {status.value} case"
    for case in cases:
        planned = status_of(plan_findings(case.scenario), policy, case.name)
        assert planned.status is case.status, (policy, case, planned.message)
        if case.live:
            live = status_of(live_findings(case.scenario), policy, case.name)
            assert live.status is planned.status, (policy, case, live.message, planned.message)
        else:
            assert f"no live {case.status.value}" in excused, (policy, case)


def test_live_exceptions_really_differ_in_moto(moto_env: None) -> None:
    """What EXCEPTIONS says of moto holds: the twin of an MFA-delete bucket fails, and a
    trail's CloudWatch Logs delivery is never reported (unknown while fresh, never pass)."""
    mfa = status_of(
        live_findings("logstore-compliant"), "aws-s3-trail-bucket-mfa-delete", BUCKET_NAME
    )
    assert mfa.status is FAIL
    assert "mfa_delete is false" in mfa.message
    cloudwatch = status_of(
        live_findings("logstore-compliant"), "aws-cloudtrail-cloudwatch-integration", TRAIL_NAME
    )
    assert cloudwatch.status is UNKNOWN
    assert "did not report LatestCloudWatchLogsDeliveryTime" in cloudwatch.message
    planned = status_of(
        plan_findings("logstore-compliant"), "aws-cloudtrail-cloudwatch-integration", TRAIL_NAME
    )
    assert "delivery times are not known before apply" in planned.message


@pytest.mark.parametrize("slug", list(CIS_PATTERNS))
def test_dropping_one_cis_filter_fails_only_that_policy(slug: str) -> None:
    findings = plan_findings(f"cis-without-{slug}")
    got = {
        other: status_of(findings, f"aws-monitoring-{other}", None).status for other in CIS_PATTERNS
    }
    assert got == {other: FAIL if other == slug else PASS for other in CIS_PATTERNS}


def _keyed(findings: tuple[Finding, ...]) -> dict[tuple[str, str, str], Finding]:
    """Findings by (policy, type, name); the account and the (single) KMS key by type alone,
    since their names are the plan's and moto's own ids."""
    out: dict[tuple[str, str, str], Finding] = {}
    for f in findings:
        name = "" if f.resource_type in ("aws.account", "aws.kms.key") else f.resource_name
        key = (f.policy_id, f.resource_type, name)
        assert key not in out, key
        out[key] = f
    return out


@pytest.mark.parametrize("scenario", [s for s, v in SCENARIOS.items() if v.live is not None])
def test_every_finding_on_a_shared_resource_agrees_with_the_live_twin(
    scenario: str, moto_env: None
) -> None:
    """Beyond the table: every finding the plan and its twin both have, the same status, but
    for the cases EXCEPTIONS explains. The plan may only add findings of plan-only policies;
    the twin only adds moto's default VPC and the enabled regions it does not scan."""
    planned, live = _keyed(plan_findings(scenario)), _keyed(live_findings(scenario))
    excused = {
        (policy, case.name)
        for policy, cases in TABLE.items()
        for case in cases
        if case.scenario == scenario and not case.live
    }
    plan_only = {c.policy.id for c in prepared().compiled if c.policy.evaluate_on == ("plan",)}
    assert {k for k in planned if k[0] not in plan_only} <= set(live), scenario
    for key in set(live) - set(planned):
        assert key[1] in ("aws.ec2.vpc", "aws.region"), key
        if key[1] == "aws.region":
            assert key[2] != "us-east-1", key
    differ = {
        k: (planned[k].status, live[k].status)
        for k in set(planned) & set(live)
        if planned[k].status is not live[k].status
    }
    assert {(k[0], k[2] or None) for k in differ} <= excused, differ


def test_key_of_a_log_group_outside_the_audit_scope_is_not_judged(moto_env: None) -> None:
    """logstore-weak's key protects only a log group that no trail or flow log delivers to:
    not the key of an audit log store, so the rotation policy judges it neither in the plan
    nor live (where it is not even described), while key-not-rotated's key, of the trail, its
    bucket and its log group, fails in both."""
    for findings in (plan_findings("logstore-weak"), live_findings("logstore-weak")):
        assert not [f for f in findings if f.policy_id == "aws-kms-log-key-rotation"]
        assert not [f for f in findings if f.resource_type == "aws.kms.key"]
    for findings in (plan_findings("key-not-rotated"), live_findings("key-not-rotated")):
        assert status_of(findings, "aws-kms-log-key-rotation", None).status is FAIL
