"""Enumeration: the tenant, its management groups and the subscriptions a scan covers,
before any other task.

- every subscription the credential sees: `Subscriptions - List` (paged), whose items carry
  `tenantId` and `state`; read for every scan, since the subscriptions it shows but the
  scan does not cover are kept (`in_scan` false, no call of their own) so that a log store
  a diagnostic setting names in one of them can be read by id;
- `--subscriptions id1,id2`: those the list shows, and `Subscriptions - Get` of each it does
  not; a 403 keeps the subscription in the scan with its attributes that error (its calls
  will answer for themselves), a 404 leaves it out; both are error findings naming it,
  never dropped;
- `--management-group MG`: `Management Groups - Get Descendants` of MG (paged): the groups
  and subscriptions below it, at any depth; their states from the subscriptions list
  (`Get` of one the list does not show).
The hierarchy (for every subscription, its management groups nearest first) comes from the
descendants of the tenant root group (whose name is the tenant id), or of MG plus MG's own
ancestors (`Management Groups - Get` with `$expand=ancestors`). Where it cannot be read,
`management_groups` is `[]` and the failure is in `errors`. A subscription that is not
Enabled, Warned or PastDue is named in the limits and gets no call.
The scan's tenant is the ARM token's `tid` (`tenant_choice`: the fallback without it, and
subscriptions delegated from other tenants).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from scanner.errors import RunError
from scanner.model import CollectionError, EvidenceRef, Resource
from scanner.providers.azure.api import ArmApi, ArmError
from scanner.providers.azure.clients import tenant_of_token
from scanner.providers.azure.declare import (
    READABLE_STATES,
    ManagementGroup,
    Op,
    Service,
    Subscription,
    Tenancy,
)
from scanner.providers.azure.names import canonical
from scanner.providers.azure.tenant_choice import foreign, guessed

if TYPE_CHECKING:
    from scanner.providers.azure.adapter import Request

# "Subscriptions - List" / "Subscriptions - Get" / "Tenants - List", api-version 2022-12-01:
# https://learn.microsoft.com/rest/api/resources/subscriptions/list,
# https://learn.microsoft.com/rest/api/resources/subscriptions/get,
# https://learn.microsoft.com/rest/api/resources/tenants/list.
SUBSCRIPTIONS_LIST = Op(
    "subscriptions",
    "Resources/subscriptions.list",
    "/subscriptions",
    "2022-12-01",
    "Microsoft.Resources/subscriptions/read",
)
SUBSCRIPTION_GET = Op(
    "subscriptions",
    "Resources/subscriptions.get",
    "/subscriptions/{subscription}",
    "2022-12-01",
    "Microsoft.Resources/subscriptions/read",
)
TENANTS_LIST = Op(
    "subscriptions",
    "Resources/tenants.list",
    "/tenants",
    "2022-12-01",
    # Any signed-in principal may list its tenants; the action is the one Microsoft.Resources
    # names for it ("Azure permissions for Management and governance",
    # https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance;
    # this action and descendants/read below were not found in the reference search used
    # when they were declared: check them against that page).
    "Microsoft.Resources/tenants/read",
)
# "Management Groups - Get Descendants" and "Management Groups - Get" ($expand=ancestors):
# https://learn.microsoft.com/rest/api/managementgroups/management-groups/get-descendants,
# https://learn.microsoft.com/rest/api/managementgroups/management-groups/get; 2023-04-01 is
# the current GA version (the .NET SDK's default for GetDescendants).
MG_DESCENDANTS = Op(
    "managementgroups",
    "Management/managementGroups.descendants",
    "/providers/Microsoft.Management/managementGroups/{group}/descendants",
    "2023-04-01",
    "Microsoft.Management/managementGroups/descendants/read",
)
MG_GET = Op(
    "managementgroups",
    "Management/managementGroups.get",
    "/providers/Microsoft.Management/managementGroups/{group}",
    "2023-04-01",
    "Microsoft.Management/managementGroups/read",
    query=(("$expand", "ancestors"),),
)
SERVICE = Service(
    "tenancy", ops=(SUBSCRIPTIONS_LIST, SUBSCRIPTION_GET, TENANTS_LIST, MG_DESCENDANTS, MG_GET)
)
SUBSCRIPTION_TYPES = ("azure.subscription",)
GROUP_TYPES = ("azure.management_group",)


@dataclass
class Enumeration:
    """What enumeration found besides the tenancy: failures, unreadable subscriptions and
    what was left out, the tenant's own answer."""

    errors: list[CollectionError] = field(default_factory=list)
    unreadable: dict[str, ArmError] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tenant: dict[str, Any] = field(default_factory=dict)
    tenant_evidence: list[EvidenceRef] = field(default_factory=list)


