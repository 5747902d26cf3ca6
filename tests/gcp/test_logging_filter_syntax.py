"""The Logging query language parser: precedence, implicit AND, quoting, value groups, calls,
comments and the errors it reports (grammar from the "Logging query language" reference)."""

from __future__ import annotations

import pytest

from scanner.providers.gcp.analysis.cis_filters import CIS_FILTERS
from scanner.providers.gcp.analysis.logging_filter_syntax import (
    MAX_LENGTH,
    And,
    Call,
    Compare,
    FilterSyntaxError,
    Not,
    Or,
    Term,
    parse,
    render,
)


def shape(text: str) -> str:
    expr = parse(text)
    assert expr is not None
    return render(expr)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The reference's own example: NOT binds tightest, then OR, then AND.
        ('"a" OR NOT "b" AND NOT "c" OR "d"', '(("a" OR NOT "b") AND (NOT "c" OR "d"))'),
        ("a OR b AND c", '(("a" OR "b") AND "c")'),
        ("a AND b OR c", '("a" AND ("b" OR "c"))'),
        # Juxtaposition is an AND, and binds like one (looser than OR).
        ("a b OR c", '("a" AND ("b" OR "c"))'),
        ("a OR b c", '(("a" OR "b") AND "c")'),
        ("a b c", '("a" AND "b" AND "c")'),
        # Parentheses override.
        ("(a AND b) OR c", '(("a" AND "b") OR "c")'),
        ("((a))", '"a"'),
        # NOT and - negate the next term only.
        ("NOT a OR b", '(NOT "a" OR "b")'),
        ("-a b", '(NOT "a" AND "b")'),
        ("NOT NOT a", 'NOT NOT "a"'),
        ("NOT (a AND b)", 'NOT ("a" AND "b")'),
        ('-resource.type="gce_instance"', 'NOT resource.type="gce_instance"'),
        # Boolean operators must be capitalized: lowercase ones are search terms.
        ("a and b", '("a" AND "and" AND "b")'),
        ("a or b", '("a" AND "or" AND "b")'),
        ("not a", '("not" AND "a")'),
    ],
)
def test_precedence(text: str, expected: str) -> None:
    assert shape(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('resource.type="gce_route"', Compare("resource.type", "=", "gce_route")),
        ("resource.type = gce_route", Compare("resource.type", "=", "gce_route")),
        ("severity>=ERROR", Compare("severity", ">=", "ERROR")),
        ("httpRequest.status != 200", Compare("httpRequest.status", "!=", "200")),
        ("x < -1", Compare("x", "<", "-1")),
        ("x<=3.5", Compare("x", "<=", "3.5")),
        ("x>1", Compare("x", ">", "1")),
        ('textPayload =~ "foo\\d+"', Compare("textPayload", "=~", "foo\\d+")),
        ('textPayload !~ "^x$"', Compare("textPayload", "!~", "^x$")),
        (
            "protoPayload.serviceData.policyDelta.auditConfigDeltas:*",
            Compare("protoPayload.serviceData.policyDelta.auditConfigDeltas", ":", "*"),
        ),
        (
            "protoPayload.methodName:compute.firewalls.patch",
            Compare("protoPayload.methodName", ":", "compute.firewalls.patch"),
        ),
        (
            "protoPayload.serviceData.policyDelta.bindingDeltas.role=roles/owner",
            Compare("protoPayload.serviceData.policyDelta.bindingDeltas.role", "=", "roles/owner"),
        ),
        ('x="a \\"quoted\\" word"', Compare("x", "=", 'a "quoted" word')),
        ('x="back\\\\slash"', Compare("x", "=", "back\\slash")),
        ('labels."k8s-pod/app"="web"', Compare("labels.k8s-pod/app", "=", "web")),
        ("ProjectOwnership", Term("ProjectOwnership")),
        ('"The cat in the hat"', Term("The cat in the hat")),
        ('"AND"', Term("AND")),
        (
            'log_id("cloudaudit.googleapis.com/activity")',
            Call("log_id", ("cloudaudit.googleapis.com/activity",)),
        ),
        ("sample(insertId, 0.25)", Call("sample", ("insertId", "0.25"))),
        ('SEARCH("hello world")', Call("SEARCH", ("hello world",))),
    ],
)
def test_atoms(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_value_group_distributes_the_comparison() -> None:
    assert parse('resource.type = ("gce_instance" OR "gae_app")') == Or(
        (Compare("resource.type", "=", "gce_instance"), Compare("resource.type", "=", "gae_app"))
    )
    assert parse("x:(a b)") == And((Compare("x", ":", "a"), Compare("x", ":", "b")))
    assert parse("x=(NOT a)") == Not(Compare("x", "=", "a"))


def test_the_troubleshooting_page_trap_reads_as_a_comparison_or_a_search_term() -> None:
    # "insertId = "ABC-1" OR "ABC-2"  -- ERROR!?": the second value is a global restriction.
    assert parse('insertId = "ABC-1" OR "ABC-2"') == Or(
        (Compare("insertId", "=", "ABC-1"), Term("ABC-2"))
    )
    assert parse('insertId = ("ABC-1" OR "ABC-2")') == Or(
        (Compare("insertId", "=", "ABC-1"), Compare("insertId", "=", "ABC-2"))
    )


def test_a_name_and_a_group_with_a_space_is_a_term_and_a_group() -> None:
    assert parse("log_id (a)") == And((Term("log_id"), Term("a")))


def test_comments_run_to_the_end_of_the_line() -> None:
    assert parse('a -- a comment with "quotes" and (parens\nb') == And((Term("a"), Term("b")))


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "-- only a comment"])
def test_empty_filters_match_everything(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ('x="open', "unterminated quoted string", 2),
        ("(a AND b", "expected ')' to close the '(' at position 0", 8),
        ("a)", "expected AND, OR, a comparison or the end of the filter", 1),
        ("a AND", "expected a comparison", 5),
        ("OR a", "expected a comparison", 0),
        ("NOT", "expected a comparison", 3),
        ("x=", "expected a value after x=", 2),
        ("x=AND", "expected a value after x=", 2),
        ("insertId = abc:def", "expected AND, OR, a comparison or the end of the filter", 14),
        ("x='single'", "unexpected character", 2),
        ("a = b = c", "expected AND, OR, a comparison or the end of the filter", 6),
        ("f(a b)", "expected ',' or ')' in f()", 4),
        ("()", "expected a comparison, a value or '('", 1),
    ],
)
def test_errors_name_what_was_expected_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.position == position


def test_nesting_and_length_are_bounded() -> None:
    with pytest.raises(FilterSyntaxError, match="nested too deeply"):
        parse("(" * 100 + "a" + ")" * 100)
    with pytest.raises(FilterSyntaxError, match="nested too deeply"):
        parse("NOT " * 100 + "a")
    with pytest.raises(FilterSyntaxError, match="longer than"):
        parse("a " * (MAX_LENGTH // 2 + 1))


def test_every_cis_filter_parses_and_reads_with_or_inside_and() -> None:
    for cis in CIS_FILTERS.values():
        assert parse(cis.filter) is not None
    ownership = parse(CIS_FILTERS["gcp-monitoring-project-ownership-changes"].filter)
    # serviceName AND (ProjectOwnership OR projectOwnerInvitee OR (REMOVE..) OR (ADD..)):
    # the AND applies to every alternative, as OR binds tighter.
    assert isinstance(ownership, And)
    assert ownership.terms[0] == Compare(
        "protoPayload.serviceName", "=", "cloudresourcemanager.googleapis.com"
    )
    assert isinstance(ownership.terms[1], Or)
    assert len(ownership.terms[1].terms) == 3
