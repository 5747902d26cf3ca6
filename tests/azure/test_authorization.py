"""Role assignments, role definitions, deny assignments and PIM eligibility: the normalization
of the documented REST JSON, on the golden fixtures and on table cases (tenant-wide role
definition ids, scope types, the account an inherited assignment is reported under)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.model import Absent, Unknowable
from scanner.providers.azure import rbac as authz
from scanner.source import Collected
from tests.azure.watch_scan import SUBS, copy_tenant, errors, scan, schema_errors, subscription

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


# -- through the real AuthorizationManagementClient pipeline against the fake ARM server ----


@pytest.fixture(scope="module")
def golden() -> tuple[Collected, list[Any]]:
    return scan()


def test_scan_golden_rbac(golden: tuple[Collected, list[Any]]) -> None:
    collected, requests = golden
    inventory = collected.inventory
    # The Owner granted at mg-platform comes back from subscription 1's list: one resource.
    owners = [
        r
        for r in inventory.of_type(authz.ROLE_ASSIGNMENT)
        if r.attrs["role_definition_id"] == OWNER
    ]
    assert [(r.account, r.attrs["scope_type"]) for r in owners] == [
        ("managementGroups/mg-platform", "management_group")
    ]
    # The custom roles listed (three, one list over two pages), and the built-in roles in use
    # read by id once each, in the first subscription whose assignments name them.
    names = {r.name: r.account for r in inventory.of_type(authz.ROLE_DEFINITION)}
    assert names == {
        "Audit Reader": SUB1,
        "Archive Operator": SUB1,
        "Log Janitor": SUB2,
        "Owner": SUB1,
        "Monitoring Reader": SUB1,
        "Reader": SUBS[4],
    }
    owner = inventory.get(OWNER)
    assert owner is not None and owner.attrs["permissions"][0]["actions"] == ["*"]
    custom = "type eq 'CustomRole'"
    paged = [
        dict(r.query)
        for r in requests
        if r.path == f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/roleDefinitions"
    ]
    assert paged == [
        {"api-version": "2022-04-01", "$filter": custom},
        {"api-version": "2022-04-01", "$filter": custom, "$skiptoken": "page2"},
    ]
    by_id = [r.path.split("/") for r in requests if "/roleDefinitions/" in r.path]
    assert sorted((p[2], p[-1]) for p in by_id) == [
        (SUB1, "43d0d8ad-25c7-4714-9337-8ba259a9fe05"),
        (SUB1, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
        (SUBS[4], "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    ]
    (deny,) = inventory.of_type(authz.DENY_ASSIGNMENT)
    assert deny.account == SUB2
    types = (
        authz.ROLE_ASSIGNMENT,
        authz.ROLE_DEFINITION,
        authz.DENY_ASSIGNMENT,
        authz.ROLE_ELIGIBILITY,
        "azure.subscription",
    )
    assert schema_errors(collected, types) == []


def test_pim_eligibility_unreadable_is_a_limit_not_an_error(
    golden: tuple[Collected, list[Any]],
) -> None:
    collected, _ = golden
    production = subscription(collected, 2).attrs
    assert production["role_eligibility_read"] is False
    limit = production["role_eligibility_limit"]
    assert (
        "FORBIDDEN" in limit
        and "Microsoft.Authorization/roleEligibilityScheduleInstances/read" in limit
    )
    assert limit in collected.facts.limits
    logging = subscription(collected, 1).attrs
    assert (logging["role_eligibility_read"], logging["role_eligibility_limit"]) == (True, None)
    # No error row anywhere for eligibility, not even for the subscription that is all 403.
    assert errors(collected, (authz.ROLE_ELIGIBILITY,)) == []
    assert not [e for e in collected.inventory.errors if "roleEligibility" in e.operation]


def test_forbidden_subscription_errs_for_every_rbac_list(
    golden: tuple[Collected, list[Any]],
) -> None:
    collected, _ = golden
    types = (authz.ROLE_ASSIGNMENT, authz.ROLE_DEFINITION, authz.DENY_ASSIGNMENT)
    assert [(e.account, e.operation, e.code) for e in errors(collected, types)] == [
        (SUBS[3], "Authorization/roleAssignments.listForSubscription", "FORBIDDEN"),
        (SUBS[3], "Authorization/roleDefinitions.list", "FORBIDDEN"),
        (SUBS[3], "Authorization/denyAssignments.listForSubscription", "FORBIDDEN"),
    ]


def test_pim_without_a_licence_is_a_limit() -> None:
    def unlicensed(request: Any) -> Any:
        if request.path.startswith(f"/subscriptions/{SUB1}/") and "Eligibility" in request.path:
            message = "The tenant needs to have Microsoft Entra ID P2 or Governance license."
            return 400, {"error": {"code": "AadPremiumLicenseRequired", "message": message}}
        return None

    collected, _ = scan(overrides=[unlicensed])
    attrs = subscription(collected, 1).attrs
    assert attrs["role_eligibility_read"] is False
    assert "AadPremiumLicenseRequired" in attrs["role_eligibility_limit"]


def test_role_definitions_no_list_returned_are_read_by_id(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    auth = root / f"subscriptions/{SUBS[4]}/providers/microsoft.authorization"
    listing = json.loads((auth / "roleassignments.json").read_text())
    scope = f"/subscriptions/{SUBS[4]}/resourceGroups/rg-shared"
    for guid, role in (
        ("a4", "c0ffee00-0000-4000-8000-000000000001"),
        ("a5", "dead0000-0000-4000-8000-000000000001"),
    ):
        listing["value"].append(
            {
                "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}",
                "name": guid,
                "properties": {
                    "roleDefinitionId": (
                        f"/subscriptions/{SUBS[4]}/providers/Microsoft.Authorization/"
                        f"roleDefinitions/{role}"
                    ),
                    "principalId": "99999999-0000-0000-0000-000000000001",
                    "principalType": "User",
                    "scope": scope,
                },
            }
        )
    (auth / "roleassignments.json").write_text(json.dumps(listing))
    # A custom role assignable only at the resource group: no subscription list returns it.
    (auth / "roledefinitions/c0ffee00-0000-4000-8000-000000000001.json").write_text(
        json.dumps(
            {
                "id": (
                    f"/subscriptions/{SUBS[4]}/providers/Microsoft.Authorization/roleDefinitions/"
                    "c0ffee00-0000-4000-8000-000000000001"
                ),
                "name": "c0ffee00-0000-4000-8000-000000000001",
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {
                    "roleName": "Shared Lock Breaker",
                    "type": "CustomRole",
                    "assignableScopes": [scope],
                    "permissions": [{"actions": ["Microsoft.Authorization/locks/delete"]}],
                },
            }
        )
    )
    collected, requests = scan(root)
    got = [r for r in requests if "/roleDefinitions/" in r.path and SUBS[4] in r.path]
    assert sorted(r.path.rsplit("/", 1)[-1] for r in got) == [
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",  # Reader, built in
        "c0ffee00-0000-4000-8000-000000000001",
        "dead0000-0000-4000-8000-000000000001",
    ]
    found = collected.inventory.get(authz.ROLE_DEFINITIONS + "c0ffee00-0000-4000-8000-000000000001")
    assert found is not None and found.name == "Shared Lock Breaker"
    assert found.attrs["permissions"][0]["actions"] == ["Microsoft.Authorization/locks/delete"]
    # A role that does not exist grants nothing: absent, and not a failed call.
    gone = collected.inventory.get(authz.ROLE_DEFINITIONS + "dead0000-0000-4000-8000-000000000001")
    assert gone is not None and isinstance(gone.placeholder, Absent)
    assert not [e for e in collected.inventory.errors if e.account == SUBS[4]]


def test_a_role_definition_that_cannot_be_read_is_an_error_for_that_role() -> None:
    def forbid(request: Any) -> Any:
        if request.path.endswith("/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"):
            return 403, {"error": {"code": "AuthorizationFailed", "message": "no roles"}}
        return None

    collected, _ = scan(overrides=[forbid])
    owner = collected.inventory.get(OWNER)
    assert owner is not None and owner.placeholder is None
    for attr in ("role_name", "role_type", "permissions", "assignable_scopes"):
        value = owner.attrs[attr]
        assert isinstance(value, Unknowable) and value.error and "FORBIDDEN" in value.reason
    # Listed once in errors, naming the role it was about; no type is an error for it.
    (error,) = [
        e for e in collected.inventory.errors if e.operation.endswith("roleDefinitions.get")
    ]
    assert (error.account, error.code, error.resource_types) == (SUB1, "FORBIDDEN", ())
    assert error.resource_id is not None and error.resource_id.endswith(
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    )
    # The other roles in use are read all the same.
    reader = collected.inventory.get(
        authz.ROLE_DEFINITIONS + "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    )
    assert reader is not None and reader.attrs["role_name"] == "Reader"


def test_an_inherited_assignment_is_reported_under_its_group_as_enumeration_spells_it(
    tmp_path: Path,
) -> None:
    root = copy_tenant(tmp_path / "tenant")
    for path in root.rglob("*.json"):
        text = path.read_text()
        if "mg-platform" in text:
            path.write_text(text.replace("mg-platform", "MG-Platform"))
    collected, _ = scan(root)
    (owner,) = [
        r
        for r in collected.inventory.of_type(authz.ROLE_ASSIGNMENT)
        if r.attrs["role_definition_id"] == OWNER
    ]
    assert owner.account == "managementGroups/MG-Platform"
    assert owner.attrs["scope"] == "/providers/microsoft.management/managementgroups/mg-platform"
