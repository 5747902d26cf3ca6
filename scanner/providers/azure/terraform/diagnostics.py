"""Diagnostic settings in a plan: azurerm_monitor_diagnostic_setting (a subscription or a
resource as `target_resource_id`) and azurerm_monitor_aad_diagnostic_setting (the tenant's
Entra ID logs, `microsoft.aadiam`), as azure.monitor.diagnostic_setting with the attributes
the live scan reads from the REST JSON of diagnosticSettings.list.

azurerm v4 writes the enabled categories as `enabled_log { category | category_group }`
blocks (exactly one of the two; each block is enabled), and the destinations as
`storage_account_id`, `log_analytics_workspace_id`, `eventhub_authorization_rule_id` +
`eventhub_name` and `partner_solution_id`
(https://registry.terraform.io/providers/hashicorp/azurerm/4.81.0/docs/resources/monitor_diagnostic_setting,
.../monitor_aad_diagnostic_setting). Older plans (azurerm v3) write `log { category,
enabled, retention_policy }` blocks: read too, with their `enabled`.

The Terraform id of a diagnostic setting is `<target>|<name>`, not an ARM id: the id is built
as the live scan keys it, `<target id>/providers/microsoft.insights/diagnosticsettings/<name>`
(`/providers/microsoft.aadiam/diagnosticsettings/<name>` for Entra ID)."""

from __future__ import annotations

from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, Target, first_unknown
from scanner.providers.azure.names import canonical, provider_type_of, subscription_of
from scanner.providers.azure.terraform import refs
from scanner.providers.azure.terraform.common import (
    account_of,
    build,
    integer,
    known,
    plan_id,
    tenant,
)

SETTING = "azure.monitor.diagnostic_setting"
RESOURCE_SETTING = "azurerm_monitor_diagnostic_setting"
ENTRA_SETTING = "azurerm_monitor_aad_diagnostic_setting"
# Everything a resource diagnostic setting may be attached to that this plan reader maps.
TARGET_TYPES = (refs.KEY_VAULT, refs.STORAGE_ACCOUNT, refs.WORKSPACE, "azurerm_subscription")


def target_of(res: PlanResource, ctx: PlanContext) -> tuple[Any, Target]:
    """What a resource diagnostic setting is attached to: the canonical id (a referenced
    plan resource's standing in for one known after apply) and the plan resource."""
    value = res.values.get("target_resource_id")
    found = ctx.resolve(res, ("target_resource_id",), TARGET_TYPES)
    if found is not None and found.type == "azurerm_subscription":
        sub = found.values.get("subscription_id")
        if known(sub):
            return f"/subscriptions/{str(sub).lower()}", Target(literal=f"/subscriptions/{sub}")
    if found is not None:
        rid = plan_id(ctx, found)
        if isinstance(value, str) and value:
            return canonical(value), Target(resource=found)
        if rid:
            return rid, Target(resource=found)
        return value, Target(unknown=Unknowable(f"the id of {found.address} is known after apply"))
    if isinstance(value, str) and value:
        return canonical(value), Target(literal=value)
    if isinstance(value, Unknowable):
        return value, Target(unknown=value)
    return Unknowable(f"{res.address} names no target_resource_id"), Target()


def setting_id(res: PlanResource, ctx: PlanContext) -> str:
    """`<target>/providers/microsoft.insights/diagnosticsettings/<name>` (Entra ID:
    `/providers/microsoft.aadiam/diagnosticsettings/<name>`), else the address."""
    name = known(res.values.get("name"))
    if name is None:
        return res.address
    if res.type == ENTRA_SETTING:
        return f"/providers/microsoft.aadiam/diagnosticsettings/{name.lower()}"
    where, _ = target_of(res, ctx)
    if isinstance(where, str):
        return f"{where}/providers/microsoft.insights/diagnosticsettings/{name.lower()}"
    return res.address


def _logs(v: dict[str, Any]) -> list[dict[str, Any]] | Unknowable:
    """The log settings as the REST JSON normalizes them: one entry per block."""
    found: list[dict[str, Any]] = []
    for key, legacy in (("enabled_log", False), ("log", True)):
        blocks = v.get(key)
        if isinstance(blocks, Unknowable):
            return blocks
        for raw in blocks or []:
            marker = first_unknown(raw)
            if marker is not None:
                return marker
            retention = (raw.get("retention_policy") or [None])[0] if legacy else None
            days = retention.get("days") if isinstance(retention, dict) else None
            found.append(
                {
                    "category": known(raw.get("category")),
                    "category_group": known(raw.get("category_group")),
                    # enabled_log blocks are enabled; a v3 `log` block says (default true).
                    "enabled": raw.get("enabled") is not False if legacy else True,
                    "retention_days": integer(days),
                }
            )
    return found