def _subscription(item: Mapping[str, Any], ref: EvidenceRef, in_scan: bool) -> Subscription:
    sid = str(item["subscriptionId"]).lower()
    return Subscription(
        subscription_id=sid,
        display_name=item.get("displayName"),
        state=item.get("state"),
        tenant_id=(str(item["tenantId"]).lower() if item.get("tenantId") else None),
        in_scan=in_scan,
        arm_id=item.get("id"),
        evidence=(ref,),
    )


def _error(exc: ArmError, types: tuple[str, ...], target: str | None = None) -> CollectionError:
    exc.reported = True
    return CollectionError(
        "azure", exc.account, "global", exc.operation, exc.code, exc.message, types, target
    )


def _visible(api: ArmApi, found: Enumeration) -> dict[str, Subscription] | None:
    """Every subscription the credential sees (None: the list failed, in `found.errors`)."""
    try:
        listing = api.list(SUBSCRIPTIONS_LIST, account="tenant")
    except ArmError as exc:
        if exc.code == "AUTH_FAILED":
            # No token at all: every call would fail alike, so the scan cannot run (exit 3),
            # rather than report every control as an error.
            raise RunError(f"no Azure credentials: {exc.message}") from exc
        found.errors.append(_error(exc, SUBSCRIPTION_TYPES))
        return None
    subs: dict[str, Subscription] = {}
    for item, ref in zip(listing, listing.item_refs, strict=True):
        sub = _read(api, SUBSCRIPTIONS_LIST, "tenant", item, ref)
        subs[sub.subscription_id] = sub
    return subs


def _read(
    api: ArmApi, op: Op, account: str, item: Mapping[str, Any], ref: EvidenceRef
) -> Subscription:
    target = f"/subscriptions/{account}" if op is SUBSCRIPTION_GET else "/subscriptions"
    return api.shaped(op, account, target, lambda: _subscription(item, ref, True))


def _named(api: ArmApi, sid: str, found: Enumeration) -> Subscription:
    """A subscription named on the command line (or met under a management group)."""
    try:
        page = api.get(SUBSCRIPTION_GET, subscription=sid)
    except ArmError as exc:
        found.errors.append(_error(exc, SUBSCRIPTION_TYPES, f"/subscriptions/{sid}"))
        found.unreadable[sid] = exc
        # A 403 may be the Get alone; the subscription's own calls say what they can read.
        return Subscription(sid, in_scan=exc.code == "FORBIDDEN")
    return _read(api, SUBSCRIPTION_GET, sid, page, page.ref)


def _tenant(api: ArmApi, tenant_id: str | None, found: Enumeration) -> str | None:
    """The tenant's own entry of `Tenants - List` (display name, domain); its id when no
    subscription named one."""
    try:
        listing = api.list(TENANTS_LIST, account=tenant_id or "tenant")
    except ArmError as exc:
        found.errors.append(_error(exc, ("azure.tenant",)))
        return tenant_id
    found.tenant_evidence.extend(listing.refs)
    for item in listing:
        tid = str(item.get("tenantId") or "").lower()
        if tid and (tenant_id is None or tid == tenant_id):
            found.tenant = dict(item)
            return tid
    return tenant_id


