"""The condition language: a small declarative tree compiled once into closures.

Evaluation is four-valued: pass, fail, unknown (a value that cannot be known) and error (a
value that could not be collected). `all` is a Kleene AND (any fail fails; else any error
errs; else any unknown is unknown), `any` the matching OR. Every non-pass outcome carries
reasons that read as sentences: `log_file_validation is false, expected true`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Resource, Status, Unknowable

Outcome = tuple[Status, tuple[str, ...]]
PASS: Outcome = (Status.PASS, ())

# Leaf operators: name -> (test, how the expectation reads in a message). The test answers
# True/False; a value of the wrong type fails (a missing configuration is not `>= 365`).
COMPARISONS = (
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "matches",
    "glob_in",
    "exists",
    "empty",
    "within_hours",
    "covers_pattern",
)
QUANTIFIERS = ("any", "all", "none")
MAX_REASONS = 5


@dataclass
class Context:
    """What evaluation may look at besides the resource: the inventory and the scan time."""

    inventory: Inventory
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    visited: list[str] = field(default_factory=list)


Fn = Callable[[Resource, Any, Context], Outcome]


@dataclass(frozen=True)
class Node:
    """A compiled condition: `fn(resource, current_object, context)` and a readable text."""

    fn: Fn
    text: str


class CompileError(Exception):
    """A condition that does not follow the language; `path` locates it in the policy file."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


MISSING = object()


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


def _unknown_outcome(value: Unknowable, what: str) -> Outcome:
    status = Status.ERROR if value.error else Status.UNKNOWN
    return status, (f"{what}: {value.reason}" if what else value.reason,)


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any, Context], bool]:
    def run(actual: Any, expected: Any, _ctx: Context) -> bool:
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return test(actual, expected)

    return run


def _contains(actual: Any, expected: Any, _ctx: Context) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    return isinstance(actual, list | tuple) and any(_same(item, expected) for item in actual)


def _within_hours(actual: Any, expected: Any, ctx: Context) -> bool:
    moment = _parse_time(actual)
    return moment is not None and (ctx.now - moment).total_seconds() <= float(expected) * 3600


def _covers(actual: Any, expected: Any, _ctx: Context) -> bool:
    from scanner.analysis.filter_pattern import FilterPatternError, covers

    try:
        return isinstance(actual, str) and covers(actual, str(expected))
    except FilterPatternError:
        return False  # a pattern CloudWatch would not parse covers nothing; explain() says why


def _glob_in(actual: Any, expected: Any, _ctx: Context) -> bool:
    return isinstance(actual, str) and any(fnmatchcase(actual, p) for p in expected)


def _empty(actual: Any, expected: Any, _ctx: Context) -> bool:
    is_empty = actual is None or (isinstance(actual, list | tuple | dict | str) and not actual)
    return is_empty == bool(expected)


def _same(actual: Any, expected: Any) -> bool:
    """Equality where true is not 1 (Python's bool is an int; policies' booleans are not)."""
    return bool(actual == expected) and isinstance(actual, bool) == isinstance(expected, bool)


def _member(actual: Any, expected: Any, _ctx: Context) -> bool:
    return any(_same(actual, item) for item in expected)


TESTS: dict[str, Callable[[Any, Any, Context], bool]] = {
    "eq": lambda a, e, _c: _same(a, e),
    "ne": lambda a, e, _c: not _same(a, e),
    "lt": _ordered(lambda a, e: bool(a < e)),
    "le": _ordered(lambda a, e: bool(a <= e)),
    "gt": _ordered(lambda a, e: bool(a > e)),
    "ge": _ordered(lambda a, e: bool(a >= e)),
    "in": _member,
    "not_in": lambda a, e, c: not _member(a, e, c),
    "contains": _contains,
    "not_contains": lambda a, e, c: not _contains(a, e, c),
    "matches": lambda a, e, _c: isinstance(a, str) and re.search(e, a) is not None,
    "glob_in": _glob_in,
    "exists": lambda a, e, _c: (a is not None) == bool(e),
    "empty": _empty,
    "within_hours": _within_hours,
    "covers_pattern": _covers,
}

