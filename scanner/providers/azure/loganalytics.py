"""Log Analytics workspaces of every scanned subscription (one list each), and the tables of
every workspace a diagnostic setting sends to: the activity-log and Entra ID tables keep their
own retention, which may override the workspace default, so retention is judged per table.

Stage 1 lists the workspaces (`workspaces.list`). Stage 3, after the resource-level
diagnostic settings of stage 2, takes every `workspace_id` a diagnostic setting names
(subscription, Entra ID and resource settings alike, followed by id):
- a workspace stage 1 collected: its tables (`tables.listByWorkspace`, one call), kept to
  `LOG_TABLES`;
- one of a subscription the credential sees but the scan does not cover: read by id
  (`workspaces.get`; 404 `Absent`, 403 every attribute an error), its subscription's locks,
  then its tables;
- one missing from a subscription whose list succeeded: `Absent`;
- one of a subscription the credential does not see: not attempted (the linker's unknown).
A failed tables list is an error for azure.loganalytics.table of that workspace, never an
empty list.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from scanner.model import Absent, CollectionError, EvidenceRef, Resource, Unknowable
from scanner.providers.azure import locks as mlocks
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
from scanner.providers.azure.loganalytics_shapes import LOG_TABLES, table_attrs, workspace_attrs
from scanner.providers.azure.names import canonical, subscription_of

# Workspaces and Tables of the Log Analytics REST reference at one documented version
# (https://learn.microsoft.com/en-us/rest/api/loganalytics/workspaces/list,
# https://learn.microsoft.com/en-us/rest/api/loganalytics/tables/list-by-workspace);
# permissions: "Azure permissions for Monitor", Microsoft.OperationalInsights
# (https://learn.microsoft.com/en-us/azure/role-based-access-control/permissions/monitor).
API_VERSION = "2023-09-01"
LIST = Op(
    "loganalytics",
    "OperationalInsights/workspaces.list",
    "/subscriptions/{subscription}/providers/Microsoft.OperationalInsights/workspaces",
    API_VERSION,
    "Microsoft.OperationalInsights/workspaces/read",
)
GET = Op(
    "loganalytics",
    "OperationalInsights/workspaces.get",
    "{id}",
    API_VERSION,
    "Microsoft.OperationalInsights/workspaces/read",
)
TABLES = Op(
    "loganalytics",
    "OperationalInsights/tables.listByWorkspace",
    "{id}/tables",
    API_VERSION,
    "Microsoft.OperationalInsights/workspaces/tables/read",
)
WORKSPACE = "azure.loganalytics.workspace"
TABLE = "azure.loganalytics.table"
DIAGNOSTIC_SETTING = "azure.monitor.diagnostic_setting"
WORKSPACE_ATTRS = (
    "customer_id",
    "location",
    "retention_days",
    "sku",
    "public_network_access_for_ingestion",
    "public_network_access_for_query",
    "locks",
)


def workspace(
    attrs: dict[str, Any],
    evidence: tuple[EvidenceRef, ...] = (),
    placeholder: Absent | None = None,
) -> Resource:
    """One azure.loganalytics.workspace resource from its attributes."""
    return stored_resource(WORKSPACE, attrs, evidence, placeholder)


_LISTED = StoreList(LIST, "Log Analytics workspaces", workspace_attrs, workspace)


def _list(api: ArmApi, tenancy: Tenancy, subscription: Subscription | None) -> Found:
    assert subscription is not None
    sub = subscription.subscription_id
    unread = {"locks": mlocks.not_yet(sub)}
    return list_stores(api, _LISTED, sub, unread)


def _select(found: Collected) -> Iterable[tuple[str, str, Any]]:
    collected = {r.id: r for r in found.of_type(WORKSPACE)}
    for rid in named_by_settings(found, DIAGNOSTIC_SETTING, "workspace_id"):
        sub = subscription_of(rid) or ""
        known = found.tenancy.subscriptions.get(sub)
        have = collected.get(rid)
        if have is not None:
            days = have.attrs.get("retention_days")
            item = ("read", rid, str(have.attrs["arm_id"]), have.region, days)
            yield f"workspace {have.name} tables", sub, item
        elif known is not None and not known.in_scan and readable(known):
            yield f"workspace {rid}", sub, ("get", rid, rid, "global", None)
        elif known is not None and known.in_scan and type_listed(found, sub, WORKSPACE):
            yield f"workspace {rid}", sub, ("absent", rid, rid, "global", None)
        elif known is None or not known.in_scan:
            yield f"workspace {rid}", sub, ("unseen", rid, rid, "global", None)


def _tables(api: ArmApi, tenancy: Tenancy, item: tuple[str, str, str, str, Any]) -> Found:
    how, rid, arm_id, where, days = item
    name = rid.rsplit("/", 1)[-1]
    if how == "absent":
        why = Absent(
            f"Log Analytics workspace {rid} does not exist: it is not among the workspaces of"
            f" subscription {subscription_of(rid)} ({LIST.name})"
        )
        return Found(resources=[workspace({"arm_id": rid, "name": name}, (), why)])
    if how == "unseen":
        return Found(resources=[_unread_tables(rid)])
    found = Found()
    if how == "get":
        try:
            page = api.get(GET, id=rid)
            attrs = api.shaped(GET, subscription_of(rid) or "", rid, lambda: workspace_attrs(page))
        except ArmError as exc:
            if exc.code == "NOT_FOUND" and "SubscriptionNotFound" in exc.message:
                # The subscription itself is not there: the linker's unknown stands for the
                # workspace, this placeholder for its log tables.
                exc.reported = True
                return Found(resources=[_unread_tables(rid)])
            if exc.code == "NOT_FOUND":
                exc.reported = True
                why = Absent(
                    f"Log Analytics workspace {rid} does not exist ({GET.name} answered 404)"
                )
                return Found(resources=[workspace({"arm_id": rid, "name": name}, (), why)])
            # Every attribute an error, and its tables too (they cannot be listed unseen).
            value = exc.unknowable()
            attrs = {"arm_id": rid, "name": name, **dict.fromkeys(WORKSPACE_ATTRS, value)}
            return Found(resources=[workspace(attrs)], errors=[_error(exc, rid)])
        lock_list, lock_refs = mlocks.read(api, subscription_of(rid) or "")
        attrs["locks"] = (
            lock_list if isinstance(lock_list, Unknowable) else mlocks.applying(lock_list, rid)
        )
        found.resources.append(workspace(attrs, (page.ref, *lock_refs)))
        arm_id, days = str(attrs["arm_id"]), attrs["retention_days"]
        where = found.resources[0].region
    tables, errors = _read_tables(api, rid, arm_id, where, days)
    found.resources.extend(tables)
    found.errors.extend(errors)
    return found


_UNREAD_TABLE_ATTRS = (
    "retention_days",
    "total_retention_days",
    "retention_is_default",
    "total_retention_is_default",
    "plan",
    "archive_retention_days",
)


def _unread_tables(rid: str) -> Resource:
    """One table standing for the log tables of a workspace in a subscription the credential
    does not see or cannot read: their retention is unknown (never silent)."""
    sub = subscription_of(rid) or ""
    why = Unknowable(
        f"the tables of Log Analytics workspace {rid} were not read: its subscription {sub} is"
        " not visible to (or readable by) the credential"
    )
    name = rid.rsplit("/", 1)[-1]
    attrs: dict[str, Any] = {
        "arm_id": f"{rid}/tables",
        "name": f"log tables of {name}",
        "workspace": rid,
        **dict.fromkeys(_UNREAD_TABLE_ATTRS, why),
    }
    return Resource(
        provider="azure",
        account=sub,
        region="global",
        type=TABLE,
        id=canonical(f"{rid}/tables"),
        name=attrs["name"],
        attrs=attrs,
    )


def _error(exc: ArmError, rid: str) -> CollectionError:
    """The failure as an error for the tables of one workspace (listed once: reported here)."""
    exc.reported = True
    sub = subscription_of(rid) or exc.account
    return CollectionError(
        "azure", sub, "global", exc.operation, exc.code, exc.message, (TABLE,), rid
    )


def _read_tables(
    api: ArmApi, rid: str, arm_id: str, where: str, days: Any
) -> tuple[list[Resource], list[CollectionError]]:
    """The log tables of a workspace, or the error that leaves them uncollected."""
    sub = subscription_of(rid) or ""
    workspace_days = days if isinstance(days, int) else None
    try:
        listing = api.list(TABLES, id=arm_id)
        kept = [
            (raw, ref)
            for raw, ref in zip(listing, listing.item_refs, strict=True)
            if raw.get("name") in LOG_TABLES
        ]
        tables = [
            (api.shaped(TABLES, sub, arm_id, partial(table_attrs, raw, rid, workspace_days)), ref)
            for raw, ref in kept
        ]
    except ArmError as exc:
        return [], [_error(exc, rid)]
    return [
        Resource(
            provider="azure",
            account=sub,
            region=where,
            type=TABLE,
            id=canonical(str(attrs["arm_id"])),
            name=str(attrs["name"]),
            attrs=attrs,
            evidence=(ref,),
        )
        for attrs, ref in tables
    ], []


# Stage 3: after the resource-level diagnostic settings (stage 2), which name stores too
# (a key vault's AuditEvent to an account or workspace).
SERVICE = Service(
    name="loganalytics",
    # A failed workspace listing leaves the log tables of the subscription unread too.
    listers=(
        Lister("log analytics workspaces", "subscription", (WORKSPACE, TABLE), (LIST,), _list),
    ),
    detailers=(
        Detailer(
            "log analytics workspaces diagnostic settings send to",
            3,
            (TABLE,),
            (GET, TABLES, mlocks.LIST),
            _select,
            _tables,
        ),
    ),
)
