"""GCP: collectors per service module, the local fake and its golden estate, policies' extra
operators; `ADAPTER` is what the provider registry loads."""

from __future__ import annotations

from scanner.providers.base import Adapter
from scanner.providers.gcp.adapter import GcpAdapter

ADAPTER: Adapter = GcpAdapter()
