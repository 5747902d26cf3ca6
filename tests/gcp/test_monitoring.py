"""Cloud Monitoring through the real gRPC GAPIC clients, the gateway and the collection loop,
against the in-process gRPC fake serving the golden estate: alert policies over two pages,
verified and unverified channels, an API disabled on a project, a failing second page; and
the condition parsing the CIS 2.4-2.11 policies rest on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_v3

from scanner.providers.gcp import monitoring
from scanner.providers.gcp.fake import ESTATE
from scanner.providers.gcp.fake import grpc as fake_grpc
from tests.gcp.grpcfake import client, write
from tests.gcp.services_scan import errors, fault, golden, scan_estate

USER = "logging.googleapis.com/user/"
CIS = (
    "ownership-changes",
    "audit-config-changes",
    "custom-role-changes",
    "firewall-rule-changes",
    "route-changes",
    "network-changes",
    "storage-iam-changes",
    "sql-instance-changes",
)
MON = "//monitoring.googleapis.com/"


def test_golden_alert_policies_follow_pages() -> None:
    got, evidence, requests = golden()
    found = got.inventory.of_type(monitoring.ALERT_POLICY, "lw-logging")
    assert len(found) == 8
    asked = [
        r.query.get("pageToken")
        for r in requests
        if r.path == "/v3/projects/lw-logging/alertPolicies"
    ]
    assert asked == [None, "page2"]
    assert {m for p in found for c in p.attrs["conditions"] for m in c["metric_types"]} == {
        USER + n for n in CIS
    }
    first = got.inventory.get(MON + "projects/lw-logging/alertPolicies/1001")
    assert first is not None
    assert (first.account, first.region, first.name) == (
        "lw-logging",
        "global",
        "CIS 2.4 project ownership changes",
    )
    assert first.attrs["enabled"] is True and first.attrs["combiner"] == "OR"
    assert first.attrs["notification_channels"] == ["projects/lw-logging/notificationChannels/2001"]
    (condition,) = first.attrs["conditions"]
    assert (condition["kind"], condition["query"]) == ("threshold", None)
    # Evidence: each policy points at the page it came from, kept as REST JSON.
    last = got.inventory.get(MON + "projects/lw-logging/alertPolicies/1008")
    assert last is not None and first.evidence != last.evidence
    page = json.loads(evidence.get(last.evidence[0].sha256) or b"{}")
    assert [p["name"] for p in page["alertPolicies"]][-1].endswith("/1008")


def test_golden_channels() -> None:
    got, _, _ = golden()
    verified = got.inventory.get(MON + "projects/lw-logging/notificationChannels/2001")
    assert verified is not None and verified.attrs == {
        "name": "projects/lw-logging/notificationChannels/2001",
        "type": "email",
        "display_name": "SecOps on-call",
        "enabled": True,
        "verification_status": "VERIFIED",
    }
    (unverified,) = got.inventory.of_type(monitoring.CHANNEL, "prod-app")
    assert unverified.attrs["verification_status"] == "UNVERIFIED"
    (alert,) = got.inventory.of_type(monitoring.ALERT_POLICY, "prod-app")
    assert alert.attrs["notification_channels"] == [unverified.attrs["name"]]
    assert got.inventory.of_type(monitoring.ALERT_POLICY, "prod-data") == []


def test_api_disabled_is_an_error_for_that_project_only() -> None:
    got, _, _ = golden()
    assert errors(
        got, lambda e: e.account == "dev-sandbox" and "monitoring" in str(e.resource_types)
    ) == [
        ("dev-sandbox", "alertPolicies.list", "SERVICE_DISABLED", (monitoring.ALERT_POLICY,), None),
        (
            "dev-sandbox",
            "notificationChannels.list",
            "SERVICE_DISABLED",
            (monitoring.CHANNEL,),
            None,
        ),
    ]
    assert got.inventory.of_type(monitoring.ALERT_POLICY, "dev-sandbox") == []
    assert len(got.inventory.of_type(monitoring.ALERT_POLICY, "lw-logging")) == 8


def test_a_failing_second_page_errs_rather_than_shortens(estate_copy: Path) -> None:
    path = "/v3/projects/lw-logging/alertPolicies"
    got, _ = scan_estate(estate_copy, [fault(monitoring.HOST, path, 500, "page2")])
    assert got.inventory.of_type(monitoring.ALERT_POLICY, "lw-logging") == []
    assert errors(got, lambda e: e.account == "lw-logging") == [
        ("lw-logging", "alertPolicies.list", "INTERNAL", (monitoring.ALERT_POLICY,), None)
    ]


def test_the_fake_answers_errors_as_grpc_statuses(tmp_path: Path) -> None:
    host = monitoring.HOST
    write(
        tmp_path,
        host,
        "v3/projects/p/alertPolicies",
        {"error": {"code": 404, "message": "gone", "status": "NOT_FOUND"}},
    )
    write(
        tmp_path,
        host,
        "v3/projects/p/notificationChannels",
        {"error": {"code": 403, "message": "denied"}},
    )
    with fake_grpc.serve(tmp_path) as served:
        policies = client(monitoring_v3.AlertPolicyServiceClient, served.address)
        with pytest.raises(exceptions.NotFound):
            list(policies.list_alert_policies(name="projects/p"))
        channels = client(monitoring_v3.NotificationChannelServiceClient, served.address)
        with pytest.raises(exceptions.PermissionDenied):
            list(channels.list_notification_channels(name="projects/p"))
        with pytest.raises(exceptions.NotFound, match="no fixture"):
            list(channels.list_notification_channels(name="projects/none"))
    assert [c[1] for c in served.calls] == [
        "v3/projects/p/alertPolicies",
        "v3/projects/p/notificationChannels",
        "v3/projects/none/notificationChannels",
    ]


def test_explicit_false_and_absent_enabled() -> None:
    policies = [
        monitoring.alert_policy_attrs(r)
        for r in (
            {"name": "projects/p/alertPolicies/1", "enabled": False},
            {"name": "projects/p/alertPolicies/2"},
        )
    ]
    assert [p["enabled"] for p in policies] == [False, True]
    chans = [
        monitoring.channel_attrs(r)
        for r in (
            {"name": "projects/p/notificationChannels/1", "type": "email", "enabled": False},
            {"name": "projects/p/notificationChannels/2", "type": "slack"},
        )
    ]
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


def test_estate_is_the_package_estate() -> None:
    assert (ESTATE / monitoring.HOST / "v3/projects/lw-logging/alertPolicies.page2.json").is_file()


def test_an_answer_the_normalizer_cannot_read_is_malformed(estate_copy: Path) -> None:
    page = estate_copy / monitoring.HOST / "v3/projects/prod-app/notificationChannels.json"
    page.write_text(json.dumps({"notificationChannels": [{"type": "email"}]}))  # no name
    got, _ = scan_estate(estate_copy)
    # Nothing of the listing is kept; the channel the alert policy names is the linker's
    # error placeholder (its listing failed), never a missing target.
    (kept,) = got.inventory.of_type(monitoring.CHANNEL, "prod-app")
    assert kept.placeholder is not None and kept.placeholder.error
    assert "MALFORMED_RESPONSE" in kept.placeholder.reason
    (error,) = errors(got, lambda e: e.account == "prod-app")
    assert error[:4] == (
        "prod-app",
        "notificationChannels.list",
        "MALFORMED_RESPONSE",
        (monitoring.CHANNEL,),
    )
