"""Activity log alerts and action groups in a plan: azurerm_monitor_activity_log_alert and
azurerm_monitor_action_group, as azure.monitor.activity_log_alert and
azure.monitor.action_group with the attributes the live scan reads from
activityLogAlerts.list and actionGroups.list.

An alert's `criteria` block is turned into the REST `condition.allOf` the provider sends
(internal/services/monitor/monitor_activity_log_alert_resource.go,
expandMonitorActivityLogAlertCriteria, azurerm 4.81.0): each singular argument one `equals`
leaf, each plural one an `anyOf` of `equals` leaves, `service_health` events an `anyOf` on
`properties.incidentType` and its services and locations `containsAny` leaves. Values are
kept as written: matching is case-insensitive in analysis, never here.
Defaults (https://registry.terraform.io/providers/hashicorp/azurerm/4.81.0/docs/resources/
monitor_activity_log_alert, .../monitor_action_group): enabled true for both."""

from __future__ import annotations

from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, Target, block, first_unknown
from scanner.providers.azure import alerts as live
from scanner.providers.azure.names import canonical
from scanner.providers.azure.terraform import refs
from scanner.providers.azure.terraform.common import (
    account_of,
    arm_id,
    arm_value,
    build,
    flag,
    id_or_address,
    known,
    plan_id,
    region,
    subscription,
)

ALERT = "azure.monitor.activity_log_alert"
GROUP = "azure.monitor.action_group"
# criteria argument -> REST field, singular then plural (provider source, see above).
_FIELDS = (
    ("category", None, "category"),
    ("operation_name", None, "operationName"),
    ("caller", None, "caller"),
    ("level", "levels", "level"),
    ("resource_provider", "resource_providers", "resourceProvider"),
    ("resource_type", "resource_types", "resourceType"),
    ("resource_group", "resource_groups", "resourceGroup"),
    ("resource_id", "resource_ids", "resourceId"),
    ("status", "statuses", "status"),
    ("sub_status", "sub_statuses", "subStatus"),
    ("recommendation_type", None, "properties.recommendationType"),
    ("recommendation_category", None, "properties.recommendationCategory"),
    ("recommendation_impact", None, "properties.recommendationImpact"),
)
_HEALTH = (
    ("resource_health", "current", "properties.currentHealthStatus"),
    ("resource_health", "previous", "properties.previousHealthStatus"),
    ("resource_health", "reason", "properties.cause"),
    ("service_health", "events", "properties.incidentType"),
)
_CONTAINS = (
    ("locations", "properties.impactedServices[*].ImpactedRegions[*].RegionName"),
    ("services", "properties.impactedServices[*].ServiceName"),
)
RECEIVERS = {
    "email_receiver": "email",
    "sms_receiver": "sms",
    "webhook_receiver": "webhook",
    "azure_app_push_receiver": "azure_app_push",
    "automation_runbook_receiver": "automation_runbook",
    "voice_receiver": "voice",
    "logic_app_receiver": "logic_app",
    "azure_function_receiver": "azure_function",
    "arm_role_receiver": "arm_role",
    "event_hub_receiver": "event_hub",
    "itsm_receiver": "itsm",
}


def _leaf(field: str, equals: Any = None, contains: Any = None) -> dict[str, Any]:
    """A REST `AlertRuleLeafCondition`."""
    if contains is not None:
        return {"field": field, "containsAny": contains}
    return {"field": field, "equals": equals}


def conditions(raw: Any) -> Any:
    """The alert condition as the live scan normalizes it (`{all_of: [leaf | {any_of:
    [leaf..]}]}`): the REST `allOf` the provider sends, through the live normalizer."""
    criteria = block(raw)
    marker = first_unknown(criteria)
    if marker is not None:
        return marker
    if not isinstance(criteria, dict):
        return Unknowable("the alert has no criteria block (the provider requires one)")
    all_of: list[dict[str, Any]] = []
    for single, plural, field in _FIELDS:
        if known(criteria.get(single)):
            all_of.append(_leaf(field, criteria[single]))
        values = criteria.get(plural) if plural else None
        if values:
            all_of.append({"anyOf": [_leaf(field, v) for v in values]})
    for name, arg, field in _HEALTH:
        health = block(criteria.get(name))
        values = health.get(arg) if isinstance(health, dict) else None
        if values:
            all_of.append({"anyOf": [_leaf(field, v) for v in sorted(values)]})
    service = block(criteria.get("service_health"))
    for arg, field in _CONTAINS:
        values = service.get(arg) if isinstance(service, dict) else None
        if values:
            all_of.append(_leaf(field, contains=sorted(values)))
    return live.conditions({"allOf": all_of})


