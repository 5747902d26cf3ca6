"""Cloud Storage: every bucket a sink exports to (`storage.googleapis.com/<bucket>`), read
with `buckets.get` and `buckets.getIamPolicy` (requestedPolicyVersion 3), wherever it lives:
a bucket in a project outside the scan is still read when the caller may.

A bucket whose GET answers 404 is collected as an `Absent` placeholder (the sink writes to
nothing: its conditions fail, naming the bucket). A 403 keeps the bucket, every attribute
Unknowable(error=True) naming the call; a failed getIamPolicy leaves only `bindings` so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.model import Absent, Resource, Unknowable
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, GcpCallError
from scanner.providers.gcp.declare import Collected, Detailer, Found, Scope, Service
from scanner.providers.gcp.names import full_name

HOST = "storage.googleapis.com"
GET = Call("storage", "buckets.get", "storage.buckets.get")
IAM = Call("storage", "buckets.getIamPolicy", "storage.buckets.getIamPolicy")
BUCKET = "gcp.storage.bucket"
ATTRS = (
    "name",
    "project_number",
    "location",
    "retention_seconds",
    "retention_locked",
    "uniform_access",
    "public_access_prevention",
    "default_kms_key",
    "soft_delete_seconds",
    "versioning",
    "bindings",
)


def _int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def normalize(data: Mapping[str, Any]) -> dict[str, Any]:
    """The contract's attributes of a bucket's REST JSON (without `bindings`)."""
    retention = data.get("retentionPolicy") or {}
    iam = data.get("iamConfiguration") or {}
    uniform = iam.get("uniformBucketLevelAccess") or iam.get("bucketPolicyOnly") or {}
    return {
        "name": str(data.get("name", "")),
        "project_number": str(data.get("projectNumber", "")),
        "location": str(data.get("location", "")),
        "retention_seconds": _int(retention.get("retentionPeriod")),
        "retention_locked": bool(retention.get("isLocked", False)),
        "uniform_access": bool(uniform.get("enabled", False)),
        "public_access_prevention": str(iam.get("publicAccessPrevention") or "unspecified"),
        "default_kms_key": (data.get("encryption") or {}).get("defaultKmsKeyName") or None,
        "soft_delete_seconds": _int(
            (data.get("softDeletePolicy") or {}).get("retentionDurationSeconds")
        ),
        "versioning": bool((data.get("versioning") or {}).get("enabled", False)),
    }


def _select(found: Collected) -> Iterable[tuple[str, str, Any]]:
    seen: set[str] = set()
    for sink in found.of_type("gcp.logging.sink"):
        destination = str(sink.attrs.get("destination", ""))
        if not destination.startswith(f"{HOST}/"):
            continue
        name = destination.removeprefix(f"{HOST}/").split("/", 1)[0]
        if name and name not in seen:
            seen.add(name)
            yield f"bucket {name}", sink.account, (name, sink.account)


def _account(scope: Scope, number: str, fallback: str) -> str:
    """The project ID of a project number, where the scan knows it; else the bare number
    (an account is a project ID or number, never a `projects/...` name, which is how the
    organization's and folders' own accounts are spelled)."""
    for node in scope.nodes.values():
        if node.kind == "project" and node.project_number == number:
            return node.account
    return number or fallback


def _bucket(api: GcpApi, scope: Scope, item: tuple[str, str]) -> Found:
    name, seen_from = item
    client = api.clients.storage()
    rid = full_name(HOST, name)
    try:
        page = api.call(
            GET,
            seen_from,
            lambda retry: client.get_bucket(name, retry=retry, timeout=READ_TIMEOUT)._properties,
            {"bucket": name},
            target=name,
        )
    except GcpCallError as exc:
        exc.reported = exc.code == "NOT_FOUND"
        if exc.code == "NOT_FOUND":
            why = Absent(f"bucket {name} does not exist (buckets.get answered 404)")
            return Found(resources=[_resource(rid, name, seen_from, "global", {}, (), why)])
        value = exc.unknowable()
        attrs: dict[str, Any] = {a: value for a in ATTRS}
        attrs["name"] = name
        return Found(resources=[_resource(rid, name, seen_from, "global", attrs, ())])
    attrs = normalize(page.data)
    account = _account(scope, attrs["project_number"], seen_from)
    refs = [page.ref]
    from google.cloud import storage

    try:
        policy = api.call(
            IAM,
            account,
            lambda retry: (
                storage.Bucket(client, name)
                .get_iam_policy(requested_policy_version=3, retry=retry, timeout=READ_TIMEOUT)
                .to_api_repr()
            ),
            {"bucket": name, "optionsRequestedPolicyVersion": 3},
            target=name,
        )
        attrs["bindings"] = _bindings(policy.data)
        refs.append(policy.ref)
    except GcpCallError as exc:
        attrs["bindings"] = exc.unknowable()
    region = attrs["location"].lower() or "global"
    return Found(resources=[_resource(rid, name, account, region, attrs, tuple(refs))])


def _bindings(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "role": str(b.get("role", "")),
            "members": sorted(str(m) for m in b.get("members", [])),
            "condition": (
                {
                    "title": str(b["condition"].get("title", "")),
                    "expression": str(b["condition"].get("expression", "")),
                }
                if isinstance(b.get("condition"), Mapping)
                else None
            ),
        }
        for b in data.get("bindings", [])
    ]


def _resource(
    rid: str,
    name: str,
    account: str,
    region: str,
    attrs: dict[str, Any],
    refs: tuple[Any, ...],
    placeholder: Absent | Unknowable | None = None,
) -> Resource:
    return Resource(
        provider="gcp",
        account=account,
        region=region,
        type=BUCKET,
        id=rid,
        name=name,
        attrs=attrs,
        evidence=refs,
        placeholder=placeholder,
    )


SERVICE = Service(
    name="storage",
    detailers=(Detailer("sink destination buckets", 2, (BUCKET,), (GET, IAM), _select, _bucket),),
)
