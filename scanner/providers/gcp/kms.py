"""Cloud KMS: the crypto keys that log stores name (log buckets' `cmekSettings.kmsKeyName`,
destination buckets' default key, BigQuery datasets' default key), never a sweep of every key
ring: only those keys protect audit logs, so only they cost a call and a policy.

`cryptoKeys.get` and `cryptoKeys.getIamPolicy` through the GAPIC client's REST transport
(google-cloud-kms has one, and it honours an `http://` api_endpoint). A key whose get answers
404 is the linker's `Absent` (the log store names a key that is not there: fail); 403 or any
other failure keeps the key with every attribute Unknowable(error=True) naming the call.
A failed getIamPolicy leaves only `bindings` unknowable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.model import EvidenceRef, Resource, Unknowable
from scanner.providers.base import Call
from scanner.providers.gcp.protojson import rest_json

if TYPE_CHECKING:
    from google.cloud.kms_v1 import KeyManagementServiceClient

HOST = "cloudkms.googleapis.com"
KEY = "gcp.kms.key"

GET_KEY = Call(HOST, "cryptoKeys.get", "cloudkms.cryptoKeys.get")
GET_KEY_IAM = Call(HOST, "cryptoKeys.getIamPolicy", "cloudkms.cryptoKeys.getIamPolicy")
CALLS = (GET_KEY, GET_KEY_IAM)

# Every attribute of a key; all of them are unknowable when its get fails.
KEY_ATTRS = (
    "purpose",
    "rotation_period_seconds",
    "next_rotation_time",
    "primary_state",
    "protection_level",
    "bindings",
)


def get_key(client: KeyManagementServiceClient, name: str) -> dict[str, Any]:
    """`cryptoKeys.get` of one key (relative name), as REST JSON."""
    return rest_json(client.get_crypto_key(name=name))


def get_key_iam(client: KeyManagementServiceClient, name: str) -> dict[str, Any]:
    """`cryptoKeys.getIamPolicy` of one key (policy version 3: conditions included)."""
    request = {"resource": name, "options": {"requested_policy_version": 3}}
    return rest_json(client.get_iam_policy(request=request))


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


def location_of(name: str) -> str:
    """`projects/p/locations/us/keyRings/r/cryptoKeys/k` -> `us`."""
    parts = name.split("/")
    return parts[3] if len(parts) > 3 and parts[2] == "locations" else "global"


def key(attrs: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()) -> Resource:
    """One gcp.kms.key resource from its attributes (`bindings` included)."""
    name = attrs["name"]
    return Resource(
        provider="gcp",
        account=name.split("/")[1],
        region=location_of(name),
        type=KEY,
        id=f"//{HOST}/{name}",
        name=name.rsplit("/", 1)[-1],
        attrs=attrs,
        evidence=evidence,
    )
