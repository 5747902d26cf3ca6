"""The golden Azure plan and the lookups the Azure plan tests share."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from scanner.model import Resource
from scanner.plan.inventory import PlanScan, plan_inventory
from scanner.plan.read import load_plan
from tests.support.inventory import schema_problems as inventory_schema_problems
from tests.terraform.azure_golden import OUT as GOLDEN
from tests.terraform.planedit import after_unknown as after_unknown
from tests.terraform.planedit import set_actions as set_actions

TENANT = "11111111-1111-1111-1111-111111111111"
LOGGING = "22222222-0000-0000-0000-000000000001"
PROD = "22222222-0000-0000-0000-000000000002"
SHARED = "22222222-0000-0000-0000-000000000004"
AUDIT = f"/subscriptions/{LOGGING}/resourcegroups/rg-audit/providers"
ARCHIVE = f"{AUDIT}/microsoft.storage/storageaccounts/lwauditarchive"
LAW = f"{AUDIT}/microsoft.operationalinsights/workspaces/law-central"
PRODLOGS = (
    f"/subscriptions/{PROD}/resourcegroups/rg-prod/providers/microsoft.storage/storageaccounts/"
    "lwprodlogs"
)
KV_PROD = (
    f"/subscriptions/{PROD}/resourcegroups/rg-prod/providers/microsoft.keyvault/vaults/kv-prod"
)
EXTARCHIVE = (
    "/subscriptions/99999999-0000-0000-0000-000000000009/resourcegroups/rg-ext/providers/"
    "microsoft.storage/storageaccounts/lwextarchive"
)
CONTAINERS = f"{ARCHIVE}/blobservices/default/containers/"
SETTINGS = "/providers/microsoft.insights/diagnosticsettings/"
ENTRA = "/providers/microsoft.aadiam/diagnosticsettings/entra-to-law"
SECURITY = f"/subscriptions/{LOGGING}/resourcegroups/rg-security/providers/microsoft.insights/"
PROD_INSIGHTS = f"/subscriptions/{PROD}/resourcegroups/rg-prod/providers/microsoft.insights/"
NETWORK = f"/subscriptions/{LOGGING}/resourcegroups/rg-network/providers/microsoft.network/"
PROD_NETWORK = f"/subscriptions/{PROD}/resourcegroups/rg-prod-network/providers/microsoft.network/"
WATCHERS = "/resourcegroups/networkwatcherrg/providers/microsoft.network/networkwatchers/"


@cache
def _golden() -> dict[str, Any]:
    return load_plan(GOLDEN)


def golden() -> dict[str, Any]:
    """A fresh copy of the golden plan, to edit."""
    return copy.deepcopy(_golden())


def scan(plan: dict[str, Any], complete: bool = False) -> PlanScan:
    """The plan's inventory (every registered cloud's mappings)."""
    return plan_inventory(plan, complete=complete)


@cache
def golden_scan(complete: bool = True) -> PlanScan:
    """The golden plan as `logward plan --assume-complete` reads it (or without)."""
    return scan(golden(), complete)


def get(found: PlanScan, rid: str) -> Resource:
    res = found.inventory.get(rid)
    assert res is not None, (rid, sorted(r.id for r in found.inventory if r.provider == "azure"))
    return res


def attr(found: PlanScan, rid: str, name: str) -> Any:
    return get(found, rid).attrs[name]


def schema_problems(found: PlanScan) -> list[str]:
    """Where the plan's Azure resources do not match their resource schemas."""
    return inventory_schema_problems(found.inventory, "azure")