def _destinations(res: PlanResource, ctx: PlanContext) -> tuple[dict[str, Any], dict[str, Target]]:
    storage, to_account = refs.target(ctx, res, ("storage_account_id",), (refs.STORAGE_ACCOUNT,))
    workspace, to_workspace = refs.target(
        ctx, res, ("log_analytics_workspace_id",), (refs.WORKSPACE,)
    )
    rule = res.values.get("eventhub_authorization_rule_id")
    partner = res.values.get("partner_solution_id")
    hub = res.values.get("eventhub_name")
    attrs = {
        "storage_account_id": storage,
        "workspace_id": workspace,
        "event_hub_authorization_rule_id": _id(rule),
        "event_hub_name": hub if known(hub) else _none(hub),
        "marketplace_partner_id": _id(partner),
    }
    return attrs, {"storage_account_id": to_account, "workspace_id": to_workspace}


def _id(value: Any) -> Any:
    return canonical(value) if isinstance(value, str) and value else _none(value)


def _none(value: Any) -> Any:
    return value if isinstance(value, Unknowable) else None


def _has_destination(attrs: dict[str, Any]) -> bool | Unknowable:
    keys = ("storage_account_id", "workspace_id", "event_hub_authorization_rule_id")
    values = [attrs[k] for k in (*keys, "marketplace_partner_id")]
    if any(isinstance(v, str) for v in values):
        return True
    return next((v for v in values if isinstance(v, Unknowable)), False)


def _arm_id(res: PlanResource, ctx: PlanContext) -> str | Unknowable:
    """The id as ARM writes it (the Terraform id is `<target>|<name>`, not this)."""
    rid = ctx.ids[res.address]
    written = res.values.get("target_resource_id")
    name = res.values.get("name")
    if res.type == ENTRA_SETTING and known(name):
        return f"/providers/Microsoft.AADIAM/diagnosticSettings/{name}"
    if known(written) and known(name):
        return f"{written}/providers/Microsoft.Insights/diagnosticSettings/{name}"
    if rid.startswith("/"):
        return rid
    return Unknowable(f"the target of {res.address} is known only after apply")


def setting(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One diagnostic setting with its categories and destinations (linked)."""
    v = res.values
    logs = _logs(v)
    entra = res.type == ENTRA_SETTING
    target_type: Any
    if entra:
        tenant_id = tenant(ctx, res)
        where: Any = tenant_id
        on = Target(unknown=tenant_id) if isinstance(tenant_id, Unknowable) else Target()
        if isinstance(tenant_id, str):
            where = f"/tenants/{tenant_id}"
            on = Target(literal=where)
        scope_type, target_type = "entra", "tenant"
        account = account_of(tenant_id, ctx)
    else:
        where, on = target_of(res, ctx)
        kind = provider_type_of(where) if isinstance(where, str) else None
        is_subscription = isinstance(where, str) and where.count("/") == 2
        scope_type = "subscription" if is_subscription else "resource"
        target_type = "subscription" if is_subscription else kind or Unknowable("target not known")
        sub = subscription_of(where) if isinstance(where, str) else None
        account = sub or ctx.account
    destinations, links = _destinations(res, ctx)
    name = known(v.get("name")) or res.name
    enabled = [e for e in logs if e["enabled"]] if isinstance(logs, list) else logs
    attrs: dict[str, Any] = {
        "arm_id": _arm_id(res, ctx),
        "name": name,
        "scope_type": scope_type,
        "target": where,
        "target_type": target_type,
        "logs": logs,
        "categories": sorted({e["category"] for e in enabled if e["category"]})
        if isinstance(enabled, list)
        else enabled,
        "category_groups": sorted(
            {e["category_group"].lower() for e in enabled if e["category_group"]}
        )
        if isinstance(enabled, list)
        else enabled,
        **destinations,
    }
    attrs["has_destination"] = _has_destination(attrs)
    built = build(ctx, res, SETTING, attrs, (name, account, "global"))
    return Mapped(built, {**links, "target": on})
