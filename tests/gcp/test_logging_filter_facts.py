"""What one comparison says about another and about one entry: the facts the covers relation
is built from, each with its sibling and its boundary."""

from __future__ import annotations

import pytest

from scanner.providers.gcp.analysis.logging_filter_facts import (
    always,
    holds,
    implies,
    is_scalar,
    refutes,
)
from scanner.providers.gcp.analysis.logging_filter_syntax import Atom, parse

MN = "protoPayload.methodName"
BD = "protoPayload.serviceData.policyDelta.bindingDeltas"


def atom(text: str) -> Atom:
    found = parse(text)
    assert found is not None and not hasattr(found, "terms") and not hasattr(found, "term")
    return found  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("p", "q", "expected"),
    [
        (f'{MN}="a.b.c"', f'{MN}="a.b.c"', True),
        (f'{MN}="A.B.C"', f'{MN}="a.b.c"', True),  # string comparisons ignore case
        (f'{MN}="a.b.c"', f'{MN}="a.b"', False),
        (f'{MN}="a.b.c"', f'{MN}:"b.c"', True),
        (f'{MN}:"a.b.c"', f'{MN}:"b"', True),
        (f'{MN}:"a.b"', f'{MN}:"a.b.c"', False),  # boundary: the shorter text says less
        (f'{MN}:"a.b"', f'{MN}="a.b"', False),
        (f'{MN}="x"', f"{MN}:*", True),
        (f'{MN}=~"x"', f"{MN}:*", True),
        (f'{MN}!="x"', f"{MN}:*", False),  # != on a missing field is undocumented
        (f"{BD}.action:*", "protoPayload.serviceData:*", True),  # the parent message exists
        (f'{BD}.action=""', "protoPayload.serviceData:*", False),
        (f'{MN}="x"', f'{MN}!="y"', True),  # one-valued field
        (f'{BD}.action="ADD"', f'{BD}.action!="REMOVE"', False),  # repeated: both may hold
        ("severity=ERROR", "severity>=WARNING", True),
        ("severity>=ERROR", "severity>WARNING", True),
        ("severity>=WARNING", "severity>=ERROR", False),
        ("severity>=500", "severity>=ERROR", True),
        (f'{MN}="SetIamPolicy"', '"iampolicy"', True),  # a global search term
        ('"ProjectOwnership"', '"owner"', True),
        ('"owner"', '"ProjectOwnership"', False),
        ('log_id("cloudaudit.googleapis.com/activity")', 'logName:"cloudaudit"', True),
        (
            'log_id("cloudaudit.googleapis.com/activity")',
            'logName:"cloudaudit.googleapis.com/a"',
            False,
        ),
        ("sample(insertId, 0.5)", "sample(insertId, 0.5)", True),
        ("sample(insertId, 0.5)", "sample(insertId, 0.6)", False),
    ],
)
def test_implies(p: str, q: str, expected: bool) -> None:
    assert implies(atom(p), atom(q)) is expected


@pytest.mark.parametrize(
    ("p", "q", "expected"),
    [
        ('resource.type="gce_route"', 'resource.type="gce_network"', True),
        ('resource.type="gce_route"', 'resource.type="GCE_ROUTE"', False),
        ('resource.type="gce_route"', 'resource.type:"route"', False),
        ('resource.type="gce_route"', 'resource.type:"network"', True),
        ('resource.type:"route"', 'resource.type="gce_network"', True),
        ('resource.type="a"', 'resource.type!="a"', True),
        (f'{BD}.action="ADD"', f'{BD}.action="REMOVE"', False),  # repeated field
        ('labels.env="prod"', 'labels.env="dev"', True),  # a map value holds one text
        ("severity=ERROR", "severity<=WARNING", True),
        ("severity>=ERROR", "severity>=WARNING", False),
        (f'{MN}:"a"', f'{MN}:"b"', False),  # one text may contain both
    ],
)
def test_refutes(p: str, q: str, expected: bool) -> None:
    assert refutes(atom(p), atom(q)) is expected


ENTRY = {
    "logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
    "resource.type": "gce_route",
    "timestamp": "2025-05-05T00:00:00Z",
    MN: "v1.compute.routes.insert",
    f"{BD}.role": "roles/owner",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'{MN}="V1.COMPUTE.ROUTES.INSERT"', True),
        (f'{MN}="compute.routes.insert"', False),
        (f'{MN}:"routes"', True),
        (f'{MN}=~"^v1\\\\."', True),
        (f'{MN}=~"^V1\\\\."', False),  # regular expressions are case sensitive
        (f'{MN}!~"routes"', False),
        ('protoPayload.resourceName="x"', False),  # missing field
        ('protoPayload.resourceName!="x"', None),  # != on a missing field: undocumented
        ('protoPayload.resourceName=""', None),  # a missing text may read as ""
        ("protoPayload.resourceName:*", False),
        ("protoPayload.serviceData:*", True),  # the message holding a present field
        ('protoPayload.serviceData:"owner"', None),
        ('protopayload.methodname="v1.compute.routes.insert"', None),  # field name case
        ("severity>=DEFAULT", True),  # no severity reads as DEFAULT
        ("severity>=INFO", False),
        ('"owner"', True),
        ('"nowhere"', False),
        ('"2026"', None),  # another entry's timestamp might hold it
        ('"2025-05"', True),
        ('log_id("cloudaudit.googleapis.com/activity")', True),
        ('log_id("cloudaudit.googleapis.com/data_access")', False),
        ("sample(insertId, 0.5)", None),
        ('timestamp>="2020-01-01"', None),
    ],
)
def test_holds(text: str, expected: bool | None) -> None:
    assert holds(atom(text), ENTRY) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("logName:*", True),
        ("resource.type:*", True),
        ('logName:"/logs/"', True),
        ('logName:"/logs/x"', False),
        ("severity>=DEFAULT", True),
        ("severity<=EMERGENCY", True),
        ("severity>DEFAULT", False),
        ("protoPayload:*", False),
    ],
)
def test_always(text: str, expected: bool) -> None:
    assert always(atom(text)) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("resource.type", True),
        (MN, True),
        ("labels.env", True),
        ("resource.labels.project_id", True),
        ("labels.a.b", False),
        (f"{BD}.action", False),
        ("jsonPayload.message", False),
    ],
)
def test_is_scalar(path: str, expected: bool) -> None:
    assert is_scalar(path) is expected
