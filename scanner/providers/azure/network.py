"""Azure networking for the flow-log and Network Watcher controls (CIS v4.0.0 7.1.1.5, 7.1.1.7,
8.5, 8.6, 8.8): network watchers and their flow logs, virtual networks, network security groups
of every scanned subscription.

Each type is one `listAll` per subscription (pages followed through `nextLink`); flow logs are
listed per watcher (a watcher holds the flow logs of its region). All four use one documented
api-version of Microsoft.Network, 2024-05-01, which has VNet flow logs (`targetResourceId` of a
virtual network, subnet or NIC) beside NSG flow logs
(learn.microsoft.com/rest/api/network-watcher/network-watchers/list-all,
rest/api/network-watcher/flow-logs/list, rest/api/virtualnetwork/virtual-networks/list-all,
rest/api/virtualnetwork/network-security-groups/list-all).

The subscription attributes the Network Watcher control judges are set here, by the listers
that read them: `regions_in_use`, the regions of the subscription's virtual
networks, and `network_watcher_regions`, the regions with a watcher provisioned.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from scanner.model import CollectionError, EvidenceRef, Resource
from scanner.providers.azure.api import ArmApi, ArmError
from scanner.providers.azure.declare import Found, Lister, Op, Service, Subscription, Tenancy
from scanner.providers.azure.listed import (
    arm_resource,
    listed,
    not_registered,
    unregistered,
    values,
)
from scanner.providers.azure.names import canonical, provider_type_of, region

WATCHER = "azure.network.watcher"
FLOW_LOG = "azure.network.flow_log"
VNET = "azure.network.vnet"
NSG = "azure.network.nsg"

# Every op's page: learn.microsoft.com/rest/api/network-watcher/network-watchers/list-all,
# .../network-watcher/flow-logs/list, .../virtualnetwork/virtual-networks/list-all,
# .../virtualnetwork/network-security-groups/list-all. The actions are the read actions of
# "Azure permissions for Networking"
# (learn.microsoft.com/azure/role-based-access-control/permissions/networking).
API_VERSION = "2024-05-01"
LIST_WATCHERS = Op(
    "network",
    "Network/networkWatchers.listAll",
    "/subscriptions/{subscription}/providers/Microsoft.Network/networkWatchers",
    API_VERSION,
    "Microsoft.Network/networkWatchers/read",
)
LIST_FLOW_LOGS = Op(
    "network",
    "Network/flowLogs.list",
    "{id}/flowLogs",
    API_VERSION,
    "Microsoft.Network/networkWatchers/flowLogs/read",
)
LIST_VNETS = Op(
    "network",
    "Network/virtualNetworks.listAll",
    "/subscriptions/{subscription}/providers/Microsoft.Network/virtualNetworks",
    API_VERSION,
    "Microsoft.Network/virtualNetworks/read",
)
LIST_NSGS = Op(
    "network",
    "Network/networkSecurityGroups.listAll",
    "/subscriptions/{subscription}/providers/Microsoft.Network/networkSecurityGroups",
    API_VERSION,
    "Microsoft.Network/networkSecurityGroups/read",
)
# The subscription attributes the listers set.
REGIONS_IN_USE = "regions_in_use"
WATCHER_REGIONS = "network_watcher_regions"

# What a flow log's `targetResourceId` names, by ARM type.
TARGET_TYPES = {
    "microsoft.network/virtualnetworks": "vnet",
    "microsoft.network/virtualnetworks/subnets": "subnet",
    "microsoft.network/networkinterfaces": "nic",
    "microsoft.network/networksecuritygroups": "nsg",
}
# The Subnet properties that reference what uses the subnet (Subnet definition of "Virtual
# Networks - List All", learn.microsoft.com/rest/api/virtualnetwork/virtual-networks/list-all):
# `ipConfigurations` "An array of references to the network interface IP configurations using
# subnet" (VMs, load balancer frontends, gateways), `ipConfigurationProfiles` (container
# network profiles), `privateEndpoints` "An array of references to private endpoints",
# `serviceAssociationLinks` "An array of references to services injecting into this subnet"
# (a delegation in use), `resourceNavigationLinks` "An array of references to the external
# resources using subnet", `applicationGatewayIPConfigurations` (application gateways).
# A subnet with any of them carries traffic to log; a bare `delegations` entry only reserves the
# subnet for a service and is not use.
IN_USE_KEYS = (
    "ipConfigurations",
    "ipConfigurationProfiles",
    "privateEndpoints",
    "serviceAssociationLinks",
    "resourceNavigationLinks",
    "applicationGatewayIPConfigurations",
)
# The provisioning state of a watcher that exists and works.
SUCCEEDED = "Succeeded"


def target_type(target_id: str) -> str:
    """`vnet`, `subnet`, `nic` or `nsg` for a flow log target id; `other` for any other type."""
    return TARGET_TYPES.get(provider_type_of(target_id) or "", "other")


def _ref(value: Any) -> str | None:
    """The canonical id of a `{"id": ...}` sub-resource reference (None when absent)."""
    if isinstance(value, dict) and value.get("id"):
        return canonical(str(value["id"]))
    return None


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected an integer, got {value!r}")
    return int(value)


def watcher_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one NetworkWatcher (REST JSON)."""
    props = raw.get("properties") or {}
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        "location": region(raw.get("location")),
        "provisioning_state": props.get("provisioningState"),
    }


