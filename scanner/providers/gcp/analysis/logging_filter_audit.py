"""May a Cloud Logging filter (an exclusion's, a sink's) match a Cloud Audit Logs entry?

An audit log entry is one whose logName is
``<parent>/logs/cloudaudit.googleapis.com%2F<activity|data_access|system_event|policy>``
(https://cloud.google.com/logging/docs/audit), for any parent. The answer is False only when
every alternative of the filter's disjunctive normal form pins ``logName`` or ``log_id()`` to
something no audit log name can be; anything else may match. Where the reference leaves a
choice open (the ``/`` spelling of the log ID, case), the answer leans to "may match".
"""

from __future__ import annotations

import re

from scanner.providers.gcp.analysis.logging_filter import (
    Literal,
    TooComplexError,
    conjunct_text,
    to_dnf,
)
from scanner.providers.gcp.analysis.logging_filter_facts import log_id_suffix
from scanner.providers.gcp.analysis.logging_filter_syntax import Call, Compare, parse

AUDIT_LOG_IDS = tuple(
    f"cloudaudit.googleapis.com/{kind}"
    for kind in ("activity", "data_access", "system_event", "policy")
)
"""The log IDs of Cloud Audit Logs (https://cloud.google.com/logging/docs/audit)."""

_HEADS = ("projects/", "organizations/", "folders/", "billingaccounts/")
_TAILS = tuple(
    t
    for log_id in AUDIT_LOG_IDS
    for t in (log_id_suffix(log_id).casefold(), f"/logs/{log_id}")
    # Both the URL-encoded form the API stores and the plain form a filter may spell: when
    # unsure, the answer leans to "may match".
)
_COMMON = "/logs/cloudaudit.googleapis.com"
_AUDIT_NAME = re.compile(
    r"(?:projects|organizations|folders|billingaccounts)/[^/]+/logs/"
    r"cloudaudit\.googleapis\.com(?:%2f|/)(?:activity|data_access|system_event|policy)"
)


def _may_be_audit_substring(text: str) -> bool:
    """Some audit logName (any parent) may contain ``text`` (casefolded): ``text`` is a piece
    of the head (``projects/``), the parent ID (no ``/``) and the tail (``/logs/...``)."""
    if any(text in part for part in (*_HEADS, *_TAILS)):
        return True
    for head in _HEADS:
        for tail in _TAILS:
            for i in range(min(len(text), len(head)) + 1):
                if i and not head.endswith(text[:i]):
                    continue
                for k in range(min(len(text) - i, len(tail)) + 1):
                    if k and not tail.startswith(text[len(text) - k :]):
                        continue
                    middle = text[i : len(text) - k]
                    if "/" not in middle and (middle or not (i and k)):
                        return True
    return False


def _excludes_audit(literal: Literal) -> bool:
    """No audit log entry satisfies the literal (False when unsure)."""
    atom, positive = literal
    if isinstance(atom, Call):
        ids = {i.casefold() for i in AUDIT_LOG_IDS}
        ids |= {log_id_suffix(i)[6:].casefold() for i in AUDIT_LOG_IDS}
        named = atom.name == "log_id" and len(atom.args) == 1
        return positive and named and atom.args[0].casefold() not in ids
    if not isinstance(atom, Compare) or atom.path != "logName":
        return False
    value = atom.value.casefold()
    if positive and atom.op == "=":
        return _AUDIT_NAME.fullmatch(value) is None
    if positive and atom.op == ":" and atom.value != "*":
        return not _may_be_audit_substring(value)
    if not positive and atom.op == ":":
        return atom.value == "*" or value in _COMMON
    return False


def may_match_audit(text: str) -> tuple[bool, str]:
    """Whether filter ``text`` may match a Cloud Audit Logs entry, and why; False only when
    provably not. Raise FilterSyntaxError when the filter cannot be parsed."""
    expr = parse(text)
    if expr is None:
        return True, "an empty filter matches every entry, audit logs included"
    try:
        alternatives = to_dnf(expr)
    except TooComplexError:
        return True, "the filter is too complex to rule out audit log entries"
    for conj in alternatives:
        if not any(_excludes_audit(lit) for lit in conj):
            return True, f"audit log entries may match where {conjunct_text(conj)}"
    return False, "no audit log entry can match: every alternative constrains logName away"
