"""KMS keys: described only when a log store references them (no ListKeys sweep)."""

from __future__ import annotations

from typing import Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.aws.base import Scope, arn_region, make
from scanner.providers.aws.calls import AwsApi, AwsCallError

TYPE = "aws.kms.key"


def describe(api: AwsApi, scope: Scope, ref: str, region: str) -> Resource:
    """DescribeKey (which resolves ARNs, key ids and aliases) and, for customer-managed
    symmetric keys, GetKeyRotationStatus. `references` keeps how log stores named the key."""
    evidence: list[EvidenceRef] = []
    attrs: dict[str, Any] = {"key_id": ref.rsplit("/", 1)[-1], "references": [ref]}
    try:
        got = api.call("kms", region, "DescribeKey", KeyId=ref)
        assert got is not None
        evidence.extend(got.evidence)
        meta = got.data["KeyMetadata"]
        arn = meta["Arn"]
        attrs.update(
            key_id=meta["KeyId"],
            manager=meta.get("KeyManager"),
            key_state=meta.get("KeyState"),
            key_spec=meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
            origin=meta.get("Origin"),
        )
    except AwsCallError as exc:
        marker = exc.unknowable()
        attrs.update(
            manager=marker,
            key_state=marker,
            key_spec=marker,
            origin=marker,
            rotation_enabled=marker,
        )
        return make(
            scope, TYPE, key_ref_arn(scope, ref, region), attrs["key_id"], region, attrs, evidence
        )
    if (
        attrs["manager"] == "CUSTOMER"
        and attrs["key_spec"] == "SYMMETRIC_DEFAULT"
        and attrs["origin"] == "AWS_KMS"
    ):
        try:
            got = api.call("kms", region, "GetKeyRotationStatus", KeyId=arn)
            assert got is not None
            evidence.extend(got.evidence)
            attrs["rotation_enabled"] = bool(got.data.get("KeyRotationEnabled"))
        except AwsCallError as exc:
            attrs["rotation_enabled"] = exc.unknowable()
    else:
        # AWS rotates AWS managed keys itself; asymmetric and imported keys cannot rotate.
        attrs["rotation_enabled"] = None
    return make(scope, TYPE, arn, attrs["key_id"], arn_region(arn) or region, attrs, evidence)


def key_ref_arn(scope: Scope, ref: str, region: str) -> str:
    """An ARN for a key reference as written (ARN, key id or alias name)."""
    if ref.startswith("arn:"):
        return ref
    kind = ref if ref.startswith("alias/") else f"key/{ref}"
    return f"arn:{scope.partition}:kms:{region}:{scope.account}:{kind}"
