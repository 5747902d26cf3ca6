"""Collect an Azure tenant, management group or subscriptions: enumeration first
(`tenancy.py`), then every declared task concurrently in one bounded pool, merged on this
thread in submission order (tenant tasks, then subscriptions by id; services in declared
order), so the output does not depend on which call answered first. One subscription's 403
fails that subscription's tasks only: `error` rows for it, full results for the rest, and
every failed call in `errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.inventory import Inventory
from scanner.model import CollectionError, Resource, Unknowable
from scanner.providers.azure.api import ArmApi, ArmError
from scanner.providers.azure.declare import (
    Collected,
    Found,
    Service,
    Tenancy,
    diagnostic_targets,
)
from scanner.providers.azure.tenancy import enumerate_tenancy, scope_resources
from scanner.source import Progress, silent
from scanner.taskrun import run_in_order

if TYPE_CHECKING:
    from scanner.providers.azure.adapter import Request

# Concurrent calls: ARM allows each principal ~250 reads per 25 s per subscription and
# region (token bucket, "Understand how Azure Resource Manager throttles requests",
# https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling);
# eight in flight stays far below it even when every task hits one subscription.
WORKERS = 8


@dataclass
class AzureScan:
    """What one collection produced (the inventory not yet linked)."""

    inventory: Inventory
    tenancy: Tenancy
    notes: list[str] = field(default_factory=list)
    regions: tuple[str, ...] = ("global",)


@dataclass(frozen=True)
class _Task:
    label: str
    account: str
    types: tuple[str, ...]
    # The resource (subscription, tenant or another) whose `attrs` become the error.
    owner: str | None = None
    attrs: tuple[str, ...] = ()


class _Run:
    """The merged state of one collection; only the calling thread touches it."""

    def __init__(self, api: ArmApi, tenancy: Tenancy, say: Progress) -> None:
        self.api = api
        self.tenancy = tenancy
        self.say = say
        self.inventory = Inventory()
        self.resources: list[Resource] = []
        self.attrs: dict[str, dict[str, Any]] = {}
        self.evidence: dict[str, list[Any]] = {}
        self.staged: dict[str, list[Any]] = {}
        self.notes: list[str] = []

    def listers(self, services: Sequence[Service], pool: ThreadPoolExecutor) -> None:
        tasks: list[tuple[_Task, Callable[[], Found]]] = []
        tenant = self.tenancy.tenant
        for lister in (x for s in services for x in s.listers if x.scope == "tenant"):
            account = self.tenancy.tenant_id or "tenant"
            task = _Task(
                f"{lister.name} of the tenant", account, lister.types, tenant, lister.attrs
            )
            tasks.append((task, self._bind(lister.run, None)))
        # A subscription not scanned (disabled, deleted, outside the request) gets no call:
        # the limits say so, so none of its calls' failures may appear as its errors.
        for sub in self.tenancy.scanned():
            for lister in (x for s in services for x in s.listers if x.scope == "subscription"):
                label = f"{lister.name} of subscription {sub.subscription_id}"
                task = _Task(label, sub.account, lister.types, sub.id, lister.attrs)
                tasks.append((task, self._bind(lister.run, sub)))
        self._run(pool, tasks)

    def detailers(self, services: Sequence[Service], pool: ThreadPoolExecutor) -> None:
        detailers = [d for s in services for d in s.detailers]
        targets = diagnostic_targets(services)
        for stage in sorted({d.stage for d in detailers}):
            view = Collected(
                tuple(self.resources),
                self.staged,
                self.tenancy,
                self.inventory.errors,
                targets,
            )
            tasks: list[tuple[_Task, Callable[[], Found]]] = []
            for detailer in (d for d in detailers if d.stage == stage):
                for label, account, item in detailer.select(view):
                    owner = detailer.target(item) if detailer.target else None
                    task = _Task(label, account, detailer.types, owner, detailer.attrs)
                    tasks.append((task, self._bind_item(detailer.run, item)))
            self._run(pool, tasks)

    def _bind(self, run: Any, sub: Any) -> Callable[[], Found]:
        return lambda: run(self.api, self.tenancy, sub)

    def _bind_item(self, run: Any, item: Any) -> Callable[[], Found]:
        return lambda: run(self.api, self.tenancy, item)

    def _run(
        self, pool: ThreadPoolExecutor, tasks: list[tuple[_Task, Callable[[], Found]]]
    ) -> None:
        run_in_order(pool, tasks, ArmError, self._fail, self._merge, self.say)

    def _merge(self, found: Found) -> None:
        self.resources.extend(found.resources)
        for rid, values in found.attrs.items():
            self.attrs.setdefault(rid, {}).update(values)
        for rid, refs in found.evidence.items():
            self.evidence.setdefault(rid, []).extend(refs)
        for kind, items in found.staged.items():
            self.staged.setdefault(kind, []).extend(items)
        for error in found.errors:
            self.inventory.add_error(error)
        self.notes.extend(n for n in found.notes if n not in self.notes)

    def _fail(self, task: _Task, operation: str, code: str, message: str) -> None:
        error = CollectionError(
            "azure", task.account, "global", operation, code, message, task.types
        )
        self.inventory.add_error(error)
        if task.owner is not None:
            for attr in task.attrs:
                self.attrs.setdefault(task.owner, {})[attr] = Unknowable(error.reason, error=True)


def _apply(resources: list[Resource], run: _Run) -> list[Resource]:
    """The resources with the attributes and evidence later tasks set on them."""
    found = []
    for resource in resources:
        extra = run.attrs.get(resource.id)
        refs = run.evidence.get(resource.id)
        if extra or refs:
            resource = Resource(
                provider=resource.provider,
                account=resource.account,
                region=resource.region,
                type=resource.type,
                id=resource.id,
                name=resource.name,
                attrs={**resource.attrs, **(extra or {})},
                evidence=(*resource.evidence, *(refs or ())),
                also_accounts=resource.also_accounts,
            )
        found.append(resource)
    return found


def scan(
    api: ArmApi,
    request: Request,
    services: Sequence[Service],
    progress: Progress | None = None,
    workers: int = WORKERS,
) -> AzureScan:
    """Enumerate the tenancy, run every declared task, and build the scope resources."""
    say: Progress = progress or silent
    tenancy, enumeration = enumerate_tenancy(api, request)
    api.tenant_id = tenancy.tenant_id
    say(f"azure: {len(tenancy.scanned())} subscription(s) in scope")
    run = _Run(api, tenancy, say)
    for error in enumeration.errors:
        run.inventory.add_error(error)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="logward-azure")
    try:
        run.listers(services, pool)
        run.detailers(services, pool)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    scope = scope_resources(tenancy, enumeration)
    run.inventory.extend(_apply([*run.resources, *scope], run))
    report_failures(api, run.inventory)
    regions = sorted({r.region for r in run.resources} | {"global"})
    return AzureScan(run.inventory, tenancy, [*enumeration.notes, *run.notes], tuple(regions))


def report_failures(api: ArmApi, inventory: Inventory) -> None:
    """Every failed call no task failure named (per-resource calls whose collectors keep the
    resource, its settings an error), in a stable order."""
    left = [e for e in api.failures if not e.reported]
    for exc in sorted(left, key=lambda e: (e.account, e.operation, e.target)):
        exc.reported = True
        inventory.add_error(
            CollectionError(
                "azure", exc.account, "global", exc.operation, exc.code, exc.message, (), exc.target
            )
        )
