"""The derived `activity_log_alert_candidates` of subscriptions (analysis/alert_facts.py):
which alerts are candidates, and how each action group's state is read."""

from __future__ import annotations

from typing import Any

from scanner.model import Unknowable
from scanner.providers.azure.analysis.alert_facts import ATTRIBUTE, derive_alert_facts
from tests.support.inventory import inventory_from_data

S1 = "22222222-0000-0000-0000-000000000001"
S2 = "22222222-0000-0000-0000-000000000002"
S9 = "99999999-0000-0000-0000-000000000009"


def sub(guid: str, in_scan: bool = True) -> dict[str, Any]:
    return {
        "type": "azure.subscription",
        "id": f"/subscriptions/{guid}",
        "name": guid,
        "account": guid,
        "region": "global",
        "attrs": {"subscription_id": guid, "in_scan": in_scan},
    }


def ag_id(guid: str, name: str) -> str:
    return (
        f"/subscriptions/{guid}/resourcegroups/rg/providers/microsoft.insights/actiongroups/{name}"
    )


def ag(guid: str, name: str, enabled: bool = True, receivers: int = 1) -> dict[str, Any]:
    return {
        "type": "azure.monitor.action_group",
        "id": ag_id(guid, name),
        "name": name,
        "account": guid,
        "region": "global",
        "attrs": {"enabled": enabled, "receiver_count": receivers},
    }


def alert(guid: str, name: str, scopes: list[str], groups: list[str]) -> dict[str, Any]:
    return {
        "type": "azure.monitor.activity_log_alert",
        "id": f"/subscriptions/{guid}/resourcegroups/rg/providers/microsoft.insights/"
        f"activitylogalerts/{name}",
        "name": name,
        "account": guid,
        "region": "global",
        "attrs": {
            "enabled": True,
            "scopes": scopes,
            "conditions": {"all_of": []},
            "action_groups": groups,
        },
    }


def facts(resources: list[dict[str, Any]], errors: list[dict[str, Any]] | None = None) -> Any:
    inventory = inventory_from_data(resources, errors or [])
    return {rid: v[ATTRIBUTE] for rid, v in derive_alert_facts(inventory).items()}


def test_candidates_are_the_alerts_of_or_inside_the_subscription() -> None:
    got = facts(
        [
            sub(S1),
            sub(S2),
            alert(S1, "own", [f"/subscriptions/{S1}"], []),
            alert(S1, "rg-only", [f"/subscriptions/{S1}/resourceGroups/rg"], []),
            # Defined in S2, scoped to S1: a candidate of both.
            alert(S2, "cross", [f"/subscriptions/{S1}"], []),
        ]
    )
    assert sorted(a["name"] for a in got[f"/subscriptions/{S1}"]) == ["cross", "own", "rg-only"]
    assert [a["name"] for a in got[f"/subscriptions/{S2}"]] == ["cross"]
    assert got[f"/subscriptions/{S1}"][0]["subscription"] == f"/subscriptions/{S1}"


def test_failed_alert_listing_is_an_error_value() -> None:
    got = facts(
        [sub(S1)],
        [
            {
                "operation": "Insights/activityLogAlerts.list",
                "account": S1,
                "region": "global",
                "resource_types": ["azure.monitor.activity_log_alert"],
                "code": "FORBIDDEN",
                "message": "AuthorizationFailed",
            }
        ],
    )
    value = got[f"/subscriptions/{S1}"]
    assert isinstance(value, Unknowable) and value.error
    assert "could not be listed" in value.reason


def states(resources: list[dict[str, Any]], errors: list[dict[str, Any]] | None = None) -> Any:
    got = facts(resources, errors)[f"/subscriptions/{S1}"]
    return [(g["state"], g["reason"]) for g in got[0]["action_groups"]]


def test_action_group_states() -> None:
    groups = [
        ag_id(S1, "ok"),
        ag_id(S1, "off"),
        ag_id(S1, "empty"),
        ag_id(S1, "gone"),
        ag_id(S9, "far"),
    ]
    got = states(
        [
            sub(S1),
            sub(S9, in_scan=False),
            ag(S1, "ok"),
            ag(S1, "off", enabled=False),
            ag(S1, "empty", receivers=0),
            alert(S1, "a", [f"/subscriptions/{S1}"], groups),
        ]
    )
    assert [s for s, _ in got] == ["works", "broken", "broken", "broken", "unknown"]
    assert "is disabled" in got[1][1] and "has no receiver" in got[2][1]
    assert got[3][1] == f"action group {ag_id(S1, 'gone')} does not exist"
    assert "outside this scan" in got[4][1]


def test_action_group_listing_failed_is_error_with_its_id() -> None:
    gid = ag_id(S1, "x")
    got = states(
        [sub(S1), alert(S1, "a", [f"/subscriptions/{S1}"], [gid])],
        [
            {
                "operation": "Insights/actionGroups.list",
                "account": S1,
                "region": "global",
                "resource_types": ["azure.monitor.action_group"],
            }
        ],
    )
    assert got[0][0] == "error" and gid in got[0][1]


def test_linked_placeholders_are_read() -> None:
    gid = ag_id(S1, "gone")
    a = alert(S1, "a", [f"/subscriptions/{S1}"], [gid])
    a["links"] = {"action_groups": [gid]}
    got = states(
        [
            sub(S1),
            a,
            {
                "type": "azure.monitor.action_group",
                "id": gid,
                "name": "gone",
                "account": S1,
                "absent": f"action group {gid} does not exist",
            },
        ]
    )
    assert got == [("broken", f"action group {gid} does not exist")]
