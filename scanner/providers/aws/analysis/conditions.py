"""Policy Condition blocks: their entries, what counts as a restricting value in the S3 sense of
"public", and deciding an entry for a caller whose identity keys are known.

Sources:
- IAM User Guide, "IAM JSON policy elements: Condition operators"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
  a key absent from the request context makes a condition false, except that negated operators
  (StringNotEquals, ArnNotLike, NotIpAddress ...) are then true, ...IfExists is true and Null
  tests presence.
- IAM User Guide, "Conditions with multiple context keys or values"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html):
  operators and keys are ANDed, values of one key ORed (NORed under a negated operator);
  ForAllValues is true for an absent key, ForAnyValue false.
- Amazon S3 User Guide, "Blocking public access", section "The meaning of 'public'"
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from scanner.providers.aws.analysis.policy_document import (
    Entry,
    Match,
    Statement,
    action_match,
    glob_match,
    resource_match,
)

POSITIVE_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
NEGATED_OPERATORS = frozenset(
    {
        "stringnotequals",
        "stringnotequalsignorecase",
        "stringnotlike",
        "arnnotequals",
        "arnnotlike",
        "notipaddress",
    }
)
_IP_OPERATORS = frozenset({"ipaddress", "notipaddress"})

# The keys "The meaning of 'public'" lists as making a grant non-public when matched against
# fixed values, plus the organization and principal keys IAM Access Analyzer reads the same way.
# aws:username is not one: any account can create a user of that name.
_PUBLIC_RESTRICTING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
    }
)
# ARN keys whose value may hold wildcards and still pin the caller, as long as the account field
# is fixed (the S3 page says so of s3:DataAccessPointArn; the same reasoning holds for the others).
_ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn", "s3:dataaccesspointarn"})
_ORG_PATH_KEYS = frozenset({"aws:sourceorgpaths", "aws:principalorgpaths"})
# "values broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918 private ranges)" are
# public; the page's own example is 0.0.0.0/1.
_MIN_PREFIX = {4: 8, 6: 32}
_RFC1918 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


def narrow_network(value: str) -> bool:
    """Whether a CIDR (or address) is narrow enough for S3 to call a grant to it non-public."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False  # an unparsable range pins nothing we can show
    mapped = network.network_address.ipv4_mapped if network.version == 6 else None
    if mapped is not None and network.prefixlen >= 96:
        # ::ffff:0:0/96 holds every IPv4 address: judge the IPv4 range it stands for.
        network = ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    if network.prefixlen >= _MIN_PREFIX[network.version]:
        return True
    return isinstance(network, ipaddress.IPv4Network) and any(
        network.subnet_of(private) for private in _RFC1918
    )


def _wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def fixed_value(key: str, value: str) -> bool:
    """Whether a condition value is fixed in the S3 sense: no wildcard, no policy variable."""
    if not value or "${" in value:
        return False
    if key == "aws:sourceip":
        return narrow_network(value)
    if not _wildcard(value):
        return True
    if key in _ARN_KEYS:
        parts = value.split(":")
        return len(parts) >= 6 and parts[4].isdigit() and len(parts[4]) == 12
    if key == "aws:userid":
        # "aws:userid, outside the pattern AROLEID:*": a fixed role id with any session name.
        unique_id, _, session = value.partition(":")
        return session == "*" and bool(unique_id) and not _wildcard(unique_id)
    if key in _ORG_PATH_KEYS:
        # o-xxxx/r-xxxx/ou-.../* still names one organization.
        org = value.split("/", 1)[0]
        return org.startswith("o-") and not _wildcard(org) and "/" in value
    return False


def restricting_entry(entry: Entry) -> bool:
    """Whether an entry names its key with fixed values under a matching (IP or string) form."""
    if entry.key not in _PUBLIC_RESTRICTING_KEYS or not entry.values:
        return False
    if (entry.base in _IP_OPERATORS) != (entry.key == "aws:sourceip"):
        return False
    return all(fixed_value(entry.key, v) for v in entry.values)


def restricts_allow(entry: Entry) -> bool:
    """An Allow entry that only holds for callers inside a fixed principal, org or network.

    IfExists and ForAllValues hold when the key is absent (an anonymous caller has no org, no
    VPC endpoint), so they pin nothing.
    """
    return (
        entry.base in POSITIVE_OPERATORS
        and not entry.if_exists
        and entry.qualifier != "forallvalues"
        and restricting_entry(entry)
    )


def excludes_outsiders(entry: Entry) -> bool:
    """A Deny entry that holds for every caller outside a fixed principal, org or network.

    Negated operators hold when the key is absent, and so does their IfExists form; under
    ForAnyValue an absent key makes the entry false, so the Deny would spare anonymous callers.
    """
    return (
        entry.base in NEGATED_OPERATORS
        and entry.qualifier != "foranyvalue"
        and restricting_entry(entry)
    )


# --------------------------------------------------------------------------- known identities

_STRING_BASES = {
    "stringequals": (False, False),
    "stringnotequals": (True, False),
    "stringequalsignorecase": (False, True),
    "stringnotequalsignorecase": (True, True),
    "stringlike": (False, False),
    "stringnotlike": (True, False),
    "arnequals": (False, False),
    "arnlike": (False, False),
    "arnnotequals": (True, False),
    "arnnotlike": (True, False),
    "bool": (False, True),
}
_NEGATED_BASES = frozenset(b for b, (negated, _) in _STRING_BASES.items() if negated)


