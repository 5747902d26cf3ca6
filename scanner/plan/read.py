"""Read `terraform show -json` (of a plan or a state): check its shape, and list every managed
resource instance with "known after apply" marked as Unknowable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scanner.errors import InputError, Problem
from scanner.plan.context import PlanResource, overlay

SUPPORTED = "0.1, 0.2 and 1.x"
_VERSION = re.compile(r"^(1\.\d+|0\.[12])$")
_CALL = re.compile(r"module\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?")


class PlanError(InputError):
    """The plan file is not a `terraform show -json` document logward can read (exit 2)."""


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


def raw_entry(changes: Mapping[str, Any], res: PlanResource, is_state: bool) -> dict[str, Any]:
    """The part of the plan a resource was read from (what its evidence hash covers)."""
    return {
        "address": res.address,
        "change": changes.get(res.address),
        "expressions": res.expressions,
        "state": is_state,
    }


def instances(
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
        yield from instances(child, changes, config, is_state)


def _config_blocks(config: Mapping[str, Any], module_address: str) -> dict[str, Any]:
    """The configuration resource blocks of the module a module instance comes from."""
    module: Any = config.get("root_module") or {}
    for call in _CALL.findall(module_address):
        module = ((module.get("module_calls") or {}).get(call) or {}).get("module") or {}
    return {
        str(r.get("address")): r for r in module.get("resources") or [] if isinstance(r, Mapping)
    }
