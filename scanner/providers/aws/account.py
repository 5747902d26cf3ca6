"""Who is scanning and where: the caller identity and the account's enabled regions."""

from __future__ import annotations

from typing import Any

from scanner.errors import InputError, RunError
from scanner.inventory import Inventory
from scanner.model import CollectionError, EvidenceRef
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.declare import Service, call

SERVICE = Service(
    "account",
    calls=(call("sts", "GetCallerIdentity"), call("ec2", "DescribeRegions")),
)


def identify(api: AwsApi, home: str) -> tuple[dict[str, Any], tuple[EvidenceRef, ...]]:
    """GetCallerIdentity; the scan cannot run without it (RunError, exit 3)."""
    try:
        got = api.call("sts", home, "GetCallerIdentity")
    except AwsCallError as exc:
        raise RunError(
            f"cannot identify the caller ({exc.code}): {exc.message}. Check the AWS "
            "credentials (profile, environment, SSO session) and network."
        ) from exc
    except Exception as exc:
        raise RunError(f"cannot start the AWS scan: {exc}") from exc
    assert got is not None
    return got.data, got.evidence


def enabled_regions(
    api: AwsApi, home: str, requested: tuple[str, ...] | None, inventory: Inventory, account: str
) -> tuple[tuple[str, ...] | None, Any, tuple[EvidenceRef, ...]]:
    """The regions enabled for the account (None when DescribeRegions failed, recorded as an
    error), the account attribute that says so, and the evidence."""
    try:
        got = api.call("ec2", home, "DescribeRegions", AllRegions=True)
    except AwsCallError as exc:
        exc.reported = True
        inventory.add_error(
            CollectionError(
                "aws", account, home, exc.operation, exc.code, exc.message, ("aws.region",)
            )
        )
        return None, exc.unknowable(), ()
    assert got is not None
    listed = got.data.get("Regions", [])
    unknown = sorted(set(requested or ()) - {r["RegionName"] for r in listed})
    if unknown:
        raise InputError(
            f"--regions: unknown region(s) {unknown}; expected regions this "
            f"account knows, e.g. {sorted(r['RegionName'] for r in listed)[:4]}"
        )
    enabled = tuple(
        sorted(
            r["RegionName"]
            for r in listed
            if r.get("OptInStatus") in ("opt-in-not-required", "opted-in")
        )
    )
    return enabled, list(enabled), got.evidence
