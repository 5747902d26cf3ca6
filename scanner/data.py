"""Where the shipped policies, mappings, templates and schemas live (wheel or checkout)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The shipped folder `name` (policies, mappings, reports).

    In a wheel they are under scanner/_data; in a source checkout (editable install, tests)
    they are at the top of the repository.
    """
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped in scanner/schemas, by file name without `.schema.json`."""
    path = _PACKAGE / "schemas" / f"{name}.schema.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
