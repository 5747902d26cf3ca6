"""aws_s3_bucket merged with its split settings resources and legacy inline blocks, producing the
attributes the live adapter's `describe` does (detailed: true).

Precedence per setting: the split resource (aws_s3_bucket_versioning ...), then the inline
block on aws_s3_bucket, then the AWS default for a bucket that never had the setting. An inline
block that is "known after apply" only because the provider reads it back (v4+ marks them
computed) counts as not configured unless the configuration writes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import (
    Mapped,
    PlanContext,
    PlanResource,
    Target,
    block,
    first_unknown,
    resource,
    settled,
    through,
)
from scanner.providers.aws.analysis.resource_policy import (
    acl_public,
    bucket_policy_public,
    denies_insecure_transport,
)
from scanner.providers.aws.common import partition_of
from scanner.providers.aws.s3 import earliest_expiration, pab
from scanner.providers.aws.terraform.common import region as region_of

TYPE = "aws.s3.bucket"
OBJECT_LOCK = "aws_s3_bucket_object_lock_configuration"
VERSIONING = "aws_s3_bucket_versioning"
ENCRYPTION = "aws_s3_bucket_server_side_encryption_configuration"
PAB = "aws_s3_bucket_public_access_block"
LOGGING = "aws_s3_bucket_logging"
POLICY = "aws_s3_bucket_policy"
ACL = "aws_s3_bucket_acl"
LIFECYCLE = "aws_s3_bucket_lifecycle_configuration"
PARTS = (OBJECT_LOCK, VERSIONING, ENCRYPTION, PAB, LOGGING, POLICY, ACL, LIFECYCLE)
ACCOUNT_PAB = "aws_s3_account_public_access_block"
PAB_ARGS = {
    "BlockPublicAcls": "block_public_acls",
    "IgnorePublicAcls": "ignore_public_acls",
    "BlockPublicPolicy": "block_public_policy",
    "RestrictPublicBuckets": "restrict_public_buckets",
}
_GROUPS = "http://acs.amazonaws.com/groups/"
_OWNER = {
    "Grantee": {"Type": "CanonicalUser", "DisplayName": "bucket owner"},
    "Permission": "FULL_CONTROL",
}
# S3 canned ACLs as bucket grants (S3 User Guide, "Canned ACL"); object-only ones reduce to
# the owner's grant at bucket level.
CANNED: dict[str, list[tuple[str, str]]] = {
    "private": [],
    "bucket-owner-read": [],
    "bucket-owner-full-control": [],
    "aws-exec-read": [],
    "public-read": [("global/AllUsers", "READ")],
    "public-read-write": [("global/AllUsers", "READ"), ("global/AllUsers", "WRITE")],
    "authenticated-read": [("global/AuthenticatedUsers", "READ")],
    "log-delivery-write": [("s3/LogDelivery", "WRITE"), ("s3/LogDelivery", "READ_ACP")],
}


def bucket_id(res: PlanResource, ctx: PlanContext) -> str:
    """The bucket ARN when its name is known (as the live adapter keys it, in the partition of
    its region), else the address."""
    name = res.values.get("bucket")
    if isinstance(name, str) and name:
        return f"arn:{partition_of(region_of(ctx, res))}:s3:::{name}"
    return res.address


def bucket(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One bucket with every setting the live adapter describes."""
    parts = ctx.parts.get(res.address, {})
    name = res.values.get("bucket")
    name = name if isinstance(name, str) and name else res.name
    region = region_of(ctx, res)
    object_lock = _object_lock(res, parts.get(OBJECT_LOCK))
    encryption, key = _encryption(res, parts.get(ENCRYPTION), ctx)
    attrs: dict[str, Any] = {
        "name": name,
        "region": region,
        "detailed": True,
        "creation_date": None,
        "object_lock": object_lock,
        "versioning": _versioning(res, parts.get(VERSIONING), object_lock),
        "encryption": encryption,
        "public_access_block": public_access_block(parts.get(PAB)),
        "acl": _acl(res, parts.get(ACL)),
        "policy": _policy(res, parts.get(POLICY), bucket_id(res, ctx)),
        "logging": _logging(res, parts.get(LOGGING), ctx),
        "lifecycle": _lifecycle(res, parts.get(LIFECYCLE)),
    }
    return Mapped(resource(ctx, res, TYPE, name, attrs, region), {"kms_key": key})


def _inline(res: PlanResource, attr: str) -> Any:
    """A legacy inline block: its value, or None when it is unknown only because the provider
    computes it and the configuration does not write it."""
    value = res.values.get(attr)
    if first_unknown(value) is not None and attr not in res.expressions:
        return None
    return value


