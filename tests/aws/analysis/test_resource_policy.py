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
    pytest.param(quote(json.dumps(doc(read_for("*")))), True, id="url-encoded"),
]


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
    return statement


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
]


@pytest.mark.parametrize(("statement", "expected"), INSECURE_TRANSPORT_CASES)
def test_denies_insecure_transport(statement: dict[str, Any], expected: bool) -> None:
    assert denies_insecure_transport(doc(read_for("*"), statement)) is expected


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
    return {
        "Sid": "Write",
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": resource,
        **extra,
    }


LOG_GROUP_CASES = [
    pytest.param(doc(logs_allow({"Service": "route53.amazonaws.com"})), 0, id="service"),
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
]


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
