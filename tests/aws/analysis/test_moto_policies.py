"""The resource-policy semantics end to end: an estate in moto, collected through boto3, derived
and judged by the shipped catalogue, as `logward scan aws` does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scanner.evidence import EvidenceStore
from scanner.model import Finding, Status
from scanner.providers.aws.collect import scan as collect_scan
from tests.aws.helpers import assess

ACCOUNT = "123456789012"
REGION = "us-east-1"
TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main"
GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/audit/main"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/BreakGlass"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def _bucket_policy(bucket: str) -> dict[str, Any]:
    arn = f"arn:aws:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{arn}/AWSLogs/{ACCOUNT}/*",
            },
            {
                # 0.0.0.0/1 is S3's own example of a range too broad to restrict.
                "Sid": "HalfTheInternet",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"{arn}/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}},
            },
            {
                # `*` spans `/`: bucket* covers every object.
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": f"{arn}*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "OnlyBreakGlassDeletes",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                "Resource": f"{arn}/*",
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}},
            },
        ],
    }


def _log_group_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WholeOrganization",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{GROUP}:*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            }
        ],
    }


def _estate(session: Any) -> None:
    s3 = session.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="audit-logs")
    s3.put_bucket_policy(Bucket="audit-logs", Policy=json.dumps(_bucket_policy("audit-logs")))
    iam = session.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="admin", PolicyDocument=json.dumps(ADMIN))
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for role in ("BreakGlass", "TrailToLogs"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="BreakGlass", PolicyName="admin", PolicyDocument=json.dumps(ADMIN))
    logs = session.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="/audit/main")
    logs.put_resource_policy(
        policyName="org-ingest", policyDocument=json.dumps(_log_group_policy())
    )
    ct = session.client("cloudtrail", region_name=REGION)
    ct.create_trail(
        Name="main",
        S3BucketName="audit-logs",
        IsMultiRegionTrail=True,
        CloudWatchLogsLogGroupArn=f"{GROUP}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/TrailToLogs",
    )
    ct.start_logging(Name="main")


@pytest.fixture
def findings(prepared: Any, moto_session: Any) -> dict[tuple[str, str], Finding]:
    """The catalogue's findings on the estate, by (policy id, resource id)."""
    _estate(moto_session)
    collected = collect_scan(moto_session, [REGION], EvidenceStore())
    return {(f.policy_id, f.resource_id): f for f in assess(prepared, collected)}


def test_verdicts_follow_aws_semantics(findings: dict[tuple[str, str], Finding]) -> None:
    bucket = "arn:aws:s3:::audit-logs"
    public = findings[("aws-s3-trail-bucket-not-public", bucket)]
    assert public.status is Status.FAIL
    assert "HalfTheInternet" in public.message
    assert findings[("aws-s3-trail-bucket-tls-only", bucket)].status is Status.PASS
    shared = findings[("aws-logs-trail-log-group-not-shared", GROUP)]
    assert shared.status is Status.FAIL
    assert "WholeOrganization" in shared.message


def test_break_glass_deny_is_decided_per_principal(
    findings: dict[tuple[str, str], Finding],
) -> None:
    tamper = findings[("aws-cloudtrail-tamper-principals", TRAIL)]
    grants = [g for g in tamper.observed["tamper_grants"] if isinstance(g, dict)]
    deletes = {
        (g["principal"], g["conditional"]) for g in grants if g["action"] == "s3:DeleteObject"
    }
    # Alice's administrator grant is denied outright; the break-glass role keeps its grant,
    # unconditional. Neither is left "conditional".
    assert deletes == {(BREAK_GLASS, False)}
    # Alice can still stop the trail: the bucket policy does not reach CloudTrail.
    assert (ALICE, False) in {
        (g["principal"], g["conditional"])
        for g in grants
        if g["action"] == "cloudtrail:StopLogging"
    }
