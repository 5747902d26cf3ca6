"""The RBAC answers of Azure Resource Manager as logward resources: role assignments, role
definitions, deny assignments and PIM eligibility schedule instances, normalized from the
documented REST JSON (api-version 2022-04-01; eligibility 2020-10-01), without judging.

Role definitions take the tenant-wide id `/providers/microsoft.authorization/roledefinitions/
<guid>` (a definition's name is a GUID unique in the tenant; ARM prefixes it with the scope it
was read at), so the lists of every subscription deduplicate and an assignment links to its
role whatever prefix ARM wrote. An assignment is reported under its own scope's account: the
subscription, `managementGroups/<name>`, or the tenant for `/`.
"""

from __future__ import annotations

from typing import Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.azure.listed import values
from scanner.providers.azure.names import canonical

ROLE_ASSIGNMENT = "azure.authorization.role_assignment"
ROLE_DEFINITION = "azure.authorization.role_definition"
DENY_ASSIGNMENT = "azure.authorization.deny_assignment"
ROLE_ELIGIBILITY = "azure.authorization.role_eligibility"

MG_PREFIX = "/providers/microsoft.management/managementgroups/"
ROLE_DEFINITIONS = "/providers/microsoft.authorization/roledefinitions/"


def role_definition_key(arm_id: str) -> str:
    """The tenant-wide id of a role definition: `/providers/microsoft.authorization/
    roledefinitions/<guid>`, whatever scope ARM prefixed it with."""
    ident = canonical(arm_id)
    marker = ident.rfind("/roledefinitions/")
    if marker < 0:
        raise ValueError(f"not a role definition id: {arm_id!r}")
    guid = ident[marker + len("/roledefinitions/") :].split("/", 1)[0]
    if not guid:
        raise ValueError(f"not a role definition id: {arm_id!r}")
    return ROLE_DEFINITIONS + guid


def scope_type(scope: str) -> str:
    """`tenant`, `management_group`, `subscription`, `resource_group` or `resource`."""
    parts = [p for p in canonical(scope).split("/") if p]
    if not parts:
        return "tenant"
    if canonical(scope).startswith(MG_PREFIX):
        return "management_group"
    if parts[0] == "subscriptions":
        if len(parts) == 2:
            return "subscription"
        if len(parts) == 4 and parts[2] == "resourcegroups":
            return "resource_group"
    return "resource"


def scope_account(scope: str, subscription: str, tenant_id: str | None) -> str:
    """The account an assignment is reported under: its own scope's (the subscription GUID,
    `managementGroups/<name>`, or the tenant id for `/`); the listing subscription when the
    scope names none of those."""
    ident = canonical(scope)
    kind = scope_type(ident)
    if kind == "management_group":
        return "managementGroups/" + ident[len(MG_PREFIX) :].split("/", 1)[0]
    if kind == "tenant":
        return tenant_id or subscription
    parts = [p for p in ident.split("/") if p]
    if parts and parts[0] == "subscriptions" and len(parts) > 1:
        return parts[1]
    return subscription


def _strings(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what}: expected a list of strings, got {value!r}")
    return list(value)


def permissions(raw: Any) -> list[dict[str, Any]]:
    """`permissions` of a role definition or deny assignment, each `{actions, not_actions,
    data_actions, not_data_actions}` exactly as written (wildcards and case kept)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"permissions: expected a list, got {raw!r}")
    return [
        {
            "actions": _strings(p.get("actions"), "actions"),
            "not_actions": _strings(p.get("notActions"), "notActions"),
            "data_actions": _strings(p.get("dataActions"), "dataActions"),
            "not_data_actions": _strings(p.get("notDataActions"), "notDataActions"),
        }
        for p in raw
    ]


def assignment_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one RoleAssignment (REST JSON, 2022-04-01)."""
    props = raw["properties"]
    scope = canonical(props["scope"])
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        "principal_id": props["principalId"],
        # Absent on assignments made before principalType existed: unknown type, not a guess.
        "principal_type": props.get("principalType"),
        "role_definition_id": role_definition_key(props["roleDefinitionId"]),
        "scope": scope,
        "scope_type": scope_type(scope),
        "condition": props.get("condition"),
        "condition_version": props.get("conditionVersion"),
    }


