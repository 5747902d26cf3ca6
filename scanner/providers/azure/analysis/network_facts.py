"""Derived network attributes the network policies judge.

* `flow_log_routes` on every virtual network: the ways its traffic can be flow-logged, each
  `{via, flow_logs, uncovered, usable_until}`:
  - `vnet`: one route per flow log whose target is the VNet itself (covers every subnet);
  - `subnets`: the flow logs on its subnets, `uncovered` the in-use subnets without one;
  - `nsgs`: the NSG flow logs on the NSGs of its in-use subnets (`subnet_nsg_map`),
    `uncovered` the in-use subnets with no NSG or whose NSG has no flow log;
    `usable_until` 2027-09-30, the retirement of NSG flow logs ("NSG flow logs will be retired
    on September 30, 2027; no new NSG flow logs after June 30, 2025",
    https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview). A source
    without `subnet_nsg_map` (only `subnet_nsgs`) cannot say which subnet each NSG protects:
    with fewer NSGs than subnets in use some subnet may have none, so `uncovered` is
    unknowable rather than a false "covered".
  Azure allows one flow log per target, so "every in-use subnet has a good flow log" is
  "the route's flow logs are all good and nothing is uncovered".
* `regions_without_network_watcher` on every subscription: the regions in use (the network listers'
  `regions_in_use`: every region holding a VNet of the subscription) with no Network Watcher
  whose provisioning succeeded; unknowable when either list is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Resource, Unknowable

VNET = "azure.network.vnet"
FLOW_LOG = "azure.network.flow_log"
WATCHER = "azure.network.watcher"
SUBSCRIPTION = "azure.subscription"
NSG_RETIREMENT = "2027-09-30T00:00:00Z"
_FACTS = (
    "enabled",
    "retention_enabled",
    "retention_days",
    "traffic_analytics_enabled",
    "traffic_analytics_workspace_id",
)


def _fact(log: Resource) -> dict[str, Any]:
    found = {"id": log.id, "name": log.name}
    for key in _FACTS:
        found[key] = log.attrs.get(key, Unknowable(f"{key} was not collected"))
    return found


def _ids(value: Any) -> list[str]:
    return [v.lower() for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _routes(vnet: Resource, by_target: Mapping[str, list[Resource]]) -> list[dict[str, Any]]:
    routes: list[dict[str, Any]] = [
        {"via": "vnet", "flow_logs": [_fact(log)], "uncovered": [], "usable_until": None}
        for log in by_target.get(vnet.id.lower(), [])
    ]
    in_use = vnet.attrs.get("subnets_in_use", vnet.attrs.get("subnets"))
    subnets = _ids(in_use)
    logged = [s for s in subnets if by_target.get(s)]
    if logged:
        routes.append(
            {
                "via": "subnets",
                "flow_logs": [_fact(log) for s in logged for log in by_target[s]],
                "uncovered": [s for s in subnets if s not in logged],
                "usable_until": None,
            }
        )
    nsg_route = _nsg_route(vnet, subnets, by_target)
    if nsg_route is not None:
        routes.append(nsg_route)
    return routes


def _nsg_route(
    vnet: Resource, subnets: list[str], by_target: Mapping[str, list[Resource]]
) -> dict[str, Any] | None:
    """NSG flow logs on the NSGs of the in-use subnets; None when none has one."""
    mapping = vnet.attrs.get("subnet_nsg_map")
    uncovered: Any
    if isinstance(mapping, Mapping):
        # Exact: each in-use subnet's own NSG (none: that subnet cannot be NSG-logged).
        own = {s: str(mapping[s]).lower() if mapping.get(s) else None for s in subnets}
        nsgs = sorted({n for n in own.values() if n})
        uncovered = [s for s, n in own.items() if n is None or not by_target.get(n)]
    else:
        nsgs = _ids(vnet.attrs.get("subnet_nsgs"))
        uncovered = [n for n in nsgs if not by_target.get(n)]
        if not uncovered and len(nsgs) < len(subnets):
            uncovered = Unknowable(
                f"{len(subnets)} subnets are in use but only {len(nsgs)} NSGs are attached to "
                "the VNet's subnets, and which subnet each protects was not collected: some "
                "subnet may have no NSG, so no NSG flow log"
            )
    if not any(by_target.get(n) for n in nsgs):
        return None
    return {
        "via": "nsgs",
        "flow_logs": [_fact(log) for n in nsgs for log in by_target.get(n, [])],
        "uncovered": uncovered,
        "usable_until": NSG_RETIREMENT,
    }


def derive_flow_log_routes(inventory: Inventory) -> Mapping[str, Mapping[str, Any]]:
    """vnet id -> {"flow_log_routes": [...]}; unknowable (error) when the flow logs of the
    VNet's subscription could not be listed."""
    by_target: dict[str, list[Resource]] = defaultdict(list)
    for log in inventory.of_type(FLOW_LOG):
        target = log.attrs.get("target_resource_id")
        if log.placeholder is None and isinstance(target, str):
            by_target[target.lower()].append(log)
    updates: dict[str, dict[str, Any]] = {}
    for vnet in inventory.of_type(VNET):
        if vnet.placeholder is not None:
            continue
        # Flow logs are listed per watcher: a failed watcher listing hides them too.
        errors = inventory.type_errors(FLOW_LOG, vnet.account) or inventory.type_errors(
            WATCHER, vnet.account
        )
        if errors:
            value: Any = Unknowable(f"flow logs could not be listed: {errors[0].reason}", True)
        else:
            value = _routes(vnet, by_target)
        updates[vnet.id] = {"flow_log_routes": value}
    return updates


def derive_watcher_gaps(inventory: Inventory) -> Mapping[str, Mapping[str, Any]]:
    """subscription id -> {"regions_without_network_watcher": sorted regions in use that
    have no Network Watcher}, when both lists were collected."""
    updates: dict[str, dict[str, Any]] = {}
    for sub in inventory.of_type(SUBSCRIPTION):
        if sub.placeholder is not None:
            continue
        used = sub.attrs.get("regions_in_use")
        watched = sub.attrs.get("network_watcher_regions")
        if used is None or watched is None:
            continue  # not collected: the policy reads "not collected", never a pass
        for value in (used, watched):
            if isinstance(value, Unknowable):
                updates[sub.id] = {"regions_without_network_watcher": value}
                break
        else:
            gaps = sorted({r for r in used if isinstance(r, str)} - set(watched))
            updates[sub.id] = {"regions_without_network_watcher": gaps}
    return updates
