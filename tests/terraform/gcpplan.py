"""The golden GCP plan and the lookups the GCP plan tests share."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from scanner.model import Resource
from scanner.plan.inventory import PlanScan, plan_inventory
from scanner.plan.read import load_plan
from tests.terraform.planedit import change, unknown, values

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


def after_unknown(plan: dict[str, Any], address: str, attr_name: str) -> None:
    """The argument known only after apply (as a create or an update computing it shows it)."""
    values(plan, address).pop(attr_name, None)
    unknown(plan, address)[attr_name] = True


def set_actions(plan: dict[str, Any], address: str, actions: list[str]) -> None:
    change(plan, address)["actions"] = actions


def schema_problems(found: PlanScan) -> list[str]:
    """Where the plan's GCP resources do not match their resource schemas."""
    import jsonschema

    from scanner.model import _jsonable
    from scanner.providers import schema_files

    problems = []
    for resource in found.inventory:
        if resource.provider != "gcp" or resource.placeholder is not None:
            continue
        schema = json.loads(schema_files()[resource.type].read_text())
        document = {"attrs": _jsonable(resource.attrs)}
        for error in jsonschema.Draft202012Validator(schema).iter_errors(document):
            path = "/".join(map(str, error.absolute_path))
            problems.append(f"{resource.type} {resource.name}: {path}: {error.message}")
    return problems


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
