"""Log Analytics in a plan: azurerm_log_analytics_workspace and
azurerm_log_analytics_workspace_table, as azure.loganalytics.workspace and
azure.loganalytics.table with the attributes the live scan reads from workspaces.list and
tables.list.

A table the plan does not configure keeps the workspace's retention: "`retention_in_days` and
`total_retention_in_days` will revert back to the value of azurerm_log_analytics_workspace
retention_in_days when a azurerm_log_analytics_workspace_table is deleted"
(https://registry.terraform.io/providers/hashicorp/azurerm/4.81.0/docs/resources/log_analytics_workspace_table).
So the log tables a plan's diagnostic settings write to (scope.py) exist in the plan too,
with the workspace default, when --assume-complete says nothing outside the plan sets them.
Defaults: sku PerGB2018, retention 30 days (the service's for PerGB2018), plan Analytics,
internet ingestion and query enabled."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, Target
from scanner.providers.azure.names import canonical, subscription_of
from scanner.providers.azure.terraform import locks, refs
from scanner.providers.azure.terraform.common import (
    account_of,
    arm_id,
    arm_value,
    build,
    enabled_word,
    id_or_address,
    integer,
    known,
    region,
    subscription,
)

WORKSPACE = "azure.loganalytics.workspace"
TABLE = "azure.loganalytics.table"
TABLE_TYPE = "azurerm_log_analytics_workspace_table"
DEFAULT_RETENTION = 30
BASIC_RETENTION = 30


def _workspace_arm(res: PlanResource, ctx: PlanContext) -> str | None:
    return arm_id(ctx, res, "Microsoft.OperationalInsights", "workspaces")


def workspace_id(res: PlanResource, ctx: PlanContext) -> str:
    """The canonical ARM id of the workspace, else the address."""
    return id_or_address(_workspace_arm(res, ctx), res)


def retention(res: PlanResource) -> int | Unknowable:
    """The workspace's retention in days (the service default when omitted)."""
    value = integer(res.values.get("retention_in_days"))
    return DEFAULT_RETENTION if value is None else value


def workspace(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One workspace with its default retention and locks."""
    v = res.values
    found = _workspace_arm(res, ctx)
    sub = subscription(ctx, res)
    where = region(v.get("location"))
    name = known(v.get("name")) or res.name
    customer = v.get("workspace_id")
    attrs: dict[str, Any] = {
        "arm_id": arm_value(found, res),
        "name": name,
        "customer_id": customer
        if known(customer) or isinstance(customer, Unknowable)
        else Unknowable(f"the workspace id of {res.address} is known only after apply"),
        "location": where,
        "retention_days": retention(res),
        "sku": v.get("sku") or "PerGB2018",
        "public_network_access_for_ingestion": enabled_word(
            v.get("internet_ingestion_enabled"), True
        ),
        "public_network_access_for_query": enabled_word(v.get("internet_query_enabled"), True),
        "locks": locks.locks_on(ctx, ctx.ids[res.address], f"workspace {name}"),
    }
    return Mapped(build(ctx, res, WORKSPACE, attrs, (name, account_of(sub, ctx), where)))


def workspace_of(res: PlanResource, ctx: PlanContext) -> tuple[Any, PlanResource | None]:
    """The table's workspace (`workspace_id`, the workspace's ARM id)."""
    value, hit = refs.target(ctx, res, ("workspace_id",), (refs.WORKSPACE,))
    return value, hit.resource


def table_id(res: PlanResource, ctx: PlanContext) -> str:
    """`<workspace id>/tables/<name>`, else the address."""
    owner, _ = workspace_of(res, ctx)
    name = known(res.values.get("name"))
    if isinstance(owner, str) and owner.startswith("/") and name:
        return f"{owner}/tables/{name.lower()}"
    return res.address


def table_attrs(
    owner: Any,
    found: PlanResource | None,
    name: str,
    values: dict[str, Any],
    configured: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A table's attributes from its arguments. A retention the configuration leaves out is
    a default (the workspace's, the total the interactive one): its value is the one the
    provider read back into state when the plan has it, else the default it takes."""
    default: Any = (
        retention(found)
        if found is not None
        else Unknowable(f"the workspace of table {name} is not in this plan: its retention is not")
    )
    configured = configured or {}
    own = integer(values.get("retention_in_days"))
    total = integer(values.get("total_retention_in_days"))
    own_set = "retention_in_days" in configured
    total_set = "total_retention_in_days" in configured
    if values.get("plan") == "Basic":
        # Provider docs: "The `retention_in_days` is fixed to `30` when `plan` is `Basic`".
        default = BASIC_RETENTION
    interactive = (
        own if own is not None and (own_set or not isinstance(own, Unknowable)) else default
    )
    whole = total if total is not None else interactive
    archive: Any = (
        whole - interactive if isinstance(whole, int) and isinstance(interactive, int) else whole
    )
    return {
        "arm_id": f"{owner}/tables/{name}" if isinstance(owner, str) else owner,
        "name": name,
        "workspace": owner,
        "retention_days": interactive,
        "total_retention_days": whole,
        "retention_is_default": not own_set,
        "total_retention_is_default": not total_set,
        "plan": values.get("plan") or "Analytics",
        "archive_retention_days": archive,
    }


def table(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One table whose retention the plan sets."""
    owner, found = workspace_of(res, ctx)
    name = known(res.values.get("name")) or res.name
    attrs = table_attrs(owner, found, name, res.values, res.expressions)
    sub = subscription_of(owner) if isinstance(owner, str) else None
    where = region(found.values.get("location")) if found is not None else "global"
    target = (
        Target(resource=found)
        if found is not None
        else Target(literal=owner)
        if isinstance(owner, str)
        else Target(unknown=owner)
    )
    built = build(ctx, res, TABLE, attrs, (name, sub or ctx.account, where))
    return Mapped(built, {"workspace": target})


def canonical_table(workspace: str, name: str) -> str:
    """The id of a table of a workspace."""
    return canonical(f"{workspace}/tables/{name}")
