"""Build inventories from plain data, with test defaults (account, region): for policy case
tests and documentation examples."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Absent, CollectionError, Link, Resource, Unknowable


def to_value(raw: Any) -> Any:
    """Turn `{unknown: reason}` / `{error: reason}` markers into Unknowable values, recursively."""
    if isinstance(raw, Mapping):
        if set(raw) == {"unknown"}:
            return Unknowable(str(raw["unknown"]))
        if set(raw) == {"error"}:
            return Unknowable(str(raw["error"]), error=True)
        return {k: to_value(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [to_value(v) for v in raw]
    return raw


def resource_from_data(data: Mapping[str, Any]) -> Resource:
    """A Resource from a plain mapping (type, id, name, account, region, attrs, links ...)."""
    links: dict[str, Link] = {}
    for name, targets in (data.get("links") or {}).items():
        links[name] = Link(targets=tuple(targets))
    for name, reason in (data.get("unresolved") or {}).items():
        marker = to_value(reason) if isinstance(reason, Mapping) else Unknowable(str(reason))
        links[name] = Link(targets=links.get(name, Link()).targets, unresolved=marker)
    placeholder: Unknowable | Absent | None = None
    if data.get("placeholder"):
        placeholder = Unknowable(str(data["placeholder"]))
    elif data.get("absent"):  # a target looked for and not there
        placeholder = Absent(str(data["absent"]))
    rtype = str(data["type"])
    return Resource(
        provider=rtype.split(".", 1)[0],
        account=str(data.get("account", "111111111111")),
        region=str(data.get("region", "us-east-1")),
        type=rtype,
        id=str(data["id"]),
        name=str(data.get("name", data["id"])),
        attrs=to_value(data.get("attrs") or {}),
        links=links,
        placeholder=placeholder,
        also_accounts=tuple(str(a) for a in data.get("also_accounts") or ()),
    )


def inventory_from_data(
    resources: Iterable[Mapping[str, Any]], errors: Iterable[Mapping[str, Any]] = ()
) -> Inventory:
    """An Inventory of plain-data resources and collection errors."""
    inventory = Inventory()
    for data in resources:
        inventory.add(resource_from_data(data))
    for err in errors:
        inventory.add_error(
            CollectionError(
                provider=str(err.get("provider", "aws")),
                account=str(err.get("account", "111111111111")),
                region=str(err.get("region", "us-east-1")),
                operation=str(err["operation"]),
                code=str(err.get("code", "AccessDenied")),
                message=str(err.get("message", "denied")),
                resource_types=tuple(err["resource_types"]),
                resource_id=err.get("resource_id"),
            )
        )
    return inventory


def schema_problems(resources: Iterable[Resource], provider: str) -> list[str]:
    """Where `provider`'s resources (placeholders aside) do not match their resource schemas."""
    import json

    import jsonschema

    from scanner.model import _jsonable
    from scanner.providers import schema_files

    problems = []
    for resource in resources:
        if resource.provider != provider or resource.placeholder is not None:
            continue
        schema = json.loads(schema_files()[resource.type].read_text())
        document = {"attrs": _jsonable(resource.attrs)}
        for error in jsonschema.Draft202012Validator(schema).iter_errors(document):
            path = "/".join(map(str, error.absolute_path))
            problems.append(f"{resource.type} {resource.name}: {path}: {error.message}")
    return problems
