"""One subscription-wide ARM list, read and normalized page by page: the helper the alert,
network and authorization collectors share, with what the log store collectors share (the
note for an unregistered provider, the targets diagnostic settings name).

Every page is normalized with its own evidence; a page the normalizer cannot read makes the
whole list a malformed answer (a failed call), never a shorter list. An unregistered
resource provider (409 MissingSubscriptionRegistration: "The subscription is not registered
to use namespace ...", learn.microsoft.com/azure/azure-resource-manager/troubleshooting/
error-register-resource-provider) means the subscription has none of that provider's
resources: an empty list and a note, never an error (`unregistered`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from scanner.model import Absent, EvidenceRef, Resource
from scanner.providers.azure.api import ArmApi, ArmError
from scanner.providers.azure.declare import READABLE_STATES, Collected, Found, Op, Subscription
from scanner.providers.azure.names import canonical, region, subscription_of

# (page JSON, evidence of the page) -> the resources it holds.
Build = Callable[[dict[str, Any], tuple[EvidenceRef, ...]], list[Resource]]


def values(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The `value` list of an ARM list page (absent: empty); any other shape is malformed."""
    found = page.get("value", [])
    if not isinstance(found, list) or not all(isinstance(i, dict) for i in found):
        raise ValueError("value: expected a list of objects")
    return found


def arm_resource(
    rtype: str,
    subscription: str,
    raw: dict[str, Any],
    attrs: dict[str, Any],
    evidence: tuple[EvidenceRef, ...],
) -> Resource:
    """A listed item as a resource of `subscription`, located where the item says."""
    return Resource(
        provider="azure",
        account=subscription,
        region=region(raw.get("location")),
        type=rtype,
        id=canonical(attrs["arm_id"]),
        name=attrs["name"],
        attrs=attrs,
        evidence=evidence,
    )


def stored_resource(
    rtype: str,
    attrs: dict[str, Any],
    evidence: tuple[EvidenceRef, ...],
    placeholder: Absent | None,
) -> Resource:
    """A resource of the subscription its `arm_id` names, located where its `location` says
    (global when it says nothing)."""
    arm_id = str(attrs["arm_id"])
    location = attrs.get("location")
    return Resource(
        provider="azure",
        account=subscription_of(arm_id) or "",
        region=region(location) if isinstance(location, str) and location else "global",
        type=rtype,
        id=canonical(arm_id),
        name=str(attrs["name"]),
        attrs=attrs,
        evidence=evidence,
        placeholder=placeholder,
    )


def listed(api: ArmApi, op: Op, account: str, build: Build, **params: str) -> list[Resource]:
    """Every page of `op` (nextLink followed by the gateway), normalized by `build`."""
    target = op.path.format(**params)
    found: list[Resource] = []
    for page in api.pages(op, query=None, account=account, **params):
        api.items(op, page, account, target)
        found.extend(api.shaped(op, account, target, partial(build, dict(page), (page.ref,))))
    return found


def unregistered(exc: ArmError, sub: Subscription, what: str) -> str | None:
    """The note for a list answered "provider not registered" (the failure is then not an
    error: `reported`), or None for any other failure, which the caller re-raises."""
    if exc.code != "NOT_REGISTERED":
        return None
    exc.reported = True
    return (
        f"subscription {sub.subscription_id}: {exc.operation} answered that its resource"
        f" provider is not registered, so the subscription has no {what} ({exc.message})"
    )


def not_registered(exc: ArmError, sub: Subscription, what: str) -> Found:
    """An empty `Found` with the note for an unregistered provider; any other failure is
    re-raised (the task fails: an error for the subscription)."""
    note = unregistered(exc, sub, what)
    if note is None:
        raise exc
    return Found(notes=[note])


def store_unregistered(exc: ArmError, sub: str, what: str) -> Found:
    """An empty `Found` noting that the subscription has no `what` (a log store's provider is
    not registered); any other failure is re-raised."""
    if exc.code != "NOT_REGISTERED":
        raise exc
    exc.reported = True
    return Found(
        notes=[f"{what} of subscription {sub}: none (provider not registered: {exc.message})"]
    )


@dataclass(frozen=True)
class StoreList:
    """How one log-store type is listed per subscription: its op, the noun for a provider that
    is not registered, the REST-JSON shaper and the resource builder."""

    op: Op
    what: str
    shape: Callable[[dict[str, Any]], dict[str, Any]]
    build: Callable[[dict[str, Any], tuple[EvidenceRef, ...]], Resource]


def list_stores(api: ArmApi, kind: StoreList, sub: str, unread: dict[str, Any]) -> Found:
    """A log-store type's one list of subscription `sub`: each item shaped from its REST JSON,
    with `unread` (what later stages read) set, built into a resource; a provider that is not
    registered is an empty `Found` with a note (`store_unregistered`)."""
    try:
        listing = api.list(kind.op, subscription=sub)
    except ArmError as exc:
        return store_unregistered(exc, sub, kind.what)
    found = Found()
    for raw, ref in zip(listing, listing.item_refs, strict=True):
        attrs = api.shaped(kind.op, sub, f"/subscriptions/{sub}", partial(kind.shape, raw))
        attrs.update(unread)
        found.resources.append(kind.build(attrs, (ref,)))
    return found


def named_by_settings(found: Collected, setting_type: str, key: str) -> list[str]:
    """The canonical ids diagnostic settings write to under `key`, in the order first named."""
    named: dict[str, None] = {}
    for setting in found.of_type(setting_type):
        target = setting.attrs.get(key)
        if isinstance(target, str) and target:
            named.setdefault(canonical(target), None)
    return list(named)


def type_listed(found: Collected, sub: str, rtype: str) -> bool:
    """Whether `rtype` of a scanned subscription was listed (no error for the type)."""
    return not any(e.account == sub and rtype in e.resource_types for e in found.errors)


def readable(sub: Subscription) -> bool:
    """A subscription outside the scan whose resources may be read (not Disabled or Deleted;
    a state that could not be read is tried)."""
    return sub.state is None or sub.state in READABLE_STATES
