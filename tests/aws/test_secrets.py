"""No secret reaches an output: credentials, session tokens, pre-signed URLs, Authorization,
webhook URLs, secret-named tags.

A scan runs with marker credentials against an estate that carries a pre-signed URL where
a collector reads it (an SNS subscription endpoint and a bucket policy), a chat webhook as a
subscription, and secrets in tags, writing every format and an evidence bundle; then every
byte written, and the terminal output, is searched for the markers. A second scan gets the
answer real AWS gives to a bad signature, which quotes the canonical request (session token
included) and the string to sign, on a JSON, a query and a REST-XML service.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

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
WEBHOOK_SECRET = "WebhookPathMarker0123456789"
WEBHOOK = f"https://hooks.slack.com/services/T0MARKER/B0MARKER/{WEBHOOK_SECRET}"
TAG_SECRET = "TagValueMarker-hunter2"
FORBIDDEN = (SECRET_KEY, SESSION_TOKEN, SIGNATURE, ACCESS_KEY, WEBHOOK_SECRET, TAG_SECRET)
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
    sns = session.client("sns")  # type: ignore[attr-defined]
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=PRESIGNED)
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=WEBHOOK)
    s3.put_bucket_lifecycle_configuration(
        Bucket="trail-logs",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "tagged",
                    "Status": "Enabled",
                    "Filter": {"Tag": {"Key": "ApiToken", "Value": TAG_SECRET}},
                    "Expiration": {"Days": 400},
                }
            ]
        },
    )
    ec2 = session.client("ec2")  # type: ignore[attr-defined]
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(
        Resources=[vpc],
        Tags=[{"Key": "db_password", "Value": TAG_SECRET}, {"Key": "Name", "Value": "app"}],
    )
    logs = session.client("logs")  # type: ignore[attr-defined]
    logs.create_log_group(logGroupName="trail")
    group = logs.describe_log_groups(logGroupNamePrefix="trail")["logGroups"][0]["arn"]
    ct = session.client("cloudtrail")  # type: ignore[attr-defined]
    ct.create_trail(
        Name="main",
        S3BucketName="trail-logs",
        IsMultiRegionTrail=True,
        CloudWatchLogsLogGroupArn=group,
        CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/trail-to-logs",
    )
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
    ct.start_logging(Name="main")


def scan_and_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Any, dict[str, Any], list[Path]]:
    """Build the estate, scan it with the marker credentials (every format, a bundle, progress
    lines on): the CLI result, results.json and every file written."""
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
            ],
            catch_exceptions=False,
        )
    assert run.exit_code in (0, 1), run.output
    written = [p for p in [*out.rglob("*"), *bundle.rglob("*")] if p.is_file()]
    assert len(written) > 20  # every format, the bundle, and its responses
    return run, json.loads((out / "results.json").read_text()), written


def leaks_in(written: list[Path], terminal: str) -> list[str]:
    """Every marker or credential pattern found in a file or on the terminal."""
    texts = {p.name: p.read_bytes().decode("utf-8", "replace") for p in written}
    texts["<terminal>"] = terminal
    found = []
    for name, text in texts.items():
        found += [f"{name}: {marker[:24]}" for marker in FORBIDDEN if marker in text]
        found += [
            f"{name}: /{pattern.pattern}/" for pattern in FORBIDDEN_PATTERNS if pattern.search(text)
        ]
    return found


def test_no_secret_reaches_any_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    run, _results, written = scan_and_read(monkeypatch, tmp_path)
    # The pre-signed URL was collected: its unsigned part is in the evidence, redacted.
    assert any(b"https://hooks.example.com/alarm?<redacted>" in p.read_bytes() for p in written)
    # The webhook subscription was collected, down to scheme and host; the tags were too.
    assert any(b'"Endpoint":"https://hooks.slack.com"' in p.read_bytes() for p in written)
    assert any(b'"Key":"db_password","Value":"<redacted>"' in p.read_bytes() for p in written)
    assert any(b'"Key":"ApiToken","Value":"<redacted>"' in p.read_bytes() for p in written)
    assert not leaks_in(written, run.output)


def _header(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _signed_echo(request: Any) -> tuple[str, str]:
    """The canonical request and the string to sign of `request`, as AWS quotes them when a
    signature does not match (the request was really signed with the marker credentials)."""
    split = urlsplit(request.url)
    headers = {k.lower(): _header(v) for k, v in request.headers.items()}
    auth = headers.pop("authorization")
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    canonical = "\n".join(
        [
            request.method,
            split.path or "/",
            split.query,
            *(f"{k}:{v}" for k, v in sorted(headers.items())),
            "",
            ";".join(sorted(headers)),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    credential = auth.split("Credential=", 1)[1].split(",", 1)[0]  # key id / scope
    to_sign = f"AWS4-HMAC-SHA256\n{headers.get('x-amz-date')}\n{credential}\n{'0' * 64}"
    # Beyond AWS: an endpoint that echoes the Authorization header too must not leak it.
    return f"{canonical}\nauthorization:{auth}", to_sign


def mismatching(monkeypatch: pytest.MonkeyPatch, *operations: str) -> None:
    """Answer `operations` with SignatureDoesNotMatch, through a before-send handler ahead of
    moto's own in every session the scan makes."""
    import botocore.handlers

    def handler(request: Any, event_name: str, **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        return _mismatch(request, operation) if operation in operations else None

    monkeypatch.setattr(
        botocore.handlers,
        "BUILTIN_HANDLERS",
        [("before-send", handler), *botocore.handlers.BUILTIN_HANDLERS],
    )


def _mismatch(request: Any, operation: str) -> Any:
    """SignatureDoesNotMatch in each protocol's own shape: JSON (CloudTrail), query (SNS, STS)
    or REST-XML (S3); the SDK parses it."""
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse

    canonical, to_sign = _signed_echo(request)
    said = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method."
    )
    if operation == "GetEventSelectors":
        message = (
            f"{said}\n\nThe Canonical String for this request should have been\n'{canonical}'"
            f"\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
        )
        body = json.dumps({"__type": "InvalidSignatureException", "message": message})
        headers = {"Content-Type": "application/x-amz-json-1.1"}
    elif operation in ("ListSubscriptionsByTopic", "GetCallerIdentity"):
        message = escape(
            f"{said}\n\nThe Canonical String for this request should have been\n'{canonical}'"
            f"\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
        )
        body = (
            '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>'
            f"<Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>{message}</Message>"
            "</Error><RequestId>r-1</RequestId></ErrorResponse>"
        )
        headers = {"Content-Type": "text/xml"}
    else:
        access_key = to_sign.split("\n")[2].split("/", 1)[0]
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code>'
            f"<Message>{escape(said)}</Message><AWSAccessKeyId>{access_key}</AWSAccessKeyId>"
            f"<StringToSign>{escape(to_sign)}</StringToSign>"
            f"<CanonicalRequest>{escape(canonical)}</CanonicalRequest>"
            "<RequestId>r-2</RequestId></Error>"
        )
        headers = {"Content-Type": "application/xml"}
    return AWSResponse(request.url, 403, headers, MockRawResponse(body))


