"""GCP (stub on this branch until the real adapter lands): schemas, links, derivers."""

from __future__ import annotations

from scanner.providers.base import Adapter
from scanner.providers.gcp.adapter import GcpAdapter

ADAPTER: Adapter = GcpAdapter()
