"""Collect an AWS account: concurrent across regions and services, bounded, read-only.

What runs is derived from the service modules' declarations (`services.SERVICES`): stage 1
lists (one call per service and region wherever the API allows); stage 2 details only what a
log store depends on (trail status and selectors in the home region, configuration of buckets
that hold logs, subscriptions of topics that alarms notify); stage 3 describes the KMS keys
those log stores name. Tasks return what they found; only this thread merges it, in the order
the tasks were submitted, so a run's output does not depend on which call answered first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.evidence import EvidenceStore
from scanner.inventory import Inventory
from scanner.link import Declared, resolve
from scanner.model import CollectionError, EvidenceRef, Unknowable
from scanner.providers.aws import account as account_calls
from scanner.providers.aws.calls import AwsApi
from scanner.providers.aws.common import Scope, make
from scanner.providers.aws.declare import (
    Service,
    permissions,
    regional_types,
    shapes,
)
from scanner.providers.aws.derive import DERIVERS
from scanner.providers.aws.links import JOINS, LINKS, live_gaps, live_refs
from scanner.providers.aws.services import SERVICES
from scanner.providers.aws.tasks import Run
from scanner.source import Deadline, Progress, silent

if TYPE_CHECKING:
    from scanner.providers.aws.timeouts import Limits


@dataclass
class AwsScan:
    """What one AWS collection produced (the inventory linked)."""

    inventory: Inventory
    scope: Scope
    api: AwsApi
    evidence: EvidenceStore
    enabled_regions: tuple[str, ...] | None
    notes: list[str] = field(default_factory=list)


def scan(
    session: Any,
    regions: Iterable[str] | None,
    evidence: EvidenceStore,
    workers: int = 12,
    progress: Progress | None = None,
    services: Sequence[Service] = SERVICES,
    endpoint_url: str | None = None,
    deadline: Deadline | None = None,
) -> AwsScan:
    """Collect, normalize and link one account. `regions` None means every enabled region;
    `services` are the declarations to collect (default: every shipped service module).
    Every call has a time budget, and what `deadline` leaves uncollected is an error
    (`timeouts`)."""
    from scanner.providers.aws.timeouts import Limits

    limits = Limits(session.events)
    try:
        return _scan(
            session, regions, evidence, workers, progress, services, endpoint_url, limits, deadline
        )
    finally:
        limits.remove()


def _scan(
    session: Any,
    regions: Iterable[str] | None,
    evidence: EvidenceStore,
    workers: int,
    progress: Progress | None,
    services: Sequence[Service],
    endpoint_url: str | None,
    limits: Limits,
    deadline: Deadline | None,
) -> AwsScan:
    say: Progress = progress or silent
    api = AwsApi(session, evidence, permissions(services), endpoint_url, shapes=shapes(services))
    home = session.region_name or "us-east-1"
    ident, ident_refs = account_calls.identify(api, home)
    account = ident["Account"]
    inventory = Inventory()
    requested = tuple(regions) if regions else None
    enabled, enabled_value, region_refs = account_calls.enabled_regions(
        api, home, requested, inventory, account
    )
    wanted = requested or enabled or (home,)
    scope = Scope(
        account=account,
        partition=ident["Arn"].split(":")[1],
        caller_arn=ident.get("Arn"),
        regions=wanted,
        home_region=home,
    )
    result = AwsScan(
        inventory=inventory, scope=scope, api=api, evidence=evidence, enabled_regions=enabled
    )
    per_region = regional_types(services)
    if enabled is None and requested is None:
        result.notes.append(
            f"the enabled regions could not be listed; only {home} was "
            "scanned, and every regional check elsewhere is an error"
        )
        inventory.add_error(
            CollectionError(
                "aws",
                account,
                "*",
                "DescribeRegions",
                "RegionsUnknown",
                "other regions were not scanned",
                per_region,
            )
        )
    elif enabled is not None and set(enabled) - set(wanted):
        skipped = sorted(set(enabled) - set(wanted))
        result.notes.append(f"{len(skipped)} enabled region(s) not scanned: " + ", ".join(skipped))
    say(f"account {account}: scanning {len(wanted)} region(s) as {ident.get('Arn')}")
    add_regions(inventory, scope, enabled, region_refs, _known_regions(session, scope), per_region)
    limits.arm(deadline)
    run = Run(api, scope, inventory, say, deadline)
    run.account_attrs.update(
        account_id=account,
        partition=scope.partition,
        caller_arn=ident.get("Arn"),
        enabled_regions=enabled_value,
        scanned_regions=list(wanted),
    )
    run.account_evidence.extend(ident_refs)
    scanned = [r for r in wanted if enabled is None or r in enabled]
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="logward")
    try:
        run.collect(services, scanned, pool)
    except BaseException:
        # SIGINT or SIGTERM: drop queued calls, start no new attempt, and do not wait for the
        # calls in flight (the command line exits without them).
        limits.stop()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    report_failures(api, inventory, account)
    inventory.add(
        make(
            scope,
            "aws.account",
            f"arn:{scope.partition}:iam::{account}:root",
            account,
            "global",
            run.account_attrs,
            run.account_evidence,
        )
    )
    result.inventory = link_account(inventory, scope)
    return result


def add_regions(
    inventory: Inventory,
    scope: Scope,
    enabled: tuple[str, ...] | None,
    refs: tuple[EvidenceRef, ...],
    known: tuple[str, ...],
    per_region: tuple[str, ...],
) -> None:
    """A region resource for every region a per-region policy must judge. Enabled regions left
    out of the scan are regions too: per-region policies say unknown there rather than pass on
    what was looked at. Where DescribeRegions failed, every region the SDK knows in the
    partition is a row whose `enabled` is that error, so no region drops out of the report."""
    account = scope.account
    failed = [
        e
        for e in inventory.errors
        if e.operation == "DescribeRegions" and e.code != "RegionsUnknown"
    ]
    unknown = Unknowable(failed[0].reason if failed else "DescribeRegions failed", error=True)
    for region in sorted(set(scope.regions) | set(enabled if enabled is not None else known)):
        is_enabled: Any = True if enabled is None else region in enabled
        if enabled is None and region not in scope.regions:
            is_enabled = unknown
        inventory.add(
            make(
                scope,
                "aws.region",
                f"aws:{account}:region/{region}",
                region,
                region,
                {"region": region, "enabled": is_enabled, "scanned": region in scope.regions},
                refs,
            )
        )
        if is_enabled is False:
            inventory.add_error(
                CollectionError(
                    "aws",
                    account,
                    region,
                    "*",
                    "RegionDisabled",
                    f"region {region} is not enabled for the account",
                    per_region,
                )
            )


def _known_regions(session: Any, scope: Scope) -> tuple[str, ...]:
    """The regions the SDK's endpoint data lists for EC2 in the scanned partition."""
    try:
        return tuple(session.get_available_regions("ec2", partition_name=scope.partition))
    except Exception:  # an SDK without endpoint data: the scanned regions only
        return ()


def report_failures(api: AwsApi, inventory: Inventory, account: str) -> None:
    """Every failed call that no task failure named: the per-resource calls (a bucket's
    settings, a trail's status, a key, a topic's subscriptions) whose collectors keep the
    resource and mark what the call would have said as an error. Listed in a stable order,
    whichever call failed first."""
    left = [e for e in api.failures if not e.reported]
    for exc in sorted(left, key=lambda e: (e.region, e.service, e.operation, e.target or "")):
        exc.reported = True
        inventory.add_error(
            CollectionError(
                "aws", account, exc.region, exc.operation, exc.code, exc.message, (), exc.target
            )
        )


def link_account(inventory: Inventory, scope: Scope) -> Inventory:
    """The collected account linked and derived (tamper grants, effective public access,
    lifecycle under the trails' prefixes): a new inventory."""
    gaps = live_gaps(inventory, scope)
    return resolve(inventory, live_refs(inventory, scope), Declared(LINKS, JOINS, DERIVERS), gaps)
