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

from scanner.providers.aws.demo_gaps import ACCOUNT, config_and_network, iam_gaps, monitoring

REGIONS = ("us-east-1", "eu-west-1")
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

    monitoring(session, east)
    config_and_network(session, east, west, stale_key)
    iam_gaps(iam)