def _object_lock(res: PlanResource, part: PlanResource | None) -> Any:
    config = part.values if part else block(_inline(res, "object_lock_configuration"))
    enabled: Any = res.values.get("object_lock_enabled") is True
    retention: Any = None
    if config is not None:
        if isinstance(config, Unknowable):
            return config
        # Provider docs: object_lock_enabled of the configuration defaults to "Enabled".
        flag = config.get("object_lock_enabled") or ("Enabled" if part else None)
        enabled = flag if isinstance(flag, Unknowable) else (enabled or flag == "Enabled")
        rule = block(config.get("rule"))
        if isinstance(rule, Unknowable):
            return rule
        retention = block(rule.get("default_retention")) if rule else None
    if retention is None:
        return settled({"enabled": enabled, "mode": None, "retention_days": None})
    if isinstance(retention, Unknowable):
        return retention
    days, years = retention.get("days"), retention.get("years")
    if not days and isinstance(years, int) and years:
        days = years * 365  # as the live adapter counts a retention in years
    return settled(
        {"enabled": enabled, "mode": retention.get("mode") or None, "retention_days": days or None}
    )


def _versioning(res: PlanResource, part: PlanResource | None, object_lock: Any) -> Any:
    if part is not None:
        config = block(part.values.get("versioning_configuration"))
        if config is None or isinstance(config, Unknowable):
            return config or Unknowable(f"known after apply: {part.address}")
        status = config.get("status")
        # "Disabled" is the provider's word for a bucket that never had versioning: S3 then
        # reports no status at all.
        return settled(
            {
                "status": None if status == "Disabled" else status,
                "mfa_delete": config.get("mfa_delete") == "Enabled"
                if not isinstance(config.get("mfa_delete"), Unknowable)
                else config.get("mfa_delete"),
            }
        )
    inline = block(_inline(res, "versioning"))
    if isinstance(inline, Unknowable):
        return inline
    if inline is not None and (inline.get("enabled") or inline.get("mfa_delete")):
        # Legacy `enabled = false` cannot tell "never enabled" from "suspended": neither is on.
        return settled(
            {
                "status": "Enabled"
                if inline.get("enabled") is True
                else inline.get("enabled")
                if isinstance(inline.get("enabled"), Unknowable)
                else None,
                "mfa_delete": inline.get("mfa_delete") is True,
            }
        )
    if isinstance(object_lock, dict) and object_lock.get("enabled") is True:
        # S3 turns versioning on with Object Lock, and it cannot be suspended.
        return {"status": "Enabled", "mfa_delete": False}
    return {"status": None, "mfa_delete": False}


def _encryption(
    res: PlanResource, part: PlanResource | None, ctx: PlanContext
) -> tuple[Any, Target]:
    path: tuple[str | int, ...]
    if part is not None:
        owner, path, rules = part, ("rule", 0), part.values.get("rule")
    else:
        config = block(_inline(res, "server_side_encryption_configuration"))
        if config is None or isinstance(config, Unknowable):
            return config, Target()
        owner, path = res, ("server_side_encryption_configuration", 0, "rule", 0)
        rules = config.get("rule")
    rule = block(rules)
    if rule is None or isinstance(rule, Unknowable):
        return rule, Target()
    default = block(rule.get("apply_server_side_encryption_by_default"))
    if default is None:
        return None, Target()
    if isinstance(default, Unknowable):
        return default, Target()
    key_path = (*path, "apply_server_side_encryption_by_default", 0, "kms_master_key_id")
    key = ctx.target(owner, key_path, ("aws_kms_key",), default.get("kms_master_key_id"))
    return settled(
        {
            "algorithm": default.get("sse_algorithm"),
            "kms_key_id": through(default.get("kms_master_key_id"), key, ctx),
            "bucket_key_enabled": rule.get("bucket_key_enabled") is True
            if not isinstance(rule.get("bucket_key_enabled"), Unknowable)
            else rule.get("bucket_key_enabled"),
        }
    ), key


def public_access_block(part: PlanResource | None) -> Any:
    """A public access block resource in the live adapter's terms (None: not configured)."""
    if part is None:
        return None
    # Provider docs: each of the four arguments defaults to false.
    api = {theirs: part.values.get(ours) or False for theirs, ours in PAB_ARGS.items()}
    return first_unknown(api) or pab(api)


def _grants(res: PlanResource, part: PlanResource | None) -> Any:
    if part is not None:
        policy = block(part.values.get("access_control_policy"))
        if policy is not None:
            if first_unknown(policy) is not None:
                return first_unknown(policy)
            return [
                {
                    "Grantee": {
                        k: v
                        for k, v in (
                            ("Type", g.get("type")),
                            ("URI", g.get("uri")),
                            ("ID", g.get("id")),
                            ("EmailAddress", g.get("email_address")),
                        )
                        if v
                    },
                    "Permission": grant.get("permission"),
                }
                for grant in policy.get("grant") or []
                for g in grant.get("grantee") or []
            ]
        canned = part.values.get("acl")
    else:
        legacy = _inline(res, "grant")
        if legacy:
            if first_unknown(legacy) is not None:
                return first_unknown(legacy)
            return [
                {
                    "Grantee": {
                        k: v
                        for k, v in (
                            ("Type", g.get("type")),
                            ("URI", g.get("uri")),
                            ("ID", g.get("id")),
                        )
                        if v
                    },
                    "Permission": perm,
                }
                for g in legacy
                for perm in g.get("permissions") or []
            ]
        canned = _inline(res, "acl")
    if isinstance(canned, Unknowable):
        return canned
    # No ACL configured: S3 gives the owner full control and nobody else anything.
    return [_OWNER] + [
        {"Grantee": {"Type": "Group", "URI": _GROUPS + group}, "Permission": perm}
        for group, perm in CANNED.get(canned or "private", [])
    ]


