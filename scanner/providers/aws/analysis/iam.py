"""IAM policy evaluation: which principals may perform an action on a resource.

Covers the single-account part of AWS policy evaluation logic: identity policies (inline, managed,
group), permissions boundaries and resource-based policies. SCPs, RCPs and session policies are
not evaluated; `analysis_limits` says so in every report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

SCP_LIMIT = (
    "Service control policies (SCPs) and resource control policies of AWS Organizations "
    "were not evaluated"
)
_FIXED_LIMITS = (
    SCP_LIMIT,
    "Condition values were not evaluated: a grant under a Condition is reported as conditional",
    "Role assumption was not followed: a grant to a role is reported for the role, not for "
    "whoever can assume it",
    "The account root user can perform every action unless a resource policy denies it; "
    "it is not listed per check",
)

# Keys whose value the caller picks freely for each request. A condition made only of these never
# stops a determined caller (they just use TLS, or send the header), so it neither makes an Allow
# conditional nor lets a Deny protect anything.
_CALLER_CONTROLLED_KEYS = frozenset(
    {
        "aws:securetransport",
        "s3:tlsversion",
        "s3:signatureversion",
        "s3:signatureage",
        "s3:authtype",
        "s3:x-amz-content-sha256",
        "s3:x-amz-server-side-encryption",
    }
)

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


@dataclass(frozen=True)
class Principal:
    """An IAM user or role with every statement that applies to it (groups folded into users)."""

    arn: str
    kind: str  # "user" | "role"
    name: str
    statements: tuple[Statement, ...]
    permissions_boundary: str | None
    # None when no boundary is set or its policy was not in the details (see analysis_limits).
    boundary_statements: tuple[Statement, ...] | None = None
    # Attached managed policies or groups named by the entity but absent from the details.
    unresolved_policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grant:
    """A principal allowed to perform `action` on `resource`, and the statement that allows it."""

    principal: str
    action: str
    resource: str
    source: str
    sid: str | None
    statement_index: int
    conditional: bool
    via: str  # "identity" | "resource"


# --------------------------------------------------------------------------- parsing


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


def _root_account(principal: str) -> str | None:
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


def condition_keys(condition: Mapping[str, Any]) -> frozenset[str]:
    """Lower-cased condition keys used under any operator of a Condition block."""
    return frozenset(key.lower() for body in condition.values() for key in body)


def condition_effect(statement: Statement) -> Match:
    """YES when the statement applies whatever the request context, MAYBE when it depends on it."""
    if not statement.has_condition:
        return Match.YES
    if condition_keys(statement.condition) <= _CALLER_CONTROLLED_KEYS:
        return Match.YES if statement.effect == "Allow" else Match.NO
    return Match.MAYBE


def applies(statement: Statement, action: str, resource: str) -> Match:
    """Whether the statement covers the action and resource, ignoring its Principal."""
    match = action_match(statement, action)
    if match is Match.NO:
        return match
    match = min(match, resource_match(statement, resource))
    if match is Match.NO:
        return match
    return min(match, condition_effect(statement))


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
    return account is not None and any(_root_account(e) == account for e in entries)


# --------------------------------------------------------------------------- principals


def principals_from_authorization_details(details: Mapping[str, Any]) -> tuple[Principal, ...]:
    """Build users and roles from a merged iam:GetAccountAuthorizationDetails response."""
    managed = _managed_policies(details)
    groups: dict[str, _Attachments] = {}
    for group in _objects(details, "GroupDetailList"):
        name = _field(group, "GroupName", "GroupDetailList")
        groups[name] = _attachments(group, "GroupPolicyList", f"group/{name}")
    out: list[Principal] = []
    for user in _objects(details, "UserDetailList"):
        name = _field(user, "UserName", "UserDetailList")
        own = _attachments(user, "UserPolicyList", f"user/{name}")
        inline, arns, missing = list(own.inline), list(own.managed_arns), []
        for group_name in user.get("GroupList") or []:
            if group_name not in groups:
                missing.append(f"group {group_name}")
                continue
            inline.extend(groups[group_name].inline)
            arns.extend(groups[group_name].managed_arns)
        out.append(_principal(user, "user", name, inline, arns, missing, managed))
    for role in _objects(details, "RoleDetailList"):
        name = _field(role, "RoleName", "RoleDetailList")
        own = _attachments(role, "RolePolicyList", f"role/{name}")
        out.append(_principal(role, "role", name, list(own.inline), own.managed_arns, [], managed))
    return tuple(out)


@dataclass(frozen=True)
class _Attachments:
    inline: tuple[Statement, ...]
    managed_arns: tuple[str, ...]


def _objects(entry: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ValueError(f"authorization details: '{key}' must be a list of objects")
    return value


def _field(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"authorization details: an entry of '{where}' has no '{key}'")
    return value


def _managed_policies(details: Mapping[str, Any]) -> dict[str, tuple[Statement, ...] | None]:
    """Parse each managed policy's default version once; None when no version is the default."""
    out: dict[str, tuple[Statement, ...] | None] = {}
    for policy in _objects(details, "Policies"):
        arn = _field(policy, "Arn", "Policies")
        versions = _objects(policy, "PolicyVersionList")
        default = next((v for v in versions if v.get("IsDefaultVersion") is True), None)
        if default is None:
            wanted = policy.get("DefaultVersionId")
            default = next((v for v in versions if v.get("VersionId") == wanted), None)
        document = default.get("Document") if default is not None else None
        out[arn] = (
            None if document is None else parse_policy_document(document, f"managed policy {arn}")
        )
    return out


