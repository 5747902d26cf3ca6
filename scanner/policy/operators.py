"""Comparison operators of the condition language: the generic ones, and the type a provider
uses to add its own (a provider's operators reach the compiler through its adapter).

An operator answers True or False for a collected value and the policy's operand; a value of
the wrong type fails (a missing configuration is not `>= 365`). Unknown and error values never
reach an operator: the compiler turns them into `unknown` / `error` outcomes first.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

import re2

from scanner.inventory import Inventory


@dataclass
class Context:
    """What evaluation may look at besides the resource: the inventory and the scan time."""

    inventory: Inventory
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    visited: list[str] = field(default_factory=list)


class Undecided(Exception):
    """Raised by an operator's test when it cannot decide for this value (a filter it cannot
    parse, a relation it cannot prove either way): the comparison is `unknown` with `reason`,
    never a pass or a fail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _no_problem(_operand: Any) -> str | None:
    return None


@dataclass(frozen=True)
class Operator:
    """One comparison: `test(actual, operand, context)`; `expect(operand)` is how the
    expectation reads in a message (`>= 365`); `operand_problem(operand)` says, at compile
    time, why an operand cannot be used (None when it can); `explain(actual, operand)`, when
    given, is the whole reason of a failure where "is X, expected Y" would say too little."""

    name: str
    test: Callable[[Any, Any, Context], bool]
    expect: Callable[[Any], str]
    operand_problem: Callable[[Any], str | None] = _no_problem
    explain: Callable[[str, Any, Any], str | None] | None = None


def fmt(value: Any) -> str:
    """A value as it reads in a message (JSON-like, short)."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 240 else value[:237] + "..."
        return json.dumps(shown)
    if isinstance(value, list | tuple):
        if len(value) > 6:
            return "[" + ", ".join(fmt(v) for v in value[:6]) + f", ... ({len(value)} items)]"
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{...}"
    return str(value)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 text or a datetime as an aware datetime (UTC when it has no zone)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def same(actual: Any, expected: Any) -> bool:
    """Equality where true is not 1 (Python's bool is an int; policies' booleans are not)."""
    return bool(actual == expected) and isinstance(actual, bool) == isinstance(expected, bool)


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any, Context], bool]:
    def run(actual: Any, expected: Any, _ctx: Context) -> bool:
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return test(actual, expected)

    return run


def _contains(actual: Any, expected: Any, _ctx: Context) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    return isinstance(actual, list | tuple) and any(same(item, expected) for item in actual)


def _within_hours(actual: Any, expected: Any, ctx: Context) -> bool:
    moment = parse_time(actual)
    return moment is not None and (ctx.now - moment).total_seconds() <= float(expected) * 3600


def _glob_in(actual: Any, expected: Any, _ctx: Context) -> bool:
    return isinstance(actual, str) and any(fnmatchcase(actual, p) for p in expected)


def _empty(actual: Any, expected: Any, _ctx: Context) -> bool:
    is_empty = actual is None or (isinstance(actual, list | tuple | dict | str) and not actual)
    return is_empty == bool(expected)


def _member(actual: Any, expected: Any, _ctx: Context) -> bool:
    return any(same(actual, item) for item in expected)


def _number(op: str) -> Callable[[Any], str | None]:
    def problem(operand: Any) -> str | None:
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return None
        return f"operator {op!r} expects a number, got {fmt(operand)}"

    return problem


def _list(op: str) -> Callable[[Any], str | None]:
    def problem(operand: Any) -> str | None:
        return (
            None
            if isinstance(operand, list)
            else (f"operator {op!r} expects a list, got {fmt(operand)}")
        )

    return problem


def _flag(op: str) -> Callable[[Any], str | None]:
    def problem(operand: Any) -> str | None:
        return (
            None
            if isinstance(operand, bool)
            else (f"operator {op!r} expects true or false, got {fmt(operand)}")
        )

    return problem


def _patterns(operand: Any) -> str | None:
    if isinstance(operand, list) and all(isinstance(p, str) for p in operand):
        return None
    return f"operator 'glob_in' expects a list of patterns, got {fmt(operand)}"


# `matches` runs on RE2 (google-re2), a linear-time engine: a policy's pattern cannot
# backtrack catastrophically on a collected value (Python's `re` takes minutes on
# `(a+)+$` against forty a's). RE2 has no backreferences or lookaround; a pattern using them
# is refused when the policy is loaded, naming the construct.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # the error is reported as a policy problem, not on stderr


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, options=_RE2_OPTIONS)


def _regex(operand: Any) -> str | None:
    if not isinstance(operand, str):
        return f"operator 'matches' expects a string, got {fmt(operand)}"
    try:
        _compiled(operand)
    except re2.error as exc:
        why = (
            exc.args[0].decode(errors="replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        return (
            f"invalid regular expression {fmt(operand)}: {why[:200]}; expected RE2 syntax "
            "(no backreferences or lookaround)"
        )
    return None


def _matches(actual: Any, expected: Any, _ctx: Context) -> bool:
    return isinstance(actual, str) and _compiled(expected).search(actual) is not None


def _ops(*ops: Operator) -> dict[str, Operator]:
    return {op.name: op for op in ops}


CORE: dict[str, Operator] = _ops(
    Operator("eq", lambda a, e, _c: same(a, e), fmt),
    Operator("ne", lambda a, e, _c: not same(a, e), lambda e: f"not {fmt(e)}"),
    Operator("lt", _ordered(lambda a, e: bool(a < e)), lambda e: f"< {fmt(e)}", _number("lt")),
    Operator("le", _ordered(lambda a, e: bool(a <= e)), lambda e: f"<= {fmt(e)}", _number("le")),
    Operator("gt", _ordered(lambda a, e: bool(a > e)), lambda e: f"> {fmt(e)}", _number("gt")),
    Operator("ge", _ordered(lambda a, e: bool(a >= e)), lambda e: f">= {fmt(e)}", _number("ge")),
    Operator("in", _member, lambda e: f"one of {fmt(e)}", _list("in")),
    Operator(
        "not_in",
        lambda a, e, c: not _member(a, e, c),
        lambda e: f"none of {fmt(e)}",
        _list("not_in"),
    ),
    Operator("contains", _contains, lambda e: f"to contain {fmt(e)}"),
    Operator(
        "not_contains",
        lambda a, e, c: not _contains(a, e, c),
        lambda e: f"not to contain {fmt(e)}",
    ),
    Operator(
        "matches",
        _matches,
        lambda e: f"to match /{e}/",
        _regex,
    ),
    Operator("glob_in", _glob_in, lambda e: f"to match one of {fmt(e)}", _patterns),
    Operator(
        "exists",
        lambda a, e, _c: (a is not None) == bool(e),
        lambda e: "to be set" if e else "not to be set",
        _flag("exists"),
    ),
    Operator("empty", _empty, lambda e: "to be empty" if e else "not to be empty", _flag("empty")),
    Operator(
        "within_hours",
        _within_hours,
        lambda e: f"within the last {e} hours",
        _number("within_hours"),
    ),
)
