"""Where an inventory comes from: a live cloud scan, a demo estate or a Terraform plan.

The pipeline asks a Source for one collection and never learns which cloud answered; the
SourceInfo says which policies apply to it (`evaluate_on`, whose clouds, account scope).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from scanner.inventory import Inventory
from scanner.model import Finding


def now_iso() -> str:
    """The current UTC time as ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Progress(Protocol):
    """Where collection reports what it is doing; transient lines only show on a terminal."""

    def __call__(self, message: str, transient: bool = False) -> None: ...


def silent(message: str, transient: bool = False) -> None:
    """A Progress that says nothing."""
    return None


@dataclass(frozen=True)
class PlanFacts:
    """What a plan run adds to the scan description: the file, what it leaves unjudged."""

    input: str
    not_evaluated: Mapping[str, Sequence[str]]  # Terraform type -> addresses
    deleted: Sequence[str]


@dataclass(frozen=True)
class ScanFacts:
    """What a collection says about itself, which the scan description repeats."""

    accounts: Sequence[str]
    regions: Sequence[str] = ()
    enabled_regions: Sequence[str] | None = None
    caller: str | None = None
    api_calls: int = 0
    limits: Sequence[str] = ()
    started_at: str | None = None
    plan: PlanFacts | None = None


@dataclass(frozen=True)
class Collected:
    """One collection, linked: the inventory and its facts."""

    inventory: Inventory
    facts: ScanFacts
    # Where a finding's resource is written (a plan's `.tf` file and line), when known.
    locate: Callable[[Finding], tuple[str, int] | None] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SourceInfo:
    """What the pipeline needs to know of a source before it evaluates anything.

    `label` is results.json's scan.source; `kind` selects policies by `evaluate_on`;
    `clouds` limits them to the clouds the source covers (None: every registered one);
    `complete` says whether the source holds whole accounts, which account-scope policies need.
    """

    label: str
    kind: Literal["live", "plan"]
    clouds: frozenset[str] | None = None
    complete: bool = True


class Deadline:
    """When a run must stop collecting (--max-duration): what a source has not collected by
    then is an `error` finding with this reason, never a missing row. Passed in, so a test
    (or a caller) can end it at a chosen point with `expire()`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self._at - time.monotonic())

    def passed(self) -> bool:
        """True once the deadline has passed."""
        return time.monotonic() >= self._at

    def expire(self) -> None:
        """End it now."""
        self._at = time.monotonic()

    @property
    def reason(self) -> str:
        """Why something was not collected."""
        return f"--max-duration {self.seconds:g}s reached before it was collected"


class Source(Protocol):
    """Something that collects one inventory."""

    @property
    def info(self) -> SourceInfo: ...

    def collect(self, progress: Progress, deadline: Deadline | None = None) -> Collected:
        """One collection; whatever `deadline` leaves uncollected is an error with its reason."""
        ...


def combined(
    parts: Sequence[tuple[SourceInfo, Collected]], label: str
) -> tuple[SourceInfo, Collected]:
    """Several sources' collections as one (the demo shows every cloud's estate side by
    side): their inventories and errors together, their facts summed, the policies of every
    cloud they cover. One part is returned as it is."""
    if len(parts) == 1:
        info, collected = parts[0]
        return info, collected
    clouds: frozenset[str] | None = frozenset()
    inventory = Inventory()
    for info, collected in parts:
        clouds = None if clouds is None or info.clouds is None else clouds | info.clouds
        inventory.extend(collected.inventory)
        for error in collected.inventory.errors:
            inventory.add_error(error)
    facts = [c.facts for _info, c in parts]
    enabled = [f.enabled_regions for f in facts]
    started = [f.started_at for f in facts if f.started_at]
    info = SourceInfo(
        label=label,
        kind=parts[0][0].kind,
        clouds=clouds,
        complete=all(i.complete for i, _c in parts),
    )
    return info, Collected(
        inventory,
        ScanFacts(
            accounts=[a for f in facts for a in f.accounts],
            regions=list(dict.fromkeys(r for f in facts for r in f.regions)),
            # The parts that list enabled regions (a cloud without regions says None).
            enabled_regions=None
            if all(e is None for e in enabled)
            else list(dict.fromkeys(r for e in enabled for r in e or ())),
            caller=next((f.caller for f in facts if f.caller), None),
            api_calls=sum(f.api_calls for f in facts),
            limits=[limit for f in facts for limit in f.limits],
            started_at=min(started) if started else None,
        ),
    )
