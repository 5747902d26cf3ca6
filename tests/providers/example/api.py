"""The example cloud's API: JSON pages behind a transport, every call declared, recorded as
evidence and mapped to an error once, here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from scanner.evidence import EvidenceStore
from scanner.model import EvidenceRef
from scanner.providers.base import Call

# (path, page token or None) -> the JSON document of that page.
Transport = Callable[[str, str | None], Mapping[str, Any]]
CALLS = (Call("example", "ListLogStores", "example.logStores.list"),)


class ExampleCallError(Exception):
    """A call that failed, with the API's error code."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation}: {code}: {message}")
        self.operation = operation
        self.code = code
        self.message = message


def folder_transport(root: Path) -> Transport:
    """A transport that answers from files: `<path>.json`, `<path>.<token>.json`."""

    def get(path: str, token: str | None) -> Mapping[str, Any]:
        name = path.strip("/") + (f".{token}" if token else "") + ".json"
        file = root / name
        if not file.is_file():
            raise ExampleCallError("ListLogStores", "NotFound", f"{file.name} is not served")
        found: Mapping[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        if "error" in found:
            raise ExampleCallError("ListLogStores", str(found["error"]), str(found.get("message")))
        return found

    return get


class ExampleApi:
    """Pages of one list call, each page's evidence kept."""

    def __init__(self, transport: Transport, evidence: EvidenceStore) -> None:
        self.transport = transport
        self.evidence = evidence
        self.calls = 0

    def pages(self, path: str) -> Iterator[tuple[list[Any], EvidenceRef]]:
        """Every page of a list, with the evidence of each."""
        token: str | None = None
        while True:
            self.calls += 1
            page = self.transport(path, token)
            ref = self.evidence.record("example", "ListLogStores", "global", {"page": token}, page)
            yield list(page.get("items", [])), ref
            token = page.get("next")
            if not token:
                return
