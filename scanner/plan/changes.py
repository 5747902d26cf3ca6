"""Planned changes to log stores: destroying one (or replacing it, which destroys the old one
and its logs) is itself a finding, whatever the new configuration looks like. Which changes
are of log stores, each cloud says (`TerraformProvider.log_stores`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scanner.model import Resource

if TYPE_CHECKING:
    from scanner.providers.base import Adapter


def change_type(cloud: str) -> str:
    """The resource type of a cloud's planned log-store changes."""
    return f"{cloud}.plan.log_store_change"


def managed_changes(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The plan's changes to managed resources (data sources are read, not deployed)."""
    return [
        c
        for c in plan.get("resource_changes") or []
        if isinstance(c, Mapping) and c.get("mode", "managed") == "managed"
    ]


def configuration_root(plan: Mapping[str, Any]) -> Mapping[str, Any]:
    """The root module of the plan's configuration (its expressions and references)."""
    root: Mapping[str, Any] = (plan.get("configuration") or {}).get("root_module") or {}
    return root


def configuration_references(expression: Any) -> Iterator[str]:
    """Every reference anywhere in a configuration expression tree (nested blocks are lists of
    dicts)."""
    if isinstance(expression, list):
        for item in expression:
            yield from configuration_references(item)
    elif isinstance(expression, Mapping):
        for key, value in expression.items():
            if key == "references" and isinstance(value, list):
                yield from (str(r) for r in value)
            else:
                yield from configuration_references(value)


def named_in_configuration(
    module: Mapping[str, Any], owners: set[str], rtype: str, prefix: str = ""
) -> set[str]:
    """Addresses of `rtype` resources the configuration of `owners` (addresses) references,
    child modules included: this holds even when the named value is known only after apply."""
    found: set[str] = set()
    for resource in module.get("resources") or []:
        if f"{prefix}{resource.get('type')}.{resource.get('name')}" not in owners:
            continue
        for ref in configuration_references(resource.get("expressions") or {}):
            parts = ref.split(".")
            if len(parts) >= 2 and parts[0] == rtype:
                found.add(f"{prefix}{rtype}.{parts[1]}")
    for name, call in (module.get("module_calls") or {}).items():
        found |= named_in_configuration(
            call.get("module") or {}, owners, rtype, f"{prefix}module.{name}."
        )
    return found


def prior_state_resources(plan: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every resource of the plan's prior state, child modules included."""
    values = (plan.get("prior_state") or {}).get("values") or {}
    stack = [values.get("root_module") or {}]
    while stack:
        module = stack.pop()
        yield from module.get("resources") or []
        stack.extend(module.get("child_modules") or [])


def log_store_changes(
    plan: Mapping[str, Any], account: str, clouds: Sequence[Adapter]
) -> Iterator[Resource]:
    """One resource per planned change (create, update, replace, delete) of a log store."""
    tests = [
        (cloud, cloud.terraform, cloud.terraform.log_stores(plan))
        for cloud in clouds
        if cloud.terraform is not None
    ]
    extra = {
        cloud.name: cloud.terraform.change_attrs(plan)
        for cloud in clouds
        if cloud.terraform is not None and cloud.terraform.change_attrs is not None
    }
    for change in managed_changes(plan):
        body = change.get("change") or {}
        actions = [str(a) for a in body.get("actions") or []]
        if actions in (["no-op"], ["read"]) or not actions:
            continue
        rtype = str(change.get("type", ""))
        owner = next((c for c, tf, test in tests if tf.holds(rtype) and test(change)), None)
        if owner is None:
            continue
        address = str(change["address"])
        yield Resource(
            provider=owner.name,
            account=account,
            region="global",
            type=change_type(owner.name),
            id=f"plan-change:{address}",
            name=address,
            attrs={
                "address": address,
                "terraform_type": rtype,
                "actions": actions,
                # Replacement deletes the old object first or last: its logs go either way.
                "destroys": "delete" in actions,
                **(extra[owner.name](change) if owner.name in extra else {}),
            },
        )
