"""The explicit list of Azure service modules a scan collects, in collection order
(enumeration of the tenant, its management groups and subscriptions runs before any task).
A new module is one line here."""

from __future__ import annotations

from scanner.providers.azure import (
    alerts,
    authorization,
    diagnostics,
    keyvault,
    locks,
    loganalytics,
    network,
    storage,
    tenancy,
)
from scanner.providers.azure.declare import Service

SERVICES: tuple[Service, ...] = (
    tenancy.SERVICE,
    diagnostics.SERVICE,
    locks.SERVICE,
    storage.SERVICE,
    loganalytics.SERVICE,
    keyvault.SERVICE,
    alerts.SERVICE,
    network.SERVICE,
    authorization.SERVICE,
)
