"""Azure Monitor: the activity log alerts and action groups of every scanned subscription.

Both are read with one list per subscription (pages followed through `nextLink`), kept as the
documented REST JSON, and normalized without judging: the alert conditions keep every value
exactly as returned (case included), because Azure compares them case-insensitively and the
CIS 7.1.2.x policies must do the same in analysis (`analysis/alert_match.py`), never by a
collector that lowercases what it reads. Field names are lowercased: they name a fixed set of
activity-log properties that Azure itself matches without regard to case.

REST references (learn.microsoft.com):
- rest/api/monitor/activity-log-alerts/list-by-subscription-id (api-version 2020-10-01, the only
  GA version with `anyOf` / `containsAny`: `AlertRuleAnyOfOrLeafCondition`);
- rest/api/monitor/action-groups/list-by-subscription-id (api-version 2023-01-01, the current GA;
  2024-10-01-preview is a preview).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.azure.api import ArmApi, ArmError
from scanner.providers.azure.declare import Found, Lister, Op, Service, Subscription, Tenancy
from scanner.providers.azure.listed import arm_resource, listed, not_registered, values
from scanner.providers.azure.names import canonical, region

ALERT = "azure.monitor.activity_log_alert"
ACTION_GROUP = "azure.monitor.action_group"

# "Activity Log Alerts - List By Subscription Id" (api-version 2020-10-01):
# learn.microsoft.com/rest/api/monitor/activity-log-alerts/list-by-subscription-id. The action
# is the one "Azure permissions for Monitor" names for reading activity log alerts
# (learn.microsoft.com/azure/role-based-access-control/permissions/monitor).
LIST_ALERTS = Op(
    "monitor",
    "Insights/activityLogAlerts.listBySubscriptionId",
    "/subscriptions/{subscription}/providers/Microsoft.Insights/activityLogAlerts",
    "2020-10-01",
    "Microsoft.Insights/ActivityLogAlerts/Read",
)
# "Action Groups - List By Subscription Id" (api-version 2023-01-01, the current GA):
# learn.microsoft.com/rest/api/monitor/action-groups/list-by-subscription-id.
LIST_ACTION_GROUPS = Op(
    "monitor",
    "Insights/actionGroups.listBySubscriptionId",
    "/subscriptions/{subscription}/providers/Microsoft.Insights/actionGroups",
    "2023-01-01",
    "Microsoft.Insights/ActionGroups/Read",
)

# The receiver arrays of an action group (ActionGroup properties, 2023-01-01), by REST key.
RECEIVER_KINDS = {
    "emailReceivers": "email",
    "smsReceivers": "sms",
    "webhookReceivers": "webhook",
    "azureAppPushReceivers": "azure_app_push",
    "automationRunbookReceivers": "automation_runbook",
    "voiceReceivers": "voice",
    "logicAppReceivers": "logic_app",
    "azureFunctionReceivers": "azure_function",
    "armRoleReceivers": "arm_role",
    "eventHubReceivers": "event_hub",
    "itsmReceivers": "itsm",
}
# EmailReceiver.status / SmsReceiver.status (ReceiverStatus: NotSpecified, Enabled, Disabled):
# a receiver whose person unsubscribed is Disabled and gets nothing.
DISABLED = "Disabled"


def leaf(raw: dict[str, Any]) -> dict[str, Any]:
    """One leaf condition (`AlertRuleLeafCondition`): the field lowercased, `equals` and
    `containsAny` exactly as returned (None when absent)."""
    contains = raw.get("containsAny")
    if contains is not None and not (
        isinstance(contains, list) and all(isinstance(v, str) for v in contains)
    ):
        raise ValueError(f"containsAny: expected a list of strings, got {contains!r}")
    equals = raw.get("equals")
    if equals is not None and not isinstance(equals, str):
        raise ValueError(f"equals: expected a string, got {equals!r}")
    return {
        "field": str(raw["field"]).lower(),
        "equals": equals,
        "contains_any": list(contains) if contains is not None else None,
    }


def condition_item(raw: dict[str, Any]) -> dict[str, Any]:
    """One member of `allOf`: a leaf, or `{any_of: [leaf, ...]}`. The API documents the two as
    exclusive ("Properties from different types CANNOT exist in one condition"), so an item
    with both is a malformed answer, not something to guess at."""
    if "anyOf" in raw and raw["anyOf"] is not None:
        if "field" in raw:
            raise ValueError("a condition holds both anyOf and field")
        members = raw["anyOf"]
        if not isinstance(members, list):
            raise ValueError(f"anyOf: expected a list, got {members!r}")
        return {"any_of": [leaf(m) for m in members]}
    return leaf(raw)


def conditions(raw: dict[str, Any]) -> dict[str, Any]:
    """`properties.condition` (`AlertRuleAllOfCondition`) as `{all_of: [...]}`."""
    members = raw["allOf"]
    if not isinstance(members, list):
        raise ValueError(f"allOf: expected a list, got {members!r}")
    return {"all_of": [condition_item(m) for m in members]}


def alert_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one ActivityLogAlertResource (REST JSON)."""
    props = raw["properties"]
    actions = props.get("actions") or {}
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        "location": region(raw.get("location")),
        # `enabled` is documented with "Default value: True" (2020-10-01): an absent value is
        # an enabled rule, an explicit false is returned as such.
        "enabled": bool(props.get("enabled", True)),
        "scopes": [canonical(s) for s in props.get("scopes") or []],
        "conditions": conditions(props["condition"]),
        "action_groups": [canonical(a["actionGroupId"]) for a in actions.get("actionGroups") or []],
        "description": props.get("description"),
    }