def _attachments(entry: Mapping[str, Any], inline_key: str, label: str) -> _Attachments:
    inline: list[Statement] = []
    for policy in _objects(entry, inline_key):
        name = _field(policy, "PolicyName", inline_key)
        document = policy.get("PolicyDocument")
        if document is None:
            raise ValueError(f"{label} inline policy '{name}' has no PolicyDocument")
        inline.extend(parse_policy_document(document, f"{label} inline policy '{name}'"))
    arns = tuple(
        _field(attached, "PolicyArn", "AttachedManagedPolicies")
        for attached in _objects(entry, "AttachedManagedPolicies")
    )
    return _Attachments(tuple(inline), arns)


def _principal(
    entry: Mapping[str, Any],
    kind: str,
    name: str,
    inline: list[Statement],
    managed_arns: Iterable[str],
    missing: list[str],
    managed: Mapping[str, tuple[Statement, ...] | None],
) -> Principal:
    statements = list(inline)
    # dict.fromkeys: a policy attached to the user and to one of its groups counts once.
    for arn in dict.fromkeys(managed_arns):
        found = managed.get(arn)
        if found is None:
            missing.append(f"managed policy {arn}")
        else:
            statements.extend(found)
    boundary = entry.get("PermissionsBoundary")
    boundary_arn = boundary.get("PermissionsBoundaryArn") if isinstance(boundary, Mapping) else None
    if boundary_arn is not None and not isinstance(boundary_arn, str):
        raise ValueError(f"{kind}/{name}: PermissionsBoundaryArn must be a string")
    return Principal(
        arn=_field(entry, "Arn", f"{kind} {name}"),
        kind=kind,
        name=name,
        statements=tuple(statements),
        permissions_boundary=boundary_arn or None,
        boundary_statements=managed.get(boundary_arn) if boundary_arn else None,
        unresolved_policies=tuple(missing),
    )


def analysis_limits(principals: Iterable[Principal]) -> tuple[str, ...]:
    """Human-readable list of what the evaluation could not take into account."""
    lines = list(_FIXED_LIMITS)
    for p in principals:
        if p.permissions_boundary and p.boundary_statements is None:
            lines.append(
                f"{p.kind}/{p.name}: permissions boundary {p.permissions_boundary} was not in the "
                "authorization details; its grants are reported as if it allowed everything"
            )
        lines.extend(
            f"{p.kind}/{p.name}: {ref} is attached but was not in the authorization details; "
            "its statements were not evaluated"
            for ref in p.unresolved_policies
        )
    return tuple(lines)


# --------------------------------------------------------------------------- evaluation


