"""Layer 2+3: the real CLI, as a subprocess, against moto_server over HTTP, with a golden table.

Two accounts share one moto_server: account A (moto's default) is a mixed estate across three
regions, account B (reached through an STS role, as moto partitions state by the caller's
access key) a neglected one, so account-wide policies pass in one and fail in the other. The
expected tables below say what each resource deserves, written from the estate's definition.

Harness note: botocore's endpoint rules send S3 Control calls to `<account-id>.<endpoint
host>`, and `inject_host_prefix=False` (scanner/providers/aws/calls.py) does not stop that,
because the prefix comes from the endpoint ruleset, not from a host-prefix trait. The scan
subprocess therefore gets HTTP_PROXY pointing at moto_server itself: the proxied request
carries the prefixed host in its request line, no name has to resolve, and moto dispatches it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.motoserver import moto_server

ACCOUNT_A = "123456789012"
ACCOUNT_B = "210987654321"
OTHER_ACCOUNT = "999999999999"
EAST, WEST, SYDNEY = "us-east-1", "eu-west-1", "ap-southeast-2"
REGIONS = (EAST, WEST, SYDNEY)
REPO = Path(__file__).resolve().parents[2]

# CIS AWS Foundations v3.0.0 section 4 filters, as an operator would type them from the
# benchmark (some reordered or in the benchmark's alternative form).
CIS_FILTERS = {
    "unauthorized-api-calls": (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && '
        '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }'
    ),
    "console-signin-without-mfa": (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
        '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'
    ),
    "root-usage": (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
        '$.eventType != "AwsServiceEvent" }'
    ),
    "iam-policy-changes": (
        "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||"
        "($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||"
        "($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||"
        "($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||"
        "($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||"
        "($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||"
        "($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||"
        "($.eventName=DetachGroupPolicy)}"
    ),
    "cloudtrail-changes": (
        "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) || "
        "($.eventName = UpdateTrail) || ($.eventName = CreateTrail) || "
        "($.eventName = StartLogging) }"
    ),
    "console-auth-failures": (
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'
    ),
    "cmk-disable-or-deletion": (
        "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
        "($.eventName = ScheduleKeyDeletion)) }"
    ),
    "s3-bucket-policy-changes": (
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || "
        "($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || "
        "($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || "
        "($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || "
        "($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"
    ),
    "config-changes": (
        "{ ($.eventSource = config.amazonaws.com) && "
        "(($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || "
        "($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }"
    ),
    "security-group-changes": (
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || "
        "($.eventName = AuthorizeSecurityGroupEgress) || "
        "($.eventName = RevokeSecurityGroupIngress) || "
        "($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || "
        "($.eventName = DeleteSecurityGroup) }"
    ),
    "nacl-changes": (
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
        "($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
        "($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"
    ),
    "network-gateway-changes": (
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || "
        "($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || "
        "($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"
    ),
    "route-table-changes": (
        "{ ($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || "
        "($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
        "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
        "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"
    ),
    "vpc-changes": (
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || "
        "($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || "
        "($.eventName = CreateVpcPeeringConnection) || "
        "($.eventName = DeleteVpcPeeringConnection) || "
        "($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || "
        "($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || "
        "($.eventName = EnableVpcClassicLink) }"
    ),
    "organizations-changes": (
        '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") '
        '|| ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || '
        '($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || '
        '($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || '
        '($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || '
        '($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || '
        '($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || '
        '($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || '
        '($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || '
        '($.eventName = "UpdateOrganizationalUnit")) }'
    ),
}
MONITORING = sorted(f"aws-monitoring-{slug}" for slug in CIS_FILTERS)

# --------------------------------------------------------------------------------------------
# What each resource deserves. Resource names: trails, buckets, log groups and VPCs (Name tag)
# by name, regions by region, accounts by id, KMS keys by the logical names the estate gives
# them (their ids are random).
# --------------------------------------------------------------------------------------------

P, F, U = "pass", "fail", "unknown"

EXPECTED_A: dict[str, dict[str, str]] = {
    # org-trail: multi-region, logging, all management and S3 data events, global events.
    "aws-cloudtrail-multi-region-logging": {ACCOUNT_A: P},
    "aws-cloudtrail-s3-data-events-read": {ACCOUNT_A: P},
    "aws-cloudtrail-s3-data-events-write": {ACCOUNT_A: P},
    # Every CIS filter is on org-trail's log group, alarmed to a subscribed topic.
    **{pid: {ACCOUNT_A: P} for pid in MONITORING},
    # moto never reports LatestCloudWatchLogsDeliveryTime: a configured trail is unknown.
    "aws-cloudtrail-cloudwatch-integration": {"org-trail": U, "legacy-west": F, "partner-trail": F},
    # org-trail validates, and moto reports no digest delivery yet; partner-trail never ran.
    "aws-cloudtrail-delivery-healthy": {"org-trail": U, "legacy-west": P, "partner-trail": F},
    "aws-cloudtrail-kms-encryption": {"org-trail": P, "legacy-west": F, "partner-trail": F},
    "aws-cloudtrail-log-file-validation": {"org-trail": P, "legacy-west": F, "partner-trail": F},
    # trail-operator may stop legacy-west; partner-trail's bucket cannot be read.
    "aws-cloudtrail-tamper-principals": {"org-trail": P, "legacy-west": F, "partner-trail": U},
    # acme-partner-drop is not the account's bucket: every bucket policy is unknown on it.
    "aws-s3-trail-bucket-access-logging": {
        "acme-central-trail": P,
        "acme-legacy-west": F,
        "acme-partner-drop": U,
    },
    "aws-s3-trail-bucket-lifecycle-retention": {
        "acme-central-trail": P,
        "acme-legacy-west": F,
        "acme-partner-drop": U,
    },
    # Versioning without MFA Delete (moto cannot turn MFA Delete on).
    "aws-s3-trail-bucket-mfa-delete": {
        "acme-central-trail": F,
        "acme-legacy-west": F,
        "acme-partner-drop": U,
    },
    # acme-legacy-west's policy lets anyone read, and the account's Block Public Access leaves
    # public policies alone.
    "aws-s3-trail-bucket-not-public": {
        "acme-central-trail": P,
        "acme-legacy-west": F,
        "acme-partner-drop": U,
    },
    "aws-s3-trail-bucket-object-lock": {
        "acme-central-trail": P,
        "acme-legacy-west": F,
        "acme-partner-drop": U,
    },
    "aws-s3-trail-bucket-sse-kms": {
        "acme-central-trail": P,
        "acme-legacy-west": F,
        "acme-partner-drop": U,
    },
    "aws-s3-trail-bucket-tls-only": {
        "acme-central-trail": P,
        "acme-legacy-west": F,
        "acme-partner-drop": U,
    },
    # Log groups that receive audit logs; /app/web receives none and is out of scope.
    "aws-logs-log-group-kms-encryption": {
        "/org/cloudtrail": P,
        "/vpc/prod-flow": P,
        "/vpc/staging-flow": F,
    },
    "aws-logs-log-group-retention": {
        "/org/cloudtrail": P,
        "/vpc/prod-flow": F,
        "/vpc/staging-flow": P,
    },
    "aws-logs-trail-log-group-not-shared": {
        "/org/cloudtrail": P,
        "/vpc/prod-flow": P,
        "/vpc/staging-flow": F,
    },
    # Keys that protect log stores; spare-key protects nothing and is never described.
    "aws-kms-log-key-rotation": {"trail-key": P, "flow-key": F},
    "aws-config-recorder-all-regions": {EAST: P, WEST: F, SYDNEY: F},
    "aws-vpc-flow-logs-enabled": {
        "prod-east": P,
        "staging-west": F,
        "default-us-east-1": F,
        "default-eu-west-1": F,
        "default-ap-southeast-2": P,
    },
}

EXPECTED_B: dict[str, dict[str, str]] = {
    # One single-region trail, no log group, nothing else configured.
    "aws-cloudtrail-multi-region-logging": {ACCOUNT_B: F},
    "aws-cloudtrail-s3-data-events-read": {ACCOUNT_B: F},
    "aws-cloudtrail-s3-data-events-write": {ACCOUNT_B: F},
    **{pid: {ACCOUNT_B: F} for pid in MONITORING},
    "aws-cloudtrail-cloudwatch-integration": {"bravo-trail": F},
    "aws-cloudtrail-delivery-healthy": {"bravo-trail": P},
    "aws-cloudtrail-kms-encryption": {"bravo-trail": F},
    "aws-cloudtrail-log-file-validation": {"bravo-trail": F},
    "aws-cloudtrail-tamper-principals": {"bravo-trail": P},  # no IAM principal at all
    "aws-s3-trail-bucket-access-logging": {"bravo-trail-logs": F},
    "aws-s3-trail-bucket-lifecycle-retention": {"bravo-trail-logs": P},  # never expires
    "aws-s3-trail-bucket-mfa-delete": {"bravo-trail-logs": F},
    "aws-s3-trail-bucket-not-public": {"bravo-trail-logs": P},
    "aws-s3-trail-bucket-object-lock": {"bravo-trail-logs": F},
    "aws-s3-trail-bucket-sse-kms": {"bravo-trail-logs": F},
    "aws-s3-trail-bucket-tls-only": {"bravo-trail-logs": F},
    "aws-logs-log-group-kms-encryption": {},
    "aws-logs-log-group-retention": {},
    "aws-logs-trail-log-group-not-shared": {},
    "aws-kms-log-key-rotation": {},
    "aws-config-recorder-all-regions": {EAST: F, WEST: F, SYDNEY: F},
    "aws-vpc-flow-logs-enabled": {
        "default-us-east-1": F,
        "default-eu-west-1": F,
        "default-ap-southeast-2": F,
    },
}

# Outcomes moto cannot produce, so the estate cannot show them.
MOTO_CANNOT = {
    (
        "aws-cloudtrail-cloudwatch-integration",
        P,
    ): "GetTrailStatus never reports LatestCloudWatchLogsDeliveryTime",
    ("aws-s3-trail-bucket-mfa-delete", P): "PutBucketVersioning ignores MFADelete",
}


# --------------------------------------------------------------------------------------------
# The estates
# --------------------------------------------------------------------------------------------


def _trail_bucket_policy(bucket: str, account: str, *, tls_only: bool, public: bool) -> str:
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
            "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*",
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
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _name_default_vpc(c: Clients, region: str) -> str:
    """Give the region's default VPC (random id) a stable Name tag."""
    (vpc,) = c(("ec2", region)).describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])[
        "Vpcs"
    ]
    c(("ec2", region)).create_tags(
        Resources=[vpc["VpcId"]], Tags=[{"Key": "Name", "Value": f"default-{region}"}]
    )
    return str(vpc["VpcId"])


