"""The golden GCP plan and the lookups the GCP plan tests share."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from scanner.model import Resource
from scanner.plan.inventory import PlanScan, plan_inventory
from scanner.plan.read import load_plan
from tests.support.inventory import schema_problems as inventory_schema_problems
from tests.terraform.planedit import after_unknown as after_unknown
from tests.terraform.planedit import set_actions as set_actions

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = FIXTURES / "gcp" / "golden-plan.json"
ROOT = Path(__file__).resolve().parents[2]
ORG = "organizations/100000000001"
PROD, DEV = "folders/200000000001", "folders/200000000002"
FOLDER_SINK = "//logging.googleapis.com/folders/200000000001/sinks/prod-audit"
ARCHIVE = "//storage.googleapis.com/lw-audit-archive"
ARCHIVE_KEY = "projects/lw-logging/locations/us/keyRings/audit/cryptoKeys/archive"
LOCKED = "//logging.googleapis.com/projects/lw-logging/locations/global/buckets/audit-locked"
LOGBUCKET_KEY = "projects/lw-logging/locations/global/keyRings/audit/cryptoKeys/logbucket"
PARTIAL = "//logging.googleapis.com/projects/dev-tools/sinks/partial"
OLD_ARCHIVE = "//logging.googleapis.com/projects/prod-data/sinks/old-archive"
TO_BQ = "//logging.googleapis.com/projects/prod-data/sinks/to-bq"
CHANNEL_OK = "//monitoring.googleapis.com/projects/lw-logging/notificationChannels/2001"
CHANNEL_UNVERIFIED = "//monitoring.googleapis.com/projects/prod-app/notificationChannels/2101"
RM = "//cloudresourcemanager.googleapis.com/"
SUBNETS = "//compute.googleapis.com/projects/prod-app/regions/us-central1/subnetworks/"


@cache
def _golden() -> dict[str, Any]:
    return load_plan(GOLDEN)


def golden() -> dict[str, Any]:
    return copy.deepcopy(_golden())


def scan(plan: dict[str, Any]) -> PlanScan:
    return plan_inventory(plan)


@cache
def golden_scan() -> PlanScan:
    return scan(golden())


def get(found: PlanScan, rid: str) -> Resource:
    res = found.inventory.get(rid)
    assert res is not None, (rid, sorted(r.id for r in found.inventory))
    return res


def attr(found: PlanScan, rid: str, name: str) -> Any:
    return get(found, rid).attrs[name]


def schema_problems(found: PlanScan) -> list[str]:
    """Where the plan's GCP resources do not match their resource schemas."""
    return inventory_schema_problems(found.inventory, "gcp")


def add_resource(plan: dict[str, Any], tf_type: str, name: str, planned: dict[str, Any]) -> str:
    """A resource the configuration adds (no expressions: literal arguments)."""
    address = f"{tf_type}.{name}"
    plan["planned_values"]["root_module"]["resources"].append(
        {"address": address, "mode": "managed", "type": tf_type, "name": name, "values": planned}
    )
    plan["resource_changes"].append(
        {
            "address": address,
            "mode": "managed",
            "type": tf_type,
            "name": name,
            "change": {"actions": ["create"], "after": planned, "after_unknown": {}},
        }
    )
    return address
