"""Facts about log-store buckets derived the same way from a live scan and from a plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Resource, Unknowable
from scanner.providers.aws.s3 import earliest_expiration

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


def lifecycle_for_logs(inventory: Inventory, bucket: Resource) -> None:
    """Judge lifecycle expiry only where the bucket's trails write (`<prefix>/AWSLogs/`)."""
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
    bucket.attrs["lifecycle"] = dict(
        lifecycle, earliest_expiration_days=earliest_expiration(lifecycle["rules"], prefixes)
    )