def _acl(res: PlanResource, part: PlanResource | None) -> Any:
    grants = _grants(res, part)
    if isinstance(grants, Unknowable):
        return grants
    public, reasons = acl_public(grants)
    return {"public": public, "reasons": list(reasons), "grants": grants}


def _policy(res: PlanResource, part: PlanResource | None, arn: str) -> Any:
    text = part.values.get("policy") if part else _inline(res, "policy")
    if isinstance(text, Unknowable):
        return text
    if not text:
        return {
            "present": False,
            "public": False,
            "public_reasons": [],
            "denies_insecure_transport": False,
            "document": None,
        }
    where = part.address if part else res.address
    try:
        document = json.loads(text) if isinstance(text, str) else text
        # `arn` is the address while the name is unknown: the policy's own bucket is then used.
        bucket = arn if arn.startswith("arn:") else None
        public, reasons = bucket_policy_public(document, None, bucket)
        denies = denies_insecure_transport(document, bucket)
    except (ValueError, TypeError, KeyError) as exc:
        return Unknowable(f"the policy of {where} cannot be analysed: {exc}", error=True)
    return {
        "present": True,
        "public": public,
        "public_reasons": list(reasons),
        "denies_insecure_transport": denies,
        "document": document,
    }


def _logging(res: PlanResource, part: PlanResource | None, ctx: PlanContext) -> Any:
    owner, config = (part, part.values) if part else (res, block(_inline(res, "logging")))
    if config is None:
        return {"enabled": False, "target_bucket": None, "target_prefix": None}
    if isinstance(config, Unknowable):
        return config
    path: tuple[str | int, ...] = ("target_bucket",) if part else ("logging", 0, "target_bucket")
    target = ctx.target(owner, path, ("aws_s3_bucket",), config.get("target_bucket"))
    return settled(
        {
            "enabled": True,
            "target_bucket": through(config.get("target_bucket"), target, ctx, use="bucket"),
            "target_prefix": config.get("target_prefix"),
        }
    )


def _lifecycle(res: PlanResource, part: PlanResource | None) -> Any:
    if part is not None:
        raw = part.values.get("rule")
        convert = _rule
    else:
        raw = _inline(res, "lifecycle_rule")
        convert = _legacy_rule
    marker = first_unknown(raw)
    if marker is not None:
        return marker
    rules: list[Mapping[str, Any]] = [convert(r) for r in raw or []]
    return {"rules": rules, "earliest_expiration_days": earliest_expiration(rules, None)}


def _expiration(exp: Any, days_key: str = "days") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if exp:
        if exp.get(days_key):
            out["Days"] = int(exp[days_key])
        if exp.get("date"):
            out["Date"] = exp["date"]
        if exp.get("expired_object_delete_marker"):
            out["ExpiredObjectDeleteMarker"] = True
    return out


def _rule(raw: Any) -> dict[str, Any]:
    """An aws_s3_bucket_lifecycle_configuration rule in the shape of the S3 API."""
    rule: dict[str, Any] = {"ID": raw.get("id"), "Status": raw.get("status")}
    filt = block(raw.get("filter"))
    if filt is not None:
        api: dict[str, Any] = {}
        if filt.get("prefix") is not None:
            api["Prefix"] = filt["prefix"]
        both = block(filt.get("and"))
        if both:
            api["And"] = {
                "Prefix": both.get("prefix") or "",
                "Tags": [{"Key": k, "Value": v} for k, v in (both.get("tags") or {}).items()],
            }
        tag = block(filt.get("tag"))
        if tag:
            api["Tag"] = {"Key": tag.get("key"), "Value": tag.get("value")}
        rule["Filter"] = api
    if raw.get("prefix"):
        rule["Prefix"] = raw["prefix"]
    expiration = _expiration(block(raw.get("expiration")))
    if expiration:
        rule["Expiration"] = expiration
    noncurrent = block(raw.get("noncurrent_version_expiration"))
    if noncurrent and noncurrent.get("noncurrent_days"):
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(noncurrent["noncurrent_days"])}
    return rule


def _legacy_rule(raw: Any) -> dict[str, Any]:
    """A legacy aws_s3_bucket lifecycle_rule block in the shape of the S3 API."""
    rule: dict[str, Any] = {
        "ID": raw.get("id"),
        "Status": "Enabled" if raw.get("enabled") else "Disabled",
        "Filter": {"Prefix": raw.get("prefix") or ""},
    }
    expiration = _expiration(block(raw.get("expiration")))
    if expiration:
        rule["Expiration"] = expiration
    noncurrent = block(raw.get("noncurrent_version_expiration"))
    if noncurrent and noncurrent.get("days"):
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(noncurrent["days"])}
    return rule
