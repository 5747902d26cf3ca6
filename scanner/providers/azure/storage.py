"""Storage accounts of every scanned subscription (one list each), and the accounts diagnostic
settings write to: their blob containers with immutability and legal hold, their blob soft
delete, and, for an account in a subscription outside the scan, the account itself read by id.

Stage 1 lists the accounts (`storageAccounts.list`, one call and its pages per subscription).
Stage 3, after the resource-level diagnostic settings of stage 2, takes every
`storage_account_id` a diagnostic setting names (followed by id across subscriptions, never
matched by name):
- an account stage 1 collected: its containers (`blobContainers.list`) and blob service
  properties are read, and set on it (`containers_read`, `blob_soft_delete_days`);
- an account of a subscription the credential sees but the scan does not cover: read by id
  (`storageAccounts.getProperties`); 404 is an `Absent` placeholder (the setting writes to
  nothing), 403 keeps the account with every attribute an error naming the call; then its
  subscription's locks, its containers and blob service as above;
- an account missing from a subscription whose list succeeded: `Absent`;
- an account of a subscription the credential does not see (or cannot read): no call; one
  placeholder container stands for its log containers, its immutability unknown naming the
  account, so the container policy is never silent on it (the linker's placeholder stands for
  the account). A failed account listing errs for the containers of that subscription too.
The containers of an account are listed in one call (and its pages): ListContainerItem
carries `hasImmutabilityPolicy`, `hasLegalHold`, `immutabilityPolicy` and `legalHold`
(https://learn.microsoft.com/en-us/rest/api/storagerp/blob-containers/list). Only where a
log container has a policy whose state or period the item does not carry is the policy read
(`immutabilityPolicies/default`, the container's own policy with its state,
https://learn.microsoft.com/en-us/rest/api/storagerp/blob-containers/get-immutability-policy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from scanner.model import Absent, CollectionError, EvidenceRef, Resource, Unknowable
from scanner.providers.azure import locks as mlocks
from scanner.providers.azure import storage_shapes as shapes
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
from scanner.providers.azure.listed import (
    StoreList,
    list_stores,
    named_by_settings,
    readable,
    stored_resource,
    type_listed,
)
from scanner.providers.azure.names import canonical, region, subscription_of

# The Storage resource provider's REST reference
# (https://learn.microsoft.com/en-us/rest/api/storagerp/) at one documented version for every
# read, so the list, the GET and the containers share one shape. Permissions: "Azure
# permissions for Storage"
# (https://learn.microsoft.com/en-us/azure/role-based-access-control/permissions/storage).
API_VERSION = "2024-01-01"
LIST = Op(
    "storage",
    "Storage/storageAccounts.list",
    "/subscriptions/{subscription}/providers/Microsoft.Storage/storageAccounts",
    API_VERSION,
    "Microsoft.Storage/storageAccounts/read",
)
GET = Op(
    "storage",
    "Storage/storageAccounts.getProperties",
    "{id}",
    API_VERSION,
    "Microsoft.Storage/storageAccounts/read",
)
CONTAINERS = Op(
    "storage",
    "Storage/blobContainers.list",
    "{id}/blobServices/default/containers",
    API_VERSION,
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
)
POLICY = Op(
    "storage",
    "Storage/blobContainers.getImmutabilityPolicy",
    "{id}/immutabilityPolicies/default",
    API_VERSION,
    "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/read",
)
BLOB_SERVICE = Op(
    "storage",
    "Storage/blobServices.getServiceProperties",
    "{id}/blobServices/default",
    API_VERSION,
    "Microsoft.Storage/storageAccounts/blobServices/read",
)
ACCOUNT = "azure.storage.account"
CONTAINER = "azure.storage.container"
DIAGNOSTIC_SETTING = "azure.monitor.diagnostic_setting"
# Every attribute of an account; all of them are unknowable when its GET fails.
ACCOUNT_ATTRS = (
    "subscription_id",
    "resource_group",
    "location",
    "kind",
    "sku",
    "allow_blob_public_access",
    "supports_https_traffic_only",
    "minimum_tls_version",
    "allow_shared_key_access",
    "public_network_access",
    "network_default_action",
    "private_endpoints",
    "encryption_key_source",
    "key_vault_key_uri",
    "infrastructure_encryption",
    "account_immutability",
    "locks",
    "containers_read",
    "blob_soft_delete_days",
)
_NOT_LOG_ACCOUNT = Unknowable(
    "not read: blob service properties are read only for accounts a diagnostic setting writes to"
)


def account(
    attrs: dict[str, Any],
    evidence: tuple[EvidenceRef, ...] = (),
    placeholder: Absent | None = None,
) -> Resource:
    """One azure.storage.account resource from its attributes (`arm_id` and `name` at least)."""
    return stored_resource(ACCOUNT, attrs, evidence, placeholder)


_LISTED = StoreList(LIST, "storage accounts", shapes.account_attrs, account)


def _list(api: ArmApi, tenancy: Tenancy, subscription: Subscription | None) -> Found:
    assert subscription is not None
    sub = subscription.subscription_id
    unread = {
        "locks": mlocks.not_yet(sub),
        "containers_read": False,
        "blob_soft_delete_days": _NOT_LOG_ACCOUNT,
    }
    return list_stores(api, _LISTED, sub, unread)


def _select(found: Collected) -> Iterable[tuple[str, str, Any]]:
    collected = {r.id: r for r in found.of_type(ACCOUNT)}
    for rid in named_by_settings(found, DIAGNOSTIC_SETTING, "storage_account_id"):
        sub = subscription_of(rid) or ""
        known = found.tenancy.subscriptions.get(sub)
        have = collected.get(rid)
        if have is not None:
            yield (
                f"storage account {have.name}",
                sub,
                ("read", rid, str(have.attrs["arm_id"]), have.region),
            )
        elif known is not None and not known.in_scan and readable(known):
            yield f"storage account {rid}", sub, ("get", rid, rid, "global")
        elif known is not None and known.in_scan and type_listed(found, sub, ACCOUNT):
            yield f"storage account {rid}", sub, ("absent", rid, rid, "global")
        elif known is None or not known.in_scan:
            yield f"storage account {rid}", sub, ("unseen", rid, rid, "global")


def _target(item: Any) -> str | None:
    return str(item[1]) if item[0] == "read" else None


def _log_account(api: ArmApi, tenancy: Tenancy, item: tuple[str, str, str, str]) -> Found:
    how, rid, arm_id, where = item
    if how == "absent":
        why = Absent(
            f"storage account {rid} does not exist: it is not among the storage accounts of"
            f" subscription {subscription_of(rid)} ({LIST.name})"
        )
        return Found(resources=[account({"arm_id": rid, "name": rid.rsplit("/", 1)[-1]}, (), why)])
    if how == "unseen":
        return Found(resources=[_unread_containers(rid)])
    if how == "get":
        return _foreign(api, rid)
    found = Found()
    attrs, refs = _details(api, rid, arm_id, where, found)
    found.attrs[rid] = attrs
    found.evidence[rid] = list(refs)
    return found


def _error(exc: ArmError, rtype: str, rid: str) -> CollectionError:
    """The failure as an error for `rtype` of one store (listed once: reported here)."""
    exc.reported = True
    sub = subscription_of(rid) or exc.account
    return CollectionError(
        "azure", sub, "global", exc.operation, exc.code, exc.message, (rtype,), rid
    )


def _gone_subscription(exc: ArmError) -> bool:
    """A 404 that says the subscription, not the resource, is missing (SubscriptionNotFound):
    nothing can be said of the resource."""
    return "SubscriptionNotFound" in exc.message


def _foreign(api: ArmApi, rid: str) -> Found:
    """An account of a subscription outside the scan, read by id, with its locks."""
    name = rid.rsplit("/", 1)[-1]
    try:
        page = api.get(GET, id=rid)
        attrs = api.shaped(GET, subscription_of(rid) or "", rid, lambda: shapes.account_attrs(page))
    except ArmError as exc:
        if exc.code == "NOT_FOUND" and _gone_subscription(exc):
            # The subscription itself is not there for this credential: the linker's unknown
            # stands for the account, this placeholder for its log containers.
            exc.reported = True
            return Found(resources=[_unread_containers(rid)])
        if exc.code == "NOT_FOUND":
            exc.reported = True
            why = Absent(f"storage account {rid} does not exist ({GET.name} answered 404)")
            return Found(resources=[account({"arm_id": rid, "name": name}, (), why)])
        # Every attribute an error, and its containers too (they cannot be listed unseen).
        value = exc.unknowable()
        attrs = {"arm_id": rid, "name": name, **dict.fromkeys(ACCOUNT_ATTRS, value)}
        return Found(resources=[account(attrs)], errors=[_error(exc, CONTAINER, rid)])
    found = Found()
    sub = str(attrs["subscription_id"])
    lock_list, lock_refs = mlocks.read(api, sub)
    attrs["locks"] = (
        lock_list if isinstance(lock_list, Unknowable) else mlocks.applying(lock_list, rid)
    )
    where = region(str(attrs["location"])) if attrs["location"] else "global"
    more, refs = _details(api, rid, str(attrs["arm_id"]), where, found)
    attrs.update(more)
    found.resources.insert(0, account(attrs, (page.ref, *lock_refs, *refs)))
    return found


_UNREAD_CONTAINER_ATTRS = (
    "public_access",
    "has_immutability_policy",
    "has_legal_hold",
    "legal_hold_tags",
    "immutability_state",
    "immutability_period_days",
    "allow_protected_append_writes",
    "allow_protected_append_writes_all",
    "version_level_immutability",
)


def _unread_containers(rid: str) -> Resource:
    """One container standing for the log containers of an account in a subscription the
    credential does not see or cannot read: whether any is WORM is unknown (never silent)."""
    sub = subscription_of(rid) or ""
    why = Unknowable(
        f"the containers of storage account {rid} were not read: its subscription {sub} is"
        " not visible to (or readable by) the credential"
    )
    name = rid.rsplit("/", 1)[-1]
    attrs: dict[str, Any] = {
        "arm_id": f"{rid}/blobServices/default/containers",
        "name": f"log containers of {name}",
        "account": rid,
        **dict.fromkeys(_UNREAD_CONTAINER_ATTRS, why),
        "is_log_container": True,
        "deleted": False,
        "effective_immutability": why,
    }
    return Resource(
        provider="azure",
        account=sub,
        region="global",
        type=CONTAINER,
        id=canonical(f"{rid}/blobServices/default/containers"),
        name=attrs["name"],
        attrs=attrs,
    )


def _details(
    api: ArmApi, rid: str, arm_id: str, where: str, found: Found
) -> tuple[dict[str, Any], tuple[EvidenceRef, ...]]:
    """Blob soft delete and the containers of one account: the containers go into `found`,
    the account's attributes they settle are returned with their evidence."""
    sub = subscription_of(rid) or ""
    refs: list[EvidenceRef] = []
    attrs: dict[str, Any] = {}
    try:
        service = api.get(BLOB_SERVICE, id=arm_id)
        attrs["blob_soft_delete_days"] = api.shaped(
            BLOB_SERVICE, sub, arm_id, lambda: shapes.soft_delete_days(service)
        )
        refs.append(service.ref)
    except ArmError as exc:
        attrs["blob_soft_delete_days"] = exc.unknowable()
    try:
        listing = api.list(CONTAINERS, id=arm_id)
        items = [
            api.shaped(CONTAINERS, sub, arm_id, partial(shapes.container_attrs, raw, rid))
            for raw in listing
        ]
    except ArmError as exc:
        attrs["containers_read"] = exc.unknowable()
        found.errors.append(_error(exc, CONTAINER, rid))
        return attrs, tuple(refs)
    attrs["containers_read"] = True
    refs.extend(listing.refs)
    for raw, container_attrs, ref in zip(listing, items, listing.item_refs, strict=True):
        found.resources.append(_container(api, raw, container_attrs, where, (ref,)))
    return attrs, tuple(refs)


