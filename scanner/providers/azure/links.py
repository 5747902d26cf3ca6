"""Azure links, declared once for live scans and plans (the core linker resolves them), the
references a live scan's attributes make, and why a named target was not collected.

- diagnostic setting `storage_account_id` -> storage account, `workspace_id` -> Log Analytics
  workspace (reverse `diagnostic_settings`): followed by id, across subscriptions; a
  destination in a subscription the scan does not see is a placeholder, unknown with its id
  (Prowler and Steampipe match by name inside one subscription and go silent otherwise);
- diagnostic setting `target` -> the subscription, the tenant or the key vault it is attached
  to (reverse `diagnostic_settings`);
- container `account` -> storage account (reverse `containers`); table `workspace` ->
  workspace (reverse `tables`);
- activity log alert `action_groups` -> action group (reverse `alerts`), `scopes` ->
  subscription (reverse `activity_log_alerts`: only a scope that is the subscription itself,
  so a resource-group scope does not count as watching the subscription);
- flow log `target_resource_id` -> VNet or NSG (reverse `flow_logs`).

The resource schemas' `x-links` say the same (a test compares them). Every id is canonical
(lowercased, `names.canonical`), so a reference written in another case still links.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scanner.inventory import Inventory
from scanner.link import Join, LinkSpec, Ref
from scanner.model import Absent, Resource, Unknowable
from scanner.providers.azure.names import canonical, provider_type_of, subscription_of

if TYPE_CHECKING:
    from scanner.providers.azure.declare import Tenancy

TENANT = "azure.tenant"
MANAGEMENT_GROUP = "azure.management_group"
SUBSCRIPTION = "azure.subscription"
DIAGNOSTIC = "azure.monitor.diagnostic_setting"
STORAGE = "azure.storage.account"
CONTAINER = "azure.storage.container"
WORKSPACE = "azure.loganalytics.workspace"
TABLE = "azure.loganalytics.table"
VAULT = "azure.keyvault.vault"
ALERT = "azure.monitor.activity_log_alert"
ACTION_GROUP = "azure.monitor.action_group"
WATCHER = "azure.network.watcher"
FLOW_LOG = "azure.network.flow_log"
VNET = "azure.network.vnet"
NSG = "azure.network.nsg"
ASSIGNMENT = "azure.authorization.role_assignment"
DEFINITION = "azure.authorization.role_definition"
DENY = "azure.authorization.deny_assignment"
ELIGIBILITY = "azure.authorization.role_eligibility"

# What a resource id names, by its provider type (names.provider_type_of).
TYPES_BY_ARM = {
    "microsoft.storage/storageaccounts": STORAGE,
    "microsoft.operationalinsights/workspaces": WORKSPACE,
    "microsoft.keyvault/vaults": VAULT,
    "microsoft.insights/actiongroups": ACTION_GROUP,
    "microsoft.network/virtualnetworks": VNET,
    "microsoft.network/networksecuritygroups": NSG,
}

LINKS: tuple[LinkSpec, ...] = (
    LinkSpec(
        DIAGNOSTIC,
        "storage_account_id",
        (STORAGE,),
        reverse="diagnostic_settings",
        noun="storage account",
    ),
    LinkSpec(
        DIAGNOSTIC,
        "workspace_id",
        (WORKSPACE,),
        reverse="diagnostic_settings",
        noun="Log Analytics workspace",
    ),
    # Only collected targets: a setting is read because its target was (the subscription's
    # own list, the tenant's, a collected vault's).
    LinkSpec(DIAGNOSTIC, "target", (SUBSCRIPTION, TENANT, VAULT), reverse="diagnostic_settings"),
    LinkSpec(CONTAINER, "account", (STORAGE,), reverse="containers", noun="storage account"),
    LinkSpec(TABLE, "workspace", (WORKSPACE,), reverse="tables", noun="Log Analytics workspace"),
    LinkSpec(ALERT, "action_groups", (ACTION_GROUP,), reverse="alerts", noun="action group"),
    LinkSpec(ALERT, "scopes", (SUBSCRIPTION,), reverse="activity_log_alerts"),
    LinkSpec(FLOW_LOG, "target_resource_id", (VNET, NSG), reverse="flow_logs"),
)

JOINS: tuple[Join, ...] = ()


def subscription_id(sub: str) -> str:
    """The resource id of a subscription."""
    return f"/subscriptions/{sub.lower()}"


def tenant_id(tenant: str) -> str:
    """The resource id of a tenant."""
    return f"/tenants/{tenant.lower()}"


def resource_ref(value: Any, rtype: str | None = None) -> Ref | None:
    """The reference an ARM id attribute makes (None: no id; unresolved: unknowable)."""
    if value is None or value == "":
        return None
    if isinstance(value, Unknowable):
        return Ref(unknown=value)
    rid = canonical(str(value))
    found = rtype or TYPES_BY_ARM.get(provider_type_of(rid) or "")
    if found is None:
        return Ref(unknown=Unknowable(f"{value} is not a resource logward collects"))
    return Ref(
        rid,
        type=found,
        name=rid.rsplit("/", 1)[-1],
        account=subscription_of(rid),
        shown=str(value),
    )


def _target_ref(setting: Resource) -> Ref | None:
    target = setting.attrs.get("target")
    if isinstance(target, Unknowable):
        return Ref(unknown=target)
    if not isinstance(target, str):
        return None
    rid = canonical(target)
    if rid.startswith("/tenants/"):
        return Ref(rid, type=TENANT)
    if rid.count("/") == 2 and rid.startswith("/subscriptions/"):
        return Ref(rid, type=SUBSCRIPTION)
    return resource_ref(rid)


def _refs(value: Any, rtype: str | None = None) -> list[Ref]:
    if isinstance(value, Unknowable):
        return [Ref(unknown=value)]
    found = [resource_ref(v, rtype) for v in (value if isinstance(value, list) else [value])]
    return [r for r in found if r is not None]


def _scope_refs(scopes: Any) -> list[Ref]:
    """The subscriptions an alert's scopes are (a narrower scope watches less than the
    subscription, so it links nothing)."""
    if isinstance(scopes, Unknowable):
        return [Ref(unknown=scopes)]
    refs = []
    for scope in scopes or []:
        rid = canonical(str(scope))
        if rid.startswith("/subscriptions/") and rid.count("/") == 2:
            refs.append(Ref(rid, type=SUBSCRIPTION))
    return refs


def _flow_target(flow_log: Resource) -> list[Ref]:
    """A flow log's VNet or NSG (a subnet or NIC flow log covers part of a VNet, so it is not
    that VNet's flow log)."""
    target = flow_log.attrs.get("target_resource_id")
    if isinstance(target, Unknowable):
        return [Ref(unknown=target)]
    rtype = TYPES_BY_ARM.get(provider_type_of(str(target or "")) or "")
    if rtype not in (VNET, NSG):
        return []
    ref = resource_ref(target, rtype)
    return [ref] if ref is not None else []


