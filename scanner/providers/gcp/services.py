"""The explicit list of GCP service modules a scan collects, in collection order (Resource
Manager's IAM policies first: the hierarchy itself is enumerated before any task)."""

from __future__ import annotations

from scanner.providers.gcp import (
    bigquery,
    compute,
    dns,
    iamroles,
    kms,
    logging,
    monitoring,
    resourcemanager,
    serviceusage,
    storage,
)
from scanner.providers.gcp.declare import Service

SERVICES: tuple[Service, ...] = (
    resourcemanager.SERVICE,
    logging.SERVICE,
    storage.SERVICE,
    monitoring.SERVICE,
    compute.SERVICE,
    dns.SERVICE,
    serviceusage.SERVICE,
    bigquery.SERVICE,
    kms.SERVICE,
    iamroles.SERVICE,
)
