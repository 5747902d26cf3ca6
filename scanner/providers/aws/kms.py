"""KMS keys: described only when an audit log store references them (no ListKeys sweep): a
trail, the bucket a trail writes to, or a log group a trail or a VPC flow log delivers to.
Keys of other log groups are not in scope (the `log_group_scope: audit` notion of the log
group policies), so they cost no call and no policy judges them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from scanner.model import Absent, EvidenceRef, Resource
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.common import Scope, arn_region, make
from scanner.providers.aws.declare import Collected, Detailer, Found, Service, call
from scanner.providers.aws.ec2 import flow_log_groups

# What DescribeKey answers for a key id, ARN or alias that does not exist in the region.
NOT_FOUND = ("NotFoundException",)

TYPE = "aws.kms.key"
TRAIL = "aws.cloudtrail.trail"
GROUP = "aws.logs.log_group"
VPC = "aws.ec2.vpc"


def describe(api: AwsApi, scope: Scope, ref: str, region: str) -> Resource:
    """DescribeKey (which resolves ARNs, key ids and aliases) and, for customer-managed
    symmetric keys, GetKeyRotationStatus. `references` keeps how log stores named the key.
    A key DescribeKey says does not exist (deleted, or an alias that names nothing) is kept
    as `Absent`: the log store names a key that is not there, which fails, not unknown."""
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
        if exc.code in NOT_FOUND:
            return _absent(scope, ref, region, attrs, exc)
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


def _absent(
    scope: Scope, ref: str, region: str, attrs: dict[str, Any], exc: AwsCallError
) -> Resource:
    arn = key_ref_arn(scope, ref, region)
    found = make(scope, TYPE, arn, attrs["key_id"], arn_region(arn) or region, attrs, ())
    why = Absent(
        f"KMS key {ref} does not exist in account {scope.account}, region {region}: "
        f"DescribeKey answered {exc.code}: {exc.message}"
    )
    return replace(found, placeholder=why)


def key_ref_arn(scope: Scope, ref: str, region: str) -> str:
    """An ARN for a key reference as written (ARN, key id or alias name)."""
    if ref.startswith("arn:"):
        return ref
    kind = ref if ref.startswith("alias/") else f"key/{ref}"
    return f"arn:{scope.partition}:kms:{region}:{scope.account}:{kind}"


def audit_log_groups(found: Collected) -> set[str] | None:
    """ARNs of the log groups that receive audit logs (a trail or a VPC flow log delivers to
    them); None when that cannot be told, because trails or VPCs could not all be listed."""
    if any(set(e.resource_types) & {TRAIL, VPC} for e in found.errors):
        return None
    groups = {
        arn.removesuffix(":*")
        for t in found.of_type(TRAIL)
        if isinstance(arn := t.attrs.get("cloudwatch_logs_log_group_arn"), str)
    }
    for vpc in found.of_type(VPC):
        groups.update(arn for arn, _name in flow_log_groups(vpc, found.scope))
    return groups


def referenced(found: Collected) -> Iterable[tuple[str, str, Any]]:
    """(label, region, (reference, region)) of every KMS key an audit log store names in this
    account: ARNs, and ids or aliases, which DescribeKey resolves in the store's region. When
    which log groups are audit cannot be told, every log group's key is described, so the
    key's policies can say why they cannot tell rather than skip it."""
    audit = audit_log_groups(found)
    refs: list[tuple[Any, str]] = [
        (r.attrs.get("kms_key_id"), r.region) for r in found.of_type(TRAIL)
    ]
    refs += [
        (g.attrs.get("kms_key_id"), g.region)
        for g in found.of_type(GROUP)
        if audit is None or g.id in audit
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