def flow_log_attrs(raw: dict[str, Any], watcher: str) -> dict[str, Any]:
    """The contract attributes of one FlowLog (REST JSON) of the watcher `watcher` (canonical
    id). Retention and traffic analytics are as returned, never defaulted (`days` 0 with
    retention enabled is "keep forever" for CIS 8.8; a policy must see both fields)."""
    props = raw["properties"]
    retention = props.get("retentionPolicy") or {}
    analytics = (props.get("flowAnalyticsConfiguration") or {}).get(
        "networkWatcherFlowAnalyticsConfiguration"
    ) or {}
    target = str(props["targetResourceId"])
    workspace = analytics.get("workspaceResourceId")
    storage = props.get("storageId")
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        "watcher": watcher,
        "target_resource_id": canonical(target),
        "target_type": target_type(target),
        # FlowLogPropertiesFormat.enabled has no documented default; absent is not enabled.
        "enabled": bool(props.get("enabled", False)),
        "retention_enabled": bool(retention.get("enabled", False)),
        "retention_days": _int(retention.get("days")),
        "storage_id": canonical(storage) if storage else None,
        "traffic_analytics_enabled": bool(analytics.get("enabled", False)),
        "traffic_analytics_workspace_id": canonical(workspace) if workspace else None,
        "traffic_analytics_interval": _int(analytics.get("trafficAnalyticsInterval")),
        "format_version": _int((props.get("format") or {}).get("version")),
    }


def subnet_in_use(raw: dict[str, Any]) -> bool:
    """Whether something uses the subnet (IN_USE_KEYS)."""
    props = raw.get("properties") or {}
    return any(props.get(key) for key in IN_USE_KEYS)


def vnet_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one VirtualNetwork (REST JSON): its subnets, the ones in use,
    and the NSGs attached to them."""
    props = raw.get("properties") or {}
    subnets = props.get("subnets") or []
    if not isinstance(subnets, list):
        raise ValueError(f"subnets: expected a list, got {subnets!r}")
    nsg_of = {
        canonical(s["id"]): _ref((s.get("properties") or {}).get("networkSecurityGroup"))
        for s in subnets
    }
    in_use = [canonical(s["id"]) for s in subnets if subnet_in_use(s)]
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        "location": region(raw.get("location")),
        "subnets": [canonical(s["id"]) for s in subnets],
        "subnets_in_use": in_use,
        "in_use": bool(in_use),
        "subnet_nsgs": sorted({n for n in nsg_of.values() if n}),
        # Which NSG (None: none) each subnet has, so NSG flow-log coverage of the subnets in
        # use can be told exactly.
        "subnet_nsg_map": nsg_of,
    }


def nsg_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one NetworkSecurityGroup (REST JSON): in use when a subnet or
    a network interface is attached to it."""
    props = raw.get("properties") or {}
    attached = [_ref(s) for s in props.get("subnets") or []]
    attached += [_ref(n) for n in props.get("networkInterfaces") or []]
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        "location": region(raw.get("location")),
        "in_use": any(attached),
    }


