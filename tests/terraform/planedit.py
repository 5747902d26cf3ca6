"""Editing a `terraform show -json` document the way another configuration would have produced
it: the plan tests share these."""

from __future__ import annotations

import copy
from typing import Any


def _root(plan: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = plan["planned_values"]["root_module"]
    return found


def _config(plan: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = plan["configuration"]["root_module"]
    return found


def values(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in _root(plan)["resources"] if r["address"] == address)[
        "values"
    ]
    return found


def change(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in plan["resource_changes"] if c["address"] == address)[
        "change"
    ]
    return found


def unknown(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = change(plan, address)["after_unknown"]
    return found


def block_config(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in _config(plan)["resources"] if r["address"] == address)
    return found


def expressions(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = block_config(plan, address)["expressions"]
    return found


def drop(plan: dict[str, Any], address: str) -> None:
    root = _root(plan)
    root["resources"] = [r for r in root["resources"] if r["address"] != address]
    plan["resource_changes"] = [c for c in plan["resource_changes"] if c["address"] != address]
    config = _config(plan)
    config["resources"] = [r for r in config["resources"] if r["address"] != address]


def unset(plan: dict[str, Any], address: str, attr: str) -> None:
    """An argument the configuration no longer writes (not in values, unknown or expressions)."""
    values(plan, address).pop(attr, None)
    unknown(plan, address).pop(attr, None)
    expressions(plan, address).pop(attr, None)


def add(
    plan: dict[str, Any],
    rtype: str,
    name: str,
    planned: dict[str, Any],
    exprs: dict[str, Any] | None = None,
) -> None:
    """A new resource created by the plan."""
    address = f"{rtype}.{name}"
    _root(plan)["resources"].append(
        {"address": address, "mode": "managed", "type": rtype, "name": name, "values": planned}
    )
    plan["resource_changes"].append(
        {
            "address": address,
            "type": rtype,
            "name": name,
            "change": {"actions": ["create"], "after": planned, "after_unknown": {"id": True}},
        }
    )
    _config(plan)["resources"].append(
        {
            "address": address,
            "mode": "managed",
            "type": rtype,
            "name": name,
            "provider_config_key": "aws",
            "expressions": exprs or {},
        }
    )


def clone(plan: dict[str, Any], address: str, name: str) -> str:
    """A copy of a resource under another name (values, change and configuration)."""
    rtype = address.split(".", 1)[0]
    new = f"{rtype}.{name}"
    raw = copy.deepcopy(next(r for r in _root(plan)["resources"] if r["address"] == address))
    raw.update(address=new, name=name)
    _root(plan)["resources"].append(raw)
    change = copy.deepcopy(next(c for c in plan["resource_changes"] if c["address"] == address))
    change.update(address=new, name=name)
    plan["resource_changes"].append(change)
    config = copy.deepcopy(block_config(plan, address))
    config.update(address=new, name=name)
    _config(plan)["resources"].append(config)
    return new


def after_unknown(plan: dict[str, Any], address: str, attr_name: str) -> None:
    """The argument known only after apply (as a create or an update computing it shows it)."""
    values(plan, address).pop(attr_name, None)
    unknown(plan, address)[attr_name] = True


def set_actions(plan: dict[str, Any], address: str, actions: list[str]) -> None:
    change(plan, address)["actions"] = actions