def _alert_arm(res: PlanResource, ctx: PlanContext) -> str | None:
    return arm_id(ctx, res, "Microsoft.Insights", "activityLogAlerts")


def alert_id(res: PlanResource, ctx: PlanContext) -> str:
    """The canonical ARM id of the alert, else the address."""
    return id_or_address(_alert_arm(res, ctx), res)


def _scopes(res: PlanResource, ctx: PlanContext) -> Any:
    value = res.values.get("scopes")
    referenced = ctx.resolve_all(
        res, ("scopes",), ("azurerm_subscription", "azurerm_resource_group")
    )
    if isinstance(value, Unknowable):
        ids = [_scope_of(r, ctx) for r in referenced]
        if referenced and all(isinstance(i, str) for i in ids):
            return ids
        return value
    return [canonical(s) if isinstance(s, str) else s for s in value or []]


def _scope_of(res: PlanResource, ctx: PlanContext) -> str | None:
    if res.type == "azurerm_subscription":
        sub = known(res.values.get("subscription_id"))
        return f"/subscriptions/{sub.lower()}" if sub else None
    own = known(res.values.get("id"))
    return canonical(own) if own else None


def _groups(res: PlanResource, ctx: PlanContext) -> tuple[Any, list[Target]]:
    actions = res.values.get("action")
    if isinstance(actions, Unknowable):
        return actions, [Target(unknown=actions)]
    ids: list[Any] = []
    targets: list[Target] = []
    for index, _ in enumerate(actions or []):
        value, hit = refs.target(
            ctx, res, ("action", index, "action_group_id"), (refs.ACTION_GROUP,)
        )
        ids.append(value)
        targets.append(hit)
    marker = next((i for i in ids if isinstance(i, Unknowable)), None)
    return (marker if marker is not None else ids), targets


def alert(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One activity log alert with its condition, scopes and action groups (linked)."""
    v = res.values
    found = _alert_arm(res, ctx)
    sub = subscription(ctx, res)
    groups, targets = _groups(res, ctx)
    name = known(v.get("name")) or res.name
    where = region(v.get("location"))
    attrs: dict[str, Any] = {
        "arm_id": arm_value(found, res),
        "name": name,
        "location": where,
        "enabled": flag(v.get("enabled"), True),
        "scopes": _scopes(res, ctx),
        "conditions": conditions(v.get("criteria")),
        "action_groups": groups,
        "description": v.get("description") or None,
    }
    built = build(ctx, res, ALERT, attrs, (name, account_of(sub, ctx), where))
    scopes = attrs["scopes"]
    on: list[Target] = (
        [Target(literal=s) if isinstance(s, str) else Target(unknown=s) for s in scopes]
        if isinstance(scopes, list)
        else [Target(unknown=scopes)]
    )
    return Mapped(built, {"action_groups": targets, "scopes": on})


def _group_arm(res: PlanResource, ctx: PlanContext) -> str | None:
    return arm_id(ctx, res, "Microsoft.Insights", "actionGroups")


def group_id(res: PlanResource, ctx: PlanContext) -> str:
    """The canonical ARM id of the action group, else the address."""
    return id_or_address(_group_arm(res, ctx), res)


def _receivers(v: dict[str, Any]) -> Any:
    found: list[dict[str, Any]] = []
    for key, kind in RECEIVERS.items():
        blocks = v.get(key)
        if isinstance(blocks, Unknowable):
            return blocks
        found.extend(
            {
                "kind": kind,
                "name": b.get("name"),
                "status": _STATUS if kind in _HAS_STATUS else None,
            }
            for b in blocks or []
        )
    return found


# Email and SMS receivers carry a status the service sets (a recipient who unsubscribes
# disables it): no argument writes it, so a plan cannot know it.
_HAS_STATUS = ("email", "sms")
_STATUS = Unknowable(
    "a receiver's status is set by the service (unsubscribing disables it), not in a plan"
)


def group(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One action group with its receivers."""
    v = res.values
    found = _group_arm(res, ctx)
    sub = subscription(ctx, res)
    receivers = _receivers(v)
    name = known(v.get("name")) or res.name
    # Provider docs: location defaults to global.
    where = region(v.get("location") or "global")
    attrs: dict[str, Any] = {
        "arm_id": arm_value(found, res),
        "name": name,
        "enabled": flag(v.get("enabled"), True),
        "short_name": v.get("short_name"),
        "receivers": receivers,
        "receiver_count": len(receivers) if isinstance(receivers, list) else receivers,
    }
    return Mapped(build(ctx, res, GROUP, attrs, (name, account_of(sub, ctx), where)))


def plan_scope_id(res: PlanResource, ctx: PlanContext) -> str | None:
    """The id a referenced scope resource stands for (see `_scope_of`)."""
    return _scope_of(res, ctx) or plan_id(ctx, res)
