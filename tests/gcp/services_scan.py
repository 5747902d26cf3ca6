"""The golden estate scanned once per session (through the real clients, the gateway and the
collection loop), and a helper to scan a modified copy: what the service-module tests read."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from scanner.evidence import EvidenceStore
from scanner.model import CollectionError
from scanner.providers.gcp.fake import ESTATE, FakeGoogle, Override
from scanner.source import Collected
from tests.gcp.conftest import scan


@cache
def golden() -> tuple[Collected, EvidenceStore, tuple[Any, ...]]:
    """The golden estate's collection, its evidence, and the requests the fakes received."""
    evidence = EvidenceStore()
    got, requests = scan_estate(ESTATE, evidence=evidence)
    return got, evidence, requests


def scan_estate(
    estate: Path, overrides: list[Override] | None = None, evidence: EvidenceStore | None = None
) -> tuple[Collected, tuple[Any, ...]]:
    """Scan `estate` (with fault overrides) and return the collection and the requests."""
    before = os.environ.get("LOGWARD_GCP_RETRY_BUDGET")
    os.environ["LOGWARD_GCP_RETRY_BUDGET"] = "1"
    fake = FakeGoogle(estate)
    fake.overrides.extend(overrides or [])
    fake.start()
    try:
        store = evidence if evidence is not None else EvidenceStore()
        return scan(fake, evidence=store), tuple(fake.requests)
    finally:
        fake.stop()
        if before is None:
            os.environ.pop("LOGWARD_GCP_RETRY_BUDGET", None)
        else:
            os.environ["LOGWARD_GCP_RETRY_BUDGET"] = before


def errors(got: Collected, pick: Callable[[CollectionError], bool]) -> list[tuple[Any, ...]]:
    """(account, operation, code, types, resource id) of the collection errors `pick` keeps."""
    return [
        (e.account, e.operation, e.code, e.resource_types, e.resource_id)
        for e in got.inventory.errors
        if pick(e)
    ]


def fault(host: str, path: str, status: int, token: str | None = None) -> Override:
    """An override answering one (host, path[, page token]) with a Google error."""
    names = {403: "PERMISSION_DENIED", 404: "NOT_FOUND", 500: "INTERNAL"}

    def answer(request: Any) -> tuple[int, Any] | None:
        if request.host != host or request.path != path:
            return None
        if token is not None and request.query.get("pageToken") != token:
            return None
        body = {"error": {"code": status, "message": f"injected {status}", "status": names[status]}}
        return status, body

    return answer