@dataclass
class _Tree:
    groups: dict[str, ManagementGroup] = field(default_factory=dict)
    # canonical id -> parent canonical id, for groups and subscriptions alike
    parents: dict[str, str] = field(default_factory=dict)
    subscriptions: dict[str, str | None] = field(default_factory=dict)  # sid -> display name
    read: bool = False


def _hierarchy(api: ArmApi, group: str, tenant_id: str | None, found: Enumeration) -> _Tree:
    """The group itself (with its ancestors) and everything below it."""
    tree = _Tree()
    account = tenant_id or "tenant"
    top = ManagementGroup(group, tenant_id=tenant_id)
    try:
        page = api.get(MG_GET, group=group, account=account)
        props = page.get("properties") or {}
        details = props.get("details") or {}
        chain = details.get("managementGroupAncestorsChain") or []
        parent = (details.get("parent") or {}).get("id")
        top = replace(
            top,
            display_name=props.get("displayName"),
            parent=canonical(parent) if parent else None,
            arm_id=page.get("id"),
            evidence=(page.ref,),
        )
        previous = top
        for element in chain:
            node = ManagementGroup(
                str(element["name"]), element.get("displayName"), tenant_id=tenant_id
            )
            tree.parents[previous.id] = node.id
            tree.groups.setdefault(node.id, node)
            previous = node
    except ArmError as exc:
        found.errors.append(_error(exc, GROUP_TYPES, top.id))
    tree.groups[top.id] = top
    if top.parent:
        tree.parents[top.id] = top.parent
    try:
        listing = api.list(MG_DESCENDANTS, group=group, account=account)
    except ArmError as exc:
        found.errors.append(_error(exc, (*GROUP_TYPES, *SUBSCRIPTION_TYPES), top.id))
        return tree
    tree.read = True
    for item, ref in zip(listing, listing.item_refs, strict=True):
        _descendant(tree, item, tenant_id, ref)
    return tree


def _descendant(
    tree: _Tree, item: Mapping[str, Any], tenant_id: str | None, ref: EvidenceRef
) -> None:
    props = item.get("properties") or {}
    parent = (props.get("parent") or {}).get("id")
    kind = str(item.get("type") or "").lower()
    if kind.endswith("subscriptions"):
        sid = str(item["name"]).lower()
        if parent:
            tree.parents[f"/subscriptions/{sid}"] = canonical(parent)
        tree.subscriptions[sid] = props.get("displayName")
        return
    node = ManagementGroup(
        str(item["name"]),
        props.get("displayName"),
        canonical(parent) if parent else None,
        tenant_id,
        item.get("id"),
        (ref,),
    )
    tree.groups[node.id] = node
    if node.parent:
        tree.parents[node.id] = node.parent


def _ancestors(tree: _Tree, rid: str) -> tuple[str, ...]:
    found: list[str] = []
    at = tree.parents.get(rid)
    while at is not None and at not in found:
        found.append(at)
        at = tree.parents.get(at)
    return tuple(found)


def _outside(
    visible: Mapping[str, Subscription], chosen: Mapping[str, Subscription]
) -> dict[str, Subscription]:
    """The chosen subscriptions, then every other one the credential sees, not scanned: a
    store a diagnostic setting names there is read by id (its subscription is known to the
    credential), where one in a subscription it does not see stays unknown without a call."""
    others = {sid: replace(sub, in_scan=False) for sid, sub in visible.items() if sid not in chosen}
    return {**chosen, **others}


