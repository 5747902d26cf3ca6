"""Filter-pattern parsing and coverage, run against real-world variants of every CIS pattern."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest

from scanner.providers.aws.analysis.cis_patterns import BENCHMARK, CIS_PATTERNS
from scanner.providers.aws.analysis.filter_pattern import (
    MAX_CONJUNCTS,
    And,
    Atom,
    Expr,
    FilterPatternError,
    JsonPattern,
    Kind,
    Op,
    OpaquePattern,
    Or,
    PatternTooComplexError,
    check,
    covers,
    explain,
    parse,
    to_dnf,
)


def cis(slug: str) -> str:
    """The published v3.0.0 pattern for ``slug``."""
    return CIS_PATTERNS[slug].pattern


# Event names spelled out independently of cis_patterns.py, so a typo there fails a test.
OR_LIST_CONTROLS: dict[str, tuple[str, ...]] = {
    "iam-policy-changes": (
        "DeleteGroupPolicy",
        "DeleteRolePolicy",
        "DeleteUserPolicy",
        "PutGroupPolicy",
        "PutRolePolicy",
        "PutUserPolicy",
        "CreatePolicy",
        "DeletePolicy",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
    ),
    "cloudtrail-changes": (
        "CreateTrail",
        "UpdateTrail",
        "DeleteTrail",
        "StartLogging",
        "StopLogging",
    ),
    "security-group-changes": (
        "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
        "CreateSecurityGroup",
        "DeleteSecurityGroup",
    ),
    "nacl-changes": (
        "CreateNetworkAcl",
        "CreateNetworkAclEntry",
        "DeleteNetworkAcl",
        "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry",
        "ReplaceNetworkAclAssociation",
    ),
    "network-gateway-changes": (
        "CreateCustomerGateway",
        "DeleteCustomerGateway",
        "AttachInternetGateway",
        "CreateInternetGateway",
        "DeleteInternetGateway",
        "DetachInternetGateway",
    ),
    "route-table-changes": (
        "CreateRoute",
        "CreateRouteTable",
        "ReplaceRoute",
        "ReplaceRouteTableAssociation",
        "DeleteRouteTable",
        "DeleteRoute",
        "DisassociateRouteTable",
    ),
    "vpc-changes": (
        "CreateVpc",
        "DeleteVpc",
        "ModifyVpcAttribute",
        "AcceptVpcPeeringConnection",
        "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection",
        "RejectVpcPeeringConnection",
        "AttachClassicLinkVpc",
        "DetachClassicLinkVpc",
        "DisableVpcClassicLink",
        "EnableVpcClassicLink",
    ),
}

# A wildcard that real filters use to catch a whole family of event names.
FAMILY_WILDCARD = {
    "iam-policy-changes": "*Policy*",
    "cloudtrail-changes": None,
    "security-group-changes": "*SecurityGroup*",
    "nacl-changes": "*NetworkAcl*",
    "network-gateway-changes": "*Gateway",
    "route-table-changes": "*Route*",
    "vpc-changes": "*Vpc*",
}

SOURCE_CONTROLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cmk-disable-or-deletion": ("kms.amazonaws.com", ("DisableKey", "ScheduleKeyDeletion")),
    "s3-bucket-policy-changes": (
        "s3.amazonaws.com",
        (
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketCors",
            "PutBucketLifecycle",
            "PutBucketReplication",
            "DeleteBucketPolicy",
            "DeleteBucketCors",
            "DeleteBucketLifecycle",
            "DeleteBucketReplication",
        ),
    ),
    "config-changes": (
        "config.amazonaws.com",
        (
            "StopConfigurationRecorder",
            "DeleteDeliveryChannel",
            "PutDeliveryChannel",
            "PutConfigurationRecorder",
        ),
    ),
    "organizations-changes": (
        "organizations.amazonaws.com",
        (
            "AcceptHandshake",
            "AttachPolicy",
            "CreateAccount",
            "CreateOrganizationalUnit",
            "CreatePolicy",
            "DeclineHandshake",
            "DeleteOrganization",
            "DeleteOrganizationalUnit",
            "DeletePolicy",
            "DetachPolicy",
            "DisablePolicyType",
            "EnablePolicyType",
            "InviteAccountToOrganization",
            "LeaveOrganization",
            "MoveAccount",
            "RemoveAccountFromOrganization",
            "UpdatePolicy",
            "UpdateOrganizationalUnit",
        ),
    ),
}


def ors(
    names: tuple[str, ...] | list[str], fmt: str = "($.eventName = {})", sep: str = " || "
) -> str:
    """Join one formatted term per event name with ``sep``."""
    return sep.join(fmt.format(name) for name in names)


def or_list_variants(slug: str, names: tuple[str, ...]) -> list[object]:
    """Rewrites of an OR-of-event-names control, each with whether it must still cover."""
    required = cis(slug)
    source = "iam.amazonaws.com" if slug == "iam-policy-changes" else "ec2.amazonaws.com"
    if slug == "cloudtrail-changes":
        source = "cloudtrail.amazonaws.com"
    variants: list[tuple[str, str, bool]] = [
        ("exact", required, True),
        ("spaced", "{ " + ors(names) + " }", True),
        ("compact", "{" + ors(names, "($.eventName={})", "||") + "}", True),
        ("security-hub-style", "{" + ors(names, "($.eventName={})") + "}", True),
        ("quoted", "{ " + ors(names, '($.eventName = "{}")') + " }", True),
        ("no-parentheses", "{ " + ors(names, "$.eventName = {}") + " }", True),
        ("newlines", "{\n  " + ors(names, "($.eventName = {})", "\n  || ") + "\n}", True),
        ("reversed", "{ " + ors(list(reversed(names))) + " }", True),
        ("redundant-parentheses", "{ ((" + ors(names, "(($.eventName = {}))") + ")) }", True),
        ("extra-or-term", "{ " + ors(names) + " || ($.eventName = ConsoleLogin) }", True),
        ("missing-first", "{ " + ors(names[1:]) + " }", False),
        ("missing-last", "{ " + ors(names[:-1]) + " }", False),
        (
            "extra-and-restriction",
            "{ ($.eventSource = " + source + ") && (" + ors(names) + ") }",
            False,
        ),
        ("different-field", "{ " + ors(names, "($.eventname = {})") + " }", False),
        (
            "case-changed-name",
            "{ " + ors((names[0].lower(), *names[1:])) + " }",
            False,
        ),
        ("prefix-only", "{ $.eventName = " + names[0][:3] + "* }", False),
    ]
    wildcard = FAMILY_WILDCARD[slug]
    if wildcard is not None:
        variants.append(("family-wildcard", '{ $.eventName = "' + wildcard + '" }', True))
    return [
        pytest.param(actual, required, expected, id=f"{slug}-{name}")
        for name, actual, expected in variants
    ]


def source_variants(slug: str, source: str, names: tuple[str, ...]) -> list[object]:
    """Rewrites of an eventSource-and-names control, each with whether it must still cover."""
    required = cis(slug)
    src = f"($.eventSource = {source})"
    distributed = " || ".join(f"({src} && ($.eventName = {name}))" for name in names)
    variants: list[tuple[str, str, bool]] = [
        ("exact", required, True),
        (
            "compact",
            "{" + src.replace(" ", "") + "&&(" + ors(names, "($.eventName={})", "||") + ")}",
            True,
        ),
        (
            "quoted",
            '{ ($.eventSource = "'
            + source
            + '") && ('
            + ors(names, '($.eventName = "{}")')
            + ") }",
            True,
        ),
        ("reversed", "{ (" + ors(list(reversed(names))) + ") && " + src + " }", True),
        ("distributed", "{ " + distributed + " }", True),
        ("without-event-source", "{ " + ors(names) + " }", True),
        (
            "any-amazonaws-source",
            '{ ($.eventSource = "*.amazonaws.com") && (' + ors(names) + ") }",
            True,
        ),
        ("missing-name", "{ " + src + " && (" + ors(names[1:]) + ") }", False),
        ("wrong-source", "{ ($.eventSource = ec2.amazon.com) && (" + ors(names) + ") }", False),
        (
            "precedence-mistake",
            "{ " + src + " && " + ors(names) + " }",
            # Without the group the source applies to the first name only: broader, so covers.
            True,
        ),
        ("source-only", "{ " + src + " }", True),
    ]
    return [
        pytest.param(actual, required, expected, id=f"{slug}-{name}")
        for name, actual, expected in variants
    ]


UNAUTHORIZED_V12 = '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}'
MFA_SSO = CIS_PATTERNS["console-signin-without-mfa"].alternatives[0]

HAND_WRITTEN = [
    # 4.1 unauthorized API calls.
    pytest.param(
        '{($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && '
        '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket")}',
        cis("unauthorized-api-calls"),
        True,
        id="4.1-respaced",
    ),
    pytest.param(
        "{ ($.errorCode = *UnauthorizedOperation) || (($.errorCode = AccessDenied*) && "
        "($.sourceIPAddress != delivery.logs.amazonaws.com) && ($.eventName != HeadBucket)) }",
        cis("unauthorized-api-calls"),
        True,
        id="4.1-explicit-grouping-unquoted",
    ),
    pytest.param(
        '{ ($.eventName!="HeadBucket") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && '
        '($.errorCode="AccessDenied*") || ($.errorCode="*UnauthorizedOperation") }',
        cis("unauthorized-api-calls"),
        True,
        id="4.1-reordered",
    ),
    pytest.param(
        UNAUTHORIZED_V12, cis("unauthorized-api-calls"), True, id="4.1-v1.2-security-hub-covers-v3"
    ),
    pytest.param(
        cis("unauthorized-api-calls"), UNAUTHORIZED_V12, False, id="4.1-v3-does-not-cover-v1.2"
    ),
    pytest.param(
        # All-|| text in Prowler's cis_3.0_aws.json: broader than v3.0.0, so it covers.
        "{ ($.errorCode = *UnauthorizedOperation) || ($.errorCode = AccessDenied*) || "
        "($.sourceIPAddress!=delivery.logs.amazonaws.com) || ($.eventName!=HeadBucket) }",
        cis("unauthorized-api-calls"),
        True,
        id="4.1-all-or-variant",
    ),
    pytest.param(
        # nozaq/terraform-aws-secure-baseline groups the two error codes, which also excludes
        # UnauthorizedOperation events from delivery.logs.amazonaws.com.
        '{(($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && '
        '(($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket"))}',
        cis("unauthorized-api-calls"),
        False,
        id="4.1-nozaq-grouped-narrower",
    ),
    pytest.param(
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || '
        '($.sourceIPAddress != "AWS Internal") }',
        cis("unauthorized-api-calls"),
        True,
        id="4.1-terraform-extra-or",
    ),
    pytest.param(
        '{ ($.errorCode = "*UnauthorizedAccess*") || ($.errorCode = "AccessDenied*") }',
        cis("unauthorized-api-calls"),
        False,
        id="4.1-cloud-audit-wrong-code",
    ),
    pytest.param(
        '{($.errorCode="UnauthorizedOperation") || ($.errorCode="AccessDenied")}',
        cis("unauthorized-api-calls"),
        False,
        id="4.1-no-wildcards",
    ),
    pytest.param(
        '{ ($.errorCode = "*Unauthorized*") || ($.errorCode = "Access*") }',
        cis("unauthorized-api-calls"),
        True,
        id="4.1-broader-wildcards",
    ),
    pytest.param(
        '{ $.errorCode = "AccessDenied*" }',
        cis("unauthorized-api-calls"),
        False,
        id="4.1-missing-unauthorized-operation",
    ),
    pytest.param(
        '{ $.errorCode = "*" }', cis("unauthorized-api-calls"), True, id="4.1-any-error-code"
    ),
    # 4.2 console sign-in without MFA.
    pytest.param(
        '{($.eventName="ConsoleLogin") && ($.additionalEventData.MFAUsed !="Yes")}',
        cis("console-signin-without-mfa"),
        True,
        id="4.2-compact",
    ),
    pytest.param(
        "{ $.additionalEventData.MFAUsed != Yes && $.eventName = ConsoleLogin }",
        cis("console-signin-without-mfa"),
        True,
        id="4.2-reordered-unquoted",
    ),
    pytest.param(MFA_SSO, cis("console-signin-without-mfa"), False, id="4.2-sso-variant-narrower"),
    pytest.param(MFA_SSO, MFA_SSO, True, id="4.2-sso-variant-is-accepted-alternative"),
    pytest.param(cis("console-signin-without-mfa"), MFA_SSO, True, id="4.2-base-covers-sso"),
    pytest.param(
        # CIS v1.0.0/v1.1.0 3.2, e.g. the 2016 chalfant gist: other fields entirely.
        '{ $.userIdentity.sessionContext.attributes.mfaAuthenticated != "true" && '
        '$.userIdentity.invokedBy = "signin.amazonaws.com" }',
        cis("console-signin-without-mfa"),
        False,
        id="4.2-cis-1.0-variant",
    ),
    pytest.param(
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "No") }',
        cis("console-signin-without-mfa"),
        False,
        id="4.2-equals-no-is-narrower",
    ),
    pytest.param(
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "yes") }',
        cis("console-signin-without-mfa"),
        False,
        id="4.2-case-of-yes",
    ),
    # 4.3 root usage.
    pytest.param(
        # Landing Zone Accelerator sample configuration.
        '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && '
        '$.eventType !="AwsServiceEvent"}',
        cis("root-usage"),
        True,
        id="4.3-lza-compact",
    ),
    pytest.param(
        "{ ($.eventType != AwsServiceEvent) && ($.userIdentity.invokedBy NOT EXISTS) && "
        "($.userIdentity.type = Root) }",
        cis("root-usage"),
        True,
        id="4.3-reordered-parenthesised",
    ),
    pytest.param(
        '{ $.userIdentity.type = "Root" }',
        cis("root-usage"),
        True,
        id="4.3-fewer-conditions-broader",
    ),
    pytest.param(
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
        '$.eventType != "AwsServiceEvent" && $.sourceIPAddress != "10.0.0.1" }',
        cis("root-usage"),
        False,
        id="4.3-extra-and",
    ),
    pytest.param(
        '{ $.userIdentity.type = "root" && $.userIdentity.invokedBy NOT EXISTS && '
        '$.eventType != "AwsServiceEvent" }',
        cis("root-usage"),
        False,
        id="4.3-lowercase-root",
    ),
    pytest.param(
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy IS NULL && '
        '$.eventType != "AwsServiceEvent" }',
        cis("root-usage"),
        False,
        id="4.3-is-null-is-not-not-exists",
    ),
    # 4.6 console authentication failures.
    pytest.param(
        '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
        cis("console-auth-failures"),
        True,
        id="4.6-security-hub-style",
    ),
    pytest.param(
        '{ $.errorMessage = "Failed authentication" && $.eventName = "ConsoleLogin" }',
        cis("console-auth-failures"),
        True,
        id="4.6-reordered",
    ),
    pytest.param(
        '{ $.errorMessage = "Failed*" }',
        cis("console-auth-failures"),
        True,
        id="4.6-broader-wildcard",
    ),
    pytest.param(
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") && '
        '($.userIdentity.type = "IAMUser") }',
        cis("console-auth-failures"),
        False,
        id="4.6-extra-and",
    ),
    pytest.param(
        "{ ($.eventName = ConsoleLogin) && ($.errorMessage = Failed) }",
        cis("console-auth-failures"),
        False,
        id="4.6-truncated-message",
    ),
    # 4.13: the audit step as Prowler transcribes it narrows only CreateRoute.
    pytest.param(
        CIS_PATTERNS["route-table-changes"].alternatives[0],
        cis("route-table-changes"),
        False,
        id="4.13-audit-variant-narrower",
    ),
    pytest.param(
        cis("route-table-changes"),
        CIS_PATTERNS["route-table-changes"].alternatives[0],
        True,
        id="4.13-remediation-covers-audit-variant",
    ),
    # 4.15 from nozaq/terraform-aws-secure-baseline (odd spacing around two '=').
    pytest.param(
        cis("organizations-changes")
        .replace('($.eventName = "CreatePolicy")', '($.eventName= "CreatePolicy")')
        .replace(
            '($.eventName = "UpdateOrganizationalUnit")',
            '($.eventName ="UpdateOrganizationalUnit")',
        ),
        cis("organizations-changes"),
        True,
        id="4.15-nozaq-spacing",
    ),
    # Security Hub's unspaced text for 4.7 (CloudWatch.7).
    pytest.param(
        "{($.eventSource=kms.amazonaws.com) && "
        "(($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}",
        cis("cmk-disable-or-deletion"),
        True,
        id="4.7-security-hub-style",
    ),
]

COVER_CASES = [
    *(case for slug, names in OR_LIST_CONTROLS.items() for case in or_list_variants(slug, names)),
    *(
        case
        for slug, (source, names) in SOURCE_CONTROLS.items()
        for case in source_variants(slug, source, names)
    ),
    *HAND_WRITTEN,
]


@pytest.mark.parametrize(("actual", "required", "expected"), COVER_CASES)
def test_covers(actual: str, required: str, expected: bool) -> None:
    result = check(actual, required)
    assert result.covered is expected, result.reason
    assert (result.reason is None) is expected


@pytest.mark.parametrize(
    ("actual", "required", "expected"),
    [
        pytest.param(
            "{ $.a = 1 || $.b = 2 && $.c = 3 }", "{ $.a = 1 }", True, id="and-binds-tighter"
        ),
        pytest.param("{ ($.a = 1 || $.b = 2) && $.c = 3 }", "{ $.a = 1 }", False, id="grouped-or"),
        pytest.param(
            "{ $.a = 1 || $.b = 2 && $.c = 3 }",
            "{ ($.b = 2 && $.c = 3) || ($.a = 1) }",
            True,
            id="implicit-equals-explicit",
        ),
        pytest.param(
            "{ ($.b = 2 && $.c = 3) || ($.a = 1) }",
            "{ $.a = 1 || $.b = 2 && $.c = 3 }",
            True,
            id="explicit-equals-implicit",
        ),
        pytest.param("{ $.a = 1 || $.b = 2 && $.c = 3 }", "{ $.b = 2 }", False, id="or-not-and"),
        pytest.param(
            '{ $.x = "a" && $.y = "b" }', "{ $.y = b && $.x = a }", True, id="and-commutes"
        ),
        pytest.param(
            "{ $.x = a || $.x = b }",
            "{ $.x = a && $.y = c }",
            True,
            id="narrower-required-conjunct",
        ),
    ],
)
def test_precedence(actual: str, required: str, expected: bool) -> None:
    assert covers(actual, required) is expected


@pytest.mark.parametrize(
    ("actual", "required", "expected"),
    [
        pytest.param(
            '{ $.e = "AccessDenied*" }',
            '{ $.e = "AccessDeniedException" }',
            True,
            id="prefix-covers-exact",
        ),
        pytest.param(
            '{ $.e = "AccessDenied*" }', '{ $.e = "AccessDenied" }', True, id="star-matches-empty"
        ),
        pytest.param('{ $.e = "Access*" }', '{ $.e = "AccessDenied*" }', True, id="shorter-prefix"),
        pytest.param(
            '{ $.e = "*Denied*" }', '{ $.e = "AccessDenied*" }', True, id="contains-covers-prefix"
        ),
        pytest.param(
            '{ $.e = "*Exception" }', '{ $.e = "AccessDenied*" }', False, id="suffix-not-prefix"
        ),
        pytest.param('{ $.e = "Cr*" }', '{ $.e = "*Create" }', False, id="prefix-not-suffix"),
        pytest.param('{ $.e = "*rail" }', '{ $.e = "Trail*" }', False, id="suffix-of-prefix"),
        pytest.param('{ $.e = "*Trail*" }', '{ $.e = "*Trail" }', True, id="contains-of-suffix"),
        pytest.param('{ $.e = "Ev*ent" }', '{ $.e = "Event" }', False, id="interior-star-opaque"),
        pytest.param('{ $.e = "Ev*ent" }', '{ $.e = "Ev*ent" }', True, id="interior-star-self"),
        pytest.param('{ $.e = "*" }', '{ $.e = "Ev*ent" }', True, id="star-covers-anything"),
        pytest.param('{ $.e != "HeadBucket" }', '{ $.e = "PutObject" }', True, id="eq-implies-ne"),
        pytest.param('{ $.e != "Put*" }', '{ $.e = "PutObject" }', False, id="eq-in-ne-glob"),
        pytest.param('{ $.e != "Head*" }', '{ $.e = "Put*" }', True, id="disjoint-prefixes"),
        pytest.param('{ $.e != "HeadBucket" }', '{ $.e != "Head*" }', True, id="ne-narrower"),
        pytest.param('{ $.e != "Head*" }', '{ $.e != "HeadBucket" }', False, id="ne-broader"),
        pytest.param("{ $.latency > 100 }", "{ $.latency > 500 }", True, id="gt-wider"),
        pytest.param("{ $.latency > 500 }", "{ $.latency > 100 }", False, id="gt-narrower"),
        pytest.param("{ $.latency >= 500 }", "{ $.latency = 500 }", True, id="ge-covers-eq"),
        pytest.param("{ $.latency > 500 }", "{ $.latency = 500 }", False, id="gt-excludes-eq"),
        pytest.param("{ $.x < 10 }", "{ $.x <= 5 }", True, id="lt-covers-le"),
        pytest.param("{ $.code != 500 }", "{ $.code = 400 }", True, id="number-ne"),
        pytest.param("{ $.code != 400 }", "{ $.code = 400 }", False, id="number-ne-same"),
        pytest.param("{ $.x != 7 }", "{ $.x > 10 }", True, id="ne-outside-interval"),
        pytest.param("{ $.n = 1.0 }", "{ $.n = 1 }", True, id="numeric-equality"),
        pytest.param("{ $.n = +1e0 }", "{ $.n = 1 }", True, id="scientific-notation"),
        pytest.param('{ $.n = "1" }', "{ $.n = 1 }", False, id="string-is-not-number"),
        pytest.param("{ $.e = %Create.*% }", "{ $.e = %Create.*% }", True, id="regex-self"),
        pytest.param("{ $.e = %Create.*% }", "{ $.e = CreateTrail }", False, id="regex-opaque"),
        pytest.param("{ $.f IS TRUE }", "{ $.f IS TRUE }", True, id="is-true"),
        pytest.param("{ $.f IS FALSE }", "{ $.f IS TRUE }", False, id="is-false"),
        pytest.param("{ $.f is null }", "{ $.f IS NULL }", True, id="keywords-case-insensitive"),
        pytest.param(
            "{ $.list[0] = a }", "{ $.list[0] = a && $.list[1] = b }", True, id="array-selector"
        ),
        pytest.param("{ $.list[1] = a }", "{ $.list[0] = a }", False, id="other-index"),
        pytest.param(
            "{ $.e = 'ConsoleLogin' }",
            "{ $.e = ConsoleLogin }",
            False,
            id="single-quotes-are-literal",
        ),
    ],
)
def test_atom_semantics(actual: str, required: str, expected: bool) -> None:
    assert covers(actual, required) is expected


def test_quoted_and_bare_values_parse_to_the_same_atom() -> None:
    quoted, bare = parse('{ $.eventName = "CreateTrail" }'), parse("{$.eventName=CreateTrail}")
    assert isinstance(quoted, JsonPattern) and isinstance(bare, JsonPattern)
    assert quoted.expr == bare.expr == Atom("$.eventName", Op.EQ, "CreateTrail", Kind.STRING)


def test_and_binds_tighter_than_or_in_the_tree() -> None:
    parsed = parse("{ $.a = 1 || $.b = x && $.c NOT EXISTS }")
    assert isinstance(parsed, JsonPattern)
    a = Atom("$.a", Op.EQ, "1", Kind.NUMBER)
    b = Atom("$.b", Op.EQ, "x", Kind.STRING)
    c = Atom("$.c", Op.NOT_EXISTS)
    assert parsed.expr == Or((a, And((b, c))))


def test_cloudwatch_documentation_example_precedence() -> None:
    # The docs say this matches their sample event: && is evaluated before ||.
    parsed = parse(
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && '
        "$.actions[2] = nomatch }"
    )
    assert isinstance(parsed, JsonPattern)
    assert isinstance(parsed.expr, Or)
    assert len(to_dnf(parsed.expr)) == 2


def test_quoted_value_keeps_escaped_quote() -> None:
    parsed = parse(r'{ $.msg = "say \"hi\"" }')
    assert isinstance(parsed, JsonPattern)
    assert parsed.expr == Atom("$.msg", Op.EQ, 'say "hi"', Kind.STRING)
    assert str(parsed.expr) == r'$.msg = "say \"hi\""'


@pytest.mark.parametrize(
    ("pattern", "position"),
    [
        pytest.param('{ $.a = "x" ', 12, id="missing-closing-brace"),
        pytest.param("{ ($.a = x }", 11, id="unclosed-parenthesis"),
        pytest.param("{ $.a = x) }", 9, id="stray-closing-parenthesis"),
        pytest.param("{ $.a x }", 6, id="missing-operator"),
        pytest.param("{ a = b }", 2, id="selector-without-dollar"),
        pytest.param("{}", 1, id="empty-json"),
        pytest.param('{ $.a = "x }', 8, id="unterminated-string"),
        pytest.param("{ $.a > abc }", 8, id="comparison-needs-number"),
        pytest.param("{ $.a = b && }", 13, id="dangling-and"),
        pytest.param("{ $.a = b || || $.c = d }", 13, id="double-or"),
        pytest.param("{ $.a == b }", 7, id="double-equals"),
        pytest.param("{ $.a = b & $.c = d }", 10, id="single-ampersand"),
        pytest.param("{ $.a = }", 8, id="missing-value"),
        pytest.param("{ $. = b }", 2, id="empty-selector-name"),
        pytest.param("{ $.a IS MAYBE }", 9, id="bad-is-keyword"),
        pytest.param("{ $.a = %abc }", 8, id="unterminated-regex"),
        pytest.param("{ $.a = b } && { $.c = d }", 10, id="two-json-blocks"),
        pytest.param(
            # CIS v3.0.0 4.2 "additional information" prints this with a ')' missing.
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
            '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success"}',
            161,
            id="cis-4.2-typo-missing-parenthesis",
        ),
    ],
)
def test_malformed_patterns_raise_with_position(pattern: str, position: int) -> None:
    with pytest.raises(FilterPatternError) as caught:
        parse(pattern)
    assert caught.value.position == position
    assert caught.value.pattern == pattern
    assert f"position {position}" in str(caught.value)
    with pytest.raises(FilterPatternError):
        covers(pattern, cis("root-usage"))


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(FilterPatternError, match="nested too deeply"):
        parse("{ " + "(" * 500 + "$.a = b" + ")" * 500 + " }")


@pytest.mark.parametrize(
    "actual",
    [
        pytest.param("ERROR", id="term"),
        pytest.param("?ERROR ?WARN", id="or-terms"),
        pytest.param('"AccessDenied" "UnauthorizedOperation"', id="quoted-terms"),
        pytest.param(
            "[ip, user, username, timestamp, request, status_code = 4*, bytes]",
            id="space-delimited",
        ),
        pytest.param("%AccessDenied%", id="regex"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param('"{ $.errorCode = AccessDenied* }"', id="json-wrapped-in-quotes"),
    ],
)
def test_plain_text_patterns_never_cover_json(actual: str) -> None:
    assert isinstance(parse(actual), OpaquePattern)
    for slug in CIS_PATTERNS:
        assert not covers(actual, cis(slug))
    reason = explain(actual, cis("root-usage"))
    assert reason is not None and reason.startswith("the actual pattern is")


def test_opaque_required_pattern_is_covered_only_by_identical_text() -> None:
    assert covers(" ERROR ", "ERROR")
    assert not covers("ERROR Exception", "ERROR")
    assert not covers('{ $.level = "ERROR" }', "ERROR")


def test_explain_names_the_missing_event() -> None:
    names = OR_LIST_CONTROLS["cloudtrail-changes"]
    reason = explain("{ " + ors(names[:-1]) + " }", cis("cloudtrail-changes"))
    assert reason is not None
    assert '$.eventName = "StopLogging"' in reason
    assert reason.count(".") >= 1 and "\n" not in reason


def test_explain_names_the_extra_restriction() -> None:
    actual = (
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") && '
        '($.userIdentity.type = "IAMUser") }'
    )
    reason = explain(actual, cis("console-auth-failures"))
    assert reason is not None
    assert '$.userIdentity.type = "IAMUser"' in reason
    assert "also requires" in reason


def test_explain_for_the_nozaq_unauthorized_variant() -> None:
    actual = (
        '{(($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && '
        '(($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket"))}'
    )
    reason = explain(actual, cis("unauthorized-api-calls"))
    assert reason is not None
    assert '$.errorCode = "*UnauthorizedOperation"' in reason
    assert "HeadBucket" in reason


def test_explain_prefers_the_alternative_that_nearly_matches() -> None:
    route = CIS_PATTERNS["route-table-changes"]
    reason = explain(route.alternatives[0], route.pattern)
    assert reason == (
        'events where $.eventName = "CreateRoute" are not matched, because the closest '
        'alternative of the actual pattern also requires $.eventSource = "ec2.amazonaws.com"'
    )


def test_explain_is_none_when_covered() -> None:
    assert explain(UNAUTHORIZED_V12, cis("unauthorized-api-calls")) is None


def explosive_pattern(pairs: int) -> str:
    """``pairs`` ANDed two-way ORs, which expand to 2**pairs alternatives."""
    return "{ " + " && ".join(f"($.a{i} = x || $.b{i} = y)" for i in range(pairs)) + " }"


def test_dnf_cap_fails_safe() -> None:
    pairs = MAX_CONJUNCTS.bit_length()  # 2**pairs > MAX_CONJUNCTS
    parsed = parse(explosive_pattern(pairs))
    assert isinstance(parsed, JsonPattern)
    with pytest.raises(PatternTooComplexError):
        to_dnf(parsed.expr)
    assert not covers(explosive_pattern(pairs), explosive_pattern(pairs))
    reason = explain("{ $.a0 = x }", explosive_pattern(pairs))
    assert reason is not None and "too complex" in reason
    assert covers(explosive_pattern(pairs - 1), explosive_pattern(pairs - 1))


def test_large_actual_pattern_is_compared_without_expanding_it() -> None:
    pairs = MAX_CONJUNCTS.bit_length() + 4
    every_a = "{ " + " && ".join(f"$.a{i} = x" for i in range(pairs)) + " }"
    assert covers(explosive_pattern(pairs), every_a)
    reason = explain(explosive_pattern(pairs), "{ $.a0 = x }")
    assert reason is not None and "no alternative" in reason


# --------------------------------------------------------------------------------------------
# The CIS table


def test_cis_table_has_controls_4_1_to_4_15() -> None:
    assert [p.control for p in CIS_PATTERNS.values()] == [f"4.{n}" for n in range(1, 16)]
    assert "v3.0.0" in BENCHMARK
    for slug, pattern in CIS_PATTERNS.items():
        assert pattern.slug == slug
        assert pattern.accepted[0] == pattern.pattern


def test_cis_security_hub_ids() -> None:
    hub = {p.control: p.security_hub for p in CIS_PATTERNS.values()}
    assert hub["4.1"] == "CloudWatch.2"
    assert hub["4.2"] == "CloudWatch.3"
    assert hub["4.3"] == "CloudWatch.1"
    for n in range(4, 15):
        assert hub[f"4.{n}"] == f"CloudWatch.{n}"
    assert hub["4.15"] is None


@pytest.mark.parametrize("slug", list(CIS_PATTERNS))
def test_every_cis_pattern_parses_and_covers_itself(slug: str) -> None:
    for text in CIS_PATTERNS[slug].accepted:
        assert isinstance(parse(text), JsonPattern)
        assert covers(text, text)


@pytest.mark.parametrize("slug", list(CIS_PATTERNS))
def test_cis_patterns_do_not_cover_each_other(slug: str) -> None:
    for other in CIS_PATTERNS:
        if other != slug:
            assert not covers(cis(other), cis(slug)), other


# --------------------------------------------------------------------------------------------
# Soundness against a reference evaluator of the documented semantics

_MISSING = object()
_PATH = re.compile(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]")


def resolve(event: Mapping[str, object], selector: str) -> object:
    """The value a selector points at, or _MISSING."""
    node: object = event
    for key, index in _PATH.findall(selector[1:]):
        if key and isinstance(node, Mapping) and key in node:
            node = node[key]
        elif index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return _MISSING
    return node


def glob_match(pattern: str, text: str) -> bool:
    """Leading/trailing '*' match zero or more characters; an inner '*' is literal."""
    leading, trailing = pattern.startswith("*"), pattern.endswith("*") and len(pattern) > 1
    core = pattern[1 if leading else 0 : len(pattern) - 1 if trailing else len(pattern)]
    if "*" in core:
        return text == pattern
    regex = (".*" if leading else "") + re.escape(core) + (".*" if trailing else "")
    return re.fullmatch(regex, text, re.DOTALL) is not None


def holds(atom: Atom, event: Mapping[str, object]) -> bool:
    """Evaluate one comparison on an event."""
    value = resolve(event, atom.selector)
    unary: dict[Op, Callable[[object], bool]] = {
        Op.NOT_EXISTS: lambda v: v is _MISSING,
        Op.IS_NULL: lambda v: v is None,
        Op.IS_TRUE: lambda v: v is True,
        Op.IS_FALSE: lambda v: v is False,
    }
    if atom.op in unary:
        return unary[atom.op](value)
    if atom.kind is Kind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        number, target = float(value), float(atom.value)
        return {
            Op.EQ: number == target,
            Op.NE: number != target,
            Op.LT: number < target,
            Op.LE: number <= target,
            Op.GT: number > target,
            Op.GE: number >= target,
        }[atom.op]
    if not isinstance(value, str):
        return False
    matched = glob_match(atom.value, value)
    return matched if atom.op is Op.EQ else not matched


def evaluate(expr: Expr, event: Mapping[str, object]) -> bool:
    """Evaluate a parsed expression on an event."""
    if isinstance(expr, Atom):
        return holds(expr, event)
    if isinstance(expr, And):
        return all(evaluate(term, event) for term in expr.terms)
    return any(evaluate(term, event) for term in expr.terms)


STRINGS = [
    "Create",
    "CreateTrail",
    "DeleteTrail",
    "Trail",
    "Create*",
    "*Trail",
    "*eate*",
    "*",
    "Del*",
    "Cr*il",
    "Cr*",
    "*Create",
    "*rail",
    "Trail*",
    "*Tr*",
]
EVENT_STRINGS = [
    "Create",
    "CreateTrail",
    "DeleteTrail",
    "Trail",
    "X",
    "",
    "Createx",
    "Cr*il",
    "xCreate",
    "Trailx",
    "TrailCreate",
    "Crx",
    "DelTrail",
]
FIELDS = ["$.a", "$.b"]


@dataclass(frozen=True)
class Node:
    """A random expression: a comparison on ``field`` or ``children`` joined by ``joiner``."""

    joiner: str = ""
    field: str = ""
    text: str = ""
    children: tuple[Node, ...] = ()


def random_atom(rng: random.Random, field: str) -> str:
    """A comparison on ``field`` in random surface syntax."""
    roll = rng.random()
    if roll < 0.55:
        value = rng.choice(STRINGS)
        shown = f'"{value}"' if rng.random() < 0.5 else value
        return f"{field}{rng.choice(['', ' '])}{rng.choice(['=', '!='])} {shown}"
    if roll < 0.85:
        operator = rng.choice(["=", "!=", "<", "<=", ">", ">="])
        return f"{field} {operator} {rng.choice(['1', '2', '3'])}"
    return f"{field} {rng.choice(['NOT EXISTS', 'IS NULL', 'IS TRUE'])}"


def random_tree(rng: random.Random, depth: int) -> Node:
    """A random boolean combination of comparisons."""
    if depth == 0 or rng.random() < 0.3:
        field = rng.choice(FIELDS)
        return Node(field=field, text=random_atom(rng, field))
    children = tuple(random_tree(rng, depth - 1) for _ in range(rng.randint(2, 3)))
    return Node(joiner=rng.choice([" && ", " || "]), children=children)


def perturb(rng: random.Random, tree: Node) -> Node:
    """The same shape with some comparisons replaced by others on the same field."""
    if not tree.children:
        if rng.random() < 0.4:
            return Node(field=tree.field, text=random_atom(rng, tree.field))
        return tree
    return Node(joiner=tree.joiner, children=tuple(perturb(rng, c) for c in tree.children))


def render(rng: random.Random, tree: Node) -> str:
    """Pattern text for a tree, parenthesised at random."""
    if not tree.children:
        return f"({tree.text})" if rng.random() < 0.5 else tree.text
    return "(" + tree.joiner.join(render(rng, child) for child in tree.children) + ")"


def random_event(rng: random.Random) -> dict[str, object]:
    """A flat event whose fields may be missing, null, strings, numbers or booleans."""
    event: dict[str, object] = {}
    for field in ("a", "b"):
        roll = rng.random()
        if roll < 0.15:
            continue
        if roll < 0.25:
            event[field] = None
        elif roll < 0.7:
            event[field] = rng.choice(EVENT_STRINGS)
        elif roll < 0.95:
            event[field] = rng.choice([1, 2, 3, 2.5, 0])
        else:
            event[field] = True
    return event


def test_covers_is_sound_on_random_patterns_and_events() -> None:
    rng = random.Random(20240131)
    events = [random_event(rng) for _ in range(300)]
    positives = 0
    for _ in range(1500):
        tree = random_tree(rng, 2)
        required = "{ " + render(rng, tree) + " }"
        # Related pairs, so that True answers get exercised and near misses get caught.
        mode = rng.random()
        if mode < 0.25:
            # Single comparisons on one field probe each implication rule directly.
            field = rng.choice(FIELDS)
            required = "{ " + random_atom(rng, field) + " }"
            actual_body = random_atom(rng, field)
        elif mode < 0.6:
            actual_body = render(rng, perturb(rng, tree))
        elif mode < 0.75:
            joiner = rng.choice([" || ", " && "])
            actual_body = render(rng, tree) + joiner + render(rng, random_tree(rng, 1))
        else:
            actual_body = render(rng, random_tree(rng, 2))
        actual = "{ " + actual_body + " }"
        parsed_required, parsed_actual = parse(required), parse(actual)
        assert isinstance(parsed_required, JsonPattern) and isinstance(parsed_actual, JsonPattern)
        assert covers(required, required)
        if not covers(actual, required):
            continue
        positives += 1
        for event in events:
            if evaluate(parsed_required.expr, event):
                assert evaluate(parsed_actual.expr, event), (actual, required, event)
    assert positives > 300


@pytest.mark.parametrize("slug", list(CIS_PATTERNS))
def test_cis_patterns_match_their_own_events(slug: str) -> None:
    # Each alternative of the published pattern, turned into an event, must satisfy the pattern:
    # a check that the reference evaluator and the parser agree on the real texts.
    parsed = parse(cis(slug))
    assert isinstance(parsed, JsonPattern)
    for conjunct in to_dnf(parsed.expr):
        event: dict[str, object] = {}
        for atom in conjunct:
            if atom.op is Op.EQ:
                put(event, atom.selector, atom.value.strip("*"))
            elif atom.op is Op.NE:
                put(event, atom.selector, "something-else")
        assert evaluate(parsed.expr, event), (slug, event)


def put(event: dict[str, object], selector: str, value: object) -> None:
    """Set a dotted selector such as $.userIdentity.type, creating parents."""
    *parents, leaf = selector[2:].split(".")
    node = event
    for key in parents:
        child = node.setdefault(key, {})
        assert isinstance(child, dict)
        node = child
    node[leaf] = value
