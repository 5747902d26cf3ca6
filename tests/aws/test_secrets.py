"""No secret reaches an output: credentials, session tokens, pre-signed URLs, Authorization.

A scan runs with marker credentials against an estate that carries a pre-signed URL where
a collector reads it (an SNS subscription endpoint and a bucket policy), writing every format
and an evidence bundle; then every byte written is searched for the markers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main

ACCESS_KEY = "AKIAMARKERKEY0000001"
SECRET_KEY = "SecretMarker/abcdefghijklmnopqrstuvwxyz01"
SESSION_TOKEN = "SessionTokenMarker" + "Q" * 200
SIGNATURE = "f00dfacecafe" * 5 + "beef"
PRESIGNED = (
    "https://hooks.example.com/alarm?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    f"&X-Amz-Credential={ACCESS_KEY}%2F20261126%2Fus-east-1%2Fs3%2Faws4_request"
    f"&X-Amz-Security-Token={SESSION_TOKEN}&X-Amz-Signature={SIGNATURE}"
)
FORBIDDEN = (SECRET_KEY, SESSION_TOKEN, SIGNATURE, ACCESS_KEY)
FORBIDDEN_PATTERNS = (
    re.compile(r"X-Amz-Signature=", re.I),
    re.compile(r"\bAuthorization\b\"?\s*[:=]\s*\"?(AWS4|Bearer)", re.I),
    re.compile(r"aws_secret_access_key", re.I),
)


def use_marker_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Called inside mock_aws(), which sets its own fake credentials on entry."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)


def build(session: object) -> None:
    s3 = session.client("s3")  # type: ignore[attr-defined]
    s3.create_bucket(Bucket="trail-logs")
    s3.put_bucket_policy(
        Bucket="trail-logs",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AWSCloudTrailWrite",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": "arn:aws:s3:::trail-logs/AWSLogs/*",
                        "Condition": {"StringEquals": {"aws:Referer": PRESIGNED}},
                    }
                ],
            }
        ),
    )
    ct = session.client("cloudtrail")  # type: ignore[attr-defined]
    ct.create_trail(Name="main", S3BucketName="trail-logs", IsMultiRegionTrail=True)
    ct.start_logging(Name="main")
    sns = session.client("sns")  # type: ignore[attr-defined]
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=PRESIGNED)
    logs = session.client("logs")  # type: ignore[attr-defined]
    logs.create_log_group(logGroupName="trail")
    logs.put_metric_filter(
        logGroupName="trail",
        filterName="root",
        filterPattern='{ $.userIdentity.type = "Root" }',
        metricTransformations=[
            {"metricName": "Root", "metricNamespace": "CIS", "metricValue": "1"}
        ],
    )
    session.client("cloudwatch").put_metric_alarm(  # type: ignore[attr-defined]
        AlarmName="root",
        MetricName="Root",
        Namespace="CIS",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )


def test_no_secret_reaches_any_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import boto3
    from moto import mock_aws

    out, bundle = tmp_path / "out", tmp_path / "bundle"
    with mock_aws():
        use_marker_credentials(monkeypatch)
        session = boto3.Session(region_name="us-east-1")
        # The scan really signs with the markers (what could leak is what it holds).
        assert session.get_credentials().secret_key == SECRET_KEY
        build(session)
        run = CliRunner().invoke(
            main,
            [
                "scan",
                "aws",
                "--regions",
                "us-east-1",
                "--out",
                str(out),
                "--format",
                "all",
                "--evidence",
                str(bundle),
                "--quiet",
            ],
            catch_exceptions=False,
        )
    assert run.exit_code in (0, 1), run.output
    written = [p for p in [*out.rglob("*"), *bundle.rglob("*")] if p.is_file()]
    assert len(written) > 20  # every format, the bundle, and its responses
    # The pre-signed URL was collected: its unsigned part is in the evidence, redacted.
    assert any(b"https://hooks.example.com/alarm?<redacted>" in p.read_bytes() for p in written)
    leaks = []
    for path in written:
        text = path.read_bytes().decode("utf-8", "replace")
        leaks += [f"{path.name}: {marker[:24]}" for marker in FORBIDDEN if marker in text]
        leaks += [
            f"{path.name}: /{pattern.pattern}/"
            for pattern in FORBIDDEN_PATTERNS
            if pattern.search(text)
        ]
    assert not leaks, leaks
    assert run.output.count(SECRET_KEY) == 0 and run.output.count(SESSION_TOKEN) == 0


@pytest.mark.parametrize(
    ("raw", "kept", "gone"),
    [
        (
            "https://b.s3.amazonaws.com/k?AWSAccessKeyId=AKIAX&Signature=c2ln&Expires=1",
            "https://b.s3.amazonaws.com/k?<redacted>",
            "c2ln",
        ),
        ("HTTPS://b/k?x-amz-signature=abc123&X-Amz-Date=1", "HTTPS://b/k?<redacted>", "abc123"),
        ("https://storage.googleapis.com/b/o?X-Goog-Signature=feed", "?<redacted>", "feed"),
        ("https://a.blob.core.windows.net/c?sv=2022-11-02&sig=AbC%3D", "?<redacted>", "AbC%3D"),
        (
            '{"Statement": [{"Condition": "https://h/p?X-Amz-Signature=s1"}, {"Effect": "Deny"}]}',
            '{"Effect": "Deny"}',
            "s1",
        ),
    ],
)
def test_signed_urls_lose_only_their_query(raw: str, kept: str, gone: str) -> None:
    from scanner.redact import redact

    redacted = redact({"Endpoint": raw})["Endpoint"]
    assert kept in redacted and gone not in redacted


def test_secret_keys_are_redacted_in_any_spelling() -> None:
    from scanner.redact import redact

    data = {
        "SessionToken": "a",
        "session_token": "b",
        "X-Amz-Security-Token": "c",
        "SecretString": "d",
        "Authorization": "e",
        "nested": [{"password": "f"}],
        "NextToken": "keep",
        "Name": "keep",
    }
    redacted = redact(data)
    assert redacted["NextToken"] == "keep" and redacted["Name"] == "keep"
    for key in (
        "SessionToken",
        "session_token",
        "X-Amz-Security-Token",
        "SecretString",
        "Authorization",
    ):
        assert redacted[key] == "<redacted>"
    assert redacted["nested"][0]["password"] == "<redacted>"
    assert redact("https://example.com/page?q=1") == "https://example.com/page?q=1"


def test_finding_messages_and_observed_values_are_redacted() -> None:
    from scanner.model import Finding, Status

    finding = Finding(
        policy_id="p",
        status=Status.FAIL,
        severity="high",
        resource_id="r",
        resource_type="aws.sns.topic",
        resource_name="t",
        provider="aws",
        account="1",
        region="us-east-1",
        message=f"endpoint {PRESIGNED} is not an approved subscriber",
        observed={"subscriptions": [{"Endpoint": PRESIGNED, "SessionToken": SESSION_TOKEN}]},
    )
    text = str(finding.to_json())
    assert SIGNATURE not in text and SESSION_TOKEN not in text
    assert "https://hooks.example.com/alarm?<redacted> is not an approved subscriber" in text