def live_refs(
    inventory: Inventory, tenancy: Tenancy | None = None
) -> dict[str, dict[str, list[Ref]]]:
    """The references of the collected resources, for the core linker (`tenancy` is unused:
    every reference is named in the attributes)."""
    out: dict[str, dict[str, list[Ref]]] = {}
    for setting in inventory.of_type(DIAGNOSTIC):
        if setting.placeholder is None:
            target = _target_ref(setting)
            out[setting.id] = {
                "storage_account_id": _refs(setting.attrs.get("storage_account_id"), STORAGE),
                "workspace_id": _refs(setting.attrs.get("workspace_id"), WORKSPACE),
                "target": [target] if target is not None else [],
            }
    for rtype, attr, target_type in (
        (CONTAINER, "account", STORAGE),
        (TABLE, "workspace", WORKSPACE),
    ):
        for res in inventory.of_type(rtype):
            if res.placeholder is None:
                out[res.id] = {attr: _refs(res.attrs.get(attr), target_type)}
    for flow_log in inventory.of_type(FLOW_LOG):
        if flow_log.placeholder is None:
            out[flow_log.id] = {"target_resource_id": _flow_target(flow_log)}
    for alert in inventory.of_type(ALERT):
        if alert.placeholder is None:
            out[alert.id] = {
                "action_groups": _refs(alert.attrs.get("action_groups"), ACTION_GROUP),
                "scopes": _scope_refs(alert.attrs.get("scopes")),
            }
    return out


# Types listed whole per subscription: one missing from a listing of its subscription that
# succeeded does not exist. (Containers and tables are listed per account / workspace.)
LISTED = frozenset({STORAGE, WORKSPACE, VAULT, ACTION_GROUP, VNET, NSG})
# A 404 for the resource, its group or its parent: the resource does not exist. A missing
# subscription (SubscriptionNotFound) says nothing of it: the credential may not see it.
_NOT_FOUND = frozenset(
    {"NOT_FOUND", "404", "ResourceNotFound", "ResourceGroupNotFound", "ParentResourceNotFound"}
)


class AzureGaps:
    """Why a target a live Azure scan names is not in the inventory (the core `Gaps`)."""

    def __init__(self, inventory: Inventory, subscriptions: Iterable[str] | None = None) -> None:
        self.inventory = inventory
        self.subscriptions = {
            s.lower() for s in (subscriptions if subscriptions is not None else scanned(inventory))
        }
        self.by_id: dict[str, Any] = {}
        for error in inventory.errors:
            if error.resource_id is not None:
                self.by_id.setdefault(canonical(error.resource_id), error)

    def missing(self, ref: Ref, rtype: str, what: str, spec: LinkSpec) -> Unknowable | Absent:
        """The placeholder reason for `ref`."""
        error = self.by_id.get(ref.id)
        if error is not None and "SubscriptionNotFound" not in error.message:
            if str(error.code) in _NOT_FOUND:
                return Absent(f"{what} does not exist: {error.operation} answered {error.code}")
            return Unknowable(error.reason, error=True)
        sub = (ref.account or subscription_of(ref.id) or "").lower()
        if sub not in self.subscriptions:
            return Unknowable(
                f"{what} is in subscription {sub or '(none named)'}, outside the scan (the "
                "credential does not see it or it was not asked for), so its settings cannot "
                "be read"
            )
        errors = self.inventory.type_errors(rtype, sub)
        if errors:
            return Unknowable(errors[0].reason, error=True)
        if rtype in LISTED:
            return Absent(
                f"{what} does not exist: the listing of subscription {sub} succeeded and does "
                "not hold it"
            )
        return Unknowable(f"{what} was not collected in subscription {sub}")


def scanned(inventory: Inventory) -> set[str]:
    """The subscriptions the scan read (in_scan), by id."""
    return {
        s.account.lower()
        for s in inventory.of_type(SUBSCRIPTION)
        if s.placeholder is None and s.attrs.get("in_scan") is not False
    }


def live_gaps(inventory: Inventory, tenancy: Tenancy | None = None) -> AzureGaps:
    """The gaps of a live scan of `inventory`: the subscriptions it scanned (from `tenancy`
    when given, else the subscriptions marked in_scan). ARM lists are per subscription, every
    region at once, so a location is never the reason a target is missing."""
    if tenancy is None:
        return AzureGaps(inventory)
    return AzureGaps(inventory, [s.subscription_id for s in tenancy.scanned()])
