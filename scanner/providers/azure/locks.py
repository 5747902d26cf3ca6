"""Management locks: one list per scanned subscription gives every lock in it, whatever it is
on, and each lock's own id says the scope it protects.

`GET /subscriptions/{s}/providers/Microsoft.Authorization/locks` is "Gets all the management
locks for a subscription" (ManagementLocks_ListAtSubscriptionLevel,
https://learn.microsoft.com/en-us/rest/api/resources/management-locks/list-at-subscription-level):
the locks on the subscription, its resource groups and its resources, so one call replaces a
list per account, per group and per subscription. A lock's id is
`<scope>/providers/Microsoft.Authorization/locks/<name>`, and "When you apply a lock at a parent
scope, all child resources inherit the same lock"
(https://learn.microsoft.com/en-us/rest/api/resources/management-locks/create-or-update-at-resource-group-level):
a lock applies to a resource when its scope is the resource or any ancestor of it (the
subscription, the resource group, a parent resource). Locks cannot be set on management groups.

Stage 1 lists the locks of every scanned subscription (staged); stage 2 sets the `locks` of
every storage account and Log Analytics workspace of that subscription from them, so the list
is read once per subscription however many stores it holds. Until then (and where the list
failed) `locks` is unknowable. A lock whose id names no scope is attributed to no store and
named in the scan's limits for its subscription (`unplaced`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.model import Unknowable
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
from scanner.providers.azure.names import canonical

# ManagementLocks_ListAtSubscriptionLevel, api-version 2016-09-01 (the version of the
# Microsoft Learn reference above); "Microsoft.Authorization/locks/read: Gets locks at the
# specified scope" (https://learn.microsoft.com/en-us/azure/role-based-access-control/permissions/management-and-governance#microsoftauthorization).
LIST = Op(
    "resources",
    "Authorization/locks.listAtSubscriptionLevel",
    "/subscriptions/{subscription}/providers/Microsoft.Authorization/locks",
    "2016-09-01",
    "Microsoft.Authorization/locks/read",
)
STAGED = "azure.management_locks"
# The types whose `locks` attribute stage 2 sets.
LOCKED_TYPES = ("azure.storage.account", "azure.loganalytics.workspace")
_LOCKS = "/providers/microsoft.authorization/locks/"
LEVELS = ("CanNotDelete", "ReadOnly")


def not_yet(subscription: str) -> Unknowable:
    """`locks` of a store until stage 2 sets them (what stays when it cannot)."""
    return Unknowable(
        f"the management locks of subscription {subscription} were not read", error=True
    )


def scope_of(lock_id: str) -> str | None:
    """The canonical id of what a lock protects, from the lock's own id; None when the id is
    not a lock id."""
    lowered = canonical(lock_id)
    if _LOCKS not in lowered:
        return None
    scope = lowered.rsplit(_LOCKS, 1)[0]
    return scope or None


def lock(raw: Mapping[str, Any]) -> dict[str, Any]:
    """`{name, level, scope}` of one ManagementLockObject (REST JSON); ValueError when its id is
    not a lock id (a malformed answer). A lock id without the scope before it (the documented
    example of List At Subscription Level: `/providers/Microsoft.Authorization/locks/testlock`)
    has scope None: a lock that cannot be placed, not a malformed list."""
    lock_id = str(raw["id"])
    scope = scope_of(lock_id)
    if scope is None and _LOCKS not in canonical(lock_id):
        raise ValueError(f"lock id {raw['id']!r} is not <scope>/providers/.../locks/<name>")
    level = str((raw.get("properties") or {})["level"])
    # The documented values are CanNotDelete and ReadOnly: one spelling whatever the case.
    level = next((known for known in LEVELS if known.lower() == level.lower()), level)
    return {
        "name": str(raw.get("name") or lock_id.rsplit("/", 1)[-1]),
        "level": level,
        "scope": scope,
    }


def unplaced(subscription: str, locks: Iterable[Mapping[str, Any]]) -> list[str]:
    """The limit naming each lock of a subscription whose scope cannot be read: it is
    attributed to no store (a store it protects reads as unlocked: a fail to check, never a
    silent pass), and said once for the subscription rather than guessed onto every store."""
    return [
        f"management lock {lk['name']} ({lk['level']}) of subscription {subscription} names no"
        " scope in its id, so it is attributed to no store; a store of this subscription it"
        " protects is reported without it"
        for lk in locks
        if lk["scope"] is None
    ]


def applying(locks: Iterable[Mapping[str, Any]], resource_id: str) -> list[dict[str, Any]]:
    """The locks that protect a resource: on it or on any ancestor scope (nearest scope
    last, then by name, so evidence and findings read the same on every run)."""
    rid = canonical(resource_id)
    placed = [lk for lk in locks if lk["scope"] is not None]  # the others: `unplaced`
    found = [dict(lk) for lk in placed if rid == lk["scope"] or rid.startswith(f"{lk['scope']}/")]
    return sorted(found, key=lambda lk: (len(lk["scope"]), lk["scope"], lk["name"]))


def read(
    api: ArmApi, subscription: str
) -> tuple[list[dict[str, Any]] | Unknowable, tuple[Any, ...]]:
    """Every lock of a subscription and the evidence of the list; the list's failure as the
    unknowable value `locks` then has (the failure itself is listed in the scan's errors)."""
    try:
        listing = api.list(LIST, subscription=subscription)
        locks = api.shaped(
            LIST, subscription, f"/subscriptions/{subscription}", lambda: [lock(x) for x in listing]
        )
    except ArmError as exc:
        return exc.unknowable(), ()
    return locks, listing.refs


def _list(api: ArmApi, tenancy: Tenancy, subscription: Subscription | None) -> Found:
    assert subscription is not None
    sub = subscription.subscription_id
    locks, refs = read(api, sub)
    notes = [] if isinstance(locks, Unknowable) else unplaced(sub, locks)
    return Found(staged={STAGED: [(sub, locks, refs)]}, notes=notes)


def _select(found: Collected) -> Iterable[tuple[str, str, Any]]:
    for sub, locks, refs in found.staged.get(STAGED, ()):
        stores = [r.id for t in LOCKED_TYPES for r in found.of_type(t) if r.account == sub]
        if stores:
            yield f"management locks of {sub}", sub, (locks, refs, tuple(stores))


def _attach(api: ArmApi, tenancy: Tenancy, item: Any) -> Found:
    locks, refs, stores = item
    found = Found()
    for rid in stores:
        found.attrs[rid] = {
            "locks": locks if isinstance(locks, Unknowable) else applying(locks, rid)
        }
        found.evidence[rid] = list(refs)
    return found


SERVICE = Service(
    name="locks",
    listers=(Lister("management locks", "subscription", (), (LIST,), _list),),
    # Stage 2: after the stores of stage 1; no call of its own.
    detailers=(Detailer("management locks of log stores", 2, (), (), _select, _attach),),
)
