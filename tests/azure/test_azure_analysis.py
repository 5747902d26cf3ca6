"""Azure analyses as tables: category groups, the includes_all operator, a container's
effective immutability by Azure's precedence, and RBAC pattern and scope matching."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.inventory import Inventory
from scanner.model import Absent, Resource, Unknowable
from scanner.policy.operators import Context, Undecided
from scanner.providers.azure.analysis import categories, immutability, rbac
from scanner.providers.azure.analysis.categories import CATEGORY_OPERATORS

ALL8 = sorted(categories.ACTIVITY)


def _setting(target_type: str, *logs: dict[str, Any]) -> dict[str, Any]:
    return {"target_type": target_type, "logs": list(logs)}


def _log(
    category: str | None = None, group: str | None = None, enabled: bool = True
) -> dict[str, Any]:
    return {
        "category": category,
        "category_group": group,
        "enabled": enabled,
        "retention_days": None,
    }


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (_setting("subscription", _log(group="allLogs")), ALL8),
        (_setting("subscription", _log(group="AllLogs")), ALL8),  # groups match in any case
        (
            _setting("subscription", _log("administrative"), _log("Security")),
            ["Administrative", "Security"],
        ),
        (
            _setting("subscription", _log("Administrative"), _log("Policy", enabled=False)),
            ["Administrative"],
        ),
        (_setting("subscription", _log(group="allLogs", enabled=False)), []),
        (_setting("microsoft.keyvault/vaults", _log(group="audit")), ["AuditEvent"]),
        (
            _setting("microsoft.keyvault/vaults", _log(group="allLogs")),
            ["AuditEvent", "AzurePolicyEvaluationDetails"],
        ),
        (_setting("tenant", _log("SignInLogs"), _log("AuditLogs")), ["AuditLogs", "SignInLogs"]),
    ],
)
def test_effective_categories(setting: dict[str, Any], expected: list[str]) -> None:
    assert categories.effective(setting, "s") == expected


def test_an_undocumented_group_is_an_unknowable_element_beside_the_named_categories() -> None:
    found = categories.effective(
        _setting("subscription", _log("Administrative"), _log(group="audit")), "audit-only"
    )
    assert isinstance(found, list) and found[0] == "Administrative"
    assert isinstance(found[1], Unknowable) and not found[1].error
    assert "audit-only" in found[1].reason and "does not document" in found[1].reason


def test_the_union_of_settings_and_an_unreadable_one() -> None:
    marker = Unknowable("audit group")
    assert categories.union([["Alert"], ["alert", "Policy"], [marker]]) == [
        "Alert",
        "Policy",
        marker,
    ]
    failed = Unknowable("logs unreadable", error=True)
    assert categories.union([["Alert"], failed]) is failed
    assert categories.union([]) == []


INCLUDES = CATEGORY_OPERATORS["includes_all"]
CTX = Context(Inventory())


@pytest.mark.parametrize(
    ("actual", "expected", "holds"),
    [
        (
            ["Administrative", "Alert", "Policy", "Security"],
            ["Administrative", "Security", "Alert", "Policy"],
            True,
        ),
        (["administrative", "SECURITY"], ["Administrative", "Security"], True),
        (["Administrative"], ["Administrative", "Security"], False),
        ([], ["Administrative"], False),
        ("Administrative", ["Administrative"], False),  # not a list
        (["Administrative", "Security", Unknowable("audit")], ["Administrative", "Security"], True),
    ],
)
def test_includes_all(actual: Any, expected: list[str], holds: bool) -> None:
    assert INCLUDES.test(actual, expected, CTX) is holds


def test_includes_all_is_undecided_when_only_an_undocumented_group_could_hold_the_rest() -> None:
    with pytest.raises(Undecided, match="Security not named, and audit"):
        INCLUDES.test(["Administrative", Unknowable("audit")], ["Administrative", "Security"], CTX)
    assert INCLUDES.operand_problem([]) is not None
    assert INCLUDES.operand_problem(["Administrative"]) is None


def _container(**attrs: Any) -> Resource:
    base = {
        "has_immutability_policy": False,
        "immutability_state": None,
        "immutability_period_days": None,
        "allow_protected_append_writes": None,
        "allow_protected_append_writes_all": None,
        "has_legal_hold": False,
        "version_level_immutability": False,
    }
    return Resource(
        "azure",
        "s1",
        "westeurope",
        "azure.storage.container",
        "c",
        "insights-activity-logs",
        {**base, **attrs},
    )


def _account(enabled: bool, state: str | None, days: int | None = 400) -> Resource:
    policy = {
        "enabled": enabled,
        "state": state,
        "period_days": days,
        "allow_protected_append_writes": True,
    }
    return Resource(
        "azure",
        "s1",
        "westeurope",
        "azure.storage.account",
        "a",
        "lwauditarchive",
        {"account_immutability": policy},
    )


LOCKED_400 = {
    "has_immutability_policy": True,
    "immutability_state": "Locked",
    "immutability_period_days": 400,
}
UNLOCKED_400 = {
    "has_immutability_policy": True,
    "immutability_state": "Unlocked",
    "immutability_period_days": 400,
}


@pytest.mark.parametrize(
    ("container", "account", "source", "state", "days"),
    [
        (LOCKED_400, _account(False, None), "container", "Locked", 400),
        # Container over account: a locked account default does not rescue an unlocked one.
        (UNLOCKED_400, _account(True, "Locked", 3650), "container", "Unlocked", 400),
        # Its sibling: a locked container policy under an unlocked account default stays locked.
        (LOCKED_400, _account(True, "Unlocked", 30), "container", "Locked", 400),
        ({}, _account(True, "Locked", 365), "account", "Locked", 365),
        (
            {"version_level_immutability": True},
            _account(True, "Unlocked", 365),
            "account",
            "Unlocked",
            365,
        ),
        ({}, _account(True, "Disabled"), "none", None, None),
        ({}, _account(False, None), "none", None, None),
        # A policy whose state is neither Locked nor Unlocked (deleted) is no policy.
        (
            {"has_immutability_policy": True, "immutability_state": None},
            _account(False, None),
            "none",
            None,
            None,
        ),
    ],
)
def test_effective_immutability(
    container: dict[str, Any], account: Resource, source: str, state: str | None, days: int | None
) -> None:
    found = immutability.effective(_container(**container), account)
    assert isinstance(found, dict)
    assert (found["source"], found["state"], found["period_days"]) == (source, state, days)


UNREAD = Unknowable("allowProtectedAppendWrites was not returned")


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        # The failing case: an unread flag is unknown, not a definite true.
        ({"allow_protected_append_writes": UNREAD}, UNREAD),
        ({"allow_protected_append_writes_all": UNREAD}, UNREAD),
        # Siblings: read flags keep their plain meaning.
        ({"allow_protected_append_writes": True}, True),
        (
            {"allow_protected_append_writes": False, "allow_protected_append_writes_all": False},
            False,
        ),
        # Boundary: one true flag is enough, whatever the other one is.
        (
            {"allow_protected_append_writes": UNREAD, "allow_protected_append_writes_all": True},
            True,
        ),
        (
            {"allow_protected_append_writes": False, "allow_protected_append_writes_all": UNREAD},
            UNREAD,
        ),
    ],
)
def test_protected_append_writes_carry_an_unknown_flag(
    flags: dict[str, Any], expected: bool | Unknowable
) -> None:
    found = immutability.effective(_container(**LOCKED_400, **flags), _account(False, None))
    assert isinstance(found, dict)
    assert found["allow_protected_append_writes"] == expected
    assert found["source"] == "container" and found["state"] == "Locked"


def test_legal_hold_is_reported_not_counted() -> None:
    found = immutability.effective(_container(has_legal_hold=True), _account(False, None))
    assert isinstance(found, dict) and found["legal_hold"] is True and found["state"] is None


def test_the_account_matters_only_when_the_container_has_no_policy_of_its_own() -> None:
    far = Resource(
        "azure",
        "s9",
        "westeurope",
        "azure.storage.account",
        "a",
        "x",
        {},
        placeholder=Unknowable("outside the scan"),
    )
    own = immutability.effective(_container(**LOCKED_400), far)
    assert isinstance(own, dict) and own["source"] == "container"
    inherited = immutability.effective(_container(), far)
    assert isinstance(inherited, Unknowable) and "outside the scan" in inherited.reason
    gone = Resource(
        "azure",
        "s1",
        "westeurope",
        "azure.storage.account",
        "a",
        "x",
        {},
        placeholder=Absent("gone"),
    )
    none = immutability.effective(_container(), gone)
    assert isinstance(none, dict) and none["source"] == "none"
    failed = immutability.effective(
        _container(immutability_state=Unknowable("list failed", error=True)), far
    )
    assert isinstance(failed, Unknowable) and failed.error


@pytest.mark.parametrize(
    ("pattern", "operation", "holds"),
    [
        ("*", "Microsoft.Storage/storageAccounts/delete", True),
        (
            "Microsoft.Insights/diagnosticSettings/*",
            "microsoft.insights/diagnosticsettings/delete",
            True,
        ),
        (
            "microsoft.insights/DIAGNOSTICSETTINGS/write",
            "Microsoft.Insights/diagnosticSettings/write",
            True,
        ),
        ("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/locks/delete", True),
        ("*/read", "Microsoft.Storage/storageAccounts/delete", False),
        (
            "Microsoft.Insights/diagnosticSettings/read",
            "Microsoft.Insights/diagnosticSettings/write",
            False,
        ),
        (
            "Microsoft.Storage/storageAccounts/delete",
            "Microsoft.Storage/storageAccounts/deleteX",
            False,
        ),
    ],
)
def test_rbac_patterns(pattern: str, operation: str, holds: bool) -> None:
    assert rbac.matches(pattern, operation) is holds


CONTRIBUTOR = [
    {
        "actions": ["*"],
        "not_actions": [
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
        ],
        "data_actions": [],
        "not_data_actions": [],
    }
]
OPS = (
    "Microsoft.Insights/diagnosticSettings/write",
    "Microsoft.Authorization/locks/delete",
    "Microsoft.Authorization/roleAssignments/write",
)
BLOB_DELETE = ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",)


def test_not_actions_subtract_and_control_plane_wildcards_grant_no_data_action() -> None:
    assert rbac.granted(CONTRIBUTOR, OPS, BLOB_DELETE) == [
        "Microsoft.Insights/diagnosticSettings/write"
    ]
    owner = [{"actions": ["*"], "not_actions": [], "data_actions": [], "not_data_actions": []}]
    assert rbac.granted(owner, OPS, BLOB_DELETE) == list(OPS)
    blob_owner = [
        {
            "actions": [],
            "not_actions": [],
            "data_actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
            "not_data_actions": [],
        }
    ]
    assert rbac.granted(blob_owner, OPS, BLOB_DELETE) == list(BLOB_DELETE)
    # A second block grants what the first one's notActions left out (NotActions is no deny).
    assert rbac.granted(
        [*CONTRIBUTOR, {"actions": ["Microsoft.Authorization/locks/*"]}], OPS
    ) == list(OPS[:2])


MG = "/providers/microsoft.management/managementgroups/"


@pytest.mark.parametrize(
    ("scope", "target", "ancestors", "holds"),
    [
        ("/", "/subscriptions/s1", [], True),
        (
            MG + "mg-platform",
            "/subscriptions/s1/resourcegroups/rg",
            [MG + "mg-platform", MG + "root"],
            True,
        ),
        (MG + "mg-workloads", "/subscriptions/s1", [MG + "mg-platform"], False),
        ("/subscriptions/s1", "/subscriptions/s1/resourcegroups/rg/providers/x/y/z", [], True),
        ("/subscriptions/s1", "/subscriptions/s10", [], False),  # a prefix, not a parent
        (
            "/subscriptions/S1/resourceGroups/RG",
            "/subscriptions/s1/resourcegroups/rg/providers/x/y/z",
            [],
            True,
        ),
        ("/subscriptions/s1/resourcegroups/rg/providers/x/y/z", "/subscriptions/s1", [], False),
    ],
)
def test_scope_containment(scope: str, target: str, ancestors: list[str], holds: bool) -> None:
    assert rbac.contains(scope, target, ancestors) is holds


def test_scope_types() -> None:
    assert [
        rbac.scope_type(s)
        for s in (
            "/",
            MG + "x",
            "/subscriptions/s",
            "/subscriptions/s/resourceGroups/r",
            "/subscriptions/s/resourcegroups/r/providers/a/b/c",
        )
    ] == [
        "tenant",
        "management_group",
        "subscription",
        "resource_group",
        "resource",
    ]
