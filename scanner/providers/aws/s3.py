"""S3: one ListBuckets for the account, full detail only for buckets that hold logs.

Per-bucket configuration needs one call per setting (S3 has no batch read), so logward spends
those calls only on log stores; every other bucket is listed with `detailed: false`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from scanner.model import CollectionError, EvidenceRef, Resource, Unknowable
from scanner.providers.aws.analysis.resource_policy import (
    acl_public,
    bucket_policy_public,
    denies_insecure_transport,
)
from scanner.providers.aws.calls import AwsApi, AwsCallError, Response
from scanner.providers.aws.common import Scope, iso, make
from scanner.providers.aws.declare import Collected, Detailer, Found, Lister, Service, call

TYPE = "aws.s3.bucket"
# Every setting a described bucket carries (all unknown together when it cannot be described).
BUCKET_DETAIL = (
    "region",
    "object_lock",
    "versioning",
    "encryption",
    "public_access_block",
    "acl",
    "policy",
    "logging",
    "lifecycle",
)
PAB_FIELDS = {
    "BlockPublicAcls": "block_public_acls",
    "IgnorePublicAcls": "ignore_public_acls",
    "BlockPublicPolicy": "block_public_policy",
    "RestrictPublicBuckets": "restrict_public_buckets",
}


def bucket_arn(scope: Scope, name: str) -> str:
    """The ARN of a bucket (bucket ARNs carry neither account nor region)."""
    return f"arn:{scope.partition}:s3:::{name}"


def list_buckets(api: AwsApi, scope: Scope) -> list[Resource]:
    """Every bucket the account owns, listed only."""
    # A page size makes the request paginated: AWS rejects unpaginated ListBuckets for
    # accounts with a bucket quota above 10,000, and only then reports BucketRegion.
    response = api.paginate(
        "s3", scope.home_region, "ListBuckets", PaginationConfig={"PageSize": 1000}
    )
    return [
        make(
            scope,
            TYPE,
            bucket_arn(scope, b["Name"]),
            b["Name"],
            b.get("BucketRegion") or "global",
            {
                "name": b["Name"],
                "region": b.get("BucketRegion")
                or Unknowable("bucket region is asked only of log-store buckets"),
                "detailed": False,
                "creation_date": iso(b.get("CreationDate")),
            },
            response.ref_for(b),
        )
        for b in response.data.get("Buckets", [])
    ]


def pab(config: Mapping[str, Any] | None) -> dict[str, bool] | None:
    """A PublicAccessBlockConfiguration in our terms."""
    if config is None:
        return None
    return {ours: bool(config.get(theirs)) for theirs, ours in PAB_FIELDS.items()}


def describe(api: AwsApi, scope: Scope, listed: Resource) -> Resource:
    """The full configuration of one log-store bucket, each setting from its own call."""
    name = listed.name
    evidence: list[EvidenceRef] = list(listed.evidence)
    attrs: dict[str, Any] = dict(listed.attrs, detailed=True)
    region = listed.attrs.get("region")
    if not isinstance(region, str):  # ListBuckets did not say (BucketRegion): ask
        try:
            location = api.call("s3", scope.home_region, "GetBucketLocation", Bucket=name)
            assert location is not None
            evidence.extend(location.evidence)
            region = _region(location.data.get("LocationConstraint"))
        except AwsCallError as exc:
            marker = exc.unknowable()
            attrs.update(dict.fromkeys(BUCKET_DETAIL, marker))
            return make(scope, TYPE, listed.id, name, "global", attrs, evidence)
    attrs["region"] = region

    def get(
        operation: str, absent: tuple[str, ...], shape: Callable[[Response | None], Any]
    ) -> Any:
        try:
            got = api.call("s3", region, operation, absent=absent, Bucket=name)
        except AwsCallError as exc:
            return exc.unknowable()
        if got is not None:
            evidence.extend(got.evidence)
        try:
            return shape(got)
        except (KeyError, TypeError, ValueError) as exc:
            # A response we cannot interpret is an error for this setting, not a crash.
            return Unknowable(
                f"{operation} answered in a shape logward does not understand: "
                f"{type(exc).__name__}: {exc}",
                error=True,
            )

    attrs["policy"] = get(
        "GetBucketPolicy", ("NoSuchBucketPolicy",), lambda r: _policy(r, scope.account, listed.id)
    )
    attrs["acl"] = get("GetBucketAcl", (), _acl)
    attrs["public_access_block"] = get(
        "GetPublicAccessBlock",
        ("NoSuchPublicAccessBlockConfiguration",),
        lambda r: pab(r.data.get("PublicAccessBlockConfiguration")) if r else None,
    )
    attrs["encryption"] = get(
        "GetBucketEncryption", ("ServerSideEncryptionConfigurationNotFoundError",), _encryption
    )
    attrs["versioning"] = get(
        "GetBucketVersioning",
        (),
        lambda r: {
            "status": r.data.get("Status") if r else None,
            "mfa_delete": bool(r and r.data.get("MFADelete") == "Enabled"),
        },
    )
    attrs["object_lock"] = get(
        "GetObjectLockConfiguration", ("ObjectLockConfigurationNotFoundError",), _object_lock
    )
    attrs["logging"] = get("GetBucketLogging", (), _logging)
    attrs["lifecycle"] = get(
        "GetBucketLifecycleConfiguration", ("NoSuchLifecycleConfiguration",), _lifecycle
    )
    return make(scope, TYPE, listed.id, name, region, attrs, evidence)


def _region(constraint: str | None) -> str:
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else constraint


def _policy(response: Response | None, account: str, bucket_arn: str) -> dict[str, Any]:
    if response is None:
        return {
            "present": False,
            "public": False,
            "public_reasons": [],
            "denies_insecure_transport": False,
            "document": None,
        }
    document = json.loads(response.data["Policy"])
    public, reasons = bucket_policy_public(document, account, bucket_arn)
    return {
        "present": True,
        "public": public,
        "public_reasons": list(reasons),
        "denies_insecure_transport": denies_insecure_transport(document, bucket_arn),
        "document": document,
    }


def _acl(response: Response | None) -> dict[str, Any]:
    grants = list(response.data.get("Grants", [])) if response else []
    public, reasons = acl_public(grants)
    return {"public": public, "reasons": list(reasons), "grants": grants}


def _encryption(response: Response | None) -> dict[str, Any] | None:
    """None: no explicit default encryption configuration (S3 then applies SSE-S3)."""
    if response is None:
        return None
    rules = response.data.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    if not rules:
        return None
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    return {
        "algorithm": default.get("SSEAlgorithm"),
        "kms_key_id": default.get("KMSMasterKeyID"),
        "bucket_key_enabled": bool(rules[0].get("BucketKeyEnabled")),
    }


def _object_lock(response: Response | None) -> dict[str, Any]:
    config = response.data.get("ObjectLockConfiguration", {}) if response else {}
    retention = config.get("Rule", {}).get("DefaultRetention", {})
    days = retention.get("Days")
    if days is None and retention.get("Years") is not None:
        days = int(retention["Years"]) * 365
    return {
        "enabled": config.get("ObjectLockEnabled") == "Enabled",
        "mode": retention.get("Mode"),
        "retention_days": days,
    }


def _logging(response: Response | None) -> dict[str, Any]:
    enabled = (response.data.get("LoggingEnabled") if response else None) or {}
    return {
        "enabled": bool(enabled),
        "target_bucket": enabled.get("TargetBucket"),
        "target_prefix": enabled.get("TargetPrefix"),
    }


def _lifecycle(response: Response | None) -> dict[str, Any]:
    rules = list(response.data.get("Rules", [])) if response else []
    return {"rules": rules, "earliest_expiration_days": earliest_expiration(rules, None)}


def earliest_expiration(
    rules: list[Mapping[str, Any]], log_prefixes: Iterable[str] | None
) -> int | None:
    """The fewest days after which an enabled rule deletes objects under any of
    `log_prefixes` (None: anywhere in the bucket). A rule limited by tags is counted: tags on
    log objects cannot be ruled out."""
    prefixes = list(log_prefixes) if log_prefixes is not None else None
    days = [
        d
        for rule in rules
        if rule.get("Status") == "Enabled"
        and (prefixes is None or any(_overlaps(_rule_prefix(rule), p) for p in prefixes))
        for d in _expiry_days(rule)
    ]
    return min(days) if days else None


def _rule_prefix(rule: Mapping[str, Any]) -> str:
    filt = rule.get("Filter") or {}
    return str(
        filt.get("Prefix") or (filt.get("And") or {}).get("Prefix") or rule.get("Prefix") or ""
    )


def _overlaps(rule_prefix: str, log_prefix: str) -> bool:
    return log_prefix.startswith(rule_prefix) or rule_prefix.startswith(log_prefix)


def _expiry_days(rule: Mapping[str, Any]) -> list[int]:
    """Days after which an enabled rule deletes current or noncurrent log objects. A fixed
    expiration date deletes everything on that date, so it counts as 0 days."""
    out = []
    expiration = rule.get("Expiration") or {}
    if "Days" in expiration:
        out.append(int(expiration["Days"]))
    if "Date" in expiration:
        out.append(0)
    noncurrent = rule.get("NoncurrentVersionExpiration") or {}
    if "NoncurrentDays" in noncurrent:
        out.append(int(noncurrent["NoncurrentDays"]))
    return out


def _list(api: AwsApi, scope: Scope, _region: str) -> Found:
    return Found(staged={"buckets": list_buckets(api, scope)})


def _account_pab(api: AwsApi, scope: Scope, _region: str) -> Found:
    got = api.call(
        "s3control",
        scope.home_region,
        "GetPublicAccessBlock",
        absent=("NoSuchPublicAccessBlockConfiguration",),
        AccountId=scope.account,
    )
    return Found(
        account={
            "public_access_block": pab(
                got.data.get("PublicAccessBlockConfiguration") if got else None
            )
        },
        account_evidence=list(got.evidence) if got else [],
    )


def _log_stores(found: Collected) -> Iterable[tuple[str, str, Any]]:
    """The buckets trails deliver to: only log stores are worth a call per setting."""
    stores = {t.get("S3BucketName") for t in found.staged.get("trails", ())} - {None}
    listed = {b.name: b for b in found.staged.get("buckets", ())}
    for name in sorted(n for n in stores if n in listed):
        yield f"bucket {name}", "global", listed[name]


def _describe(api: AwsApi, scope: Scope, listed: Resource) -> Found:
    return Found(resources=[describe(api, scope, listed)])


def _keep_row(scope: Scope, listed: Resource, exc: Exception) -> Found:
    """A bucket whose description failed keeps its row, every detail an error."""
    reason = f"describing bucket {listed.name} failed: {type(exc).__name__}: {exc}"
    marker = Unknowable(reason, error=True)
    attrs = dict(listed.attrs, detailed=True, **dict.fromkeys(BUCKET_DETAIL, marker))
    error = CollectionError(
        "aws", scope.account, "global", "describe bucket", "InternalError", reason, (), listed.id
    )
    return Found(
        resources=[make(scope, TYPE, listed.id, listed.name, "global", attrs, listed.evidence)],
        errors=[error],
    )


SERVICE = Service(
    "s3",
    listers=(
        Lister(
            "s3-account-pab",
            "global",
            (),
            (call("s3control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),),
            _account_pab,
            account_attrs=("public_access_block",),
        ),
        Lister(
            "s3",
            "global",
            (TYPE,),
            (call("s3", "ListBuckets", "s3:ListAllMyBuckets"),),
            _list,
        ),
    ),
    detailers=(
        Detailer(
            "bucket",
            2,
            (),
            (
                call("s3", "GetBucketLocation"),
                call("s3", "GetBucketPolicy"),
                call("s3", "GetBucketAcl"),
                call("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
                call("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration"),
                call("s3", "GetBucketVersioning"),
                call("s3", "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"),
                call("s3", "GetBucketLogging"),
                call("s3", "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
            ),
            _log_stores,
            _describe,
            fallback=_keep_row,
            keeps=("buckets",),
        ),
    ),
)
