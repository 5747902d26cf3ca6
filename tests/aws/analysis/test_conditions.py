"""Condition entries decided for a known caller, and glob coverage of actions and resources."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.providers.aws.analysis.conditions import (
    decide_known,
    identity_context,
    narrow_network,
)
from scanner.providers.aws.analysis.coverage import covers, glob_intersects, instances
from scanner.providers.aws.analysis.policy_document import Match, entries

ROLE = "arn:aws:iam::111122223333:role/ops/BreakGlass"

# IAM User Guide, "Condition operators": an absent key makes a condition false, except negated
# operators, ...IfExists and ForAllValues (true) and Null (tests presence).
DECIDE_CASES = [
    pytest.param({"StringEquals": {"k": "a"}}, "a", Match.YES, id="equals"),
    pytest.param({"StringEquals": {"k": "a"}}, "A", Match.NO, id="equals-case-sensitive"),
    pytest.param({"StringEqualsIgnoreCase": {"k": "a"}}, "A", Match.YES, id="ignore-case"),
    pytest.param({"StringEquals": {"k": ["a", "b"]}}, "b", Match.YES, id="values-are-ored"),
    pytest.param({"StringNotEquals": {"k": ["a", "b"]}}, "b", Match.NO, id="negated-nor"),
    pytest.param({"StringNotEquals": {"k": ["a", "b"]}}, "c", Match.YES, id="negated-holds"),
    pytest.param({"StringLike": {"k": "a*"}}, "abc", Match.YES, id="like"),
    pytest.param({"StringEquals": {"k": "a*"}}, "abc", Match.NO, id="equals-has-no-glob"),
    pytest.param({"StringEquals": {"k": "a"}}, None, Match.NO, id="absent-positive"),
    pytest.param({"StringNotEquals": {"k": "a"}}, None, Match.YES, id="absent-negated"),
    pytest.param({"StringEqualsIfExists": {"k": "a"}}, None, Match.YES, id="absent-if-exists"),
    pytest.param({"ForAllValues:StringEquals": {"k": "a"}}, None, Match.YES, id="absent-all"),
    pytest.param({"ForAnyValue:StringNotEquals": {"k": "a"}}, None, Match.NO, id="absent-any"),
    pytest.param({"Null": {"k": "true"}}, None, Match.YES, id="null-absent"),
    pytest.param({"Null": {"k": "true"}}, "a", Match.NO, id="null-present"),
    pytest.param({"Null": {"k": False}}, "a", Match.YES, id="null-false-present"),
    pytest.param({"ArnLike": {"k": "arn:aws:iam::*:role/ops/*"}}, ROLE, Match.YES, id="arn-like"),
    pytest.param(
        {"ArnLike": {"k": "arn:aws:iam::*"}}, ROLE, Match.NO, id="arn-star-stays-in-field"
    ),
    pytest.param({"ArnNotLike": {"k": "arn:aws:iam::*:role/*"}}, ROLE, Match.NO, id="arn-not-like"),
    pytest.param({"StringEquals": {"k": "${aws:username}"}}, "a", Match.MAYBE, id="variable"),
    pytest.param({"Bool": {"k": "false"}}, "false", Match.YES, id="bool"),
    pytest.param({"Bool": {"k": True}}, "false", Match.NO, id="bool-json-true"),
    pytest.param({"Bool": {"k": "true"}}, None, Match.NO, id="bool-absent"),
    pytest.param({"NumericLessThan": {"k": "3"}}, "2", Match.MAYBE, id="other-operator"),
]


@pytest.mark.parametrize(("condition", "value", "expected"), DECIDE_CASES)
def test_decide_known(condition: dict[str, Any], value: str | None, expected: Match) -> None:
    (entry,) = entries(condition)
    assert decide_known(entry, value) is expected


def test_identity_context() -> None:
    assert identity_context(ROLE) == {
        "aws:principalaccount": "111122223333",
        "aws:principalarn": ROLE,
        "aws:principaltype": "AssumedRole",
        "aws:username": None,
        "aws:principalisawsservice": "false",
    }
    user = "arn:aws:iam::111122223333:user/team/alice"
    assert identity_context(user)["aws:username"] == "alice"
    assert identity_context("arn:aws:iam::111122223333:root") == {
        "aws:principalaccount": "111122223333",
        "aws:principalisawsservice": "false",
    }
    assert identity_context("*") == {}
    assert identity_context("service:cloudtrail.amazonaws.com") == {
        "aws:principalisawsservice": "true"
    }


@pytest.mark.parametrize(
    ("network", "narrow"),
    [("0.0.0.0/1", False), ("1.0.0.0/8", True), ("2001:db8::/32", True), ("::/1", False)],
)
def test_narrow_network(network: str, narrow: bool) -> None:
    assert narrow_network(network) is narrow


INTERSECT_CASES = [
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b/private/*", True),
    ("arn:aws:s3:::b", "arn:aws:s3:::b/*", False),
    ("arn:aws:s3:::b*", "arn:aws:s3:::b/*", True),
    ("arn:aws:s3:::c/*", "arn:aws:s3:::b/*", False),
    ("arn:aws:s3:::b/?", "arn:aws:s3:::b/xy", False),
    ("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/alice", True),
    ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", False),
]


@pytest.mark.parametrize(("left", "right", "expected"), INTERSECT_CASES)
def test_glob_intersects(left: str, right: str, expected: bool) -> None:
    assert glob_intersects(left, right, False) is expected
    assert glob_intersects(right, left, False) is expected


def test_glob_intersects_folds_case_for_actions() -> None:
    assert glob_intersects("S3:Get*", "s3:getobject", True)
    assert not glob_intersects("S3:Get*", "s3:getobject", False)


COVER_CASES = [
    (("arn:aws:s3:::b*",), (), "arn:aws:s3:::b/*", True),
    (("arn:aws:s3:::b/*",), (), "arn:aws:s3:::b*", False),
    (("arn:aws:s3:::b/AWSLogs/*",), (), "arn:aws:s3:::b/*", False),
    (("arn:aws:s3:::b/?",), (), "arn:aws:s3:::b/*", False),
    (("arn:aws:s3:::b/${aws:username}/*",), (), "arn:aws:s3:::b/*", False),
    ((), ("arn:aws:s3:::b/public/*",), "arn:aws:s3:::b/*", False),
    ((), ("arn:aws:s3:::b",), "arn:aws:s3:::b/*", True),
]


@pytest.mark.parametrize(("patterns", "not_patterns", "inner", "expected"), COVER_CASES)
def test_covers(
    patterns: tuple[str, ...], not_patterns: tuple[str, ...], inner: str, expected: bool
) -> None:
    assert covers(patterns, not_patterns, inner, fold_case=False) is expected


def test_instances_never_leave_an_object_key_empty() -> None:
    assert "arn:aws:s3:::b/" not in instances("arn:aws:s3:::b/*")
    assert "arn:aws:s3:::b/k" in instances("arn:aws:s3:::b/*")
