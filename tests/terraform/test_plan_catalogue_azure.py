"""Every shipped Azure policy a plan can judge, on the Terraform plan of the golden tenant
(fixtures/azure/golden-plan.json, judged as `logward plan --assume-complete` judges it), against
the live scan of the same tenant through the real azure-mgmt-* clients and the loopback fake ARM
server (scanner/providers/azure/fake): the same status for every (policy, resource) both judge,
but where a plan cannot know what the live scan knows (PLAN_CANNOT_KNOW, with the reason);
what only one of them judges is named, with the reason (NOT_IN_PLANS, PLAN_ONLY, LIVE_GAPS).
Then each plan policy is seen to pass and to fail on some plan.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from scanner import pipeline
from scanner.model import Finding, Status
from scanner.plan.read import load_plan
from scanner.policy.loader import load_policies
from scanner.source import SourceInfo
from tests.support.pipeline import judge_plan, shipped_catalogue
from tests.terraform.azureplan import (
    ARCHIVE,
    CONTAINERS,
    GOLDEN,
    KV_PROD,
    LAW,
    PROD,
)
from tests.terraform.planedit import values

PASS, FAIL = Status.PASS, Status.FAIL
PLAN_ONLY_POLICY = "azure-plan-log-store-not-destroyed"
PLAN_POLICIES = sorted(
    p.id for p in load_policies() if p.provider == "azure" and "plan" in p.evaluate_on
)
DEVELOPMENT = "22222222-0000-0000-0000-000000000003"
Key = tuple[str, str]

# Live findings a plan never has, by rule, with the reason.
NOT_IN_PLANS = (
    "subscription ...0003 (Development) answers 403 AuthorizationFailed to every call: the live "
    "scan gives error for it and its listings; a plan has no call that can fail, and the golden "
    "configuration deploys nothing into it"
)
EXT_CONTAINERS = (
    "/subscriptions/99999999-0000-0000-0000-000000000009/resourcegroups/rg-ext/providers/"
    "microsoft.storage/storageaccounts/lwextarchive/blobservices/default/containers"
)
# What the live scan judges and a plan does not, with the reason; a row here fails once the
# plan judges it, so it is removed then.
LIVE_ONLY: dict[Key, str] = {
    ("azure-storage-log-container-immutable", EXT_CONTAINERS): (
        "lwextarchive lies in a subscription the credential does not see: live, one unknown "
        "row stands for its unread log containers; a plan declares no container of a store "
        "outside the configuration, and has no placeholder for them"
    ),
}
# (policy, resource) -> (the status a plan gives, why it cannot give the live one).
PLAN_CANNOT_KNOW: dict[Key, tuple[Status, str]] = {}
# What the plan judges and the live scan of the fake does not, with the reason.
PLAN_ONLY: dict[Key, str] = {}
# What the contract's golden tenant says the live scan judges and it does not yet: a row here
# fails once the live scan judges it, so it is removed then.
LIVE_GAPS: dict[Key, str] = {}


def _judge(plan: dict[str, Any]) -> dict[Key, Finding]:
    return {
        (f.policy_id, f.resource_id): f
        for f in judge_plan(plan)
        if f.policy_id.startswith("azure-")
    }


@cache
def plan_findings() -> dict[Key, Finding]:
    """`logward plan --assume-complete` on the golden plan, Azure findings by key."""
    return _judge(load_plan(GOLDEN))


@cache
def live_findings() -> dict[Key, Finding]:
    """The live scan of the golden tenant through the real clients against the loopback fake,
    judged by the plan catalogue (the policies a plan run applies)."""
    pytest.importorskip("azure.mgmt.resource")
    from scanner.evidence import EvidenceStore
    from scanner.providers.azure.demo import demo_source
    from scanner.providers.azure.services import SERVICES
    from scanner.source import silent

    with demo_source(EvidenceStore(), SERVICES) as source:
        collected = source.collect(silent)
    info = SourceInfo(label="azure", kind="plan", clouds=frozenset({"azure"}), complete=True)
    findings = pipeline.assess(shipped_catalogue(), info, collected).findings
    return {(f.policy_id, f.resource_id): f for f in findings if f.policy_id.startswith("azure-")}


def _development(key: Key) -> bool:
    return DEVELOPMENT in key[1]


def test_plan_verdicts_agree_with_the_live_scan_of_the_fake() -> None:
    planned, live = plan_findings(), live_findings()
    differ = []
    for key in sorted(set(planned) & set(live)):
        expected = PLAN_CANNOT_KNOW.get(key, (live[key].status, ""))[0]
        if planned[key].status is not expected:
            differ.append((key, planned[key].status, live[key].status, live[key].message))
    assert not differ, "\n".join(map(str, differ))
    # What only the live scan judges is subscription 0003's (error) and LIVE_ONLY's.
    assert not set(LIVE_ONLY) & set(planned), sorted(set(LIVE_ONLY) & set(planned))
    assert set(LIVE_ONLY) <= set(live), sorted(set(LIVE_ONLY) - set(live))
    only_live = {k: live[k].status for k in set(live) - set(planned) - set(LIVE_ONLY)}
    assert all(_development(k) for k in only_live), (NOT_IN_PLANS, sorted(only_live))
    assert set(only_live.values()) == {Status.ERROR}
    # What only the plan judges is named, with the reason.
    only_plan = {k for k in set(planned) - set(live) if k[0] != PLAN_ONLY_POLICY}
    assert only_plan == set(PLAN_ONLY) | set(LIVE_GAPS)


def test_every_plan_policy_is_judged_on_the_golden_plan() -> None:
    judged = {k[0] for k in plan_findings()}
    assert set(PLAN_POLICIES) - {PLAN_ONLY_POLICY} <= judged


def test_the_tables_name_real_differences() -> None:
    planned, live = plan_findings(), live_findings()
    for key, (status, _why) in PLAN_CANNOT_KNOW.items():
        assert planned[key].status is status and live[key].status is not status, key
    for key in [*PLAN_ONLY, *LIVE_GAPS]:
        assert key in planned and key not in live, key
    assert not set(PLAN_ONLY) & set(LIVE_GAPS)


# ----- the other status of policies the golden tenant judges one way only -----------------
# Each edit is what another configuration would have produced; judged on the plan only.

ARCHIVE_ADDRESS = "azurerm_storage_account.auditarchive"


def _public_archive(plan: dict[str, Any]) -> None:
    values(plan, ARCHIVE_ADDRESS).update(
        allow_nested_items_to_be_public=True,
        min_tls_version="TLS1_1",
        shared_access_key_enabled=True,
    )


def _open_archive(plan: dict[str, Any]) -> None:
    values(plan, ARCHIVE_ADDRESS)["network_rules"] = []


def _archive_without_cmk(plan: dict[str, Any]) -> None:
    values(plan, ARCHIVE_ADDRESS)["customer_managed_key"] = []


def _no_locks(plan: dict[str, Any]) -> None:
    root = plan["planned_values"]["root_module"]
    root["resources"] = [r for r in root["resources"] if r["type"] != "azurerm_management_lock"]


def _locked_short(plan: dict[str, Any]) -> None:
    """The unlocked auditevent policy locked; the locked one shortened to 30 days."""
    values(plan, "azurerm_storage_container_immutability_policy.insights_logs_auditevent")[
        "locked"
    ] = True
    values(plan, "azurerm_storage_container_immutability_policy.insights_activity_logs")[
        "immutability_period_in_days"
    ] = 30


def _short_tables(plan: dict[str, Any]) -> None:
    values(plan, "azurerm_log_analytics_workspace_table.azureactivity")[
        "total_retention_in_days"
    ] = 90


def _long_workspace(plan: dict[str, Any]) -> None:
    """Every table that keeps the workspace default keeps 730 days."""
    values(plan, "azurerm_log_analytics_workspace.central")["retention_in_days"] = 730


def _vault_without_setting(plan: dict[str, Any]) -> None:
    root = plan["planned_values"]["root_module"]
    root["resources"] = [
        r
        for r in root["resources"]
        if r["address"] != "azurerm_monitor_diagnostic_setting.kv_prod_audit"
    ]


def _all_entra_categories(plan: dict[str, Any]) -> None:
    logs = values(plan, "azurerm_monitor_aad_diagnostic_setting.entra_to_law")["enabled_log"]
    for category in ("RiskyUsers", "UserRiskEvents", "MicrosoftGraphActivityLogs"):
        logs.append({"category": category})


def _disabled_alerts(plan: dict[str, Any]) -> None:
    for raw in plan["planned_values"]["root_module"]["resources"]:
        if raw["type"] == "azurerm_monitor_activity_log_alert":
            raw["values"]["enabled"] = False


def _health_alert_narrowed(plan: dict[str, Any]) -> None:
    """Service Health events of two incident types only: not every Service Health event."""
    values(plan, "azurerm_monitor_activity_log_alert.service_health")["criteria"][0][
        "service_health"
    ] = [{"events": ["Incident", "Maintenance"], "locations": [], "services": []}]


def _long_flow_log(plan: dict[str, Any]) -> None:
    values(plan, "azurerm_network_watcher_flow_log.fl_vnet_prod_weu")["retention_policy"] = [
        {"enabled": True, "days": 0}
    ]


def _watcher_everywhere(plan: dict[str, Any]) -> None:
    raw = copy.deepcopy(
        next(
            r
            for r in plan["planned_values"]["root_module"]["resources"]
            if r["address"] == "azurerm_network_watcher.prod_westeurope"
        )
    )
    raw.update(address="azurerm_network_watcher.prod_eastus", name="prod_eastus")
    raw["values"].update(
        location="eastus",
        name="NetworkWatcher_eastus",
        id=raw["values"]["id"].replace("westeurope", "eastus"),
    )
    plan["planned_values"]["root_module"]["resources"].append(raw)


def _short_activity(plan: dict[str, Any]) -> None:
    values(plan, "azurerm_monitor_diagnostic_setting.activity_to_archive")["enabled_log"] = [
        {"category": "Administrative", "category_group": ""}
    ]


SUB1 = "/subscriptions/22222222-0000-0000-0000-000000000001"
SUB2 = f"/subscriptions/{PROD}"
AUDITEVENT = f"{CONTAINERS}insights-logs-auditevent"
VARIANTS: list[tuple[str, str, Callable[[dict[str, Any]], None], Status]] = [
    ("azure-storage-log-account-not-public", ARCHIVE, _public_archive, FAIL),
    ("azure-storage-log-account-secure-transfer", ARCHIVE, _public_archive, FAIL),
    ("azure-storage-log-account-shared-key", ARCHIVE, _public_archive, FAIL),
    ("azure-storage-log-account-network", ARCHIVE, _open_archive, FAIL),
    ("azure-storage-log-account-cmk", ARCHIVE, _archive_without_cmk, FAIL),
    ("azure-storage-log-account-delete-lock", ARCHIVE, _no_locks, FAIL),
    ("azure-storage-log-container-immutable", AUDITEVENT, _locked_short, PASS),
    (
        "azure-storage-log-container-immutable",
        f"{CONTAINERS}insights-activity-logs",
        _locked_short,
        FAIL,
    ),
    ("azure-loganalytics-log-table-retention", f"{LAW}/tables/azureactivity", _short_tables, FAIL),
    ("azure-loganalytics-log-table-retention", f"{LAW}/tables/signinlogs", _long_workspace, PASS),
    ("azure-keyvault-logging", KV_PROD, _vault_without_setting, FAIL),
    (
        "azure-entra-diagnostic-setting",
        "/tenants/11111111-1111-1111-1111-111111111111",
        _all_entra_categories,
        PASS,
    ),
    (
        "azure-entra-graph-activity-logs",
        "/tenants/11111111-1111-1111-1111-111111111111",
        _all_entra_categories,
        PASS,
    ),
    ("azure-monitor-subscription-diagnostic-setting", SUB1, _short_activity, FAIL),
    ("azure-monitor-alert-service-health", SUB1, _health_alert_narrowed, FAIL),
    (
        "azure-network-vnet-flow-logs",
        f"{SUB2}/resourcegroups/rg-prod-network/providers/microsoft.network/virtualnetworks/vnet-prod-weu",
        _long_flow_log,
        PASS,
    ),
    ("azure-network-watcher-enabled", SUB2, _watcher_everywhere, PASS),
    *[
        (f"azure-monitor-alert-{slug}", SUB1, _disabled_alerts, FAIL)
        for slug in (
            "policy-assignment-create",
            "policy-assignment-delete",
            "nsg-write",
            "nsg-delete",
            "security-solution-write",
            "security-solution-delete",
            "sql-firewall-rule-write",
            "sql-firewall-rule-delete",
            "public-ip-write",
            "public-ip-delete",
        )
    ],
]


def test_every_plan_policy_passes_and_fails_on_some_plan() -> None:
    seen: dict[str, set[Status]] = {}
    for (pid, _rid), finding in plan_findings().items():
        seen.setdefault(pid, set()).add(finding.status)
    for pid, _rid, _edit, status in VARIANTS:
        seen.setdefault(pid, set()).add(status)
    # azure-plan-log-store-not-destroyed: test_plan_azure_changes.py judges planned changes.
    seen.setdefault(PLAN_ONLY_POLICY, set()).update({PASS, FAIL})
    lacking = {pid: seen.get(pid, set()) for pid in PLAN_POLICIES}
    assert {p: s for p, s in lacking.items() if not {PASS, FAIL} <= s} == {}


@pytest.mark.parametrize(
    ("policy", "rid", "edit", "status"), VARIANTS, ids=[f"{v[0]}-{v[3].value}" for v in VARIANTS]
)
def test_plan_variant_gives_the_other_status(
    policy: str, rid: str, edit: Callable[[dict[str, Any]], None], status: Status
) -> None:
    plan = copy.deepcopy(load_plan(GOLDEN))
    edit(plan)
    finding = _judge(plan)[(policy, rid)]
    assert finding.status is status, finding.message
    assert plan_findings()[(policy, rid)].status is not status


def test_alert_on_the_security_group_differs_only_in_case() -> None:
    """CIS 7.1.2.3 on 0001: the alert spells the operation in lower case, and counts."""
    criteria = values(load_plan(GOLDEN), "azurerm_monitor_activity_log_alert.nsg_write")["criteria"]
    assert criteria[0]["operation_name"] == "microsoft.network/networksecuritygroups/write"
    assert plan_findings()[("azure-monitor-alert-nsg-write", SUB1)].status is PASS
