"""Attributes Azure derives from linked resources, the same for live scans and plans. Each
deriver returns new values by resource id; none changes a resource.

- effective_categories of a diagnostic setting, activity_log_categories of a subscription,
  entra_categories of the tenant (`analysis/categories.py`: category groups expanded);
- effective_immutability of a blob container (`analysis/immutability.py`: the container's
  own policy, else the account's version-level default);
- tamper_principals, deny_assignments and limits of a subscription (`analysis/tamper.py`).

A source that never read a value a deriver needs (a plan without role assignments) is left
alone, so the policy reads "not collected" (unknown) rather than a guess.
"""

from __future__ import annotations

from typing import Any

from scanner.inventory import Inventory
from scanner.model import Absent, Link, Resource, Unknowable
from scanner.providers.azure.analysis import categories, immutability, tamper
from scanner.providers.azure.analysis.alert_facts import derive_alert_facts
from scanner.providers.azure.analysis.network_facts import (
    derive_flow_log_routes,
    derive_watcher_gaps,
)
from scanner.providers.azure.links import (
    ASSIGNMENT,
    CONTAINER,
    DEFINITION,
    DIAGNOSTIC,
    SUBSCRIPTION,
    TENANT,
    scanned,
)
from scanner.providers.base import Deriver

Updates = dict[str, dict[str, Any]]
ENTRA_READ = "microsoft.aadiam/diagnosticSettings/read"


def setting_categories(inventory: Inventory) -> Updates:
    """effective_categories of every diagnostic setting whose logs were read."""
    return {
        s.id: {"effective_categories": categories.effective(s.attrs, s.name)}
        for s in inventory.of_type(DIAGNOSTIC)
        if s.placeholder is None and "logs" in s.attrs
    }


def _alive(inventory: Inventory, setting: Resource, names: tuple[str, ...]) -> bool | Unknowable:
    """Whether a destination named on these links exists (or may: a placeholder outside the
    scan counts; one looked for and absent does not); unknowable when a link could not be
    resolved (a plan's id known only after apply) and nothing else decides."""
    unresolved: Unknowable | None = None
    for name in names:
        link = setting.links.get(name, Link())
        unresolved = unresolved or link.unresolved
        for rid in link.targets:
            found = inventory.get(rid)
            if found is None or not isinstance(found.placeholder, Absent):
                return True
    return unresolved if unresolved is not None else False


def delivers(inventory: Inventory, setting: Resource, retained: bool) -> bool | Unknowable:
    """Whether a setting sends somewhere: to an existing storage account or workspace (both
    keep what they receive) or, unless `retained`, an event hub or partner solution."""
    has = setting.attrs.get("has_destination")
    if isinstance(has, Unknowable):
        return has
    if has is not True:
        return False
    alive = _alive(inventory, setting, ("storage_account_id", "workspace_id"))
    if alive is True or retained:
        return alive
    streams = [
        setting.attrs.get(a) for a in ("event_hub_authorization_rule_id", "marketplace_partner_id")
    ]
    if any(v is not None and not isinstance(v, Unknowable) for v in streams):
        return True
    unknown = next((v for v in streams if isinstance(v, Unknowable)), None)
    return unknown or alive


def _from_settings(inventory: Inventory, owner: Resource, retained: bool) -> list[Any] | Unknowable:
    link = owner.links.get("diagnostic_settings", Link())
    if link.unresolved is not None:
        return link.unresolved
    lists: list[list[Any] | Unknowable] = []
    for rid in link.targets:
        setting = inventory.get(rid)
        if setting is None or setting.placeholder is not None:
            continue
        sends = delivers(inventory, setting, retained)
        if sends is False:
            continue
        found = setting.attrs.get("effective_categories")
        if found is None:
            found = categories.effective(setting.attrs, setting.name)
        if isinstance(sends, Unknowable):
            # What it would send may still be covered by another setting: an element, so a
            # required category only it could carry is unknown, not the whole list.
            found = [
                Unknowable(
                    f"whether {setting.kind} {setting.name} delivers cannot be told: {sends.reason}"
                )
            ]
        lists.append(found)
    return categories.union(lists)


def activity_log_categories(inventory: Inventory) -> Updates:
    """activity_log_categories of every scanned subscription: what its diagnostic settings
    with a destination send."""
    return {
        s.id: {"activity_log_categories": _from_settings(inventory, s, retained=False)}
        for s in inventory.of_type(SUBSCRIPTION)
        if s.placeholder is None and s.attrs.get("in_scan") is True
    }


def entra_categories(inventory: Inventory) -> Updates:
    """entra_categories of the tenant: what its Entra ID settings send to a destination that
    keeps them (a storage account or a workspace; an event hub only streams)."""
    out: Updates = {}
    for tenant in inventory.of_type(TENANT):
        if tenant.placeholder is not None or "entra_diagnostic_settings_read" not in tenant.attrs:
            continue
        read = tenant.attrs["entra_diagnostic_settings_read"]
        errors = inventory.type_errors(DIAGNOSTIC, tenant.account)
        value: Any
        if isinstance(read, Unknowable):
            value = read
        elif errors or read is not True:
            why = errors[0].reason if errors else "the Entra ID diagnostic settings were not listed"
            value = Unknowable(f"{why} (needs {ENTRA_READ})", error=True)
        else:
            value = _from_settings(inventory, tenant, retained=True)
        out[tenant.id] = {"entra_categories": value}
    return out


def container_immutability(inventory: Inventory) -> Updates:
    """effective_immutability of every container whose immutability was read."""
    out: Updates = {}
    for container in inventory.of_type(CONTAINER):
        if container.placeholder is not None or "has_immutability_policy" not in container.attrs:
            continue
        if "effective_immutability" in container.attrs:
            continue  # the placeholder for an unread account's containers: already unknown
        link = container.links.get("account", Link())
        account = inventory.get(link.targets[0]) if link.targets else None
        out[container.id] = {"effective_immutability": immutability.effective(container, account)}
    return out


def tamper_principals(inventory: Inventory) -> Updates:
    """tamper_principals, deny_assignments and limits of every scanned subscription, where
    role assignments were collected at all."""
    if not (inventory.of_type(DEFINITION) or inventory.any_errors((ASSIGNMENT, DEFINITION))):
        return {}
    roles = tamper.Roles(inventory)
    grants = tamper.Grants(inventory)
    inside = scanned(inventory)
    out: Updates = {}
    for sub in inventory.of_type(SUBSCRIPTION):
        if sub.placeholder is not None or sub.attrs.get("in_scan") is not True:
            continue
        targets, problems = tamper.targets_of(inventory, sub, inside)
        problem = tamper.subscription_problem(inventory, sub)
        rows: list[Any] | Unknowable = (
            problem
            if problem is not None
            else tamper.unique([*tamper.rows(grants, targets, roles), *problems])
        )
        before = sub.attrs.get("limits")
        kept = list(before) if isinstance(before, list) else []
        found = tamper.limits(inventory, {t.subscription for t in targets})
        out[sub.id] = {
            "tamper_principals": rows,
            "deny_assignments": tamper.denials(grants, targets),
            "limits": [*kept, *(x for x in found if x not in kept)],
        }
    return out


DERIVERS: tuple[Deriver, ...] = (
    setting_categories,
    activity_log_categories,
    entra_categories,
    container_immutability,
    tamper_principals,
    # The alert candidates and the network facts the alert and network policies judge.
    derive_alert_facts,
    derive_flow_log_routes,
    derive_watcher_gaps,
)
