"""Read `terraform show -json` (of a plan or a state) and build the inventory the live AWS
adapter would: same types, same attribute names, "known after apply" as Unknowable."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner.errors import InputError, Problem
from scanner.inventory import Inventory
from scanner.model import EvidenceRef, Resource, Unknowable
from scanner.providers.terraform import aws_s3
from scanner.providers.terraform.aws_coverage import regions
from scanner.providers.terraform.aws_types import ATTACHED, CONSUMED, TYPES
from scanner.providers.terraform.changes import log_store_changes
from scanner.providers.terraform.link import link
from scanner.providers.terraform.source import Mapped, PlanContext, PlanResource, overlay

SUPPORTED = "0.1, 0.2 and 1.x"
_VERSION = re.compile(r"^(1\.\d+|0\.[12])$")
_CALL = re.compile(r"module\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?")


class PlanError(InputError):
    """The plan file is not a `terraform show -json` document logward can read (exit 2)."""


@dataclass(frozen=True)
class PlanScan:
    """The inventory of a plan, what it leaves out, and what it destroys."""

    inventory: Inventory
    not_evaluated: dict[str, list[str]]  # Terraform type -> addresses logward does not judge
    deleted: list[str]  # addresses the plan destroys (a log store being destroyed is a finding)
    account: str
    # The plan entries each resource was read from, by the SHA-256 its evidence cites.
    evidence: dict[str, bytes] = field(default_factory=dict)


def load_plan(path: Path) -> dict[str, Any]:
    """The JSON of `terraform show -json` of a plan or a state; PlanError naming the file and
    the line when it is not one."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(Problem(where, None, f"cannot read the plan file: {exc}")) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(
            Problem(
                where,
                exc.lineno,
                f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            )
        ) from exc
    if (
        not isinstance(data, dict)
        or "format_version" not in data
        or ("planned_values" not in data and "values" not in data)
    ):
        raise PlanError(
            Problem(
                where,
                None,
                "not the output of `terraform show -json`: expected "
                "format_version with planned_values (a plan) or values (a "
                "state)",
            )
        )
    version = data["format_version"]
    if not isinstance(version, str) or not _VERSION.match(version):
        raise PlanError(
            Problem(
                where, None, f"unsupported format_version {version!r}: supported are {SUPPORTED}"
            )
        )
    root = (data.get("planned_values") or data.get("values") or {}).get("root_module")
    problem = _shape(root, "root_module")
    if problem:
        raise PlanError(Problem(where, None, problem))
    return data


def _shape(module: Any, where: str) -> str | None:
    """What is wrong with a module's shape, if anything (resources and child modules)."""
    if module is None:
        return None
    if not isinstance(module, Mapping):
        return f"{where} must be an object"
    resources = module.get("resources", [])
    if not isinstance(resources, list) or not all(
        isinstance(r, Mapping)
        and isinstance(r.get("address"), str)
        and isinstance(r.get("type"), str)
        for r in resources
    ):
        return f"{where}.resources must be a list of objects with address and type"
    children = module.get("child_modules", [])
    if not isinstance(children, list):
        return f"{where}.child_modules must be a list"
    for i, child in enumerate(children):
        problem = _shape(child, f"{where}.child_modules[{i}]")
        if problem:
            return problem
    return None


