"""Condition operators only GCP policies need, on Cloud Logging filters compared by meaning:

* ``covers_logging_filter``: the attribute (a log-based metric's filter) matches every entry
  the operand (a CIS filter) matches.
* ``may_match_audit_logs``: with operand true, the attribute (an exclusion's or a sink's
  filter) may match a Cloud Audit Logs entry; with false, it provably cannot.
* ``due_within_days``: the attribute (a KMS key's next rotation time) is at most N days after
  the scan time (CIS 1.10: "nextRotationTime is <= 90days from current DATE").

A filter the parser cannot read, or a relation it can prove neither way, makes the comparison
unknown with the reason (``Undecided``), never a pass: Cloud Logging accepted the filter, so
what it matches is a fact we failed to establish, not a property of the resource.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from scanner.policy.operators import Context, Operator, Undecided, fmt, parse_time
from scanner.providers.gcp.analysis.logging_filter import FilterSyntaxError, check
from scanner.providers.gcp.analysis.logging_filter_audit import may_match_audit
from scanner.providers.gcp.analysis.logging_filter_syntax import parse


def _unreadable(actual: str, exc: FilterSyntaxError) -> Undecided:
    return Undecided(
        f"the filter {fmt(actual)} could not be parsed ({exc.message} at position "
        f"{exc.position}), so what it matches is unknown"
    )


def _covers(actual: Any, expected: Any, _ctx: Context) -> bool:
    if not isinstance(actual, str):
        return False
    try:
        result = check(actual, str(expected))
    except FilterSyntaxError as exc:
        raise _unreadable(actual, exc) from exc
    if result.verdict is None:
        raise Undecided(f"{fmt(actual)}: {result.reason}")
    return result.verdict


def _filter_operand(name: str) -> Callable[[Any], str | None]:
    def problem(operand: Any) -> str | None:
        if not isinstance(operand, str):
            return f"operator {name!r} expects a Logging query language filter, got {fmt(operand)}"
        try:
            parse(operand)
        except FilterSyntaxError as exc:
            return f"invalid Logging query language filter: {exc}"
        return None

    return problem


def _explain_covers(label: str, actual: Any, expected: Any) -> str | None:
    if not isinstance(actual, str):
        return None
    try:
        why = check(actual, str(expected)).reason
    except FilterSyntaxError:
        return None
    return f"{label} {fmt(actual)} does not cover the required filter" + (f": {why}" if why else "")


def _may_match(actual: Any, expected: Any, _ctx: Context) -> bool:
    if not isinstance(actual, str):
        return False
    try:
        may, _why = may_match_audit(actual)
    except FilterSyntaxError as exc:
        raise _unreadable(actual, exc) from exc
    return bool(may == expected)


def _flag(operand: Any) -> str | None:
    if isinstance(operand, bool):
        return None
    return f"operator 'may_match_audit_logs' expects true or false, got {fmt(operand)}"


def _explain_may_match(label: str, actual: Any, expected: Any) -> str | None:
    if not isinstance(actual, str):
        return None
    try:
        may, why = may_match_audit(actual)
    except FilterSyntaxError:
        return None
    if may:
        return f"{label} {fmt(actual)} may match audit log entries: {why}"
    return f"{label} {fmt(actual)} cannot match any audit log entry"


# What a Terraform plan knows of a key's next rotation: the provider sets it to apply time +
# rotation_period (terraform/storage.py `_next_rotation`); the apply happens at or after the plan.
_ON_APPLY = re.compile(r"apply time \+ (\d+)s$")


def _due_within_days(actual: Any, expected: Any, ctx: Context) -> bool:
    if isinstance(actual, str) and (planned := _ON_APPLY.search(actual)):
        return int(planned.group(1)) <= float(expected) * 86400
    moment = parse_time(actual)
    # A time already past is due now (Cloud KMS rotates then and moves it forward).
    return moment is not None and moment <= ctx.now + timedelta(days=float(expected))


def _days(operand: Any) -> str | None:
    if isinstance(operand, int | float) and not isinstance(operand, bool) and operand >= 0:
        return None
    return f"operator 'due_within_days' expects a number of days, got {fmt(operand)}"


OPERATORS: Mapping[str, Operator] = {
    "due_within_days": Operator(
        "due_within_days",
        _due_within_days,
        lambda e: f"a time at most {fmt(e)} days after the scan",
        _days,
    ),
    "covers_logging_filter": Operator(
        "covers_logging_filter",
        _covers,
        lambda e: f"a filter covering {fmt(e)}",
        _filter_operand("covers_logging_filter"),
        _explain_covers,
    ),
    "may_match_audit_logs": Operator(
        "may_match_audit_logs",
        _may_match,
        lambda e: (
            "a filter that may match audit log entries"
            if e
            else "a filter that cannot match audit log entries"
        ),
        _flag,
        _explain_may_match,
    ),
}