def test_a_signature_error_quoting_the_request_leaks_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mismatching(monkeypatch, "GetEventSelectors", "ListSubscriptionsByTopic", "GetBucketPolicy")
    run, results, written = scan_and_read(monkeypatch, tmp_path)
    # Each injected failure is named, with AWS's own words, and without what it quoted.
    failed = {f["message"] for f in results["findings"] if f["status"] == "error"}
    assert any("GetEventSelectors failed" in m and "<redacted" in m for m in failed), failed
    assert any("ListSubscriptionsByTopic failed" in m and "<redacted" in m for m in failed), failed
    assert any("GetBucketPolicy failed" in m and "SignatureDoesNotMatch" in m for m in failed)
    assert not leaks_in(written, run.output)


def test_a_scan_that_cannot_identify_its_caller_says_why_without_the_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The first call (GetCallerIdentity) is where a bad secret key shows: exit 3, AWS's
    words on the terminal, not the request it quoted."""
    import boto3
    from moto import mock_aws

    mismatching(monkeypatch, "GetCallerIdentity")
    with mock_aws():
        use_marker_credentials(monkeypatch)
        build(boto3.Session(region_name="us-east-1"))
        run = CliRunner().invoke(main, ["scan", "aws", "--out", str(tmp_path / "out")])
    assert run.exit_code == 3, run.output
    assert "cannot identify the caller (SignatureDoesNotMatch)" in run.output
    assert "<redacted: the request as signed>" in run.output
    assert not leaks_in([], run.output)


def test_a_signature_error_is_redacted_where_it_is_made() -> None:
    from scanner.providers.aws.calls import AwsCallError

    message = (
        "The request signature we calculated does not match.\n\nThe Canonical String for this"
        f" request should have been\n'GET\n/\n\nx-amz-security-token:{SESSION_TOKEN}\n'\n\n"
        f"The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n{ACCESS_KEY}/x'"
    )
    error = AwsCallError("logs", "DescribeLogGroups", "us-east-1", "Bad" + "x" * 500, message)
    for text in (str(error), error.message, error.unknowable().reason):
        assert SESSION_TOKEN not in text and ACCESS_KEY not in text
        assert "The request signature we calculated does not match." in text
    assert len(error.code) < 300  # the other side's text, bounded


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
