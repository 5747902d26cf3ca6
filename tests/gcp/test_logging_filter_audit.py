"""May a filter match a Cloud Audit Logs entry, and the GCP condition operators built on the
filter analysis (``covers_logging_filter``, ``may_match_audit_logs``)."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.inventory import Inventory
from scanner.model import Resource, Status
from scanner.policy.lang import CompileError, Compiler
from scanner.policy.operators import Context, Undecided
from scanner.providers.gcp.analysis.cis_filters import CIS_FILTERS
from scanner.providers.gcp.analysis.logging_filter_audit import may_match_audit
from scanner.providers.gcp.analysis.logging_filter_syntax import FilterSyntaxError
from scanner.providers.gcp.operators import OPERATORS

AUDIT = "cloudaudit.googleapis.com"


@pytest.mark.parametrize(
    ("text", "may"),
    [
        # The golden estate's exclusion, and every way of naming audit logs.
        (f'logName:"{AUDIT}"', True),
        ("", True),
        ('logName:"projects/lw-logging/logs/cloudaudit.googleapis.com%2Factivity"', True),
        ('logName="projects/p/logs/cloudaudit.googleapis.com%2Fdata_access"', True),
        ('logName="folders/1/logs/cloudaudit.googleapis.com/policy"', True),
        ('logName="ORGANIZATIONS/1/LOGS/CLOUDAUDIT.GOOGLEAPIS.COM%2FSYSTEM_EVENT"', True),
        (f'log_id("{AUDIT}/data_access")', True),
        (f'log_id("{AUDIT}%2Factivity")', True),
        ('logName:"data_access"', True),
        ('logName:"activity"', True),
        # A substring that a project ID may hold: the parent is not known to the filter.
        ('logName:"syslog"', True),
        ('logName:"s/my-proj"', True),
        ("severity>=ERROR", True),
        ('resource.type="gce_instance"', True),
        ('NOT log_id("stdout")', True),
        (f'NOT logName:"{AUDIT}%2Factivity"', True),  # data_access still matches
        ('logName:"/logs/syslog" OR severity=DEBUG', True),
        ('logName=~"cloudaudit"', True),
        ("sample(insertId, 0.1)", True),
        ("-logName:syslog", True),
        # Provably no audit entry.
        ('logName:"projects/p/logs/syslog"', False),
        ('logName="projects/p/logs/stdout"', False),
        ('log_id("stdout")', False),
        ('log_id("cloudaudit.googleapis.com/other")', False),
        ('logName:"/logs/run.googleapis.com"', False),
        (f'NOT logName:"{AUDIT}"', False),
        ('NOT logName:"cloudaudit"', False),
        ("NOT logName:*", False),
        ('log_id("stdout") OR log_id("stderr")', False),
        ('resource.type="k8s_container" AND logName:"/logs/stdout"', False),
        ('(log_id("stdout") OR log_id("stderr")) severity<=INFO', False),
        # Sibling of the above: one alternative left open.
        ('log_id("stdout") OR severity<=INFO', True),
    ],
)
def test_may_match_audit(text: str, may: bool) -> None:
    assert may_match_audit(text)[0] is may


def test_may_match_audit_says_where() -> None:
    may, why = may_match_audit(f'logName:"{AUDIT}"')
    assert may and why == f'audit log entries may match where logName:"{AUDIT}"'
    assert may_match_audit('log_id("stdout")')[1].startswith("no audit log entry can match")


def test_may_match_audit_rejects_bad_syntax() -> None:
    with pytest.raises(FilterSyntaxError):
        may_match_audit('logName:"open')


# --------------------------------------------------------------------------------------------
# Operators

CTX = Context(Inventory())
COVERS = OPERATORS["covers_logging_filter"]
MAY = OPERATORS["may_match_audit_logs"]
SQL = CIS_FILTERS["gcp-monitoring-sql-instance-changes"].filter


def test_covers_operator_three_ways() -> None:
    assert COVERS.test(SQL, SQL, CTX) is True
    assert COVERS.test('protoPayload.methodName="x"', SQL, CTX) is False
    assert COVERS.test(None, SQL, CTX) is False
    with pytest.raises(Undecided, match="cannot be decided"):
        COVERS.test('protoPayload.methodName=~"update"', SQL, CTX)
    with pytest.raises(Undecided, match="could not be parsed"):
        COVERS.test('protoPayload.methodName="open', SQL, CTX)


def test_covers_operator_explains_with_a_witness() -> None:
    assert COVERS.explain is not None
    why = COVERS.explain("filter", 'protoPayload.methodName="x"', SQL)
    assert why is not None
    assert why.startswith('filter "protoPayload.methodName=\\"x\\"" does not cover')
    assert 'protoPayload.methodName="cloudsql.instances.update"' in why


@pytest.mark.parametrize(
    ("operand", "problem"),
    [
        (SQL, None),
        ("", None),
        (3, "expects a Logging query language filter"),
        ('x="open', "invalid Logging query language filter"),
    ],
)
def test_covers_operand_is_validated(operand: Any, problem: str | None) -> None:
    found = COVERS.operand_problem(operand)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_may_match_operator() -> None:
    assert MAY.test(f'logName:"{AUDIT}"', True, CTX) is True
    assert MAY.test(f'logName:"{AUDIT}"', False, CTX) is False
    assert MAY.test('log_id("stdout")', False, CTX) is True
    assert MAY.test(None, False, CTX) is False
    with pytest.raises(Undecided):
        MAY.test('logName:"open', False, CTX)
    assert MAY.operand_problem(True) is None
    assert MAY.operand_problem("yes") is not None
    assert MAY.explain is not None
    assert "may match audit log entries" in (MAY.explain("filter", "", False) or "")


def _resource(attrs: dict[str, Any]) -> Resource:
    return Resource(
        provider="gcp",
        account="p",
        region="global",
        type="gcp.logging.sink",
        id="//logging.googleapis.com/projects/p/sinks/s",
        name="s",
        attrs=attrs,
    )


@pytest.mark.parametrize(
    ("flt", "status", "reason"),
    [
        ('log_id("stdout")', Status.PASS, None),
        (f'logName:"{AUDIT}"', Status.FAIL, "may match audit log entries"),
        ('logName:"open', Status.UNKNOWN, "filter: the filter"),
    ],
)
def test_undecided_becomes_unknown_in_a_condition(
    flt: str, status: Status, reason: str | None
) -> None:
    node = Compiler({}).compile({"attr": "filter", "may_match_audit_logs": False}, ("c",))
    got, reasons = node.fn(_resource({"filter": flt}), {"filter": flt}, CTX)
    assert got is status
    if reason:
        assert reason in reasons[0]


def test_operands_are_checked_when_a_policy_compiles() -> None:
    with pytest.raises(CompileError, match="invalid Logging query language filter"):
        Compiler({}).compile({"attr": "filter", "covers_logging_filter": 'x="'}, ("c",))


def test_undecided_on_a_parameter_is_unknown_too() -> None:
    node = Compiler({"f": 'logName:"open'}).compile(
        {"param": "f", "may_match_audit_logs": False}, ("c",)
    )
    got, reasons = node.fn(_resource({}), {}, CTX)
    assert got is Status.UNKNOWN
    assert reasons[0].startswith("parameter f: the filter")


def test_may_match_audit_is_sound_against_brute_force() -> None:
    """A filter said to match no audit entry matches none of a universe of audit entries."""
    import random

    from scanner.providers.gcp.analysis.logging_filter import _atoms, _kleene
    from scanner.providers.gcp.analysis.logging_filter_facts import holds
    from scanner.providers.gcp.analysis.logging_filter_syntax import parse

    pieces = [
        "cloudaudit",
        "cloudaudit.googleapis.com%2Factivity",
        "cloudaudit.googleapis.com/data_access",
        "projects/p/logs/",
        "/logs/syslog",
        "syslog",
        "s/p",
        "p/logs/cloudaudit",
        "policy",
    ]
    atoms = [f'logName:"{p}"' for p in pieces] + [
        'log_id("cloudaudit.googleapis.com/policy")',
        'log_id("stdout")',
        'logName="projects/p/logs/cloudaudit.googleapis.com%2Fsystem_event"',
        'logName="projects/p/logs/stdout"',
        "severity>=ERROR",
        'resource.type="gce_instance"',
    ]
    audit = [
        {"logName": f"{parent}/logs/cloudaudit.googleapis.com%2F{kind}", "severity": sev}
        for parent in ("projects/p", "projects/syslog-p", "folders/1", "organizations/2")
        for kind in ("activity", "data_access", "system_event", "policy")
        for sev in ("NOTICE", "ERROR")
    ]
    rng = random.Random(7)
    ruled_out = 0
    for _ in range(1500):
        terms = [
            ("NOT " if rng.random() < 0.3 else "") + rng.choice(atoms)
            for _ in range(rng.randint(1, 3))
        ]
        text = rng.choice([" AND ", " OR "]).join(terms)
        may, _why = may_match_audit(text)
        if may:
            continue
        ruled_out += 1
        expr = parse(text)
        assert expr is not None
        for entry in audit:
            entry = {**entry, "resource.type": "gce_instance"}
            value = {atom: holds(atom, entry) for atom in _atoms(expr)}
            assert _kleene(expr, value) is not True, (text, entry)
    assert ruled_out > 100
