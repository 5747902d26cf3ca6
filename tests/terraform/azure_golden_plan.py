"""The Terraform plan of the golden Azure tenant (CONTRACT.md, "The golden tenant"), in the shape
`terraform show -json` writes for a plan (format_version 1.2): the applied tenant re-planned
with azurerm 4.x, so every change is a no-op and the prior state holds every resource.

The resources are written here once, as a table, and the JSON
(tests/terraform/fixtures/azure/golden-plan.json) is generated from it:
`python -m tests.terraform.azure_golden_plan` rewrites it, and a test fails when the two
differ. Each value is what the provider reads back into state (ids in the case ARM returns
them); each argument that names another resource of the configuration is a reference in
`configuration`, as Terraform records `azurerm_storage_account.archive.id`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "fixtures" / "azure" / "golden-plan.json"
TENANT = "11111111-1111-1111-1111-111111111111"
LOGGING = "22222222-0000-0000-0000-000000000001"
PROD = "22222222-0000-0000-0000-000000000002"
SHARED = "22222222-0000-0000-0000-000000000004"
OUTSIDE = "99999999-0000-0000-0000-000000000009"
PROVIDERS = {"azurerm": LOGGING, "azurerm.prod": PROD, "azurerm.shared": SHARED}


def rg(sub: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{name}"


def arm(sub: str, group: str, kind: str, name: str) -> str:
    return f"{rg(sub, group)}/providers/{kind}/{name}"


ARCHIVE = arm(LOGGING, "rg-audit", "Microsoft.Storage/storageAccounts", "lwauditarchive")
LAW = arm(LOGGING, "rg-audit", "Microsoft.OperationalInsights/workspaces", "law-central")
LAW_GUID = "55555555-0000-0000-0000-000000000001"
AG_SECOPS = arm(LOGGING, "rg-security", "Microsoft.Insights/actionGroups", "ag-secops")
PRODLOGS = arm(PROD, "rg-prod", "Microsoft.Storage/storageAccounts", "lwprodlogs")
AG_PROD = arm(PROD, "rg-prod", "Microsoft.Insights/actionGroups", "ag-prod")
KV_PROD = arm(PROD, "rg-prod", "Microsoft.KeyVault/vaults", "kv-prod")
EXTARCHIVE = arm(OUTSIDE, "rg-ext", "Microsoft.Storage/storageAccounts", "lwextarchive")
CMK_KEY = "https://kv-audit-keys.vault.azure.net/keys/archive-cmk"
IDENTITY = arm(
    LOGGING, "rg-audit", "Microsoft.ManagedIdentity/userAssignedIdentities", "id-archive-cmk"
)


@dataclass
class R:
    """One resource of the configuration: its values in state, the arguments that reference
    another resource (argument path -> the referenced resource address), its provider."""

    type: str
    name: str
    values: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)
    provider: str = "azurerm"
    # Arguments the configuration leaves out, whose value the provider read back from Azure.
    computed: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"


def _container(name: str, account: str, ref: str, provider: str = "azurerm", tf: str = "") -> R:
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


def _policy(container: R, days: int, locked: bool, ref: str, append: bool = True) -> R:
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


def _account(sub: str, group: str, name: str, **values: Any) -> dict[str, Any]:
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


def _setting(name: str, target: str, logs: list[dict[str, Any]], **dest: Any) -> dict[str, Any]:
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


def _alert(
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


def _group(sub: str, group: str, name: str, short: str, who: str, email: str) -> dict[str, Any]:
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


def logging_subscription() -> list[R]:
    """...0001 "Logging": the central archive, workspace, Entra ID logs and all eleven alerts."""
    sa = "azurerm_storage_account.auditarchive"
    activity = _container("insights-activity-logs", ARCHIVE, sa)
    auditevent = _container("insights-logs-auditevent", ARCHIVE, sa)
    # A legal hold (tag case2026) set outside Terraform: the provider reads has_legal_hold back.
    auditevent.values["has_legal_hold"] = True
    found = [
        R(
            "azurerm_resource_group",
            "audit",
            {"id": rg(LOGGING, "rg-audit"), "name": "rg-audit", "location": "westeurope"},
        ),
        R(
            "azurerm_storage_account",
            "auditarchive",
            _account(
                LOGGING,
                "rg-audit",
                "lwauditarchive",
                identity=[{"type": "UserAssigned", "identity_ids": [IDENTITY]}],
                customer_managed_key=[
                    {"key_vault_key_id": CMK_KEY, "user_assigned_identity_id": IDENTITY}
                ],
                network_rules=[
                    {
                        "default_action": "Deny",
                        "bypass": ["AzureServices"],
                        "ip_rules": [],
                        "virtual_network_subnet_ids": [],
                        "private_link_access": [],
                    }
                ],
            ),
        ),
        activity,
        auditevent,
        _policy(activity, 400, True, "azurerm_storage_container.insights_activity_logs"),
        _policy(
            auditevent, 400, False, "azurerm_storage_container.insights_logs_auditevent", False
        ),
        _container("exports", ARCHIVE, sa),
        R(
            "azurerm_management_lock",
            "rg_audit",
            {
                "id": f"{rg(LOGGING, 'rg-audit')}/providers/Microsoft.Authorization/locks/"
                "audit-no-delete",
                "name": "audit-no-delete",
                "scope": rg(LOGGING, "rg-audit"),
                "lock_level": "CanNotDelete",
                "notes": "Audit logs are evidence",
            },
            {"scope": "azurerm_resource_group.audit"},
        ),
        R(
            "azurerm_log_analytics_workspace",
            "central",
            {
                "id": LAW,
                "name": "law-central",
                "resource_group_name": "rg-audit",
                "location": "westeurope",
                "sku": "PerGB2018",
                "retention_in_days": 30,
                "workspace_id": LAW_GUID,
                "internet_ingestion_enabled": True,
                "internet_query_enabled": True,
                "local_authentication_enabled": False,
                "daily_quota_gb": -1,
                "tags": {},
            },
        ),
        *[
            R(
                "azurerm_log_analytics_workspace_table",
                table.lower(),
                {
                    "id": f"{LAW}/tables/{table}",
                    "name": table,
                    "workspace_id": LAW,
                    "plan": "Analytics",
                    "retention_in_days": retention,
                    "total_retention_in_days": total,
                },
                {"workspace_id": "azurerm_log_analytics_workspace.central"},
                computed=(unset,),
            )
            # AzureActivity keeps the workspace's 30 days interactive, 400 in total; AuditLogs
            # sets 730 interactive, and its total follows.
            for table, retention, total, unset in (
                ("AzureActivity", 30, 400, "retention_in_days"),
                ("AuditLogs", 730, 730, "total_retention_in_days"),
            )
        ],
        R(
            "azurerm_monitor_diagnostic_setting",
            "activity_to_archive",
            _setting(
                "activity-to-archive",
                f"/subscriptions/{LOGGING}",
                [{"category_group": "allLogs"}],
                storage_account_id=ARCHIVE,
                log_analytics_workspace_id=LAW,
            ),
            {
                "storage_account_id": sa,
                "log_analytics_workspace_id": "azurerm_log_analytics_workspace.central",
            },
        ),
        R(
            "azurerm_monitor_aad_diagnostic_setting",
            "entra_to_law",
            {
                "id": "/providers/Microsoft.AADIAM/diagnosticSettings/entra-to-law",
                "name": "entra-to-law",
                "enabled_log": [
                    {"category": c}
                    for c in (
                        "AuditLogs",
                        "SignInLogs",
                        "NonInteractiveUserSignInLogs",
                        "ServicePrincipalSignInLogs",
                        "ManagedIdentitySignInLogs",
                        "ProvisioningLogs",
                    )
                ],
                "log_analytics_workspace_id": LAW,
                "storage_account_id": None,
                "eventhub_authorization_rule_id": None,
                "eventhub_name": None,
            },
            {"log_analytics_workspace_id": "azurerm_log_analytics_workspace.central"},
        ),
        R(
            "azurerm_monitor_action_group",
            "secops",
            _group(
                LOGGING, "rg-security", "ag-secops", "secops", "secops-oncall", "secops@example.org"
            ),
        ),
    ]
    for slug, operation in OPERATIONS.items():
        criteria = {"category": "Administrative", "operation_name": operation}
        found.append(
            R(
                "azurerm_monitor_activity_log_alert",
                slug.replace("-", "_"),
                _alert(LOGGING, "rg-security", f"cis-{slug}", criteria, AG_SECOPS),
                {"action.0.action_group_id": "azurerm_monitor_action_group.secops"},
            )
        )
    health = _alert(
        LOGGING, "rg-security", "cis-service-health", {"category": "ServiceHealth"}, AG_SECOPS
    )
    found.append(
        R(
            "azurerm_monitor_activity_log_alert",
            "service_health",
            health,
            {"action.0.action_group_id": "azurerm_monitor_action_group.secops"},
        )
    )
    return found


def production_subscription() -> list[R]:
    """...0002 "Production": activity log to the central archive across subscriptions, a
    weak log account, two key vaults (one logged), two flawed alerts."""
    p = "azurerm.prod"
    sa = "azurerm_storage_account.prodlogs"
    kv = {
        "resource_group_name": "rg-prod",
        "location": "westeurope",
        "sku_name": "standard",
        "tenant_id": TENANT,
        "purge_protection_enabled": True,
        "public_network_access_enabled": True,
        "soft_delete_retention_days": 90,
        "rbac_authorization_enabled": True,
        "access_policy": [],
        "network_acls": [],
        "tags": {},
    }
    kv2 = arm(PROD, "rg-prod", "Microsoft.KeyVault/vaults", "kv-prod-2")
    return [
        R(
            "azurerm_monitor_diagnostic_setting",
            "activity_central",
            _setting(
                "activity-central",
                f"/subscriptions/{PROD}",
                [{"category": c} for c in ("Administrative", "Security", "Alert", "Policy")],
                storage_account_id=ARCHIVE,
            ),
            {"storage_account_id": "azurerm_storage_account.auditarchive"},
            p,
        ),
        R(
            "azurerm_storage_account",
            "prodlogs",
            _account(
                PROD,
                "rg-prod",
                "lwprodlogs",
                allow_nested_items_to_be_public=True,
                min_tls_version="TLS1_0",
                shared_access_key_enabled=True,
                account_replication_type="LRS",
                blob_properties=[],
            ),
            provider=p,
        ),
        _container("insights-logs-auditevent", PRODLOGS, sa, p, "prod_insights_logs_auditevent"),
        R("azurerm_key_vault", "prod", {"id": KV_PROD, "name": "kv-prod", **kv}, provider=p),
        R("azurerm_key_vault", "prod_2", {"id": kv2, "name": "kv-prod-2", **kv}, provider=p),
        R(
            "azurerm_monitor_diagnostic_setting",
            "kv_prod_audit",
            _setting(
                "kv-audit", KV_PROD, [{"category_group": "audit"}], storage_account_id=PRODLOGS
            ),
            {"target_resource_id": "azurerm_key_vault.prod", "storage_account_id": sa},
            p,
        ),
        R(
            "azurerm_monitor_action_group",
            "prod",
            _group(PROD, "rg-prod", "ag-prod", "prodops", "prod-oncall", "prodops@example.org"),
            provider=p,
        ),
        R(
            "azurerm_monitor_activity_log_alert",
            "prod_policy_assignment_create",
            _alert(
                PROD,
                "rg-prod",
                "policy-assignment-create",
                {
                    "category": "Administrative",
                    "operation_name": OPERATIONS["policy-assignment-create"],
                    "level": "Critical",
                },
                AG_PROD,
            ),
            {"action.0.action_group_id": "azurerm_monitor_action_group.prod"},
            p,
        ),
        R(
            "azurerm_monitor_activity_log_alert",
            "prod_policy_assignment_delete",
            _alert(
                PROD,
                "rg-prod",
                "policy-assignment-delete",
                {
                    "category": "Administrative",
                    "operation_name": OPERATIONS["policy-assignment-delete"],
                },
                None,
            ),
            provider=p,
        ),
    ]


def shared_subscription() -> list[R]:
    """...0004 "Shared": Administrative only, to an account in a subscription not scanned."""
    return [
        R(
            "azurerm_monitor_diagnostic_setting",
            "activity_shared",
            _setting(
                "activity-shared",
                f"/subscriptions/{SHARED}",
                [{"category": "Administrative"}],
                storage_account_id=EXTARCHIVE,
            ),
            provider="azurerm.shared",
        )
    ]


def _vnet(sub: str, name: str, location: str, subnet: str, nsg: str | None) -> R:
    rid = arm(sub, _NET[sub], "Microsoft.Network/virtualNetworks", name)
    block = {
        "name": subnet,
        "id": f"{rid}/subnets/{subnet}",
        "address_prefixes": ["10.0.0.0/24"],
        "security_group": nsg or "",
        "default_outbound_access_enabled": True,
        "delegation": [],
        "private_endpoint_network_policies": "Disabled",
        "private_link_service_network_policies_enabled": True,
        "route_table_id": "",
        "service_endpoints": [],
        "service_endpoint_policy_ids": [],
    }
    values = {
        "id": rid,
        "name": name,
        "resource_group_name": _NET[sub],
        "location": location,
        "address_space": ["10.0.0.0/16"],
        "subnet": [block],
        "dns_servers": [],
        "tags": {},
    }
    return R("azurerm_virtual_network", name.replace("-", "_"), values, provider=_PROVIDER[sub])


def _nsg(sub: str, name: str, location: str) -> R:
    values = {
        "id": arm(sub, _NET[sub], "Microsoft.Network/networkSecurityGroups", name),
        "name": name,
        "resource_group_name": _NET[sub],
        "location": location,
        "security_rule": [],
        "tags": {},
    }
    return R(
        "azurerm_network_security_group", name.replace("-", "_"), values, provider=_PROVIDER[sub]
    )


def _nic(sub: str, name: str, subnet: str, ref: str) -> R:
    values = {
        "id": arm(sub, _NET[sub], "Microsoft.Network/networkInterfaces", name),
        "name": name,
        "resource_group_name": _NET[sub],
        "location": "westeurope" if name != "nic-app-2" else "eastus",
        "ip_configuration": [
            {
                "name": "ipconfig1",
                "subnet_id": subnet,
                "private_ip_address_allocation": "Dynamic",
                "primary": True,
            }
        ],
        "tags": {},
    }
    return R(
        "azurerm_network_interface",
        name.replace("-", "_"),
        values,
        {"ip_configuration.0.subnet_id": ref},
        _PROVIDER[sub],
    )


def _watcher(sub: str) -> R:
    values = {
        "id": arm(sub, "NetworkWatcherRG", "Microsoft.Network/networkWatchers", WATCHER),
        "name": WATCHER,
        "resource_group_name": "NetworkWatcherRG",
        "location": "westeurope",
        "tags": {},
    }
    return R("azurerm_network_watcher", "westeurope", values, provider=_PROVIDER[sub])


def _flow_log(sub: str, name: str, vnet: R, storage: str, days: int, store_ref: str) -> R:
    watcher = arm(sub, "NetworkWatcherRG", "Microsoft.Network/networkWatchers", WATCHER)
    values = {
        "id": f"{watcher}/flowLogs/{name}",
        "name": name,
        "network_watcher_name": WATCHER,
        "resource_group_name": "NetworkWatcherRG",
        "location": "westeurope",
        "target_resource_id": vnet.values["id"],
        "network_security_group_id": None,
        "storage_account_id": storage,
        "enabled": True,
        "version": 2,
        "retention_policy": [{"enabled": True, "days": days}],
        "traffic_analytics": [
            {
                "enabled": True,
                "workspace_id": LAW_GUID,
                "workspace_region": "westeurope",
                "workspace_resource_id": LAW,
                "interval_in_minutes": 10,
            }
        ],
        "tags": {},
    }
    return R(
        "azurerm_network_watcher_flow_log",
        name.replace("-", "_"),
        values,
        {
            "target_resource_id": vnet.address,
            "storage_account_id": store_ref,
            "traffic_analytics.0.workspace_resource_id": "azurerm_log_analytics_workspace.central",
        },
        _PROVIDER[sub],
    )


WATCHER = "NetworkWatcher_westeurope"
_NET = {LOGGING: "rg-network", PROD: "rg-prod-network"}
_PROVIDER = {LOGGING: "azurerm", PROD: "azurerm.prod"}


def networks() -> list[R]:
    """The watchers, VNets, NSGs, NICs and VNet flow logs of ...0001 and ...0002."""
    hub_nsg = _nsg(LOGGING, "nsg-hub", "westeurope")
    hub = _vnet(LOGGING, "vnet-hub", "westeurope", "snet-shared", hub_nsg.values["id"])
    hub.refs["subnet.0.security_group"] = hub_nsg.address
    prod_nsg = _nsg(PROD, "nsg-prod", "westeurope")
    weu = _vnet(PROD, "vnet-prod-weu", "westeurope", "snet-app", prod_nsg.values["id"])
    weu.refs["subnet.0.security_group"] = prod_nsg.address
    eus = _vnet(PROD, "vnet-prod-eus", "eastus", "snet-app", None)
    prod_watcher = _watcher(PROD)
    prod_watcher.name = "prod_westeurope"
    hub_lock = R(
        "azurerm_management_lock",
        "hub_read_only",
        {
            "id": f"{hub.values['id']}/providers/Microsoft.Authorization/locks/hub-read-only",
            "name": "hub-read-only",
            "scope": hub.values["id"],
            "lock_level": "ReadOnly",
            "notes": "Hub network.",
        },
        {"scope": hub.address},
    )
    return [
        hub_nsg,
        hub,
        _nic(LOGGING, "nic-jump", hub.values["subnet"][0]["id"], hub.address),
        _watcher(LOGGING),
        _flow_log(LOGGING, "fl-vnet-hub", hub, ARCHIVE, 0, "azurerm_storage_account.auditarchive"),
        hub_lock,
        prod_nsg,
        _nsg(PROD, "nsg-unused", "eastus"),
        weu,
        eus,
        _nic(PROD, "nic-app-1", weu.values["subnet"][0]["id"], weu.address),
        _nic(PROD, "nic-app-2", eus.values["subnet"][0]["id"], eus.address),
        prod_watcher,
        _flow_log(PROD, "fl-vnet-prod-weu", weu, PRODLOGS, 30, "azurerm_storage_account.prodlogs"),
    ]


JANITOR = "7a1b2c3d-1111-4222-8333-444455556666"
ROLES = "/providers/Microsoft.Authorization/roleDefinitions/"


def _assignment(name: str, scope: str, role: str, principal: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "scope": scope,
        "role_definition_id": role,
        "role_definition_name": "",
        "principal_id": principal[0],
        "principal_type": principal[1],
        "condition": "",
        "condition_version": "",
        "description": "",
        "skip_service_principal_aad_check": False,
        "delegated_managed_identity_resource_id": "",
    }


def authorization() -> list[R]:
    """The role assignments of the golden tenant and its one custom role, Log Janitor."""
    platform = "/providers/Microsoft.Management/managementGroups/mg-platform"
    janitor = R(
        "azurerm_role_definition",
        "log_janitor",
        {
            "id": f"/subscriptions/{PROD}{ROLES}{JANITOR}|/subscriptions/{PROD}",
            "role_definition_id": JANITOR,
            "role_definition_resource_id": f"/subscriptions/{PROD}{ROLES}{JANITOR}",
            "name": "Log Janitor",
            "scope": f"/subscriptions/{PROD}",
            "description": "Tidies diagnostic settings.",
            "permissions": [
                {
                    "actions": [
                        "Microsoft.Insights/diagnosticSettings/*",
                        "Microsoft.Insights/diagnosticSettings/read",
                    ],
                    "not_actions": [],
                    "data_actions": [],
                    "not_data_actions": [],
                }
            ],
            "assignable_scopes": [f"/subscriptions/{PROD}"],
        },
        provider="azurerm.prod",
    )
    owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    monitoring = "43d0d8ad-25c7-4714-9337-8ba259a9fe05"
    reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    return [
        janitor,
        R(
            "azurerm_role_assignment",
            "secops_owner",
            _assignment(
                "a0000000-0000-4000-8000-000000000001",
                platform,
                f"{platform}{ROLES}{owner}",
                ("55555555-0000-0000-0000-000000000001", "Group"),
            ),
        ),
        R(
            "azurerm_role_assignment",
            "monitoring_reader",
            _assignment(
                "a0000000-0000-4000-8000-000000000002",
                f"/subscriptions/{LOGGING}",
                f"/subscriptions/{LOGGING}{ROLES}{monitoring}",
                ("77777777-0000-0000-0000-000000000001", "ServicePrincipal"),
            ),
        ),
        R(
            "azurerm_role_assignment",
            "ops_log_janitor",
            _assignment(
                "a0000000-0000-4000-8000-000000000003",
                f"/subscriptions/{PROD}",
                janitor.values["role_definition_resource_id"],
                ("88888888-0000-0000-0000-000000000001", "User"),
            ),
            {"role_definition_id": janitor.address},
            "azurerm.prod",
        ),
        R(
            "azurerm_role_assignment",
            "shared_reader",
            _assignment(
                "a0000000-0000-4000-8000-000000000004",
                f"/subscriptions/{SHARED}",
                f"/subscriptions/{SHARED}{ROLES}{reader}",
                ("88888888-0000-0000-0000-000000000002", "User"),
            ),
            provider="azurerm.shared",
        ),
    ]


def resources() -> list[R]:
    """Every resource of the golden configuration."""
    return [
        *logging_subscription(),
        *production_subscription(),
        *shared_subscription(),
        *networks(),
        *authorization(),
    ]


def _expressions(res: R) -> dict[str, Any]:
    """The configuration expressions: a reference where the argument names a resource, a
    constant otherwise (computed attributes are not in configuration)."""
    computed = {"id", "resource_manager_id", "url", "has_immutability_policy", "has_legal_hold"}
    computed.update(res.computed)
    out: dict[str, Any] = {}
    for key, value in res.values.items():
        if key in computed or value is None or value == [] or value == {}:
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = [
                {
                    k: {"constant_value": v}
                    for k, v in item.items()
                    if v not in (None, "", []) and not isinstance(v, list | dict)
                }
                for item in value
            ]
        else:
            out[key] = {"constant_value": value}
    for path, target in res.refs.items():
        ref = {"references": [f"{target}.id", target]}
        parts = path.split(".")
        if len(parts) == 1:
            out[parts[0]] = ref
        else:
            block, index, arg = parts[0], int(parts[1]), parts[2]
            out.setdefault(block, [{}])
            out[block][index][arg] = ref
    return out


def plan() -> dict[str, Any]:
    """The `terraform show -json` document of the golden plan."""
    found = resources()
    state = []
    changes = []
    config = []
    assert len({r.address for r in found}) == len(found), "addresses are unique"
    for res in found:
        provider_name = "registry.terraform.io/hashicorp/azurerm"
        state.append(
            {
                "address": res.address,
                "mode": "managed",
                "type": res.type,
                "name": res.name,
                "provider_name": provider_name,
                "schema_version": 0,
                "values": res.values,
                "sensitive_values": {},
            }
        )
        changes.append(
            {
                "address": res.address,
                "mode": "managed",
                "type": res.type,
                "name": res.name,
                "provider_name": provider_name,
                "change": {
                    "actions": ["no-op"],
                    "before": res.values,
                    "after": res.values,
                    "after_unknown": {},
                    "before_sensitive": {},
                    "after_sensitive": {},
                },
            }
        )
        config.append(
            {
                "address": res.address,
                "mode": "managed",
                "type": res.type,
                "name": res.name,
                "provider_config_key": res.provider,
                "expressions": _expressions(res),
                "schema_version": 0,
            }
        )
    providers = {
        key: {
            "name": "azurerm",
            "full_name": "registry.terraform.io/hashicorp/azurerm",
            "version_constraint": "~> 4.50",
            **({"alias": key.split(".", 1)[1]} if "." in key else {}),
            "expressions": {
                "subscription_id": {"constant_value": sub},
                "tenant_id": {"constant_value": TENANT},
                "features": [{}],
            },
        }
        for key, sub in PROVIDERS.items()
    }
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": [dict(s) for s in state]}},
        "resource_changes": changes,
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": "1.9.5",
            "values": {"root_module": {"resources": state}},
        },
        "configuration": {
            "provider_config": providers,
            "root_module": {"resources": config},
        },
        "timestamp": "2026-12-01T09:00:00Z",
        "applyable": False,
        "complete": True,
        "errored": False,
    }


def render() -> str:
    """The golden plan as written to disk."""
    return json.dumps(plan(), indent=1, sort_keys=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
