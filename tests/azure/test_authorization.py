"""Role assignments, role definitions, deny assignments and PIM eligibility: the normalization
of the documented REST JSON, on the golden fixtures and on table cases (tenant-wide role
definition ids, scope types, the account an inherited assignment is reported under)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.providers.azure import rbac as authz

TENANT = Path(authz.__file__).parent / "fake" / "tenant"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
SUB1 = "22222222-0000-0000-0000-000000000001"
SUB2 = "22222222-0000-0000-0000-000000000002"
OWNER = "/providers/microsoft.authorization/roledefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
JANITOR = "/providers/microsoft.authorization/roledefinitions/7a1b2c3d-1111-4222-8333-444455556666"


def _fixture(sub: str, kind: str, page: str = "") -> dict[str, Any]:
    path = TENANT / f"subscriptions/{sub}/providers/microsoft.authorization/{kind}{page}.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_golden_assignments_inherited_from_a_management_group() -> None:
    owner, reader = authz.assignments(SUB1, TENANT_ID, _fixture(SUB1, "roleassignments"))
    assert owner.id == (
        "/providers/microsoft.management/managementgroups/mg-platform/providers/"
        "microsoft.authorization/roleassignments/a0000000-0000-4000-8000-000000000001"
    )
    assert (owner.account, owner.region, owner.type) == (
        "managementGroups/mg-platform",
        "global",
        authz.ROLE_ASSIGNMENT,
    )
    assert owner.attrs == {
        "name": "a0000000-0000-4000-8000-000000000001",
        "arm_id": owner.attrs["arm_id"],
        "principal_id": "55555555-0000-0000-0000-000000000001",
        "principal_type": "Group",
        "role_definition_id": OWNER,
        "scope": "/providers/microsoft.management/managementgroups/mg-platform",
        "scope_type": "management_group",
        "condition": None,
        "condition_version": None,
    }
    assert (reader.account, reader.attrs["scope_type"], reader.attrs["principal_type"]) == (
        SUB1,
        "subscription",
        "ServicePrincipal",
    )
    # Written with the subscription prefix, linked by the tenant-wide id all the same.
    assert reader.attrs["role_definition_id"] == (
        "/providers/microsoft.authorization/roledefinitions/43d0d8ad-25c7-4714-9337-8ba259a9fe05"
    )


def test_golden_definitions_by_tenant_wide_id() -> None:
    first = authz.definitions(SUB1, _fixture(SUB1, "roledefinitions"))
    second = authz.definitions(SUB1, _fixture(SUB1, "roledefinitions", ".page2"))
    assert "$skiptoken=page2" in _fixture(SUB1, "roledefinitions")["nextLink"]
    assert [r.name for r in first + second] == ["Audit Reader", "Archive Operator"]
    (janitor,) = authz.definitions(SUB2, _fixture(SUB2, "roledefinitions"))
    assert janitor.id == JANITOR
    assert (janitor.name, janitor.account) == ("Log Janitor", SUB2)
    assert janitor.attrs == {
        "name": "7a1b2c3d-1111-4222-8333-444455556666",
        "arm_id": (
            f"/subscriptions/{SUB2}/providers/Microsoft.Authorization/roleDefinitions/"
            "7a1b2c3d-1111-4222-8333-444455556666"
        ),
        "role_name": "Log Janitor",
        "role_type": "CustomRole",
        "permissions": [
            {
                "actions": [
                    "Microsoft.Insights/diagnosticSettings/*",
                    "Microsoft.Insights/diagnosticSettings/read",
                ],
                "not_actions": [],
                "data_actions": [],
                "not_data_actions": [],
            }
        ],
        "assignable_scopes": [f"/subscriptions/{SUB2}"],
    }
    (assignment,) = authz.assignments(SUB2, TENANT_ID, _fixture(SUB2, "roleassignments"))
    assert assignment.attrs["role_definition_id"] == JANITOR


def test_golden_deny_assignment() -> None:
    (deny,) = authz.denies(SUB2, TENANT_ID, _fixture(SUB2, "denyassignments"))
    assert (deny.name, deny.account, deny.type) == (
        "Deny assignment for blueprint prod-baseline",
        SUB2,
        authz.DENY_ASSIGNMENT,
    )
    assert deny.attrs["scope"] == f"/subscriptions/{SUB2}/resourcegroups/rg-prod"
    assert (deny.attrs["scope_type"], deny.attrs["description"]) == (
        "resource_group",
        "Created by Azure Blueprints",
    )
    assert deny.attrs["principals"] == [
        {"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}
    ]
    assert deny.attrs["permissions"][0]["not_actions"] == ["*/read"]
    assert (deny.attrs["is_system_protected"], deny.attrs["does_not_apply_to_child_scopes"]) == (
        True,
        False,
    )


@pytest.mark.parametrize(
    ("arm_id", "key"),
    [
        (f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/roleDefinitions/ABC", "abc"),
        ("/providers/Microsoft.Authorization/roleDefinitions/abc", "abc"),
        (
            "/providers/Microsoft.Management/managementGroups/mg/providers/"
            "Microsoft.Authorization/roleDefinitions/abc/",
            "abc",
        ),
    ],
)
def test_role_definition_key(arm_id: str, key: str) -> None:
    assert authz.role_definition_key(arm_id) == authz.ROLE_DEFINITIONS + key


@pytest.mark.parametrize(
    "arm_id", ["/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/", "/x/y"]
)
def test_not_a_role_definition_id(arm_id: str) -> None:
    with pytest.raises(ValueError):
        authz.role_definition_key(arm_id)


@pytest.mark.parametrize(
    ("scope", "kind", "account"),
    [
        ("/", "tenant", TENANT_ID),
        (
            "/providers/Microsoft.Management/managementGroups/MG-Platform",
            "management_group",
            "managementGroups/mg-platform",
        ),
        (f"/subscriptions/{SUB2}", "subscription", SUB2),
        (f"/subscriptions/{SUB2}/resourceGroups/rg", "resource_group", SUB2),
        (
            f"/subscriptions/{SUB2}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a",
            "resource",
            SUB2,
        ),
    ],
)
def test_scope_type_and_account(scope: str, kind: str, account: str) -> None:
    assert authz.scope_type(scope) == kind
    assert authz.scope_account(scope, SUB1, TENANT_ID) == account


def test_root_scope_without_a_known_tenant_is_the_listing_subscription() -> None:
    assert authz.scope_account("/", SUB1, None) == SUB1


def _assignment(**props: Any) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/roleAssignments/x",
        "name": "x",
        "properties": {
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/r",
            "principalId": "p",
            "scope": f"/subscriptions/{SUB1}",
            **props,
        },
    }


def test_conditions_are_kept_and_absent_principal_type_is_none() -> None:
    blobs = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
    condition = f"((!(ActionMatches{{'{blobs}/delete'}})))"
    attrs = authz.assignment_attrs(_assignment(condition=condition, conditionVersion="2.0"))
    assert (attrs["condition"], attrs["condition_version"]) == (condition, "2.0")
    assert attrs["principal_type"] is None


def test_permissions_shape() -> None:
    assert authz.permissions(None) == []
    assert authz.permissions([{"actions": ["*"]}]) == [
        {"actions": ["*"], "not_actions": [], "data_actions": [], "not_data_actions": []}
    ]
    with pytest.raises(ValueError):
        authz.permissions([{"actions": "*"}])
    with pytest.raises(ValueError):
        authz.permissions({"actions": ["*"]})


def test_eligibility_instance() -> None:
    raw = {
        "id": (
            f"/providers/Microsoft.Subscription/subscriptions/{SUB1}/providers/"
            "Microsoft.Authorization/roleEligibilityScheduleInstances/e1"
        ),
        "name": "e1",
        "type": "Microsoft.Authorization/RoleEligibilityScheduleInstances",
        "properties": {
            "scope": f"/subscriptions/{SUB1}",
            "roleDefinitionId": (
                f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/roleDefinitions/"
                "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
            ),
            "principalId": "u1",
            "principalType": "User",
            "status": "Provisioned",
            "startDateTime": "2026-01-01T00:00:00Z",
            "endDateTime": None,
            "memberType": "Direct",
        },
    }
    (found,) = authz.eligibilities(SUB1, TENANT_ID, {"value": [raw]})
    assert (found.account, found.type, found.attrs["role_definition_id"]) == (
        SUB1,
        authz.ROLE_ELIGIBILITY,
        OWNER,
    )
    assert found.attrs["end_date_time"] is None and found.attrs["scope_type"] == "subscription"
    assert (found.attrs["status"], found.attrs["member_type"]) == ("Provisioned", "Direct")
