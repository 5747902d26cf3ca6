"""IAM evaluation: tricky policy documents in, the principals allowed each check out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from scanner.providers.aws.analysis import policy_document
from scanner.providers.aws.analysis.iam import (
    SCP_LIMIT,
    Grant,
    Principal,
    analysis_limits,
    parse_policy_document,
    principals_from_authorization_details,
    who_can,
)

ACCOUNT = "111122223333"
OTHER = "444455556666"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/deployer"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
OTHER_ROOT = f"arn:aws:iam::{OTHER}:root"
BUCKET = "arn:aws:s3:::trail-logs"
OBJECT = f"{BUCKET}/AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/11/26/log.json.gz"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/boundary"

STOP = ("cloudtrail:StopLogging", TRAIL)
DELETE_OBJECT = ("s3:DeleteObject", OBJECT)
PUT_BUCKET_POLICY = ("s3:PutBucketPolicy", BUCKET)

ADMINISTRATOR_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    """A policy document holding the given statements."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    """An Allow statement; extra keys (Condition, NotAction, Principal...) are merged in."""
    return _statement("Allow", action, resource, extra)


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    """A Deny statement; extra keys (Condition, NotAction, Principal...) are merged in."""
    return _statement("Deny", action, resource, extra)


def _statement(effect: str, action: Any, resource: Any, extra: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect}
    if "NotAction" not in extra:
        out["Action"] = action
    if "NotResource" not in extra:
        out["Resource"] = resource
    out.update(extra)
    return out


def except_break_glass(condition: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The usual "deny tampering to everyone except the break-glass role" bucket statement."""
    statement = deny(
        extra.pop("Action", ["s3:DeleteObject", "s3:PutBucketPolicy"]),
        extra.pop("Resource", [BUCKET, f"{BUCKET}/*"]),
        Principal=extra.pop("Principal", "*"),
        Condition=condition or {"ArnNotLike": {"aws:PrincipalArn": DEPLOYER}},
    )
    return {k: v for k, v in statement.items() if v is not None}


def star_allow(condition: dict[str, Any]) -> dict[str, Any]:
    """A bucket-policy Allow of object deletes to "*" under `condition`."""
    return allow("s3:DeleteObject", f"{BUCKET}/*", Principal="*", Condition=condition)


@dataclass(frozen=True)
class Case:
    """One table row: alice's (or the deployer role's) policies, a check and who is granted."""

    id: str
    identity: tuple[Any, ...]
    check: tuple[str, str]
    expected: dict[str, bool]  # granted principal -> conditional
    bucket_policy: Any = None
    boundary: Any = None
    role: bool = False


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
OUTSIDE_REGION = {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}

