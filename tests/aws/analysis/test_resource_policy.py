"""Public exposure of log stores: bucket policies, bucket ACLs and CloudWatch Logs policies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from scanner.providers.aws.analysis.resource_policy import (
    acl_public,
    bucket_policy_public,
    denies_insecure_transport,
    log_group_policy_exposure,
)

ACCOUNT = "111122223333"
OTHER = "444455556666"
BUCKET = "arn:aws:s3:::trail-logs"
LOG_GROUP = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/cloudtrail/main"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    """A policy document holding the given statements."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def read_for(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    """An Allow of s3:GetObject on the bucket's objects to `principal`."""
    statement: dict[str, Any] = {
        "Sid": "Read",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


ORG_DENY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET, f"{BUCKET}/*"],
    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
}

BUCKET_POLICY_CASES = [
    pytest.param(doc(read_for("*")), True, id="principal-star"),
    pytest.param(doc(read_for({"AWS": "*"})), True, id="aws-star"),
    pytest.param(doc(read_for({"AWS": ["*"]})), True, id="aws-star-list"),
    pytest.param(
        doc(read_for("*", {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})),
        False,
        id="source-vpce-restricts",
    ),
    pytest.param(
        doc(read_for("*", {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})),
        True,
        id="source-ip-anywhere-does-not-restrict",
    ),
    pytest.param(
        doc(read_for("*", {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}})),
        False,
        id="source-ip-range-restricts",
    ),
    pytest.param(
        doc(read_for("*", {"StringLike": {"aws:PrincipalOrgID": "o-*"}})),
        True,
        id="wildcard-org-does-not-restrict",
    ),
    pytest.param(
        doc(read_for("*", {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}})),
        True,
        id="ifexists-does-not-restrict",
    ),
    pytest.param(
        doc(read_for("*", {"StringNotEquals": {"aws:SourceAccount": OTHER}})),
        True,
        id="negated-allow-condition-does-not-restrict",
    ),
    pytest.param(
        doc(
            read_for("*", {"ArnLike": {"aws:SourceArn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"}})
        ),
        False,
        id="wildcard-arn-with-pinned-account-restricts",
    ),
    pytest.param(
        doc(read_for("*", {"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:*:trail/*"}})),
        True,
        id="wildcard-arn-any-account-does-not-restrict",
    ),
    pytest.param(
        doc(read_for("*", {"Bool": {"aws:SecureTransport": "true"}})),
        True,
        id="secure-transport-does-not-restrict",
    ),
    pytest.param(
        doc(read_for("*", {"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o-1/r-2/"]}})),
        True,
        id="forallvalues-does-not-restrict",
    ),
    pytest.param(
        doc(read_for({"Service": "cloudtrail.amazonaws.com"})), False, id="service-principal"
    ),
    pytest.param(doc(read_for({"AWS": f"arn:aws:iam::{OTHER}:root"})), False, id="named-account"),
    pytest.param(doc(read_for("*"), ORG_DENY), False, id="org-deny-neutralises-public-allow"),
    pytest.param(
        doc(read_for("*"), {**ORG_DENY, "Action": "s3:PutObject"}),
        True,
        id="narrower-deny-does-not-neutralise",
    ),
    pytest.param(
        doc(
            {
                **{k: v for k, v in read_for("*").items() if k != "Principal"},
                "NotPrincipal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            }
        ),
        True,
        id="allow-notprincipal-is-public",
    ),
    pytest.param(
        json.dumps(doc({**read_for("*"), "Effect": "Deny"})), False, id="deny-only-json-string"
    ),
    pytest.param(
        doc(read_for("*", {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}})),
        True,
        id="policy-variable-is-not-a-fixed-value",
    ),
    pytest.param(
        doc(read_for("*", {"StringEquals": {"aws:username": "alice"}})),
        True,
        id="username-is-not-account-pinned",
    ),
    pytest.param(
        doc(read_for("*", {"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}})),
        False,
        id="userid-role-id-with-any-session-restricts",
    ),
    pytest.param(
        doc(read_for("*", {"StringLike": {"aws:userid": "AROA*:*"}})),
        True,
        id="userid-wildcard-role-id-does-not-restrict",
    ),
    pytest.param(
        doc(read_for("*", {"StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}})),
        False,
        id="org-path-under-fixed-org-restricts",
    ),
    pytest.param(
        doc(read_for("*", {"StringLike": {"aws:PrincipalOrgPaths": "o-*/r-ab12/*"}})),
        True,
        id="org-path-any-org-does-not-restrict",
    ),
    pytest.param(
        doc(read_for("*", {"IpAddress": {"aws:SourceVpce": "vpce-1a2b3c4d"}})),
        True,
        id="ip-operator-on-a-string-key-does-not-restrict",
    ),
    pytest.param(quote(json.dumps(doc(read_for("*")))), True, id="url-encoded"),
]

# "The meaning of 'public'" (S3 User Guide): aws:SourceIp values broader than /8 (IPv4) or /32
# (IPv6) are public, its example being 0.0.0.0/1; a single broad value makes the list public.
SOURCE_IP_CASES = [
    pytest.param("0.0.0.0/1", True, id="v4-half-the-internet"),
    pytest.param("0.0.0.0/0", True, id="v4-everything"),
    pytest.param("12.0.0.0/7", True, id="v4-slash-7-broader-than-8"),
    pytest.param("12.0.0.0/8", False, id="v4-slash-8-boundary"),
    pytest.param("10.0.0.0/8", False, id="v4-rfc1918"),
    pytest.param("192.168.0.0/16", False, id="v4-rfc1918-narrow"),
    pytest.param("203.0.113.7", False, id="v4-single-address"),
    pytest.param("203.0.113.7/32", False, id="v4-host"),
    pytest.param(["203.0.113.0/24", "0.0.0.0/1"], True, id="v4-one-broad-value-in-list"),
    pytest.param("::/0", True, id="v6-everything"),
    pytest.param("2001:db8::/31", True, id="v6-slash-31-broader-than-32"),
    pytest.param("2001:db8::/32", False, id="v6-slash-32-boundary"),
    pytest.param("2001:db8:1234::/48", False, id="v6-narrow"),
    pytest.param("::ffff:0:0/97", True, id="v4-mapped-half-the-internet"),
    pytest.param("::ffff:203.0.113.0/120", False, id="v4-mapped-narrow"),
    pytest.param("not-a-network", True, id="unparsable"),
]


@pytest.mark.parametrize(("network", "public"), SOURCE_IP_CASES)
def test_source_ip_breadth(network: Any, public: bool) -> None:
    allow = read_for("*", {"IpAddress": {"aws:SourceIp": network}})
    assert bucket_policy_public(doc(allow), ACCOUNT)[0] is public
    # The same range in a Deny on everyone outside it neutralises the public Allow only when
    # the range is narrow.
    outside = {**ORG_DENY, "Condition": {"NotIpAddress": {"aws:SourceIp": network}}}
    assert bucket_policy_public(doc(read_for("*"), outside), ACCOUNT)[0] is public


def org_deny(**overrides: Any) -> dict[str, Any]:
    """ORG_DENY with fields replaced (None removes one)."""
    out = {**ORG_DENY, **overrides}
    return {k: v for k, v in out.items() if v is not None}


VPCE = {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
NEUTRALISING_DENY_CASES = [
    pytest.param(org_deny(), False, id="org-deny"),
    pytest.param(org_deny(Condition=VPCE), False, id="vpce-deny"),
    pytest.param(
        org_deny(Condition={**VPCE, "Bool": {"aws:SecureTransport": "false"}}),
        True,
        id="vpce-and-insecure-transport-spares-https",
    ),
    pytest.param(
        org_deny(
            Condition={
                "StringNotEquals": {
                    "aws:SourceVpce": "vpce-1a2b3c4d",
                    "aws:PrincipalOrgID": "o-a1b2c3d4e5",
                }
            }
        ),
        False,
        id="two-negated-fixed-keys",
    ),
    pytest.param(
        org_deny(Condition={**VPCE, "StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
        True,
        id="negated-key-and-unrelated-key",
    ),
    pytest.param(
        org_deny(Condition={"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}),
        False,
        id="negated-if-exists-still-denies-absent-key",
    ),
    pytest.param(
        org_deny(
            Condition={"ForAnyValue:StringNotEquals": {"aws:PrincipalOrgPaths": ["o-1/r-2/"]}}
        ),
        True,
        id="for-any-value-spares-anonymous",
    ),
    pytest.param(
        org_deny(Condition={"StringNotLike": {"aws:PrincipalOrgID": "o-*"}}),
        True,
        id="wildcard-negated-value",
    ),
    pytest.param(
        org_deny(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
        True,
        id="positive-operator-in-deny",
    ),
    pytest.param(org_deny(Condition=None), False, id="unconditional-deny"),
    pytest.param(
        org_deny(Principal=None, NotPrincipal={"AWS": ACCOUNT}, Condition=None),
        False,
        id="deny-notprincipal-own-account",
    ),
    pytest.param(org_deny(Principal={"AWS": OTHER}), True, id="deny-on-one-account-only"),
    # Coverage by glob: `*` spans `/`, so bucket* covers every object.
    pytest.param(org_deny(Resource="arn:aws:s3:::trail-logs*"), False, id="bucket-star-glob"),
    pytest.param(org_deny(Resource="*"), False, id="resource-star"),
    pytest.param(org_deny(Resource=f"{BUCKET}/AWSLogs/*"), True, id="deny-on-a-prefix-only"),
    pytest.param(org_deny(Resource=f"{BUCKET}/?"), True, id="deny-on-one-char-keys-only"),
    pytest.param(
        org_deny(Resource=None, NotResource=f"{BUCKET}/public/*"),
        True,
        id="notresource-spares-some-objects",
    ),
    pytest.param(
        org_deny(Resource=None, NotResource="arn:aws:s3:::other-bucket/*"),
        False,
        id="notresource-of-another-bucket",
    ),
    pytest.param(org_deny(Action="s3:Get*"), False, id="deny-action-glob-covers"),
    pytest.param(
        org_deny(Action=None, NotAction="s3:PutObject"), False, id="deny-notaction-covers"
    ),
    pytest.param(
        org_deny(Action=None, NotAction="s3:Get*"), True, id="deny-notaction-spares-the-read"
    ),
]


@pytest.mark.parametrize(("deny", "public"), NEUTRALISING_DENY_CASES)
def test_deny_neutralises_public_allow(deny: dict[str, Any], public: bool) -> None:
    assert bucket_policy_public(doc(read_for("*"), deny), ACCOUNT)[0] is public


def test_allow_on_star_is_neutralised_by_deny_on_bucket_and_objects() -> None:
    # In a bucket policy "*" means the bucket and its objects, which the Deny covers.
    allow = {**read_for("*"), "Resource": "*"}
    assert bucket_policy_public(doc(allow, ORG_DENY), ACCOUNT, "trail-logs")[0] is False
    only_objects = org_deny(Resource=f"{BUCKET}/*")
    assert bucket_policy_public(doc(allow, only_objects), ACCOUNT, "trail-logs")[0] is True


@pytest.mark.parametrize(("document", "public"), BUCKET_POLICY_CASES)
def test_bucket_policy_public(document: Any, public: bool) -> None:
    is_public, reasons = bucket_policy_public(document, ACCOUNT)
    assert is_public is public
    assert bool(reasons) is public


def test_bucket_policy_public_reason_names_statement_and_actions() -> None:
    _, reasons = bucket_policy_public(doc(ORG_DENY, read_for("*")), ACCOUNT)
    _, (reason,) = bucket_policy_public(doc(read_for("*")), None)
    assert reasons == ()
    assert reason == (
        "Statement 'Read' (#0) allows s3:getobject to any principal ('*') "
        "without a restricting condition"
    )
    _, (with_account,) = bucket_policy_public(doc(read_for("*")), ACCOUNT)
    assert f"outside account {ACCOUNT}" in with_account


def test_bucket_policy_public_rejects_malformed_document() -> None:
    with pytest.raises(ValueError, match="bucket policy"):
        bucket_policy_public('{"Statement": [{"Effect": "Allow"}]}', ACCOUNT)


def tls_deny(**overrides: Any) -> dict[str, Any]:
    """The usual DenyInsecureTransport statement, with fields replaced by `overrides`."""
    statement: dict[str, Any] = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [BUCKET, f"{BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    statement.update(overrides)
    return {k: v for k, v in statement.items() if v is not None}


INSECURE_TRANSPORT_CASES = [
    pytest.param(tls_deny(), True, id="standard"),
    pytest.param(tls_deny(Condition={"Bool": {"aws:SecureTransport": False}}), True, id="bool"),
    pytest.param(tls_deny(Condition={"bool": {"AWS:SecureTransport": "FALSE"}}), True, id="case"),
    pytest.param(tls_deny(Principal={"AWS": "*"}), True, id="aws-star-principal"),
    pytest.param(tls_deny(Action=["s3:GetObject", "s3:PutObject"]), True, id="object-actions"),
    pytest.param(
        tls_deny(Condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}}),
        False,
        id="tls-version-misses-plain-http",
    ),
    pytest.param(
        tls_deny(Condition={"NumericLessThanIfExists": {"s3:TlsVersion": "1.2"}}),
        True,
        id="tls-version-if-exists",
    ),
    pytest.param(tls_deny(Effect="Allow"), False, id="allow-is-not-a-deny"),
    pytest.param(tls_deny(Principal={"AWS": f"arn:aws:iam::{OTHER}:root"}), False, id="one-acct"),
    pytest.param(tls_deny(Resource=BUCKET), False, id="bucket-only-not-objects"),
    pytest.param(tls_deny(Action="s3:PutObject"), False, id="writes-only"),
    pytest.param(
        tls_deny(Condition={"Bool": {"aws:SecureTransport": "true"}}), False, id="wrong-value"
    ),
    pytest.param(
        tls_deny(
            Condition={
                "Bool": {"aws:SecureTransport": "false"},
                "StringEquals": {"aws:SourceVpce": "vpce-1"},
            }
        ),
        False,
        id="extra-key-narrows-deny",
    ),
    pytest.param(tls_deny(Condition={}), False, id="no-condition"),
    # Objects are covered by glob: `*` spans `/`.
    pytest.param(tls_deny(Resource="arn:aws:s3:::trail-logs*"), True, id="bucket-star-glob"),
    pytest.param(tls_deny(Resource="arn:aws:s3:::trail-*"), True, id="bucket-prefix-glob"),
    pytest.param(tls_deny(Resource="*"), True, id="resource-star"),
    pytest.param(tls_deny(Resource=f"{BUCKET}/AWSLogs/*"), False, id="one-prefix-only"),
    pytest.param(tls_deny(Resource=f"{BUCKET}/?*.gz"), False, id="one-suffix-only"),
    pytest.param(tls_deny(Resource="arn:aws:s3:::other-bucket/*"), False, id="another-bucket"),
    pytest.param(
        tls_deny(Resource=None, NotResource=f"{BUCKET}/public/*"),
        False,
        id="notresource-spares-a-prefix",
    ),
    pytest.param(
        tls_deny(Resource=None, NotResource="arn:aws:s3:::other-bucket/*"),
        True,
        id="notresource-of-another-bucket",
    ),
    pytest.param(
        tls_deny(Resource=None, NotResource=BUCKET), True, id="notresource-bucket-arn-only"
    ),
]


@pytest.mark.parametrize(("statement", "expected"), INSECURE_TRANSPORT_CASES)
def test_denies_insecure_transport(statement: dict[str, Any], expected: bool) -> None:
    assert denies_insecure_transport(doc(read_for("*"), statement)) is expected
    assert denies_insecure_transport(doc(read_for("*"), statement), "trail-logs") is expected


def test_insecure_transport_bucket_named_or_inferred() -> None:
    # Without the bucket's name and with no concrete bucket in the policy, only a pattern that
    # matches any bucket can be shown to cover the objects.
    prefix_only = doc(tls_deny(Resource="arn:aws:s3:::trail-*"))
    assert denies_insecure_transport(prefix_only) is False
    assert denies_insecure_transport(prefix_only, "trail-logs") is True
    assert denies_insecure_transport(prefix_only, "arn:aws:s3:::audit-logs") is False
    assert denies_insecure_transport(doc(tls_deny(Resource="arn:aws:s3:::*"))) is True


def grant(grantee: dict[str, str], permission: str = "READ") -> dict[str, Any]:
    """One entry of a GetBucketAcl Grants list."""
    return {"Grantee": grantee, "Permission": permission}


OWNER = {"Type": "CanonicalUser", "ID": "79a59df900b949e55d96a1e698fbaced", "DisplayName": "o"}
ALL_USERS = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}
AUTHENTICATED = {
    "Type": "Group",
    "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}
LOG_DELIVERY = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}

ACL_CASES = [
    pytest.param([grant(OWNER, "FULL_CONTROL")], (), id="owner-only"),
    pytest.param([], (), id="no-grants"),
    pytest.param(
        [grant(OWNER, "FULL_CONTROL"), grant(ALL_USERS)],
        ("ACL grants READ to AllUsers (anyone on the internet)",),
        id="all-users",
    ),
    pytest.param(
        [grant(AUTHENTICATED, "WRITE_ACP")],
        ("ACL grants WRITE_ACP to AuthenticatedUsers (any AWS account)",),
        id="authenticated-users",
    ),
    pytest.param([grant(LOG_DELIVERY, "WRITE")], (), id="log-delivery-group"),
]


@pytest.mark.parametrize(("grants", "reasons"), ACL_CASES)
def test_acl_public(grants: list[dict[str, Any]], reasons: tuple[str, ...]) -> None:
    assert acl_public(grants) == (bool(reasons), reasons)


def test_acl_public_rejects_malformed_grant() -> None:
    with pytest.raises(ValueError, match="grant 0"):
        acl_public([{"Grantee": "AllUsers"}])


def logs_allow(principal: Any, resource: str = "*", **extra: Any) -> dict[str, Any]:
    """An Allow of logs:PutLogEvents and logs:CreateLogStream, as services write them."""
    statement = {
        "Sid": "Write",
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": resource,
        **extra,
    }
    if "NotResource" in extra:
        del statement["Resource"]
    return statement


LOG_GROUP_CASES = [
    pytest.param(
        doc(logs_allow({"Service": "route53.amazonaws.com"})), 1, id="service-for-any-account"
    ),
    pytest.param(
        doc(
            logs_allow(
                {"Service": "delivery.logs.amazonaws.com"},
                Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            )
        ),
        0,
        id="service-pinned-by-source-account",
    ),
    pytest.param(
        doc(
            logs_allow(
                {"Service": "delivery.logs.amazonaws.com"},
                Condition={"ArnLike": {"aws:SourceArn": f"arn:aws:logs:*:{ACCOUNT}:*"}},
            )
        ),
        0,
        id="service-pinned-by-source-arn",
    ),
    pytest.param(
        doc(
            logs_allow(
                {"Service": "delivery.logs.amazonaws.com"},
                Condition={"StringEquals": {"aws:SourceAccount": OTHER}},
            )
        ),
        1,
        id="service-pinned-to-another-account",
    ),
    pytest.param(doc(logs_allow("*")), 1, id="anyone"),
    pytest.param(
        doc(logs_allow("*", Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})),
        0,
        id="anyone-from-own-account",
    ),
    pytest.param(doc(logs_allow({"AWS": OTHER})), 1, id="other-account"),
    pytest.param(doc(logs_allow({"AWS": f"arn:aws:iam::{OTHER}:role/reader"})), 1, id="other-role"),
    pytest.param(doc(logs_allow({"AWS": f"arn:aws:iam::{ACCOUNT}:role/ops"})), 0, id="same-acct"),
    pytest.param(
        doc(logs_allow("*", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:other:*")),
        0,
        id="other-log-group",
    ),
    pytest.param(doc(logs_allow("*", f"{LOG_GROUP}:*")), 1, id="streams-of-the-group"),
    pytest.param(
        doc(logs_allow({"AWS": ["*", OTHER]}, "arn:aws:logs:*:*:log-group:/aws/cloudtrail/*")),
        2,
        id="wildcard-resource-two-reasons",
    ),
    pytest.param(json.dumps(doc(logs_allow("*"))), 1, id="json-string"),
    pytest.param(
        doc(logs_allow("*", f"{LOG_GROUP}:log-stream:one")), 1, id="one-stream-of-the-group"
    ),
    pytest.param(
        doc(logs_allow("*", NotResource=[LOG_GROUP, f"{LOG_GROUP}:*"])),
        0,
        id="notresource-excludes-the-group",
    ),
    pytest.param(
        doc(logs_allow("*", NotResource=f"{LOG_GROUP}:log-stream:one")),
        1,
        id="notresource-excludes-one-stream",
    ),
]

# "Not shared" means this account only: the Allow to "*" must pin the caller to this account.
PINNING_CASES = [
    pytest.param({"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}, 0, id="principal-account"),
    pytest.param({"StringEquals": {"aws:SourceOwner": ACCOUNT}}, 0, id="source-owner"),
    pytest.param(
        {"ArnLike": {"aws:SourceArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:*"}},
        0,
        id="source-arn-in-this-account",
    ),
    pytest.param(
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}},
        0,
        id="principal-arn-in-this-account",
    ),
    pytest.param(
        {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, 1, id="organization-is-shared"
    ),
    pytest.param(
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}},
        1,
        id="org-path-is-shared",
    ),
    pytest.param({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, 1, id="network-key"),
    pytest.param({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, 1, id="ip-range"),
    pytest.param({"StringEquals": {"aws:PrincipalAccount": OTHER}}, 1, id="other-account"),
    pytest.param(
        {"StringEquals": {"aws:PrincipalAccount": [ACCOUNT, OTHER]}}, 1, id="this-and-another"
    ),
    pytest.param(
        {"ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:*:*"}}, 1, id="source-arn-any-acct"
    ),
    pytest.param(
        {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, 1, id="if-exists-pins-nothing"
    ),
    pytest.param(
        {"StringNotEquals": {"aws:PrincipalAccount": OTHER}}, 1, id="negated-pins-nothing"
    ),
    pytest.param(
        {
            "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
            "StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:*"},
        },
        0,
        id="org-and-this-account",
    ),
]


@pytest.mark.parametrize(("condition", "count"), PINNING_CASES)
def test_log_group_shared_unless_pinned_to_this_account(
    condition: dict[str, Any], count: int
) -> None:
    document = doc(logs_allow("*", Condition=condition))
    assert len(log_group_policy_exposure(document, LOG_GROUP, ACCOUNT)) == count


def test_other_account_principal_under_a_this_account_condition_gets_nothing() -> None:
    # The other account's requests fail aws:PrincipalAccount == this account.
    pinned = {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}
    document = doc(logs_allow({"AWS": OTHER}, Condition=pinned))
    assert log_group_policy_exposure(document, LOG_GROUP, ACCOUNT) == ()
    org_only = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    document = doc(logs_allow({"AWS": OTHER}, Condition=org_only))
    assert len(log_group_policy_exposure(document, LOG_GROUP, ACCOUNT)) == 1


@pytest.mark.parametrize(("document", "count"), LOG_GROUP_CASES)
def test_log_group_policy_exposure(document: Any, count: int) -> None:
    assert len(log_group_policy_exposure(document, LOG_GROUP, ACCOUNT)) == count


def test_log_group_exposure_accepts_arn_with_stream_suffix() -> None:
    (reason,) = log_group_policy_exposure(
        doc(logs_allow({"AWS": OTHER}, LOG_GROUP)), f"{LOG_GROUP}:*", ACCOUNT
    )
    assert reason == (
        f"Statement 'Write' (#0) allows logs:createlogstream, logs:putlogevents on {LOG_GROUP} "
        f"to arn:aws:iam::{OTHER}:root of account {OTHER}"
    )


def logs_deny(condition: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    """A Deny of every logs action on every log group, to everyone, under `condition`."""
    statement: dict[str, Any] = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "logs:*",
        "Resource": "*",
        **extra,
    }
    if condition is not None:
        statement["Condition"] = condition
    return {k: v for k, v in statement.items() if v is not None}


OUTSIDE_ACCOUNT = {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}
LOG_GROUP_DENY_CASES = [
    pytest.param(logs_deny(OUTSIDE_ACCOUNT), 0, id="deny-outside-this-account"),
    pytest.param(
        logs_deny({"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:*"}}),
        0,
        id="deny-principal-arn-outside-this-account",
    ),
    pytest.param(logs_deny(None), 0, id="unconditional-deny"),
    pytest.param(
        logs_deny(None, Principal=None, NotPrincipal={"AWS": ACCOUNT}),
        0,
        id="deny-all-but-this-account",
    ),
    pytest.param(
        logs_deny(None, Principal=None, NotPrincipal={"AWS": OTHER}),
        2,
        id="deny-all-but-another-account",
    ),
    pytest.param(
        logs_deny({"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
        2,
        id="deny-outside-organization-still-shares",
    ),
    pytest.param(
        logs_deny({**OUTSIDE_ACCOUNT, "Bool": {"aws:SecureTransport": "false"}}),
        2,
        id="deny-anded-with-other-key",
    ),
    pytest.param(
        logs_deny({"ForAnyValue:StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}),
        2,
        id="deny-for-any-value-spares-absent-key",
    ),
    pytest.param(logs_deny(OUTSIDE_ACCOUNT, Action="logs:PutLogEvents"), 2, id="narrower-deny"),
    pytest.param(
        logs_deny(OUTSIDE_ACCOUNT, Resource=f"{LOG_GROUP}:log-stream:one"),
        2,
        id="deny-on-one-stream-only",
    ),
    pytest.param(
        logs_deny(OUTSIDE_ACCOUNT, Resource=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/*"),
        0,
        id="deny-glob-covers-group-and-streams",
    ),
]


@pytest.mark.parametrize(("deny", "count"), LOG_GROUP_DENY_CASES)
def test_log_group_deny_keeps_grants_in_account(deny: dict[str, Any], count: int) -> None:
    # The Allow names both "*" and another account: two reasons unless the Deny removes them.
    document = doc(logs_allow({"AWS": ["*", OTHER]}), deny)
    assert len(log_group_policy_exposure(document, LOG_GROUP, ACCOUNT)) == count
