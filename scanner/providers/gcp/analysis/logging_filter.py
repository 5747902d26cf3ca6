"""Cloud Logging filters by meaning: does one filter cover another (whether a filter may match
an audit log entry is in ``logging_filter_audit``).

A filter M *covers* a filter C when every log entry C matches, M matches too. The answer has
three values, and only a proof gives True:

* True: for each alternative of C (its disjunctive normal form), the comparisons of that
  alternative settle M to true (``logging_filter_facts.implies`` / ``refutes``, then M is
  evaluated in three-valued logic). Spacing, term order, quoting, redundant parentheses, extra
  OR terms, case of values and ``NOT`` spelled ``-`` therefore do not matter.
* False: a concrete entry (a *witness*) is built from an alternative of C (its own fields,
  padded, or with one more field that M names), C matches it and M provably does not; the
  finding names it. A narrower M fails this way. The witness is a valid entry: it carries the
  fields every LogEntry has (``_ALWAYS``).
* None: neither could be shown (a regular expression, an undocumented corner); the reason says
  which comparison of M could not be settled. Callers report that as unknown, never as a pass.

Syntax and semantics are in ``logging_filter_syntax`` and ``logging_filter_facts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias

from scanner.providers.gcp.analysis.logging_filter_facts import (
    SEVERITY,
    Entry,
    always,
    holds,
    implies,
    log_id_suffix,
    refutes,
    severity_level,
)
from scanner.providers.gcp.analysis.logging_filter_syntax import (
    And,
    Atom,
    Call,
    Compare,
    Expr,
    FilterSyntaxError,
    Not,
    Or,
    Term,
    parse,
)

MAX_CONJUNCTS = 4096
"""Largest disjunctive normal form that is expanded."""

Literal: TypeAlias = tuple[Atom, bool]  # the atom, and whether it is asserted (not negated)
Conjunct: TypeAlias = frozenset[Literal]


class TooComplexError(ValueError):
    """A filter expands to more than ``MAX_CONJUNCTS`` alternatives."""


@dataclass(frozen=True)
class Coverage:
    """Whether a filter covers another: True, False (with a witness), None (undecided)."""

    verdict: bool | None
    reason: str | None = None


# --------------------------------------------------------------------------------------------
# Normal forms


def to_dnf(expr: Expr, positive: bool = True, limit: int = MAX_CONJUNCTS) -> tuple[Conjunct, ...]:
    """``expr`` (negated when not ``positive``) as alternatives of conjunctions of literals."""
    if isinstance(expr, Compare | Term | Call):
        return (frozenset({(expr, positive)}),)
    if isinstance(expr, Not):
        return to_dnf(expr.term, not positive, limit)
    conjunctive = isinstance(expr, And) == positive
    parts = [to_dnf(term, positive, limit) for term in expr.terms]
    if not conjunctive:
        merged = list(dict.fromkeys(c for part in parts for c in part))
        if len(merged) > limit:
            raise TooComplexError(f"more than {limit} alternatives")
        return tuple(merged)
    product: list[Conjunct] = [frozenset()]
    for part in parts:
        if len(product) * len(part) > limit:
            raise TooComplexError(f"more than {limit} alternatives")
        product = list(dict.fromkeys(left | right for left in product for right in part))
    return tuple(product)


def _atoms(expr: Expr) -> set[Atom]:
    if isinstance(expr, Compare | Term | Call):
        return {expr}
    if isinstance(expr, Not):
        return _atoms(expr.term)
    return set().union(*(_atoms(t) for t in expr.terms))


def _kleene(expr: Expr, value: dict[Atom, bool | None]) -> bool | None:
    if isinstance(expr, Compare | Term | Call):
        return value.get(expr)
    if isinstance(expr, Not):
        inner = _kleene(expr.term, value)
        return None if inner is None else not inner
    results = [_kleene(t, value) for t in expr.terms]
    decisive = isinstance(expr, Or)  # True decides an OR, False an AND
    if decisive in results:
        return decisive
    return None if None in results else not decisive


def _literal_text(literal: Literal) -> str:
    atom, positive = literal
    return str(atom) if positive else f"NOT {atom}"


def conjunct_text(conj: Conjunct) -> str:
    text = " AND ".join(sorted(_literal_text(lit) for lit in conj)) or "any entry"
    return text if len(text) <= 300 else text[:297] + "..."


# --------------------------------------------------------------------------------------------
# Proof: what an alternative of C settles about the atoms of M


def _settled(atom: Atom, conj: Conjunct) -> bool | None:
    if always(atom):
        return True
    true = any(positive and implies(p, atom) for p, positive in conj)
    false = any(
        (positive and refutes(p, atom)) or (not positive and implies(atom, p))
        for p, positive in conj
    )
    if true and false:
        return None  # the alternative is contradictory; _contradictory skips it first
    return True if true else (False if false else None)


def _contradictory(conj: Conjunct) -> bool:
    """The alternative can match no entry (False when unsure)."""
    positives = [a for a, positive in conj if positive]
    negatives = [a for a, positive in conj if not positive]
    return any(refutes(p, q) for p in positives for q in positives) or any(
        implies(p, n) for p in positives for n in negatives
    )


# --------------------------------------------------------------------------------------------
# Witnesses: a concrete entry the alternative matches

_ALWAYS = {
    "logName": "projects/lw-witness/logs/cloudaudit.googleapis.com%2Factivity",
    "resource.type": "lw_witness_type",
    "insertId": "lw-witness-id",
    "timestamp": "2026-01-01T00:00:00Z",
    "receiveTimestamp": "2026-01-01T00:00:00Z",
}
_TERM_KEY = "labels.lw_term_"
_FILLER = "lw-witness-value"


def _field_value(atoms: list[Compare], pad: bool) -> str | None:
    equal = [a.value for a in atoms if a.op == "="]
    has = [a.value for a in atoms if a.op == ":" and a.value != "*"]
    levels = [a for a in atoms if a.op in (">", ">=", "<", "<=")]
    if any(a.op == "=~" for a in atoms):
        return None  # no text is generated from a regular expression
    if levels:
        return _severity_value(atoms)
    if equal:
        return equal[0]
    if has:
        joined = " ".join(dict.fromkeys(has))
        return f"lw.{joined}.lw" if pad else joined
    return _FILLER


def _severity_value(atoms: list[Compare]) -> str | None:
    if any(a.path != "severity" for a in atoms):
        return None
    for name in sorted(SEVERITY, key=SEVERITY.__getitem__):
        entry = {"severity": name.upper()}
        if all(holds(a, entry) for a in atoms):
            return name.upper()
    return None


def _witness(conj: Conjunct, pad: bool) -> dict[str, str] | None:
    by_path: dict[str, list[Compare]] = {}
    entry: dict[str, str] = {}
    for atom, positive in sorted(conj, key=_literal_text):
        if not positive:
            continue
        if isinstance(atom, Compare):
            by_path.setdefault(atom.path, []).append(atom)
        elif isinstance(atom, Term):
            entry[f"{_TERM_KEY}{len(entry)}"] = atom.text
        elif atom.name == "log_id" and len(atom.args) == 1:
            entry["logName"] = "projects/lw-witness" + log_id_suffix(atom.args[0])
        else:
            return None
    for path, atoms in by_path.items():
        value = _field_value(atoms, pad)
        if value is None:
            return None
        entry[path] = value
    for key, value in _ALWAYS.items():
        # Every LogEntry has these; a witness without them would be no entry at all.
        entry.setdefault(key, value)
    matched = all(holds(atom, entry) is positive for atom, positive in conj)
    return entry if matched else None


def _entry_text(entry: Entry) -> str:
    parts = []
    for key, value in sorted(entry.items()):
        if _ALWAYS.get(key) == value:
            continue  # filler every entry has, not what the required filter asks for
        if key.startswith(_TERM_KEY):
            parts.append(f'a field containing "{value}"')
        else:
            parts.append(f'{key}="{value}"')
    return ", ".join(parts) or "no particular field"


def _polar(expr: Expr, positive: bool = True) -> set[Literal]:
    if isinstance(expr, Compare | Term | Call):
        return {(expr, positive)}
    if isinstance(expr, Not):
        return _polar(expr.term, not positive)
    return set().union(*(_polar(t, positive) for t in expr.terms))


def _narrowing(expr: Expr, entry: Entry) -> str:
    """The comparisons of M that the witness fails: what makes M narrower (an added
    resource.type or logName restriction, say), so the finding names it."""
    failed = sorted(
        _literal_text((atom, positive))
        for atom, positive in _polar(expr)
        if holds(atom, entry) is (not positive)
    )
    return f" (it fails {', '.join(failed[:4])})" if failed else ""


def _undecided_atoms(expr: Expr, entry: Entry, settled: dict[Atom, bool | None]) -> list[str]:
    """The comparisons of M that stop a verdict: true of the witness but not proven, or not
    decidable on it."""
    return sorted(
        str(a) for a in _atoms(expr) if settled[a] is None and holds(a, entry) is not False
    )


# --------------------------------------------------------------------------------------------
# Coverage


_MAX_WITNESSES = 64


def _candidates(conj: Conjunct, actual: Expr) -> list[dict[str, str]]:
    """Entries the alternative matches: its own fields (as written, then padded), then each
    with one more field that an atom of M names. The last kind finds what a filter excludes,
    as in ``... AND NOT protoPayload.authenticationInfo.principalEmail:"deployer@"``."""
    found: list[dict[str, str]] = []
    for pad in (False, True):
        entry = _witness(conj, pad)
        if entry is not None and entry not in found:
            found.append(entry)
    if not found:
        return found
    base = found[0]
    for atom in sorted(_atoms(actual), key=str):
        if len(found) >= _MAX_WITNESSES:
            break
        extra: dict[str, str] | None = None
        if isinstance(atom, Compare) and atom.op in ("=", ":") and atom.path not in base:
            extra = {atom.path: _FILLER if atom.value == "*" else atom.value}
        elif isinstance(atom, Term):
            extra = {f"{_TERM_KEY}m": atom.text}
        if extra is None:
            continue
        entry = {**base, **extra}
        if entry not in found and all(holds(a, entry) is positive for a, positive in conj):
            found.append(entry)
    return found


def _check_conjunct(actual: Expr, conj: Conjunct) -> Coverage:
    settled = {atom: _settled(atom, conj) for atom in _atoms(actual)}
    proof = _kleene(actual, settled)
    if proof is True:
        return Coverage(True)
    undecided: list[str] = []
    for entry in _candidates(conj, actual):
        value = {atom: holds(atom, entry) for atom in _atoms(actual)}
        if _kleene(actual, value) is False:
            return Coverage(
                False,
                f"an entry with {_entry_text(entry)} matches the required filter but not this "
                f"one{_narrowing(actual, entry)}",
            )
        undecided = undecided or _undecided_atoms(actual, entry, settled)
    if proof is False:
        return Coverage(False, f"no entry where {conjunct_text(conj)} is matched")
    what = f" ({', '.join(undecided)})" if undecided else ""
    return Coverage(
        None,
        f"whether it matches every entry where {conjunct_text(conj)} cannot be decided{what}",
    )


@lru_cache(maxsize=4096)
def check(actual: str, required: str) -> Coverage:
    """Whether filter ``actual`` covers filter ``required``; raise FilterSyntaxError when
    either is not valid Logging query language.

    Cached: an organization repeats a handful of metric filters across its projects."""
    parsed_actual, parsed_required = parse(actual), parse(required)
    if parsed_actual is None:
        return Coverage(True)  # an empty filter matches every entry
    try:
        alternatives = (frozenset(),) if parsed_required is None else to_dnf(parsed_required)
    except TooComplexError as exc:
        return Coverage(None, f"the required filter is too complex to compare ({exc})")
    undecided: Coverage | None = None
    for conj in alternatives:
        if _contradictory(conj):
            continue
        result = _check_conjunct(parsed_actual, conj)
        if result.verdict is False:
            return result
        if result.verdict is None and undecided is None:
            undecided = result
    return undecided or Coverage(True)


__all__ = [
    "MAX_CONJUNCTS",
    "Conjunct",
    "Coverage",
    "FilterSyntaxError",
    "Literal",
    "TooComplexError",
    "check",
    "conjunct_text",
    "severity_level",
    "to_dnf",
]
