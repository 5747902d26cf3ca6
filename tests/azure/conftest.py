"""The Azure tests' fake: the golden tenant on loopback over TLS, scanned through the real
azure-mgmt-* clients."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.evidence import EvidenceStore
from scanner.providers.azure.adapter import LiveSource, Request
from scanner.providers.azure.clients import StaticToken
from scanner.providers.azure.fake import TENANT, FakeArm
from scanner.source import Collected, silent

TENANT_ID = "11111111-1111-1111-1111-111111111111"
SUB = {n: f"22222222-0000-0000-0000-00000000000{n}" for n in (1, 2, 3, 4)}


@pytest.fixture(autouse=True)
def _short_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 429 or 5xx that persists is retried twice with a tiny backoff, not six times over a
    # minute (azure-core's RetryPolicy all the same; Retry-After is still honoured).
    monkeypatch.setenv("LOGWARD_AZURE_RETRY_TOTAL", "2")
    monkeypatch.setenv("LOGWARD_AZURE_RETRY_BACKOFF", "0.01")


@pytest.fixture
def fake() -> Iterator[FakeArm]:
    server = FakeArm(TENANT).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tenant_copy(tmp_path: Path) -> Path:
    """A writable copy of the golden tenant (tests that change it by file)."""
    target = tmp_path / "tenant"
    shutil.copytree(TENANT, target)
    return target


def scan(fake: FakeArm, request: Request | None = None, **kw: Any) -> Collected:
    """Collect through the real clients against the fake."""
    deadline = kw.pop("deadline", None)
    source = LiveSource(
        StaticToken(),
        request or Request(),
        kw.pop("evidence", EvidenceStore()),
        fake.base,
        fake.ca_file,
        **kw,
    )
    return source.collect(silent, deadline)


def by_id(collected: Collected, rid: str) -> Any:
    found = collected.inventory.get(rid)
    assert found is not None, rid
    return found


def errors(collected: Collected) -> list[tuple[str, str, str]]:
    """(account, operation, code) of every error, in order."""
    return [(e.account, e.operation, e.code) for e in collected.inventory.errors]
