"""The azurerm monitor arguments one at a time: diagnostic setting log blocks (v4
`enabled_log`, v3 `log` with `enabled`) and destinations, activity log alert criteria as the
REST condition the provider sends, action group receivers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.terraform.azureplan import LAW, LOGGING, SECURITY, SETTINGS, get, golden, scan
from tests.terraform.planedit import unknown, values

SETTING = "azurerm_monitor_diagnostic_setting.activity_to_archive"
SETTING_ID = f"/subscriptions/{LOGGING}{SETTINGS}activity-to-archive"
ALERT = "azurerm_monitor_activity_log_alert.nsg_delete"
ALERT_ID = f"{SECURITY}activitylogalerts/cis-nsg-delete"


def _setting(**changes: Any) -> dict[str, Any]:
    plan = golden()
    values(plan, SETTING).update(changes)
    attrs: dict[str, Any] = get(scan(plan, complete=True), SETTING_ID).attrs
    return attrs


def test_legacy_log_blocks_count_only_when_enabled() -> None:
    attrs = _setting(
        enabled_log=[],
        log=[
            {"category": "Administrative", "enabled": True, "retention_policy": []},
            {"category": "Security", "enabled": False, "retention_policy": []},
            {"category": "Policy", "retention_policy": [{"enabled": True, "days": 90}]},
        ],
    )
    assert attrs["categories"] == ["Administrative", "Policy"]
    assert [e["retention_days"] for e in attrs["logs"]] == [None, None, 90]


@pytest.mark.parametrize(
    ("destinations", "has"),
    [
        ({"storage_account_id": None, "log_analytics_workspace_id": None}, False),
        (
            {
                "storage_account_id": None,
                "log_analytics_workspace_id": None,
                "eventhub_authorization_rule_id": "/subscriptions/x/resourceGroups/r/providers/"
                "Microsoft.EventHub/namespaces/n/authorizationRules/RootManageSharedAccessKey",
                "eventhub_name": "activity",
            },
            True,
        ),
        ({"log_analytics_workspace_id": None}, True),
    ],
    ids=["none", "event-hub-only", "storage-only"],
)
def test_destinations(destinations: dict[str, Any], has: bool) -> None:
    plan = golden()
    values(plan, SETTING).update(destinations)
    # The configuration references go too (the setting no longer names them).
    config = next(
        r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == SETTING
    )
    for key in destinations:
        config["expressions"].pop(key, None)
    attrs = get(scan(plan, complete=True), SETTING_ID).attrs
    assert attrs["has_destination"] is has


def _alert(**criteria: Any) -> dict[str, Any]:
    plan = golden()
    values(plan, ALERT)["criteria"][0].update(criteria)
    conditions: dict[str, Any] = get(scan(plan, complete=True), ALERT_ID).attrs["conditions"]
    return conditions


def test_alert_criteria_become_the_rest_condition() -> None:
    leaves = _alert(
        levels=["Error", "Critical"],
        statuses=["Succeeded"],
        caller="ops@example.org",
    )["all_of"]
    assert {"field": "caller", "equals": "ops@example.org", "contains_any": None} in leaves
    assert {
        "any_of": [
            {"field": "level", "equals": "Error", "contains_any": None},
            {"field": "level", "equals": "Critical", "contains_any": None},
        ]
    } in leaves
    assert {"any_of": [{"field": "status", "equals": "Succeeded", "contains_any": None}]} in leaves


def test_service_health_locations_and_services_are_contains_any() -> None:
    leaves = _alert(
        category="ServiceHealth",
        operation_name="",
        service_health=[
            {"events": ["Incident"], "locations": ["West Europe"], "services": ["Storage"]}
        ],
    )["all_of"]
    fields = {leaf.get("field"): leaf for leaf in leaves if "field" in leaf}
    assert fields["properties.impactedservices[*].impactedregions[*].regionname"][
        "contains_any"
    ] == ["West Europe"]
    assert fields["properties.impactedservices[*].servicename"]["contains_any"] == ["Storage"]


def test_an_alert_without_action_and_a_group_without_receivers() -> None:
    plan = golden()
    values(plan, ALERT)["action"] = []
    values(plan, "azurerm_monitor_action_group.secops").update(email_receiver=[], enabled=False)
    found = scan(plan, complete=True)
    assert get(found, ALERT_ID).attrs["action_groups"] == []
    group = get(found, f"{SECURITY}actiongroups/ag-secops").attrs
    assert (group["enabled"], group["receivers"], group["receiver_count"]) == (False, [], 0)


ENTRA_SETTING = "azurerm_monitor_aad_diagnostic_setting.entra_to_law"
KV_SETTING = "azurerm_monitor_diagnostic_setting.kv_prod_audit"
LAW_ID = (
    f"/subscriptions/{LOGGING}/resourceGroups/rg-audit/providers/"
    "Microsoft.OperationalInsights/workspaces/law-central"
)
EVERY_ENTRA = {
    "AuditLogs",
    "SigninLogs",
    "AADNonInteractiveUserSignInLogs",
    "AADServicePrincipalSignInLogs",
    "AADManagedIdentitySignInLogs",
    "AADProvisioningLogs",
    "ADFSSignInLogs",
    "AADRiskyUsers",
    "AADUserRiskEvents",
    "MicrosoftGraphActivityLogs",
}


def _law_tables(plan: dict[str, Any]) -> set[str]:
    """The tables of law-central the plan judges (declared or implied by a setting)."""
    found = scan(plan, complete=True)
    prefix = f"{LAW.lower()}/tables/"
    return {
        str(r.name)
        for r in found.inventory
        if r.type == "azure.loganalytics.table" and r.id.lower().startswith(prefix)
    }


@pytest.mark.parametrize(
    ("enabled_log", "expected"),
    [
        # The sibling: named categories imply their tables only.
        ([{"category": "SignInLogs"}], {"SigninLogs"}),
        # allLogs on Entra ID: its members, as the live analysis expands it.
        ([{"category_group": "allLogs"}], EVERY_ENTRA),
        # audit has no documented members on Entra ID: it may send any, so every table.
        ([{"category_group": "audit"}], EVERY_ENTRA),
        # Boundary: a category and a group holding it: their union, each table once.
        ([{"category": "SignInLogs"}, {"category_group": "allLogs"}], EVERY_ENTRA),
    ],
)
def test_an_entra_setting_implies_the_tables_of_its_categories_and_groups(
    enabled_log: list[dict[str, Any]], expected: set[str]
) -> None:
    plan, silent = golden(), golden()
    values(plan, ENTRA_SETTING)["enabled_log"] = enabled_log
    values(silent, ENTRA_SETTING)["enabled_log"] = []
    # What law-central holds whatever Entra ID sends: AzureActivity from the subscription's
    # setting, AuditLogs from a table resource of its own.
    assert _law_tables(silent) == {"AzureActivity", "AuditLogs"}
    assert _law_tables(plan) == expected | _law_tables(silent)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("Dedicated", {"AZKVAuditLogs"}),
        ("AzureDiagnostics", {"AzureDiagnostics"}),
        ("", {"AzureDiagnostics"}),
        (None, {"AzureDiagnostics"}),
    ],
)
def test_a_resource_setting_implies_the_table_of_its_destination_mode(
    mode: str | None, expected: set[str]
) -> None:
    plan = golden()
    setting = values(plan, KV_SETTING)
    setting["log_analytics_workspace_id"] = LAW_ID
    setting["log_analytics_destination_type"] = mode
    before = _law_tables(golden())
    assert _law_tables(plan) - before == expected


def test_a_destination_mode_known_after_apply_implies_either_table() -> None:
    plan = golden()
    setting = values(plan, KV_SETTING)
    setting["log_analytics_workspace_id"] = LAW_ID
    setting.pop("log_analytics_destination_type")
    unknown(plan, KV_SETTING)["log_analytics_destination_type"] = True
    assert _law_tables(plan) - _law_tables(golden()) == {"AZKVAuditLogs", "AzureDiagnostics"}
