"""Cloud Monitoring through the real gRPC GAPIC clients against the in-process gRPC fake:
the golden estate's alert policies (two pages) and channels, an API disabled on a project,
and the condition parsing the CIS 2.4-2.11 policies rest on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_v3

from scanner.providers.gcp import monitoring
from scanner.providers.gcp.fake import grpc as fake_grpc
from tests.gcp.grpcfake import client, write

ESTATE = Path(fake_grpc.__file__).parent / "estate"
USER = "logging.googleapis.com/user/"


@pytest.fixture(scope="module")
def fake() -> Iterator[fake_grpc.FakeGrpc]:
    with fake_grpc.serve(ESTATE) as served:
        yield served


def _policies(fake: fake_grpc.FakeGrpc, project: str) -> list[dict]:
    api = client(monitoring_v3.AlertPolicyServiceClient, fake.address)
    return [
        r.attrs
        for page in monitoring.list_alert_policies(api, project)
        for r in monitoring.alert_policies(project, page)
    ]


def _channels(fake: fake_grpc.FakeGrpc, project: str) -> list[dict]:
    api = client(monitoring_v3.NotificationChannelServiceClient, fake.address)
    return [
        r.attrs
        for page in monitoring.list_channels(api, project)
        for r in monitoring.channels(project, page)
    ]


def test_golden_alert_policies_follow_pages(fake: fake_grpc.FakeGrpc) -> None:
    before = len(fake.calls)
    found = _policies(fake, "lw-logging")
    assert [c[2] for c in fake.calls[before:]] == ["", "page2"]
    assert fake.calls[before][:2] == (
        "/google.monitoring.v3.AlertPolicyService/ListAlertPolicies",
        "v3/projects/lw-logging/alertPolicies",
    )
    assert len(found) == 8
    assert {m for p in found for c in p["conditions"] for m in c["metric_types"]} == {
        USER + n
        for n in (
            "ownership-changes",
            "audit-config-changes",
            "custom-role-changes",
            "firewall-rule-changes",
            "route-changes",
            "network-changes",
            "storage-iam-changes",
            "sql-instance-changes",
        )
    }
    first = found[0]
    assert first["name"] == "projects/lw-logging/alertPolicies/1001"
    assert first["enabled"] is True
    assert first["combiner"] == "OR"
    assert first["notification_channels"] == ["projects/lw-logging/notificationChannels/2001"]
    assert first["conditions"][0]["kind"] == "threshold"
    assert first["conditions"][0]["query"] is None


def test_golden_channels(fake: fake_grpc.FakeGrpc) -> None:
    (verified,) = _channels(fake, "lw-logging")
    assert verified == {
        "name": "projects/lw-logging/notificationChannels/2001",
        "type": "email",
        "display_name": "SecOps on-call",
        "enabled": True,
        "verification_status": "VERIFIED",
    }
    (unverified,) = _channels(fake, "prod-app")
    assert unverified["verification_status"] == "UNVERIFIED"


def test_empty_project_lists_nothing(fake: fake_grpc.FakeGrpc) -> None:
    assert _policies(fake, "prod-data") == []
    assert _channels(fake, "prod-data") == []


def test_api_disabled_is_an_error_not_an_empty_list(fake: fake_grpc.FakeGrpc) -> None:
    with pytest.raises(exceptions.PermissionDenied, match="Cloud Monitoring API has not been"):
        _policies(fake, "dev-sandbox")
    with pytest.raises(exceptions.PermissionDenied):
        _channels(fake, "dev-sandbox")


def test_failure_on_page_two_raises(tmp_path: Path) -> None:
    """A failure after a good first page is not a short list."""
    host = "monitoring.googleapis.com"
    write(
        tmp_path,
        host,
        "v3/projects/p/alertPolicies",
        {"alertPolicies": [{"name": "projects/p/alertPolicies/1"}], "nextPageToken": "page2"},
    )
    write(
        tmp_path,
        host,
        "v3/projects/p/alertPolicies.page2",
        {"error": {"code": 404, "message": "gone", "status": "NOT_FOUND"}},
    )
    with fake_grpc.serve(tmp_path) as served, pytest.raises(exceptions.NotFound):
        _policies(served, "p")


def test_explicit_false_and_absent_enabled(tmp_path: Path) -> None:
    host = "monitoring.googleapis.com"
    write(
        tmp_path,
        host,
        "v3/projects/p/alertPolicies",
        {
            "alertPolicies": [
                {"name": "projects/p/alertPolicies/1", "enabled": False},
                {"name": "projects/p/alertPolicies/2"},
            ]
        },
    )
    write(
        tmp_path,
        host,
        "v3/projects/p/notificationChannels",
        {
            "notificationChannels": [
                {"name": "projects/p/notificationChannels/1", "type": "email", "enabled": False},
                {"name": "projects/p/notificationChannels/2", "type": "slack"},
            ]
        },
    )
    with fake_grpc.serve(tmp_path) as served:
        assert [p["enabled"] for p in _policies(served, "p")] == [False, True]
        chans = _channels(served, "p")
    assert [c["enabled"] for c in chans] == [False, True]
    assert chans[1]["verification_status"] == "VERIFICATION_STATUS_UNSPECIFIED"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'metric.type="{USER}a"', [USER + "a"]),
        (f'metric.type = "{USER}a" AND resource.type="global"', [USER + "a"]),
        (f"resource.type='global' AND metric.type='{USER}a'", [USER + "a"]),
        (f'metric.type="{USER}a" OR metric.type="{USER}b"', [USER + "a", USER + "b"]),
        # Not equality: prefix, regex, inequality, negation select other or unknown metrics.
        (f'metric.type=starts_with("{USER}a")', []),
        (f'metric.type=monitoring.regex.full_match("{USER}.*")', []),
        (f'metric.type!="{USER}a"', []),
        (f'NOT metric.type="{USER}a"', []),
        (f'-metric.type="{USER}a"', []),
        (f'metric.labels.type="{USER}a"', []),
        ("", []),
    ],
)
def test_metric_types_credit_exact_equality_only(text: str, expected: list[str]) -> None:
    assert monitoring.metric_types(text) == expected


@pytest.mark.parametrize(
    ("raw", "kind", "has_filter", "has_query", "types"),
    [
        ({"conditionThreshold": {"filter": f'metric.type="{USER}a"'}}, "threshold", True, False, 1),
        ({"conditionAbsent": {"filter": f'metric.type="{USER}a"'}}, "absent", True, False, 1),
        # A log-match condition filters log entries: no metric is credited.
        (
            {"conditionMatchedLog": {"filter": 'protoPayload.methodName="SetIamPolicy"'}},
            "matched_log",
            True,
            False,
            0,
        ),
        (
            {"conditionMonitoringQueryLanguage": {"query": f"fetch global::{USER}a"}},
            "mql",
            False,
            True,
            0,
        ),
        ({"conditionPrometheusQueryLanguage": {"query": "up"}}, "promql", False, True, 0),
        ({"conditionSql": {"query": "SELECT 1"}}, "sql", False, True, 0),
        ({"displayName": "unknown kind"}, "other", False, False, 0),
    ],
)
def test_condition_kinds(
    raw: dict, kind: str, has_filter: bool, has_query: bool, types: int
) -> None:
    got = monitoring.condition(raw)
    assert got["kind"] == kind
    assert (got["filter"] is not None) is has_filter
    assert (got["query"] is not None) is has_query
    assert len(got["metric_types"]) == types


def test_resource_ids_follow_the_contract(fake: fake_grpc.FakeGrpc) -> None:
    api = client(monitoring_v3.AlertPolicyServiceClient, fake.address)
    page = next(monitoring.list_alert_policies(api, "prod-app"))
    (res,) = monitoring.alert_policies("prod-app", page)
    assert res.id == "//monitoring.googleapis.com/projects/prod-app/alertPolicies/1101"
    assert (res.provider, res.account, res.region, res.type) == (
        "gcp",
        "prod-app",
        "global",
        "gcp.monitoring.alert_policy",
    )
