"""Azure RBAC: who could delete or redirect the logs. Role assignments, role definitions, deny
assignments and PIM-eligible assignments of every scanned subscription.

One call per subscription and kind (pages followed through `nextLink`):
- `roleAssignments` list for the subscription, without a filter, returns the assignments at,
  above and below it: the REST reference says `$filter=atScope()` narrows it to "all role
  assignments at or above the scope" (rest/api/authorization/role-assignments/list-for-scope)
  and the how-to that atScope() lists them "not including the role assignments at subscopes"
  (azure/role-based-access-control/role-assignments-list-rest), so the unfiltered list holds
  both. The assignments at the management groups above the subscription and at the root `/`
  are therefore in the subscription's own list: no management-group call is needed to see an
  Owner granted at `mg-platform`. They come back from every subscription below that group and
  are one resource each (canonical id). Deny assignments follow the same rule (the how-to's
  filter table for them: "(no filter) Lists all deny assignments at, above, and below the
  specified scope").
- `roleDefinitions` list at the subscription with `$filter=type eq 'CustomRole'` returns the
  custom roles "applicable at scope and above" (rest/api/authorization/role-definitions/list;
  the type filter: azure/role-based-access-control/custom-roles-rest, "List all custom role
  definitions"): the roles that differ between tenants and subscriptions. The ~600 built-in
  roles are the same everywhere, so they are not listed again in every subscription (a
  tenant of 300 subscriptions would hold 180,000 copies): `roleDefinitions` get-by-id reads,
  once per scan, each role an assignment or eligibility names that no list returned (the
  built-in roles in use, and custom roles only assignable below the subscription), in a
  subscription whose list returned that assignment. A definition's name is a GUID unique in
  the tenant, but ARM prefixes its id with the scope it was read at, so the resource id is
  the tenant-wide `/providers/microsoft.authorization/roledefinitions/<guid>`
  and every subscription's answers deduplicate into one set.
- `denyAssignments` list: reported beside the assignments.
- `roleEligibilityScheduleInstances` list at the subscription (PIM, api-version 2020-10-01,
  rest/api/authorization/role-eligibility-schedule-instances/list-for-scope): eligible
  assignments a principal can activate. Reading them needs Microsoft Entra ID P2 / PIM and
  the permission; an answer refusing it (403, another 4xx) is a limit named on the
  subscription (`role_eligibility_limit`), because active assignments are judged without it;
  a read that failed (throttled, 5xx, malformed, the deadline) is an error like any list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import Any

from scanner.model import CollectionError, Resource, Unknowable
from scanner.providers.azure.api import ArmApi, ArmError
from scanner.providers.azure.declare import (
    Collected,
    Detailer,
    Found,
    Lister,
    Op,
    Service,
    Subscription,
    Tenancy,
)
from scanner.providers.azure.listed import listed, not_registered, values
from scanner.providers.azure.rbac import (
    DENY_ASSIGNMENT,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    ROLE_ELIGIBILITY,
    assignments,
    definition,
    definitions,
    denies,
    eligibilities,
    resource_of,
    role_definition_key,
)

# learn.microsoft.com/rest/api/authorization/role-assignments/list-for-subscription,
# .../role-definitions/list, .../role-definitions/get-by-id, .../deny-assignments/
# list-for-subscription (api-version 2022-04-01, the first with assignment conditions) and
# .../role-eligibility-schedule-instances/list-for-scope (2020-10-01). Each page names the action
# under "Permissions" (Microsoft.Authorization/roleAssignments/read, ...).
AUTH_VERSION = "2022-04-01"
LIST_ASSIGNMENTS = Op(
    "authorization",
    "Authorization/roleAssignments.listForSubscription",
    "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleAssignments",
    AUTH_VERSION,
    "Microsoft.Authorization/roleAssignments/read",
)
LIST_DEFINITIONS = Op(
    "authorization",
    "Authorization/roleDefinitions.list",
    "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions",
    AUTH_VERSION,
    "Microsoft.Authorization/roleDefinitions/read",
    query=(("$filter", "type eq 'CustomRole'"),),
)
# "Role Definitions - Get By Id" (learn.microsoft.com/rest/api/authorization/role-definitions/
# get-by-id): GET {roleId}, "the fully qualified role definition ID" (subscription-level
# `/subscriptions/{guid}/providers/...` or tenant-level `/providers/...`): the id the
# assignment carries, read as ARM returned it, never re-scoped to the listing subscription.
GET_DEFINITION = Op(
    "authorization",
    "Authorization/roleDefinitions.get",
    "{id}",
    AUTH_VERSION,
    "Microsoft.Authorization/roleDefinitions/read",
)
LIST_DENIES = Op(
    "authorization",
    "Authorization/denyAssignments.listForSubscription",
    "/subscriptions/{subscription}/providers/Microsoft.Authorization/denyAssignments",
    AUTH_VERSION,
    "Microsoft.Authorization/denyAssignments/read",
)
LIST_ELIGIBILITY = Op(
    "authorization",
    "Authorization/roleEligibilityScheduleInstances.listForScope",
    "/subscriptions/{subscription}/providers/Microsoft.Authorization/"
    "roleEligibilityScheduleInstances",
    "2020-10-01",
    "Microsoft.Authorization/roleEligibilityScheduleInstances/read",
)
# What the assignment and eligibility listers stage: (listing subscription, role definition
# id) of every role they name, for the get-by-id of those no list returned.
STAGED_ROLES = "role_definition_refs"
# The subscription attributes saying whether PIM eligibility was read, and why not.
ELIGIBILITY_READ = "role_eligibility_read"
ELIGIBILITY_LIMIT = "role_eligibility_limit"
# The answers that say eligibility cannot be read in this tenant or by this caller, rather
# than that the read failed: 401/403 and the other 4xx (the List For Scope page documents
# only 200 and "CloudError"; 400 AadPremiumLicenseRequired is the tenant without P2).
ELIGIBILITY_LIMIT_CODES = frozenset({"FORBIDDEN", "INVALID_REQUEST"})


def _assignments(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    assert sub is not None
    named: set[str] = set()
    build = _naming(named, partial(assignments, sub.account, tenancy.tenant_id))
    try:
        found = listed(api, LIST_ASSIGNMENTS, sub.account, build, subscription=sub.subscription_id)
    except ArmError as exc:
        return not_registered(exc, sub, "role assignments")
    return Found(resources=_grouped(tenancy, found), staged={STAGED_ROLES: _refs(sub, named)})


def _naming(named: set[str], build: Any) -> Any:
    """`build`, also keeping each `roleDefinitionId` exactly as the page wrote it (what the
    get-by-id of a role no list returned reads)."""

    def run(page: dict[str, Any], refs: Any) -> list[Resource]:
        made: list[Resource] = build(page, refs)
        for item in values(page):
            props = item.get("properties")
            role = props.get("roleDefinitionId") if isinstance(props, dict) else None
            if isinstance(role, str):
                named.add(role)
        return made

    return run


def _grouped(tenancy: Tenancy, found: list[Resource]) -> list[Resource]:
    """The resources with a management group's account spelt as enumeration spells it (a group
    name is case-insensitive; the scope in an assignment may use any case)."""
    accounts = {g.id: g.account for g in tenancy.management_groups.values()}
    out = []
    for resource in found:
        scope = str(resource.attrs.get("scope", ""))
        account = accounts.get(scope) if resource.account.startswith("managementGroups/") else None
        out.append(replace(resource, account=account) if account else resource)
    return out


def _refs(sub: Subscription, named: set[str]) -> list[tuple[str, str, str]]:
    """(listing subscription, tenant-wide key, id as returned) of every role named."""
    return sorted({(sub.account, role_definition_key(role), role) for role in named})


def _definitions(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    assert sub is not None
    build = partial(definitions, sub.account)
    try:
        found = listed(api, LIST_DEFINITIONS, sub.account, build, subscription=sub.subscription_id)
    except ArmError as exc:
        return not_registered(exc, sub, "role definitions")
    return Found(resources=found)


def _denies(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    assert sub is not None
    build = partial(denies, sub.account, tenancy.tenant_id)
    try:
        found = listed(api, LIST_DENIES, sub.account, build, subscription=sub.subscription_id)
    except ArmError as exc:
        return not_registered(exc, sub, "deny assignments")
    return Found(resources=_grouped(tenancy, found))


def _eligibility(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    """PIM eligibility: an answer saying it cannot be read here (403 without the permission,
    a 4xx such as 400 AadPremiumLicenseRequired without Entra ID P2) is a limit named on the
    subscription; a failed read (429 past the retries, 5xx, a malformed answer, the run
    deadline) is an error for the subscription's eligibility, as for every other list."""
    assert sub is not None
    named: set[str] = set()
    build = _naming(named, partial(eligibilities, sub.account, tenancy.tenant_id))
    try:
        found = listed(api, LIST_ELIGIBILITY, sub.account, build, subscription=sub.subscription_id)
    except ArmError as exc:
        exc.reported = True
        if exc.code not in ELIGIBILITY_LIMIT_CODES:
            error = CollectionError(
                "azure",
                sub.account,
                "global",
                exc.operation,
                exc.code,
                exc.message,
                (ROLE_ELIGIBILITY,),
            )
            attrs = {ELIGIBILITY_READ: exc.unknowable(), ELIGIBILITY_LIMIT: None}
            return Found(attrs={sub.id: attrs}, errors=[error])
        limit = (
            f"PIM-eligible role assignments not read: {exc.operation} of subscription"
            f" {sub.subscription_id} failed: {exc.code}: {exc.message}"
        )
        return Found(
            attrs={sub.id: {ELIGIBILITY_READ: False, ELIGIBILITY_LIMIT: limit}}, notes=[limit]
        )
    return Found(
        resources=_grouped(tenancy, found),
        attrs={sub.id: {ELIGIBILITY_READ: True, ELIGIBILITY_LIMIT: None}},
        staged={STAGED_ROLES: _refs(sub, named)},
    )


