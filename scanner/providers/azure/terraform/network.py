"""Networking in a plan: azurerm_network_watcher, azurerm_network_watcher_flow_log,
azurerm_virtual_network (with its azurerm_subnet resources) and azurerm_network_security_group,
as the live scan's azure.network.* types.

Arguments (https://registry.terraform.io/providers/hashicorp/azurerm/4.81.0/docs/resources/
network_watcher_flow_log): a flow log names its watcher by `network_watcher_name` +
`resource_group_name`, its target by `target_resource_id` (a VNet, subnet, NIC or NSG; the
deprecated `network_security_group_id` before it), retention by the required
`retention_policy { enabled, days }`, traffic analytics by `traffic_analytics { enabled,
workspace_resource_id, interval_in_minutes }` (interval default 60), its format by `version`
(default 1).

A subnet is in use when something of the plan is placed in it: a network interface's
ip_configuration, a private endpoint, anything whose arguments name the subnet's id (the
live scan's rule, network.py: ipConfigurations, privateEndpoints, ...); a subnet association
with an NSG is not use. Where nothing of the plan is, only --assume-complete makes the subnet
unused. An NSG is in use when a subnet (inline `security_group`, or
azurerm_subnet_network_security_group_association) or a NIC
(azurerm_network_interface_security_group_association) is attached to it."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from scanner.model import Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, Target, block, first_unknown
from scanner.providers.azure.names import canonical
from scanner.providers.azure.network import target_type
from scanner.providers.azure.terraform import refs
from scanner.providers.azure.terraform.common import (
    account_of,
    arm_id,
    arm_value,
    build,
    id_or_address,
    integer,
    known,
    region,
    subscription,
)

WATCHER = "azure.network.watcher"
FLOW_LOG = "azure.network.flow_log"
VNET = "azure.network.vnet"
NSG = "azure.network.nsg"
SUBNET = "azurerm_subnet"
SUBNET_NSG = "azurerm_subnet_network_security_group_association"
NIC_NSG = "azurerm_network_interface_security_group_association"
NIC = "azurerm_network_interface"
# Types whose arguments naming a subnet do not put anything in it.
_NOT_USE = frozenset(
    {
        SUBNET,
        SUBNET_NSG,
        "azurerm_virtual_network",
        "azurerm_network_watcher_flow_log",
        "azurerm_storage_account",
        "azurerm_storage_account_network_rules",
        "azurerm_key_vault",
    }
)


def _watcher_arm(res: PlanResource, ctx: PlanContext) -> str | None:
    return arm_id(ctx, res, "Microsoft.Network", "networkWatchers")


def watcher_id(res: PlanResource, ctx: PlanContext) -> str:
    """The canonical ARM id of the watcher, else the address."""
    return id_or_address(_watcher_arm(res, ctx), res)


def watcher(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One network watcher (a deployed watcher is provisioned: Succeeded)."""
    sub = subscription(ctx, res)
    where = region(res.values.get("location"))
    name = known(res.values.get("name")) or res.name
    attrs: dict[str, Any] = {
        "arm_id": arm_value(_watcher_arm(res, ctx), res),
        "name": name,
        "location": where,
        "provisioning_state": "Succeeded",
    }
    return Mapped(build(ctx, res, WATCHER, attrs, (name, account_of(sub, ctx), where)))


def _flow_arm(res: PlanResource, ctx: PlanContext) -> str | None:
    own = known(res.values.get("id"))
    if own:
        return own
    sub = subscription(ctx, res)
    group = known(res.values.get("resource_group_name"))
    watcher_name = known(res.values.get("network_watcher_name"))
    name = known(res.values.get("name"))
    if isinstance(sub, str) and group and watcher_name and name:
        base = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network"
        return f"{base}/networkWatchers/{watcher_name}/flowLogs/{name}"
    return None


def flow_log_id(res: PlanResource, ctx: PlanContext) -> str:
    """`<watcher id>/flowlogs/<name>`, else the address."""
    return id_or_address(_flow_arm(res, ctx), res)


def _target(res: PlanResource, ctx: PlanContext) -> tuple[Any, Target]:
    kinds = ("azurerm_virtual_network", "azurerm_network_security_group", SUBNET, NIC)
    for arg in ("target_resource_id", "network_security_group_id"):
        value, hit = refs.target(ctx, res, (arg,), kinds)
        if value is not None:
            return value, hit
    return Unknowable(f"{res.address} names no target"), Target()


