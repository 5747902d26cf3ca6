"""The tenant, subscriptions and implied log tables of a plan: azure.tenant when the plan
names its tenant (provider `tenant_id`) or sets Entra ID diagnostic settings,
azure.subscription for every subscription its resources are in or its subscription
diagnostic settings target, and the azure.loganalytics.table of each log table the plan's
diagnostic settings write to in a plan workspace but the plan does not configure (it keeps
the workspace's retention, loganalytics.py).

Account-scope facts (every setting, lock and alert of a subscription) are judged only with
--assume-complete, when the plan is the whole estate: without it, what is set outside the
plan is unknown, never "none"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from scanner.model import Resource, Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, Target
from scanner.providers.azure.analysis import categories
from scanner.providers.azure.terraform import loganalytics
from scanner.providers.azure.terraform.common import known, tenant

SUBSCRIPTION = "azure.subscription"
TENANT = "azure.tenant"
SETTING = "azure.monitor.diagnostic_setting"
VNET = "azure.network.vnet"
WATCHER = "azure.network.watcher"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Entra ID log category -> the Log Analytics table it lands in
# (https://learn.microsoft.com/entra/identity/monitoring-health/howto-analyze-activity-logs-log-analytics).
ENTRA_TABLES = {
    "AuditLogs": "AuditLogs",
    "SignInLogs": "SigninLogs",
    "NonInteractiveUserSignInLogs": "AADNonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs": "AADServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs": "AADManagedIdentitySignInLogs",
    "ProvisioningLogs": "AADProvisioningLogs",
    "ADFSSignInLogs": "ADFSSignInLogs",
    "RiskyUsers": "AADRiskyUsers",
    "UserRiskEvents": "AADUserRiskEvents",
    "MicrosoftGraphActivityLogs": "MicrosoftGraphActivityLogs",
}

DIAGNOSTIC_SETTING = "azurerm_monitor_diagnostic_setting"
# Resource type -> the resource-specific tables its logs land in, Dedicated mode
# (https://learn.microsoft.com/azure/key-vault/general/monitor-key-vault-reference: AuditEvent
# goes to AZKVAuditLogs).
DEDICATED_TABLES = {"microsoft.keyvault/vaults": {"AZKVAuditLogs"}}


def _resource(rid: str, rtype: str, name: str, attrs: dict[str, Any], account: str) -> Resource:
    return Resource(
        provider="azure",
        account=account,
        region="global",
        type=rtype,
        id=rid,
        name=name,
        attrs=attrs,
    )


def _display_names(ctx: PlanContext) -> dict[str, Any]:
    """Subscription id -> the name an azurerm_subscription of the plan gives it."""
    found: dict[str, Any] = {}
    for res in ctx.resources:
        if res.type == "azurerm_subscription" and known(res.values.get("subscription_id")):
            found[str(res.values["subscription_id"]).lower()] = res.values.get("subscription_name")
    return found


def subscriptions(ctx: PlanContext, resources: Sequence[Resource]) -> set[str]:
    """Every subscription the plan's resources are in or its settings target."""
    found = {
        r.account
        for r in resources
        if _GUID.match(r.account)
        and not (r.type == SETTING and r.attrs.get("scope_type") == "entra")
    }
    for res in resources:
        target = res.attrs.get("target") if res.type == SETTING else None
        if res.attrs.get("scope_type") == "subscription" and isinstance(target, str):
            found.add(target.rsplit("/", 1)[-1])
    return found


def _tenant(ctx: PlanContext, resources: Sequence[Resource]) -> list[Resource]:
    tenant_id = tenant(ctx)
    if not isinstance(tenant_id, str):
        return []
    attrs = {
        "arm_id": f"/tenants/{tenant_id}",
        "name": tenant_id,
        "tenant_id": tenant_id,
        # Whether the plan holds every Entra ID diagnostic setting: only the whole estate
        # (--assume-complete) says; otherwise a setting outside the plan may send what the
        # plan's do not, so the tenant's categories are unknown, never a false fail.
        "entra_diagnostic_settings_read": True
        if ctx.complete
        else Unknowable(
            "Entra ID diagnostic settings set outside this plan are not in it (judged from the "
            "plan alone only with --assume-complete)"
        ),
    }
    return [_resource(f"/tenants/{tenant_id}", TENANT, tenant_id, attrs, tenant_id)]


def _entra_tables(res: Resource) -> set[str]:
    """The tables an Entra ID setting fills: those of its categories, category groups expanded
    as the live analysis expands them; a group whose members Azure does not document (`audit`
    on Entra ID), or logs known only after apply, may send any category: every Entra table."""
    cats = categories.effective(res.attrs, res.name)
    if isinstance(cats, Unknowable) or any(isinstance(c, Unknowable) for c in cats):
        return set(ENTRA_TABLES.values())
    return {ENTRA_TABLES[c] for c in cats if c in ENTRA_TABLES}


