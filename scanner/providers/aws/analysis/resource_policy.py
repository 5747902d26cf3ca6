"""Public-exposure checks for log stores: S3 bucket policies and ACLs, CloudWatch Logs policies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.providers.aws.analysis.policy_document import (
    Match,
    Statement,
    action_match,
    glob_match,
    parse_policy_document,
    principal_account,
    resource_match,
)

# Condition keys that pin a request to a known caller, network or organization when matched
# against a concrete value with a positive operator.
_RESTRICTING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:username",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalorgpaths",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
_ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn", "s3:dataaccesspointarn"})
_POSITIVE_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
_NEGATED_OPERATORS = frozenset(
    {
        "stringnotequals",
        "stringnotequalsignorecase",
        "stringnotlike",
        "arnnotequals",
        "arnnotlike",
        "notipaddress",
    }
)
_OPEN_NETWORKS = frozenset({"0.0.0.0/0", "::/0"})
_PUBLIC_GROUPS = {
    "acs.amazonaws.com/groups/global/allusers": "AllUsers (anyone on the internet)",
    "acs.amazonaws.com/groups/global/authenticatedusers": "AuthenticatedUsers (any AWS account)",
}


def _concrete(key: str, values: Any) -> bool:
    """Whether every value pins the key; a wildcard or an open network does not."""
    items = values if isinstance(values, list) else [values]
    if not items:
        return False
    for item in items:
        value = str(item).strip()
        if not value or value in _OPEN_NETWORKS:
            return False
        if "*" in value or "?" in value:
            # A wildcard ARN still pins the caller when its account field is concrete.
            parts = value.split(":")
            pinned = key in _ARN_KEYS and len(parts) >= 6 and parts[4].isdigit()
            if not pinned:
                return False
    return True


def _split_operator(operator: str) -> tuple[str, str, bool]:
    """Return (set qualifier, base operator, IfExists) of a condition operator, lower-cased."""
    qualifier, _, base = operator.lower().rpartition(":")
    if_exists = base.endswith("ifexists")
    return qualifier, base.removesuffix("ifexists"), if_exists


def restricting_condition(condition: Mapping[str, Any]) -> bool:
    """True when an Allow's Condition pins the caller (org, account, network, ARN) concretely."""
    for operator, body in condition.items():
        qualifier, base, if_exists = _split_operator(operator)
        # IfExists and ForAllValues both pass when the key is absent, so they pin nothing.
        if base not in _POSITIVE_OPERATORS or if_exists or qualifier == "forallvalues":
            continue
        for key, values in body.items():
            if key.lower() in _RESTRICTING_KEYS and _concrete(key.lower(), values):
                return True
    return False


def _deny_restricts(condition: Mapping[str, Any]) -> bool:
    """True when a Deny fires for every caller outside a concretely named org/account/network."""
    for operator, body in condition.items():
        _, base, _ = _split_operator(operator)
        if base not in _NEGATED_OPERATORS:
            continue
        for key, values in body.items():
            if key.lower() in _RESTRICTING_KEYS and _concrete(key.lower(), values):
                return True
    return False


def _anyone(statement: Statement) -> bool:
    # Allow with NotPrincipal grants everyone except the few it lists.
    return statement.not_principals is not None or (
        statement.principals is not None and "*" in statement.principals
    )


def _label(statement: Statement) -> str:
    name = f"'{statement.sid}' " if statement.sid else ""
    return f"Statement {name}(#{statement.index})"


def _actions(statement: Statement) -> str:
    if statement.not_actions:
        return "every action except " + ", ".join(statement.not_actions)
    return ", ".join(statement.actions)


def _covers(outer: tuple[str, ...], inner: tuple[str, ...], *, fold_case: bool) -> bool:
    # Matching the inner pattern text against the outer glob: "s3:*" covers the text "s3:get*".
    return all(any(glob_match(o, i, fold_case=fold_case) for o in outer) for i in inner)


def _neutralised(allow: Statement, statements: Sequence[Statement]) -> bool:
    """Whether a Deny on everyone outside a named org/account/network covers the whole Allow."""
    if allow.not_actions or allow.not_resources:
        return False
    for deny in statements:
        if (
            deny.effect == "Deny"
            and deny.principals is not None
            and "*" in deny.principals
            and not deny.not_actions
            and not deny.not_resources
            and _deny_restricts(deny.condition)
            and _covers(deny.actions, allow.actions, fold_case=True)
            and _covers(deny.resources, allow.resources, fold_case=False)
        ):
            return True
    return False


