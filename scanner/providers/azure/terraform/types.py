"""Terraform azurerm_* types -> logward Azure types: one entry in TYPES per Terraform type."""

from __future__ import annotations

from collections.abc import Callable

from scanner.plan.context import PlanContext, PlanResource, TypeMapping
from scanner.providers.azure.terraform import (
    alerts,
    common,
    diagnostics,
    keyvault,
    locks,
    loganalytics,
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
# endpoints (an account's `private_endpoints`), the subscription (scope), resource groups.
CONSUMED: frozenset[str] = frozenset(
    {
        locks.LOCK,
        storage.PRIVATE_ENDPOINT,
        "azurerm_subscription",
        "azurerm_resource_group",
        *PARTS,
        *ATTACHED,
    }
)
