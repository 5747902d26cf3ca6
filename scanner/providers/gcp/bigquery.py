"""BigQuery datasets that sinks export to: their default CMEK key and expirations.

Only sink destinations are read (one `datasets.get` each), through google-cloud-bigquery's
client (its connection, credentials and our retry) with `accessPolicyVersion=3`: without it
an access entry granted under an IAM condition comes back with its role rewritten to
`roles/..._with_conditionalbinding_<hash>` and no condition
(cloud.google.com/bigquery/docs/reference/rest/v2/datasets/get, `accessPolicyVersion`), so a
conditional grant would read as a role that does not exist. `Client.get_dataset` has no such
argument, so the same GET goes through `Client._call_api`; the answer is the REST Dataset.
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
# The default (FULL) view returns the access entries too, which needs this permission as well
# (DatasetView: "FULL: datasets.get and datasets.getIamPolicy permissions required"): a
# second declaration of the same operation, so the generated role holds both.
GET_DATASET_ACL = Call("bigquery", "datasets.get", "bigquery.datasets.getIamPolicy")
# The access policy schema that keeps conditions on access entries.
ACCESS_POLICY_VERSION = 3

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


def condition(entry: dict[str, Any]) -> dict[str, str] | None:
    """An access entry's IAM condition as `{title, expression}`; None when unconditional."""
    cond = entry.get("condition")
    if isinstance(cond, list):  # a Terraform block list
        cond = cond[0] if cond else None
    if not isinstance(cond, dict) or not cond.get("expression"):
        return None
    return {"title": str(cond.get("title") or ""), "expression": str(cond["expression"])}


def access(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The dataset's access entries as `{role, member, condition}` (role as written: WRITER,
    OWNER, READER or a `roles/...` name; condition None when unconditional)."""
    found = []
    for entry in raw.get("access", []):
        who = member(entry)
        if who is not None:
            found.append(
                {"role": str(entry.get("role", "")), "member": who, "condition": condition(entry)}
            )
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
        # One spelling of a location across types: lower case, as Compute, Cloud KMS and
        # Cloud Storage buckets are keyed (`US` -> `us`); `location` keeps the API's value.
        region=location.lower() if isinstance(location, str) else "unknown",
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
            lambda retry: client._call_api(
                retry,
                span_name="BigQuery.getDataset",
                method="GET",
                path=bigquery.DatasetReference(project, name).path,
                query_params={"accessPolicyVersion": ACCESS_POLICY_VERSION},
                timeout=READ_TIMEOUT,
            ),
            {"projectId": project, "datasetId": name, "accessPolicyVersion": ACCESS_POLICY_VERSION},
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
        Detailer(
            "sink destination datasets",
            2,
            (DATASET,),
            (GET_DATASET, GET_DATASET_ACL),
            _select,
            _dataset,
        ),
    ),
)