def watchers(
    subscription: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The network watchers of one list page."""
    return [
        arm_resource(WATCHER, subscription, r, watcher_attrs(r), evidence) for r in values(page)
    ]


def flow_logs(
    subscription: str, watcher: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The flow logs of one list page of the watcher `watcher` (canonical id)."""
    return [
        arm_resource(FLOW_LOG, subscription, r, flow_log_attrs(r, watcher), evidence)
        for r in values(page)
    ]


def vnets(
    subscription: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The virtual networks of one list page."""
    return [arm_resource(VNET, subscription, r, vnet_attrs(r), evidence) for r in values(page)]


def nsgs(
    subscription: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The network security groups of one list page."""
    return [arm_resource(NSG, subscription, r, nsg_attrs(r), evidence) for r in values(page)]


def regions_in_use(found: list[Resource]) -> list[str]:
    """The sorted regions of the virtual networks found."""
    return sorted({r.region for r in found if r.type == VNET})


def watcher_regions(found: list[Resource]) -> list[str]:
    """The sorted regions with a watcher whose provisioning succeeded (a Failed or Deleting
    watcher does not watch)."""
    return sorted(
        {
            r.region
            for r in found
            if r.type == WATCHER and r.attrs.get("provisioning_state") == SUCCEEDED
        }
    )


def _flow_logs(api: ArmApi, sub: Subscription, watcher: Resource) -> Found:
    """The flow logs of one watcher; a watcher whose list fails keeps its flow logs an error
    (for the subscription, naming the watcher), never an empty list."""
    arm_id = str(watcher.attrs["arm_id"])
    build = partial(flow_logs, sub.account, watcher.id)
    try:
        return Found(resources=listed(api, LIST_FLOW_LOGS, sub.account, build, id=arm_id))
    except ArmError as exc:
        exc.reported = True
        error = CollectionError(
            "azure",
            sub.account,
            "global",
            exc.operation,
            exc.code,
            exc.message,
            (FLOW_LOG,),
            watcher.id,
        )
        return Found(errors=[error])


def _watchers(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    assert sub is not None
    build = partial(watchers, sub.account)
    try:
        found = listed(api, LIST_WATCHERS, sub.account, build, subscription=sub.subscription_id)
    except ArmError as exc:
        note = unregistered(exc, sub, "network watchers")
        if note is None:
            raise
        return Found(attrs={sub.id: {WATCHER_REGIONS: []}}, notes=[note])
    out = Found(resources=list(found), attrs={sub.id: {WATCHER_REGIONS: watcher_regions(found)}})
    for watcher in found:
        more = _flow_logs(api, sub, watcher)
        out.resources.extend(more.resources)
        out.errors.extend(more.errors)
    return out


def _vnets(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    assert sub is not None
    build = partial(vnets, sub.account)
    try:
        found = listed(api, LIST_VNETS, sub.account, build, subscription=sub.subscription_id)
    except ArmError as exc:
        note = unregistered(exc, sub, "virtual networks")
        if note is None:
            raise
        return Found(attrs={sub.id: {REGIONS_IN_USE: []}}, notes=[note])
    return Found(resources=found, attrs={sub.id: {REGIONS_IN_USE: regions_in_use(found)}})


def _nsgs(api: ArmApi, tenancy: Tenancy, sub: Subscription | None) -> Found:
    assert sub is not None
    build = partial(nsgs, sub.account)
    try:
        found = listed(api, LIST_NSGS, sub.account, build, subscription=sub.subscription_id)
    except ArmError as exc:
        return not_registered(exc, sub, "network security groups")
    return Found(resources=found)


SERVICE = Service(
    name="network",
    listers=(
        Lister(
            "network watchers and flow logs",
            "subscription",
            (WATCHER, FLOW_LOG),
            (LIST_WATCHERS, LIST_FLOW_LOGS),
            _watchers,
            attrs=(WATCHER_REGIONS,),
        ),
        Lister(
            "virtual networks",
            "subscription",
            (VNET,),
            (LIST_VNETS,),
            _vnets,
            attrs=(REGIONS_IN_USE,),
        ),
        Lister("network security groups", "subscription", (NSG,), (LIST_NSGS,), _nsgs),
    ),
)
