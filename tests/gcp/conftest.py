"""The GCP tests' fake: the golden estate on loopback, scanned through the real SDK clients."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.evidence import EvidenceStore
from scanner.providers.gcp.adapter import LiveSource
from scanner.providers.gcp.clients import credentials
from scanner.providers.gcp.collect import Request
from scanner.providers.gcp.fake import ESTATE, FakeGoogle
from scanner.source import Collected, silent

ORG = "100000000001"


@pytest.fixture(autouse=True)
def _short_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 429 that persists is retried for 1 s, not a minute (the SDK's Retry all the same).
    monkeypatch.setenv("LOGWARD_GCP_RETRY_BUDGET", "1")


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    server = FakeGoogle(ESTATE).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def estate_copy(tmp_path: Path) -> Path:
    """A writable copy of the golden estate (tests that add projects or faults by file)."""
    target = tmp_path / "estate"
    shutil.copytree(ESTATE, target)
    return target


def scan(fake: FakeGoogle, request: Request | None = None, **kw: Any) -> Collected:
    """Collect through the real clients against the fake."""
    source = LiveSource(
        credentials(anonymous=True),
        request or Request(organization=ORG),
        kw.pop("evidence", EvidenceStore()),
        dict(fake.endpoints),
        **kw,
    )
    return source.collect(silent)


def by_id(collected: Collected, rid: str) -> Any:
    found = collected.inventory.get(rid)
    assert found is not None, rid
    return found


RM = "//cloudresourcemanager.googleapis.com/"
LOGGING = "//logging.googleapis.com/"
