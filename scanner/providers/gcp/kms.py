"""Cloud KMS: the crypto keys that log stores name (log buckets' `cmekSettings.kmsKeyName`,
destination buckets' default key, BigQuery datasets' default key), never a sweep of every key
ring: only those keys protect audit logs, so only they cost a call and a policy.

`cryptoKeys.get` and `cryptoKeys.getIamPolicy` through the GAPIC client's REST transport
(google-cloud-kms has one, and it honours an `http://` api_endpoint). A key whose get answers
404 is the linker's `Absent` (the log store names a key that is not there: fail); 403 or any
other failure keeps the key with every attribute Unknowable(error=True) naming the call.
A failed getIamPolicy leaves only `bindings` unknowable.

Roles granted on the key ring are inherited by every key in it ("A key ring, inherited by all
keys in that key ring", https://cloud.google.com/kms/docs/iam), so the ring's policy is read
too (`keyRings.getIamPolicy`, once per ring) into `key_ring_bindings`; a failed read leaves
only that attribute unknowable (error). One task per key ring, so a ring shared by several
log-store keys costs one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.model import Absent, EvidenceRef, Resource, Unknowable
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, GcpCallError
from scanner.providers.gcp.declare import Collected, Detailer, Found, Scope, Service
from scanner.providers.gcp.names import full_name

HOST = "cloudkms.googleapis.com"
KEY = "gcp.kms.key"

GET_KEY = Call("cloudkms", "cryptoKeys.get", "cloudkms.cryptoKeys.get")
GET_KEY_IAM = Call("cloudkms", "cryptoKeys.getIamPolicy", "cloudkms.cryptoKeys.getIamPolicy")
GET_RING_IAM = Call("cloudkms", "keyRings.getIamPolicy", "cloudkms.keyRings.getIamPolicy")
# The attribute naming a key, per log-store type (log buckets, destination buckets, datasets).
KEY_REFERENCES = (
    ("gcp.logging.bucket", "cmek_key"),
    ("gcp.storage.bucket", "default_kms_key"),
    ("gcp.bigquery.dataset", "default_kms_key"),
)

# Every attribute of a key; all of them are unknowable when its get fails.
KEY_ATTRS = (
    "purpose",
    "rotation_period_seconds",
    "next_rotation_time",
    "primary_state",
    "protection_level",
    "bindings",
    "key_ring_bindings",
)


def key_name(reference: str) -> str:
    """The relative key name of a reference as log stores write it: a key name, or a key
    version name (`.../cryptoKeyVersions/N`, which BigQuery and Cloud Storage may report)."""
    return reference.split("/cryptoKeyVersions/", 1)[0].strip("/")


def seconds(duration: str | None) -> int | None:
    """A proto3 JSON Duration ("7776000s", "1.5s") as whole seconds; None when absent."""
    if not duration:
        return None
    return int(float(duration.removesuffix("s")))


def bindings(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """The contract `bindings` of an IAM policy (REST JSON): `{role, members, condition}`."""
    found = []
    for b in policy.get("bindings", []):
        cond = b.get("condition")
        found.append(
            {
                "role": b.get("role", ""),
                "members": list(b.get("members", [])),
                "condition": (
                    {"title": cond.get("title", ""), "expression": cond.get("expression", "")}
                    if isinstance(cond, dict)
                    else None
                ),
            }
        )
    return found


def key_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The attributes `cryptoKeys.get` gives (REST JSON); `bindings` come from the policy.
    The protection level is the primary version's, else the template new versions get."""
    primary = raw.get("primary") or {}
    template = raw.get("versionTemplate") or {}
    return {
        "name": raw["name"],
        "purpose": raw.get("purpose", "CRYPTO_KEY_PURPOSE_UNSPECIFIED"),
        "rotation_period_seconds": seconds(raw.get("rotationPeriod")),
        "next_rotation_time": raw.get("nextRotationTime"),
        "primary_state": primary.get("state"),
        "protection_level": primary.get("protectionLevel") or template.get("protectionLevel"),
    }


def unreadable(name: str, why: Unknowable) -> dict[str, Any]:
    """The attributes of a key whose get failed: every one unknowable for that reason."""
    return {"name": name, **dict.fromkeys(KEY_ATTRS, why)}


def ring_of(name: str) -> str:
    """`projects/p/locations/us/keyRings/r/cryptoKeys/k` -> `projects/p/locations/us/keyRings/r`."""
    return name.split("/cryptoKeys/", 1)[0]


def location_of(name: str) -> str:
    """`projects/p/locations/us/keyRings/r/cryptoKeys/k` -> `us`."""
    parts = name.split("/")
    return parts[3] if len(parts) > 3 and parts[2] == "locations" else "global"


