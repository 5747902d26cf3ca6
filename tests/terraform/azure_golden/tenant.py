"""The golden tenant's subscriptions as Terraform resources: ...0001 "Logging" (the central
archive, workspace, Entra ID logs and all eleven alerts), ...0002 "Production", ...0004
"Shared" (tests/azure/golden/README.md; names as the fake ARM server's fixtures)."""

from __future__ import annotations

from tests.terraform.azure_golden.base import (
    AG_PROD,
    AG_SECOPS,
    ARCHIVE,
    CMK_KEY,
    EXTARCHIVE,
    IDENTITY,
    KV_PROD,
    LAW,
    LAW_GUID,
    LOGGING,
    PROD,
    PRODLOGS,
    SHARED,
    TENANT,
    R,
    arm,
    rg,
)
from tests.terraform.azure_golden.shapes import (
    OPERATIONS,
    account,
    alert,
    container,
    group,
    policy,
    setting,
)


def logging_subscription() -> list[R]:
    """...0001 "Logging": the central archive, workspace, Entra ID logs and all eleven alerts."""
    sa = "azurerm_storage_account.auditarchive"
    activity = container("insights-activity-logs", ARCHIVE, sa)
    auditevent = container("insights-logs-auditevent", ARCHIVE, sa)
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
            account(
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
        policy(activity, 400, True, "azurerm_storage_container.insights_activity_logs"),
        policy(auditevent, 400, False, "azurerm_storage_container.insights_logs_auditevent", False),
        container("exports", ARCHIVE, sa),
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
            setting(
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
            group(
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
                alert(LOGGING, "rg-security", f"cis-{slug}", criteria, AG_SECOPS),
                {"action.0.action_group_id": "azurerm_monitor_action_group.secops"},
            )
        )
    health = alert(
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
            setting(
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
            account(
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
        container("insights-logs-auditevent", PRODLOGS, sa, p, "prod_insights_logs_auditevent"),
        R("azurerm_key_vault", "prod", {"id": KV_PROD, "name": "kv-prod", **kv}, provider=p),
        R("azurerm_key_vault", "prod_2", {"id": kv2, "name": "kv-prod-2", **kv}, provider=p),
        R(
            "azurerm_monitor_diagnostic_setting",
            "kv_prod_audit",
            setting(
                "kv-audit", KV_PROD, [{"category_group": "audit"}], storage_account_id=PRODLOGS
            ),
            {"target_resource_id": "azurerm_key_vault.prod", "storage_account_id": sa},
            p,
        ),
        R(
            "azurerm_monitor_action_group",
            "prod",
            group(PROD, "rg-prod", "ag-prod", "prodops", "prod-oncall", "prodops@example.org"),
            provider=p,
        ),
        R(
            "azurerm_monitor_activity_log_alert",
            "prod_policy_assignment_create",
            alert(
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
            alert(
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
            setting(
                "activity-shared",
                f"/subscriptions/{SHARED}",
                [{"category": "Administrative"}],
                storage_account_id=EXTARCHIVE,
            ),
            provider="azurerm.shared",
        )
    ]