def _resource_tables(res: Resource, planned: PlanResource | None) -> set[str]:
    """The tables a resource's setting fills: with `log_analytics_destination_type =
    "Dedicated"` the resource-specific tables (Key Vault: AZKVAuditLogs), else AzureDiagnostics
    (https://learn.microsoft.com/azure/azure-monitor/essentials/resource-logs#send-to-log-analytics-workspace).
    Known only after apply: either. Dedicated on a type whose tables are not known here implies
    none, rather than a table the setting does not fill."""
    mode = planned.values.get("log_analytics_destination_type") if planned else None
    target = res.attrs.get("target_type")
    dedicated = DEDICATED_TABLES.get(target.lower(), set()) if isinstance(target, str) else set()
    if isinstance(mode, Unknowable):
        return {"AzureDiagnostics", *dedicated}
    if isinstance(mode, str) and mode.lower() == "dedicated":
        return set(dedicated)
    return {"AzureDiagnostics"}


def _tables(ctx: PlanContext, resources: Sequence[Resource]) -> list[Mapped]:
    """The log tables settings write to in plan workspaces that no table resource sets."""
    workspaces = {
        r.id: r for r in resources if r.type == loganalytics.WORKSPACE and r.id.startswith("/")
    }
    declared = {r.id for r in resources if r.type == loganalytics.TABLE}
    plan_ws = ctx.index(
        "azure-workspaces", ("azurerm_log_analytics_workspace",), lambda r: ctx.ids.get(r.address)
    )
    settings = {ctx.ids[r.address]: r for r in ctx.resources if r.type == DIAGNOSTIC_SETTING}
    wanted: dict[str, set[str]] = {}
    for res in resources:
        ws = res.attrs.get("workspace_id") if res.type == SETTING else None
        if not isinstance(ws, str) or ws not in workspaces:
            continue
        kind = res.attrs.get("scope_type")
        if kind == "subscription":
            names = {"AzureActivity"}
        elif kind == "entra":
            names = _entra_tables(res)
        else:
            names = _resource_tables(res, settings.get(res.id))
        wanted.setdefault(ws, set()).update(names)
    out: list[Mapped] = []
    for ws, names in sorted(wanted.items()):
        for name in sorted(names):
            rid = loganalytics.canonical_table(ws, name)
            if rid in declared:
                continue
            attrs = loganalytics.table_attrs(ws, plan_ws.get(ws), name, {})
            if not ctx.complete:
                outside = Unknowable(
                    f"table {name} is not configured in this plan: it keeps the workspace's "
                    "retention unless set outside the plan (judged as the default only with "
                    "--assume-complete)"
                )
                for key in (
                    "retention_days",
                    "total_retention_days",
                    "archive_retention_days",
                    "retention_is_default",
                    "total_retention_is_default",
                ):
                    attrs[key] = outside
            host = workspaces[ws]
            table = Resource(
                provider="azure",
                account=host.account,
                region=host.region,
                type=loganalytics.TABLE,
                id=rid,
                name=name,
                attrs=attrs,
            )
            found = plan_ws.get(ws)
            link = Target(resource=found) if found is not None else Target(literal=ws)
            out.append(Mapped(table, {"workspace": link}))
    return out


def _regions(
    ctx: PlanContext, resources: Sequence[Resource], sub: str, rtype: str, what: str
) -> list[str] | Unknowable:
    """The sorted regions of the subscription's resources of `rtype` in the plan (the live
    listers' `regions_in_use` and `network_watcher_regions`); only the whole estate says
    there are no others."""
    if not ctx.complete:
        return Unknowable(
            f"{what} of subscription {sub} set outside this plan are not in it (judged from the "
            "plan alone only with --assume-complete)"
        )
    return sorted({r.region for r in resources if r.type == rtype and r.account == sub})


def scope(ctx: PlanContext, resources: Sequence[Resource]) -> list[Resource | Mapped]:
    """The tenant, the subscriptions and the implied log tables of the plan."""
    tenant_id = tenant(ctx)
    names = _display_names(ctx)
    out: list[Resource | Mapped] = [*_tenant(ctx, resources)]
    for sub in sorted(subscriptions(ctx, resources)):
        display = names.get(sub)
        attrs: dict[str, Any] = {
            "arm_id": f"/subscriptions/{sub}",
            "name": sub,
            "subscription_id": sub,
            "display_name": display
            if known(display)
            else Unknowable(
                f"subscription {sub} is not declared in this plan (azurerm_subscription)"
            ),
            # What the plan deploys into is a working subscription.
            "state": "Enabled",
            "tenant_id": tenant_id,
            "management_groups": [],
            "in_scan": True,
            "regions_in_use": _regions(ctx, resources, sub, VNET, "Virtual networks"),
            "network_watcher_regions": _regions(ctx, resources, sub, WATCHER, "Network watchers"),
        }
        out.append(_resource(f"/subscriptions/{sub}", SUBSCRIPTION, sub, attrs, sub))
    return [*out, *_tables(ctx, resources)]
