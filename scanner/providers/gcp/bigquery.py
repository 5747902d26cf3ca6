"""BigQuery datasets that sinks export to: their default CMEK key and expirations.

Only sink destinations are read (one `datasets.get` each), through google-cloud-bigquery's
`Client.get_dataset` with the client's own retry; `Dataset.to_api_repr()` is the REST
resource the API returned (cloud.google.com/bigquery/docs/reference/rest/v2/datasets).
A destination whose get answers 404 is the linker's `Absent`; 403 and other failures keep
the dataset with its attributes Unknowable(error=True).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.model import Absent, EvidenceRef, Resource, Unknowable
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, GcpCallError
from scanner.providers.gcp.declare import Collected, Detailer, Found, Scope, Service
from scanner.providers.gcp.names import full_name

HOST = "bigquery.googleapis.com"
DATASET = "gcp.bigquery.dataset"

GET_DATASET = Call("bigquery", "datasets.get", "bigquery.datasets.get")

# The attributes a failed get leaves unknowable (the ids come from the sink destination).
READ_ATTRS = (
    "location",
    "access",
    "default_kms_key",
    "default_table_expiration_ms",
    "default_partition_expiration_ms",
)


def destination(sink_destination: str) -> tuple[str, str] | None:
    """(project, dataset) of a sink destination `bigquery.googleapis.com/projects/p/datasets/d`."""
    parts = sink_destination.removeprefix("bigquery.googleapis.com/").strip("/").split("/")
    if len(parts) == 4 and parts[0] == "projects" and parts[2] == "datasets":
        return parts[1], parts[3]
    return None


def _millis(value: Any) -> int | None:
    # int64 fields are JSON strings in the REST resource.
    return int(value) if value not in (None, "") else None


# Dataset.access[] principal fields -> IAM member prefixes. userByEmail also carries service
# accounts (the sink writer identities among them), told apart by their domain.
_MEMBER_PREFIX = {"groupByEmail": "group:", "domain": "domain:", "specialGroup": "specialGroup:"}
_SERVICE_ACCOUNT_DOMAIN = ".gserviceaccount.com"


def member(entry: dict[str, Any]) -> str | None:
    """The IAM-style member an access entry grants to; None for entries that grant to no
    principal (authorized views, routines and datasets)."""
    if "iamMember" in entry:
        return str(entry["iamMember"])
    if "userByEmail" in entry:
        email = str(entry["userByEmail"])
        kind = "serviceAccount:" if email.endswith(_SERVICE_ACCOUNT_DOMAIN) else "user:"
        return kind + email
    for key, prefix in _MEMBER_PREFIX.items():
        if key in entry:
            return prefix + str(entry[key])
    return None


def access(raw: dict[str, Any]) -> list[dict[str, str]]:
    """The dataset's access entries as `{role, member}` (role as written: WRITER, OWNER,
    READER or a `roles/...` name)."""
    found = []
    for entry in raw.get("access", []):
        who = member(entry)
        if who is not None:
            found.append({"role": str(entry.get("role", "")), "member": who})
    return found


def dataset_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one Dataset (REST JSON), plus `access`."""
    ref = raw.get("datasetReference") or {}
    return {
        "dataset_id": ref.get("datasetId", ""),
        "project": ref.get("projectId", ""),
        "location": raw.get("location"),
        "access": access(raw),
        "default_kms_key": (raw.get("defaultEncryptionConfiguration") or {}).get("kmsKeyName"),
        "default_table_expiration_ms": _millis(raw.get("defaultTableExpirationMs")),
        "default_partition_expiration_ms": _millis(raw.get("defaultPartitionExpirationMs")),
    }


def unreadable(project: str, dataset: str, why: Unknowable) -> dict[str, Any]:
    """The attributes of a dataset whose get failed."""
    return {"dataset_id": dataset, "project": project, **dict.fromkeys(READ_ATTRS, why)}


def dataset(
    attrs: dict[str, Any],
    evidence: tuple[EvidenceRef, ...] = (),
    placeholder: Absent | None = None,
) -> Resource:
    """One gcp.bigquery.dataset resource."""
    location = attrs.get("location")
    return Resource(
        placeholder=placeholder,
        provider="gcp",
        account=attrs["project"],
        region=location if isinstance(location, str) else "unknown",
        type=DATASET,
        id=full_name(HOST, f"projects/{attrs['project']}/datasets/{attrs['dataset_id']}"),
        name=attrs["dataset_id"],
        attrs=attrs,
        evidence=evidence,
    )


def _select(found: Collected) -> Iterable[tuple[str, str, Any]]:
    seen: set[tuple[str, str]] = set()
    for sink in found.of_type("gcp.logging.sink"):
        ref = destination(str(sink.attrs.get("destination", "")))
        if ref is not None and ref not in seen:
            seen.add(ref)
            yield f"dataset {ref[0]}.{ref[1]}", ref[0], ref


def _dataset(api: GcpApi, scope: Scope, ref: tuple[str, str]) -> Found:
    from google.cloud import bigquery

    project, name = ref
    client = api.clients.handwritten(HOST, bigquery.Client)
    try:
        page = api.call(
            GET_DATASET,
            project,
            lambda retry: client.get_dataset(
                bigquery.DatasetReference(project, name), retry=retry, timeout=READ_TIMEOUT
            ).to_api_repr(),
            {"projectId": project, "datasetId": name},
            target=f"projects/{project}/datasets/{name}",
        )
    except GcpCallError as exc:
        exc.reported = exc.code == "NOT_FOUND"
        if exc.code == "NOT_FOUND":
            why = Absent(f"dataset {project}.{name} does not exist (datasets.get answered 404)")
            attrs: dict[str, Any] = {"dataset_id": name, "project": project}
            return Found(resources=[dataset(attrs, (), why)])
        return Found(resources=[dataset(unreadable(project, name, exc.unknowable()))])
    attrs = api.shaped(GET_DATASET, project, lambda: dataset_attrs(dict(page.data)))
    return Found(resources=[dataset(attrs, (page.ref,))])


SERVICE = Service(
    name="bigquery",
    detailers=(
        Detailer("sink destination datasets", 2, (DATASET,), (GET_DATASET,), _select, _dataset),
    ),
)
