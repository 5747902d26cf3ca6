"""Four-valued outcomes of conditions, and how they combine: Kleene AND / OR with `error`
beside `unknown`, the quantifiers over labelled items, and reading a dotted attribute path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.model import Absent, Resource, Status, Unknowable

Outcome = tuple[Status, tuple[str, ...]]
PASS: Outcome = (Status.PASS, ())
MAX_REASONS = 5


MISSING = object()


def lookup(resource: Resource, current: Any, parts: Sequence[str]) -> Any:
    """The value at a dotted path; None under a None parent; MISSING if never collected."""
    return locate(resource, current, parts)[0]


def locate(resource: Resource, current: Any, parts: Sequence[str]) -> tuple[Any, int]:
    """Like lookup, plus how many path parts were walked before the value was decided, so an
    unknowable parent is reported once under its own path, not once per child attribute."""
    if resource.placeholder is not None:
        return resource.placeholder, 0
    value = current
    for depth, part in enumerate(parts):
        if isinstance(value, Unknowable) or value is None:
            return value, depth
        if isinstance(value, Mapping):
            value = value.get(part, MISSING)
            if value is MISSING:
                return MISSING, depth + 1
        else:
            return MISSING, depth
    return value, len(parts)


def placeholder_outcome(placeholder: Unknowable | Absent) -> Outcome:
    """What any condition on a placeholder says: it fails when the target is absent (looked
    for and not there), else it is unknown or error with the placeholder's reason."""
    if isinstance(placeholder, Absent):
        return Status.FAIL, (placeholder.reason,)
    return unknown_outcome(placeholder, "")


def unknown_outcome(value: Unknowable, what: str) -> Outcome:
    status = Status.ERROR if value.error else Status.UNKNOWN
    return status, (f"{what}: {value.reason}" if what else value.reason,)


def combine_all(outcomes: Sequence[Outcome]) -> Outcome:
    """Kleene AND over four values, keeping the reasons of the deciding outcomes."""
    for status in (Status.FAIL, Status.ERROR, Status.UNKNOWN):
        reasons = tuple(r for s, rs in outcomes if s is status for r in rs)
        if any(s is status for s, _ in outcomes):
            return status, reasons
    return PASS


def combine_any(outcomes: Sequence[Outcome]) -> Outcome:
    """Kleene OR: any pass passes; else error, unknown, fail in that order."""
    if any(s is Status.PASS for s, _ in outcomes):
        return PASS
    for status in (Status.ERROR, Status.UNKNOWN, Status.FAIL):
        if any(s is status for s, _ in outcomes):
            return status, tuple(r for s, rs in outcomes if s is status for r in rs)
    return Status.FAIL, ("no alternative holds",)


def quantify(
    quant: str,
    text: str,
    outcomes: list[tuple[str, Outcome]],
    what: str,
    empty: str | None = None,
) -> Outcome:
    """Apply any/all/none over labelled outcomes of the items of `what`."""
    if quant == "all":
        return combine_all(
            [(s, tuple(join_label(lab, r) for r in rs)) for lab, (s, rs) in outcomes]
        )
    if quant == "none":
        flipped: list[Outcome] = []
        for lab, (s, rs) in outcomes:
            if s is Status.PASS:
                flipped.append((Status.FAIL, (f"{lab}: expected not {text}",)))
            elif s is Status.FAIL:
                flipped.append(PASS)
            else:
                flipped.append((s, tuple(join_label(lab, r) for r in rs)))
        return combine_all(flipped)
    if not outcomes:
        return Status.FAIL, (empty or f"no {what}",)
    status, reasons = combine_any(
        [(s, tuple(join_label(lab, r) for r in rs)) for lab, (s, rs) in outcomes]
    )
    if status is Status.FAIL:
        # Every candidate's first reason before anyone's second: the one that nearly
        # passed must not hide behind the truncation.
        ranked = [(i, join_label(lab, r)) for lab, (_s, rs) in outcomes for i, r in enumerate(rs)]
        reasons = tuple(r for _i, r in sorted(ranked, key=lambda x: x[0]))
        shown = reasons[:MAX_REASONS]
        more = f"; and {len(reasons) - len(shown)} more" if len(reasons) > len(shown) else ""
        condition = text if len(text) <= 100 else "the condition"
        checked = f" ({len(outcomes)} checked)" if len(outcomes) > 1 else ""
        return status, (f"{what}: none meets {condition}{checked}: " + "; ".join(shown) + more,)
    return status, reasons


def join_label(label: str, reason: str) -> str:
    return f"{label}: {reason}" if reason else label