def _arn_like(pattern: str, value: str) -> bool:
    # ArnLike checks each of the six colon-delimited fields on its own: '*' does not cross ':'.
    wanted, got = pattern.split(":", 5), value.split(":", 5)
    return len(wanted) == len(got) == 6 and all(
        glob_match(w, g) for w, g in zip(wanted, got, strict=True)
    )


def _value_matches(base: str, pattern: str, value: str) -> bool:
    if base.startswith("arn"):
        return _arn_like(pattern, value)
    if base in ("stringequals", "stringnotequals"):
        return pattern == value
    if base.endswith("ignorecase") or base == "bool":
        return pattern.casefold() == value.casefold()
    return glob_match(pattern, value)


def decide_known(entry: Entry, value: str | None) -> Match:
    """Decide an entry whose key is known for the caller: `value`, or None when it is absent.

    MAYBE when the operator is not a string, ARN or Bool comparison, or a value holds a policy
    variable: those are left to the request.
    """
    if entry.base == "null":
        if len(entry.values) != 1 or entry.values[0] not in ("true", "false"):
            return Match.MAYBE
        return Match.YES if (value is None) == (entry.values[0] == "true") else Match.NO
    if entry.base not in _STRING_BASES or any("${" in v for v in entry.values):
        return Match.MAYBE
    if value is None:
        absent_holds = (
            entry.if_exists or entry.qualifier == "forallvalues" or entry.base in _NEGATED_BASES
        )
        if entry.qualifier == "foranyvalue":
            absent_holds = False
        return Match.YES if absent_holds else Match.NO
    negated, _ = _STRING_BASES[entry.base]
    positive = entry.base.replace("not", "", 1) if negated else entry.base
    hit = any(_value_matches(positive, pattern, value) for pattern in entry.values)
    return Match.YES if hit != negated else Match.NO


# Keys whose value the caller picks freely for each request. An entry on one of these never stops
# a determined caller (they just use TLS, or send the header): it holds for an Allow and fails
# for a Deny.
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

# Request-context keys known for a caller: lower-cased key -> value, or None when AWS leaves the
# key out of that caller's requests. Keys not in the mapping depend on the request.
Context = Mapping[str, "str | None"]


def identity_context(arn: str) -> dict[str, str | None]:
    """The identity keys of requests made by `arn` (an IAM user, role or account root ARN).

    From "AWS global condition context keys" (IAM User Guide,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
    aws:PrincipalArn is the user's ARN, or the role's ARN (not the session's) for a role;
    aws:PrincipalType is "User" or "AssumedRole"; aws:username is present for users only;
    aws:PrincipalIsAWSService is "true" for a service principal only. An account root ARN in a
    resource policy stands for any identity of that account, so only aws:PrincipalAccount is
    known for it; "*" knows nothing.
    """
    if arn.startswith("service:"):
        return {"aws:principalisawsservice": "true"}
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[4].isdigit():
        return {}
    account, resource = parts[4], parts[5]
    context: dict[str, str | None] = {
        "aws:principalaccount": account,
        "aws:principalisawsservice": "false",
    }
    if resource.startswith("user/"):
        context |= {
            "aws:principalarn": arn,
            "aws:principaltype": "User",
            "aws:username": resource.rsplit("/", 1)[-1],
        }
    elif resource.startswith("role/"):
        context |= {
            "aws:principalarn": arn,
            "aws:principaltype": "AssumedRole",
            "aws:username": None,
        }
    return context


_PINNING_OPERATORS = frozenset({"stringequals", "stringlike", "arnequals", "arnlike"})


def pins_to_account_identities(statement: Statement, account: str | None) -> bool:
    """Whether a positive aws:PrincipalArn entry limits the statement to IAM users and roles of
    `account`, so that deciding it for each of them covers every caller it can reach."""
    if account is None:
        return False
    for entry in statement.entries:
        if (
            entry.key != "aws:principalarn"
            or entry.base not in _PINNING_OPERATORS
            or entry.if_exists
            or entry.qualifier == "forallvalues"
            or not entry.values
        ):
            continue
        if all(_account_identity(value, account) for value in entry.values):
            return True
    return False


def _account_identity(value: str, account: str) -> bool:
    # The account root and STS sessions are left out: the pattern must name users or roles.
    parts = value.split(":", 5)
    return (
        len(parts) == 6
        and parts[:4] == ["arn", parts[1], "iam", ""]
        and not _wildcard(parts[1])
        and parts[4] == account
        and parts[5].startswith(("user/", "role/"))
        and "${" not in value
    )


def condition_effect(statement: Statement, context: Context | None = None) -> Match:
    """Whether the statement's Condition holds: YES always, NO never, MAYBE per request.

    Entries are ANDed. An entry on a key known in `context` is decided; one on a caller-controlled
    key holds for an Allow and fails for a Deny (the caller picks the value); any other depends
    on the request.
    """
    if not statement.has_condition:
        return Match.YES
    known = context or {}
    result = Match.YES
    for entry in statement.entries:
        if entry.key in known:
            decided = decide_known(entry, known[entry.key])
        elif entry.key in _CALLER_CONTROLLED_KEYS:
            decided = Match.YES if statement.effect == "Allow" else Match.NO
        else:
            decided = Match.MAYBE
        result = min(result, decided)
        if result is Match.NO:
            break
    return result


def applies(
    statement: Statement, action: str, resource: str, context: Context | None = None
) -> Match:
    """Whether the statement covers the action and resource for a caller, ignoring Principal."""
    match = action_match(statement, action)
    if match is Match.NO:
        return match
    match = min(match, resource_match(statement, resource))
    if match is Match.NO:
        return match
    return min(match, condition_effect(statement, context))
