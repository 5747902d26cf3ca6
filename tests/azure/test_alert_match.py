"""Activity log alert semantics (analysis/alert_match.py): which conditions, scopes and action
groups make an alert fire on every event of an operation in a subscription. Each row is a
failing case, the sibling that must keep passing, or the boundary between them."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.model import Unknowable
from scanner.providers.azure.analysis.alert_match import (
    BROKEN,
    ERROR,
    UNKNOWN,
    WORKS,
    Wanted,
    condition_problems,
    coverage,
    operand_problem,
    scope_problem,
)

SUB = "/subscriptions/22222222-0000-0000-0000-000000000001"
NSG_WRITE = Wanted.parse("Microsoft.Network/networkSecurityGroups/write")
HEALTH = Wanted.parse("ServiceHealth")


def leaf(field: str, equals: str | None = None, contains_any: list[str] | None = None) -> Any:
    return {"field": field, "equals": equals, "contains_any": contains_any}


ADMIN = leaf("category", "Administrative")
OP = leaf("operationname", "Microsoft.Network/networkSecurityGroups/write")


def cond(*items: Any) -> dict[str, Any]:
    return {"all_of": list(items)}


@pytest.mark.parametrize(
    ("condition", "admits"),
    [
        # The CIS shape, and the same differing only in case (Azure compares case-insensitively).
        (cond(ADMIN, OP), True),
        (
            cond(
                leaf("Category", "administrative"),
                leaf("operationName", "microsoft.network/networksecuritygroups/WRITE"),
            ),
            True,
        ),
        # containsAny: one of its values is the operation / the category.
        (cond(ADMIN, leaf("operationname", contains_any=["x/y/z", OP["equals"].upper()])), True),
        (cond(leaf("category", contains_any=["Security", "Administrative"]), OP), True),
        # anyOf of operation names, one of which is ours.
        (
            cond(
                ADMIN,
                {
                    "any_of": [
                        leaf("operationname", "Microsoft.Network/networkSecurityGroups/delete"),
                        OP,
                    ]
                },
            ),
            True,
        ),
        # No operationName leaf: every Administrative event, ours included.
        (cond(ADMIN), True),
        # Fields every event of the operation has the same value of.
        (cond(ADMIN, OP, leaf("resourceprovider", "microsoft.network")), True),
        (cond(ADMIN, OP, leaf("resourcetype", "Microsoft.Network/networkSecurityGroups")), True),
        # Boundary: a level leaf admitting all five documented levels does not narrow ...
        (
            cond(
                ADMIN,
                OP,
                leaf(
                    "level",
                    contains_any=["Critical", "Error", "Warning", "Informational", "Verbose"],
                ),
            ),
            True,
        ),
        (
            cond(
                ADMIN,
                OP,
                {
                    "any_of": [
                        leaf("level", contains_any=["Critical", "Error"]),
                        leaf("level", contains_any=["warning", "informational", "verbose"]),
                    ]
                },
            ),
            True,
        ),
        # ... and four of them does.
        (
            cond(
                ADMIN,
                OP,
                leaf("level", contains_any=["Critical", "Error", "Warning", "Informational"]),
            ),
            False,
        ),
        (cond(ADMIN, OP, leaf("level", "Critical")), False),
        # Narrowing leaves.
        (cond(ADMIN, OP, leaf("status", "Succeeded")), False),
        (cond(ADMIN, OP, leaf("substatus", "Created")), False),
        (cond(ADMIN, OP, leaf("caller", "ops@example.org")), False),
        (cond(ADMIN, OP, leaf("resourcegroup", "rg-prod")), False),
        (cond(ADMIN, OP, leaf("resourceid", SUB + "/resourcegroups/rg/providers/x/y/z")), False),
        (cond(ADMIN, OP, leaf("properties.statusCode", "Created")), False),
        (cond(ADMIN, OP, leaf("resourcetype", "Microsoft.Network/publicIPAddresses")), False),
        (cond(ADMIN, OP, leaf("resourceprovider", "Microsoft.Sql")), False),
        (cond(ADMIN, OP, {"any_of": [leaf("level", "Critical"), leaf("status", "Failed")]}), False),
        # An undocumented field is not understood: it narrows.
        (cond(ADMIN, OP, leaf("weather", "sunny")), False),
        # Another operation, another category, no category leaf.
        (
            cond(ADMIN, leaf("operationname", "Microsoft.Network/networkSecurityGroups/delete")),
            False,
        ),
        (cond(ADMIN, leaf("operationname", "Microsoft.Network/networkSecurityGroups/*")), False),
        (cond(leaf("category", "Security"), OP), False),
        (cond(OP), False),
        (cond(), False),
    ],
)
def test_condition_admits_every_event_of_the_operation(condition: Any, admits: bool) -> None:
    problems = condition_problems(condition, NSG_WRITE)
    assert not isinstance(problems, Unknowable)
    assert (problems == []) is admits, problems


@pytest.mark.parametrize(
    ("condition", "admits"),
    [
        (cond(leaf("category", "ServiceHealth")), True),
        (cond(leaf("category", "servicehealth")), True),
        (
            cond(leaf("category", "ServiceHealth"), leaf("properties.incidentType", "Incident")),
            False,
        ),
        # Service health events carry several operation names: pinning one narrows.
        (
            cond(
                leaf("category", "ServiceHealth"),
                leaf("operationname", "Microsoft.ServiceHealth/incident/action"),
            ),
            False,
        ),
        (cond(leaf("category", "ResourceHealth")), False),
    ],
)
def test_service_health(condition: Any, admits: bool) -> None:
    problems = condition_problems(condition, HEALTH)
    assert not isinstance(problems, Unknowable)
    assert (problems == []) is admits, problems


def test_narrowing_reason_names_the_leaf() -> None:
    problems = condition_problems(cond(ADMIN, OP, leaf("level", "Critical")), NSG_WRITE)
    assert problems == [
        "level equals 'Critical' narrows it to some events of "
        "Microsoft.Network/networkSecurityGroups/write (category Administrative)"
    ]


def test_unknowable_condition_is_undecided() -> None:
    assert isinstance(condition_problems(Unknowable("known after apply"), NSG_WRITE), Unknowable)
    # An unknown element of containsAny: cannot tell ...
    later = leaf("operationname", contains_any=[Unknowable("after apply")])
    assert isinstance(condition_problems(cond(ADMIN, later), NSG_WRITE), Unknowable)
    # ... unless another leaf of its anyOf admits the operation ...
    assert condition_problems(cond(ADMIN, {"any_of": [later, OP]}), NSG_WRITE) == []
    # ... and a narrowing leaf elsewhere is a fact that decides.
    narrowed = condition_problems(cond(ADMIN, later, leaf("caller", "x")), NSG_WRITE)
    assert isinstance(narrowed, list) and "caller equals 'x'" in narrowed[0]
    mixed = cond(
        ADMIN, {"field": "operationname", "equals": Unknowable("after apply"), "contains_any": None}
    )
    assert isinstance(condition_problems(mixed, NSG_WRITE), Unknowable)


@pytest.mark.parametrize(
    ("scopes", "covers"),
    [
        ([SUB], True),
        ([SUB.upper() + "/"], True),  # case and a trailing slash do not matter
        ([SUB + "/resourcegroups/rg-audit", SUB], True),
        ([SUB + "/resourcegroups/rg-audit"], False),  # boundary: inside, not the whole
        ([SUB + "/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/n"], False),
        (["/subscriptions/22222222-0000-0000-0000-000000000002"], False),
        (["/subscriptions/22222222-0000-0000-0000-0000000000011"], False),  # a longer id
        ([], False),
    ],
)
def test_scope_must_be_the_subscription(scopes: list[str], covers: bool) -> None:
    assert (scope_problem(scopes, SUB) is None) is covers


def group(state: str, gid: str = "ag") -> dict[str, Any]:
    return {"id": gid, "state": state, "reason": f"action group {gid} is {state}"}


def alert(name: str = "nsg-write", **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"{SUB}/resourcegroups/rg/providers/microsoft.insights/activitylogalerts/{name}",
        "name": name,
        "subscription": SUB,
        "scopes": [SUB],
        "enabled": True,
        "conditions": cond(ADMIN, OP),
        "action_groups": [group(WORKS)],
    }
    return {**base, **over}


@pytest.mark.parametrize(
    ("alerts", "verdict", "fragment"),
    [
        ([alert()], True, "covers"),
        ([alert(enabled=False)], False, "it is disabled"),
        ([alert(action_groups=[])], False, "it has no action group"),
        ([alert(action_groups=[group(BROKEN)])], False, "is broken"),
        # One working action group among broken ones is enough.
        ([alert(action_groups=[group(BROKEN, "a"), group(WORKS, "b")])], True, "covers"),
        # Unreadable or out-of-scan action groups: cannot tell, never a pass.
        ([alert(action_groups=[group(ERROR)])], None, "is error"),
        ([alert(action_groups=[group(BROKEN, "a"), group(UNKNOWN, "b")])], None, "b is unknown"),
        ([alert(enabled=Unknowable("known after apply"))], None, "known after apply"),
        # An unknown does not hide a fact: a disabled alert with an unknown group fails.
        ([alert(enabled=False, action_groups=[group(UNKNOWN)])], False, "disabled"),
        ([], False, "no activity log alert"),
    ],
)
def test_coverage(alerts: list[Any], verdict: bool | None, fragment: str) -> None:
    result = coverage(alerts, NSG_WRITE)
    assert result.verdict is verdict, result.reason
    assert fragment in result.reason


def test_closest_alert_is_named() -> None:
    far = alert(
        "far",
        enabled=False,
        conditions=cond(ADMIN),
        action_groups=[],
        scopes=[SUB + "/resourcegroups/rg"],
    )
    near = alert("near", conditions=cond(ADMIN, OP, leaf("level", "Critical")))
    result = coverage([far, near], NSG_WRITE)
    assert result.verdict is False
    assert result.reason.startswith('closest is alert "near", which does not count: level')
    assert "1 other alert(s) further off" in result.reason
    assert result.used == (near["id"],)


def test_a_covering_alert_wins_over_closer_looking_ones() -> None:
    result = coverage([alert("bad", enabled=False), alert("good")], NSG_WRITE)
    assert result.verdict is True
    assert result.used[0].endswith("/good")


@pytest.mark.parametrize(
    ("operand", "ok"),
    [
        ("Microsoft.Authorization/policyAssignments/write", True),
        ("ServiceHealth", True),
        ("Microsoft.Network", False),
        ("Microsoft.Network//write", False),
        ("servicehealth", False),  # categories are spelled as Azure spells them
        ("", False),
        (3, False),
    ],
)
def test_operand(operand: Any, ok: bool) -> None:
    assert (operand_problem(operand) is None) is ok


def test_a_bad_operation_parameter_is_refused_when_the_policy_compiles() -> None:
    from scanner.data import data_dir
    from scanner.errors import InputError
    from scanner.policy.loader import compile_policies, load_policies

    policy = next(
        p for p in load_policies([data_dir("policies")]) if p.id == "azure-monitor-alert-nsg-write"
    )
    with pytest.raises(InputError, match="neither an ARM operation name"):
        compile_policies([policy], {policy.id: {"operation": "Microsoft.Network"}})
    # Sibling: another well-formed operation name compiles.
    compile_policies([policy], {policy.id: {"operation": "Microsoft.Network/routeTables/write"}})
