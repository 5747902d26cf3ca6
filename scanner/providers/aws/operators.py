"""Condition operators only AWS policies need: `covers_pattern` (CloudWatch Logs filter
patterns, compared by what they match rather than by their text)."""

from __future__ import annotations

from typing import Any

from scanner.policy.operators import Context, Operator, fmt
from scanner.providers.aws.analysis.filter_pattern import FilterPatternError, covers, explain, parse


def _covers(actual: Any, expected: Any, _ctx: Context) -> bool:
    try:
        return isinstance(actual, str) and covers(actual, str(expected))
    except FilterPatternError:
        return False  # a pattern CloudWatch would not parse covers nothing; _explain says why


def _operand(operand: Any) -> str | None:
    if not isinstance(operand, str):
        return f"operator 'covers_pattern' expects a string, got {fmt(operand)}"
    try:
        parse(operand)
    except FilterPatternError as exc:
        return f"invalid filter pattern: {exc}"
    return None


def _explain(label: str, actual: Any, expected: Any) -> str | None:
    if not isinstance(actual, str):
        return None
    try:
        why = explain(actual, str(expected))
    except FilterPatternError as exc:
        why = f"the pattern cannot be parsed: {exc}"
    return f"{label} {fmt(actual)} does not cover the required pattern" + (
        f" ({why})" if why else ""
    )


OPERATORS: dict[str, Operator] = {
    "covers_pattern": Operator(
        "covers_pattern",
        _covers,
        lambda e: f"a pattern covering {fmt(e)}",
        _operand,
        _explain,
    ),
}