class Clients:
    """boto3 clients of one account against the server, cached per (service, region)."""

    def __init__(self, session: Any, url: str) -> None:
        self.session = session
        self.url = url
        self.cache: dict[tuple[str, str], Any] = {}

    def __call__(self, key: tuple[str, str]) -> Any:
        if key not in self.cache:
            from botocore.config import Config

            # S3 Control needs the same proxy as the scan (see the module docstring).
            config = Config(proxies={"http": self.url}) if key[0] == "s3control" else None
            self.cache[key] = self.session.client(
                key[0], region_name=key[1], endpoint_url=self.url, config=config
            )
        return self.cache[key]


def build_account_a(c: Clients) -> dict[str, str]:
    """The mixed estate. Returns KMS key id -> logical name."""
    a = ACCOUNT_A
    kms = c(("kms", EAST))
    keys = {
        name: kms.create_key(Description=name)["KeyMetadata"]
        for name in ("trail-key", "flow-key", "spare-key")
    }
    trail_key, flow_key = keys["trail-key"]["Arn"], keys["flow-key"]["Arn"]
    kms.enable_key_rotation(KeyId=trail_key)
    kms.enable_key_rotation(KeyId=keys["spare-key"]["Arn"])

    # Account-wide Block Public Access covers ACLs only.
    c(("s3control", EAST)).put_public_access_block(
        AccountId=a,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    s3 = c(("s3", EAST))
    s3.create_bucket(Bucket="acme-access-logs")
    s3.put_bucket_acl(Bucket="acme-access-logs", ACL="log-delivery-write")
    s3.create_bucket(Bucket="acme-central-trail", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket="acme-central-trail",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 400}},
        },
    )
    s3.put_bucket_versioning(
        Bucket="acme-central-trail", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_encryption(
        Bucket="acme-central-trail",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": trail_key,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket="acme-central-trail",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(
        Bucket="acme-central-trail",
        Policy=_trail_bucket_policy("acme-central-trail", a, tls_only=True, public=False),
    )
    s3.put_bucket_logging(
        Bucket="acme-central-trail",
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "acme-access-logs", "TargetPrefix": "central/"}
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket="acme-central-trail",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "seven-years",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 2555},
                }
            ]
        },
    )
    west_s3 = c(("s3", WEST))
    west_s3.create_bucket(
        Bucket="acme-legacy-west", CreateBucketConfiguration={"LocationConstraint": WEST}
    )
    west_s3.put_bucket_policy(
        Bucket="acme-legacy-west",
        Policy=_trail_bucket_policy("acme-legacy-west", a, tls_only=False, public=True),
    )
    west_s3.put_bucket_lifecycle_configuration(
        Bucket="acme-legacy-west",
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
    syd_s3 = c(("s3", SYDNEY))
    for bucket in ("acme-partner-drop", "acme-flow-sydney"):
        syd_s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SYDNEY}
        )

    # Log groups: the trail's, two VPC flow log destinations, and one that receives no audit.
    logs = c(("logs", EAST))
    logs.create_log_group(logGroupName="/org/cloudtrail", kmsKeyId=trail_key)
    logs.put_retention_policy(logGroupName="/org/cloudtrail", retentionInDays=400)
    logs.create_log_group(logGroupName="/vpc/prod-flow", kmsKeyId=flow_key)
    logs.put_retention_policy(logGroupName="/vpc/prod-flow", retentionInDays=30)
    logs.create_log_group(logGroupName="/app/web")
    west_logs = c(("logs", WEST))
    west_logs.create_log_group(logGroupName="/vpc/staging-flow")
    west_logs.put_resource_policy(
        policyName="partner-ingest",
        policyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "PartnerIngest",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:aws:logs:{WEST}:{a}:log-group:/vpc/staging-flow:*",
                    }
                ],
            }
        ),
    )

    # CIS alarms, all to a topic somebody reads.
    sns = c(("sns", EAST))
    topic = sns.create_topic(Name="security-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://hooks.example.com/sec")
    cloudwatch = c(("cloudwatch", EAST))
    for slug, pattern in CIS_FILTERS.items():
        logs.put_metric_filter(
            logGroupName="/org/cloudtrail",
            filterName=f"cis-{slug}",
            filterPattern=pattern,
            metricTransformations=[
                {"metricName": slug, "metricNamespace": "CISBenchmark", "metricValue": "1"}
            ],
        )
        cloudwatch.put_metric_alarm(
            AlarmName=f"cis-{slug}",
            MetricName=slug,
            Namespace="CISBenchmark",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
        )

    # Trails.
    ct = c(("cloudtrail", EAST))
    ct.create_trail(
        Name="org-trail",
        S3BucketName="acme-central-trail",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=trail_key,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{EAST}:{a}:log-group:/org/cloudtrail:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{a}:role/TrailToLogs",
    )
    ct.put_event_selectors(
        TrailName="org-trail",
        AdvancedEventSelectors=[
            {
                "Name": "management",
                "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
            },
            {
                "Name": "s3 objects",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                ],
            },
        ],
    )
    ct.start_logging(Name="org-trail")
    west_ct = c(("cloudtrail", WEST))
    west_ct.create_trail(Name="legacy-west", S3BucketName="acme-legacy-west")
    west_ct.start_logging(Name="legacy-west")
    c(("cloudtrail", SYDNEY)).create_trail(Name="partner-trail", S3BucketName="acme-partner-drop")
    syd_s3.delete_bucket(Bucket="acme-partner-drop")

    # IAM: the logs role, an auditor who only reads, an operator who can stop legacy-west.
    iam = c(("iam", EAST))
    iam.create_role(
        RoleName="TrailToLogs",
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
    iam.put_role_policy(
        RoleName="TrailToLogs",
        PolicyName="deliver",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:aws:logs:{EAST}:{a}:log-group:/org/cloudtrail:*",
                    }
                ],
            }
        ),
    )
    iam.create_user(UserName="auditor")
    iam.put_user_policy(
        UserName="auditor",
        PolicyName="read",
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
                            "s3:GetObject",
                            "logs:FilterLogEvents",
                        ],
                    }
                ],
            }
        ),
    )
    iam.create_user(UserName="trail-operator")
    iam.put_user_policy(
        UserName="trail-operator",
        PolicyName="ops",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["cloudtrail:StopLogging", "cloudtrail:StartLogging"],
                        "Resource": f"arn:aws:cloudtrail:{WEST}:{a}:trail/legacy-west",
                    }
                ],
            }
        ),
    )

    # AWS Config: recording in us-east-1, defined but stopped in eu-west-1, none in Sydney.
    for region, start in ((EAST, True), (WEST, False)):
        config = c(("config", region))
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{a}:role/aws-config",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        )
        if start:
            config.put_delivery_channel(
                DeliveryChannel={"name": "default", "s3BucketName": "acme-access-logs"}
            )
            config.start_configuration_recorder(ConfigurationRecorderName="default")

    # VPCs and flow logs.
    default_vpcs = {region: _name_default_vpc(c, region) for region in REGIONS}
    prod = c(("ec2", EAST)).create_vpc(
        CidrBlock="10.10.0.0/16",
        TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "prod-east"}]}
        ],
    )["Vpc"]
    c(("ec2", EAST)).create_flow_logs(
        ResourceIds=[prod["VpcId"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName="/vpc/prod-flow",
        DeliverLogsPermissionArn=f"arn:aws:iam::{a}:role/flow",
    )
    staging = c(("ec2", WEST)).create_vpc(
        CidrBlock="10.20.0.0/16",
        TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "staging-west"}]}
        ],
    )["Vpc"]
    c(("ec2", WEST)).create_flow_logs(
        ResourceIds=[staging["VpcId"]],
        ResourceType="VPC",
        TrafficType="ACCEPT",
        LogGroupName="/vpc/staging-flow",
        DeliverLogsPermissionArn=f"arn:aws:iam::{a}:role/flow",
    )
    c(("ec2", SYDNEY)).create_flow_logs(
        ResourceIds=[default_vpcs[SYDNEY]],
        ResourceType="VPC",
        TrafficType="REJECT",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::acme-flow-sydney",
    )
    return {meta["KeyId"]: name for name, meta in keys.items()}


