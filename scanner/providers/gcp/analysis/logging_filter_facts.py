"""What one comparison of a Logging filter says about another, and what it says about one
concrete log entry. ``logging_filter`` builds the covers relation from these two facts.

Semantics relied on, from the "Logging query language" reference
(https://cloud.google.com/logging/docs/view/logging-query-language):

* String comparisons are not case sensitive; regular expressions (``=~``, ``!~``, RE2 syntax)
  are. So ``=``, ``!=`` and ``:`` compare casefolded text here, and ``=~`` the text as written.
* ``f:v`` holds when the value of ``f`` contains ``v``; ``f:*`` when ``f`` has any value.
* A global restriction ``v`` compares every field of the entry, payload included, with ``:``.
* ``severity`` compares by level (DEFAULT < DEBUG < ... < EMERGENCY, or the level numbers).
* ``log_id("x")`` holds when the entry's log ID is ``x``: the logName ends in ``/logs/`` and
  the URL-encoded ID (the LogEntry reference: "[LOG_ID] must be URL-encoded within log_name").

Two rules keep the answers sound where the reference says nothing:

* A field may repeat (``protoPayload.serviceData.policyDelta.bindingDeltas[]``). A comparison
  on it holds when some element's value does, so ``f="a"`` rules out ``f="b"`` only on fields
  known to hold one value (``SCALAR``).
* ``!=`` and ``!~`` on a field the entry does not have, a comparison on a message rather than a
  text field, ``>``/``<`` on anything but severity, and every other function are left
  undecided (None), never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

import re2

from scanner.providers.gcp.analysis.logging_filter_syntax import Atom, Call, Compare, Term

SEVERITY = {
    "default": 0,
    "debug": 100,
    "info": 200,
    "notice": 300,
    "warning": 400,
    "error": 500,
    "critical": 600,
    "alert": 700,
    "emergency": 800,
}
_ORDER = (">", ">=", "<", "<=")

SCALAR = frozenset(
    {
        "logName",
        "resource.type",
        "severity",
        "insertId",
        "timestamp",
        "receiveTimestamp",
        "textPayload",
        "trace",
        "spanId",
        "protoPayload.@type",
        "protoPayload.serviceName",
        "protoPayload.methodName",
        "protoPayload.resourceName",
        "protoPayload.authenticationInfo.principalEmail",
        "protoPayload.requestMetadata.callerIp",
    }
)
"""LogEntry and AuditLog fields that hold one value (LogEntry and AuditLog references)."""
_SCALAR_PREFIXES = ("resource.labels.", "labels.")  # map<string, string>: one value per key


def is_scalar(path: str) -> bool:
    """The field holds at most one value in any entry."""
    return path in SCALAR or (
        path.startswith(_SCALAR_PREFIXES) and path.count(".") == path.startswith("resource.") + 1
    )


def _fold(text: str) -> str:
    return text.casefold()


def log_id_suffix(log_id: str) -> str:
    """The end of every logName whose log ID is ``log_id``."""
    return "/logs/" + quote(log_id, safe="")


def severity_level(value: str) -> int | None:
    """A severity name or number as its level."""
    if value.lstrip("-").isdigit():
        return int(value)
    return SEVERITY.get(_fold(value))


def _interval(op: str, level: int) -> tuple[float, float]:
    """The levels an ordering comparison admits, as a closed interval over integers."""
    inf = float("inf")
    return {
        "=": (level, level),
        ">": (level + 1, inf),
        ">=": (level, inf),
        "<": (-inf, level - 1),
        "<=": (-inf, level),
    }[op]


def _severity_interval(atom: Compare) -> tuple[float, float] | None:
    if atom.path != "severity" or atom.op not in ("=", *_ORDER):
        return None
    level = severity_level(atom.value)
    return None if level is None else _interval(atom.op, level)


def _texts(atom: Compare) -> str | None:
    """The text a positive ``=`` or ``:`` comparison guarantees its field contains."""
    if atom.op in ("=", ":") and atom.value != "*":
        return _fold(atom.value)
    return None


# --------------------------------------------------------------------------------------------
# Atom against atom

ALWAYS_PRESENT = frozenset(
    {"logName", "resource.type", "timestamp", "receiveTimestamp", "insertId", "severity"}
)
"""Fields every LogEntry has (LogEntry reference; a missing severity reads as DEFAULT)."""


def always(atom: Atom) -> bool:
    """``atom`` holds of every log entry (False when unsure)."""
    if not isinstance(atom, Compare):
        return False
    if atom.op == ":" and atom.value == "*":
        return atom.path in ALWAYS_PRESENT
    interval = _severity_interval(atom)
    if interval is not None:
        return interval[0] <= min(SEVERITY.values()) and max(SEVERITY.values()) <= interval[1]
    # "<parent>/logs/<LOG_ID>" (LogEntry.logName)
    return atom.path == "logName" and atom.op == ":" and _fold(atom.value) in "/logs/"


def implies(p: Atom, q: Atom) -> bool:
    """Every entry where ``p`` holds has ``q`` hold too (False when unsure)."""
    if p == q:
        return True
    if isinstance(q, Term):
        return _implies_term(p, _fold(q.text))
    if isinstance(p, Call) or isinstance(q, Call):
        return _implies_log_id(p, q)
    if not isinstance(p, Compare):
        return False
    if p.path.startswith(q.path + ".") and q.op == ":" and q.value == "*":
        # A field with a value implies the message holding it exists.
        return p.op in ("=", ":", "=~", *_ORDER) and p.value != ""
    return p.path == q.path and _implies_same_field(p, q)


def _implies_same_field(p: Compare, q: Compare) -> bool:
    if q.op == ":" and q.value == "*":
        return p.op in ("=", ":", "=~", *_ORDER)
    p_range, q_range = _severity_interval(p), _severity_interval(q)
    if p_range is not None and q_range is not None:
        return q_range[0] <= p_range[0] and p_range[1] <= q_range[1]
    text = _texts(p)
    if text is None:
        return False
    if q.op == "=":
        return p.op == "=" and text == _fold(q.value)
    if q.op == ":":
        return _fold(q.value) in text
    if q.op == "!=":
        return p.op == "=" and is_scalar(p.path) and text != _fold(q.value)
    return False


def _implies_term(p: Atom, needle: str) -> bool:
    if isinstance(p, Term):
        return needle in _fold(p.text)
    if isinstance(p, Compare):
        text = _texts(p)
        return text is not None and needle in text
    if p.name == "log_id" and len(p.args) == 1:
        return needle in _fold(log_id_suffix(p.args[0]))
    return False


def _implies_log_id(p: Atom, q: Atom) -> bool:
    if not (isinstance(p, Call) and p.name == "log_id" and len(p.args) == 1):
        return False
    if isinstance(q, Compare) and q.path == "logName" and q.op == ":":
        return q.value == "*" or _fold(q.value) in _fold(log_id_suffix(p.args[0]))
    return False


def refutes(p: Atom, q: Atom) -> bool:
    """No entry has both ``p`` and ``q`` hold (False when unsure)."""
    if not isinstance(p, Compare) or not isinstance(q, Compare) or p.path != q.path:
        return False
    p_range, q_range = _severity_interval(p), _severity_interval(q)
    if p_range is not None and q_range is not None:
        return p_range[1] < q_range[0] or q_range[1] < p_range[0]
    if not is_scalar(p.path):
        return False
    if q.op == "=" and p.op != "=":
        p, q = q, p
    if p.op != "=" or p.value == "*":
        return False
    value = _fold(p.value)
    if q.op == "=":
        return value != _fold(q.value)
    if q.op == ":":
        return q.value != "*" and _fold(q.value) not in value
    if q.op == "!=":
        return value == _fold(q.value)
    return False


# --------------------------------------------------------------------------------------------
# Atom against one concrete entry

Entry = Mapping[str, str]
"""A log entry as field path -> text value, every field it has and no other."""

# Text every LogEntry holds in fields a witness does not spell out (timestamps, insertId): a
# global restriction made only of these characters might match them.
_TIMESTAMP_CHARS = frozenset("0123456789-:.tz")


def holds(atom: Atom, entry: Entry) -> bool | None:
    """Whether ``atom`` holds of ``entry``; None when the reference does not settle it."""
    if isinstance(atom, Term):
        needle = _fold(atom.text)
        if any(needle in _fold(v) for v in entry.values()):
            return True
        return None if set(needle) <= _TIMESTAMP_CHARS else False
    if isinstance(atom, Call):
        return _call_holds(atom, entry)
    value = entry.get(atom.path)
    if value is None and atom.path == "severity":
        value = "DEFAULT"  # LogSeverity: an entry without a severity has DEFAULT (0)
    if value is None:
        return _missing(atom, entry)
    if atom.op == ":":
        return True if atom.value == "*" else _fold(atom.value) in _fold(value)
    if atom.op in ("=", "!="):
        if atom.value == "*":
            return None
        return (_fold(atom.value) == _fold(value)) == (atom.op == "=")
    if atom.op in ("=~", "!~"):
        found = _search(atom.value, value)
        return None if found is None else found == (atom.op == "=~")
    interval, level = _severity_interval(atom), severity_level(value)
    if interval is None or level is None or atom.path != "severity":
        return None
    return interval[0] <= level <= interval[1]


def _missing(atom: Compare, entry: Entry) -> bool | None:
    folded = _fold(atom.path)
    if any(_fold(key) == folded for key in entry):
        return None  # the same field spelled in another case: the reference is silent
    if any(key.startswith(atom.path + ".") for key in entry):
        # A message, not a text field: it has a value; what ":" or "=" mean on it is not
        # documented beyond presence.
        return True if atom.op == ":" and atom.value == "*" else None
    if atom.op in ("!=", "!~") or (atom.op in ("=", ":") and atom.value == ""):
        return None  # a missing text field may read as "" (proto3 default): not documented
    if atom.op == "=~" and _search(atom.value, "") is not False:
        return None
    return False


def _call_holds(atom: Call, entry: Entry) -> bool | None:
    log_name = entry.get("logName")
    if atom.name != "log_id" or len(atom.args) != 1 or log_name is None:
        return None
    suffix = log_id_suffix(atom.args[0])
    if log_name.endswith(suffix):
        return True
    return None if _fold(log_name).endswith(_fold(suffix)) else False


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


def _search(pattern: str, value: str) -> bool | None:
    try:
        return re2.compile(pattern, options=_RE2_OPTIONS).search(value) is not None
    except re2.error:
        return None


def regex_valid(pattern: str) -> bool:
    """The pattern compiles as RE2, the engine of the query language's ``=~``."""
    try:
        re2.compile(pattern, options=_RE2_OPTIONS)
    except re2.error:
        return False
    return True


__all__ = [
    "ALWAYS_PRESENT",
    "SCALAR",
    "SEVERITY",
    "Entry",
    "always",
    "holds",
    "implies",
    "is_scalar",
    "log_id_suffix",
    "refutes",
    "regex_valid",
    "severity_level",
]
