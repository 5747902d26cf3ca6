"""The built-in demo estate: a realistic AWS account with deliberate gaps, inside moto.

Good: an organization-style multi-region trail with validation, KMS, a WORM bucket and a
monitored log group. Gaps: a regional trail without validation or encryption whose bucket is
public and expires logs after 30 days, a trail delivering to a bucket the account does not own
(its settings are unknown), VPCs without flow logs, a region without AWS Config, an admin user
and a break-glass role who can stop logging, and CIS alarms that are missing or have nobody
subscribed. The WORM bucket fails MFA delete on purpose: S3 refuses MFA delete on a bucket with
a lifecycle configuration, and this estate keeps its lifecycle rule; Object Lock protects it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scanner.providers.aws.analysis.cis_patterns import CIS_PATTERNS

REGIONS = ("us-east-1", "eu-west-1")
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999999999999"


@contextmanager
def demo_session() -> Iterator[tuple[Any, list[str]]]:
    """An in-process moto holding the demo estate, and a boto3 session pointed at it."""
    try:
        import boto3
        from moto import mock_aws
    except ImportError as exc:
        from scanner.errors import RunError

        raise RunError("the demo needs moto: pip install 'logward[demo]'") from exc
    # Nothing of the user's AWS setup may reach the demo: no profile, endpoint or credentials.
    saved = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    for key in saved:
        del os.environ[key]
    os.environ.update(
        AWS_ACCESS_KEY_ID="demo",
        AWS_SECRET_ACCESS_KEY="demo",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    try:
        with mock_aws():
            session = boto3.Session(region_name="us-east-1")
            build_estate(session)
            yield session, list(REGIONS)
    finally:
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[key]
        os.environ.update(saved)


def _trail_bucket_policy(bucket: str, tls_only: bool, public: bool) -> str:
    statements: list[dict[str, Any]] = [
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
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    ]
    if tls_only:
        statements.append(
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    if public:
        statements.append(
            {
                "Sid": "LegacyPublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def build_estate(session: Any) -> None:
    """Create the demo resources (idempotent only on a fresh moto)."""
    east, west = REGIONS
    s3 = session.client("s3", region_name=east)
    kms = session.client("kms", region_name=east)
    logs = session.client("logs", region_name=east)
    iam = session.client("iam", region_name=east)

    key = kms.create_key(Description="audit-log key")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    stale_key = kms.create_key(Description="app logs key, never rotated")["KeyMetadata"]["Arn"]

    s3.create_bucket(Bucket="acme-access-logs")
    s3.put_bucket_acl(Bucket="acme-access-logs", ACL="log-delivery-write")
    s3.create_bucket(Bucket="acme-audit-logs", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket="acme-audit-logs",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 400}},
        },
    )
    s3.put_bucket_versioning(
        Bucket="acme-audit-logs", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_encryption(
        Bucket="acme-audit-logs",
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
        Bucket="acme-audit-logs",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(
        Bucket="acme-audit-logs", Policy=_trail_bucket_policy("acme-audit-logs", True, False)
    )
    s3.put_bucket_logging(
        Bucket="acme-audit-logs",
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "acme-access-logs", "TargetPrefix": "audit/"}
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket="acme-audit-logs",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "archive",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 2555},
                }
            ]
        },
    )

    west_s3 = session.client("s3", region_name=west)
    west_s3.create_bucket(
        Bucket="acme-legacy-trail", CreateBucketConfiguration={"LocationConstraint": west}
    )
    west_s3.put_bucket_policy(
        Bucket="acme-legacy-trail", Policy=_trail_bucket_policy("acme-legacy-trail", False, True)
    )
    west_s3.put_bucket_lifecycle_configuration(
        Bucket="acme-legacy-trail",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "cost",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 30},
                }
            ]
        },
    )
    for i in range(3):
        s3.create_bucket(Bucket=f"acme-app-data-{i}")

    # Log group receiving the organization trail, encrypted and retained.
    logs.create_log_group(logGroupName="/acme/cloudtrail", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="/acme/cloudtrail", retentionInDays=400)
    group_arn = f"arn:aws:logs:{east}:{ACCOUNT}:log-group:/acme/cloudtrail:*"
    iam.create_role(
        RoleName="CloudTrailToLogs",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    }
                ],
            }
        ),
    )

    ct = session.client("cloudtrail", region_name=east)
    ct.create_trail(
        Name="acme-org-audit",
        S3BucketName="acme-audit-logs",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=key,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/CloudTrailToLogs",
    )
    ct.start_logging(Name="acme-org-audit")
    ct.put_event_selectors(
        TrailName="acme-org-audit",
        AdvancedEventSelectors=[
            {
                "Name": "management",
                "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
            },
            {
                "Name": "s3-writes",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            },
        ],
    )

    west_ct = session.client("cloudtrail", region_name=west)
    west_ct.create_trail(Name="legacy-app-trail", S3BucketName="acme-legacy-trail")
    west_ct.start_logging(Name="legacy-app-trail")
    # Delivers to a bucket of another account: its settings cannot be seen from here.
    s3.create_bucket(Bucket="partner-archive-bucket")
    west_ct.create_trail(Name="partner-archive-trail", S3BucketName="partner-archive-bucket")
    s3.delete_bucket(Bucket="partner-archive-bucket")

    _monitoring(session, east)
    _config_and_network(session, east, west, stale_key)
    _iam(iam)


def _monitoring(session: Any, region: str) -> None:
    logs = session.client("logs", region_name=region)
    cw = session.client("cloudwatch", region_name=region)
    sns = session.client("sns", region_name=region)
    watched = sns.create_topic(Name="security-alerts")["TopicArn"]
    sns.subscribe(TopicArn=watched, Protocol="https", Endpoint="https://hooks.example.com/security")
    silent = sns.create_topic(Name="unwatched-alerts")["TopicArn"]
    wired = {
        "root-usage": watched,
        "unauthorized-api-calls": watched,
        "cloudtrail-changes": watched,
        "iam-policy-changes": watched,
        "console-signin-without-mfa": watched,
        "cmk-disable-or-deletion": watched,
        "s3-bucket-policy-changes": watched,
        "config-changes": watched,
        "security-group-changes": silent,
    }
    for slug, topic in wired.items():
        pattern = CIS_PATTERNS[slug].pattern
        if slug == "cloudtrail-changes":
            # The same filter as written by hand: other order, spacing and quoting.
            pattern = pattern.replace('"', "").replace("  ", " ")
        logs.put_metric_filter(
            logGroupName="/acme/cloudtrail",
            filterName=f"cis-{slug}",
            filterPattern=pattern,
            metricTransformations=[
                {"metricName": f"cis-{slug}", "metricNamespace": "CISBenchmark", "metricValue": "1"}
            ],
        )
        cw.put_metric_alarm(
            AlarmName=f"cis-{slug}",
            MetricName=f"cis-{slug}",
            Namespace="CISBenchmark",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
        )


def _config_and_network(session: Any, east: str, west: str, stale_key: str) -> None:
    config = session.client("config", region_name=east)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT}:role/aws-config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": "acme-access-logs"}
    )
    config.start_configuration_recorder(ConfigurationRecorderName="default")

    ec2 = session.client("ec2", region_name=east)
    logs = session.client("logs", region_name=east)
    logs.create_log_group(logGroupName="/acme/vpc-flow", kmsKeyId=stale_key)
    logs.put_retention_policy(logGroupName="/acme/vpc-flow", retentionInDays=30)
    vpc = ec2.create_vpc(
        CidrBlock="10.20.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "prod"}]}],
    )["Vpc"]["VpcId"]
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName="/acme/vpc-flow",
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flow-logs",
    )
    west_ec2 = session.client("ec2", region_name=west)
    west_ec2.create_vpc(
        CidrBlock="10.30.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "staging"}]}],
    )


def _iam(iam: Any) -> None:
    admin = iam.create_policy(
        PolicyName="AcmeAdministrator",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    audit = iam.create_policy(
        PolicyName="AcmeAuditRead",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Resource": "*",
                        "Action": [
                            "cloudtrail:Describe*",
                            "cloudtrail:Get*",
                            "cloudtrail:LookupEvents",
                            "s3:GetObject",
                            "s3:ListBucket",
                            "logs:Get*",
                            "logs:Describe*",
                        ],
                    }
                ],
            }
        ),
    )["Policy"]["Arn"]
    iam.create_group(GroupName="platform-admins")
    iam.attach_group_policy(GroupName="platform-admins", PolicyArn=admin)
    iam.create_user(UserName="ops-admin")
    iam.add_user_to_group(GroupName="platform-admins", UserName="ops-admin")
    iam.create_user(UserName="auditor")
    iam.attach_user_policy(UserName="auditor", PolicyArn=audit)
    iam.create_role(
        RoleName="LogArchiveBreakGlass",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                    }
                ],
            }
        ),
    )
    iam.put_role_policy(
        RoleName="LogArchiveBreakGlass",
        PolicyName="trail-admin",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["cloudtrail:*"], "Resource": "*"}],
            }
        ),
    )