def _snake(key: str) -> str:
    """`fooBarReceivers` -> `foo_bar`: the kind of a receiver array this code does not know."""
    stem = key[: -len("Receivers")] if key.endswith("Receivers") else key
    return re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower()


def receivers(props: dict[str, Any]) -> list[dict[str, Any]]:
    """Every receiver of an action group as `{kind, name, status}`, known kinds first in the
    documented order, then any receiver array a later API version adds (never dropped)."""
    keys = [k for k in RECEIVER_KINDS if k in props]
    keys += sorted(k for k in props if k.endswith("Receivers") and k not in RECEIVER_KINDS)
    found: list[dict[str, Any]] = []
    for key in keys:
        items = props.get(key) or []
        if not isinstance(items, list):
            raise ValueError(f"{key}: expected a list, got {items!r}")
        kind = RECEIVER_KINDS.get(key) or _snake(key)
        for item in items:
            status = item.get("status")
            found.append({"kind": kind, "name": item["name"], "status": status})
    return found


def action_group_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one ActionGroupResource (REST JSON)."""
    props = raw["properties"]
    found = receivers(props)
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        # ActionGroup.enabled: "Default value: True".
        "enabled": bool(props.get("enabled", True)),
        "short_name": props.get("groupShortName"),
        "receivers": found,
        # Receivers that can notify: an unsubscribed (Disabled) email or SMS receiver cannot.
        "receiver_count": sum(1 for r in found if r["status"] != DISABLED),
    }


def alerts(
    subscription: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The activity log alerts of one list page."""
    return [arm_resource(ALERT, subscription, r, alert_attrs(r), evidence) for r in values(page)]


def action_groups(
    subscription: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The action groups of one list page."""
    return [
        arm_resource(ACTION_GROUP, subscription, r, action_group_attrs(r), evidence)
        for r in values(page)
    ]


def _alerts(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    assert sub is not None
    build = partial(alerts, sub.account)
    try:
        found = listed(api, LIST_ALERTS, sub.account, build, subscription=sub.subscription_id)
    except ArmError as exc:
        return not_registered(exc, sub, "activity log alerts")
    return Found(resources=found)


def _action_groups(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    assert sub is not None
    build = partial(action_groups, sub.account)
    try:
        found = listed(
            api, LIST_ACTION_GROUPS, sub.account, build, subscription=sub.subscription_id
        )
    except ArmError as exc:
        return not_registered(exc, sub, "action groups")
    return Found(resources=found)


SERVICE = Service(
    name="monitor alerts",
    listers=(
        Lister("activity log alerts", "subscription", (ALERT,), (LIST_ALERTS,), _alerts),
        Lister(
            "action groups", "subscription", (ACTION_GROUP,), (LIST_ACTION_GROUPS,), _action_groups
        ),
    ),
)
