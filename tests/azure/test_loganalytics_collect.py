"""Log Analytics tables of the workspaces diagnostic settings send to, through the real
clients against the fake: the golden tables (log tables only, the per-table override), a
failed tables list, and a workspace read by id outside the scan (200, 403, 404)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.model import Absent, Resource, Unknowable
from scanner.providers.azure import loganalytics
from scanner.providers.azure.declare import Collected, Subscription, Tenancy
from tests.azure.stores_scan import (
    SUB1,
    SUB2,
    copy_tenant,
    errors,
    fault,
    gateway,
    golden,
    scan_tenant,
)

LAW_ARM = (
    f"/subscriptions/{SUB1}/resourceGroups/rg-audit/providers/Microsoft.OperationalInsights/"
    "workspaces/law-central"
)
LAW = LAW_ARM.lower()


def test_the_golden_log_tables() -> None:
    got, requests = golden()
    tables = {r.name: r for r in got.inventory.of_type(loganalytics.TABLE)}
    # Heartbeat and Usage are not log tables; the Entra sign-in tables are (entra-to-law).
    assert sorted(tables) == [
        "AADManagedIdentitySignInLogs",
        "AADNonInteractiveUserSignInLogs",
        "AADProvisioningLogs",
        "AADServicePrincipalSignInLogs",
        "AuditLogs",
        "AzureActivity",
        "SigninLogs",
    ]
    activity = tables["AzureActivity"]
    assert (activity.id, activity.account, activity.region) == (
        f"{LAW}/tables/azureactivity",
        SUB1,
        "westeurope",
    )
    assert {k: v for k, v in activity.attrs.items() if k != "arm_id"} == {
        "name": "AzureActivity",
        "workspace": LAW,
        "retention_days": 30,
        "total_retention_days": 400,
        "retention_is_default": True,
        "total_retention_is_default": False,
        "plan": "Analytics",
        "archive_retention_days": 370,
    }
    assert (
        tables["SigninLogs"].attrs["total_retention_days"],
        tables["AuditLogs"].attrs["total_retention_days"],
    ) == (30, 730)
    assert [r.query for r in requests if r.path == f"{LAW_ARM}/tables"] == [
        {"api-version": loganalytics.API_VERSION}
    ]
    law = got.inventory.get(LAW)
    assert law is not None and sorted(law.links["tables"].targets) == sorted(
        r.id for r in tables.values()
    )


def test_a_failed_tables_list_is_an_error_for_the_tables() -> None:
    got, _ = scan_tenant(overrides=[fault(f"{LAW_ARM}/tables", 403, "AuthorizationFailed")])
    assert not got.inventory.of_type(loganalytics.TABLE)
    assert errors(got, lambda e: e.operation == loganalytics.TABLES.name) == [
        (SUB1, loganalytics.TABLES.name, "FORBIDDEN", (loganalytics.TABLE,), LAW)
    ]
    law = got.inventory.get(LAW)
    assert law is not None and law.attrs["retention_days"] == 30


def _run_outside(root: Path | None = None, overrides: tuple[Any, ...] = ()) -> Any:
    tenancy = Tenancy(
        "11111111-1111-1111-1111-111111111111",
        {
            SUB2: Subscription(SUB2, state="Enabled", in_scan=True),
            SUB1: Subscription(SUB1, state="Enabled", in_scan=False),
        },
    )
    setting = Resource(
        provider="azure",
        account="11111111-1111-1111-1111-111111111111",
        region="global",
        type=loganalytics.DIAGNOSTIC_SETTING,
        id="/providers/microsoft.aadiam/diagnosticsettings/entra-to-law",
        name="entra-to-law",
        attrs={"workspace_id": LAW},
    )
    detailer = loganalytics.SERVICE.detailers[0]
    [(_label, account, item)] = list(detailer.select(Collected([setting], {}, tenancy)))
    assert (account, item[0]) == (SUB1, "get")
    with gateway(*(() if root is None else (root,))) as (api, fake):
        fake.overrides.extend(overrides)
        return detailer.run(api, tenancy, item), list(fake.requests)


def test_a_workspace_outside_the_scan_is_read_by_id_with_its_locks_and_tables() -> None:
    found, requests = _run_outside()
    workspace, *tables = found.resources
    assert (workspace.id, workspace.region, workspace.attrs["retention_days"]) == (
        LAW,
        "westeurope",
        30,
    )
    assert [lk["name"] for lk in workspace.attrs["locks"]] == ["audit-no-delete"]
    assert len(tables) == 7
    assert [r.path for r in requests] == [
        LAW,
        f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/locks",
        f"{LAW_ARM}/tables",
    ]


def test_a_workspace_outside_the_scan_that_answers_403() -> None:
    found, _ = _run_outside(overrides=(fault(LAW_ARM, 403, "AuthorizationFailed"),))
    [workspace] = found.resources
    for attr in loganalytics.WORKSPACE_ATTRS:
        value = workspace.attrs[attr]
        assert isinstance(value, Unknowable) and value.error, attr
    assert [(e.operation, e.code, e.resource_types, e.resource_id) for e in found.errors] == [
        (loganalytics.GET.name, "FORBIDDEN", (loganalytics.TABLE,), LAW)
    ]


def test_a_workspace_outside_the_scan_that_does_not_exist_is_absent(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    (root / LAW.lstrip("/")).with_suffix(".json").unlink()
    found, _ = _run_outside(root)
    [workspace] = found.resources
    assert isinstance(workspace.placeholder, Absent)


def test_a_workspace_whose_subscription_is_not_found_is_one_unknown_table() -> None:
    # 404 SubscriptionNotFound: the linker's unknown stands for the workspace, one placeholder
    # for its log tables, so the retention policy names the workspace instead of saying nothing.
    found, requests = _run_outside(overrides=(fault(LAW_ARM, 404, "SubscriptionNotFound"),))
    assert (found.errors, len(requests)) == ([], 1)
    [tables] = found.resources
    value = tables.attrs["total_retention_days"]
    assert tables.type == loganalytics.TABLE and tables.attrs["workspace"] == LAW
    assert isinstance(value, Unknowable) and not value.error and LAW in value.reason.lower()


def test_an_unseen_subscriptions_workspace_is_a_placeholder_without_a_call() -> None:
    unseen = LAW.replace(SUB1, "99999999-0000-0000-0000-000000000009")
    setting = Resource(
        provider="azure",
        account="11111111-1111-1111-1111-111111111111",
        region="global",
        type=loganalytics.DIAGNOSTIC_SETTING,
        id="/providers/microsoft.aadiam/diagnosticsettings/entra-to-law",
        name="entra-to-law",
        attrs={"workspace_id": unseen},
    )
    tenancy = Tenancy("11111111-1111-1111-1111-111111111111", {})
    detailer = loganalytics.SERVICE.detailers[0]
    [(_label, _account, item)] = list(detailer.select(Collected([setting], {}, tenancy)))
    assert item[0] == "unseen"
    with gateway() as (api, fake):
        found = detailer.run(api, tenancy, item)
        assert not fake.requests
    [tables] = found.resources
    assert tables.id == f"{unseen}/tables"
    assert isinstance(tables.attrs["total_retention_days"], Unknowable)


def test_a_failed_workspace_listing_is_an_error_for_the_tables_too() -> None:
    listing = f"/subscriptions/{SUB1}/providers/Microsoft.OperationalInsights/workspaces"
    got, _ = scan_tenant(overrides=[fault(listing, 403, "AuthorizationFailed")])
    assert not got.inventory.of_type(loganalytics.TABLE, SUB1)
    assert errors(got, lambda e: e.account == SUB1 and e.operation == loganalytics.LIST.name) == [
        (
            SUB1,
            loganalytics.LIST.name,
            "FORBIDDEN",
            (loganalytics.WORKSPACE, loganalytics.TABLE),
            None,
        )
    ]


def test_key_vault_and_workload_risk_tables_are_log_tables(tmp_path: Path) -> None:
    # AZKVAuditLogs (Key Vault AuditEvent in resource-specific mode) and the service-principal
    # risk tables are judged; Heartbeat stays out.
    root = copy_tenant(tmp_path / "tenant")
    page = root / (LAW_ARM.lower().lstrip("/") + "/tables.json")
    data = json.loads(page.read_text())
    for name in ("AZKVAuditLogs", "AADRiskyServicePrincipals", "AADServicePrincipalRiskEvents"):
        data["value"].append(
            {
                "id": f"{LAW_ARM}/tables/{name}",
                "name": name,
                "properties": {
                    "retentionInDays": 30,
                    "totalRetentionInDays": 30,
                    "plan": "Analytics",
                },
            }
        )
    page.write_text(json.dumps(data))
    got, _ = scan_tenant(root)
    tables = {r.name: r for r in got.inventory.of_type(loganalytics.TABLE)}
    assert tables["AZKVAuditLogs"].attrs["total_retention_days"] == 30
    assert {"AADRiskyServicePrincipals", "AADServicePrincipalRiskEvents"} <= set(tables)
    assert "Heartbeat" not in tables
