"""The GCP demo: the golden estate served by the local fake (`fake/`), scanned through the
real SDK clients with anonymous credentials, so `logward demo` shows GCP beside AWS."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from scanner.providers.gcp.declare import Service

if TYPE_CHECKING:
    from scanner.evidence import EvidenceStore
    from scanner.providers.gcp.adapter import LiveSource

ORGANIZATION = "100000000001"


@contextmanager
def demo_source(evidence: EvidenceStore, services: Sequence[Service]) -> Iterator[LiveSource]:
    """The demo organization on loopback, for the duration of a block."""
    from scanner.providers.gcp.adapter import LiveSource
    from scanner.providers.gcp.clients import credentials
    from scanner.providers.gcp.collect import Request
    from scanner.providers.gcp.fake import serving

    with serving() as fake:
        yield LiveSource(
            credentials(anonymous=True),
            Request(organization=ORGANIZATION),
            evidence,
            dict(fake.endpoints),
            services,
            label="demo",
        )
