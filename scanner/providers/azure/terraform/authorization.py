"""Role assignments and custom role definitions in a plan: azurerm_role_assignment and
azurerm_role_definition, as azure.authorization.role_assignment and .role_definition with the
live scan's attributes (rbac.py, whose id rules they share: a role definition is keyed
tenant-wide, `/providers/microsoft.authorization/roledefinitions/<guid>`).

Arguments (https://registry.terraform.io/providers/hashicorp/azurerm/4.81.0/docs/resources/
role_assignment, .../role_definition): an assignment names its role by `role_definition_id`
(a scoped id) or `role_definition_name` (a built-in role's name; the provider looks the id up,
so a new assignment's id is known after apply: the built-in roles' GUIDs, which are the same
in every tenant, stand in for it); `name` is the assignment's GUID, generated when omitted.
A definition's `role_definition_id` is its GUID (generated when omitted), `permissions` its
actions, `assignable_scopes` default to its `scope`."""

from __future__ import annotations

from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, first_unknown
from scanner.providers.azure.names import canonical
from scanner.providers.azure.rbac import (
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    ROLE_DEFINITIONS,
    role_definition_key,
    scope_account,
    scope_type,
)
from scanner.providers.azure.terraform.common import build, known, tenant

DEFINITION_TYPE = "azurerm_role_definition"
ASSIGNMENT = ROLE_ASSIGNMENT
DEFINITION = ROLE_DEFINITION
# Built-in roles by name -> GUID (Azure built-in roles,
# https://learn.microsoft.com/azure/role-based-access-control/built-in-roles): the same in
# every tenant.
BUILT_IN = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Monitoring Contributor": "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
    "Monitoring Reader": "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
    "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Log Analytics Contributor": "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
}


def _scope(res: PlanResource) -> str | Unknowable:
    value = res.values.get("scope")
    if known(value):
        return canonical(str(value))
    if isinstance(value, Unknowable):
        return value
    return Unknowable(f"{res.address} names no scope")


def _account(scope: Any, ctx: PlanContext, res: PlanResource) -> str:
    tenant_id = tenant(ctx, res)
    if isinstance(scope, str):
        return scope_account(scope, ctx.account, tenant_id if isinstance(tenant_id, str) else None)
    return ctx.account


def assignment_id(res: PlanResource, ctx: PlanContext) -> str:
    """The canonical assignment id (`<scope>/providers/microsoft.authorization/
    roleassignments/<guid>`), else the address."""
    own = known(res.values.get("id"))
    if own:
        return canonical(own)
    scope, name = _scope(res), known(res.values.get("name"))
    if isinstance(scope, str) and name:
        return (
            f"{scope.rstrip('/')}/providers/microsoft.authorization/roleassignments/{name.lower()}"
        )
    return res.address


def _role(res: PlanResource, ctx: PlanContext) -> str | Unknowable:
    value = res.values.get("role_definition_id")
    if known(value):
        return role_definition_key(str(value))
    found = ctx.resolve(res, ("role_definition_id",), (DEFINITION_TYPE,)) or ctx.resolve(
        res, ("role_definition_resource_id",), (DEFINITION_TYPE,)
    )
    if found is not None and ctx.ids.get(found.address, "").startswith(ROLE_DEFINITIONS):
        return ctx.ids[found.address]
    name = res.values.get("role_definition_name")
    if isinstance(name, str) and name in BUILT_IN:
        return ROLE_DEFINITIONS + BUILT_IN[name]
    if isinstance(value, Unknowable):
        return value
    return Unknowable(f"the role of {res.address} ({name!r}) is not known from the plan")


def assignment(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One role assignment."""
    v = res.values
    scope = _scope(res)
    rid = ctx.ids[res.address]
    attrs: dict[str, Any] = {
        "arm_id": v["id"]
        if known(v.get("id"))
        else rid
        if rid.startswith("/")
        else Unknowable(f"the id of {res.address} is known only after apply"),
        "name": v.get("name")
        if known(v.get("name")) or isinstance(v.get("name"), Unknowable)
        else Unknowable(f"the name of {res.address} is generated on apply"),
        "principal_id": v.get("principal_id"),
        "principal_type": v.get("principal_type") or None,
        "role_definition_id": _role(res, ctx),
        "scope": scope,
        "scope_type": scope_type(scope) if isinstance(scope, str) else scope,
        "condition": v.get("condition") or None,
        "condition_version": v.get("condition_version") or None,
    }
    label = known(v.get("name")) or res.name
    return Mapped(
        build(ctx, res, ROLE_ASSIGNMENT, attrs, (label, _account(scope, ctx, res), "global"))
    )


def definition_id(res: PlanResource, ctx: PlanContext) -> str:
    """`/providers/microsoft.authorization/roledefinitions/<guid>`, else the address."""
    guid = known(res.values.get("role_definition_id"))
    if guid:
        return ROLE_DEFINITIONS + guid.lower()
    own = known(res.values.get("role_definition_resource_id"))
    return role_definition_key(own) if own else res.address


def _permissions(raw: Any) -> Any:
    marker = first_unknown(raw)
    if marker is not None:
        return marker
    return [
        {
            key: list(p.get(key) or [])
            for key in ("actions", "not_actions", "data_actions", "not_data_actions")
        }
        for p in raw or []
        if isinstance(p, dict)
    ]


def definition(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One custom role definition."""
    v = res.values
    scope = _scope(res)
    scopes = v.get("assignable_scopes")
    if isinstance(scopes, list) and scopes:
        assignable: Any = [canonical(s) if isinstance(s, str) else s for s in scopes]
    elif isinstance(scopes, Unknowable):
        assignable = scopes
    else:
        assignable = [scope] if isinstance(scope, str) else scope
    guid = known(v.get("role_definition_id"))
    attrs: dict[str, Any] = {
        "arm_id": v.get("role_definition_resource_id")
        if known(v.get("role_definition_resource_id"))
        else Unknowable(f"the id of {res.address} is known only after apply"),
        "name": guid or Unknowable(f"the GUID of {res.address} is generated on apply"),
        "role_name": v.get("name"),
        "role_type": "CustomRole",
        "permissions": _permissions(v.get("permissions")),
        "assignable_scopes": first_unknown(assignable) or assignable,
    }
    label = known(v.get("name")) or res.name
    return Mapped(
        build(ctx, res, ROLE_DEFINITION, attrs, (label, _account(scope, ctx, res), "global"))
    )
