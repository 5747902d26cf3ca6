"""Public-exposure checks for log stores: S3 bucket policies and ACLs, CloudWatch Logs policies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.providers.aws.analysis.conditions import (
    NEGATED_OPERATORS,
    POSITIVE_OPERATORS,
    excludes_outsiders,
    restricts_allow,
)
from scanner.providers.aws.analysis.coverage import (
    covers,
    covers_actions,
    covers_resources,
    glob_intersects,
)
from scanner.providers.aws.analysis.policy_document import (
    Entry,
    Match,
    Statement,
    action_match,
    entries,
    parse_policy_document,
    principal_account,
    split_operator,
)

_PUBLIC_GROUPS = {
    "acs.amazonaws.com/groups/global/allusers": "AllUsers (anyone on the internet)",
    "acs.amazonaws.com/groups/global/authenticatedusers": "AuthenticatedUsers (any AWS account)",
}
_BUCKET_ARN = re.compile(r"(arn:[^:]+:s3:::)([^/*?$]+)(?:/.*)?")
# Used when a policy names no bucket of its own: matches only patterns that match any bucket.
_UNNAMED_BUCKET = "arn:aws:s3:::logward-unnamed-bucket"


def restricting_condition(condition: Mapping[str, Any] | Statement) -> bool:
    """True when an Allow's Condition pins the caller to a fixed principal, org or network.

    Follows "The meaning of 'public'" (see conditions.py): fixed values only, aws:SourceIp no
    broader than /8 (IPv4) or /32 (IPv6) unless inside RFC 1918; one such entry suffices because
    the entries of a Condition are ANDed.
    """
    return any(restricts_allow(entry) for entry in entries(condition))


def _excludes_public(deny: Statement) -> bool:
    # A Deny only shuts the public out when every entry holds for an anonymous caller on the
    # internet: one extra ANDed key (aws:SecureTransport false, say) lets HTTPS requests through.
    # A Deny without a Condition denies everyone.
    return all(excludes_outsiders(entry) for entry in deny.entries)


def _denies_everyone(deny: Statement) -> bool:
    # Principal "*", or NotPrincipal (everyone except the few it names, never an anonymous caller).
    if deny.principals is not None:
        return "*" in deny.principals
    return deny.not_principals is not None and "*" not in deny.not_principals


def bucket_arn_of(statements: Sequence[Statement], bucket: str | None) -> str | None:
    """The ARN of the policy's bucket: `bucket` (name or ARN) or the one bucket its statements
    name (a bucket policy may only name its own bucket and its objects); None when unknown."""
    if bucket:
        return bucket if bucket.startswith("arn:") else f"arn:aws:s3:::{bucket}"
    named = {
        found.group(1) + found.group(2)
        for s in statements
        for pattern in (*s.resources, *s.not_resources)
        if (found := _BUCKET_ARN.fullmatch(pattern))
    }
    return named.pop() if len(named) == 1 else None


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


def _covers_allow(deny: Statement, allow: Statement, bucket_arn: str | None) -> bool:
    """Whether the Deny covers every action and resource of the bucket the Allow grants."""
    # NotAction in a bucket policy grants S3 actions only; a Deny must then cover them all.
    if not all(covers_actions(deny, a) for a in allow.actions or ("s3:*",)):
        return False
    # Only the bucket and its objects exist for a bucket policy: the Deny must cover the part of
    # that space the Allow reaches (`*` in an Allow means the bucket and every object).
    space = (bucket_arn, f"{bucket_arn}/*") if bucket_arn else ()
    reached = [
        q
        for q in space
        if allow.not_resources or any(glob_intersects(p, q, False) for p in allow.resources)
    ]
    if reached:
        return all(covers_resources(deny, q) for q in reached)
    return all(covers_resources(deny, p) for p in allow.resources or ("*",))


def _neutralised(allow: Statement, statements: Sequence[Statement], bucket_arn: str | None) -> bool:
    """Whether a Deny on everyone outside a fixed org/account/network covers the whole Allow."""
    return any(
        deny.effect == "Deny"
        and _denies_everyone(deny)
        and _excludes_public(deny)
        and _covers_allow(deny, allow, bucket_arn)
        for deny in statements
    )


def bucket_policy_public(
    doc: Mapping[str, Any] | str, account_id: str | None, bucket: str | None = None
) -> tuple[bool, tuple[str, ...]]:
    """Whether a bucket policy allows anyone ("*") without a restricting condition, and why.

    A Deny on everyone whose every condition entry is a negated fixed restricting key (e.g.
    StringNotEquals aws:PrincipalOrgID), and that covers the same actions and resources, also
    counts as a restriction. `account_id`, when given, is named in the reasons; `bucket` (name or
    ARN) is the bucket the policy is attached to, inferred from the statements when omitted.
    """
    statements = parse_policy_document(doc, "bucket policy")
    bucket_arn = bucket_arn_of(statements, bucket)
    outside = f" outside account {account_id}" if account_id else ""
    reasons = tuple(
        f"{_label(s)} allows {_actions(s)} to any principal{outside} ('*') "
        "without a restricting condition"
        for s in statements
        if s.effect == "Allow"
        and _anyone(s)
        and not restricting_condition(s)
        and not _neutralised(s, statements, bucket_arn)
    )
    return bool(reasons), reasons


def _insecure_transport_condition(condition: Mapping[str, Any]) -> bool:
    # Conditions are ANDed, so any extra key would narrow the Deny: require exactly one key.
    keys = [(op, key, value) for op, body in condition.items() for key, value in body.items()]
    if len(keys) != 1:
        return False
    operator, key, value = keys[0]
    _, base, if_exists = split_operator(operator)
    values = value if isinstance(value, list) else [value]
    if base == "bool" and key.lower() == "aws:securetransport":
        return len(values) == 1 and str(values[0]).lower() == "false"
    # A plain-HTTP request carries no s3:TlsVersion, and a condition on an absent key is false:
    # only the IfExists form also denies HTTP.
    return base == "numericlessthan" and if_exists and key.lower() == "s3:tlsversion"


def denies_insecure_transport(doc: Mapping[str, Any] | str, bucket: str | None = None) -> bool:
    """True when a Deny on "*" covers reads and writes of every object over plain HTTP or old TLS.

    Objects are covered when the Resource globs match every object ARN of the bucket (so
    `arn:aws:s3:::bucket*` does, `arn:aws:s3:::bucket/logs/*` does not), or when no NotResource
    pattern can match one. `bucket` (name or ARN) as in bucket_policy_public.
    """
    statements = parse_policy_document(doc, "bucket policy")
    objects = f"{bucket_arn_of(statements, bucket) or _UNNAMED_BUCKET}/*"
    return any(
        s.effect == "Deny"
        and s.principals is not None
        and "*" in s.principals
        and action_match(s, "s3:GetObject") is Match.YES
        and action_match(s, "s3:PutObject") is Match.YES
        and covers_resources(s, objects)
        and _insecure_transport_condition(s.condition)
        for s in statements
    )


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


# Keys that, matched positively against this account, keep a grant to "*" inside the account:
# the caller's own account, or the account / resource ARN a service acts for. Organization, org
# path and network keys do not: every account of the organization, or anyone behind the network,
# still gets the log group. For service principals, "Enabling logging from AWS services"
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html)
# adds aws:SourceAccount and aws:SourceArn to the delivery policy to prevent the confused-deputy
# problem: without them the service writes on behalf of any account.
_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner"})
_ACCOUNT_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})


def _pins_account(entry: Entry, account_id: str) -> bool:
    """An Allow entry that holds only for callers of (or services acting for) this account."""
    if entry.base not in POSITIVE_OPERATORS or entry.base == "ipaddress":
        return False
    if entry.if_exists or entry.qualifier == "forallvalues":
        return False  # both hold when the key is absent
    return _in_account(entry, account_id)


def _excludes_other_accounts(entry: Entry, account_id: str) -> bool:
    """A Deny entry that holds for every caller outside this account (negated operators hold
    when the key is absent; ForAnyValue does not)."""
    return (
        entry.base in NEGATED_OPERATORS
        and entry.base != "notipaddress"
        and entry.qualifier != "foranyvalue"
        and _in_account(entry, account_id)
    )


def _in_account(entry: Entry, account_id: str) -> bool:
    if not entry.values:
        return False
    if entry.key in _ACCOUNT_KEYS:
        return all(v == account_id for v in entry.values)
    if entry.key in _ACCOUNT_ARN_KEYS:
        # Wildcards elsewhere in the ARN are fine: the account field pins the caller.
        return all(
            len(parts := v.split(":")) >= 6 and parts[4] == account_id and "${" not in v
            for v in entry.values
        )
    return False


def _reaches(statement: Statement, group: str) -> bool:
    # The group itself, or any of its streams (a grant on one stream still shares its events).
    targets = (group, f"{group}:*")
    if statement.not_resources:
        return not all(covers(statement.not_resources, (), t, fold_case=False) for t in targets)
    return any(glob_intersects(p, t, False) for p in statement.resources for t in targets)


def _kept_in_account(
    allow: Statement, statements: Sequence[Statement], group: str, account_id: str
) -> bool:
    """Whether a Deny on everyone outside this account covers the Allow on the group."""
    targets = (group, f"{group}:*")
    return any(
        deny.effect == "Deny"
        and _denies_everyone(deny)
        # A NotPrincipal Deny spares who it names: only this account's principals may be spared.
        and all(principal_account(p) == account_id for p in deny.not_principals or ())
        and all(_excludes_other_accounts(e, account_id) for e in deny.entries)
        and all(covers_actions(deny, a) for a in allow.actions or ("logs:*",))
        and all(covers_resources(deny, t) for t in targets)
        for deny in statements
    )


def log_group_policy_exposure(
    doc: Mapping[str, Any] | str, log_group_arn: str, account_id: str
) -> tuple[str, ...]:
    """Reasons a CloudWatch Logs resource policy shares a log group outside its account.

    Flags each Allow reaching the group (or any of its streams) that names "*" (or uses
    NotPrincipal) without a condition pinning the caller to this account (aws:PrincipalAccount,
    aws:SourceAccount or aws:SourceOwner equal to it, or aws:PrincipalArn / aws:SourceArn in
    it), and each AWS principal of another account, unless a Deny on everyone covering the
    Allow's actions on the group has only entries that exclude other accounts (the negated forms
    of the same keys). aws:PrincipalOrgID, org paths and network keys do not count: they still
    share the group with other accounts. A service principal is flagged under the same rule:
    unpinned, the service acts for any of its customers.
    """
    group = log_group_arn.removesuffix(":*")
    reasons: list[str] = []
    statements = parse_policy_document(doc, "CloudWatch Logs resource policy")
    for s in statements:
        if s.effect != "Allow" or not _reaches(s, group):
            continue
        if _kept_in_account(s, statements, group, account_id):
            continue
        pinned = any(_pins_account(e, account_id) for e in s.entries)
        if _anyone(s) and not pinned:
            reasons.append(
                f"{_label(s)} allows {_actions(s)} on {group} to any principal ('*') "
                f"without a condition pinning the caller to account {account_id}"
            )
        for principal in s.principals or ():
            other = principal_account(principal)
            if other is not None and other != account_id and not pinned:
                reasons.append(
                    f"{_label(s)} allows {_actions(s)} on {group} to {principal} of account {other}"
                )
            elif principal.startswith("service:") and not pinned:
                # Without aws:SourceAccount / aws:SourceArn the service writes here on behalf
                # of any of its customers (the confused-deputy case).
                reasons.append(
                    f"{_label(s)} allows {_actions(s)} on {group} to service "
                    f"{principal.removeprefix('service:')} acting for any account (no "
                    f"aws:SourceAccount or aws:SourceArn condition pinning account {account_id})"
                )
    return tuple(reasons)