def definition_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one RoleDefinition (REST JSON, 2022-04-01)."""
    props = raw["properties"]
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        "role_name": props.get("roleName"),
        "role_type": props.get("type"),
        "permissions": permissions(props.get("permissions")),
        "assignable_scopes": [
            canonical(s) for s in _strings(props.get("assignableScopes"), "assignableScopes")
        ],
    }


def _principals(raw: Any, what: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"{what}: expected a list, got {raw!r}")
    return [{"id": p.get("id"), "type": p.get("type")} for p in raw]


def deny_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The attributes of one DenyAssignment (REST JSON, 2022-04-01)."""
    props = raw["properties"]
    scope = canonical(props["scope"])
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        "deny_assignment_name": props.get("denyAssignmentName"),
        "description": props.get("description"),
        "scope": scope,
        "scope_type": scope_type(scope),
        "permissions": permissions(props.get("permissions")),
        "principals": _principals(props.get("principals"), "principals"),
        "exclude_principals": _principals(props.get("excludePrincipals"), "excludePrincipals"),
        "does_not_apply_to_child_scopes": bool(props.get("doNotApplyToChildScopes", False)),
        "is_system_protected": bool(props.get("isSystemProtected", False)),
    }


def eligibility_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The attributes of one RoleEligibilityScheduleInstance (REST JSON, 2020-10-01;
    ): an assignment's attributes, its status and its schedule."""
    props = raw["properties"]
    return {
        **assignment_attrs(raw),
        "status": props.get("status"),
        "start_date_time": props.get("startDateTime"),
        "end_date_time": props.get("endDateTime"),
        # Direct, Group (through a group) or Inherited (from a scope above).
        "member_type": props.get("memberType"),
    }


def resource_of(
    rtype: str, account: str, attrs: dict[str, Any], evidence: tuple[EvidenceRef, ...], name: str
) -> Resource:
    arm_id = attrs["arm_id"]
    rid = role_definition_key(arm_id) if rtype == ROLE_DEFINITION else canonical(arm_id)
    return Resource(
        provider="azure",
        account=account,
        region="global",
        type=rtype,
        id=rid,
        name=name,
        attrs=attrs,
        evidence=evidence,
    )


def assignments(
    subscription: str,
    tenant_id: str | None,
    page: dict[str, Any],
    evidence: tuple[EvidenceRef, ...] = (),
) -> list[Resource]:
    """The role assignments of one list page."""
    found = []
    for raw in values(page):
        attrs = assignment_attrs(raw)
        account = scope_account(attrs["scope"], subscription, tenant_id)
        found.append(resource_of(ROLE_ASSIGNMENT, account, attrs, evidence, attrs["name"]))
    return found


def definitions(
    subscription: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The role definitions of one list (or get) page, by tenant-wide id."""
    found = []
    for raw in values(page):
        found.append(definition(subscription, raw, evidence))
    return found


def definition(
    account: str, raw: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> Resource:
    """One role definition resource (from a list item or a get-by-id answer)."""
    attrs = definition_attrs(raw)
    return resource_of(
        ROLE_DEFINITION, account, attrs, evidence, attrs["role_name"] or attrs["name"]
    )


def denies(
    subscription: str,
    tenant_id: str | None,
    page: dict[str, Any],
    evidence: tuple[EvidenceRef, ...] = (),
) -> list[Resource]:
    """The deny assignments of one list page."""
    found = []
    for raw in values(page):
        attrs = deny_attrs(raw)
        account = scope_account(attrs["scope"], subscription, tenant_id)
        name = str(attrs["deny_assignment_name"] or attrs["name"])
        found.append(resource_of(DENY_ASSIGNMENT, account, attrs, evidence, name))
    return found


def eligibilities(
    subscription: str,
    tenant_id: str | None,
    page: dict[str, Any],
    evidence: tuple[EvidenceRef, ...] = (),
) -> list[Resource]:
    """The PIM eligibility schedule instances of one list page."""
    found = []
    for raw in values(page):
        attrs = eligibility_attrs(raw)
        account = scope_account(attrs["scope"], subscription, tenant_id)
        found.append(resource_of(ROLE_ELIGIBILITY, account, attrs, evidence, attrs["name"]))
    return found
