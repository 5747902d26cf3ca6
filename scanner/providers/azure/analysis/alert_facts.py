"""The derived attribute `activity_log_alert_candidates` of every subscription: the activity
log alerts that could cover it, each with the state of its action groups resolved, so the
`has_activity_log_alert` operator judges a plain value (and its failure message can name the
closest alert) without reaching into the inventory.

An alert is listed for a subscription when it is defined there or when one of its scopes lies
inside it (an alert scoped to a resource group of S is not covering S, but it is the closest
candidate worth naming). When the subscription's alerts could not be listed, the attribute is
`Unknowable(error)` with the failed call, so every alert policy of that subscription is an
error, never a fail on an empty list.

Action groups are resolved through the alert's `action_groups` link when the linker made one
(placeholders say absent / outside the scan / listing failed), else by id in the inventory:
- collected: works when `enabled` and `receiver_count` >= 1, else broken with the reason;
- absent (looked for in a scanned subscription whose listing succeeded): broken, "does not exist";
- its subscription's action groups could not be listed: error, with the call's reason;
- in a subscription outside the scan: unknown, with the id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Absent, Resource, Unknowable
from scanner.providers.azure.analysis.alert_match import (
    ACTION_GROUP,
    ALERT,
    BROKEN,
    ERROR,
    UNKNOWN,
    WORKS,
)

SUBSCRIPTION = "azure.subscription"
ATTRIBUTE = "activity_log_alert_candidates"


def _subscription_of(rid: str) -> str:
    parts = rid.lower().split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "subscriptions" else ""


def _in_scan(inventory: Inventory, account: str) -> bool:
    return any(
        s.placeholder is None and s.attrs.get("in_scan") is True
        for s in inventory.of_type(SUBSCRIPTION, account)
    )


def _group_state(inventory: Inventory, gid: str) -> dict[str, Any]:
    found = inventory.get(gid.lower()) or inventory.get(gid)
    if found is None or found.placeholder is not None:
        return _uncollected(inventory, gid, found)
    enabled = found.attrs.get("enabled")
    count = found.attrs.get("receiver_count")
    for value in (enabled, count):
        if isinstance(value, Unknowable):
            state = ERROR if value.error else UNKNOWN
            return _state(gid, state, f'action group "{found.name}" ({gid}): {value.reason}')
    if enabled is not True:
        return _state(gid, BROKEN, f'action group "{found.name}" is disabled')
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        return _state(gid, BROKEN, f'action group "{found.name}" has no receiver')
    return _state(gid, WORKS, f'action group "{found.name}" is enabled with {count} receiver(s)')


def _uncollected(inventory: Inventory, gid: str, found: Resource | None) -> dict[str, Any]:
    if found is not None and isinstance(found.placeholder, Absent):
        return _state(gid, BROKEN, f"action group {gid} does not exist")
    if found is not None and isinstance(found.placeholder, Unknowable):
        why = found.placeholder
        return _state(gid, ERROR if why.error else UNKNOWN, f"action group {gid}: {why.reason}")
    account = _subscription_of(gid)
    errors = inventory.type_errors(ACTION_GROUP, account)
    if errors:
        return _state(gid, ERROR, f"action group {gid} could not be read: {errors[0].reason}")
    if not _in_scan(inventory, account):
        return _state(
            gid,
            UNKNOWN,
            f"action group {gid} is in subscription {account or '?'}, outside this scan",
        )
    return _state(gid, BROKEN, f"action group {gid} does not exist")


def _state(gid: str, state: str, reason: str) -> dict[str, Any]:
    return {"id": gid, "state": state, "reason": reason}


def _groups(inventory: Inventory, alert: Resource) -> list[dict[str, Any]] | Unknowable:
    link = alert.links.get("action_groups")
    named = alert.attrs.get("action_groups")
    if link is not None and link.targets:
        ids: list[str] = list(link.targets)
    elif isinstance(named, Unknowable):
        return named
    else:
        ids = [g for g in named if isinstance(g, str)] if isinstance(named, list) else []
    return [_group_state(inventory, gid) for gid in ids]


def _inside(scopes: Any, subscription: str) -> bool:
    if not isinstance(scopes, list):
        return False
    for scope in scopes:
        if isinstance(scope, str):
            canon = scope.lower().rstrip("/")
            if canon == subscription or canon.startswith(subscription + "/"):
                return True
    return False


def _summary(inventory: Inventory, alert: Resource, subscription: str) -> dict[str, Any]:
    attrs = alert.attrs
    return {
        "id": alert.id,
        "name": alert.name,
        "subscription": subscription,
        "scopes": attrs.get("scopes", Unknowable("scopes was not collected")),
        "enabled": attrs.get("enabled", Unknowable("enabled was not collected")),
        "conditions": attrs.get("conditions", Unknowable("conditions was not collected")),
        "action_groups": _groups(inventory, alert),
    }


def derive_alert_facts(inventory: Inventory) -> Mapping[str, Mapping[str, Any]]:
    """subscription id -> {"activity_log_alert_candidates": the candidate alerts' facts, or why they
    could not be listed}."""
    alerts = [a for a in inventory.of_type(ALERT) if a.placeholder is None]
    updates: dict[str, dict[str, Any]] = {}
    for sub in inventory.of_type(SUBSCRIPTION):
        if sub.placeholder is not None:
            continue
        errors = inventory.type_errors(ALERT, sub.account)
        if errors:
            first = errors[0]
            value: Any = Unknowable(
                f"the activity log alerts could not be listed: {first.reason}", True
            )
        else:
            canon = sub.id.lower()
            value = [
                _summary(inventory, a, canon)
                for a in alerts
                if a.account == sub.account or _inside(a.attrs.get("scopes"), canon)
            ]
        updates[sub.id] = {ATTRIBUTE: value}
    return updates
