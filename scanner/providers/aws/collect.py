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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.evidence import EvidenceStore
from scanner.inventory import Inventory
from scanner.link import Declared, resolve
from scanner.model import CollectionError, EvidenceRef, Resource, Unknowable
from scanner.providers.aws import account as account_calls
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.common import Scope, make
from scanner.providers.aws.declare import (
    Collected,
    Detailer,
    Found,
    Lister,
    Service,
    permissions,
    regional_types,
    shapes,
)
from scanner.providers.aws.derive import DERIVERS
from scanner.providers.aws.links import JOINS, LINKS, live_gaps, live_refs
from scanner.providers.aws.services import SERVICES
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


@dataclass(frozen=True)
class _Task:
    label: str
    region: str
    types: tuple[str, ...]
    account_attrs: tuple[str, ...] = ()


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
    run = _Run(api, scope, inventory, say, deadline)
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


class _Run:
    """One collection's merged state. Only the main thread touches it."""

    def __init__(
        self,
        api: AwsApi,
        scope: Scope,
        inventory: Inventory,
        say: Progress,
        deadline: Deadline | None = None,
    ) -> None:
        self.api = api
        self.deadline = deadline
        self.scope = scope
        self.inventory = inventory
        self.say = say
        self.account_attrs: dict[str, Any] = {}
        self.account_evidence: list[EvidenceRef] = []
        self.resources: list[Resource] = []
        self.staged: dict[str, list[Any]] = {}

    def collect(
        self, services: Sequence[Service], regions: list[str], pool: ThreadPoolExecutor
    ) -> None:
        listers = [lister for s in services for lister in s.listers]
        tasks: list[tuple[_Task, Any]] = []
        for lister in (x for x in listers if x.scope == "global"):
            tasks.append((self._lister_task(lister, "global"), self._bind_lister(lister, "global")))
        for region in regions:
            for lister in (x for x in listers if x.scope == "regional"):
                tasks.append((self._lister_task(lister, region), self._bind_lister(lister, region)))
        self._run(pool, tasks)
        detailers = [d for s in services for d in s.detailers]
        for stage in sorted({d.stage for d in detailers}):
            self._stage(pool, [d for d in detailers if d.stage == stage])
        self.inventory.extend(self.resources)

    @staticmethod
    def _lister_task(lister: Lister, region: str) -> _Task:
        return _Task(lister.name, region, lister.types, lister.account_attrs)

    def _bind_lister(self, lister: Lister, region: str) -> Any:
        ask = self.scope.home_region if region == "global" else region
        return lambda: lister.run(self.api, self.scope, ask)

    def _stage(self, pool: ThreadPoolExecutor, detailers: list[Detailer]) -> None:
        for detailer in detailers:
            self._unfound(detailer)
        view = Collected(tuple(self.resources), self.staged, self.scope, self.inventory.errors)
        tasks: list[tuple[_Task, Any]] = []
        owners: list[Detailer] = []
        chosen: set[int] = set()
        for detailer in detailers:
            for label, region, item in detailer.select(view):
                chosen.add(id(item))
                tasks.append((_Task(label, region, detailer.types), self._bind(detailer, item)))
                owners.append(detailer)
        found = self._run(pool, tasks, keep=False)
        for detailer in detailers:
            got = [
                r for owner, rs in zip(owners, found, strict=True) if owner is detailer for r in rs
            ]
            self.resources.extend(detailer.merge(got) if detailer.merge else got)
            for kind in detailer.keeps:
                self.resources.extend(r for r in self.staged.get(kind, ()) if id(r) not in chosen)
                self.staged[kind] = []

    def _unfound(self, detailer: Detailer) -> None:
        """A listing of what the detailer selects from failed: what it would have found
        through those items may be missing there."""
        if not detailer.finds:
            return
        for error in list(self.inventory.errors):
            if error.resource_id is None and set(error.resource_types) & set(detailer.reads):
                self.inventory.add_error(
                    CollectionError(
                        "aws",
                        error.account,
                        error.region,
                        error.operation,
                        error.code,
                        f"{error.message} (so what it lists names no {detailer.name} here)",
                        detailer.finds,
                    )
                )

    def _bind(self, detailer: Detailer, item: Any) -> Any:
        def run() -> Found:
            try:
                return detailer.run(self.api, self.scope, item)
            except AwsCallError:
                raise
            except Exception as exc:
                if detailer.fallback is None:
                    raise
                return detailer.fallback(self.scope, item, exc)

        return run

    def _timed(self, task: _Task, fn: Any) -> Any:
        """`fn`, or once --max-duration has passed, a failure naming it (an error row)."""
        deadline = self.deadline
        if deadline is None:
            return fn

        def run() -> Found:
            if deadline.passed():
                region = task.region
                raise AwsCallError("*", task.label, region, "RunDeadlineExceeded", deadline.reason)
            result: Found = fn()
            return result

        return run

    def _run(
        self, pool: ThreadPoolExecutor, tasks: list[tuple[_Task, Any]], keep: bool = True
    ) -> list[list[Resource]]:
        """Run tasks concurrently; merge each one's Found in submission order. Returns the
        resources of each task (kept here too when `keep`)."""
        # A listing cut by --max-duration fails whole: its types err in its region. A detail
        # task (a trail's status, a bucket's settings) still runs, and the gateway refuses each
        # of its calls past the deadline: the resource keeps its row, each setting an error,
        # as with any other failed per-resource call.
        futures: list[Future[Found]] = [
            pool.submit(self._timed(t, fn) if keep else fn) for t, fn in tasks
        ]
        out: list[list[Resource]] = []
        for done, ((task, _fn), future) in enumerate(zip(tasks, futures, strict=True), 1):
            self.say(f"[{done}/{len(futures)}] {task.label} ({task.region})", transient=True)
            try:
                found = future.result()
            except AwsCallError as exc:
                exc.reported = True
                # A global service is asked through the home region; its failure is global.
                region = "global" if task.region == "global" else exc.region
                self._fail(
                    task,
                    CollectionError(
                        "aws",
                        self.scope.account,
                        region,
                        exc.operation,
                        exc.code,
                        exc.message,
                        task.types,
                    ),
                )
                self.say(f"error: {task.label} in {task.region}: {exc.code}")
                out.append([])
                continue
            except Exception as exc:  # a response we could not normalize is an error, not a gap
                self._fail(
                    task,
                    CollectionError(
                        "aws",
                        self.scope.account,
                        task.region,
                        task.label,
                        "InternalError",
                        f"{type(exc).__name__}: {exc}",
                        task.types,
                    ),
                )
                self.say(f"error: {task.label} in {task.region}: {type(exc).__name__}: {exc}")
                out.append([])
                continue
            self.account_attrs.update(found.account)
            self.account_evidence.extend(found.account_evidence)
            for kind, items in found.staged.items():
                self.staged.setdefault(kind, []).extend(items)
            for error in found.errors:
                self.inventory.add_error(error)
            if keep:
                self.resources.extend(found.resources)
            out.append(found.resources)
        return out

    def _fail(self, task: _Task, error: CollectionError) -> None:
        self.inventory.add_error(error)
        for attr in task.account_attrs:
            self.account_attrs[attr] = Unknowable(error.reason, error=True)
