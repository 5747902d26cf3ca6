"""The condition language: a small declarative tree compiled once into closures.

Evaluation is four-valued: pass, fail, unknown (a value that cannot be known) and error (a
value that could not be collected). `all` is a Kleene AND (any fail fails; else any error
errs; else any unknown is unknown), `any` the matching OR. Every non-pass outcome carries
reasons that read as sentences: `log_file_validation is false, expected true`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Absent, Resource, Status, Unknowable
from scanner.policy.operators import CORE, Context, Operator, Undecided, fmt
from scanner.policy.outcomes import (
    MISSING,
    PASS,
    Outcome,
    combine_all,
    combine_any,
    join_label,
    locate,
    lookup,
    placeholder_outcome,
    quantify,
    unknown_outcome,
)

QUANTIFIERS = ("any", "all", "none")


def operators_in_force() -> dict[str, Operator]:
    """The generic operators and those of every registered provider."""
    from scanner.providers import operators

    return {**CORE, **operators()}


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


class Compiler:
    """Turns the YAML condition tree into Nodes, resolving `{param: NAME}` values."""

    def __init__(
        self,
        params: Mapping[str, Any],
        errors: list[CompileError] | None = None,
        operators: Mapping[str, Operator] | None = None,
    ) -> None:
        self.params = params
        self.operators = operators_in_force() if operators is None else operators
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
            if isinstance(res.placeholder, Absent):
                # Nothing holds of a resource that does not exist, nor does its negation.
                return placeholder_outcome(res.placeholder)
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
        if len(ops) != 1 or ops[0] not in self.operators:
            bad = [k for k in ops if k not in self.operators]
            first = (
                f"unknown operator {bad[0]!r}" if bad else "a comparison takes exactly one operator"
            )
            raise CompileError(path, f"{first}; expected one of " + ", ".join(self.operators))
        op = self.operators[ops[0]]
        expected = self._value(cond[op.name], (*path, op.name))
        why = op.operand_problem(expected)
        if why:
            raise CompileError((*path, op.name), why)
        expect_text = op.expect(expected)
        text = f"{fmt(expected)}"
        if subject == "param":
            return self._param_leaf(cond["param"], op, expected, path)
        attr = cond["attr"]
        if not isinstance(attr, str) or not attr:
            raise CompileError((*path, "attr"), "attr must be a dotted attribute path")
        parts = () if attr == "@" else tuple(attr.split("."))
        label = "value" if attr == "@" else attr
        test, explain = op.test, op.explain

        def run(res: Resource, cur: Any, ctx: Context) -> Outcome:
            actual, depth = locate(res, cur, parts)
            if actual is MISSING:
                return Status.UNKNOWN, (f"{label} was not collected",)
            if isinstance(actual, Absent):
                return placeholder_outcome(actual)
            if isinstance(actual, Unknowable):
                # A placeholder's reason is about the whole resource: say it once, unprefixed.
                where = ".".join(parts[:depth]) or label
                return unknown_outcome(actual, "" if actual is res.placeholder else where)
            try:
                verdict = test(actual, expected, ctx)
            except Undecided as exc:
                return Status.UNKNOWN, (f"{label}: {exc.reason}",)
            if verdict:
                return PASS
            reason = explain(label, actual, expected) if explain is not None else None
            return Status.FAIL, (reason or f"{label} is {fmt(actual)}, expected {expect_text}",)

        return Node(run, f"{label} {op.name} {text}")

    def _param_leaf(
        self, name: Any, op: Operator, expected: Any, path: tuple[str | int, ...]
    ) -> Node:
        if name not in self.params:
            raise CompileError(path, f"parameter {name!r} is not declared in `parameters`")
        value = self.params[name]
        try:
            verdict = op.test(value, expected, Context(Inventory()))
        except Undecided as exc:
            outcome: Outcome = (Status.UNKNOWN, (f"parameter {name}: {exc.reason}",))
        else:
            why = f"parameter {name} is {fmt(value)}, expected {op.expect(expected)}"
            outcome = PASS if verdict else (Status.FAIL, (why,))
        return Node(lambda _r, _c, _x: outcome, f"{name} {op.name} {fmt(expected)}")

    def _quantified(
        self, cond: Mapping[str, Any], head: str, path: tuple[str | int, ...]
    ) -> tuple[str, Node]:
        quants = [q for q in QUANTIFIERS if q in cond]
        allowed = {head, *QUANTIFIERS, "label"}
        self._only(cond, allowed, path)
        if len(quants) != 1:
            raise CompileError(path, f"`{head}` takes exactly one of any, all, none")
        return quants[0], self.compile(cond[quants[0]], (*path, quants[0]))

    def _each(self, cond: Mapping[str, Any], path: tuple[str | int, ...]) -> Node:
        attr = cond["each"]
        if not isinstance(attr, str) or not attr:
            raise CompileError((*path, "each"), "each must name a list attribute")
        quant, node = self._quantified(cond, "each", path)
        parts = tuple(attr.split("."))
        label_fmt = cond.get("label")
        if label_fmt is not None and not isinstance(label_fmt, str):
            raise CompileError((*path, "label"), "label must be a string template")

        def run(res: Resource, cur: Any, ctx: Context) -> Outcome:
            items = lookup(res, cur, parts)
            if items is MISSING:
                return Status.UNKNOWN, (f"{attr} was not collected",)
            if isinstance(items, Absent):
                return placeholder_outcome(items)
            if isinstance(items, Unknowable):
                return unknown_outcome(items, attr)
            if items is None:
                items = []
            if not isinstance(items, list | tuple):
                return Status.FAIL, (f"{attr} is {fmt(items)}, expected a list",)
            outcomes = []
            for i, item in enumerate(items):
                if isinstance(item, Unknowable):
                    outcomes.append((f"{attr}[{i}]", unknown_outcome(item, "")))
                else:
                    outcome = node.fn(res, item, ctx)
                    if label_fmt and outcome[0] is Status.FAIL:
                        # The label is the author's sentence for a failing element.
                        outcome = (Status.FAIL, ("",))
                    outcomes.append((_label(label_fmt, attr, i, item), outcome))
            return quantify(
                quant,
                node.text,
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
        none_linked = cond.get("label")  # a follow's label says what "nothing linked" means
        if none_linked is not None and not isinstance(none_linked, str):
            raise CompileError((*path, "label"), "label must be a string")

        def run(res: Resource, _cur: Any, ctx: Context) -> Outcome:
            link = res.links.get(name)
            if link is None and res.placeholder is not None:
                # A placeholder knows who links to it, nothing about its own links.
                return placeholder_outcome(res.placeholder)
            outcomes: list[tuple[str, Outcome]] = []
            absent: list[Outcome] = []
            if link is not None:
                for target_id in link.targets:
                    target = ctx.inventory.get(target_id)
                    if target is None:
                        outcomes.append((target_id, (Status.UNKNOWN, ("not in the inventory",))))
                        continue
                    ctx.visited.append(target_id)
                    label = f'{target.kind} "{target.name}"'
                    if isinstance(target.placeholder, Absent):
                        # A link to nothing fails under every quantifier: `none` must not
                        # read a missing target as one that lacks the property.
                        status, reasons = placeholder_outcome(target.placeholder)
                        absent.append((status, tuple(join_label(label, r) for r in reasons)))
                        if quant != "none":
                            outcomes.append((label, (status, reasons)))
                        continue
                    outcomes.append((label, node.fn(target, target.attrs, ctx)))
                if link.unresolved is not None:
                    outcomes.append((name, unknown_outcome(link.unresolved, "")))
            what = name.replace("_", " ")
            if quant == "none" and absent:
                return combine_all([quantify(quant, node.text, outcomes, what), *absent])
            return quantify(quant, node.text, outcomes, what, none_linked or f"{what}: none linked")

        return Node(run, f"{quant} {name} ({node.text})")

    def _linked(self, name: Any, path: tuple[str | int, ...]) -> Node:
        if not isinstance(name, str) or not name:
            raise CompileError((*path, "linked"), "linked must name a link")

        def run(res: Resource, _cur: Any, ctx: Context) -> Outcome:
            link = res.links.get(name)
            if link is None and res.placeholder is not None:
                return placeholder_outcome(res.placeholder)
            missing: list[str] = []
            for target_id in link.targets if link is not None else ():
                target = ctx.inventory.get(target_id)
                if target is None or not isinstance(target.placeholder, Absent):
                    return PASS
                missing.append(target.placeholder.reason)  # a link to nothing links nothing
            if link is not None and link.unresolved is not None:
                return unknown_outcome(link.unresolved, name)
            return Status.FAIL, tuple(missing) or (f"{name.replace('_', ' ')}: none linked",)

        return Node(run, f"has {name}")

    def _exists(self, cond: Mapping[str, Any], path: tuple[str | int, ...]) -> Node:
        self._only(cond, {"exists", "where"}, path)
        rtype = cond["exists"]
        if not isinstance(rtype, str) or rtype.count(".") < 2:
            raise CompileError(
                (*path, "exists"), "exists must name a resource type: <cloud>.<service>.<kind>"
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
            return quantify("any", node.text, outcomes, kind)

        return Node(run, f"some {kind} where {node.text}")


def _label(template: str | None, attr: str, i: int, item: Any) -> str:
    """How one element of `each` is named in a message: the author's template filled from the
    element, else its index."""
    if template and isinstance(item, Mapping):
        try:
            return template.format_map(_Default(item))
        except (ValueError, IndexError, KeyError, AttributeError, TypeError):
            pass  # a label that does not fit the element falls back to its index
    return f"{attr}[{i}]"


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"
