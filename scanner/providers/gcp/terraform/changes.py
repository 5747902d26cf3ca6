"""Which planned changes are changes of GCP log stores: sinks, log buckets and audit configs
whatever their settings, and the Cloud Storage buckets and BigQuery datasets a sink writes to
(named by its destination in the plan or its prior state, or by a configuration reference),
or a bucket whose retention policy is locked. Also the Cloud KMS keys those stores encrypt
with, and the deletion of a project.

A key: "Destroying a Terraform-managed CryptoKey will remove it from state and delete all
CryptoKeyVersions, rendering the key unusable" (provider docs, google_kms_crypto_key), so
every entry the store encrypted with it is unreadable. A project: deleting it deletes its
log buckets (_Required, with the Admin Activity audit logs, and _Default) and its sinks, so
every project holds log stores; its deletion counts unless the prior state's
deletion_policy is ABANDON or PREVENT (the provider then leaves the project or refuses the
destroy) or, before deletion_policy, skip_delete is true (provider docs, google_project)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.plan.changes import (
    configuration_root,
    managed_changes,
    named_in_configuration,
    prior_state_resources,
)
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
KEY = "google_kms_crypto_key"
PROJECT = "google_project"
# Where each kind of store names its CMEK key: (block, argument).
_KEY_ARGUMENTS = {
    **{
        t: ("cmek_settings", "kms_key_name")
        for t in LOG_STORE_TYPES
        if t.endswith("_bucket_config")
    },
    "google_storage_bucket": ("encryption", "default_kms_key_name"),
    "google_bigquery_dataset": ("default_encryption_configuration", "kms_key_name"),
}


def log_stores(plan: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    """A test of one resource change: does it change a GCP log store?"""
    changes = managed_changes(plan)
    written = _destinations(plan, changes)
    referenced = _referenced(configuration_root(plan))

    def is_store(change: Mapping[str, Any]) -> bool:
        rtype = str(change.get("type", ""))
        if rtype in LOG_STORE_TYPES:
            return True
        if rtype not in DESTINATIONS:
            return False
        sides = _sides(change)
        if rtype == "google_storage_bucket" and any(_locked(s) for s in sides[:1]):
            return True
        names = {_destination_of(rtype, s) for s in sides} - {None}
        return bool(names & written) or address_key(str(change["address"])) in referenced

    stores = [c for c in changes if is_store(c)]
    keys = {k for c in stores for s in _sides(c) if (k := _key_of(str(c.get("type")), s))}
    key_refs = named_in_configuration(
        configuration_root(plan),
        {address_key(str(c.get("address"))) for c in stores},
        KEY,
    )

    def test(change: Mapping[str, Any]) -> bool:
        rtype = str(change.get("type", ""))
        if rtype == KEY:
            named = {_key_name(s) for s in _sides(change)} - {None}
            return bool(named & keys) or address_key(str(change.get("address"))) in key_refs
        if rtype == PROJECT:
            return _deletes_project(change)
        return is_store(change)

    return test


def _sides(change: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The values before and after the change (those the plan has)."""
    body = change.get("change") or {}
    return [s for s in (body.get("before"), body.get("after")) if isinstance(s, Mapping)]


def _key_of(rtype: str, values: Mapping[str, Any]) -> str | None:
    """The CMEK key a store's values name, without a `/cryptoKeyVersions/<n>` suffix."""
    where = _KEY_ARGUMENTS.get(rtype)
    blocks = values.get(where[0]) if where else None
    first = blocks[0] if isinstance(blocks, list) and blocks else None
    name = first.get(where[1]) if isinstance(first, Mapping) and where else None
    return name.split("/cryptoKeyVersions/")[0] if isinstance(name, str) and name else None


def _key_name(values: Mapping[str, Any]) -> str | None:
    """A key's relative name: its id, else `<key_ring>/cryptoKeys/<name>`."""
    if isinstance(values.get("id"), str) and values["id"]:
        return str(values["id"])
    ring, name = values.get("key_ring"), values.get("name")
    if isinstance(ring, str) and isinstance(name, str) and ring and name:
        return f"{ring}/cryptoKeys/{name}"
    return None


def _deletes_project(change: Mapping[str, Any]) -> bool:
    body = change.get("change") or {}
    if "delete" not in (body.get("actions") or []):
        return False
    before = body.get("before")
    if not isinstance(before, Mapping):
        return True
    policy = before.get("deletion_policy")
    if isinstance(policy, str) and policy:
        return policy == "DELETE"
    return before.get("skip_delete") is not True


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
    for resource in prior_state_resources(plan):
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
