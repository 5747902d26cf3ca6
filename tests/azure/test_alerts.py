"""Activity log alerts and action groups: the normalization of the documented REST JSON
(conditions kept exactly as written, receivers by kind), on the golden fixtures and on table
cases with the failing shape, its sibling that stays, and the boundary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.providers.azure import alerts
from scanner.source import Collected
from tests.azure.watch_scan import SUBS, copy_tenant, errors, scan, schema_errors

TENANT = Path(alerts.__file__).parent / "fake" / "tenant"
SUB1 = "22222222-0000-0000-0000-000000000001"
SUB2 = "22222222-0000-0000-0000-000000000002"
INSIGHTS = "microsoft.insights"


def _fixture(sub: str, kind: str, page: str = "") -> dict[str, Any]:
    path = TENANT / f"subscriptions/{sub}/providers/microsoft.insights/{kind}{page}.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _alert(**props: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "scopes": [f"/subscriptions/{SUB1}"],
        "condition": {"allOf": [{"field": "category", "equals": "Administrative"}]},
    }
    return {
        "id": f"/subscriptions/{SUB1}/resourceGroups/RG/providers/{INSIGHTS}/activityLogAlerts/a",
        "name": "a",
        "location": "Global",
        "properties": {**base, **props},
    }


def test_golden_fixture_pages_hold_the_eleven_cis_alerts() -> None:
    first, second = (
        _fixture(SUB1, "activitylogalerts"),
        _fixture(SUB1, "activitylogalerts", ".page2"),
    )
    assert "$skiptoken=page2" in first["nextLink"] and "nextLink" not in second
    found = alerts.alerts(SUB1, first) + alerts.alerts(SUB1, second)
    assert len(found) == 11
    nsg = next(r for r in found if r.name == "cis-nsg-write")
    assert nsg.id == (
        f"/subscriptions/{SUB1}/resourcegroups/rg-security/providers/microsoft.insights/"
        "activitylogalerts/cis-nsg-write"
    )
    assert (nsg.account, nsg.region, nsg.type) == (SUB1, "global", alerts.ALERT)
    assert nsg.attrs == {
        "name": "cis-nsg-write",
        "arm_id": (
            f"/subscriptions/{SUB1}/resourceGroups/rg-security/providers/Microsoft.Insights/"
            "activityLogAlerts/cis-nsg-write"
        ),
        "location": "global",
        "enabled": True,
        "scopes": [f"/subscriptions/{SUB1}"],
        # The operation is kept exactly as the author wrote it (lower case): matching is
        # case-insensitive in analysis, never here.
        "conditions": {
            "all_of": [
                {"field": "category", "equals": "Administrative", "contains_any": None},
                {
                    "field": "operationname",
                    "equals": "microsoft.network/networksecuritygroups/write",
                    "contains_any": None,
                },
            ]
        },
        "action_groups": [
            f"/subscriptions/{SUB1}/resourcegroups/rg-security/providers/microsoft.insights/"
            "actiongroups/ag-secops"
        ],
        "description": "CIS 7.1.2: microsoft.network/networksecuritygroups/write",
    }


def test_golden_anyof_containsany_and_no_action_group() -> None:
    found = {
        r.name: r
        for r in alerts.alerts(SUB1, _fixture(SUB1, "activitylogalerts"))
        + alerts.alerts(SUB1, _fixture(SUB1, "activitylogalerts", ".page2"))
        + alerts.alerts(SUB2, _fixture(SUB2, "activitylogalerts"))
    }
    (_, any_of) = found["cis-security-solution-write"].attrs["conditions"]["all_of"]
    assert any_of == {
        "any_of": [
            {
                "field": "operationname",
                "equals": "Microsoft.Security/securitySolutions/write",
                "contains_any": None,
            }
        ]
    }
    (_, contains) = found["cis-public-ip-delete"].attrs["conditions"]["all_of"]
    assert contains == {
        "field": "operationname",
        "equals": None,
        "contains_any": ["Microsoft.Network/publicIPAddresses/delete"],
    }
    assert found["policy-assignment-delete"].attrs["action_groups"] == []
    level = found["policy-assignment-create"].attrs["conditions"]["all_of"][-1]
    assert level == {"field": "level", "equals": "Critical", "contains_any": None}


@pytest.mark.parametrize(
    ("props", "enabled"),
    [
        ({"enabled": False}, False),
        ({"enabled": True}, True),
        # Absent: the documented default (true), not a guess of false.
        ({}, True),
    ],
)
def test_alert_enabled(props: dict[str, Any], enabled: bool) -> None:
    assert alerts.alert_attrs(_alert(**props))["enabled"] is enabled


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        # Field names lowercased (Azure matches them without case); values untouched.
        (
            {"field": "OperationName", "equals": "Microsoft.Sql/Servers/FirewallRules/Write"},
            {
                "field": "operationname",
                "equals": "Microsoft.Sql/Servers/FirewallRules/Write",
                "contains_any": None,
            },
        ),
        (
            {"field": "resourceType", "containsAny": ["A", "b"]},
            {"field": "resourcetype", "equals": None, "contains_any": ["A", "b"]},
        ),
        # The boundary: an empty containsAny is kept as an empty list, not None.
        (
            {"field": "status", "containsAny": []},
            {"field": "status", "equals": None, "contains_any": []},
        ),
        (
            {"anyOf": [{"field": "Level", "equals": "Error"}, {"field": "level", "equals": "x"}]},
            {
                "any_of": [
                    {"field": "level", "equals": "Error", "contains_any": None},
                    {"field": "level", "equals": "x", "contains_any": None},
                ]
            },
        ),
    ],
)
def test_condition_items(item: dict[str, Any], expected: dict[str, Any]) -> None:
    assert alerts.condition_item(item) == expected


@pytest.mark.parametrize(
    "item",
    [
        {"field": "category", "anyOf": [{"field": "level", "equals": "Error"}]},
        {"equals": "Administrative"},
        {"field": "category", "equals": 3},
        {"field": "category", "containsAny": "Administrative"},
        {"anyOf": {"field": "level"}},
    ],
)
def test_condition_shapes_the_api_does_not_document_are_malformed(item: dict[str, Any]) -> None:
    with pytest.raises((KeyError, ValueError)):
        alerts.condition_item(item)


def test_alert_without_condition_is_malformed() -> None:
    raw = _alert()
    del raw["properties"]["condition"]
    with pytest.raises(KeyError):
        alerts.alert_attrs(raw)


def test_golden_action_groups() -> None:
    (secops,) = alerts.action_groups(SUB1, _fixture(SUB1, "actiongroups"))
    assert secops.id.endswith(
        "/resourcegroups/rg-security/providers/microsoft.insights/actiongroups/ag-secops"
    )
    assert secops.attrs == {
        "name": "ag-secops",
        "arm_id": secops.attrs["arm_id"],
        "enabled": True,
        "short_name": "secops",
        "receivers": [{"kind": "email", "name": "secops-oncall", "status": "Enabled"}],
        "receiver_count": 1,
    }
    assert alerts.action_groups(SUB1, {"value": []}) == []


def _group(**props: Any) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{SUB1}/resourceGroups/rg/providers/{INSIGHTS}/actionGroups/g",
        "name": "g",
        "location": "Global",
        "properties": {"groupShortName": "g", "enabled": True, **props},
    }


@pytest.mark.parametrize(
    ("props", "kinds", "count"),
    [
        # An unsubscribed email receiver cannot notify: not counted.
        ({"emailReceivers": [{"name": "a", "status": "Disabled"}]}, ["email"], 0),
        ({"emailReceivers": [{"name": "a", "status": "Enabled"}]}, ["email"], 1),
        # No status (webhooks have none) counts; NotSpecified counts.
        (
            {
                "webhookReceivers": [{"name": "w", "serviceUri": "https://x"}],
                "smsReceivers": [{"name": "s", "status": "NotSpecified"}],
            },
            ["sms", "webhook"],
            2,
        ),
        ({}, [], 0),
        # A receiver array a later API version adds is kept under its snake_case kind.
        ({"incidentReceivers": [{"name": "i"}]}, ["incident"], 1),
        (
            {
                "armRoleReceivers": [{"name": "owners", "roleId": "r"}],
                "eventHubReceivers": [{"name": "eh"}],
                "itsmReceivers": [],
            },
            ["arm_role", "event_hub"],
            2,
        ),
    ],
)
def test_receivers(props: dict[str, Any], kinds: list[str], count: int) -> None:
    attrs = alerts.action_group_attrs(_group(**props))
    assert [r["kind"] for r in attrs["receivers"]] == kinds
    assert attrs["receiver_count"] == count


def test_disabled_action_group_and_absent_enabled() -> None:
    assert alerts.action_group_attrs(_group(enabled=False))["enabled"] is False
    raw = _group()
    del raw["properties"]["enabled"]
    assert alerts.action_group_attrs(raw)["enabled"] is True


def test_a_page_whose_value_is_not_a_list_is_malformed() -> None:
    with pytest.raises(ValueError, match="value"):
        alerts.alerts(SUB1, {"value": {"id": "x"}})


# -- through the real MonitorManagementClient pipeline against the fake ARM server ----------


@pytest.fixture(scope="module")
def golden() -> tuple[Collected, list[Any]]:
    return scan()


def test_scan_follows_next_link_and_records_each_page(golden: tuple[Collected, list[Any]]) -> None:
    collected, requests = golden
    path = f"/subscriptions/{SUB1}/providers/Microsoft.Insights/activityLogAlerts"
    asked = [dict(r.query) for r in requests if r.path == path]
    assert asked == [
        {"api-version": "2020-10-01"},
        {"api-version": "2020-10-01", "$skiptoken": "page2"},
    ]
    found = collected.inventory.of_type(alerts.ALERT, SUB1)
    assert len(found) == 11
    # Each alert points at the page it came from.
    first = next(r for r in found if r.name == "cis-policy-assignment-create")
    last = next(r for r in found if r.name == "cis-service-health")
    assert first.evidence[0].params["page"] == 1 and last.evidence[0].params["page"] == 2
    assert first.evidence[0].params["request"] == f"GET {path}?api-version=2020-10-01"
    assert first.evidence[0].operation == "Insights/activityLogAlerts.listBySubscriptionId"
    nsg = next(r for r in found if r.name == "cis-nsg-write")
    operation = nsg.attrs["conditions"]["all_of"][1]["equals"]
    assert operation == "microsoft.network/networksecuritygroups/write"
    assert [r.name for r in collected.inventory.of_type(alerts.ALERT, SUBS[2])] == [
        "policy-assignment-create",
        "policy-assignment-delete",
    ]
    assert collected.inventory.of_type(alerts.ALERT, SUBS[4]) == []
    (group,) = collected.inventory.of_type(alerts.ACTION_GROUP, SUB1)
    assert nsg.attrs["action_groups"] == [group.id]
    assert schema_errors(collected, (alerts.ALERT, alerts.ACTION_GROUP)) == []


def test_a_subscription_that_answers_403_errs_alone(golden: tuple[Collected, list[Any]]) -> None:
    collected, _ = golden
    found = errors(collected, (alerts.ALERT, alerts.ACTION_GROUP))
    assert [(e.account, e.operation, e.code, e.resource_types) for e in found] == [
        (SUBS[3], "Insights/activityLogAlerts.listBySubscriptionId", "FORBIDDEN", (alerts.ALERT,)),
        (
            SUBS[3],
            "Insights/actionGroups.listBySubscriptionId",
            "FORBIDDEN",
            (alerts.ACTION_GROUP,),
        ),
    ]
    assert "needs Microsoft.Insights/ActivityLogAlerts/Read" in found[0].message
    assert collected.inventory.of_type(alerts.ALERT, SUBS[3]) == []


def test_unregistered_provider_is_no_alerts_and_a_note(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    body = {
        "_status": 409,
        "error": {
            "code": "MissingSubscriptionRegistration",
            "message": "The subscription is not registered to use namespace 'microsoft.insights'.",
        },
    }
    insights = root / f"subscriptions/{SUBS[4]}/providers/microsoft.insights"
    for name in ("activitylogalerts", "actiongroups"):
        (insights / f"{name}.json").write_text(json.dumps(body))
    collected, _ = scan(root)
    assert errors(collected, (alerts.ALERT, alerts.ACTION_GROUP))[-1].account == SUBS[3]
    ops = ("Insights/activityLogAlerts.", "Insights/actionGroups.")
    notes = [n for n in collected.facts.limits if SUBS[4] in n and any(o in n for o in ops)]
    assert len(notes) == 2 and "has no activity log alerts" in notes[0]
    assert not [e for e in collected.inventory.errors if e.account == SUBS[4]]


def _fail_page2(status: int, body: Any) -> Any:
    def override(request: Any) -> Any:
        if request.path.lower().endswith("/activitylogalerts") and request.query.get("$skiptoken"):
            return status, body
        return None

    return override


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (500, {"error": {"code": "InternalServerError", "message": "boom"}}, "UNAVAILABLE"),
        # A page whose alert has no condition is not the documented shape.
        (200, {"value": [{"id": "/x", "name": "x", "properties": {}}]}, "MALFORMED_RESPONSE"),
    ],
)
def test_a_failing_second_page_errs_rather_than_shortens(
    monkeypatch: pytest.MonkeyPatch, status: int, body: Any, code: str
) -> None:
    monkeypatch.setenv("LOGWARD_AZURE_RETRY_TOTAL", "0")
    collected, _ = scan(overrides=[_fail_page2(status, body)])
    assert collected.inventory.of_type(alerts.ALERT, SUB1) == []
    (error,) = [e for e in errors(collected, (alerts.ALERT,)) if e.account == SUB1]
    assert (error.operation, error.code) == (
        "Insights/activityLogAlerts.listBySubscriptionId",
        code,
    )
    # The other subscriptions keep their alerts.
    assert len(collected.inventory.of_type(alerts.ALERT, SUBS[2])) == 2
