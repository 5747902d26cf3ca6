"""One collection's task pool: the declared listers, then each stage of detailers, run
concurrently in a bounded pool and merged on the calling thread in submission order, so a
run's output does not depend on which call answered first."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from scanner.inventory import Inventory
from scanner.model import CollectionError, EvidenceRef, Resource, Unknowable
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.common import Scope
from scanner.providers.aws.declare import Collected, Detailer, Found, Lister, Service
from scanner.source import Deadline, Progress


@dataclass(frozen=True)
class _Task:
    label: str
    region: str
    types: tuple[str, ...]
    account_attrs: tuple[str, ...] = ()


class Run:
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
