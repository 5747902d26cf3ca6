"""Terraform azurerm_* types -> logward Azure types: one entry in TYPES per Terraform type."""

from __future__ import annotations

from collections.abc import Callable

from scanner.plan.context import PlanContext, PlanResource, TypeMapping
from scanner.providers.azure.terraform import (
    alerts,
    authorization,
    common,
    diagnostics,
    keyvault,
    locks,
    loganalytics,
    network,
    storage,
)

TYPES: dict[str, TypeMapping] = {
    diagnostics.RESOURCE_SETTING: TypeMapping(
        diagnostics.SETTING, diagnostics.setting_id, diagnostics.setting
    ),
    diagnostics.ENTRA_SETTING: TypeMapping(
        diagnostics.SETTING, diagnostics.setting_id, diagnostics.setting
    ),
    "azurerm_storage_account": TypeMapping(storage.ACCOUNT, storage.account_id, storage.account),
    "azurerm_storage_container": TypeMapping(
        storage.CONTAINER, storage.container_id, storage.container
    ),
    "azurerm_log_analytics_workspace": TypeMapping(
        loganalytics.WORKSPACE, loganalytics.workspace_id, loganalytics.workspace
    ),
    loganalytics.TABLE_TYPE: TypeMapping(
        loganalytics.TABLE, loganalytics.table_id, loganalytics.table
    ),
    "azurerm_key_vault": TypeMapping(keyvault.VAULT, keyvault.vault_id, keyvault.vault),
    "azurerm_monitor_activity_log_alert": TypeMapping(alerts.ALERT, alerts.alert_id, alerts.alert),
    "azurerm_monitor_action_group": TypeMapping(alerts.GROUP, alerts.group_id, alerts.group),
    "azurerm_network_watcher": TypeMapping(network.WATCHER, network.watcher_id, network.watcher),
    "azurerm_network_watcher_flow_log": TypeMapping(
        network.FLOW_LOG, network.flow_log_id, network.flow_log
    ),
    "azurerm_virtual_network": TypeMapping(network.VNET, network.vnet_id, network.vnet),
    "azurerm_network_security_group": TypeMapping(network.NSG, network.nsg_id, network.nsg),
    "azurerm_role_assignment": TypeMapping(
        authorization.ASSIGNMENT, authorization.assignment_id, authorization.assignment
    ),
    authorization.DEFINITION_TYPE: TypeMapping(
        authorization.DEFINITION, authorization.definition_id, authorization.definition
    ),
}
common.ID_FUNCTIONS.update({t: m.resource_id for t, m in TYPES.items()})
# Settings split into resources of their own: Terraform type -> (the argument naming the
# owner, the owner's types).
PARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    storage.CMK: ("storage_account_id", ("azurerm_storage_account",)),
    storage.NETWORK_RULES: ("storage_account_id", ("azurerm_storage_account",)),
}
# Types that attach to an owner of TYPES, several per owner (None: not evaluated).
ATTACHED: dict[str, Callable[[PlanResource, PlanContext], PlanResource | None]] = {
    storage.IMMUTABILITY: storage.container_of,
}
# Types read only as part of others: locks (the `locks` of what they protect), private
# endpoints (an account's `private_endpoints`, a subnet's use), network interfaces (a subnet's
# use), subnets and NSG associations (a VNet's subnets and their NSGs, an NSG's use), the
# subscription (scope), resource groups.
CONSUMED: frozenset[str] = frozenset(
    {
        locks.LOCK,
        storage.PRIVATE_ENDPOINT,
        network.SUBNET,
        network.SUBNET_NSG,
        network.NIC_NSG,
        network.NIC,
        "azurerm_subscription",
        "azurerm_resource_group",
        *PARTS,
        *ATTACHED,
    }
)
