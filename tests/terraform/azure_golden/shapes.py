"""The state values of the golden tenant's storage accounts, containers, diagnostic settings,
activity log alerts and action groups, as azurerm 4.x reads them back."""

from __future__ import annotations

from typing import Any

from tests.terraform.azure_golden.base import R, arm


def container(name: str, account: str, ref: str, provider: str = "azurerm", tf: str = "") -> R:
    rid = f"{account}/blobServices/default/containers/{name}"
    return R(
        "azurerm_storage_container",
        tf or name.replace("-", "_"),
        {
            "id": rid,
            "name": name,
            "storage_account_id": account,
            "storage_account_name": None,
            "container_access_type": "private",
            "default_encryption_scope": "$account-encryption-key",
            "encryption_scope_override_enabled": True,
            "has_immutability_policy": False,
            "has_legal_hold": False,
            "metadata": {},
            "resource_manager_id": rid,
            "url": None,
        },
        {"storage_account_id": ref},
        provider,
    )


def policy(container: R, days: int, locked: bool, ref: str, append: bool = True) -> R:
    rid = container.values["id"]
    container.values["has_immutability_policy"] = True
    return R(
        "azurerm_storage_container_immutability_policy",
        container.name,
        {
            "id": f"{rid}/immutabilityPolicies/default",
            "storage_container_resource_manager_id": rid,
            "immutability_period_in_days": days,
            "locked": locked,
            "protected_append_writes_all_enabled": False,
            "protected_append_writes_enabled": append,
        },
        {"storage_container_resource_manager_id": ref},
    )


def account(sub: str, group: str, name: str, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": arm(sub, group, "Microsoft.Storage/storageAccounts", name),
        "name": name,
        "resource_group_name": group,
        "location": "westeurope",
        "account_kind": "StorageV2",
        "account_tier": "Standard",
        "account_replication_type": "GRS",
        "access_tier": "Hot",
        "https_traffic_only_enabled": True,
        "min_tls_version": "TLS1_2",
        "allow_nested_items_to_be_public": False,
        "shared_access_key_enabled": False,
        "public_network_access_enabled": True,
        "infrastructure_encryption_enabled": False,
        "cross_tenant_replication_enabled": False,
        "default_to_oauth_authentication": True,
        "local_user_enabled": False,
        "customer_managed_key": [],
        "immutability_policy": [],
        "network_rules": [],
        "identity": [],
        "blob_properties": [
            {
                "delete_retention_policy": [{"days": 30, "permanent_delete_enabled": False}],
                "container_delete_retention_policy": [{"days": 30}],
                "versioning_enabled": False,
                "change_feed_enabled": False,
                "change_feed_retention_in_days": 0,
                "last_access_time_enabled": False,
                "default_service_version": "",
                "cors_rule": [],
                "restore_policy": [],
            }
        ],
        "tags": {},
    }
    base.update(values)
    return base


def setting(name: str, target: str, logs: list[dict[str, Any]], **dest: Any) -> dict[str, Any]:
    return {
        "id": f"{target}|{name}",
        "name": name,
        "target_resource_id": target,
        "enabled_log": [
            {"category": e.get("category", ""), "category_group": e.get("category_group", "")}
            for e in logs
        ],
        "enabled_metric": [],
        "storage_account_id": dest.get("storage_account_id"),
        "log_analytics_workspace_id": dest.get("log_analytics_workspace_id"),
        "log_analytics_destination_type": "",
        "eventhub_authorization_rule_id": None,
        "eventhub_name": None,
        "partner_solution_id": None,
    }


# The CIS v4.0.0 7.1.2.1-7.1.2.10 operations (all of category Administrative).
OPERATIONS = {
    "policy-assignment-create": "Microsoft.Authorization/policyAssignments/write",
    "policy-assignment-delete": "Microsoft.Authorization/policyAssignments/delete",
    # The golden tenant spells this one in lower case: it still matches.
    "nsg-write": "microsoft.network/networksecuritygroups/write",
    "nsg-delete": "Microsoft.Network/networkSecurityGroups/delete",
    "security-solution-write": "Microsoft.Security/securitySolutions/write",
    "security-solution-delete": "Microsoft.Security/securitySolutions/delete",
    "sql-firewall-rule-write": "Microsoft.Sql/servers/firewallRules/write",
    "sql-firewall-rule-delete": "Microsoft.Sql/servers/firewallRules/delete",
    "public-ip-write": "Microsoft.Network/publicIPAddresses/write",
    "public-ip-delete": "Microsoft.Network/publicIPAddresses/delete",
}
_CRITERIA_KEYS = (
    "caller",
    "level",
    "levels",
    "operation_name",
    "recommendation_category",
    "recommendation_impact",
    "recommendation_type",
    "resource_group",
    "resource_groups",
    "resource_id",
    "resource_ids",
    "resource_provider",
    "resource_providers",
    "resource_type",
    "resource_types",
    "status",
    "statuses",
    "sub_status",
    "sub_statuses",
)


def alert(
    sub: str, group: str, name: str, criteria: dict[str, Any], action: str | None
) -> dict[str, Any]:
    full: dict[str, Any] = {k: [] if k.endswith("s") else "" for k in _CRITERIA_KEYS}
    full.update({"resource_health": [], "service_health": [], **criteria})
    return {
        "id": arm(sub, group, "Microsoft.Insights/activityLogAlerts", name),
        "name": name,
        "resource_group_name": group,
        "location": "global",
        "scopes": [f"/subscriptions/{sub}"],
        "enabled": True,
        "description": "",
        "criteria": [full],
        "action": [{"action_group_id": action, "webhook_properties": {}}] if action else [],
        "tags": {},
    }


def group(sub: str, group: str, name: str, short: str, who: str, email: str) -> dict[str, Any]:
    blocks = [
        "arm_role_receiver",
        "automation_runbook_receiver",
        "azure_app_push_receiver",
        "azure_function_receiver",
        "event_hub_receiver",
        "itsm_receiver",
        "logic_app_receiver",
        "sms_receiver",
        "voice_receiver",
        "webhook_receiver",
    ]
    return {
        "id": arm(sub, group, "Microsoft.Insights/actionGroups", name),
        "name": name,
        "resource_group_name": group,
        "location": "global",
        "short_name": short,
        "enabled": True,
        "email_receiver": [{"name": who, "email_address": email, "use_common_alert_schema": True}],
        **{b: [] for b in blocks},
        "tags": {},
    }
