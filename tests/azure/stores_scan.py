"""Scans of the golden tenant (or a modified copy) through the real clients, the gateway and
the collection loop against the fake ARM server: what the store-module tests read."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from scanner.evidence import EvidenceStore
from scanner.model import CollectionError
from scanner.providers.azure.adapter import LiveSource, Request
from scanner.providers.azure.clients import StaticToken
from scanner.providers.azure.fake import TENANT, FakeArm
from scanner.source import Collected, silent

Override = Callable[[Any], Any]
SUB1 = "22222222-0000-0000-0000-000000000001"
SUB2 = "22222222-0000-0000-0000-000000000002"
SUB3 = "22222222-0000-0000-0000-000000000003"
SUB4 = "22222222-0000-0000-0000-000000000004"


@contextmanager
def _quick_retries() -> Iterator[None]:
    # A persisting 429/5xx is retried once, quickly: the SDK's RetryPolicy all the same.
    knobs = {"LOGWARD_AZURE_RETRY_TOTAL": "1", "LOGWARD_AZURE_RETRY_BACKOFF": "0.01"}
    before = {k: os.environ.get(k) for k in knobs}
    os.environ.update(knobs)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def scan_tenant(
    root: Path = TENANT,
    overrides: Sequence[Override] = (),
    request: Request | None = None,
) -> tuple[Collected, tuple[Any, ...]]:
    """Collect `root` through the real clients; the collection and the requests served."""
    fake = FakeArm(root)
    fake.overrides.extend(overrides)
    fake.start()
    try:
        with _quick_retries():
            source = LiveSource(
                StaticToken(), request or Request(), EvidenceStore(), fake.base, fake.ca_file
            )
            return source.collect(silent), tuple(fake.requests)
    finally:
        fake.stop()


@cache
def golden() -> tuple[Collected, tuple[Any, ...]]:
    """The golden tenant, scanned once per session."""
    return scan_tenant()


def copy_tenant(target: Path) -> Path:
    """A writable copy of the golden tenant."""
    shutil.copytree(TENANT, target)
    return target


def errors(got: Collected, pick: Callable[[CollectionError], bool]) -> list[tuple[Any, ...]]:
    """(account, operation, code, types, resource id) of the collection errors `pick` keeps."""
    return [
        (e.account, e.operation, e.code, e.resource_types, e.resource_id)
        for e in got.inventory.errors
        if pick(e)
    ]


def fault(path: str, status: int, code: str, token: str | None = None) -> Override:
    """An override answering one path (compared lowercased; one page when `token` is given)
    with an ARM error."""

    def answer(request: Any) -> Any:
        if request.path.lower() != path.lower():
            return None
        if token is not None and request.query.get("$skiptoken") != token:
            return None
        return status, {"error": {"code": code, "message": f"injected {status} {code}"}}

    return answer


@contextmanager
def gateway(root: Path = TENANT) -> Iterator[tuple[Any, FakeArm]]:
    """The real gateway (every declared op) against the fake, for driving one task directly."""
    from scanner.providers.azure.api import ArmApi
    from scanner.providers.azure.clients import Clients
    from scanner.providers.azure.declare import all_ops
    from scanner.providers.azure.services import SERVICES

    fake = FakeArm(root).start()
    try:
        with _quick_retries():
            clients = Clients(StaticToken(), fake.base, fake.ca_file)
            yield ArmApi(clients, EvidenceStore(), all_ops(SERVICES)), fake
    finally:
        fake.stop()
