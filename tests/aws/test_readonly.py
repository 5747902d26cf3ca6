"""logward only reads: every call a scan makes is a declared Get/List/Describe.

The demo estate is built first; only then is a botocore `before-call` hook registered on the
session, so the hook sees exactly the calls the scanner makes (every page of a paginated list
is a call of its own).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.providers.aws.calls import READ_PREFIXES
from scanner.providers.aws.services import PERMISSIONS

READ_ONLY = ("Get", "List", "Describe")


@pytest.fixture(scope="module")
def demo_calls(prepared: Any) -> tuple[list[tuple[str, str, str]], dict[str, Any]]:
    """Every (service, operation, region) the demo scan invoked, and its results document."""
    from scanner.providers.aws.demo import demo_session
    from tests.support.pipeline import scan_session

    calls: list[tuple[str, str, str]] = []

    def record(model: Any, context: dict[str, Any], **_: Any) -> None:
        calls.append(
            (model.service_model.service_name, model.name, str(context.get("client_region")))
        )

    with demo_session() as (session, regions):
        session.events.register("before-call", record)
        results = scan_session(prepared, session, regions, label="demo").to_json()
    return calls, results


def test_the_scanner_declares_only_reads() -> None:
    assert READ_PREFIXES == READ_ONLY
    writes = [f"{s}:{op}" for s, op in PERMISSIONS if not op.startswith(READ_ONLY)]
    assert not writes
    actions = [a.split(":", 1)[1] for a in PERMISSIONS.values()]
    assert [a for a in actions if not a.startswith(READ_ONLY)] == []


def test_demo_scan_makes_only_declared_read_calls(
    demo_calls: tuple[list[tuple[str, str, str]], dict[str, Any]],
) -> None:
    calls, results = demo_calls
    assert calls, "the hook saw no call: it is not on the scanner's clients"
    writes = sorted({f"{s}:{op}" for s, op, _r in calls if not op.startswith(READ_ONLY)})
    assert writes == [], f"the scan made non-read calls: {writes}"
    undeclared = sorted({f"{s}:{op}" for s, op, _r in calls if (s, op) not in PERMISSIONS})
    assert undeclared == [], f"calls missing from PERMISSIONS: {undeclared}"
    # The results count calls the scanner asked for (a paginated list counts once); the hook
    # counts requests (every page). Pages can only add.
    assert 0 < results["scan"]["api_calls"] <= len(calls)
    by_operation = Counter(f"{s}:{op}" for s, op, _r in calls)
    print(
        f"\ndemo scan: {len(calls)} API calls "
        f"({results['scan']['api_calls']} as counted by the scanner): "
        + ", ".join(f"{k}={v}" for k, v in sorted(by_operation.items()))
    )


def test_every_declared_permission_is_exercised_by_the_demo(
    demo_calls: tuple[list[tuple[str, str, str]], dict[str, Any]],
) -> None:
    """A declared permission that no scan uses is privilege the role grants for nothing."""
    calls, _results = demo_calls
    unused = sorted(f"{s}:{op}" for s, op in set(PERMISSIONS) - {(s, op) for s, op, _ in calls})
    assert unused == []


def test_permissions_command_prints_exactly_the_declared_actions() -> None:
    from scanner.cli import main

    result = CliRunner().invoke(main, ["permissions", "aws"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["Version"] == "2012-10-17"
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "*"
    assert sorted(statement["Action"]) == statement["Action"]
    assert set(statement["Action"]) == set(PERMISSIONS.values())
    assert len(statement["Action"]) == len(set(PERMISSIONS.values()))
