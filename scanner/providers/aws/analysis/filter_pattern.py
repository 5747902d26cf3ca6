"""CloudWatch Logs filter patterns: parse them and decide whether one covers another.

An *actual* pattern covers a *required* one when every log event that the required pattern
matches is also matched by the actual pattern. The check is sound (it never answers True
wrongly) and complete for the usual rewrites of the CIS patterns: whitespace, term order,
quoted or bare values, redundant parentheses, extra OR terms.

Syntax and precedence follow the CloudWatch Logs "Filter pattern syntax" page: a JSON pattern is
``{ ... }``; parentheses bind tighter than ``&&``, which binds tighter than ``||``. Any other
pattern (terms, ``[...]`` space-delimited, ``%regex%``, empty) is kept opaque.

Semantics assumed for a CloudTrail event, and the reason each implication rule below is sound:

* ``$.f = "v"`` holds when ``f`` is a string equal to ``v``; ``*`` at the start or end of ``v``
  matches zero or more characters (CIS relies on ``AccessDenied*`` matching ``AccessDenied``).
  A ``*`` inside the value has no documented meaning, so such values only equal themselves.
* ``$.f != "v"`` holds when ``f`` is a string not matching ``v``. Whether it holds for a missing
  ``f`` is not documented, so no rule depends on it.
* Numbers only compare with numbers; quoted and bare text are the same string.
* ``IS NULL``, ``NOT EXISTS``, ``IS TRUE``, ``IS FALSE`` and ``%regex%`` values only imply
  themselves. Selectors and values are case sensitive.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias

from scanner.providers.aws.analysis.filter_syntax import (
    MAX_CONJUNCTS,
    And,
    Atom,
    Conjunct,
    Coverage,
    Expr,
    FilterPatternError,
    JsonPattern,
    Kind,
    Op,
    OpaquePattern,
    Or,
    ParsedPattern,
    PatternTooComplexError,
    parse,
)

__all__ = [
    "MAX_CONJUNCTS",
    "And",
    "Atom",
    "Conjunct",
    "Coverage",
    "Expr",
    "FilterPatternError",
    "JsonPattern",
    "Kind",
    "Op",
    "OpaquePattern",
    "Or",
    "ParsedPattern",
    "PatternTooComplexError",
    "check",
    "covers",
    "explain",
    "parse",
    "to_dnf",
]

# --------------------------------------------------------------------------------------------
# Disjunctive normal form


def _dedupe(conjuncts: list[Conjunct]) -> list[Conjunct]:
    return list(dict.fromkeys(conjuncts))


def to_dnf(expr: Expr, limit: int = MAX_CONJUNCTS) -> tuple[Conjunct, ...]:
    """Rewrite ``expr`` as alternatives of conjunctions; raise PatternTooComplexError past limit."""
    if isinstance(expr, Atom):
        return (frozenset({expr}),)
    if isinstance(expr, Or):
        merged = _dedupe([c for term in expr.terms for c in to_dnf(term, limit)])
        if len(merged) > limit:
            raise PatternTooComplexError(f"more than {limit} alternatives")
        return tuple(merged)
    product: list[Conjunct] = [frozenset()]
    for term in expr.terms:
        alternatives = to_dnf(term, limit)
        # Checked before expanding: the cross product is what explodes.
        if len(product) * len(alternatives) > limit:
            raise PatternTooComplexError(f"more than {limit} alternatives")
        product = _dedupe([left | right for left in product for right in alternatives])
    return tuple(product)


# --------------------------------------------------------------------------------------------
# Implication between atoms


@dataclass(frozen=True)
class _Glob:
    core: str
    leading: bool  # value starts with '*'
    trailing: bool  # value ends with '*'
    literal: str

    @property
    def exact(self) -> bool:
        return not self.leading and not self.trailing

    @property
    def opaque(self) -> bool:
        return "*" in self.core

    @property
    def universal(self) -> bool:
        return not self.exact and not self.core


def _glob(value: str) -> _Glob:
    leading = value.startswith("*")
    rest = value[1:] if leading else value
    trailing = rest.endswith("*")
    core = rest[:-1] if trailing else rest
    return _Glob(core, leading, trailing, value)


def _glob_matches(glob: _Glob, text: str) -> bool:
    if glob.exact or glob.opaque:
        return text == glob.literal
    if glob.leading and glob.trailing:
        return glob.core in text
    return text.startswith(glob.core) if glob.trailing else text.endswith(glob.core)


def _glob_subset(inner: _Glob, outer: _Glob) -> bool:
    """Every string matching ``inner`` also matches ``outer``."""
    if outer.universal:
        return True
    if inner.opaque or outer.opaque:
        return inner.literal == outer.literal
    if outer.exact:
        return inner.exact and inner.core == outer.core
    if outer.leading and outer.trailing:
        return outer.core in inner.core
    if outer.trailing:
        return not inner.leading and inner.core.startswith(outer.core)
    return not inner.trailing and inner.core.endswith(outer.core)


def _glob_disjoint(left: _Glob, right: _Glob) -> bool:
    """No string matches both; False when unsure."""
    if left.opaque or right.opaque:
        return False
    if left.exact:
        return not _glob_matches(right, left.core)
    if right.exact:
        return not _glob_matches(left, right.core)
    if left.trailing and right.trailing and not left.leading and not right.leading:
        return not (left.core.startswith(right.core) or right.core.startswith(left.core))
    if left.leading and right.leading and not left.trailing and not right.trailing:
        return not (left.core.endswith(right.core) or right.core.endswith(left.core))
    return False


_Bound: TypeAlias = tuple[float, bool]  # value, inclusive


def _interval(atom: Atom) -> tuple[_Bound, _Bound]:
    value = float(atom.value)
    inf = float("inf")
    return {
        Op.EQ: ((value, True), (value, True)),
        Op.LT: ((-inf, False), (value, False)),
        Op.LE: ((-inf, False), (value, True)),
        Op.GT: ((value, False), (inf, False)),
        Op.GE: ((value, True), (inf, False)),
    }[atom.op]


def _number_implies(required: Atom, actual: Atom) -> bool:
    point = float(actual.value)
    if required.op is Op.NE:
        return actual.op is Op.NE and float(required.value) == point
    (low, low_in), (high, high_in) = _interval(required)
    if actual.op is Op.NE:
        inside = (low < point or (low == point and low_in)) and (
            point < high or (point == high and high_in)
        )
        return not inside
    (a_low, a_low_in), (a_high, a_high_in) = _interval(actual)
    low_ok = low > a_low or (low == a_low and (a_low_in or not low_in))
    high_ok = high < a_high or (high == a_high and (a_high_in or not high_in))
    return low_ok and high_ok


def _implies(required: Atom, actual: Atom) -> bool:
    """Every event satisfying ``required`` satisfies ``actual``."""
    if required == actual:
        return True
    if required.selector != actual.selector or required.kind is not actual.kind:
        return False
    if required.kind is Kind.NUMBER:
        return _number_implies(required, actual)
    if required.kind is not Kind.STRING:
        return False
    inner, outer = _glob(required.value), _glob(actual.value)
    if required.op is Op.EQ and actual.op is Op.EQ:
        return _glob_subset(inner, outer)
    if required.op is Op.EQ and actual.op is Op.NE:
        return _glob_disjoint(inner, outer)
    if required.op is Op.NE and actual.op is Op.NE:
        return _glob_subset(outer, inner)
    return False


def _unimplied(required: Conjunct, actual: Conjunct) -> list[Atom]:
    return sorted((a for a in actual if not any(_implies(r, a) for r in required)), key=str)


# --------------------------------------------------------------------------------------------
# Coverage


def _render(atoms: frozenset[Atom] | list[Atom]) -> str:
    return " && ".join(sorted(str(atom) for atom in atoms))


def _atoms(expr: Expr) -> set[Atom]:
    if isinstance(expr, Atom):
        return {expr}
    return set().union(*(_atoms(term) for term in expr.terms))


def _holds(expr: Expr, true_atoms: set[Atom]) -> bool:
    # Patterns have no negation, so the expression is monotone: it holds under this assignment
    # exactly when one of its DNF alternatives has all atoms true. That avoids expanding the
    # actual pattern, whose DNF may be huge.
    if isinstance(expr, Atom):
        return expr in true_atoms
    if isinstance(expr, And):
        return all(_holds(term, true_atoms) for term in expr.terms)
    return any(_holds(term, true_atoms) for term in expr.terms)


def _missing_reason(required: Conjunct, actual: Expr) -> str:
    missing = f"the actual pattern has no alternative matching events where {_render(required)}"
    try:
        alternatives = to_dnf(actual)
    except PatternTooComplexError:
        return missing
    # Fewest unmet conditions first, then most conditions already met, for the clearest message.
    closest = min(
        alternatives,
        key=lambda c: (len(_unimplied(required, c)), -len(c), _render(c)),
    )
    extra = _unimplied(required, closest)
    if len(extra) == len(closest):
        return missing
    return (
        f"events where {_render(required)} are not matched, because the closest alternative "
        f"of the actual pattern also requires {_render(extra)}"
    )


@lru_cache(maxsize=16384)
def check(actual: str, required: str) -> Coverage:
    """Decide whether ``actual`` covers ``required``; raise FilterPatternError on bad syntax.

    Cached: an estate repeats a handful of filter patterns across thousands of metric
    filters, and each is checked against every required CIS pattern (a raised error is not
    cached and is simply raised again)."""
    parsed_actual, parsed_required = parse(actual), parse(required)
    if isinstance(parsed_required, OpaquePattern):
        if actual.strip() == required.strip():
            return Coverage(True)
        return Coverage(
            False,
            f"the required pattern is {parsed_required.reason}; only the identical text covers it",
        )
    if isinstance(parsed_actual, OpaquePattern):
        return Coverage(False, f"the actual pattern is {parsed_actual.reason}")
    try:
        required_dnf = to_dnf(parsed_required.expr)
    except PatternTooComplexError as exc:
        return Coverage(False, f"the required pattern is too complex to compare ({exc})")
    actual_atoms = _atoms(parsed_actual.expr)
    implied_by = {
        r: {a for a in actual_atoms if _implies(r, a)} for r in _atoms(parsed_required.expr)
    }
    # Each required alternative must imply the whole actual pattern; it does when the actual
    # atoms it implies are enough to make the actual expression true.
    for conjunct in required_dnf:
        implied = set().union(*(implied_by[r] for r in conjunct))
        if not _holds(parsed_actual.expr, implied):
            return Coverage(False, _missing_reason(conjunct, parsed_actual.expr))
    return Coverage(True)


def covers(actual: str, required: str) -> bool:
    """True only if every event matched by ``required`` is matched by ``actual``."""
    return check(actual, required).covered


def explain(actual: str, required: str) -> str | None:
    """One sentence on why ``actual`` does not cover ``required``; None when it does."""
    return check(actual, required).reason
