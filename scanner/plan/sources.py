"""Where each plan resource is written: `.tf` file and line, for SARIF and PR annotations."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.reading import read_text

_BLOCK = re.compile(r'^[ \t]*resource\s+"([^"]+)"\s+"([^"]+)"', re.MULTILINE)
_INDEX = re.compile(r"\[[^\]]*\]")


def locate(source_dir: Path, plan: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Resource address (without count/for_each index) -> (path relative to `source_dir`,
    line). Local modules (`source = "./..."`) are followed through the plan's configuration;
    registry modules have no local source and are left out."""
    found: dict[str, tuple[str, int]] = {}
    root = (plan.get("configuration") or {}).get("root_module") or {}
    _walk(source_dir.resolve(), source_dir.resolve(), "", root, found)
    return found


def _walk(
    base: Path,
    folder: Path,
    prefix: str,
    module: Mapping[str, Any],
    found: dict[str, tuple[str, int]],
) -> None:
    for path in sorted(folder.glob("*.tf")):
        try:
            text = read_text(path, "Terraform file")
        except InputError:
            continue  # locating findings is best effort; a FIFO named x.tf must not hang it
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(
                f"{prefix}{match.group(1)}.{match.group(2)}", (str(path.relative_to(base)), line)
            )
    for name, call in (module.get("module_calls") or {}).items():
        source = str(call.get("source", ""))
        if source.startswith(("./", "../")):
            child = (folder / source).resolve()
            if child.is_dir() and child.is_relative_to(base):
                _walk(base, child, f"{prefix}module.{name}.", call.get("module") or {}, found)


def address_key(address: str) -> str:
    """`module.logs["a"].aws_s3_bucket.trail[0]` -> `module.logs.aws_s3_bucket.trail`."""
    return _INDEX.sub("", address)