EXPECT_TEXT: dict[str, Callable[[Any], str]] = {
    "eq": fmt,
    "ne": lambda e: f"not {fmt(e)}",
    "lt": lambda e: f"< {fmt(e)}",
    "le": lambda e: f"<= {fmt(e)}",
    "gt": lambda e: f"> {fmt(e)}",
    "ge": lambda e: f">= {fmt(e)}",
    "in": lambda e: f"one of {fmt(e)}",
    "not_in": lambda e: f"none of {fmt(e)}",
    "contains": lambda e: f"to contain {fmt(e)}",
    "not_contains": lambda e: f"not to contain {fmt(e)}",
    "matches": lambda e: f"to match /{e}/",
    "glob_in": lambda e: f"to match one of {fmt(e)}",
    "exists": lambda e: "to be set" if e else "not to be set",
    "empty": lambda e: "to be empty" if e else "not to be empty",
    "within_hours": lambda e: f"within the last {e} hours",
    "covers_pattern": lambda e: f"a pattern covering {fmt(e)}",
}


def _operand_problem(op: str, expected: Any) -> str | None:
    """Why `expected` cannot be the operand of `op`, or None."""
    number = isinstance(expected, int | float) and not isinstance(expected, bool)
    if op in ("lt", "le", "gt", "ge", "within_hours") and not number:
        return f"operator {op!r} expects a number, got {fmt(expected)}"
    if op in ("in", "not_in") and not isinstance(expected, list):
        return f"operator {op!r} expects a list, got {fmt(expected)}"
    if op == "glob_in" and not (
        isinstance(expected, list) and all(isinstance(p, str) for p in expected)
    ):
        return f"operator 'glob_in' expects a list of patterns, got {fmt(expected)}"
    if op in ("matches", "covers_pattern") and not isinstance(expected, str):
        return f"operator {op!r} expects a string, got {fmt(expected)}"
    if op in ("exists", "empty") and not isinstance(expected, bool):
        return f"operator {op!r} expects true or false, got {fmt(expected)}"
    return None


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