def build_account_b(c: Clients) -> None:
    """The neglected estate: one single-region trail into a bare bucket."""
    c(("s3", EAST)).create_bucket(Bucket="bravo-trail-logs")
    ct = c(("cloudtrail", EAST))
    ct.create_trail(Name="bravo-trail", S3BucketName="bravo-trail-logs")
    ct.start_logging(Name="bravo-trail")
    for region in REGIONS:
        _name_default_vpc(c, region)


# --------------------------------------------------------------------------------------------
# Server, estates and the two CLI runs
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One `logward scan aws` subprocess and what it wrote."""

    account: str
    returncode: int
    stdout: str
    stderr: str
    results: dict[str, Any]
    evidence: Path
    key_names: dict[str, str]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """moto_server on a free port of the loopback interface."""
    with moto_server() as url:
        yield url


def _scan_env(url: str, credentials: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy")
    }
    env.update(
        credentials,
        AWS_ENDPOINT_URL=url,
        AWS_DEFAULT_REGION=EAST,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        # See the module docstring: S3 Control's `<account-id>.` host goes via the proxy.
        HTTP_PROXY=url,
    )
    return env


@pytest.fixture(scope="module")
def runs(server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Build both estates, then scan both accounts with the real CLI, concurrently."""
    import boto3

    started = time.monotonic()
    a_session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=EAST
    )
    role = a_session.client("sts", endpoint_url=server).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT_B}:role/estate", RoleSessionName="estate-b"
    )
    b_creds = role["Credentials"]
    b_session = boto3.Session(
        aws_access_key_id=b_creds["AccessKeyId"],
        aws_secret_access_key=b_creds["SecretAccessKey"],
        aws_session_token=b_creds["SessionToken"],
        region_name=EAST,
    )
    key_names = build_account_a(Clients(a_session, server))
    build_account_b(Clients(b_session, server))
    credentials = {
        ACCOUNT_A: {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
        ACCOUNT_B: {
            "AWS_ACCESS_KEY_ID": b_creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": b_creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": b_creds["SessionToken"],
        },
    }
    procs = {}
    for account, creds in credentials.items():
        work = tmp_path_factory.mktemp(f"scan-{account}")
        cmd = [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            "aws",
            "--regions",
            ",".join(REGIONS),
            "--out",
            str(work / "out"),
            "--evidence",
            str(work / "evidence"),
            "--quiet",
        ]
        procs[account] = (
            work,
            subprocess.Popen(
                cmd,
                cwd=work,
                env=_scan_env(server, creds),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    out = {}
    for account, (work, proc) in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        results_file = work / "out" / "results.json"
        assert results_file.exists(), f"{account}: no results.json\n{stdout}\n{stderr}"
        out[account] = Run(
            account,
            proc.returncode,
            stdout,
            stderr,
            json.loads(results_file.read_text()),
            work / "evidence",
            key_names if account == ACCOUNT_A else {},
        )
    print(f"\nmoto_server estates + two CLI scans: {time.monotonic() - started:.1f}s")
    return out


def _statuses(run: Run) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {pid: {} for pid in run.results["scan"]["policy_set"]["ids"]}
    for finding in run.results["findings"]:
        name = finding["resource"]["name"]
        name = run.key_names.get(name, name)
        row = table.setdefault(finding["policy_id"], {})
        assert name not in row, f"{finding['policy_id']}: two findings named {name}"
        row[name] = finding["status"]
    return table


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_expected_tables_cover_the_catalogue_with_both_outcomes(prepared: Any) -> None:
    # Every AWS policy a live scan evaluates; plan-only policies are covered under
    # tests/terraform, GCP's by tests/gcp/golden.
    catalogue = {p.id for p in prepared.policies if "live" in p.evaluate_on and p.provider == "aws"}
    assert set(EXPECTED_A) == catalogue, "EXPECTED_A must name every policy"
    assert set(EXPECTED_B) == catalogue, "EXPECTED_B must name every policy"
    missing = []
    for pid in sorted(catalogue):
        seen = set(EXPECTED_A[pid].values()) | set(EXPECTED_B[pid].values())
        missing += [
            f"{pid}: no {status}"
            for status in (P, F)
            if status not in seen and (pid, status) not in MOTO_CANNOT
        ]
    assert not missing, "the estate must give every policy a pass and a fail:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("account", [ACCOUNT_A, ACCOUNT_B])
def test_cli_exits_1_and_results_validate(runs: dict[str, Run], account: str) -> None:
    import jsonschema

    from scanner.data import schema

    run = runs[account]
    assert run.returncode == 1, f"{run.stdout}\n{run.stderr}"
    assert "wrote" in run.stdout and "results.json" in run.stdout
    validator = jsonschema.Draft202012Validator(
        schema("results"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(run.results)
    ]
    assert not problems, "\n".join(problems)
    scan = run.results["scan"]
    assert scan["accounts"] == [account]
    assert scan["regions"] == list(REGIONS)
    assert scan["source"] == "aws"


@pytest.mark.parametrize("account", [ACCOUNT_A, ACCOUNT_B])
def test_scan_had_no_collection_errors(runs: dict[str, Run], account: str) -> None:
    errors = runs[account].results["errors"]
    assert errors == [], json.dumps(errors, indent=2)


def test_account_public_access_block_read_through_s3_control(runs: dict[str, Run]) -> None:
    """The account-wide setting reached the scanner (not an error marker, not the default)."""
    run = runs[ACCOUNT_A]
    (finding,) = [
        f
        for f in run.results["findings"]
        if f["policy_id"] == "aws-cloudtrail-multi-region-logging"
    ]
    (ref,) = [e for e in finding["evidence"] if e["operation"] == "GetPublicAccessBlock"]
    assert ref["params"] == {"AccountId": ACCOUNT_A}
    body = json.loads((run.evidence / "responses" / f"{ref['sha256']}.json").read_text())
    assert body["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }


@pytest.mark.parametrize(
    ("account", "expected"), [(ACCOUNT_A, EXPECTED_A), (ACCOUNT_B, EXPECTED_B)]
)
def test_statuses_equal_what_the_estate_deserves(
    runs: dict[str, Run], account: str, expected: dict[str, dict[str, str]]
) -> None:
    run = runs[account]
    got = _statuses(run)
    # Enabled regions the scan was not asked for are judged unknown, never passed over.
    unscanned = sorted(set(run.results["scan"]["enabled_regions"]) - set(REGIONS))
    assert unscanned, "moto enables more regions than the scan asks for"
    config = "aws-config-recorder-all-regions"
    expected = {**expected, config: {**expected[config], **dict.fromkeys(unscanned, "unknown")}}
    diffs = []
    for pid in sorted(set(got) | set(expected)):
        want, have = expected.get(pid), got.get(pid)
        if want == have:
            continue
        why = []
        for finding in run.results["findings"]:
            name = run.key_names.get(finding["resource"]["name"], finding["resource"]["name"])
            if finding["policy_id"] == pid and finding["status"] != (want or {}).get(name):
                why.append(f"  {name}: {finding['message']}")
        diffs.append(f"{pid}:\n  expected {want}\n  got      {have}\n" + "\n".join(why))
    assert not diffs, "\n".join(diffs)


def test_the_endpoint_option_reaches_the_same_estate(
    server: str, runs: dict[str, Run], tmp_path: Path
) -> None:
    """`--endpoint-url` is the adapter's endpoint seam: with no AWS_ENDPOINT_URL in the
    environment, it alone points every client at the server, and the verdicts are the same."""
    env = _scan_env(server, {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    del env["AWS_ENDPOINT_URL"]
    cmd = [
        sys.executable,
        "-m",
        "scanner",
        "scan",
        "aws",
        "--endpoint-url",
        server,
        "--regions",
        ",".join(REGIONS),
        "--out",
        str(tmp_path / "out"),
        "--quiet",
    ]
    done = subprocess.run(
        cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1, done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["scan"]["accounts"] == [ACCOUNT_A] and results["errors"] == []

    def verdicts(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
        return {(f["policy_id"], f["resource"]["id"]): f["status"] for f in doc["findings"]}

    assert verdicts(results) == verdicts(runs[ACCOUNT_A].results)
