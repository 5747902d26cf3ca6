"""How an azurerm_* resource names another: an ARM id argument resolved to a plan resource
(by configuration reference first, by literal id second), and the reference the live scan
would make for a literal id outside the plan."""

from __future__ import annotations

from typing import Any

from scanner.link import Ref
from scanner.model import Resource, Unknowable
from scanner.plan.context import PlanContext, PlanResource, Target
from scanner.providers.azure.names import canonical, provider_type_of, subscription_of
from scanner.providers.azure.terraform.common import through_id

STORAGE_ACCOUNT = "azurerm_storage_account"
WORKSPACE = "azurerm_log_analytics_workspace"
ACTION_GROUP = "azurerm_monitor_action_group"
KEY_VAULT = "azurerm_key_vault"
WATCHER = "azurerm_network_watcher"
CONTAINER = "azurerm_storage_container"


# ARM resource type -> the logward type a literal id of it names.
TYPES_BY_ARM = {
    "microsoft.storage/storageaccounts": "azure.storage.account",
    "microsoft.operationalinsights/workspaces": "azure.loganalytics.workspace",
    "microsoft.keyvault/vaults": "azure.keyvault.vault",
    "microsoft.insights/actiongroups": "azure.monitor.action_group",
    "microsoft.network/virtualnetworks": "azure.network.vnet",
    "microsoft.network/networksecuritygroups": "azure.network.nsg",
}


def literal(rtype: str, text: str, source: Resource, ctx: PlanContext) -> Ref:
    """A literal ARM id a plan resource uses to name a link target outside the plan (a
    storage account of another subscription) as the reference the live scan would make:
    the canonical id, in the subscription the id names, of the type the id names (the
    link's first target type when the id does not say)."""
    rid = canonical(text)
    named = TYPES_BY_ARM.get(provider_type_of(rid) or "")
    if rid.count("/") == 2 and rid.startswith("/subscriptions/"):
        named = "azure.subscription"
    elif rid.startswith("/tenants/"):
        named = "azure.tenant"
    return Ref(
        rid,
        type=named or rtype,
        name=rid.rsplit("/", 1)[-1],
        account=subscription_of(rid) or source.account,
        region=source.region,
        shown=text,
    )


def by_id(ctx: PlanContext, tf_types: tuple[str, ...], value: Any) -> PlanResource | None:
    """The plan resource of `tf_types` whose canonical id is `value` (any case)."""
    if not isinstance(value, str) or not value:
        return None
    index = ctx.index(f"azure-ids:{','.join(tf_types)}", tf_types, lambda r: ctx.ids.get(r.address))
    return index.get(canonical(value))


def target(
    ctx: PlanContext, res: PlanResource, path: tuple[str | int, ...], tf_types: tuple[str, ...]
) -> tuple[Any, Target]:
    """An id argument (canonical, a referenced plan resource's id standing in for one known
    only after apply) and what it points at."""
    node: Any = res.values
    for step in path:
        if isinstance(node, Unknowable):
            break
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and len(node) > step else None
        else:
            node = node.get(step) if isinstance(node, dict) else None
    value = node
    found = ctx.resolve(res, path, tf_types) or by_id(ctx, tf_types, value)
    if found is not None:
        return through_id(value, found, ctx), Target(resource=found)
    if isinstance(value, str) and value:
        return canonical(value), Target(literal=value)
    if isinstance(value, Unknowable):
        return value, Target(unknown=value)
    return None, Target()
