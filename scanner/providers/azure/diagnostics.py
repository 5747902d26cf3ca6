"""Azure Monitor diagnostic settings: where the activity log, the Entra ID logs and the
resource logs of log-relevant services go.

- subscription settings (the activity log), once per scanned subscription;
- Entra ID (`microsoft.aadiam`) settings, once per tenant: a 403 is an error whose reason
  names `microsoft.aadiam/diagnosticSettings/read` (never "no settings"), and
  `entra_diagnostic_settings_read` on the tenant says whether the list answered;
- resource settings of every resource whose type some service module names in
  `Service.diagnostic_targets` (key vaults): a stage-2 detailer per resource, which sets
  `diagnostic_settings_read` on the resource (True, or the error).

azure-mgmt-monitor 7.0.0 has no diagnostic-settings operations (upstream issue 42425), and
Entra ID has no client at all: these reads go through the Monitor client's own pipeline
like every other read (`api.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.azure.api import ArmApi, ArmError, Listing
from scanner.providers.azure.declare import (
    Collected,
    Detailer,
    Found,
    Lister,
    Op,
    Service,
    Subscription,
    Tenancy,
)
from scanner.providers.azure.names import canonical, provider_type_of

TYPE = "azure.monitor.diagnostic_setting"
READ = "Microsoft.Insights/DiagnosticSettings/Read"
# "Subscription Diagnostic Settings - List", 2021-05-01-preview (the current version):
# https://learn.microsoft.com/rest/api/monitor/subscription-diagnostic-settings/list
SUBSCRIPTION_SETTINGS = Op(
    "monitor",
    "Insights/subscriptionDiagnosticSettings.list",
    "/subscriptions/{subscription}/providers/Microsoft.Insights/diagnosticSettings",
    "2021-05-01-preview",
    READ,
)
# "Diagnostic Settings - List" of a resource, 2021-05-01-preview:
# https://learn.microsoft.com/rest/api/monitor/diagnostic-settings/list
RESOURCE_SETTINGS = Op(
    "monitor",
    "Insights/diagnosticSettings.list",
    "{id}/providers/Microsoft.Insights/diagnosticSettings",
    "2021-05-01-preview",
    READ,
)
# Entra ID diagnostic settings (microsoft.aadiam/diagnosticSettings, api-version 2017-04-01,
# https://learn.microsoft.com/azure/templates/microsoft.aadiam/2017-04-01/diagnosticsettings);
# the action "microsoft.aadiam/diagnosticSettings/read" ("Azure permissions for Identity",
# https://learn.microsoft.com/azure/role-based-access-control/permissions/identity#microsoftaadiam).
ENTRA_SETTINGS = Op(
    "monitor",
    "aadiam/diagnosticSettings.list",
    "/providers/microsoft.aadiam/diagnosticSettings",
    "2017-04-01",
    "microsoft.aadiam/diagnosticSettings/read",
)
# The destinations a setting can name ("Diagnostic settings in Azure Monitor",
# https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings#destinations);
# `serviceBusRuleId` is the legacy form of an event hub destination, still returned.
DESTINATIONS = (
    "storageAccountId",
    "workspaceId",
    "eventHubAuthorizationRuleId",
    "marketplacePartnerId",
    "serviceBusRuleId",
)


def _id(value: Any) -> str | None:
    return canonical(value) if isinstance(value, str) and value.strip() else None


def _logs(props: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = []
    for entry in props.get("logs") or []:
        policy = entry.get("retentionPolicy") or {}
        found.append(
            {
                "category": entry.get("category") or None,
                "category_group": entry.get("categoryGroup") or None,
                "enabled": entry.get("enabled") is True,
                # The per-setting retention of a storage destination (deprecated, still
                # returned); None when it is off.
                "retention_days": int(policy["days"]) if policy.get("enabled") else None,
            }
        )
    return found


def setting(
    item: Mapping[str, Any], target: str, target_type: str, account: str, ref: EvidenceRef
) -> Resource:
    """One diagnostic setting in the contract's shape (REST JSON in, ids canonical)."""
    name = str(item["name"])
    props = item.get("properties") or {}
    if not isinstance(props, Mapping):
        raise TypeError("properties: expected an object")
    logs = _logs(props)
    scope_type = {"subscription": "subscription", "tenant": "entra"}.get(target_type, "resource")
    owner = "" if scope_type == "entra" else target
    provider = "microsoft.aadiam" if scope_type == "entra" else "microsoft.insights"
    rid = canonical(f"{owner}/providers/{provider}/diagnosticsettings/{name}")
    attrs = {
        "name": name,
        "arm_id": item.get("id") or rid,
        "scope_type": scope_type,
        "target": target,
        "target_type": target_type,
        "logs": logs,
        "categories": sorted({x["category"] for x in logs if x["enabled"] and x["category"]}),
        "category_groups": sorted(
            {x["category_group"].lower() for x in logs if x["enabled"] and x["category_group"]}
        ),
        "storage_account_id": _id(props.get("storageAccountId")),
        "workspace_id": _id(props.get("workspaceId")),
        "event_hub_authorization_rule_id": _id(props.get("eventHubAuthorizationRuleId")),
        "event_hub_name": props.get("eventHubName") or None,
        "marketplace_partner_id": _id(props.get("marketplacePartnerId")),
        "has_destination": any(_id(props.get(k)) for k in DESTINATIONS),
    }
    return Resource(
        provider="azure",
        account=account,
        region="global",
        type=TYPE,
        id=rid,
        name=name,
        attrs=attrs,
        evidence=(ref,),
    )