def _container(
    api: ArmApi,
    raw: Mapping[str, Any],
    attrs: dict[str, Any],
    where: str,
    refs: tuple[EvidenceRef, ...],
) -> Resource:
    """One container. A container whose item says it has a policy but not its state and
    period: a log container's is read from its immutabilityPolicies/default (a failure leaves
    the policy fields errors); any other's is left unknown (no policy judges it, so no call)."""
    evidence = list(refs)
    props = raw.get("properties") or {}
    if attrs["has_immutability_policy"] and not shapes.policy_is_complete(
        props.get("immutabilityPolicy")
    ):
        cid = str(raw["id"])
        sub = subscription_of(cid) or ""
        if not attrs["is_log_container"]:
            why = Unknowable("the container list does not say; not read for a non-log container")
            attrs.update(dict.fromkeys(shapes.policy_fields(None), why))
        else:
            try:
                policy = api.get(POLICY, id=cid)
                attrs.update(api.shaped(POLICY, sub, cid, lambda: shapes.policy_fields(policy)))
                evidence.append(policy.ref)
            except ArmError as exc:
                attrs.update(dict.fromkeys(shapes.policy_fields(None), exc.unknowable()))
    return Resource(
        provider="azure",
        account=subscription_of(attrs["account"]) or "",
        region=where,
        type=CONTAINER,
        id=canonical(str(raw["id"])),
        name=attrs["name"],
        attrs=attrs,
        evidence=tuple(evidence),
    )


# Stage 3: after the resource-level diagnostic settings (stage 2), which name stores too
# (a key vault's AuditEvent to an account or workspace).
SERVICE = Service(
    name="storage",
    # A failed account listing leaves the log containers of the subscription unread too.
    listers=(Lister("storage accounts", "subscription", (ACCOUNT, CONTAINER), (LIST,), _list),),
    detailers=(
        Detailer(
            "storage accounts diagnostic settings write to",
            3,
            (CONTAINER,),
            (GET, CONTAINERS, POLICY, BLOB_SERVICE, mlocks.LIST),
            _select,
            _log_account,
            attrs=("containers_read", "blob_soft_delete_days"),
            target=_target,
        ),
    ),
)