def plan_inventory(plan: Mapping[str, Any], account: str = "plan") -> PlanScan:
    """Map a loaded plan (or state) onto logward's AWS resource types, linked."""
    is_state = "planned_values" not in plan
    changes = {
        c["address"]: c
        for c in plan.get("resource_changes") or []
        if isinstance(c, Mapping) and isinstance(c.get("address"), str)
    }
    deleted = sorted(
        a
        for a, c in changes.items()
        if list((c.get("change") or {}).get("actions") or []) == ["delete"]
    )
    config = plan.get("configuration") or {}
    root = (plan.get("values") if is_state else plan.get("planned_values")) or {}
    resources = list(_instances(root.get("root_module") or {}, changes, config, is_state))
    ctx = PlanContext(
        resources,
        config.get("provider_config") or {},
        plan.get("variables") or {},
        is_state,
        account,
    )
    not_evaluated: dict[str, list[str]] = {}
    for res in resources:
        mapping = TYPES.get(res.type)
        if mapping is not None:
            ctx.ids[res.address] = mapping.resource_id(res)
        elif res.type not in CONSUMED:
            not_evaluated.setdefault(res.type, []).append(res.address)
    account_pab: Any = Unknowable("the account's S3 public access block is not in this plan")
    for res in resources:
        if res.type == aws_s3.ACCOUNT_PAB:
            account_pab = aws_s3.public_access_block(res)
        elif res.type in aws_s3.PARTS:
            ref = ctx.target(res, ("bucket",), ("aws_s3_bucket",), res.values.get("bucket"))
            if ref.resource is None:
                # It configures a bucket this plan does not hold: nothing here to judge.
                not_evaluated.setdefault(res.type, []).append(res.address)
            else:
                ctx.parts.setdefault(ref.resource.address, {}).setdefault(res.type, res)
        elif res.type in ATTACHED:
            owner = ATTACHED[res.type](res, ctx)
            if owner is None:
                not_evaluated.setdefault(res.type, []).append(res.address)
            else:
                ctx.members.setdefault(owner.address, {}).setdefault(res.type, []).append(res)
    inventory = Inventory()
    mapped: list[Mapped] = []
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    blobs: dict[str, bytes] = {}
    for res in resources:
        mapping = TYPES.get(res.type)
        if mapping is None:
            continue
        item = mapping.build(res, ctx)
        raw = _raw(changes, res, is_state)
        attached = [
            _raw(changes, m, is_state)
            for members in ctx.members.get(res.address, {}).values()
            for m in members
        ]
        if attached:
            raw["attached"] = attached  # the hash covers what the resource was read from
        blob = json.dumps(raw, sort_keys=True, default=str).encode()
        digest = hashlib.sha256(blob).hexdigest()
        blobs[digest] = blob
        evidence = EvidenceRef(
            operation="terraform show -json",
            region=item.resource.region,
            params={"address": res.address},
            time=stamp,
            sha256=digest,
            source="terraform",
        )
        item.resource = replace(item.resource, evidence=(evidence,))
        mapped.append(item)
        inventory.add(item.resource)
    # The account and its regions as the plan describes them: judged only under
    # --assume-complete, when the plan is taken to be the whole account.
    deployed = regions([item.resource for item in mapped], account)
    inventory.extend(deployed)
    inventory.add(
        Resource(
            provider="aws",
            account=account,
            region="global",
            type="aws.account",
            id=f"plan:{account}",
            name=account,
            attrs={
                "account_id": account,
                "partition": "aws",
                "caller_arn": None,
                "public_access_block": account_pab,
                "scanned_regions": [r.name for r in deployed],
                "enabled_regions": Unknowable("a plan does not say which regions are enabled"),
            },
        )
    )
    link(inventory, mapped, ctx, account_pab)
    inventory.extend(log_store_changes(plan, account))
    return PlanScan(
        inventory=inventory,
        not_evaluated=not_evaluated,
        deleted=deleted,
        evidence=blobs,
        account=account,
    )


def _raw(changes: Mapping[str, Any], res: PlanResource, is_state: bool) -> dict[str, Any]:
    """The part of the plan a resource was read from (what its evidence hash covers)."""
    return {
        "address": res.address,
        "change": changes.get(res.address),
        "expressions": res.expressions,
        "state": is_state,
    }


def _instances(
    module: Mapping[str, Any], changes: Mapping[str, Any], config: Mapping[str, Any], is_state: bool
) -> Iterator[PlanResource]:
    """Every managed resource instance of a module and its child modules, depth first."""
    module_address = str(module.get("address") or "")
    blocks = _config_blocks(config, module_address)
    for raw in module.get("resources") or []:
        if raw.get("mode", "managed") != "managed":
            continue  # data sources are read, not deployed
        address = str(raw["address"])
        values = raw.get("values") if isinstance(raw.get("values"), Mapping) else {}
        change = (changes.get(address) or {}).get("change") or {}
        unknown = change.get("after_unknown") if not is_state else None
        view = overlay(values, unknown or {}, address)
        name = str(raw.get("name") or address.rsplit(".", 1)[-1])
        block_config = blocks.get(f"{raw['type']}.{name}") or {}
        index = raw.get("index")
        yield PlanResource(
            address=address,
            module=module_address,
            type=str(raw["type"]),
            name=name,
            index=index if isinstance(index, int | str) else None,
            values=dict(view),
            expressions=block_config.get("expressions") or {},
            provider_key=block_config.get("provider_config_key"),
        )
    for child in module.get("child_modules") or []:
        yield from _instances(child, changes, config, is_state)


def _config_blocks(config: Mapping[str, Any], module_address: str) -> dict[str, Any]:
    """The configuration resource blocks of the module a module instance comes from."""
    module: Any = config.get("root_module") or {}
    for call in _CALL.findall(module_address):
        module = ((module.get("module_calls") or {}).get(call) or {}).get("module") or {}
    return {
        str(r.get("address")): r for r in module.get("resources") or [] if isinstance(r, Mapping)
    }
