"""Attributes AWS derives from linked resources, the same for live scans and plans. Each
deriver returns new values by resource id; none changes a resource.

- effective_public_access_block: what S3 enforces, combining the bucket's and the account's
  Block Public Access settings.
- lifecycle.earliest_expiration_days: judged only where the bucket's trails write
  (`<prefix>/AWSLogs/`).
- tamper_grants / tamper_limits: who could stop, alter or delete each trail and the logs it
  writes (live scans; a plan does not carry IAM, and its trails say so themselves).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Absent, Resource, Unknowable
from scanner.providers.aws.analysis import iam as iam_analysis
from scanner.providers.aws.s3 import earliest_expiration
from scanner.providers.base import Deriver

Updates = dict[str, dict[str, Any]]
_ABSENT = object()

TAMPER_TRAIL_ACTIONS = (
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
)
# PutObject overwrites (forges) log files where Object Lock does not stop it.
TAMPER_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject")
# Suspending versioning makes later deletes permanent; deleting the policy drops its denies.
TAMPER_BUCKET_ACTIONS = (
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
)
TAMPER_LOG_GROUP_ACTIONS = (
    "logs:DeleteLogGroup",
    "logs:DeleteLogStream",
    "logs:PutRetentionPolicy",
)
# Disabling or deleting the trail's key makes every encrypted log file unreadable.
TAMPER_KEY_ACTIONS = ("kms:DisableKey", "kms:ScheduleKeyDeletion")

PAB_FLAGS = (
    "block_public_acls",
    "ignore_public_acls",
    "block_public_policy",
    "restrict_public_buckets",
)


def effective_public_access_block(own: Any, account: Any) -> dict[str, Any]:
    """Each setting is on when the bucket or the account turns it on, as S3 combines them; a
    setting the bucket leaves off is unknown while the account's setting is unknown."""
    effective: dict[str, Any] = {}
    for flag in PAB_FLAGS:
        values = [
            s if isinstance(s, Unknowable) else bool((s or {}).get(flag)) for s in (own, account)
        ]
        if True in values:
            effective[flag] = True
        else:
            effective[flag] = next((v for v in values if isinstance(v, Unknowable)), False)
    return effective


def _account(inventory: Inventory) -> Resource | None:
    return next(iter(inventory.of_type("aws.account")), None)


def public_access(inventory: Inventory) -> Updates:
    """effective_public_access_block of every described bucket."""
    account = _account(inventory)
    account_pab = account.attrs.get("public_access_block") if account else None
    return {
        b.id: {
            "effective_public_access_block": effective_public_access_block(
                b.attrs.get("public_access_block"), account_pab
            )
        }
        for b in inventory.of_type("aws.s3.bucket")
        if b.placeholder is None and b.attrs.get("detailed")
    }


def lifecycle(inventory: Inventory) -> Updates:
    """Lifecycle expiry judged only where each bucket's trails write (`<prefix>/AWSLogs/`)."""
    out: Updates = {}
    for bucket in inventory.of_type("aws.s3.bucket"):
        rules = bucket.attrs.get("lifecycle")
        trails = bucket.links.get("trails")
        if not isinstance(rules, Mapping) or trails is None or not trails.targets:
            continue
        prefixes = []
        unknown: Unknowable | None = None
        for rid in trails.targets:
            trail = inventory.get(rid)
            prefix = trail.attrs.get("s3_key_prefix") if trail is not None else None
            if isinstance(prefix, Unknowable):
                unknown = prefix
                break
            prefixes.append(f"{prefix.rstrip('/')}/AWSLogs/" if prefix else "AWSLogs/")
        out[bucket.id] = {
            "lifecycle": unknown
            or dict(rules, earliest_expiration_days=earliest_expiration(rules["rules"], prefixes))
        }
    return out


