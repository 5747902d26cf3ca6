"""The one table of clouds logward knows, and lookups over it.

Each entry names the module attribute holding a cloud's adapter (`providers/base.py`); the
module is imported on first use, so `logward plan` imports no cloud SDK and a cloud whose SDK is
not installed costs nothing until it is scanned. The core never names a cloud: it asks this
table. A cloud shipped elsewhere (a plugin, a test's own provider) is added with `register()`,
or for the command line with LOGWARD_PROVIDERS="name=package.module:ATTRIBUTE,...".
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import InputError

if TYPE_CHECKING:
    from scanner.policy.operators import Operator
    from scanner.providers.base import Adapter

BUILTIN: dict[str, str] = {
    "aws": "scanner.providers.aws:ADAPTER",
    "gcp": "scanner.providers.gcp:ADAPTER",
    "azure": "scanner.providers.azure:ADAPTER",
}
ENV = "LOGWARD_PROVIDERS"

_added: dict[str, str | Adapter] = {}
_loaded: dict[str, Adapter] = {}
_cache: dict[str, Any] = {}


def _table() -> dict[str, str | Adapter]:
    table: dict[str, str | Adapter] = dict(BUILTIN)
    for item in os.environ.get(ENV, "").split(","):
        name, _, target = item.strip().partition("=")
        if name and target:
            table[name] = target
    table.update(_added)
    return table


def names() -> list[str]:
    """Every registered cloud, built-in ones first."""
    return list(_table())


def get(name: str) -> Adapter:
    """The adapter of cloud `name`; InputError (exit 2) for a cloud logward does not know."""
    found = _loaded.get(name)
    if found is not None:
        return found
    target = _table().get(name)
    if target is None:
        raise InputError(f"unknown cloud {name!r}; expected one of {', '.join(names())}")
    adapter: Adapter
    if isinstance(target, str):
        module, _, attribute = target.partition(":")
        adapter = getattr(importlib.import_module(module), attribute)
    else:
        adapter = target
    if adapter.name != name:
        raise InputError(
            f"{target}: the adapter is called {adapter.name!r}, registered as {name!r}"
        )
    _loaded[name] = adapter
    return adapter


def adapters() -> list[Adapter]:
    """Every registered adapter (importing each module once)."""
    return [get(name) for name in names()]


def owner(rtype: str) -> Adapter | None:
    """The adapter of a resource type (`aws.s3.bucket` -> aws), if registered."""
    name = rtype.split(".", 1)[0]
    return get(name) if name in _table() else None


def register(name: str, target: str | Adapter) -> None:
    """Add a cloud (or replace one) for this process: "module:ATTRIBUTE" or an adapter."""
    _added[name] = target
    _forget()


def unregister(name: str) -> None:
    """Undo register()."""
    _added.pop(name, None)
    _forget()


@contextmanager
def registered(name: str, target: str | Adapter) -> Iterator[None]:
    """register() for the duration of a block, restoring what was there before."""
    before = _added.get(name)
    register(name, target)
    try:
        yield
    finally:
        if before is None:
            unregister(name)
        else:
            register(name, before)


def _forget() -> None:
    _loaded.clear()
    _cache.clear()


def resource_schemas() -> Mapping[str, Mapping[str, Any]]:
    """Every resource type's JSON Schema, from every adapter's schema folder, by type."""
    found: dict[str, Mapping[str, Any]] | None = _cache.get("schemas")
    if found is None:
        found = {}
        for adapter in adapters():
            for path in sorted(Path(adapter.schema_dir).glob("*.json")):
                found[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        _cache["schemas"] = found
    return found


def schema_files() -> dict[str, Path]:
    """The file of every resource type's schema, by type."""
    return {
        path.stem: path
        for adapter in adapters()
        for path in sorted(Path(adapter.schema_dir).glob("*.json"))
    }


def operators() -> dict[str, Operator]:
    """The condition operators every registered adapter adds to the generic ones."""
    found: dict[str, Operator] = {}
    for adapter in adapters():
        found.update(adapter.operators)
    return found
