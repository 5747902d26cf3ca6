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
that read them (DECISIONS.md): `regions_in_use`, the regions of the subscription's virtual
networks, and `network_watcher_regions`, the regions with a watcher provisioned.
"""

from __future__ import annotations

from typing import Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.azure.names import canonical, provider_type_of, region

WATCHER = "azure.network.watcher"
FLOW_LOG = "azure.network.flow_log"
VNET = "azure.network.vnet"
NSG = "azure.network.nsg"

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
    id). Retention and traffic analytics are as returned, never defaulted: `days` 0 means
    "retain forever" only while retention is enabled, which the policy must see."""
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
    nsgs = [_ref((s.get("properties") or {}).get("networkSecurityGroup")) for s in subnets]
    in_use = [canonical(s["id"]) for s in subnets if subnet_in_use(s)]
    return {
        "name": raw["name"],
        "arm_id": raw["id"],
        "location": region(raw.get("location")),
        "subnets": [canonical(s["id"]) for s in subnets],
        "subnets_in_use": in_use,
        "in_use": bool(in_use),
        "subnet_nsgs": sorted({n for n in nsgs if n}),
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


def _resource(
    rtype: str,
    subscription: str,
    raw: dict[str, Any],
    attrs: dict[str, Any],
    evidence: tuple[EvidenceRef, ...],
) -> Resource:
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


def watchers(
    subscription: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The network watchers of one list page."""
    return [_resource(WATCHER, subscription, r, watcher_attrs(r), evidence) for r in value(page)]


def flow_logs(
    subscription: str, watcher: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The flow logs of one list page of the watcher `watcher` (canonical id)."""
    return [
        _resource(FLOW_LOG, subscription, r, flow_log_attrs(r, watcher), evidence)
        for r in value(page)
    ]


def vnets(
    subscription: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The virtual networks of one list page."""
    return [_resource(VNET, subscription, r, vnet_attrs(r), evidence) for r in value(page)]


def nsgs(
    subscription: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The network security groups of one list page."""
    return [_resource(NSG, subscription, r, nsg_attrs(r), evidence) for r in value(page)]


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


def value(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The `value` list of an ARM list page (absent: empty); any other shape is malformed."""
    found = page.get("value", [])
    if not isinstance(found, list) or not all(isinstance(i, dict) for i in found):
        raise ValueError("value: expected a list of objects")
    return found
