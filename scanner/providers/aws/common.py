"""Shared pieces of the AWS collectors: the scan scope and resource construction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scanner.model import EvidenceRef, Resource


@dataclass(frozen=True)
class Scope:
    """Who is scanning what: the account, its partition, the regions."""

    account: str
    partition: str
    caller_arn: str | None
    regions: tuple[str, ...]
    home_region: str


def make(
    scope: Scope,
    rtype: str,
    rid: str,
    name: str,
    region: str,
    attrs: dict[str, Any],
    evidence: Iterable[EvidenceRef],
    account: str | None = None,
    also_accounts: tuple[str, ...] = (),
) -> Resource:
    """A live AWS resource of this scan."""
    return Resource(
        provider="aws",
        account=account or scope.account,
        region=region,
        type=rtype,
        id=rid,
        name=name,
        attrs=attrs,
        evidence=tuple(evidence),
        also_accounts=also_accounts,
    )


def iso(value: Any) -> str | None:
    """An API timestamp as ISO 8601 UTC text (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def arn_account(arn: str) -> str | None:
    """The account field of an ARN, if any."""
    parts = arn.split(":")
    return parts[4] or None if len(parts) > 5 else None


def arn_region(arn: str) -> str | None:
    """The region field of an ARN, if any."""
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 5 else None


# Region name prefixes of the AWS partitions other than `aws` (AWS General Reference,
# "AWS partitions"); every other region is in `aws`.
_PARTITIONS = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("us-isof-", "aws-iso-f"),
    ("eu-isoe-", "aws-iso-e"),
)
PARTITIONS = ("aws", *(p for _, p in _PARTITIONS))


def partition_of(region: object) -> str:
    """The partition of a region (`aws` where the region is not known)."""
    if isinstance(region, str):
        for prefix, partition in _PARTITIONS:
            if region.startswith(prefix):
                return partition
    return "aws"


def arn_partition(resource_id: str) -> str | None:
    """The partition field of an ARN (`aws`, `aws-cn`, `aws-us-gov`), if the id is one."""
    parts = resource_id.split(":")
    return parts[1] or None if resource_id.startswith("arn:") and len(parts) > 2 else None
