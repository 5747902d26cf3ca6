"""The Azure demo: the golden tenant served by the local fake ARM server (`fake/`), scanned
through the real azure-mgmt-* clients over TLS with a static token, so `logward demo` shows
Azure beside AWS and GCP."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from scanner.providers.azure.declare import Service

if TYPE_CHECKING:
    from scanner.evidence import EvidenceStore
    from scanner.providers.azure.adapter import LiveSource


@contextmanager
def demo_source(evidence: EvidenceStore, services: Sequence[Service]) -> Iterator[LiveSource]:
    """The demo tenant on loopback, for the duration of a block."""
    from scanner.providers.azure.adapter import LiveSource, Request
    from scanner.providers.azure.clients import StaticToken
    from scanner.providers.azure.fake import serving

    with serving() as fake:
        yield LiveSource(
            StaticToken(),
            Request(),
            evidence,
            fake.base,
            fake.ca_file,
            services,
            label="demo",
        )
