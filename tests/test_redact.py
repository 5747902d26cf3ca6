"""Redaction, value by value: credentials in free text (what error messages quote), tags
whose key names a secret, webhook endpoints, signed URLs, secret-named keys; and a Terraform
plan's evidence, redacted like an API response."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.redact import redact, redact_text

ACCESS_KEY = "AKIAMARKERKEY0000001"
SESSION_TOKEN = "SessionTokenMarker" + "Q" * 200
SIGNATURE = "f00dfacecafe" * 5 + "beef"
WEBHOOK_SECRET = "WebhookPathMarker0123456789"
WEBHOOK = f"https://hooks.slack.com/services/T0MARKER/B0MARKER/{WEBHOOK_SECRET}"
TAG_SECRET = "TagValueMarker-hunter2"
FIXTURES = Path(__file__).parent / "terraform" / "fixtures"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"x-amz-security-token:{SESSION_TOKEN}", SESSION_TOKEN),
        (f"X-Amz-Security-Token: {SESSION_TOKEN}", SESSION_TOKEN),
        (f"Authorization: AWS4-HMAC-SHA256 Credential=x, Signature={SIGNATURE}", SIGNATURE),
        (f'{{"password": "{TAG_SECRET}"}}', TAG_SECRET),
        (f"aws_session_token={SESSION_TOKEN}", SESSION_TOKEN),
        (f"key {ACCESS_KEY} was used", ACCESS_KEY),
        (f"key ASIA{'Q' * 16} was used", f"ASIA{'Q' * 16}"),
        (f"StringToSign AWS4-HMAC-SHA256 {ACCESS_KEY}/20261207", ACCESS_KEY),
        (f"<CanonicalRequest>GET\n/\nhost:h\nx-amz-date:1 {SESSION_TOKEN}", SESSION_TOKEN),
        (f'{{"CanonicalRequestBytes": "47 45 54 {SIGNATURE}"}}', SIGNATURE),
        (f"canonical request: GET / {SESSION_TOKEN}", SESSION_TOKEN),
        (f"The string-to-sign should have been 'AWS4 {SIGNATURE}'", SIGNATURE),
        (f"The Canonical String for this request should have been 'POST {SIGNATURE}'", SIGNATURE),
    ],
)
def test_credentials_in_free_text_are_redacted(text: str, secret: str) -> None:
    assert secret not in redact_text(text)
    assert "<redacted" in redact_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized",
        '{"Condition": {"StringEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256"}}}',
        "AKIA is how long-term key ids start",
        "https://example.com/page?q=1",
        "SigV4 signs a canonical request; the string to sign is hashed with the key",
    ],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"Key": "db_password", "Value": "s"}, {"Key": "db_password", "Value": "<redacted>"}),
        ({"key": "SlackToken", "value": "s"}, {"key": "SlackToken", "value": "<redacted>"}),
        ({"TagKey": "api-key", "TagValue": "s"}, {"TagKey": "api-key", "TagValue": "<redacted>"}),
        ({"Key": "Name", "Value": "keep"}, {"Key": "Name", "Value": "keep"}),
        ({"Key": "Environment", "Value": "keep"}, {"Key": "Environment", "Value": "keep"}),
        (
            {"tags": {"ClientSecret": "s", "team": "keep"}},
            {"tags": {"ClientSecret": "<redacted>", "team": "keep"}},
        ),
        ({"tags_all": {"PASSWD": "s"}}, {"tags_all": {"PASSWD": "<redacted>"}}),
        ({"labels": {"owner": "keep"}}, {"labels": {"owner": "keep"}}),
    ],
)
def test_tags_whose_key_names_a_secret_are_redacted(item: dict[str, Any], expected: Any) -> None:
    assert redact(item) == expected


@pytest.mark.parametrize(
    ("item", "endpoint"),
    [
        ({"Protocol": "https", "Endpoint": WEBHOOK}, "https://hooks.slack.com"),
        ({"Protocol": "HTTP", "Endpoint": "http://u:p@10.0.0.1:8080/x?y"}, "http://10.0.0.1:8080"),
        ({"protocol": "https", "endpoint": WEBHOOK}, "https://hooks.slack.com"),  # Terraform
        ({"Protocol": "https", "Endpoint": "not a url"}, "<redacted>"),
        ({"Protocol": "email", "Endpoint": "sec@example.com"}, "sec@example.com"),
        ({"Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:1:q"}, "arn:aws:sqs:us-east-1:1:q"),
    ],
)
def test_web_subscription_endpoints_keep_scheme_and_host(
    item: dict[str, Any], endpoint: str
) -> None:
    assert next(v for k, v in redact(item).items() if k.lower() == "endpoint") == endpoint


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
    redacted = redact({"Endpoint": raw})["Endpoint"]
    assert kept in redacted and gone not in redacted


def test_secret_keys_are_redacted_in_any_spelling() -> None:
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


def _plan_with_secrets(path: Path) -> Path:
    """The monitoring plan with a chat webhook as the subscription and a password in the
    trail bucket's tags, in planned values, changes and configuration expressions alike."""
    text = (
        (FIXTURES / "monitoring.json")
        .read_text()
        .replace("https://events.pagerduty.com/integration/abc/enqueue", WEBHOOK)
    )
    plan = json.loads(text)
    tags = {"db_password": TAG_SECRET, "team": "audit"}

    def plant(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("address") == "aws_s3_bucket.trail":
                for values in (node.get("values"), (node.get("change") or {}).get("after")):
                    if isinstance(values, dict):
                        values["tags"] = dict(tags)
                if "expressions" in node:
                    node["expressions"]["tags"] = {"constant_value": dict(tags)}
            if node.get("address") == "aws_sns_topic_subscription.pager" and "expressions" in node:
                node["expressions"]["protocol"] = {"constant_value": "https"}
                node["expressions"]["endpoint"] = {"constant_value": WEBHOOK}
            for child in node.values():
                plant(child)
        elif isinstance(node, list):
            for child in node:
                plant(child)

    plant(plan)
    path.write_text(json.dumps(plan))
    return path


def test_a_plans_webhooks_and_secret_tags_reach_no_output(tmp_path: Path) -> None:
    plan = _plan_with_secrets(tmp_path / "plan.json")
    assert WEBHOOK_SECRET in plan.read_text() and TAG_SECRET in plan.read_text()
    assert plan.read_text().count('"constant_value": "https://hooks.slack.com/') == 1
    out, bundle = tmp_path / "out", tmp_path / "bundle"
    run = CliRunner().invoke(
        main,
        ["plan", str(plan), "--format", "all", "--out", str(out), "--evidence", str(bundle)],
    )
    assert run.exit_code in (0, 1), run.output
    written = [p.read_bytes() for p in [*out.rglob("*"), *bundle.rglob("*")] if p.is_file()]
    # The plan's entries are in the bundle, redacted: the subscription down to its host.
    assert any(b'"endpoint": "https://hooks.slack.com"' in data for data in written)
    assert any(b'"db_password": "<redacted>"' in data for data in written)
    assert any(b'"team": "audit"' in data for data in written)
    for data in [*written, run.output.encode()]:
        assert WEBHOOK_SECRET.encode() not in data and TAG_SECRET.encode() not in data


def test_what_terraform_marks_sensitive_is_redacted() -> None:
    change = {
        "before": None,
        "after": {"name": "db", "password": "p1", "settings": [{"token": "t1", "size": 2}]},
        "after_sensitive": {"settings": [{"token": True}], "name": False},
        "before_sensitive": False,
    }
    masked = redact({"change": change})["change"]
    assert masked["after"]["settings"] == [{"token": "<redacted>", "size": 2}]
    assert masked["after"]["name"] == "db" and masked["after"]["password"] == "<redacted>"
    whole = redact({"values": {"a": "s", "b": "s"}, "sensitive_values": {"a": True}})
    assert whole["values"] == {"a": "<redacted>", "b": "s"}
    assert redact({"after": "x", "after_sensitive": True})["after"] == "<redacted>"