def _settings(api: ArmApi, op: Op, listing: Listing, where: tuple[str, str, str]) -> list[Resource]:
    """The settings of one list answer; `where` is (target, target type, account)."""
    target, target_type, account = where
    found = []
    for item, ref in zip(listing, listing.item_refs, strict=True):

        def read(item: Mapping[str, Any] = item, ref: EvidenceRef = ref) -> Resource:
            return setting(item, target, target_type, account, ref)

        found.append(api.shaped(op, account, target, read))
    return found


def _subscription(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    assert sub is not None
    try:
        listing = api.list(SUBSCRIPTION_SETTINGS, subscription=sub.subscription_id)
        where = (sub.id, "subscription", sub.account)
        found = _settings(api, SUBSCRIPTION_SETTINGS, listing, where)
    except ArmError as exc:
        if exc.code != "NOT_REGISTERED":
            raise
        exc.reported = True
        note = (
            f"subscription {sub.subscription_id}: Microsoft.Insights is not registered, so it "
            "has no diagnostic settings"
        )
        return Found(notes=[note])
    return Found(resources=found)


def _entra(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    tenant = tenancy.tenant
    if tenant is None or tenancy.tenant_id is None:
        return Found(notes=["the tenant is not known: Entra ID diagnostic settings not read"])
    listing = api.list(ENTRA_SETTINGS, account=tenancy.tenant_id)
    found = _settings(api, ENTRA_SETTINGS, listing, (tenant, "tenant", tenancy.tenant_id))
    return Found(resources=found, attrs={tenant: {"entra_diagnostic_settings_read": True}})


def _targets(collected: Collected) -> Iterable[tuple[str, str, Any]]:
    for resource in collected.resources:
        if resource.type in collected.diagnostic_targets:
            yield f"diagnostic settings of {resource.id}", resource.account, resource


def _resource(api: ArmApi, tenancy: Tenancy, resource: Resource) -> Found:
    arm_id = resource.attrs.get("arm_id")
    given = arm_id if isinstance(arm_id, str) and arm_id.startswith("/") else resource.id
    kind = provider_type_of(resource.id) or resource.type
    listing = api.list(RESOURCE_SETTINGS, id=given)
    found = _settings(api, RESOURCE_SETTINGS, listing, (resource.id, kind, resource.account))
    return Found(resources=found, attrs={resource.id: {"diagnostic_settings_read": True}})


SERVICE = Service(
    "diagnostics",
    listers=(
        Lister(
            "Entra ID diagnostic settings",
            "tenant",
            (TYPE,),
            (ENTRA_SETTINGS,),
            _entra,
            ("entra_diagnostic_settings_read",),
        ),
        Lister(
            "subscription diagnostic settings",
            "subscription",
            (TYPE,),
            (SUBSCRIPTION_SETTINGS,),
            _subscription,
        ),
    ),
    detailers=(
        Detailer(
            "resource diagnostic settings",
            2,
            (TYPE,),
            (RESOURCE_SETTINGS,),
            _targets,
            _resource,
            attrs=("diagnostic_settings_read",),
            target=lambda item: item.id if isinstance(item, Resource) else None,
        ),
    ),
)