def key(
    attrs: dict[str, Any],
    evidence: tuple[EvidenceRef, ...] = (),
    placeholder: Absent | None = None,
) -> Resource:
    """One gcp.kms.key resource from its attributes (`bindings` included)."""
    name = attrs["name"]
    return Resource(
        placeholder=placeholder,
        provider="gcp",
        account=name.split("/")[1],
        region=location_of(name),
        type=KEY,
        id=full_name(HOST, name),
        name=name.rsplit("/", 1)[-1],
        attrs=attrs,
        evidence=evidence,
    )


def _select(found: Collected) -> Iterable[tuple[str, str, Any]]:
    rings: dict[str, list[str]] = {}
    for rtype, attr in KEY_REFERENCES:
        for store in found.of_type(rtype):
            ref = store.attrs.get(attr)
            if not isinstance(ref, str) or not ref:
                continue
            name = key_name(ref)
            keys = rings.setdefault(ring_of(name), [])
            if name not in keys:
                keys.append(name)
    for ring, keys in rings.items():
        yield f"KMS key ring {ring}", ring.split("/")[1], (ring, tuple(keys))


def _client(api: GcpApi) -> Any:
    from google.cloud import kms_v1

    return api.clients.gapic(HOST, kms_v1.KeyManagementServiceClient)


def _policy(api: GcpApi, call: Call, name: str) -> tuple[list[dict[str, Any]], EvidenceRef]:
    """The bindings of the IAM policy of a key or key ring (version 3: conditions kept)."""
    client = _client(api)
    request = {"resource": name, "options": {"requested_policy_version": 3}}
    policy = api.call(
        call,
        name.split("/")[1],
        lambda retry: client.get_iam_policy(request=request, retry=retry, timeout=READ_TIMEOUT),
        {"resource": name, "options": {"requestedPolicyVersion": 3}},
        target=name,
    )
    return bindings(dict(policy.data)), policy.ref


def _key(api: GcpApi, name: str) -> tuple[dict[str, Any], list[EvidenceRef]] | Resource:
    """A key's own attributes and evidence, or the finished resource when its get failed."""
    client = _client(api)
    project = name.split("/")[1]
    try:
        page = api.call(
            GET_KEY,
            project,
            lambda retry: client.get_crypto_key(name=name, retry=retry, timeout=READ_TIMEOUT),
            {"name": name},
            target=name,
        )
        # Inside the try: a malformed answer leaves this key unknowable, not its ring's keys.
        attrs = api.shaped(GET_KEY, project, lambda: key_attrs(dict(page.data)), name)
    except GcpCallError as exc:
        exc.reported = exc.code == "NOT_FOUND"
        if exc.code == "NOT_FOUND":
            why = Absent(f"KMS key {name} does not exist (cryptoKeys.get answered 404)")
            return key({"name": name}, (), why)
        return key(unreadable(name, exc.unknowable()))
    refs = [page.ref]
    try:
        attrs["bindings"], ref = _policy(api, GET_KEY_IAM, name)
        refs.append(ref)
    except GcpCallError as exc:
        attrs["bindings"] = exc.unknowable()
    return attrs, refs


def _ring(api: GcpApi, scope: Scope, item: tuple[str, tuple[str, ...]]) -> Found:
    ring, names = item
    read = [_key(api, name) for name in names]
    found = [r for r in read if isinstance(r, Resource)]
    keys = [r for r in read if not isinstance(r, Resource)]
    if not keys:
        # No key of the ring could be read: its policy would be attached to nothing.
        return Found(resources=found)
    ring_ref: tuple[EvidenceRef, ...] = ()
    ring_bindings: list[dict[str, Any]] | Unknowable
    try:
        ring_bindings, ref = _policy(api, GET_RING_IAM, ring)
        ring_ref = (ref,)
    except GcpCallError as exc:
        ring_bindings = exc.unknowable()
    for attrs, refs in keys:
        attrs["key_ring_bindings"] = ring_bindings
        found.append(key(attrs, (*refs, *ring_ref)))
    # Keep the order the keys were named in.
    order = {full_name(HOST, n): i for i, n in enumerate(names)}
    found.sort(key=lambda r: order[r.id])
    return Found(resources=found)


SERVICE = Service(
    name="kms",
    # Stage 3: after log buckets (stage 1), destination buckets and datasets (stage 2).
    detailers=(
        Detailer(
            "log-store KMS keys", 3, (KEY,), (GET_KEY, GET_KEY_IAM, GET_RING_IAM), _select, _ring
        ),
    ),
)
