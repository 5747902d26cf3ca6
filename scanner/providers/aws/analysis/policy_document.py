"""IAM policy documents: parsing statements, and matching actions, resources, principals and
conditions the way AWS policy evaluation does (wildcards, policy variables, NotAction ...)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

_ACCOUNT_ID = re.compile(r"\d{12}")
_ROOT_ARN = re.compile(r"arn:[\w-]+:iam::(\d{12}):root")


class Match(IntEnum):
    """How a statement element matches a request; ordered so min/max combine them."""

    NO = 0
    MAYBE = 1  # depends on the request context: a Condition or a policy variable
    YES = 2


@dataclass(frozen=True)
class Statement:
    """One normalized policy statement; patterns are kept as written, actions lower-cased."""

    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    principals: tuple[str, ...] | None
    not_principals: tuple[str, ...] | None
    has_condition: bool
    condition: Mapping[str, Any]
    source: str
    sid: str | None
    index: int
    entries: tuple[Entry, ...] = ()  # the Condition, split once at parse time


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Entry:
    """One (operator, key, values) triple of a Condition block, lower-cased where AWS folds."""

    qualifier: str  # "", "forallvalues" or "foranyvalue"
    base: str  # operator without qualifier and IfExists, e.g. "stringnotequals"
    if_exists: bool
    key: str
    values: tuple[str, ...]


def split_operator(operator: str) -> tuple[str, str, bool]:
    """Return (set qualifier, base operator, IfExists) of a condition operator, lower-cased."""
    qualifier, _, base = operator.lower().rpartition(":")
    if_exists = base.endswith("ifexists")
    return qualifier, base.removesuffix("ifexists"), if_exists


def entries(condition: Mapping[str, Any] | Statement) -> tuple[Entry, ...]:
    """Every (operator, key, values) of a Condition block (or a statement's, parsed once); each
    must hold (logical AND)."""
    if isinstance(condition, Statement):
        return condition.entries
    out: list[Entry] = []
    for operator, body in condition.items():
        qualifier, base, if_exists = split_operator(operator)
        for key, raw in body.items():
            items = raw if isinstance(raw, list) else [raw]
            values = tuple(_text(v) for v in items)
            out.append(Entry(qualifier, base, if_exists, key.lower(), values))
    return tuple(out)


def _text(value: Any) -> str:
    # JSON booleans in conditions are written "true"/"false" by AWS; str(True) is "True".
    return str(value).lower() if isinstance(value, bool) else str(value).strip()


def load_policy_document(doc: Mapping[str, Any] | str, source: str) -> Mapping[str, Any]:
    """Return a policy document as a mapping, decoding JSON or URL-encoded JSON strings."""
    if isinstance(doc, Mapping):
        return doc
    if not isinstance(doc, str):
        raise ValueError(f"{source}: policy document must be a JSON object or string")
    try:
        data = json.loads(doc)
    except json.JSONDecodeError:
        # The raw IAM API returns documents URL-encoded (RFC 3986); plain JSON is tried first
        # because unquoting it would corrupt a literal '%' in a condition value.
        try:
            data = json.loads(unquote(doc))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source}: policy document is not valid JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ValueError(f"{source}: policy document must be a JSON object")
    return data


def parse_policy_document(doc: Mapping[str, Any] | str, source: str) -> tuple[Statement, ...]:
    """Parse a policy document into statements; raise ValueError when it is malformed."""
    data = load_policy_document(doc, source)
    raw = data.get("Statement")
    if isinstance(raw, Mapping):
        items: list[Any] = [raw]
    elif isinstance(raw, list):
        items = raw
    else:
        raise ValueError(f"{source}: 'Statement' must be an object or a list of objects")
    return tuple(_parse_statement(item, index, source) for index, item in enumerate(items))


def _parse_statement(item: Any, index: int, source: str) -> Statement:
    where = f"{source}, statement {index}"
    if not isinstance(item, Mapping):
        raise ValueError(f"{where}: a statement must be an object")
    effect = item.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        raise ValueError(f"{where}: 'Effect' must be 'Allow' or 'Deny', got {effect!r}")
    actions, not_actions = _exclusive(item, "Action", "NotAction", where, required=True)
    resources, not_resources = _exclusive(item, "Resource", "NotResource", where, required=False)
    if not resources and not not_resources:
        # Identity policies must name a Resource; resource policies that omit it (trust
        # policies) apply to the resource they are attached to, which "*" models.
        resources = ("*",)
    if "Principal" in item and "NotPrincipal" in item:
        raise ValueError(f"{where}: 'Principal' and 'NotPrincipal' are mutually exclusive")
    principals = _principal_list(item["Principal"], where) if "Principal" in item else None
    not_principals = (
        _principal_list(item["NotPrincipal"], where) if "NotPrincipal" in item else None
    )
    condition = item.get("Condition", {})
    if not isinstance(condition, Mapping) or not all(
        isinstance(body, Mapping) for body in condition.values()
    ):
        raise ValueError(f"{where}: 'Condition' must map operators to objects")
    sid = item.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise ValueError(f"{where}: 'Sid' must be a string")
    return Statement(
        effect=effect.capitalize(),
        actions=tuple(a.lower() for a in actions),
        not_actions=tuple(a.lower() for a in not_actions),
        resources=resources,
        not_resources=not_resources,
        principals=principals,
        not_principals=not_principals,
        has_condition=bool(condition),
        condition=MappingProxyType(dict(condition)),
        source=source,
        sid=sid or None,
        index=index,
        entries=entries(condition),
    )


def _exclusive(
    item: Mapping[str, Any], key: str, not_key: str, where: str, *, required: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if key in item and not_key in item:
        raise ValueError(f"{where}: '{key}' and '{not_key}' are mutually exclusive")
    if key in item:
        return _string_list(item[key], key, where), ()
    if not_key in item:
        return (), _string_list(item[not_key], not_key, where)
    if required:
        raise ValueError(f"{where}: one of '{key}' or '{not_key}' is required")
    return (), ()


def _string_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"{where}: '{name}' must be a string or a non-empty list of strings")


def _principal_list(value: Any, where: str) -> tuple[str, ...]:
    if value == "*":
        return ("*",)
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"{where}: 'Principal' must be '*' or an object such as {{'AWS': ...}}")
    out: list[str] = []
    for kind, entries in value.items():
        for entry in _string_list(entries, f"Principal.{kind}", where):
            if kind == "AWS":
                out.append(_normalize_aws_principal(entry))
            elif kind == "Service":
                out.append(f"service:{entry.lower()}")
            elif kind == "Federated":
                out.append(f"federated:{entry}")
            elif kind == "CanonicalUser":
                out.append(f"canonical:{entry}")
            else:
                raise ValueError(f"{where}: unknown principal type {kind!r}")
    return tuple(out)


def _normalize_aws_principal(entry: str) -> str:
    if _ACCOUNT_ID.fullmatch(entry):
        return f"arn:aws:iam::{entry}:root"
    return entry


def principal_account(principal: str) -> str | None:
    """Return the account id of an IAM/STS principal ARN (or root ARN), else None."""
    parts = principal.split(":")
    is_iam = len(parts) >= 6 and parts[0] == "arn" and parts[2] in ("iam", "sts")
    return parts[4] if is_iam and _ACCOUNT_ID.fullmatch(parts[4]) else None


def root_account(principal: str) -> str | None:
    found = _ROOT_ARN.fullmatch(principal)
    return found.group(1) if found else None


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Matcher:
    definite: re.Pattern[str] | None
    variable: re.Pattern[str] | None  # patterns holding a policy variable such as ${aws:username}

    def match(self, value: str) -> Match:
        if self.definite is not None and self.definite.fullmatch(value):
            return Match.YES
        if self.variable is not None and self.variable.fullmatch(value):
            return Match.MAYBE
        return Match.NO


_GLOB_TOKENS = re.compile(r"(\*|\?)")
_ARN_TOKENS = re.compile(r"(\$\{[^}]*\}|\*|\?)")
_VARIABLE_ESCAPES = {"${*}": r"\*", "${?}": r"\?", "${$}": r"\$"}


@lru_cache(maxsize=8192)
def _glob_source(pattern: str, variables: bool) -> tuple[str, bool]:
    out: list[str] = []
    has_variable = False
    for token in (_ARN_TOKENS if variables else _GLOB_TOKENS).split(pattern):
        if token == "*":
            out.append(".*")
        elif token == "?":
            out.append(".")
        elif variables and token.startswith("${"):
            if token in _VARIABLE_ESCAPES:
                out.append(_VARIABLE_ESCAPES[token])
            else:
                # The value is only known per request, so the pattern may or may not match.
                out.append(".*")
                has_variable = True
        else:
            out.append(re.escape(token))
    return "".join(out), has_variable


@lru_cache(maxsize=8192)
def _matcher(patterns: tuple[str, ...], fold_case: bool) -> _Matcher:
    # One alternation per statement element, compiled once and reused for every check.
    flags = re.IGNORECASE | re.DOTALL if fold_case else re.DOTALL
    definite: list[str] = []
    variable: list[str] = []
    for pattern in patterns:
        source, has_variable = _glob_source(pattern, not fold_case)
        (variable if has_variable else definite).append(source)
    return _Matcher(
        re.compile("|".join(definite), flags) if definite else None,
        re.compile("|".join(variable), flags) if variable else None,
    )


def glob_match(pattern: str, value: str, *, fold_case: bool = False) -> bool:
    """Match an IAM glob (`*`, `?`) against a value; `*` spans `:` and `/` as in AWS."""
    return _matcher((pattern,), fold_case).match(value) is not Match.NO


def definite_match(patterns: tuple[str, ...], value: str, *, fold_case: bool) -> bool:
    """Whether one of the globs surely matches `value` (one with a policy variable may not)."""
    return _matcher(patterns, fold_case).match(value) is Match.YES


def _invert(match: Match) -> Match:
    return Match(Match.YES - match)


def action_match(statement: Statement, action: str) -> Match:
    """Whether the statement's Action/NotAction covers `action` (case-insensitive)."""
    if statement.not_actions:
        return _invert(_matcher(statement.not_actions, True).match(action))
    return _matcher(statement.actions, True).match(action)


def resource_match(statement: Statement, resource: str) -> Match:
    """Whether the statement's Resource/NotResource covers `resource` (case-sensitive)."""
    if statement.not_resources:
        return _invert(_matcher(statement.not_resources, False).match(resource))
    return _matcher(statement.resources, False).match(resource)


def principal_match(statement: Statement, who: str) -> Match:
    """Whether a resource-policy statement's Principal/NotPrincipal names `who`."""
    if statement.principals is not None:
        return Match.YES if _names(statement.principals, who) else Match.NO
    if statement.not_principals is not None:
        return Match.NO if _names(statement.not_principals, who) else Match.YES
    return Match.YES


def _names(entries: tuple[str, ...], who: str) -> bool:
    if "*" in entries or who in entries:
        return True
    # An account principal stands for every identity of that account.
    account = principal_account(who)
    return account is not None and any(root_account(e) == account for e in entries)
