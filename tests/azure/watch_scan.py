"""Scans of the golden tenant (or a copy of it) through the real azure-mgmt-* clients against
the fake ARM server, for the alert, network and authorization tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scanner.evidence import EvidenceStore
from scanner.model import CollectionError
from scanner.providers.azure.adapter import LiveSource, Request
from scanner.providers.azure.clients import StaticToken
from scanner.providers.azure.fake import TENANT, serving
from scanner.providers.azure.services import SERVICES
from scanner.source import Collected, silent

SUBS = {n: f"22222222-0000-0000-0000-00000000000{n}" for n in (1, 2, 3, 4)}
TENANT_ID = "11111111-1111-1111-1111-111111111111"
Override = Callable[[Any], Any]


def copy_tenant(target: Path) -> Path:
    """A writable copy of the golden tenant (tests that change fixtures)."""
    shutil.copytree(TENANT, target)
    return target


def scan(
    root: Path = TENANT, overrides: Sequence[Override] = (), request: Request | None = None
) -> tuple[Collected, list[Any]]:
    """Collect `root` through the real clients; the collected result and every request."""
    with serving(root) as fake:
        fake.overrides.extend(overrides)
        source = LiveSource(
            StaticToken(),
            request or Request(),
            EvidenceStore(),
            fake.base,
            fake.ca_file,
            services=SERVICES,
        )
        collected = source.collect(silent)
        return collected, list(fake.requests)


def errors(collected: Collected, types: Sequence[str]) -> list[CollectionError]:
    """The collection errors naming one of `types`, in order."""
    return [e for e in collected.inventory.errors if any(t in e.resource_types for t in types)]


def subscription(collected: Collected, n: int) -> Any:
    """The azure.subscription resource of golden subscription `n`."""
    found = collected.inventory.get(f"/subscriptions/{SUBS[n]}")
    assert found is not None
    return found


def schema_errors(collected: Collected, types: Sequence[str]) -> list[str]:
    """Every way a collected resource of `types` breaks its type's JSON Schema."""
    import jsonschema

    from scanner.model import _jsonable
    from scanner.providers import resource_schemas

    found: list[str] = []
    schemas = resource_schemas()
    for rtype in types:
        validator = jsonschema.Draft202012Validator(schemas[rtype])
        for resource in collected.inventory.of_type(rtype):
            if resource.placeholder is not None:
                continue
            for error in validator.iter_errors({"attrs": _jsonable(resource.attrs)}):
                where = "/".join(map(str, error.absolute_path))
                found.append(f"{resource.id}: {where}: {error.message}")
    return found
