"""How an AWS service module declares what it collects, so that the task list, the types left
uncollected when a call fails, the regional types a disabled region errs, and the IAM policy
of `logward permissions aws` are all derived from one declaration per service.

Collection runs in stages. Stage 1 `Lister`s run once (global) or once per region; each
returns what it found. Later `Detailer`s choose their work from what earlier stages found
(the buckets trails write to, the topics alarms notify, the keys log stores name) and run it
item by item. Every task returns a `Found`; only the main thread merges them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from scanner.model import CollectionError, EvidenceRef, Resource
from scanner.providers.aws.answers import ANSWERS
from scanner.providers.aws.shapes import Shape
from scanner.providers.base import Call

if TYPE_CHECKING:
    from scanner.providers.aws.calls import AwsApi
    from scanner.providers.aws.common import Scope


@dataclass
class Found:
    """What one task found: resources, attributes of the account resource, failures that
    leave one resource partly unknown, and items staged for a later stage (by kind)."""

    resources: list[Resource] = field(default_factory=list)
    account: dict[str, Any] = field(default_factory=dict)
    account_evidence: list[EvidenceRef] = field(default_factory=list)
    errors: list[CollectionError] = field(default_factory=list)
    staged: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Collected:
    """Everything the stages so far found, merged: what a Detailer chooses its work from."""

    resources: Sequence[Resource]
    staged: Mapping[str, Sequence[Any]]
    scope: Scope
    # The calls that failed so far: what a Detailer cannot tell from the resources alone.
    errors: Sequence[CollectionError] = ()

    def of_type(self, rtype: str) -> list[Resource]:
        """The resources of one type found so far."""
        return [r for r in self.resources if r.type == rtype]


@dataclass(frozen=True)
class Lister:
    """A stage-1 task: once for the account (`global`, asked of the home region) or once in
    every scanned region. `types` are what it lists: where it fails they are errors, not
    absent. `account_attrs` are account attributes it sets, which become that error too."""

    name: str
    scope: Literal["global", "regional"]
    types: tuple[str, ...]
    calls: tuple[Call, ...]
    run: Callable[[AwsApi, Scope, str], Found]
    account_attrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Detailer:
    """A later-stage task per item that earlier stages found. `select` names the work:
    (label, region, item). `types` err where a task fails; `fallback` turns a task that
    raised into what to keep instead (a bucket keeps its row, every detail an error)."""

    name: str
    stage: int
    types: tuple[str, ...]
    calls: tuple[Call, ...]
    select: Callable[[Collected], Iterable[tuple[str, str, Any]]]
    run: Callable[[AwsApi, Scope, Any], Found]
    fallback: Callable[[Scope, Any, Exception], Found] | None = None
    # Items of these staged kinds not detailed by this stage are kept as listed.
    keeps: tuple[str, ...] = ()
    # Combines what the tasks found where several found the same resource (a key named by
    # ARN in one log store and by alias in another).
    merge: Callable[[list[Resource]], list[Resource]] | None = None
    # Types no lister lists, found only through the items this detailer selects (keys named
    # by log stores), and the types those items are listed as: where a listing of `reads`
    # failed, resources of `finds` may be missing, so they err there too.
    finds: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    """One AWS service module's declaration."""

    name: str
    listers: tuple[Lister, ...] = ()
    detailers: tuple[Detailer, ...] = ()
    # Calls made outside listers and detailers (identity, regions): declared all the same.
    calls: tuple[Call, ...] = ()

    def all_calls(self) -> list[Call]:
        """Every call the service declares."""
        return [
            *self.calls,
            *(c for lister in self.listers for c in lister.calls),
            *(c for detailer in self.detailers for c in detailer.calls),
        ]


@dataclass(frozen=True)
class AwsCall(Call):
    """A declared AWS call and the shape of the answer its collector reads (`shapes.py`):
    the gateway fails every answer that is not that shape, and refuses a call without one."""

    shape: Shape | None = field(default=None, compare=False)


def call(
    service: str, operation: str, permission: str | None = None, *, shape: Shape | None = None
) -> AwsCall:
    """A declared call; the IAM action defaults to `service:Operation`, the answer's shape to
    the operation's entry in `answers.ANSWERS`."""
    return AwsCall(
        service,
        operation,
        permission or f"{service}:{operation}",
        shape if shape is not None else ANSWERS.get((service, operation)),
    )


def regional_types(services: Iterable[Service]) -> tuple[str, ...]:
    """The types listed per region: a region that cannot be scanned errs every one of them."""
    return tuple(
        dict.fromkeys(
            t
            for s in services
            for lister in s.listers
            if lister.scope == "regional"
            for t in lister.types
        )
    )


def shapes(services: Iterable[Service]) -> dict[tuple[str, str], Shape | None]:
    """(service, operation) -> the answer shape, for every declared call (None: a call
    declared without one, which the gateway refuses to make)."""
    return {
        (c.service, c.operation): c.shape if isinstance(c, AwsCall) else None
        for s in services
        for c in s.all_calls()
    }


def permissions(services: Iterable[Service]) -> dict[tuple[str, str], str]:
    """(service, operation) -> IAM action, for every declared call."""
    return {(c.service, c.operation): c.permission for s in services for c in s.all_calls()}
