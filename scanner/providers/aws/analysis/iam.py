"""IAM policy evaluation: which principals may perform an action on a resource.

Covers the single-account part of AWS policy evaluation logic: identity policies (inline, managed,
group), permissions boundaries and resource-based policies. SCPs, RCPs and session policies are
not evaluated; `analysis_limits` says so in every report. Documents are parsed and matched in
policy_document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.providers.aws.analysis.conditions import (
    Context,
    applies,
    identity_context,
    pins_to_account_identities,
)
from scanner.providers.aws.analysis.policy_document import (
    Match,
    Statement,
    glob_match,
    load_policy_document,
    parse_policy_document,
    principal_account,
    principal_match,
    root_account,
)

__all__ = [
    "Grant",
    "Principal",
    "analysis_limits",
    "load_policy_document",
    "parse_policy_document",
    "principals_from_authorization_details",
    "who_can",
]

SCP_LIMIT = (
    "Service control policies (SCPs) and resource control policies of AWS Organizations "
    "were not evaluated"
)
_FIXED_LIMITS = (
    SCP_LIMIT,
    "Condition values were evaluated only for the caller's own identity (aws:PrincipalArn, "
    "aws:PrincipalAccount, aws:PrincipalType, aws:username, aws:PrincipalIsAWSService): a "
    "grant or Deny under any other condition key is reported as conditional",
    "Role assumption was not followed: a grant to a role is reported for the role, not for "
    "whoever can assume it",
    "The account root user can perform every action unless a resource policy denies it; "
    "it is not listed per check",
)


# Keys whose value the caller picks freely for each request. A condition made only of these never
# stops a determined caller (they just use TLS, or send the header), so it neither makes an Allow
# conditional nor lets a Deny protect anything.
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
            context = identity_context(p.arn)
            match, statement = _best_allow(p.statements, action, resource, context)
            if statement is not None:
                match = min(match, _boundary(p, action, resource))
                _offer(best, p.arn, match, statement, "identity")
        for statement in scoped:
            if statement.effect != "Allow" or applies(statement, action, resource) is Match.NO:
                continue
            for key, capped in _grantees(statement, account, scanned, expand_account_grants):
                # Conditions on the grantee's own identity are decided per grantee.
                match = applies(statement, action, resource, identity_context(key))
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
    statements: Iterable[Statement], action: str, resource: str, context: Context
) -> tuple[Match, Statement | None]:
    best: tuple[Match, Statement | None] = (Match.NO, None)
    for statement in statements:
        if statement.effect != "Allow":
            continue
        match = applies(statement, action, resource, context)
        if match > best[0]:
            best = (match, statement)
            if match is Match.YES:
                break
    return best


def _boundary(principal: Principal, action: str, resource: str) -> Match:
    if principal.permissions_boundary is None or principal.boundary_statements is None:
        return Match.YES
    context = identity_context(principal.arn)
    return _best_allow(principal.boundary_statements, action, resource, context)[0]


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
        if entry == "*" and pins_to_account_identities(statement, account):
            # "*" under aws:PrincipalArn naming this account's users or roles reaches only
            # them: each scanned principal is decided on its own ARN instead.
            out.extend((arn, False) for arn in scanned)
            continue
        # Within one account a boundary does not limit what a resource policy grants to a user
        # ARN, but does limit a grant to a role ARN (IAM User Guide, "Permissions boundaries").
        out.append((entry, entry in scanned and scanned[entry].kind == "role"))
        root_of = root_account(entry)
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
    """Whether a Deny stops `key`; conditions on its own identity (aws:PrincipalArn ...) are
    decided, so "deny everyone except the break-glass role" denies everyone else outright."""
    worst = Match.NO
    context = identity_context(key)
    own: tuple[Statement, ...] = ()
    if principal is not None:
        own = principal.statements + (principal.boundary_statements or ())
    for statement in own:
        if statement.effect == "Deny":
            worst = max(worst, applies(statement, action, resource, context))
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
        worst = max(worst, min(who, applies(statement, action, resource, context)))
        if worst is Match.YES:
            return worst
    return worst
