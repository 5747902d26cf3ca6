"""KMS keys: described only when a log store references them (no ListKeys sweep)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.common import Scope, arn_region, make
from scanner.providers.aws.declare import Collected, Detailer, Found, Service, call

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


def referenced(found: Collected) -> Iterable[tuple[str, str, Any]]:
    """(label, region, (reference, region)) of every KMS key a log store names in this
    account: ARNs, and ids or aliases, which DescribeKey resolves in the store's region."""
    refs: list[tuple[Any, str]] = [
        (r.attrs.get("kms_key_id"), r.region)
        for rtype in ("aws.cloudtrail.trail", "aws.logs.log_group")
        for r in found.of_type(rtype)
    ]
    for bucket in found.of_type("aws.s3.bucket"):
        enc = bucket.attrs.get("encryption")
        if isinstance(enc, dict):
            refs.append((enc.get("kms_key_id"), bucket.region))
    keys: set[tuple[str, str]] = set()
    for ref, region in refs:
        if not isinstance(ref, str) or not ref:
            continue
        if ref.startswith("arn:"):
            parts = ref.split(":")
            if parts[4] == found.scope.account:
                keys.add((ref, parts[3] or region))
        else:
            keys.add((ref, region))
    for ref, region in sorted(keys):
        yield f"key {ref}", region, (ref, region)


def _describe(api: AwsApi, scope: Scope, item: tuple[str, str]) -> Found:
    return Found(resources=[describe(api, scope, *item)])


def merge_keys(keys: list[Resource]) -> list[Resource]:
    """One resource per key ARN: a key named by ARN in one log store and by alias in another
    is the same key, known by both references."""
    merged: dict[str, Resource] = {}
    for key in keys:
        seen = merged.get(key.id)
        if seen is None:
            merged[key.id] = key
            continue
        refs = sorted({*seen.attrs.get("references", ()), *key.attrs.get("references", ())})
        merged[key.id] = replace(seen, attrs={**seen.attrs, "references": refs})
    return list(merged.values())


SERVICE = Service(
    "kms",
    detailers=(
        Detailer(
            "key",
            3,
            (),
            (call("kms", "DescribeKey"), call("kms", "GetKeyRotationStatus")),
            referenced,
            _describe,
            merge=merge_keys,
            finds=(TYPE,),
            reads=("aws.cloudtrail.trail", "aws.logs.log_group", "aws.s3.bucket"),
        ),
    ),
)