CASES = [
    Case("star-allows-everything", (doc(allow()),), STOP, {ALICE: False}),
    Case("service-wildcard", (doc(allow("cloudtrail:*")),), STOP, {ALICE: False}),
    Case("prefix-wildcard", (doc(allow("cloudtrail:Stop*")),), STOP, {ALICE: False}),
    Case(
        "prefix-wildcard-other-action",
        (doc(allow("cloudtrail:Stop*")),),
        ("cloudtrail:DeleteTrail", TRAIL),
        {},
    ),
    Case("question-mark-one-char", (doc(allow("cloudtrail:?topLogging")),), STOP, {ALICE: False}),
    Case("question-mark-needs-a-char", (doc(allow("cloudtrail:StopLogging?")),), STOP, {}),
    Case("action-case-insensitive", (doc(allow("CloudTrail:STOPLOGGING")),), STOP, {ALICE: False}),
    Case(
        "resource-case-sensitive",
        (doc(allow("s3:DeleteObject", "arn:aws:s3:::Trail-Logs/*")),),
        DELETE_OBJECT,
        {},
    ),
    Case(
        "infix-wildcard",
        (doc(allow("s3:*Object*", f"{BUCKET}/*")),),
        ("s3:DeleteObjectVersion", OBJECT),
        {ALICE: False},
    ),
    Case(
        "resource-wildcard-spans-slashes",
        (doc(allow("s3:DeleteObject", "arn:aws:s3:::trail-*")),),
        DELETE_OBJECT,
        {ALICE: False},
    ),
    Case(
        "notaction-allows-everything-but-iam",
        (doc(allow(NotAction="iam:*")),),
        STOP,
        {ALICE: False},
    ),
    Case(
        "notaction-excluded-action",
        (doc(allow(NotAction=["iam:*", "organizations:*"])),),
        ("iam:PutUserPolicy", ALICE),
        {},
    ),
    Case(
        "notresource-allow-excludes-log-bucket",
        (doc(allow("s3:*", NotResource=[BUCKET, f"{BUCKET}/*"])),),
        DELETE_OBJECT,
        {},
    ),
    Case(
        "deny-notresource-covers-everything-else",
        (doc(allow()), doc(deny("s3:*", NotResource="arn:aws:s3:::sandbox/*"))),
        DELETE_OBJECT,
        {},
    ),
    Case(
        "deny-in-second-policy-wins",
        (doc(allow("cloudtrail:*")), doc(deny("cloudtrail:StopLogging", TRAIL))),
        STOP,
        {},
    ),
    Case(
        "deny-notaction-denies-unlisted",
        (doc(allow(), deny(NotAction=["s3:Get*", "s3:List*"])),),
        STOP,
        {},
    ),
    Case(
        "deny-notaction-spares-listed",
        (doc(allow(), deny(NotAction=["s3:Get*", "s3:List*"])),),
        ("s3:GetObject", OBJECT),
        {ALICE: False},
    ),
    Case(
        "conditional-allow",
        (doc(allow("cloudtrail:StopLogging", Condition=MFA)),),
        STOP,
        {ALICE: True},
    ),
    Case(
        "conditional-deny-makes-grant-conditional",
        (doc(allow(), deny("cloudtrail:*", Condition=OUTSIDE_REGION)),),
        STOP,
        {ALICE: True},
    ),
    Case(
        "unconditional-allow-reported-over-conditional",
        (doc(allow("cloudtrail:*", Condition=MFA)), doc(allow("cloudtrail:StopLogging", TRAIL))),
        STOP,
        {ALICE: False},
    ),
    Case(
        "resource-scoped-to-other-bucket",
        (doc(allow("s3:DeleteObject", "arn:aws:s3:::other-bucket/*")),),
        DELETE_OBJECT,
        {},
    ),
    Case(
        "object-action-on-bucket-arn-not-granted",
        (doc(allow("s3:DeleteObject", BUCKET)),),
        DELETE_OBJECT,
        {},
    ),
    Case(
        "bucket-action-on-bucket-arn",
        (doc(allow("s3:PutBucketPolicy", BUCKET)),),
        PUT_BUCKET_POLICY,
        {ALICE: False},
    ),
    Case(
        "bucket-action-on-object-pattern-not-granted",
        (doc(allow("s3:PutBucketPolicy", f"{BUCKET}/*")),),
        PUT_BUCKET_POLICY,
        {},
    ),
    Case(
        "statement-object-and-string-action-list-resource",
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": [BUCKET, f"{BUCKET}/*"],
                }
            },
        ),
        DELETE_OBJECT,
        {ALICE: False},
    ),
    Case(
        "url-encoded-document",
        (quote(json.dumps(doc(allow("cloudtrail:StopLogging", TRAIL)))),),
        STOP,
        {ALICE: False},
    ),
    Case(
        "json-string-document-with-percent",
        (json.dumps(doc(allow("cloudtrail:*", Condition={"StringLike": {"aws:userid": "%x"}}))),),
        STOP,
        {ALICE: True},
    ),
    Case("administrator-access", (ADMINISTRATOR_ACCESS,), STOP, {ALICE: False}),
    Case(
        "policy-variable-is-conditional",
        (doc(allow("s3:DeleteObject", f"{BUCKET}/home/${{aws:username}}/*")),),
        ("s3:DeleteObject", f"{BUCKET}/home/alice/notes.txt"),
        {ALICE: True},
    ),
    Case(
        "escaped-star-variable-is-literal",
        (doc(allow("s3:DeleteObject", f"{BUCKET}/${{*}}")),),
        DELETE_OBJECT,
        {},
    ),
    Case(
        "boundary-excludes-cloudtrail",
        (ADMINISTRATOR_ACCESS,),
        STOP,
        {},
        boundary=doc(allow(["s3:*", "ec2:*"])),
        role=True,
    ),
    Case(
        "boundary-keeps-what-it-allows",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {DEPLOYER: False},
        boundary=doc(allow(["s3:*", "ec2:*"])),
        role=True,
    ),
    Case(
        "bucket-policy-grants-other-account",
        (),
        DELETE_OBJECT,
        {OTHER_ROOT: False},
        bucket_policy=doc(allow("s3:DeleteObject", f"{BUCKET}/*", Principal={"AWS": OTHER})),
    ),
    Case(
        "bucket-policy-principal-star",
        (),
        ("s3:GetObject", OBJECT),
        {"*": False},
        bucket_policy=doc(allow("s3:GetObject", f"{BUCKET}/*", Principal="*")),
    ),
    Case(
        "bucket-policy-aws-star-conditional",
        (),
        ("s3:GetObject", OBJECT),
        {"*": True},
        bucket_policy=doc(
            allow(
                "s3:GetObject",
                f"{BUCKET}/*",
                Principal={"AWS": "*"},
                Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
            )
        ),
    ),
    Case(
        "bucket-policy-service-principal",
        (),
        ("s3:PutObject", OBJECT),
        {"service:cloudtrail.amazonaws.com": False},
        bucket_policy=doc(
            allow("s3:PutObject", f"{BUCKET}/*", Principal={"Service": "cloudtrail.amazonaws.com"})
        ),
    ),
    Case(
        "bucket-policy-names-user",
        (),
        DELETE_OBJECT,
        {ALICE: False},
        bucket_policy=doc(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": [ALICE]})),
    ),
    Case(
        "same-account-root-delegates-to-iam",
        (),
        DELETE_OBJECT,
        {ROOT: False},
        bucket_policy=doc(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": ROOT})),
    ),
    Case(
        "bucket-deny-on-user-beats-identity-allow",
        (doc(allow("s3:*")),),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(deny("s3:DeleteObject", f"{BUCKET}/*", Principal={"AWS": ALICE})),
    ),
    Case(
        "bucket-deny-on-account-covers-its-users",
        (doc(allow("s3:*")),),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(deny("s3:Delete*", f"{BUCKET}/*", Principal={"AWS": ACCOUNT})),
    ),
    Case(
        "insecure-transport-deny-does-not-restrict",
        (doc(allow("s3:*")),),
        DELETE_OBJECT,
        {ALICE: False},
        bucket_policy=doc(
            deny(
                "s3:*",
                [BUCKET, f"{BUCKET}/*"],
                Principal="*",
                Condition={"Bool": {"aws:SecureTransport": "false"}},
            )
        ),
    ),
    Case(
        "allow-notprincipal-grants-everyone",
        (),
        ("s3:GetObject", OBJECT),
        {"*": False},
        bucket_policy=doc(allow("s3:GetObject", f"{BUCKET}/*", NotPrincipal={"AWS": ALICE})),
    ),
    Case(
        "deny-notprincipal-always-hits-bounded-role",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(deny("s3:*", f"{BUCKET}/*", NotPrincipal={"AWS": [DEPLOYER, ROOT]})),
        boundary=ADMINISTRATOR_ACCESS,
        role=True,
    ),
    # Conditions on the caller's own identity are decided per principal.
    Case(
        "break-glass-deny-denies-everyone-else",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(except_break_glass()),
    ),
    Case(
        "break-glass-deny-spares-the-break-glass-role",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {DEPLOYER: False},
        bucket_policy=doc(except_break_glass()),
        role=True,
    ),
    Case(
        "break-glass-deny-with-wildcard-arn",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {DEPLOYER: False},
        bucket_policy=doc(
            except_break_glass({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/dep*"}})
        ),
        role=True,
    ),
    Case(
        "arn-like-star-does-not-cross-colons",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(except_break_glass({"ArnNotLike": {"aws:PrincipalArn": "arn:*"}})),
        role=True,
    ),
    Case(
        "break-glass-deny-as-string-not-equals",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(except_break_glass({"StringNotEquals": {"aws:PrincipalArn": DEPLOYER}})),
    ),
    Case(
        "string-not-equals-is-case-sensitive",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(
            except_break_glass({"StringNotEquals": {"aws:PrincipalArn": DEPLOYER.upper()}})
        ),
        role=True,
    ),
    Case(
        "break-glass-deny-in-identity-policy",
        (doc(allow(), except_break_glass(Principal=None)),),
        DELETE_OBJECT,
        {},
    ),
    Case(
        "deny-users-by-principal-type",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(except_break_glass({"StringEquals": {"aws:PrincipalType": "User"}})),
    ),
    Case(
        "deny-users-by-principal-type-spares-roles",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {DEPLOYER: False},
        bucket_policy=doc(except_break_glass({"StringEquals": {"aws:PrincipalType": "User"}})),
        role=True,
    ),
    Case(
        "deny-other-accounts-spares-own",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {ALICE: False},
        bucket_policy=doc(
            except_break_glass({"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}})
        ),
    ),
    Case(
        "deny-other-accounts-denies-foreign-account",
        (),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(
            allow("s3:DeleteObject", f"{BUCKET}/*", Principal={"AWS": OTHER}),
            except_break_glass({"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}),
        ),
    ),
    Case(
        "username-absent-for-roles",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(except_break_glass({"Null": {"aws:username": "true"}})),
        role=True,
    ),
    Case(
        "break-glass-deny-sparing-aws-services",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(
            except_break_glass(
                {
                    "ArnNotLike": {"aws:PrincipalArn": DEPLOYER},
                    "Bool": {"aws:PrincipalIsAWSService": "false"},
                }
            )
        ),
    ),
    Case(
        "deny-sparing-aws-services-spares-the-service",
        (),
        ("s3:PutObject", OBJECT),
        {"service:cloudtrail.amazonaws.com": False},
        bucket_policy=doc(
            allow("s3:PutObject", f"{BUCKET}/*", Principal={"Service": "cloudtrail.amazonaws.com"}),
            except_break_glass(
                {"Bool": {"aws:PrincipalIsAWSService": "false"}}, Action="s3:PutObject"
            ),
        ),
    ),
    Case(
        "principal-key-and-other-key-stay-conditional",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {ALICE: True},
        bucket_policy=doc(
            except_break_glass(
                {
                    "ArnNotEquals": {"aws:PrincipalArn": DEPLOYER},
                    "NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                }
            )
        ),
    ),
    Case(
        "principal-key-and-insecure-transport-never-stops-a-tls-caller",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {ALICE: False},
        bucket_policy=doc(
            except_break_glass(
                {
                    "ArnNotEquals": {"aws:PrincipalArn": DEPLOYER},
                    "Bool": {"aws:SecureTransport": "false"},
                }
            )
        ),
    ),
    Case(
        "anyone-grant-stays-conditional-under-principal-key",
        (),
        ("s3:GetObject", OBJECT),
        {"*": True},
        bucket_policy=doc(
            allow("s3:GetObject", f"{BUCKET}/*", Principal="*"),
            except_break_glass(Action="s3:*"),
        ),
    ),
    Case(
        "identity-allow-for-another-principal-only",
        (doc(allow(Condition={"ArnEquals": {"aws:PrincipalArn": DEPLOYER}})),),
        STOP,
        {},
    ),
    Case(
        "identity-allow-for-own-account",
        (doc(allow(Condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}})),),
        STOP,
        {ALICE: False},
    ),
    Case(
        "allow-star-pinned-to-a-role-reaches-that-role",
        (),
        DELETE_OBJECT,
        {DEPLOYER: False},
        bucket_policy=doc(star_allow({"ArnEquals": {"aws:PrincipalArn": DEPLOYER}})),
        role=True,
    ),
    Case(
        "allow-star-pinned-to-a-role-reaches-nobody-else",
        (),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(star_allow({"ArnEquals": {"aws:PrincipalArn": DEPLOYER}})),
    ),
    Case(
        "allow-star-pinned-to-account-roles",
        (),
        DELETE_OBJECT,
        {DEPLOYER: False},
        bucket_policy=doc(
            star_allow({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}})
        ),
        role=True,
    ),
    Case(
        "allow-star-pinned-to-another-account-stays-star",
        (),
        DELETE_OBJECT,
        {"*": True},
        bucket_policy=doc(
            star_allow({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER}:role/*"}})
        ),
    ),
    Case(
        "allow-star-whole-account-pattern-stays-star",
        (),
        DELETE_OBJECT,
        {"*": True},
        bucket_policy=doc(
            star_allow({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:*"}})
        ),
    ),
    Case(
        "allow-star-if-exists-stays-star",
        (),
        DELETE_OBJECT,
        {"*": True},
        bucket_policy=doc(star_allow({"ArnEqualsIfExists": {"aws:PrincipalArn": DEPLOYER}})),
    ),
    # Resource patterns cover objects by glob: `*` spans `/`.
    Case(
        "deny-on-bucket-star-covers-objects",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {},
        bucket_policy=doc(except_break_glass(Resource="arn:aws:s3:::trail-logs*")),
    ),
    Case(
        "deny-on-other-prefix-spares-log-objects",
        (ADMINISTRATOR_ACCESS,),
        DELETE_OBJECT,
        {ALICE: False},
        bucket_policy=doc(except_break_glass(Resource=f"{BUCKET}/exports/*")),
    ),
]


def _evaluate(case: Case) -> tuple[Grant, ...]:
    statements = tuple(
        s for i, d in enumerate(case.identity) for s in parse_policy_document(d, f"policy {i}")
    )
    boundary = (
        parse_policy_document(case.boundary, f"managed policy {BOUNDARY_ARN}")
        if case.boundary is not None
        else None
    )
    principal = Principal(
        arn=DEPLOYER if case.role else ALICE,
        kind="role" if case.role else "user",
        name="deployer" if case.role else "alice",
        statements=statements,
        permissions_boundary=BOUNDARY_ARN if boundary is not None else None,
        boundary_statements=boundary,
    )
    policies = (
        {BUCKET: parse_policy_document(case.bucket_policy, "bucket policy of trail-logs")}
        if case.bucket_policy is not None
        else {}
    )
    return who_can([principal], [case.check], policies, ACCOUNT)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_policy_table(case: Case) -> None:
    grants = _evaluate(case)
    assert {g.principal: g.conditional for g in grants} == case.expected
    assert all((g.action, g.resource) == case.check for g in grants)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)


MALFORMED = [
    pytest.param("{not json", id="not-json"),
    pytest.param("[]", id="json-array"),
    pytest.param({"Version": "2012-10-17"}, id="no-statement"),
    pytest.param({"Statement": "Allow everything"}, id="statement-is-a-string"),
    pytest.param(doc({"Action": "*", "Resource": "*"}), id="no-effect"),
    pytest.param(doc({"Effect": "Permit", "Action": "*", "Resource": "*"}), id="bad-effect"),
    pytest.param(doc({"Effect": "Allow", "Resource": "*"}), id="no-action"),
    pytest.param(doc(allow(NotAction="iam:*", Action="s3:*")), id="action-and-notaction"),
    pytest.param(doc(allow(NotResource=BUCKET, Resource="*")), id="resource-and-notresource"),
    pytest.param(doc(allow(action=42)), id="action-not-a-string"),
    pytest.param(doc(allow(action=[])), id="empty-action-list"),
    pytest.param(doc(allow(Condition=["aws:SecureTransport"])), id="condition-not-object"),
    pytest.param(doc(allow(Condition={"Bool": "true"})), id="condition-operator-not-object"),
    pytest.param(doc(allow(Principal="arn:aws:iam::1:root")), id="principal-bare-string"),
    pytest.param(doc(allow(Principal={"Robot": "x"})), id="unknown-principal-type"),
    pytest.param(doc(allow(Principal="*", NotPrincipal="*")), id="principal-and-notprincipal"),
    pytest.param(doc(allow(Sid=7)), id="sid-not-a-string"),
    pytest.param({"Statement": ["Allow"]}, id="statement-not-object"),
]


@pytest.mark.parametrize("document", MALFORMED)
def test_malformed_document_raises_value_error(document: Any) -> None:
    with pytest.raises(ValueError, match="test policy"):
        parse_policy_document(document, "test policy")


def test_statement_fields_are_normalized() -> None:
    (statement,) = parse_policy_document(
        doc(
            allow(
                ["CloudTrail:StopLogging"],
                TRAIL,
                Sid="Ops",
                Principal={"AWS": ["123456789012", "*"], "Service": "Logs.AmazonAWS.com"},
            )
        ),
        "bucket policy of trail-logs",
    )
    assert statement.actions == ("cloudtrail:stoplogging",)
    assert statement.resources == (TRAIL,)
    assert statement.principals == (
        "arn:aws:iam::123456789012:root",
        "*",
        "service:logs.amazonaws.com",
    )
    assert (statement.sid, statement.index, statement.has_condition) == ("Ops", 0, False)
    assert statement.source == "bucket policy of trail-logs"


def test_plain_json_string_is_not_url_decoded() -> None:
    text = json.dumps(doc(allow(Condition={"StringLike": {"aws:userid": "AIDA%41*"}})))
    (statement,) = parse_policy_document(text, "policy")
    assert statement.condition == {"StringLike": {"aws:userid": "AIDA%41*"}}


def test_grant_names_the_statement_that_allows() -> None:
    principal = Principal(
        arn=ALICE,
        kind="user",
        name="alice",
        statements=parse_policy_document(
            doc(allow("s3:GetObject"), {**allow("cloudtrail:*"), "Sid": "Ops"}),
            "user/alice inline policy 'ops'",
        ),
        permissions_boundary=None,
    )
    (grant,) = who_can([principal], [STOP], account_id=ACCOUNT)
    assert grant == Grant(
        principal=ALICE,
        action="cloudtrail:StopLogging",
        resource=TRAIL,
        source="user/alice inline policy 'ops'",
        sid="Ops",
        statement_index=1,
        conditional=False,
        via="identity",
    )


def test_resource_policy_grant_is_marked_via_resource() -> None:
    policies = {
        BUCKET: parse_policy_document(
            doc(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": ALICE})), "bucket policy"
        )
    }
    alice = Principal(ALICE, "user", "alice", (), None)
    (grant,) = who_can([alice], [DELETE_OBJECT], policies, ACCOUNT)
    assert (grant.via, grant.source) == ("resource", "bucket policy")


def test_resource_policy_only_applies_to_its_own_resource() -> None:
    policies = {
        "arn:aws:s3:::other": parse_policy_document(
            doc(allow("s3:*", "*", Principal="*")), "bucket policy of other"
        )
    }
    assert who_can([], [DELETE_OBJECT], policies, ACCOUNT) == ()
    assert [g.principal for g in who_can([], [("s3:GetObject", "arn:aws:s3:::other/k")], policies)]


def test_expand_account_grants_lists_each_scanned_principal() -> None:
    policies = {
        BUCKET: parse_policy_document(
            doc(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": ACCOUNT})), "bucket policy"
        )
    }
    alice = Principal(ALICE, "user", "alice", (), None)
    grants = who_can([alice], [DELETE_OBJECT], policies, ACCOUNT, expand_account_grants=True)
    assert {g.principal for g in grants} == {ROOT, ALICE}


def test_resource_grant_to_role_is_capped_by_boundary_but_user_is_not() -> None:
    boundary = parse_policy_document(doc(allow("ec2:*")), "boundary")
    user = Principal(ALICE, "user", "alice", (), BOUNDARY_ARN, boundary)
    role = Principal(DEPLOYER, "role", "deployer", (), BOUNDARY_ARN, boundary)
    policies = {
        BUCKET: parse_policy_document(
            doc(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": [ALICE, DEPLOYER]})), "bucket"
        )
    }
    grants = who_can([user, role], [DELETE_OBJECT], policies, ACCOUNT)
    assert [g.principal for g in grants] == [ALICE]


def test_unknown_boundary_keeps_grant_and_is_reported() -> None:
    role = Principal(
        DEPLOYER,
        "role",
        "deployer",
        parse_policy_document(ADMINISTRATOR_ACCESS, "managed policy admin"),
        BOUNDARY_ARN,
        None,
    )
    assert [g.principal for g in who_can([role], [STOP])] == [DEPLOYER]
    limits = analysis_limits([role])
    assert SCP_LIMIT in limits
    assert any("role/deployer" in line and BOUNDARY_ARN in line for line in limits)


def test_patterns_compile_once_not_per_check(monkeypatch: pytest.MonkeyPatch) -> None:
    policy_document._matcher.cache_clear()
    compiled: list[str] = []
    real_compile = re.compile

    def counting_compile(pattern: Any, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real_compile(pattern, flags)

    monkeypatch.setattr(re, "compile", counting_compile)
    statements = parse_policy_document(
        doc(allow("s3:*", f"{BUCKET}/*"), deny("cloudtrail:Stop*", TRAIL)), "policy"
    )
    principals = [
        Principal(f"arn:aws:iam::{ACCOUNT}:user/u{i}", "user", f"u{i}", statements, None)
        for i in range(200)
    ]
    checks = [("s3:DeleteObject", f"{BUCKET}/k{i}") for i in range(50)] + [STOP]
    grants = who_can(principals, checks, account_id=ACCOUNT)
    assert len(grants) == 200 * 50
    # One regex per distinct Action/Resource element, however many principals and checks.
    assert len(compiled) <= 4


REALISTIC_DETAILS: dict[str, Any] = {
    "UserDetailList": [
        {
            "Path": "/",
            "UserName": "alice",
            "UserId": "AIDAEXAMPLEALICE0001",
            "Arn": ALICE,
            "CreateDate": "2024-01-01T00:00:00Z",
            "GroupList": ["admins"],
            "AttachedManagedPolicies": [],
            "Tags": [],
        },
        {
            "Path": "/",
            "UserName": "bob",
            "UserId": "AIDAEXAMPLEBOB000001",
            "Arn": f"arn:aws:iam::{ACCOUNT}:user/bob",
            "CreateDate": "2024-01-01T00:00:00Z",
            "UserPolicyList": [
                {
                    "PolicyName": "read-logs",
                    # The raw API returns inline documents URL-encoded.
                    "PolicyDocument": quote(
                        json.dumps(doc(allow(["s3:GetObject", "s3:ListBucket"], f"{BUCKET}*")))
                    ),
                }
            ],
            "GroupList": ["auditors"],
            "AttachedManagedPolicies": [
                {
                    "PolicyName": "trail-ops",
                    "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/trail-ops",
                },
                {
                    "PolicyName": "ReadOnlyAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                },
            ],
        },
    ],
    "GroupDetailList": [
        {
            "Path": "/",
            "GroupName": "admins",
            "GroupId": "AGPAEXAMPLEADMINS001",
            "Arn": f"arn:aws:iam::{ACCOUNT}:group/admins",
            "GroupPolicyList": [
                {
                    "PolicyName": "no-trail-tampering",
                    "PolicyDocument": doc(
                        deny(["cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail"], "*")
                    ),
                }
            ],
            "AttachedManagedPolicies": [
                {
                    "PolicyName": "AdministratorAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
                }
            ],
        }
    ],
    "RoleDetailList": [
        {
            "Path": "/",
            "RoleName": "deployer",
            "RoleId": "AROAEXAMPLEDEPLOYER1",
            "Arn": DEPLOYER,
            "AssumeRolePolicyDocument": quote(
                json.dumps(
                    doc(
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "codebuild.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    )
                )
            ),
            "InstanceProfileList": [],
            "RolePolicyList": [],
            "AttachedManagedPolicies": [
                {
                    "PolicyName": "AdministratorAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
                }
            ],
            "PermissionsBoundary": {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": BOUNDARY_ARN,
            },
        },
        {
            "Path": "/service-role/",
            "RoleName": "ops",
            "RoleId": "AROAEXAMPLEOPS000001",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/service-role/ops",
            "RolePolicyList": [
                {"PolicyName": "trail", "PolicyDocument": doc(allow("cloudtrail:*", TRAIL))}
            ],
            "AttachedManagedPolicies": [],
            "PermissionsBoundary": {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT}:policy/elsewhere",
            },
        },
    ],
    "Policies": [
        {
            "PolicyName": "AdministratorAccess",
            "Arn": "arn:aws:iam::aws:policy/AdministratorAccess",
            "DefaultVersionId": "v1",
            "AttachmentCount": 2,
            "IsAttachable": True,
            "PolicyVersionList": [
                {
                    "Document": quote(json.dumps(ADMINISTRATOR_ACCESS)),
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                }
            ],
        },
        {
            "PolicyName": "trail-ops",
            "Arn": f"arn:aws:iam::{ACCOUNT}:policy/trail-ops",
            "DefaultVersionId": "v2",
            "PolicyVersionList": [
                {
                    "Document": doc(allow("cloudtrail:Describe*")),
                    "VersionId": "v2",
                    "IsDefaultVersion": True,
                },
                {
                    # An old version that would let bob stop logging: not the default, so inert.
                    "Document": doc(allow("cloudtrail:*")),
                    "VersionId": "v1",
                    "IsDefaultVersion": False,
                },
            ],
        },
        {
            "PolicyName": "boundary",
            "Arn": BOUNDARY_ARN,
            "DefaultVersionId": "v1",
            "PolicyVersionList": [
                {
                    "Document": doc(allow(NotAction=["cloudtrail:*", "iam:*"])),
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                }
            ],
        },
    ],
}


def test_realistic_authorization_details() -> None:
    principals = principals_from_authorization_details(REALISTIC_DETAILS)
    by_name = {p.name: p for p in principals}
    assert [(p.kind, p.name) for p in principals] == [
        ("user", "alice"),
        ("user", "bob"),
        ("role", "deployer"),
        ("role", "ops"),
    ]
    assert by_name["deployer"].boundary_statements is not None
    assert by_name["bob"].unresolved_policies == (
        "group auditors",
        "managed policy arn:aws:iam::aws:policy/ReadOnlyAccess",
    )

    checks = [STOP, ("cloudtrail:DeleteTrail", TRAIL), DELETE_OBJECT, ("s3:GetObject", OBJECT)]
    grants = who_can(principals, checks, account_id=ACCOUNT)
    granted = {(g.principal.rsplit("/", 1)[-1], g.action) for g in grants}
    assert granted == {
        # alice: AdministratorAccess through the admins group, minus the group's Deny.
        ("alice", "cloudtrail:StopLogging"),
        ("alice", "s3:DeleteObject"),
        ("alice", "s3:GetObject"),
        # bob: URL-encoded inline read policy only; trail-ops v1 is not the default version.
        ("bob", "s3:GetObject"),
        # deployer: admin capped by a boundary that excludes cloudtrail.
        ("deployer", "s3:DeleteObject"),
        ("deployer", "s3:GetObject"),
        # ops: boundary unknown, so the identity grant stands and a limit is reported.
        ("ops", "cloudtrail:StopLogging"),
        ("ops", "cloudtrail:DeleteTrail"),
    }
    alice_stop = next(g for g in grants if g.principal == ALICE and g.action == STOP[0])
    assert alice_stop.source == "managed policy arn:aws:iam::aws:policy/AdministratorAccess"

    limits = analysis_limits(principals)
    assert limits[0] == SCP_LIMIT
    assert any("role/ops" in line and "policy/elsewhere" in line for line in limits)
    assert any("user/bob" in line and "ReadOnlyAccess" in line for line in limits)
    assert not any("deployer" in line for line in limits)


def test_managed_policy_attached_twice_counts_once() -> None:
    admin_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    details = {
        "UserDetailList": [
            {
                "UserName": "alice",
                "Arn": ALICE,
                "GroupList": ["admins"],
                "AttachedManagedPolicies": [{"PolicyName": "A", "PolicyArn": admin_arn}],
            }
        ],
        "GroupDetailList": [
            {
                "GroupName": "admins",
                "Arn": f"arn:aws:iam::{ACCOUNT}:group/admins",
                "AttachedManagedPolicies": [{"PolicyName": "A", "PolicyArn": admin_arn}],
            }
        ],
        "Policies": [
            {
                "Arn": admin_arn,
                "PolicyVersionList": [{"Document": ADMINISTRATOR_ACCESS, "IsDefaultVersion": True}],
            }
        ],
    }
    (alice,) = principals_from_authorization_details(details)
    assert len(alice.statements) == 1


@pytest.mark.parametrize(
    "details",
    [
        pytest.param({"UserDetailList": {"alice": {}}}, id="list-is-a-dict"),
        pytest.param({"UserDetailList": [{"Arn": ALICE}]}, id="user-without-name"),
        pytest.param(
            {"RoleDetailList": [{"RoleName": "r", "Arn": DEPLOYER, "RolePolicyList": [{}]}]},
            id="inline-policy-without-name",
        ),
        pytest.param(
            {
                "Policies": [
                    {
                        "Arn": BOUNDARY_ARN,
                        "PolicyVersionList": [{"Document": "%7B", "IsDefaultVersion": True}],
                    }
                ]
            },
            id="broken-managed-document",
        ),
    ],
)
def test_malformed_authorization_details_raise_value_error(details: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        principals_from_authorization_details(details)
