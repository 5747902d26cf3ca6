"""Log Analytics workspaces and tables: the contract's attributes from the documented REST
JSON (Microsoft.OperationalInsights, api-version `loganalytics.API_VERSION`).

A table's retention is its own (`retentionInDays`, `totalRetentionInDays`), which may override
the workspace default: "In Analytics table: the tables analytics retention in days, between 4
and 730. Setting this property to -1 will default to the workspace retention"; "The table total
retention in days, between 4 and 4383. Setting this property to -1 will default to
retentionInDays"; `retentionInDaysAsDefault` "True - Value originates from workspace retention
in days, False - Customer specific"; `archiveRetentionInDays` "Calculated as
(totalRetentionInDays-retentionInDays)"
(https://learn.microsoft.com/en-us/rest/api/loganalytics/tables/get, Table properties).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.providers.azure.names import canonical

# The tables the activity log, Entra ID logs and Key Vault audit logs land in (and
# AzureDiagnostics, where resource logs in Azure-diagnostics mode land): only these are collected.
LOG_TABLES = frozenset(
    {
        "AzureActivity",
        "SigninLogs",
        "AuditLogs",
        "AADNonInteractiveUserSignInLogs",
        "AADServicePrincipalSignInLogs",
        "AADManagedIdentitySignInLogs",
        "AADProvisioningLogs",
        "MicrosoftGraphActivityLogs",
        "ADFSSignInLogs",
        "AADRiskyUsers",
        "AADUserRiskEvents",
        # The workload-identity risk categories' tables (learn.microsoft.com/azure/azure-monitor/
        # reference/tables/aadriskyserviceprincipals, .../aadserviceprincipalriskevents).
        "AADRiskyServicePrincipals",
        "AADServicePrincipalRiskEvents",
        # Key Vault AuditEvent in resource-specific mode (learn.microsoft.com/azure/azure-monitor/
        # reference/supported-logs/microsoft-keyvault-vaults-logs: "AuditEvent ... AZKVAuditLogs").
        "AZKVAuditLogs",
        "AzureDiagnostics",
    }
)
PLANS = ("Analytics", "Basic", "Auxiliary")


def _days(value: Any) -> int | None:
    """A retention in days; None when absent or -1 ("default to" the level above)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number of days, got {value!r}")
    days = int(value)
    return None if days == -1 else days


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValueError(f"expected a boolean, got {value!r}")
    return value


def workspace_attrs(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The collected attributes of one Workspace (REST JSON) except `locks`."""
    props: Mapping[str, Any] = raw.get("properties") or {}
    sku = props.get("sku") or {}
    return {
        "arm_id": str(raw["id"]),
        "name": str(raw["name"]),
        "customer_id": props.get("customerId"),
        "location": str(raw.get("location") or ""),
        "retention_days": _days(props.get("retentionInDays")),
        "sku": sku.get("name") if isinstance(sku, Mapping) else None,
        "public_network_access_for_ingestion": props.get("publicNetworkAccessForIngestion"),
        "public_network_access_for_query": props.get("publicNetworkAccessForQuery"),
    }


def table_attrs(
    raw: Mapping[str, Any], workspace_id: str, workspace_days: int | None
) -> dict[str, Any]:
    """The collected attributes of one Table (REST JSON). A retention that is absent or -1
    takes the level above as the service does (the table's from the workspace, the total from
    the table's), and then counts as a default."""
    props: Mapping[str, Any] = raw.get("properties") or {}
    own = _days(props.get("retentionInDays"))
    retention = own if own is not None else workspace_days
    own_total = _days(props.get("totalRetentionInDays"))
    total = own_total if own_total is not None else retention
    archive = _days(props.get("archiveRetentionInDays"))
    if archive is None and total is not None and retention is not None:
        archive = total - retention
    plan = str(props.get("plan") or "Analytics")
    return {
        "arm_id": str(raw["id"]),
        "name": str(raw["name"]),
        "workspace": canonical(workspace_id),
        "retention_days": retention,
        "total_retention_days": total,
        "retention_is_default": _flag(props.get("retentionInDaysAsDefault"), own is None),
        "total_retention_is_default": _flag(
            props.get("totalRetentionInDaysAsDefault"), own_total is None
        ),
        # Table.plan: Analytics (the default), Basic, Auxiliary.
        "plan": next((p for p in PLANS if p.lower() == plan.lower()), plan),
        "archive_retention_days": archive,
    }