def flow_log(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One flow log with its target (linked), retention and traffic analytics."""
    v = res.values
    rid = ctx.ids[res.address]
    target, link = _target(res, ctx)
    retention = block(v.get("retention_policy"))
    analytics = block(v.get("traffic_analytics"))
    storage, _ = refs.target(ctx, res, ("storage_account_id",), (refs.STORAGE_ACCOUNT,))
    workspace, _ = refs.target(
        ctx, res, ("traffic_analytics", 0, "workspace_resource_id"), (refs.WORKSPACE,)
    )
    ta_on = analytics.get("enabled") if isinstance(analytics, dict) else False
    name = known(v.get("name")) or res.name
    attrs: dict[str, Any] = {
        "arm_id": arm_value(_flow_arm(res, ctx), res),
        "name": name,
        "watcher": rid.split("/flowlogs/")[0]
        if "/flowlogs/" in rid
        else Unknowable(f"the watcher of {res.address} is known only after apply"),
        "target_resource_id": target,
        "target_type": target_type(target) if isinstance(target, str) else target,
        "enabled": v.get("enabled"),
        "retention_enabled": _field(retention, "enabled", False),
        "retention_days": integer(_field(retention, "days", None)),
        "storage_id": storage,
        "traffic_analytics_enabled": ta_on if ta_on is not None else False,
        "traffic_analytics_workspace_id": workspace,
        # Provider docs: interval_in_minutes defaults to 60.
        "traffic_analytics_interval": integer(_field(analytics, "interval_in_minutes", 60))
        if isinstance(analytics, dict | Unknowable)
        else None,
        # Provider docs: version defaults to 1.
        "format_version": integer(v.get("version")) or 1,
    }
    sub = subscription(ctx, res)
    where = region(v.get("location"))
    built = build(ctx, res, FLOW_LOG, attrs, (name, account_of(sub, ctx), where))
    return Mapped(built, {"target_resource_id": link})


def _field(container: Any, key: str, fallback: Any) -> Any:
    if isinstance(container, Unknowable):
        return container
    if not isinstance(container, dict):
        return fallback
    value = container.get(key)
    return fallback if value is None else value


# ----- virtual networks and NSGs ----------------------------------------------------------


def _vnet_arm(res: PlanResource, ctx: PlanContext) -> str | None:
    return arm_id(ctx, res, "Microsoft.Network", "virtualNetworks")


def vnet_id(res: PlanResource, ctx: PlanContext) -> str:
    """The canonical ARM id of the virtual network, else the address."""
    return id_or_address(_vnet_arm(res, ctx), res)


def _subnets(res: PlanResource, ctx: PlanContext, rid: str) -> tuple[list[str], dict[str, Any]]:
    """The VNet's subnet ids (inline `subnet` blocks and azurerm_subnet resources) and the NSG
    each names inline."""
    ids: list[str] = []
    nsgs: dict[str, Any] = {}
    for index, raw in enumerate(res.values.get("subnet") or []):
        if not isinstance(raw, dict) or not known(raw.get("name")):
            continue
        sid = f"{rid}/subnets/{str(raw['name']).lower()}"
        ids.append(sid)
        nsg, _ = refs.target(
            ctx, res, ("subnet", index, "security_group"), ("azurerm_network_security_group",)
        )
        if nsg is not None:
            nsgs[sid] = nsg
    vnet_name = known(res.values.get("name"))
    group = known(res.values.get("resource_group_name"))
    for other in ctx.resources:
        if other.type != SUBNET:
            continue
        by_ref = ctx.resolve(other, ("virtual_network_name",), ("azurerm_virtual_network",))
        by_name = (
            other.values.get("virtual_network_name") == vnet_name
            and other.values.get("resource_group_name") == group
        )
        name = known(other.values.get("name"))
        if (by_ref is res or (by_ref is None and by_name)) and name:
            ids.append(f"{rid}/subnets/{name.lower()}")
    return sorted(set(ids)), nsgs


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {canonical(value)} if value.startswith("/") else set()
    if isinstance(value, dict):
        return {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return set()


def _subnet_refs(res: PlanResource, ctx: PlanContext) -> set[str]:
    """Addresses of azurerm_subnet resources some configuration expression references."""
    out: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "references" and isinstance(value, list):
                    out.update(
                        str(r).rsplit(".id", 1)[0] for r in value if str(r).startswith(f"{SUBNET}.")
                    )
                else:
                    walk(value)

    walk(res.expressions)
    return out


def used_subnets(ctx: PlanContext) -> set[str]:
    """Canonical ids (and azurerm_subnet addresses) of the subnets something is placed in."""
    used: set[str] = set()
    for res in ctx.resources:
        if res.type in _NOT_USE:
            continue
        used |= {s for s in _strings(res.values) if "/subnets/" in s}
        used |= _subnet_refs(res, ctx)
    return used


def vnet(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One virtual network with its subnets, those in use, and their NSGs."""
    v = res.values
    rid = ctx.ids[res.address]
    sub = subscription(ctx, res)
    where = region(v.get("location"))
    name = known(v.get("name")) or res.name
    subnets, inline = _subnets(res, ctx, rid)
    used = _used(ctx)
    by_address = _subnet_addresses(ctx, rid)
    in_use: Any = [s for s in subnets if s in used or by_address.get(s) in used]
    if not in_use and not ctx.complete:
        in_use = Unknowable(
            f"nothing in this plan is placed in a subnet of {name}; something outside the plan "
            "may be (judged as unused only with --assume-complete)"
        )
    nsgs = {**inline, **_associations(ctx, subnets)}
    marker = first_unknown(list(nsgs.values()))
    attrs: dict[str, Any] = {
        "arm_id": arm_value(_vnet_arm(res, ctx), res),
        "name": name,
        "location": where,
        "subnets": subnets,
        "subnets_in_use": in_use,
        "in_use": bool(in_use) if isinstance(in_use, list) else in_use,
        "subnet_nsgs": marker or sorted({n for n in nsgs.values() if isinstance(n, str)}),
        # Which NSG (None: none) each subnet has, as the live scan maps them.
        "subnet_nsg_map": marker or {s: nsgs.get(s) for s in subnets},
    }
    return Mapped(build(ctx, res, VNET, attrs, (name, account_of(sub, ctx), where)))


_USED: WeakKeyDictionary[PlanContext, set[str]] = WeakKeyDictionary()


def _used(ctx: PlanContext) -> set[str]:
    """used_subnets, built once per plan so that N networks cost N, not N x resources."""
    found = _USED.get(ctx)
    if found is None:
        found = _USED[ctx] = used_subnets(ctx)
    return found


def _subnet_addresses(ctx: PlanContext, vnet: str) -> dict[str, str]:
    """Subnet id -> the address of the azurerm_subnet that declares it (for references)."""
    out: dict[str, str] = {}
    for res in ctx.resources:
        if res.type == SUBNET and known(res.values.get("name")):
            out[f"{vnet}/subnets/{str(res.values['name']).lower()}"] = res.address
    return out


def _associations(ctx: PlanContext, subnets: list[str]) -> dict[str, Any]:
    """Subnet id -> NSG id from azurerm_subnet_network_security_group_association."""
    out: dict[str, Any] = {}
    for res in ctx.resources:
        if res.type != SUBNET_NSG:
            continue
        subnet, _ = refs.target(ctx, res, ("subnet_id",), (SUBNET,))
        nsg, _ = refs.target(
            ctx, res, ("network_security_group_id",), ("azurerm_network_security_group",)
        )
        if isinstance(subnet, str) and subnet in subnets:
            out[subnet] = nsg
    return out


def _nsg_arm(res: PlanResource, ctx: PlanContext) -> str | None:
    return arm_id(ctx, res, "Microsoft.Network", "networkSecurityGroups")


def nsg_id(res: PlanResource, ctx: PlanContext) -> str:
    """The canonical ARM id of the NSG, else the address."""
    return id_or_address(_nsg_arm(res, ctx), res)


def nsg(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One network security group: in use when a subnet or a NIC is attached to it."""
    rid = ctx.ids[res.address]
    sub = subscription(ctx, res)
    where = region(res.values.get("location"))
    name = known(res.values.get("name")) or res.name
    attached = False
    for other in ctx.resources:
        if other.type in (SUBNET_NSG, NIC_NSG):
            value, hit = refs.target(
                ctx, other, ("network_security_group_id",), ("azurerm_network_security_group",)
            )
            attached = attached or hit.resource is res or value == rid
        elif other.type == "azurerm_virtual_network":
            attached = attached or rid in _strings(
                [
                    s.get("security_group")
                    for s in other.values.get("subnet") or []
                    if isinstance(s, dict)
                ]
            )
    in_use: Any = attached
    if not attached and not ctx.complete:
        in_use = Unknowable(
            f"nothing in this plan attaches {name} to a subnet or NIC; something outside the plan "
            "may (judged as unused only with --assume-complete)"
        )
    attrs: dict[str, Any] = {
        "arm_id": arm_value(_nsg_arm(res, ctx), res),
        "name": name,
        "location": where,
        "in_use": in_use,
    }
    return Mapped(build(ctx, res, NSG, attrs, (name, account_of(sub, ctx), where)))