class Compiler:
    """Turns the YAML condition tree into Nodes, resolving `{param: NAME}` values."""

    def __init__(self, params: Mapping[str, Any], errors: list[CompileError] | None = None) -> None:
        self.params = params
        # When a list is given, errors in sibling conditions are collected instead of raised
        # at the first one, so one validation run reports them all.
        self.errors = errors

    def compile(self, cond: Any, path: tuple[str | int, ...]) -> Node:
        """Compile one condition, raising CompileError at the first malformed node."""
        if cond is True:
            return Node(lambda _r, _c, _x: PASS, "true")
        if not isinstance(cond, dict) or not cond:
            raise CompileError(path, f"expected a condition mapping, got {fmt(cond)}")
        keys = set(cond)
        # Heads that take quantifier or operator keys come first: `{follow: x, any: ...}` is a
        # follow, and `{attr: x, exists: true}` is a comparison, not the `exists` node.
        if "attr" in keys or "param" in keys:
            return self._leaf(cond, path)
        if "follow" in keys:
            return self._follow(cond, path)
        if "each" in keys:
            return self._each(cond, path)
        if "exists" in keys:
            return self._exists(cond, path)
        if "linked" in keys:
            self._only(cond, {"linked"}, path)
            return self._linked(cond["linked"], path)
        for name, builder in (("all", self._all), ("any", self._any), ("not", self._not)):
            if name in keys:
                self._only(cond, {name}, path)
                return builder(cond[name], (*path, name))
        raise CompileError(
            path,
            f"unknown condition {sorted(keys)}; expected one of all, any, "
            "not, attr, param, follow, each, exists, linked",
        )

    @staticmethod
    def _only(cond: Mapping[str, Any], allowed: set[str], path: tuple[str | int, ...]) -> None:
        extra = set(cond) - allowed
        if extra:
            raise CompileError(path, f"unexpected key(s) {sorted(extra)} beside {sorted(allowed)}")

    def _list(self, items: Any, path: tuple[str | int, ...]) -> list[Node]:
        if not isinstance(items, list) or not items:
            raise CompileError(path, "expected a non-empty list of conditions")
        nodes = []
        for i, cond in enumerate(items):
            try:
                nodes.append(self.compile(cond, (*path, i)))
            except CompileError as exc:
                if self.errors is None:
                    raise
                self.errors.append(exc)
                nodes.append(Node(lambda _r, _c, _x: PASS, "invalid"))
        return nodes

    def _all(self, items: Any, path: tuple[str | int, ...]) -> Node:
        nodes = self._list(items, path)
        fns = [n.fn for n in nodes]

        def run(res: Resource, cur: Any, ctx: Context) -> Outcome:
            return combine_all([fn(res, cur, ctx) for fn in fns])

        return Node(run, "(" + " and ".join(n.text for n in nodes) + ")")

    def _any(self, items: Any, path: tuple[str | int, ...]) -> Node:
        nodes = self._list(items, path)
        fns = [n.fn for n in nodes]

        def run(res: Resource, cur: Any, ctx: Context) -> Outcome:
            outcomes = []
            for fn in fns:
                outcome = fn(res, cur, ctx)
                if outcome[0] is Status.PASS:
                    return PASS
                outcomes.append(outcome)
            status, reasons = combine_any(outcomes)
            if status is Status.FAIL and len(reasons) > 1:
                # Each alternative fails for all of its own reasons together.
                branches = [" and ".join(dict.fromkeys(rs)) for _, rs in outcomes if rs]
                return status, ("none of: " + "; or ".join(dict.fromkeys(branches)),)
            return status, reasons

        return Node(run, "(" + " or ".join(n.text for n in nodes) + ")")

    def _not(self, item: Any, path: tuple[str | int, ...]) -> Node:
        node = self.compile(item, path)

        def run(res: Resource, cur: Any, ctx: Context) -> Outcome:
            status, reasons = node.fn(res, cur, ctx)
            if status is Status.PASS:
                return Status.FAIL, (f"expected not {node.text}",)
            if status is Status.FAIL:
                return PASS
            return status, reasons

        return Node(run, f"not {node.text}")

    def _value(self, raw: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(raw, dict):
            if set(raw) != {"param"}:
                raise CompileError(path, "a value mapping must be {param: NAME}")
            name = raw["param"]
            if name not in self.params:
                raise CompileError(path, f"parameter {name!r} is not declared in `parameters`")
            return self.params[name]
        return raw

    def _leaf(self, cond: Mapping[str, Any], path: tuple[str | int, ...]) -> Node:
        subject = "attr" if "attr" in cond else "param"
        ops = [k for k in cond if k != subject]
        if len(ops) != 1 or ops[0] not in TESTS:
            bad = [k for k in ops if k not in TESTS]
            first = (
                f"unknown operator {bad[0]!r}" if bad else "a comparison takes exactly one operator"
            )
            raise CompileError(path, f"{first}; expected one of " + ", ".join(COMPARISONS))
        op = ops[0]
        expected = self._value(cond[op], (*path, op))
        why = _operand_problem(op, expected)
        if why:
            raise CompileError((*path, op), why)
        if op == "covers_pattern":
            from scanner.analysis.filter_pattern import FilterPatternError, parse

            try:
                parse(str(expected))
            except FilterPatternError as exc:
                raise CompileError((*path, op), f"invalid filter pattern: {exc}") from exc
        if op == "matches":
            try:
                re.compile(str(expected))
            except re.error as exc:
                raise CompileError((*path, op), f"invalid regular expression: {exc}") from exc
        test = TESTS[op]
        expect_text = EXPECT_TEXT[op](expected)
        if subject == "param":
            name = cond["param"]
            if name not in self.params:
                raise CompileError(path, f"parameter {name!r} is not declared in `parameters`")
            verdict = test(self.params[name], expected, Context(Inventory()))
            outcome: Outcome = (
                PASS
                if verdict
                else (
                    Status.FAIL,
                    (f"parameter {name} is {fmt(self.params[name])}, expected {expect_text}",),
                )
            )
            return Node(lambda _r, _c, _x: outcome, f"{name} {op} {fmt(expected)}")
        attr = cond["attr"]
        if not isinstance(attr, str) or not attr:
            raise CompileError((*path, "attr"), "attr must be a dotted attribute path")
        parts = () if attr == "@" else tuple(attr.split("."))
        label = "value" if attr == "@" else attr

        def run(res: Resource, cur: Any, ctx: Context) -> Outcome:
            actual, depth = locate(res, cur, parts)
            if actual is MISSING:
                return Status.UNKNOWN, (f"{label} was not collected",)
            if isinstance(actual, Unknowable):
                # A placeholder's reason is about the whole resource: say it once, unprefixed.
                where = ".".join(parts[:depth]) or label
                return _unknown_outcome(actual, "" if actual is res.placeholder else where)
            if test(actual, expected, ctx):
                return PASS
            if op == "covers_pattern" and isinstance(actual, str):
                from scanner.analysis.filter_pattern import FilterPatternError, explain

                try:
                    why = explain(actual, str(expected))
                except FilterPatternError as exc:
                    why = f"the pattern cannot be parsed: {exc}"
                return Status.FAIL, (
                    f"{label} {fmt(actual)} does not cover the required pattern"
                    + (f" ({why})" if why else ""),
                )
            return Status.FAIL, (f"{label} is {fmt(actual)}, expected {expect_text}",)

        return Node(run, f"{label} {op} {fmt(expected)}")

    def _quantified(
        self, cond: Mapping[str, Any], head: str, path: tuple[str | int, ...]
    ) -> tuple[str, Node]:
        quants = [q for q in QUANTIFIERS if q in cond]
        allowed = {head, *QUANTIFIERS, "label"}
        self._only(cond, allowed, path)
        if len(quants) != 1:
            raise CompileError(path, f"`{head}` takes exactly one of any, all, none")
        return quants[0], self.compile(cond[quants[0]], (*path, quants[0]))

    @staticmethod
    def _quantify(
        quant: str,
        node: Node,
        outcomes: list[tuple[str, Outcome]],
        what: str,
        empty: str | None = None,
    ) -> Outcome:
        """Apply any/all/none over labelled outcomes of the items of `what`."""
        if quant == "all":
            return combine_all([(s, tuple(_join(lab, r) for r in rs)) for lab, (s, rs) in outcomes])
        if quant == "none":
            flipped: list[Outcome] = []
            for lab, (s, rs) in outcomes:
                if s is Status.PASS:
                    flipped.append((Status.FAIL, (f"{lab}: expected not {node.text}",)))
                elif s is Status.FAIL:
                    flipped.append(PASS)
                else:
                    flipped.append((s, tuple(_join(lab, r) for r in rs)))
            return combine_all(flipped)
        if not outcomes:
            return Status.FAIL, (empty or f"no {what}",)
        status, reasons = combine_any(
            [(s, tuple(_join(lab, r) for r in rs)) for lab, (s, rs) in outcomes]
        )
        if status is Status.FAIL:
            # Every candidate's first reason before anyone's second: the one that nearly
            # passed must not hide behind the truncation.
            ranked = [(i, _join(lab, r)) for lab, (_s, rs) in outcomes for i, r in enumerate(rs)]
            reasons = tuple(r for _i, r in sorted(ranked, key=lambda x: x[0]))
            shown = reasons[:MAX_REASONS]
            more = f"; and {len(reasons) - len(shown)} more" if len(reasons) > len(shown) else ""
            condition = node.text if len(node.text) <= 100 else "the condition"
            checked = f" ({len(outcomes)} checked)" if len(outcomes) > 1 else ""
            return status, (f"{what}: none meets {condition}{checked}: " + "; ".join(shown) + more,)
        return status, reasons

    def _each(self, cond: Mapping[str, Any], path: tuple[str | int, ...]) -> Node:
        attr = cond["each"]
        if not isinstance(attr, str) or not attr:
            raise CompileError((*path, "each"), "each must name a list attribute")
        quant, node = self._quantified(cond, "each", path)
        parts = tuple(attr.split("."))
        label_fmt = cond.get("label")
        if label_fmt is not None and not isinstance(label_fmt, str):
            raise CompileError((*path, "label"), "label must be a string template")

        def label(i: int, item: Any) -> str:
            if label_fmt and isinstance(item, Mapping):
                try:
                    return label_fmt.format_map(_Default(item))
                except (ValueError, IndexError, KeyError, AttributeError, TypeError):
                    pass  # a label that does not fit the element falls back to its index
            return f"{attr}[{i}]"

        def run(res: Resource, cur: Any, ctx: Context) -> Outcome:
            items = lookup(res, cur, parts)
            if items is MISSING:
                return Status.UNKNOWN, (f"{attr} was not collected",)
            if isinstance(items, Unknowable):
                return _unknown_outcome(items, attr)
            if items is None:
                items = []
            if not isinstance(items, list | tuple):
                return Status.FAIL, (f"{attr} is {fmt(items)}, expected a list",)
            outcomes = []
            for i, item in enumerate(items):
                if isinstance(item, Unknowable):
                    outcomes.append((f"{attr}[{i}]", _unknown_outcome(item, "")))
                else:
                    outcome = node.fn(res, item, ctx)
                    if label_fmt and outcome[0] is Status.FAIL:
                        # The label is the author's sentence for a failing element.
                        outcome = (Status.FAIL, ("",))
                    outcomes.append((label(i, item), outcome))
            return self._quantify(
                quant,
                node,
                outcomes,
                f"element of {attr}",
                f"{attr} is empty, expected an element where {node.text}",
            )

        return Node(run, f"{quant} of {attr} ({node.text})")

    def _follow(self, cond: Mapping[str, Any], path: tuple[str | int, ...]) -> Node:
        name = cond["follow"]
        if not isinstance(name, str) or not name:
            raise CompileError((*path, "follow"), "follow must name a link")
        quant, node = self._quantified(cond, "follow", path)

        def run(res: Resource, _cur: Any, ctx: Context) -> Outcome:
            link = res.links.get(name)
            if link is None and res.placeholder is not None:
                # A placeholder knows who links to it, nothing about its own links.
                return _unknown_outcome(res.placeholder, "")
            outcomes: list[tuple[str, Outcome]] = []
            if link is not None:
                for target_id in link.targets:
                    target = ctx.inventory.get(target_id)
                    if target is None:
                        outcomes.append((target_id, (Status.UNKNOWN, ("not in the inventory",))))
                        continue
                    ctx.visited.append(target_id)
                    outcomes.append(
                        (f'{target.kind} "{target.name}"', node.fn(target, target.attrs, ctx))
                    )
                if link.unresolved is not None:
                    outcomes.append((name, _unknown_outcome(link.unresolved, "")))
            return self._quantify(
                quant,
                node,
                outcomes,
                name.replace("_", " "),
                f"{name.replace('_', ' ')}: none linked",
            )

        return Node(run, f"{quant} {name} ({node.text})")

    def _linked(self, name: Any, path: tuple[str | int, ...]) -> Node:
        if not isinstance(name, str) or not name:
            raise CompileError((*path, "linked"), "linked must name a link")

        def run(res: Resource, _cur: Any, _ctx: Context) -> Outcome:
            link = res.links.get(name)
            if link is None and res.placeholder is not None:
                return _unknown_outcome(res.placeholder, "")
            if link is not None and link.targets:
                return PASS
            if link is not None and link.unresolved is not None:
                return _unknown_outcome(link.unresolved, name)
            return Status.FAIL, (f"{name.replace('_', ' ')}: none linked",)

        return Node(run, f"has {name}")

    def _exists(self, cond: Mapping[str, Any], path: tuple[str | int, ...]) -> Node:
        self._only(cond, {"exists", "where"}, path)
        rtype = cond["exists"]
        if not isinstance(rtype, str) or rtype.count(".") < 2:
            raise CompileError(
                (*path, "exists"), "exists must name a resource type such as aws.cloudtrail.trail"
            )
        node = self.compile(cond.get("where", True), (*path, "where"))
        kind = rtype.rsplit(".", 1)[-1].replace("_", " ")

        def run(res: Resource, _cur: Any, ctx: Context) -> Outcome:
            outcomes = []
            for cand in ctx.inventory.of_type(rtype, res.account):
                outcome = node.fn(cand, cand.attrs, ctx)
                if outcome[0] is Status.PASS:
                    ctx.visited.append(cand.id)
                    return PASS
                outcomes.append((f'{cand.kind} "{cand.name}"', outcome))
            errors = ctx.inventory.type_errors(rtype, res.account)
            if errors:
                outcomes.append(("collection", (Status.ERROR, tuple(e.reason for e in errors))))
            if not outcomes:
                return Status.FAIL, (f"no {kind} exists in account {res.account}",)
            return self._quantify("any", node, outcomes, kind)

        return Node(run, f"some {kind} where {node.text}")


def _join(label: str, reason: str) -> str:
    return f"{label}: {reason}" if reason else label


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"
