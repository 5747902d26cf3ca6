"""Link plan resources: trail -> bucket/key/log group, log group -> key, bucket -> key, and back.

Targets come from configuration references (so a key created in the same plan counts although
its ARN is known only after apply), else from literal values. A literal naming something not in
the plan becomes a placeholder whose every attribute is unknown: never a pass, never a fail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Link, Resource, Unknowable
from scanner.providers.aws.s3 import earliest_expiration
from scanner.providers.terraform.source import Mapped, PlanContext, Ref

# link name -> (target type, reverse link name, noun for placeholders)
TARGETS: dict[str, tuple[str, str, str]] = {
    "bucket": ("aws.s3.bucket", "trails", "bucket"),
    "kms_key": ("aws.kms.key", "protects", "KMS key"),
    "log_group": ("aws.logs.log_group", "log_sources", "log group"),
}
DEFAULT_LINKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("aws.cloudtrail.trail", ("bucket", "kms_key", "log_group")),
    ("aws.s3.bucket", ("trails", "kms_key")),
    ("aws.logs.log_group", ("log_sources", "metric_filters", "kms_key")),
    ("aws.kms.key", ("protects",)))
PAB_FLAGS = ("block_public_acls", "ignore_public_acls", "block_public_policy",
             "restrict_public_buckets")


def link(inventory: Inventory, mapped: list[Mapped], ctx: PlanContext,
         account_pab: Any) -> None:
    """Fill links, reverse links, effective public access and log-prefix lifecycle in place."""
    back: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in mapped:
        source = item.resource
        for name, ref in item.refs.items():
            rtype, reverse, noun = TARGETS[name]
            target = _target(inventory, ctx, ref, rtype, noun, source)
            if isinstance(target, Unknowable):
                source.links[name] = Link((), unresolved=target)
            elif target is None:
                source.links[name] = Link()
            else:
                source.links[name] = Link((target,))
                back[target][reverse].append(source.id)
    for target, by_name in back.items():
        found = inventory.get(target)
        if found is not None:
            for name, sources in by_name.items():
                found.links[name] = Link(tuple(dict.fromkeys(sources)))
    for rtype, names in DEFAULT_LINKS:
        for resource in inventory.of_type(rtype):
            if resource.placeholder is None:
                for name in names:
                    resource.links.setdefault(name, Link())
    for bucket in inventory.of_type("aws.s3.bucket"):
        if bucket.placeholder is None:
            bucket.attrs["effective_public_access_block"] = _effective(
                bucket.attrs.get("public_access_block"), account_pab)
            _lifecycle_for_logs(inventory, bucket)


def _target(inventory: Inventory, ctx: PlanContext, ref: Ref, rtype: str, noun: str,
            source: Resource) -> str | Unknowable | None:
    if ref.resource is not None:
        return ctx.ids.get(ref.resource.address)
    if ref.unknown is not None:
        return ref.unknown
    if ref.literal is None:
        return None
    literal = ref.literal.removesuffix(":*")
    rid = f"arn:aws:s3:::{literal}" if rtype == "aws.s3.bucket" and ":" not in literal \
        else literal
    if inventory.get(rid) is None:
        name = literal.rsplit("/", 1)[-1].split(":log-group:", 1)[-1]
        parts = literal.split(":")
        region = parts[3] if len(parts) > 5 and parts[3] else source.region
        inventory.add(Resource(provider="aws", account=ctx.account, region=region, type=rtype,
                               id=rid, name=name, attrs={}, placeholder=Unknowable(
                                   f"{noun} {ref.literal} is not in this plan")))
    return rid


def _effective(own: Any, account_pab: Any) -> dict[str, Any]:
    """Each setting is on when the bucket or the account turns it on, as S3 combines them; a
    setting the bucket leaves off is unknown while the account's is not in the plan."""
    effective: dict[str, Any] = {}
    for flag in PAB_FLAGS:
        values = [s if isinstance(s, Unknowable) else bool((s or {}).get(flag))
                  for s in (own, account_pab)]
        if True in values:
            effective[flag] = True
        else:
            effective[flag] = next((v for v in values if isinstance(v, Unknowable)), False)
    return effective


def _lifecycle_for_logs(inventory: Inventory, bucket: Resource) -> None:
    """Judge lifecycle expiry only where the trails write (`<prefix>/AWSLogs/`), as live."""
    lifecycle = bucket.attrs.get("lifecycle")
    trails = bucket.links.get("trails")
    if not isinstance(lifecycle, Mapping) or trails is None or not trails.targets:
        return
    prefixes = []
    for rid in trails.targets:
        trail = inventory.get(rid)
        prefix = trail.attrs.get("s3_key_prefix") if trail is not None else None
        if isinstance(prefix, Unknowable):
            bucket.attrs["lifecycle"] = prefix
            return
        prefixes.append(f"{prefix.rstrip('/')}/AWSLogs/" if prefix else "AWSLogs/")
    bucket.attrs["lifecycle"] = dict(lifecycle, earliest_expiration_days=earliest_expiration(
        lifecycle["rules"], prefixes))