def tamper(inventory: Inventory) -> Updates:
    """Who could stop, alter or delete each trail and the logs it writes. A source that never
    looked at IAM (a plan: its account has no iam_authorization_details) is left alone."""
    account = _account(inventory)
    details = account.attrs.get("iam_authorization_details", _ABSENT) if account else None
    if details is _ABSENT:
        return {}
    trails = inventory.of_type("aws.cloudtrail.trail")
    if isinstance(details, Unknowable) or details is None or account is None:
        marker = (
            details
            if isinstance(details, Unknowable)
            else Unknowable("IAM authorization details were not collected", error=True)
        )
        return {t.id: {"tamper_grants": marker, "tamper_limits": []} for t in trails}
    scanned = account.account
    principals = iam_analysis.principals_from_authorization_details(details)
    limits = list(iam_analysis.analysis_limits(principals))
    return {t.id: _trail_tamper(inventory, t, principals, limits, scanned) for t in trails}


def _trail_tamper(
    inventory: Inventory, trail: Resource, principals: Any, limits: list[str], scanned: str
) -> dict[str, Any]:
    """tamper_grants and tamper_limits of one trail: the grants over the trail, its bucket
    and objects, its key and its log group, and what could not be looked at."""
    checks: list[tuple[str, str]] = [(a, trail.id) for a in TAMPER_TRAIL_ACTIONS]
    policies: dict[str, Any] = {}
    gaps: list[Unknowable] = []
    trail_limits = list(limits)
    if trail.account != scanned:
        gaps.append(
            Unknowable(f"trail is owned by account {trail.account}; its IAM was not scanned")
        )
    for bucket in _targets(inventory, trail, "bucket"):
        if isinstance(bucket.placeholder, Absent):
            continue  # nothing to tamper with; its absence fails the bucket's own policies
        if bucket.placeholder is not None:
            gaps.append(bucket.placeholder)
            continue
        prefix = trail.attrs.get("s3_key_prefix")
        key = f"{prefix}/" if prefix else ""
        sample = (
            f"{bucket.id}/{key}AWSLogs/{trail.account}/CloudTrail/"
            f"{trail.region}/2026/01/01/log.json.gz"
        )
        checks += [(a, sample) for a in TAMPER_OBJECT_ACTIONS]
        checks += [(a, bucket.id) for a in TAMPER_BUCKET_ACTIONS]
        policy = bucket.attrs.get("policy")
        if isinstance(policy, Unknowable):
            gaps.append(policy)
        elif isinstance(policy, Mapping) and policy.get("document"):
            policies[bucket.id] = iam_analysis.parse_policy_document(
                policy["document"], f"bucket policy of {bucket.name}"
            )
    for cmk in _targets(inventory, trail, "kms_key"):
        if cmk.placeholder is None and cmk.account == scanned:
            checks += [(a, cmk.id) for a in TAMPER_KEY_ACTIONS]
    for group in _targets(inventory, trail, "log_group"):
        if isinstance(group.placeholder, Absent):
            continue  # nothing to tamper with; its absence fails the log group's own policies
        if group.placeholder is not None:
            gaps.append(group.placeholder)
            continue
        checks += [(a, f"{group.id}:*") for a in TAMPER_LOG_GROUP_ACTIONS]
        trail_limits.append(
            f"log group {group.name}: resource policies of CloudWatch Logs "
            "are checked for exposure, not for tamper grants"
        )
    grants = iam_analysis.who_can(principals, checks, policies, scanned)
    rows: list[Any] = [
        {
            "principal": g.principal,
            "action": g.action,
            "resource": g.resource,
            "source": g.source,
            "sid": g.sid,
            "statement_index": g.statement_index,
            "conditional": g.conditional,
            "via": g.via,
        }
        for g in grants
    ]
    return {"tamper_grants": rows + gaps, "tamper_limits": trail_limits}


def _targets(inventory: Inventory, resource: Resource, name: str) -> Iterable[Resource]:
    link_ = resource.links.get(name)
    for rid in link_.targets if link_ else ():
        target = inventory.get(rid)
        if target is not None:
            yield target


DERIVERS: tuple[Deriver, ...] = (public_access, lifecycle, tamper)
