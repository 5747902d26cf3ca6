"""Azure derived attributes (placeholder until they land: its owner replaces this file)."""

from __future__ import annotations

from scanner.providers.azure.analysis.alert_facts import derive_alert_facts
from scanner.providers.azure.analysis.network_facts import (
    derive_flow_log_routes,
    derive_watcher_gaps,
)
from scanner.providers.base import Deriver

# The alert and network derivers (az-alerts): keep them when this file is replaced.
DERIVERS: tuple[Deriver, ...] = (derive_alert_facts, derive_flow_log_routes, derive_watcher_gaps)
