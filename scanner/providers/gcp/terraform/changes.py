"""Which planned changes are changes of GCP log stores: sinks, log buckets and audit configs
whatever their settings, and the Cloud Storage buckets and BigQuery datasets a sink writes to
(named by its destination in the plan or its prior state, or by a configuration reference),
or a bucket whose retention policy is locked."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from scanner.plan.sources import address_key

SINKS = frozenset(
    {
        "google_logging_project_sink",
        "google_logging_folder_sink",
        "google_logging_organization_sink",
        "google_logging_billing_account_sink",
    }
)
LOG_STORE_TYPES = SINKS | {
    "google_logging_project_bucket_config",
    "google_logging_folder_bucket_config",
    "google_logging_organization_bucket_config",
    "google_logging_billing_account_bucket_config",
    "google_project_iam_audit_config",
    "google_folder_iam_audit_config",
    "google_organization_iam_audit_config",
}
DESTINATIONS = ("google_storage_bucket", "google_bigquery_dataset")


def log_stores(plan: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    """A test of one resource change: does it change a GCP log store?"""
    changes = [
        c
        for c in plan.get("resource_changes") or []
        if isinstance(c, Mapping) and c.get("mode", "managed") == "managed"
    ]
    written = _destinations(plan, changes)
    referenced = _referenced((plan.get("configuration") or {}).get("root_module") or {})

    def test(change: Mapping[str, Any]) -> bool:
        rtype = str(change.get("type", ""))
        if rtype in LOG_STORE_TYPES:
            return True
        if rtype not in DESTINATIONS:
            return False
        body = change.get("change") or {}
        sides = [s for s in (body.get("before"), body.get("after")) if isinstance(s, Mapping)]
        if rtype == "google_storage_bucket" and any(_locked(s) for s in sides[:1]):
            return True
        names = {_destination_of(rtype, s) for s in sides} - {None}
        return bool(names & written) or address_key(str(change["address"])) in referenced

    return test


def _locked(values: Mapping[str, Any]) -> bool:
    policy = values.get("retention_policy")
    first = policy[0] if isinstance(policy, list) and policy else None
    return isinstance(first, Mapping) and first.get("is_locked") is True


def _destination_of(rtype: str, values: Mapping[str, Any]) -> str | None:
    """The sink destination string that names this bucket or dataset."""
    if rtype == "google_storage_bucket":
        name = values.get("name")
        return f"storage.googleapis.com/{name}" if isinstance(name, str) and name else None
    project, dataset = values.get("project"), values.get("dataset_id")
    if isinstance(project, str) and isinstance(dataset, str) and project and dataset:
        return f"bigquery.googleapis.com/projects/{project}/datasets/{dataset}"
    return None


def _destinations(plan: Mapping[str, Any], changes: list[Mapping[str, Any]]) -> set[str]:
    names: set[str] = set()
    for change in changes:
        if change.get("type") in SINKS:
            for side in ("before", "after"):
                values = (change.get("change") or {}).get(side)
                if isinstance(values, Mapping) and isinstance(values.get("destination"), str):
                    names.add(values["destination"])
    for resource in _state_resources((plan.get("prior_state") or {}).get("values") or {}):
        values = resource.get("values") or {}
        if resource.get("type") in SINKS and isinstance(values.get("destination"), str):
            names.add(values["destination"])
    return names


def _referenced(module: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Addresses of buckets and datasets a sink's configuration names
    (`destination = "storage.googleapis.com/${google_storage_bucket.x.name}"`), which holds
    even when the name itself is known only after apply."""
    found: set[str] = set()
    for resource in module.get("resources") or []:
        if resource.get("type") not in SINKS:
            continue
        expression = (resource.get("expressions") or {}).get("destination") or {}
        for ref in expression.get("references") or []:
            parts = str(ref).split(".")
            if len(parts) >= 2 and parts[0] in DESTINATIONS:
                found.add(f"{prefix}{parts[0]}.{parts[1]}")
    for name, call in (module.get("module_calls") or {}).items():
        found |= _referenced(call.get("module") or {}, f"{prefix}module.{name}.")
    return found


def _state_resources(values: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    stack = [values.get("root_module") or {}]
    while stack:
        module = stack.pop()
        yield from module.get("resources") or []
        stack.extend(module.get("child_modules") or [])