def who_can(
    principals: Sequence[Principal],
    checks: Sequence[tuple[str, str]],
    resource_policies: Mapping[str, Sequence[Statement]] | None = None,
    account_id: str | None = None,
    *,
    expand_account_grants: bool = False,
) -> tuple[Grant, ...]:
    """Return one Grant per principal allowed each (action, resource ARN) check.

    `resource_policies` maps the ARN (glob allowed) a policy is attached to onto its statements;
    it is consulted for a check on that ARN or anything beneath it (`/` or `:`). A resource
    policy naming an account delegates to that account's IAM policies, so by default it yields
    one Grant to the account root ARN; `expand_account_grants=True` also grants every scanned
    principal of the account, an over-approximation.
    """
    account = account_id or next(
        (a for p in principals if (a := principal_account(p.arn)) is not None), None
    )
    scanned = {p.arn: p for p in principals}
    policies = resource_policies or {}
    grants: list[Grant] = []
    for action, resource in checks:
        scoped = [s for key, stmts in policies.items() if _in_scope(key, resource) for s in stmts]
        best: dict[str, tuple[Match, Statement, str]] = {}
        for p in principals:
            match, statement = _best_allow(p.statements, action, resource)
            if statement is not None:
                match = min(match, _boundary(p, action, resource))
                _offer(best, p.arn, match, statement, "identity")
        for statement in scoped:
            if statement.effect != "Allow":
                continue
            match = applies(statement, action, resource)
            if match is Match.NO:
                continue
            for key, capped in _grantees(statement, account, scanned, expand_account_grants):
                found = scanned.get(key)
                capped_match = _boundary(found, action, resource) if found and capped else match
                _offer(best, key, min(match, capped_match), statement, "resource")
        for key, (match, statement, via) in best.items():
            denied = _denied(key, scanned.get(key), scoped, action, resource)
            if denied is Match.YES:
                continue
            grants.append(
                Grant(
                    principal=key,
                    action=action,
                    resource=resource,
                    source=statement.source,
                    sid=statement.sid,
                    statement_index=statement.index,
                    # A Deny under a Condition may or may not fire, so it cannot remove the
                    # grant; reporting it as conditional keeps it visible without overstating it.
                    conditional=match is Match.MAYBE or denied is Match.MAYBE,
                    via=via,
                )
            )
    return tuple(grants)


def _in_scope(key: str, resource: str) -> bool:
    if resource == key or resource.startswith((key + "/", key + ":")):
        return True
    if key.endswith(":*") and resource == key[:-2]:
        return True
    return ("*" in key or "?" in key) and glob_match(key, resource)


def _best_allow(
    statements: Iterable[Statement], action: str, resource: str
) -> tuple[Match, Statement | None]:
    best: tuple[Match, Statement | None] = (Match.NO, None)
    for statement in statements:
        if statement.effect != "Allow":
            continue
        match = applies(statement, action, resource)
        if match > best[0]:
            best = (match, statement)
            if match is Match.YES:
                break
    return best


def _boundary(principal: Principal, action: str, resource: str) -> Match:
    if principal.permissions_boundary is None or principal.boundary_statements is None:
        return Match.YES
    return _best_allow(principal.boundary_statements, action, resource)[0]


def _offer(
    best: dict[str, tuple[Match, Statement, str]],
    key: str,
    match: Match,
    statement: Statement,
    via: str,
) -> None:
    # Keep the strongest allow; on a tie the first offered (identity) wins.
    if match is not Match.NO and (key not in best or match > best[key][0]):
        best[key] = (match, statement, via)


def _grantees(
    statement: Statement, account: str | None, scanned: Mapping[str, Principal], expand: bool
) -> list[tuple[str, bool]]:
    """Who a resource-policy Allow grants to, with whether a permissions boundary caps it."""
    if statement.principals is None:
        # NotPrincipal with Allow grants everyone but the listed principals.
        return [("*", False)] if statement.not_principals is not None else []
    out: list[tuple[str, bool]] = []
    for entry in statement.principals:
        # Within one account a boundary does not limit what a resource policy grants to a user
        # ARN, but does limit a grant to a role ARN (IAM User Guide, "Permissions boundaries").
        out.append((entry, entry in scanned and scanned[entry].kind == "role"))
        root_of = _root_account(entry)
        if root_of is not None and expand and root_of == account:
            out.extend((arn, True) for arn in scanned if principal_account(arn) == root_of)
    return out


def _denied(
    key: str,
    principal: Principal | None,
    scoped: Sequence[Statement],
    action: str,
    resource: str,
) -> Match:
    worst = Match.NO
    own: tuple[Statement, ...] = ()
    if principal is not None:
        own = principal.statements + (principal.boundary_statements or ())
    for statement in own:
        if statement.effect == "Deny":
            worst = max(worst, applies(statement, action, resource))
            if worst is Match.YES:
                return worst
    for statement in scoped:
        if statement.effect != "Deny":
            continue
        who = principal_match(statement, key)
        if (
            principal is not None
            and principal.permissions_boundary
            and statement.not_principals is not None
        ):
            # AWS documents that Deny+NotPrincipal always denies a principal with a boundary.
            who = Match.YES
        if who is Match.NO:
            continue
        worst = max(worst, min(who, applies(statement, action, resource)))
        if worst is Match.YES:
            return worst
    return worst
