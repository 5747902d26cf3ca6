"""Role assignments, role definitions, deny assignments and PIM eligibility collected through
the real AuthorizationManagementClient pipeline against the fake ARM server: inherited
assignments once, custom roles listed and built-in roles in use read by id, PIM as a limit, a
subscription answering 403, role definitions that are missing or unreadable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.model import Unknowable
from scanner.providers.azure import rbac as authz
from scanner.source import Collected
from tests.azure.watch_scan import SUBS, copy_tenant, errors, scan, schema_errors, subscription

SUB1 = SUBS[1]
SUB2 = SUBS[2]
OWNER = "/providers/microsoft.authorization/roledefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
JANITOR = "/providers/microsoft.authorization/roledefinitions/7a1b2c3d-1111-4222-8333-444455556666"


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
    # Each read by the id its assignment carries, as returned: Owner's is tenant-level.
    assert sorted(r.path for r in requests if "/roleDefinitions/" in r.path) == [
        "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/roleDefinitions/"
        "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
        f"/subscriptions/{SUBS[4]}/providers/Microsoft.Authorization/roleDefinitions/"
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
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


LICENCE = "The tenant needs to have Microsoft Entra ID P2 or Governance license."


@pytest.mark.parametrize(
    ("status", "body", "limit", "code"),
    [
        # Refusals: the data cannot be read by this caller or in this tenant.
        (400, {"error": {"code": "AadPremiumLicenseRequired", "message": LICENCE}}, True, None),
        (403, {"error": {"code": "AuthorizationFailed", "message": "no"}}, True, None),
        # Failed reads: an error for the subscription's eligibility, never a limit.
        (429, {"error": {"code": "TooManyRequests", "message": "slow"}}, False, "THROTTLED"),
        (500, {"error": {"code": "InternalServerError", "message": "x"}}, False, "UNAVAILABLE"),
        (200, {"value": {"not": "a list"}}, False, "MALFORMED_RESPONSE"),
    ],
)
def test_pim_refused_is_a_limit_and_failed_is_an_error(
    status: int, body: Any, limit: bool, code: str | None
) -> None:
    def answer(request: Any) -> Any:
        if request.path.startswith(f"/subscriptions/{SUB1}/") and "Eligibility" in request.path:
            return status, body, {"Retry-After": "0"}
        return None

    collected, _ = scan(overrides=[answer])
    attrs = subscription(collected, 1).attrs
    found = [(e.account, e.operation, e.code) for e in errors(collected, (authz.ROLE_ELIGIBILITY,))]
    if limit:
        assert attrs["role_eligibility_read"] is False
        assert str(status) in attrs["role_eligibility_limit"]
        assert attrs["role_eligibility_limit"] in collected.facts.limits
        assert found == []
    else:
        read = attrs["role_eligibility_read"]
        assert isinstance(read, Unknowable) and read.error and code in read.reason
        assert attrs["role_eligibility_limit"] is None
        assert found == [
            (SUB1, "Authorization/roleEligibilityScheduleInstances.listForScope", code)
        ]
        assert not [x for x in collected.facts.limits if "PIM" in x and SUB1 in x]


def test_role_definitions_no_list_returned_are_read_by_id(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    auth = root / f"subscriptions/{SUBS[4]}/providers/microsoft.authorization"
    listing = json.loads((auth / "roleassignments.json").read_text())
    scope = f"/subscriptions/{SUBS[4]}/resourceGroups/rg-shared"
    sub_roles = f"/subscriptions/{SUBS[4]}/providers/Microsoft.Authorization/roleDefinitions/"
    tenant_roles = "/providers/Microsoft.Authorization/roleDefinitions/"
    for guid, role_id in (
        # Subscription-level id: read where it says (stays as it was).
        ("a4", sub_roles + "c0ffee00-0000-4000-8000-000000000001"),
        # Tenant-level id: read at the tenant, not re-scoped to the subscription (where the
        # fake, like ARM for a role it does not resolve there, answers 404).
        ("a6", tenant_roles + "beef0000-0000-4000-8000-000000000001"),
        # Boundary: the id as returned answers 404.
        ("a5", sub_roles + "dead0000-0000-4000-8000-000000000001"),
    ):
        listing["value"].append(
            {
                "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}",
                "name": guid,
                "properties": {
                    "roleDefinitionId": role_id,
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
    breaker = {
        "id": tenant_roles + "beef0000-0000-4000-8000-000000000001",
        "name": "beef0000-0000-4000-8000-000000000001",
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": "Tenant Log Breaker",
            "type": "CustomRole",
            "assignableScopes": ["/"],
            "permissions": [{"actions": ["Microsoft.Insights/diagnosticSettings/delete"]}],
        },
    }
    tenant_dir = root / "providers/microsoft.authorization/roledefinitions"
    (tenant_dir / "beef0000-0000-4000-8000-000000000001.json").write_text(json.dumps(breaker))
    collected, requests = scan(root)
    got = {r.path for r in requests if "/roleDefinitions/" in r.path}
    assert {
        sub_roles + "acdd72a7-3385-48ef-bd42-f606fba81ae7",  # Reader, built in
        sub_roles + "c0ffee00-0000-4000-8000-000000000001",
        tenant_roles + "beef0000-0000-4000-8000-000000000001",
        sub_roles + "dead0000-0000-4000-8000-000000000001",
    } <= got
    assert sub_roles + "beef0000-0000-4000-8000-000000000001" not in got
    tenant = collected.inventory.get(
        authz.ROLE_DEFINITIONS + "beef0000-0000-4000-8000-000000000001"
    )
    assert tenant is not None and tenant.name == "Tenant Log Breaker"
    found = collected.inventory.get(authz.ROLE_DEFINITIONS + "c0ffee00-0000-4000-8000-000000000001")
    assert found is not None and found.name == "Shared Lock Breaker"
    assert found.attrs["permissions"][0]["actions"] == ["Microsoft.Authorization/locks/delete"]
    # A 404 for the role a live assignment names is not proof it grants nothing: unknowable
    # (not a failed call), naming the id and the answer; never an Absent placeholder.
    gone = collected.inventory.get(authz.ROLE_DEFINITIONS + "dead0000-0000-4000-8000-000000000001")
    assert gone is not None and gone.placeholder is None
    for attr in ("role_name", "role_type", "permissions", "assignable_scopes"):
        value = gone.attrs[attr]
        assert isinstance(value, Unknowable) and not value.error
        assert sub_roles + "dead0000-0000-4000-8000-000000000001" in value.reason
        assert "404" in value.reason
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