def bucket_policy_public(
    doc: Mapping[str, Any] | str, account_id: str | None
) -> tuple[bool, tuple[str, ...]]:
    """Whether a bucket policy allows anyone ("*") without a restricting condition, and why.

    A Deny on "*" whose negated condition (e.g. StringNotEquals aws:PrincipalOrgID) covers the
    same actions and resources also counts as a restriction. `account_id`, when given, is named
    in the reasons.
    """
    statements = parse_policy_document(doc, "bucket policy")
    outside = f" outside account {account_id}" if account_id else ""
    reasons = tuple(
        f"{_label(s)} allows {_actions(s)} to any principal{outside} ('*') "
        "without a restricting condition"
        for s in statements
        if s.effect == "Allow"
        and _anyone(s)
        and not restricting_condition(s.condition)
        and not _neutralised(s, statements)
    )
    return bool(reasons), reasons


def _insecure_transport_condition(condition: Mapping[str, Any]) -> bool:
    # Conditions are ANDed, so any extra key would narrow the Deny: require exactly one key.
    keys = [(op, key, value) for op, body in condition.items() for key, value in body.items()]
    if len(keys) != 1:
        return False
    operator, key, value = keys[0]
    _, base, if_exists = _split_operator(operator)
    values = value if isinstance(value, list) else [value]
    if base == "bool" and key.lower() == "aws:securetransport":
        return len(values) == 1 and str(values[0]).lower() == "false"
    # A plain-HTTP request carries no s3:TlsVersion, and a condition on an absent key is false:
    # only the IfExists form also denies HTTP.
    return base == "numericlessthan" and if_exists and key.lower() == "s3:tlsversion"


def _covers_objects(statement: Statement) -> bool:
    def object_pattern(pattern: str) -> bool:
        return pattern == "*" or ("/" in pattern and pattern.endswith("*"))

    if statement.not_resources:
        return not any(object_pattern(p) for p in statement.not_resources)
    return any(object_pattern(p) for p in statement.resources)


def denies_insecure_transport(doc: Mapping[str, Any] | str) -> bool:
    """True when a Deny on "*" covers object reads and writes over plain HTTP or old TLS."""
    for s in parse_policy_document(doc, "bucket policy"):
        if (
            s.effect == "Deny"
            and s.principals is not None
            and "*" in s.principals
            and action_match(s, "s3:GetObject") is Match.YES
            and action_match(s, "s3:PutObject") is Match.YES
            and _covers_objects(s)
            and _insecure_transport_condition(s.condition)
        ):
            return True
    return False


def acl_public(grants: Sequence[Mapping[str, Any]]) -> tuple[bool, tuple[str, ...]]:
    """Whether S3 GetBucketAcl grants reach AllUsers or AuthenticatedUsers, and why."""
    reasons: list[str] = []
    for index, grant in enumerate(grants):
        if not isinstance(grant, Mapping):
            raise ValueError(f"bucket ACL grant {index} must be an object")
        grantee = grant.get("Grantee") or {}
        if not isinstance(grantee, Mapping):
            raise ValueError(f"bucket ACL grant {index}: 'Grantee' must be an object")
        uri = str(grantee.get("URI") or "").lower()
        uri = uri.removeprefix("http://").removeprefix("https://")
        if grantee.get("Type", "Group") == "Group" and uri in _PUBLIC_GROUPS:
            permission = grant.get("Permission", "an unknown permission")
            reasons.append(f"ACL grants {permission} to {_PUBLIC_GROUPS[uri]}")
    return bool(reasons), tuple(reasons)


def log_group_policy_exposure(
    doc: Mapping[str, Any] | str, log_group_arn: str, account_id: str
) -> tuple[str, ...]:
    """Reasons a CloudWatch Logs resource policy exposes a log group outside its account.

    Flags each Allow covering the group (or its streams) that names "*" without a restricting
    condition, or an AWS principal of another account. Service principals are not flagged.
    """
    group = log_group_arn.removesuffix(":*")
    targets = (group, f"{group}:*", f"{group}:log-stream:*")
    reasons: list[str] = []
    for s in parse_policy_document(doc, "CloudWatch Logs resource policy"):
        if s.effect != "Allow" or all(resource_match(s, t) is Match.NO for t in targets):
            continue
        if _anyone(s) and not restricting_condition(s.condition):
            reasons.append(
                f"{_label(s)} allows {_actions(s)} on {group} to any principal ('*') "
                "without a restricting condition"
            )
        for principal in s.principals or ():
            other = principal_account(principal)
            if other is not None and other != account_id:
                reasons.append(
                    f"{_label(s)} allows {_actions(s)} on {group} to {principal} of account {other}"
                )
    return tuple(reasons)
