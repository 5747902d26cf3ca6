"""The demo estate's monitoring, coverage and IAM: CIS alarms that exist, are missing or notify
nobody; a region without AWS Config and VPCs without flow logs; principals who can stop the
trail."""

from __future__ import annotations

import json
from typing import Any

from scanner.providers.aws.analysis.cis_patterns import CIS_PATTERNS

ACCOUNT = "123456789012"


def monitoring(session: Any, region: str) -> None:
    """CIS metric filters and alarms on the organization trail's log group: most notify a
    subscribed topic, one a topic nobody subscribes to, the rest are missing."""
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


def config_and_network(session: Any, east: str, west: str, stale_key: str) -> None:
    """AWS Config recording in one region only; one VPC with flow logs to a short-lived log
    group under a never-rotated key, one VPC without."""
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


def iam_gaps(iam: Any) -> None:
    """An administrator group, an auditor, and a break-glass role that can stop the trail."""
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
