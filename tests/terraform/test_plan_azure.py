"""The azurerm_* Terraform mappings: `terraform show -json` of the golden Azure tenant mapped onto
the Azure resource types the live scan collects, each resource in its own subscription, keyed
by its canonical ARM id, with the attributes the live normalizers give the same resources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from scanner.model import Unknowable
from scanner.providers.azure import alerts as live_alerts
from scanner.providers.azure import network as live_network
from scanner.providers.azure import rbac as live_rbac
from tests.terraform import azure_golden
from tests.terraform.azureplan import (
    ARCHIVE,
    CONTAINERS,
    ENTRA,
    EXTARCHIVE,
    GOLDEN,
    KV_PROD,
    LAW,
    LOGGING,
    NETWORK,
    PROD,
    PROD_INSIGHTS,
    PROD_NETWORK,
    PRODLOGS,
    SECURITY,
    SETTINGS,
    SHARED,
    TENANT,
    WATCHERS,
    attr,
    get,
    golden,
    golden_scan,
    scan,
    schema_problems,
)
from tests.terraform.planedit import values

ROOT = Path(__file__).resolve().parents[2]
FAKE = ROOT / "scanner" / "providers" / "azure" / "fake" / "tenant"


def _fixture(path: str, name: str) -> dict[str, Any]:
    """One item of a fake ARM list answer (the documented REST JSON), by name."""
    pages = sorted((FAKE / path).parent.glob(f"{(FAKE / path).name}*.json"))
    items = [v for p in pages for v in json.loads(p.read_text())["value"]]
    found: dict[str, Any] = next(v for v in items if v["name"] == name)
    return found


def test_golden_json_is_the_generated_table() -> None:
    assert GOLDEN.read_text(encoding="utf-8") == azure_golden.render()


def test_golden_plan_maps_every_azurerm_resource() -> None:
    found = golden_scan()
    assert found.not_evaluated == {}
    types = sorted({r.type for r in found.inventory if r.provider == "azure" and not r.placeholder})
    assert types == [
        "azure.authorization.role_assignment",
        "azure.authorization.role_definition",
        "azure.keyvault.vault",
        "azure.loganalytics.table",
        "azure.loganalytics.workspace",
        "azure.monitor.action_group",
        "azure.monitor.activity_log_alert",
        "azure.monitor.diagnostic_setting",
        "azure.network.flow_log",
        "azure.network.nsg",
        "azure.network.vnet",
        "azure.network.watcher",
        "azure.storage.account",
        "azure.storage.container",
        "azure.subscription",
        "azure.tenant",
    ]
    # An applied tenant re-planned: nothing changes.
    assert not [r for r in found.inventory if r.type == "azure.plan.log_store_change"]


def test_golden_resources_match_the_resource_schemas() -> None:
    for complete in (True, False):
        problems = schema_problems(golden_scan(complete))
        assert not problems, "\n".join(problems)


def test_each_resource_is_in_its_own_subscription() -> None:
    found = golden_scan()
    assert get(found, f"/subscriptions/{PROD}{SETTINGS}activity-central").account == PROD
    assert get(found, f"/subscriptions/{SHARED}{SETTINGS}activity-shared").account == SHARED
    assert get(found, ENTRA).account == TENANT
    assert (
        get(found, f"{PRODLOGS}/blobservices/default/containers/insights-logs-auditevent").account
        == PROD
    )
    assert get(found, ARCHIVE).region == "westeurope"
    subscriptions = sorted(r.id for r in found.inventory if r.type == "azure.subscription")
    assert subscriptions == [f"/subscriptions/{s}" for s in (LOGGING, PROD, SHARED)]


def test_subscription_setting_as_the_live_scan_normalizes_it() -> None:
    found = golden_scan()
    setting = get(found, f"/subscriptions/{LOGGING}{SETTINGS}activity-to-archive")
    derived = ("effective_categories",)
    assert {k: v for k, v in setting.attrs.items() if k not in derived} == {
        "arm_id": f"/subscriptions/{LOGGING}/providers/Microsoft.Insights/diagnosticSettings/"
        "activity-to-archive",
        "name": "activity-to-archive",
        "scope_type": "subscription",
        "target": f"/subscriptions/{LOGGING}",
        "target_type": "subscription",
        "logs": [
            {"category": None, "category_group": "allLogs", "enabled": True, "retention_days": None}
        ],
        "categories": [],
        "category_groups": ["alllogs"],
        "storage_account_id": ARCHIVE,
        "workspace_id": LAW,
        "event_hub_authorization_rule_id": None,
        "event_hub_name": None,
        "marketplace_partner_id": None,
        "has_destination": True,
    }
    assert setting.links["storage_account_id"].targets == (ARCHIVE,)
    assert setting.links["workspace_id"].targets == (LAW,)
    assert setting.links["target"].targets == (f"/subscriptions/{LOGGING}",)


def test_destinations_are_followed_by_id_across_subscriptions() -> None:
    found = golden_scan()
    central = get(found, f"/subscriptions/{PROD}{SETTINGS}activity-central")
    assert central.attrs["categories"] == ["Administrative", "Alert", "Policy", "Security"]
    assert central.links["storage_account_id"].targets == (ARCHIVE,)
    # An account in a subscription the plan does not hold: a placeholder, unknown, with its id.
    shared = get(found, f"/subscriptions/{SHARED}{SETTINGS}activity-shared")
    assert shared.links["storage_account_id"].targets == (EXTARCHIVE,)
    outside = get(found, EXTARCHIVE)
    assert (
        outside.placeholder is not None
        and outside.account == "99999999-0000-0000-0000-000000000009"
    )
    vault = get(found, f"{KV_PROD}{SETTINGS}kv-audit")
    assert (vault.attrs["scope_type"], vault.attrs["target_type"]) == (
        "resource",
        "microsoft.keyvault/vaults",
    )
    assert get(found, KV_PROD).links["diagnostic_settings"].targets == (vault.id,)


def test_a_literal_destination_outside_the_plan_is_a_placeholder_of_its_own_type() -> None:
    plan = golden()
    outside = (
        "/subscriptions/99999999-0000-0000-0000-000000000009/resourceGroups/rg-ext/providers/"
        "Microsoft.OperationalInsights/workspaces/law-ext"
    )
    values(plan, "azurerm_monitor_diagnostic_setting.activity_shared")[
        "log_analytics_workspace_id"
    ] = outside
    found = scan(plan, complete=True)
    placeholder = get(found, outside.lower())
    assert placeholder.type == "azure.loganalytics.workspace"
    assert placeholder.placeholder is not None
    assert placeholder.account == "99999999-0000-0000-0000-000000000009"


def test_entra_setting_targets_the_tenant() -> None:
    found = golden_scan()
    entra = get(found, ENTRA)
    assert (entra.attrs["scope_type"], entra.attrs["target"]) == ("entra", f"/tenants/{TENANT}")
    assert entra.attrs["categories"] == sorted(
        [
            "AuditLogs",
            "SignInLogs",
            "NonInteractiveUserSignInLogs",
            "ServicePrincipalSignInLogs",
            "ManagedIdentitySignInLogs",
            "ProvisioningLogs",
        ]
    )
    assert get(found, f"/tenants/{TENANT}").links["diagnostic_settings"].targets == (ENTRA,)


def test_log_account_as_the_live_scan_reads_it() -> None:
    found = golden_scan()
    account = get(found, ARCHIVE).attrs
    assert account["encryption_key_source"] == "Microsoft.Keyvault"
    assert account["key_vault_key_uri"] == "https://kv-audit-keys.vault.azure.net/keys/archive-cmk"
    assert (account["network_default_action"], account["allow_shared_key_access"]) == (
        "Deny",
        False,
    )
    assert account["account_immutability"] == {
        "enabled": False,
        "state": None,
        "period_days": None,
        "allow_protected_append_writes": None,
    }
    # The CanNotDelete lock on rg-audit applies to the account (the lock on vnet-hub does not).
    assert account["locks"] == [
        {
            "name": "audit-no-delete",
            "level": "CanNotDelete",
            "scope": f"/subscriptions/{LOGGING}/resourcegroups/rg-audit",
        }
    ]
    assert account["blob_soft_delete_days"] == 30
    prod = get(found, PRODLOGS).attrs
    assert (prod["allow_blob_public_access"], prod["minimum_tls_version"]) == (True, "TLS1_0")
    assert (prod["locks"], prod["blob_soft_delete_days"], prod["sku"]) == ([], None, "Standard_LRS")


def test_containers_locked_unlocked_and_without_policy() -> None:
    found = golden_scan()
    locked = get(found, f"{CONTAINERS}insights-activity-logs").attrs
    assert (locked["immutability_state"], locked["immutability_period_days"]) == ("Locked", 400)
    unlocked = get(found, f"{CONTAINERS}insights-logs-auditevent").attrs
    assert (unlocked["immutability_state"], unlocked["allow_protected_append_writes"]) == (
        "Unlocked",
        False,
    )
    # A legal hold set outside Terraform: the plan knows it exists, not its tags.
    assert unlocked["has_legal_hold"] is True
    assert isinstance(unlocked["legal_hold_tags"], Unknowable)
    exports = get(found, f"{CONTAINERS}exports").attrs
    assert (exports["is_log_container"], exports["has_immutability_policy"]) == (False, False)
    bare = get(found, f"{PRODLOGS}/blobservices/default/containers/insights-logs-auditevent")
    assert (bare.attrs["has_immutability_policy"], bare.attrs["immutability_state"]) == (
        False,
        None,
    )
    assert bare.links["account"].targets == (PRODLOGS,)


def test_tables_own_retention_defaults_and_implied_tables() -> None:
    found = golden_scan()
    activity = get(found, f"{LAW}/tables/azureactivity").attrs
    assert (activity["retention_days"], activity["total_retention_days"]) == (30, 400)
    assert (activity["retention_is_default"], activity["total_retention_is_default"]) == (
        True,
        False,
    )
    assert activity["archive_retention_days"] == 370
    audit = get(found, f"{LAW}/tables/auditlogs").attrs
    assert (audit["retention_days"], audit["total_retention_days"]) == (730, 730)
    assert (audit["retention_is_default"], audit["total_retention_is_default"]) == (False, True)
    # SigninLogs: written by entra-to-law, configured by no table resource: the workspace's 30.
    signin = get(found, f"{LAW}/tables/signinlogs")
    assert (signin.attrs["total_retention_days"], signin.attrs["retention_is_default"]) == (
        30,
        True,
    )
    assert signin.links["workspace"].targets == (LAW,)
    # Without --assume-complete, its retention may be set outside the plan.
    partial = get(golden_scan(False), f"{LAW}/tables/signinlogs").attrs
    assert isinstance(partial["total_retention_days"], Unknowable)


def test_alert_conditions_are_the_live_normalizers() -> None:
    found = golden_scan()
    base = "subscriptions/22222222-0000-0000-0000-00000000000{}/providers/microsoft.insights/"
    for sub, rid, name in (
        (1, SECURITY, "cis-policy-assignment-create"),
        (1, SECURITY, "cis-nsg-write"),
        (1, SECURITY, "cis-service-health"),
        (2, PROD_INSIGHTS, "policy-assignment-create"),
        (2, PROD_INSIGHTS, "policy-assignment-delete"),
    ):
        raw = _fixture(base.format(sub) + "activitylogalerts", name)
        alert = get(found, f"{rid}activitylogalerts/{name}").attrs
        expected = live_alerts.alert_attrs(raw)
        for key in ("enabled", "scopes", "conditions", "action_groups"):
            assert alert[key] == expected[key], (name, key)
    group = get(found, f"{SECURITY}actiongroups/ag-secops").attrs
    assert (group["enabled"], group["receiver_count"]) == (True, 1)
    assert isinstance(group["receivers"][0]["status"], Unknowable)


def test_network_as_the_live_normalizers() -> None:
    found = golden_scan()
    hub = get(found, f"{NETWORK}virtualnetworks/vnet-hub").attrs
    subnet = f"{NETWORK}virtualnetworks/vnet-hub/subnets/snet-shared"
    assert (hub["subnets"], hub["subnets_in_use"], hub["in_use"]) == ([subnet], [subnet], True)
    assert hub["subnet_nsgs"] == [f"{NETWORK}networksecuritygroups/nsg-hub"]
    watcher = f"/subscriptions/{LOGGING}{WATCHERS}networkwatcher_westeurope"
    raw = _fixture(
        f"subscriptions/{LOGGING}/resourcegroups/networkwatcherrg/providers/microsoft.network/"
        "networkwatchers/networkwatcher_westeurope/flowlogs",
        "fl-vnet-hub",
    )
    flow = get(found, f"{watcher}/flowlogs/fl-vnet-hub").attrs
    assert flow == live_network.flow_log_attrs(raw, watcher)
    assert get(found, f"{NETWORK}virtualnetworks/vnet-hub").links["flow_logs"].targets == (
        f"{watcher}/flowlogs/fl-vnet-hub",
    )
    sub = get(found, f"/subscriptions/{PROD}").attrs
    assert (sub["regions_in_use"], sub["network_watcher_regions"]) == (
        ["eastus", "westeurope"],
        ["westeurope"],
    )
    unused = f"{PROD_NETWORK}networksecuritygroups/nsg-unused"
    assert attr(found, unused, "in_use") is False


def test_role_assignments_and_definitions_as_the_live_normalizers() -> None:
    found = golden_scan()
    for sub in (LOGGING, PROD, SHARED):
        path = f"subscriptions/{sub}/providers/microsoft.authorization/roleassignments"
        for raw in json.loads((FAKE / f"{path}.json").read_text())["value"]:
            expected = live_rbac.assignment_attrs(raw)
            assert get(found, expected["arm_id"].lower()).attrs == expected
    raw = _fixture(
        f"subscriptions/{PROD}/providers/microsoft.authorization/roledefinitions",
        "7a1b2c3d-1111-4222-8333-444455556666",
    )
    janitor = get(
        found,
        "/providers/microsoft.authorization/roledefinitions/7a1b2c3d-1111-4222-8333-444455556666",
    )
    assert janitor.attrs == live_rbac.definition_attrs(raw)
    assert janitor.account == PROD
    owner = get(
        found,
        "/providers/microsoft.management/managementgroups/mg-platform/providers/microsoft.authorization/roleassignments/a0000000-0000-4000-8000-000000000001",
    )
    assert owner.account == "managementGroups/mg-platform"


def test_without_assume_complete_what_the_plan_does_not_hold_is_unknown() -> None:
    found = golden_scan(False)
    assert isinstance(attr(found, PRODLOGS, "locks"), Unknowable)
    assert isinstance(attr(found, PRODLOGS, "private_endpoints"), Unknowable)
    assert isinstance(attr(found, f"/subscriptions/{PROD}", "regions_in_use"), Unknowable)
    entra = get(found, f"/tenants/{TENANT}").attrs["entra_categories"]
    assert isinstance(entra, Unknowable) and not entra.error
    # What the plan does hold stays known.
    assert attr(found, ARCHIVE, "locks")[0]["level"] == "CanNotDelete"
    assert attr(found, f"{NETWORK}virtualnetworks/vnet-hub", "in_use") is True


def test_plan_of_azure_runs_without_any_azure_sdk(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from scanner.cli import main\n"
        "result = CliRunner().invoke(main, sys.argv[1:])\n"
        "sdk = sorted(m for m in sys.modules if m.split('.')[0] in ('azure', 'msrest'))\n"
        "print(result.exit_code, sdk)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "plan",
            str(GOLDEN),
            "--assume-complete",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    code, _, sdk = done.stdout.strip().splitlines()[-1].partition(" ")
    assert code in ("0", "1"), done.stdout[-2000:]
    assert sdk == "[]"
