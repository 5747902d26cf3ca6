"""Management locks in a plan (azurerm_management_lock: `scope`, `lock_level`), as the live
scan reports them on what they protect: a lock applies to its scope and everything below
it, so an account's `locks` are those on the account, its resource group and its
subscription (https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources:
"When you apply a lock at a parent scope, all resources within that scope inherit the same
lock"). Locks are set outside Terraform too: where the plan holds none for a resource, only
--assume-complete (the plan is the whole estate) makes that "none"."""

from __future__ import annotations

from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import PlanContext, PlanResource, first_unknown
from scanner.providers.azure.names import canonical, resource_group_of, subscription_of
from scanner.providers.azure.terraform.common import known, plan_id

LOCK = "azurerm_management_lock"
# What a lock's `scope` may reference in a plan: its id stands in for a scope known after apply.
SCOPE_TYPES = (
    "azurerm_storage_account",
    "azurerm_log_analytics_workspace",
    "azurerm_resource_group",
    "azurerm_key_vault",
)


def lock_scope(res: PlanResource, ctx: PlanContext) -> str | None:
    """The canonical scope of a lock (a referenced plan resource's id when known after
    apply; a resource group's from its name and subscription)."""
    value = res.values.get("scope")
    if known(value):
        return canonical(str(value))
    found = ctx.resolve(res, ("scope",), SCOPE_TYPES)
    if found is None:
        return None
    if found.type == "azurerm_resource_group":
        own = known(found.values.get("id"))
        if own:
            return canonical(own)
        name = known(found.values.get("name"))
        sub = ctx.provider_argument(found, "subscription_id", "azurerm")
        return (
            f"/subscriptions/{sub}/resourcegroups/{name}".lower()
            if name and isinstance(sub, str)
            else None
        )
    return plan_id(ctx, found)


def _entries(ctx: PlanContext) -> list[tuple[str | None, dict[str, Any] | Unknowable]]:
    def entry(res: PlanResource) -> tuple[str | None, dict[str, Any] | Unknowable]:
        scope = lock_scope(res, ctx)
        level = res.values.get("lock_level")
        marker = first_unknown([res.values.get("name"), level])
        if scope is None:
            return None, Unknowable(f"the scope of {res.address} is known only after apply")
        if marker is not None:
            return scope, marker
        return scope, {"name": res.values.get("name"), "level": level, "scope": scope}

    return [entry(r) for r in ctx.resources if r.type == LOCK]


def locks_on(ctx: PlanContext, rid: str, what: str) -> list[dict[str, Any]] | Unknowable:
    """The locks that apply to resource `rid`: on it, its resource group, its subscription."""
    if not rid.startswith("/"):
        return Unknowable(f"the id of {what} is known only after apply, so its locks are not")
    sub, group = subscription_of(rid), resource_group_of(rid)
    scopes = {rid, f"/subscriptions/{sub}", f"/subscriptions/{sub}/resourcegroups/{group}"}
    found: list[dict[str, Any]] = []
    for scope, entry in _entries(ctx):
        if scope is None and isinstance(entry, Unknowable):
            return Unknowable(f"{entry.reason}: it may lock {what}")
        if scope in scopes:
            if isinstance(entry, Unknowable):
                return entry
            found.append(entry)
    if not found and not ctx.complete:
        return Unknowable(
            f"no azurerm_management_lock in this plan applies to {what}; one set outside the "
            "plan may (judged as none only with --assume-complete)"
        )
    return sorted(found, key=lambda e: (str(e["scope"]), str(e["name"])))