def _missing(found: Collected) -> Iterable[tuple[str, str, Any]]:
    """The role definitions an assignment or eligibility names that no list returned (the
    built-in roles in use; custom roles only assignable below a subscription), once each,
    read by the id the first subscription (by id) whose lists named it wrote, where that
    subscription's definitions list answered (where it failed, that failure already makes
    its roles an error)."""
    listed_ids = {r.id for r in found.of_type(ROLE_DEFINITION)}
    failed = {e.account for e in found.errors if ROLE_DEFINITION in e.resource_types}
    wanted: dict[str, tuple[str, str]] = {}
    for sub, key, arm_id in sorted(found.staged.get(STAGED_ROLES, [])):
        if key not in listed_ids and sub not in failed:
            wanted.setdefault(key, (sub, arm_id))
    for key, (sub, arm_id) in sorted(wanted.items()):
        yield f"role definition {key}", sub, (sub, key, arm_id)


def _get_definition(api: ArmApi, tenancy: Tenancy, item: tuple[str, str, str]) -> Found:
    sub, key, arm_id = item
    guid = key.rsplit("/", 1)[-1]
    if not arm_id.startswith("/") or "?" in arm_id or "#" in arm_id:
        raise ValueError(f"roleDefinitionId is not a resource id: {arm_id!r}")
    try:
        page = api.get(GET_DEFINITION, account=sub, id=arm_id)
    except ArmError as exc:
        value = exc.unknowable()
        if exc.code == "NOT_FOUND":
            # Get By Id documents only 200 and "Other Status Codes: ErrorResponse": a 404 for
            # the role a live assignment names says the read could not see it (a scope it is
            # not assignable at, replication), not that the role grants nothing. Not a failed
            # call either: unknowable without error, naming the id and the answer.
            exc.reported = True
            value = Unknowable(
                f"role definition {arm_id} named by a role assignment was not found by"
                f" {exc.operation}: {exc.message}",
                error=False,
            )
        attrs: dict[str, Any] = {
            "name": guid,
            "arm_id": arm_id,
            **dict.fromkeys(("role_name", "role_type", "permissions", "assignable_scopes"), value),
        }
        return Found(resources=[resource_of(ROLE_DEFINITION, sub, attrs, (), guid)])
    target = GET_DEFINITION.path.format(id=arm_id)
    made = api.shaped(GET_DEFINITION, sub, target, lambda: definition(sub, dict(page), (page.ref,)))
    return Found(resources=[made])


SERVICE = Service(
    name="authorization",
    listers=(
        Lister(
            "role assignments",
            "subscription",
            (ROLE_ASSIGNMENT,),
            (LIST_ASSIGNMENTS,),
            _assignments,
        ),
        Lister(
            "role definitions",
            "subscription",
            (ROLE_DEFINITION,),
            (LIST_DEFINITIONS,),
            _definitions,
        ),
        Lister("deny assignments", "subscription", (DENY_ASSIGNMENT,), (LIST_DENIES,), _denies),
        Lister(
            "PIM eligibility",
            "subscription",
            (ROLE_ELIGIBILITY,),
            (LIST_ELIGIBILITY,),
            _eligibility,
        ),
    ),
    detailers=(
        Detailer(
            "role definitions no list returned",
            2,
            (ROLE_DEFINITION,),
            (GET_DEFINITION,),
            _missing,
            _get_definition,
        ),
    ),
)
