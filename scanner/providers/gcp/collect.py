"""Collect a GCP organization, folders or projects: the hierarchy first (Resource Manager),
then every declared task concurrently in one bounded pool, merged on this thread in
submission order (organization, folders, projects by name; services in declared order), so
the output does not depend on which call answered first. One project's 403 or disabled API
fails that project's tasks only: `error` rows for it, full results for the rest, and every
failed call in `errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from scanner.inventory import Inventory
from scanner.model import CollectionError, Resource, Unknowable
from scanner.providers.gcp.api import GcpApi, GcpCallError
from scanner.providers.gcp.declare import Collected, Detailer, Found, Node, Scope, Service
from scanner.providers.gcp.resourcemanager import Tree, enumerate_scope
from scanner.source import Progress, silent
from scanner.taskrun import run_in_order

WORKERS = 8


@dataclass
class Request:
    """What to scan (the `scan gcp` options)."""

    organization: str | None = None
    folders: Sequence[str] = ()
    projects: Sequence[str] = ()


@dataclass
class GcpScan:
    """What one collection produced (the inventory not yet linked)."""

    inventory: Inventory
    scope: Scope
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Task:
    label: str
    account: str
    types: tuple[str, ...]
    node: str | None = None
    attrs: tuple[str, ...] = ()


class _Run:
    """The merged state of one collection; only the calling thread touches it."""

    def __init__(self, api: GcpApi, scope: Scope, say: Progress) -> None:
        self.api = api
        self.scope = scope
        self.say = say
        self.inventory = Inventory()
        self.resources: list[Resource] = []
        self.node_attrs: dict[str, dict[str, Any]] = {n: {} for n in scope.nodes}
        self.node_evidence: dict[str, list[Any]] = {n: [] for n in scope.nodes}
        self.staged: dict[str, list[Any]] = {}

    def listers(self, services: Sequence[Service], pool: ThreadPoolExecutor) -> None:
        tasks: list[tuple[_Task, Any]] = []
        for node in self.scope.ordered():
            for lister in (x for s in services for x in s.listers):
                # A project not scanned (not ACTIVE) gets no call at all: the limits say it
                # was not scanned, so none of its calls' failures may appear as its errors.
                if node.kind == "project" and not node.in_scan:
                    continue
                if lister.scope == "project" and node.kind != "project":
                    continue
                if lister.scope == "node" and node.kind not in lister.kinds:
                    continue
                task = _Task(
                    f"{lister.name} of {node.name}",
                    node.account,
                    lister.types,
                    node.name,
                    lister.attrs,
                )
                tasks.append((task, self._bind(lister.run, node)))
        self._run(pool, tasks)

    def detailers(self, services: Sequence[Service], pool: ThreadPoolExecutor) -> None:
        detailers = [d for s in services for d in s.detailers]
        for stage in sorted({d.stage for d in detailers}):
            view = Collected(tuple(self.resources), self.staged, self.scope, self.inventory.errors)
            tasks: list[tuple[_Task, Any]] = []
            for detailer in (d for d in detailers if d.stage == stage):
                for label, account, item in detailer.select(view):
                    tasks.append(
                        (_Task(label, account, detailer.types), self._bind_detail(detailer, item))
                    )
            self._run(pool, tasks)

    def _bind(self, run: Any, node: Node) -> Any:
        return lambda: run(self.api, self.scope, node)

    def _bind_detail(self, detailer: Detailer, item: Any) -> Any:
        return lambda: detailer.run(self.api, self.scope, item)

    def _run(self, pool: ThreadPoolExecutor, tasks: list[tuple[_Task, Any]]) -> None:
        run_in_order(pool, tasks, GcpCallError, self._fail, self._merge, self.say)

    def _merge(self, found: Found) -> None:
        self.resources.extend(found.resources)
        for name, values in found.node_attrs.items():
            self.node_attrs.setdefault(name, {}).update(values)
        for name, refs in found.node_evidence.items():
            self.node_evidence.setdefault(name, []).extend(refs)
        for kind, items in found.staged.items():
            self.staged.setdefault(kind, []).extend(items)
        for error in found.errors:
            self.inventory.add_error(error)

    def _fail(self, task: _Task, operation: str, code: str, message: str) -> None:
        error = CollectionError("gcp", task.account, "global", operation, code, message, task.types)
        self.inventory.add_error(error)
        if task.node is not None:
            for attr in task.attrs:
                self.node_attrs[task.node][attr] = Unknowable(error.reason, error=True)


def scan(
    api: GcpApi,
    request: Request,
    services: Sequence[Service],
    progress: Progress | None = None,
    workers: int = WORKERS,
) -> GcpScan:
    """Enumerate the hierarchy, run every declared task, and build the node resources."""
    say: Progress = progress or silent
    scope, tree = enumerate_scope(api, request.organization, request.folders, request.projects)
    say(f"gcp: {len(scope.projects())} project(s) in scope, {len(scope.nodes)} node(s)")
    api.project_numbers = {
        n.account: n.project_number
        for n in scope.nodes.values()
        if n.kind == "project" and n.project_number
    }
    run = _Run(api, scope, say)
    for error in tree.errors:
        run.inventory.add_error(error)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="logward-gcp")
    try:
        run.listers(services, pool)
        run.detailers(services, pool)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    run.inventory.extend(run.resources)
    for node in scope.ordered():
        run.inventory.add(node_resource(node, scope, tree, run))
    report_failures(api, run.inventory)
    return GcpScan(run.inventory, scope, list(tree.notes))


def node_resource(node: Node, scope: Scope, tree: Tree, run: _Run) -> Resource:
    """The gcp.organization / gcp.folder / gcp.project resource of a node."""
    unreadable = tree.unreadable.get(node.name)
    known: Any
    if unreadable is not None:
        known = unreadable.unknowable()
        attrs: dict[str, Any] = {
            "display_name": known,
            "parent": known,
            "ancestors": known,
            "state": known,
        }
    else:
        attrs = {
            "display_name": node.display_name,
            "parent": node.parent,
            "ancestors": scope.ancestors(node.name),
            "state": node.state,
        }
    attrs = {"name": node.name, **attrs, **run.node_attrs.get(node.name, {})}
    if node.kind == "project":
        attrs.update(
            project_id=node.account,
            project_number=node.project_number if unreadable is None else known,
            in_scan=node.in_scan,
        )
    return Resource(
        provider="gcp",
        account=node.account,
        region="global",
        type=f"gcp.{node.kind}",
        id=node.id,
        name=node.display_name or node.name,
        attrs=attrs,
        evidence=(*node.evidence, *run.node_evidence.get(node.name, ())),
    )


def report_failures(api: GcpApi, inventory: Inventory) -> None:
    """Every failed call no task failure named (per-resource calls whose collectors keep the
    resource, its settings an error), in a stable order."""
    left = [e for e in api.failures if not e.reported]
    for exc in sorted(left, key=lambda e: (e.account, e.call.service, e.operation, e.target or "")):
        exc.reported = True
        inventory.add_error(
            CollectionError(
                "gcp", exc.account, "global", exc.operation, exc.code, exc.message, (), exc.target
            )
        )
