"""Read `terraform show -json` (of a plan or a state): check its shape, and list every managed
resource instance with "known after apply" marked as Unknowable."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from scanner.data import schema
from scanner.errors import InputError, Problem, clip
from scanner.plan.context import PlanResource, overlay
from scanner.reading import parse_json, read_text
from scanner.schemacheck import compile_schema

SUPPORTED = "0.1, 0.2 and 1.x"
_VERSION = re.compile(r"^(1\.\d+|0\.[12])$")
_CALL = re.compile(r"module\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?")


class PlanError(InputError):
    """The plan file is not a `terraform show -json` document logward can read (exit 2)."""


def load_plan(path: Path) -> dict[str, Any]:
    """The JSON of `terraform show -json` of a plan or a state; PlanError naming the file (and
    the line, when there is one) when it is not one. Read within the bounds of
    scanner.reading; its shape is checked against plan.schema.json (the parts logward reads)."""
    where = str(path)
    try:
        data = parse_json(read_text(path, "plan file (terraform show -json)"), where)
    except PlanError:
        raise
    except InputError as exc:
        raise PlanError(exc.problems) from None
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
                where,
                None,
                f"unsupported format_version {clip(version)}: supported are {SUPPORTED}",
            )
        )
    problems = _shape_problems(data, where)
    if problems:
        raise PlanError(problems)
    return data


@cache
def _fast_check() -> Callable[[Any], bool]:
    return compile_schema(schema("plan"), schema("plan"))


def _shape_problems(data: Mapping[str, Any], where: str) -> list[Problem]:
    """Each place the plan's JSON types are not those logward reads (at most ten). The
    compiled check answers for a valid plan; jsonschema only explains an invalid one."""
    if _fast_check()(data):
        return []
    validator = jsonschema.Draft202012Validator(schema("plan"))
    problems = []
    for error in validator.iter_errors(data):
        at = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        if error.validator == "type":
            said = f"{clip(error.instance, 80)} is not of type {error.validator_value!r}"
        elif error.validator == "required":
            said = f"missing required field {error.message.split(' is a required')[0]}"
        else:
            said = "expected planned_values (a plan) or values (a state)"
        problems.append(Problem(where, None, f"at {at}: {said}; expected `terraform show -json`"))
        if len(problems) == 10:
            break
    return problems


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