def _scope(
    api: ArmApi, request: Request, found: Enumeration
) -> tuple[dict[str, Subscription], _Tree, str | None]:
    visible = _visible(api, found) or {}
    # The token's tenant, never the subscriptions' (Lighthouse ones carry the customer's).
    token = tenant_of_token(api.clients.credential, api.clients.scope)
    if request.subscriptions:
        # The list answers for the named subscriptions it shows; only the others are read
        # one by one (a 403 or 404 there names the subscription).
        chosen = {sid: visible.get(sid) or _named(api, sid, found) for sid in request.subscriptions}
        tenant_id = _tenant(api, token or guessed(found.notes, chosen, visible), found)
        tree = _hierarchy(api, tenant_id, tenant_id, found) if tenant_id else _Tree()
        return _outside(visible, chosen), tree, tenant_id
    tenant_id = _tenant(api, token or guessed(found.notes, visible), found)
    if request.management_group is None:
        tree = _hierarchy(api, tenant_id, tenant_id, found) if tenant_id else _Tree()
        return visible, tree, tenant_id
    tree = _hierarchy(api, request.management_group, tenant_id, found)
    chosen = {
        sid: visible.get(sid) or _named(api, sid, found) for sid in sorted(tree.subscriptions)
    }
    return _outside(visible, chosen), tree, tenant_id


def enumerate_tenancy(api: ArmApi, request: Request) -> tuple[Tenancy, Enumeration]:
    """The tenancy a scan covers, and what enumeration found besides."""
    found = Enumeration()
    subs, tree, tenant_id = _scope(api, request, found)
    final: dict[str, Subscription] = {}
    for sid, sub in subs.items():
        readable = sub.state is None or sub.state in READABLE_STATES
        if sub.in_scan and not readable:
            name = f" ({sub.display_name})" if sub.display_name else ""
            found.notes.append(f"subscription {sid}{name} is {sub.state}: not scanned")
        final[sid] = replace(
            sub,
            in_scan=sub.in_scan and readable,
            tenant_id=sub.tenant_id or tenant_id,
            management_groups=_ancestors(tree, f"/subscriptions/{sid}"),
        )
    found.notes.extend(foreign(final, tenant_id))
    if not any(sub.in_scan for sub in final.values()):
        found.notes.append("no subscription to scan: the credential sees none in scope")
    return Tenancy(tenant_id, final, dict(tree.groups)), found


def scope_resources(tenancy: Tenancy, found: Enumeration) -> list[Resource]:
    """The azure.tenant, azure.management_group and azure.subscription resources."""
    resources: list[Resource] = []
    if tenancy.tenant_id and tenancy.tenant:
        name = found.tenant.get("displayName") or tenancy.tenant_id
        resources.append(
            Resource(
                provider="azure",
                account=tenancy.tenant_id,
                region="global",
                type="azure.tenant",
                id=tenancy.tenant,
                name=str(name),
                attrs={
                    "name": str(name),
                    "arm_id": found.tenant.get("id") or f"/tenants/{tenancy.tenant_id}",
                    "tenant_id": tenancy.tenant_id,
                },
                evidence=tuple(found.tenant_evidence),
            )
        )
    for group in sorted(tenancy.management_groups.values(), key=lambda g: g.id):
        resources.append(
            Resource(
                provider="azure",
                account=group.account,
                region="global",
                type="azure.management_group",
                id=group.id,
                name=group.display_name or group.name,
                attrs={
                    "name": group.name,
                    "arm_id": group.arm_id or group.id,
                    "display_name": group.display_name,
                    "parent": group.parent,
                    "tenant_id": group.tenant_id,
                },
                evidence=group.evidence,
            )
        )
    for sub in tenancy.ordered():
        resources.append(_subscription_resource(sub, found.unreadable.get(sub.subscription_id)))
    return resources


def _subscription_resource(sub: Subscription, unreadable: ArmError | None) -> Resource:
    known: Any = unreadable.unknowable() if unreadable is not None else None
    attrs: dict[str, Any] = {
        "name": sub.display_name or sub.subscription_id,
        "arm_id": sub.arm_id or sub.id,
        "subscription_id": sub.subscription_id,
        "display_name": known if known else sub.display_name,
        "state": known if known else sub.state,
        "tenant_id": sub.tenant_id,
        "management_groups": list(sub.management_groups),
        "in_scan": sub.in_scan,
    }
    return Resource(
        provider="azure",
        account=sub.account,
        region="global",
        type="azure.subscription",
        id=sub.id,
        name=sub.display_name or sub.subscription_id,
        attrs=attrs,
        evidence=sub.evidence,
    )
