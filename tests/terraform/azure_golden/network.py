"""The golden tenant's networks (watchers, VNets, NSGs, NICs, VNet flow logs) and role
assignments, as Terraform resources named as the fake ARM server's fixtures name them."""

from __future__ import annotations

from typing import Any

from tests.terraform.azure_golden.base import (
    ARCHIVE,
    LAW,
    LAW_GUID,
    LOGGING,
    PROD,
    PRODLOGS,
    SHARED,
    R,
    arm,
)


def _vnet(sub: str, name: str, location: str, subnet: str, nsg: str | None) -> R:
    rid = arm(sub, _NET[sub], "Microsoft.Network/virtualNetworks", name)
    block = {
        "name": subnet,
        "id": f"{rid}/subnets/{subnet}",
        "address_prefixes": ["10.0.0.0/24"],
        "security_group": nsg or "",
        "default_outbound_access_enabled": True,
        "delegation": [],
        "private_endpoint_network_policies": "Disabled",
        "private_link_service_network_policies_enabled": True,
        "route_table_id": "",
        "service_endpoints": [],
        "service_endpoint_policy_ids": [],
    }
    values = {
        "id": rid,
        "name": name,
        "resource_group_name": _NET[sub],
        "location": location,
        "address_space": ["10.0.0.0/16"],
        "subnet": [block],
        "dns_servers": [],
        "tags": {},
    }
    return R("azurerm_virtual_network", name.replace("-", "_"), values, provider=_PROVIDER[sub])


def _nsg(sub: str, name: str, location: str) -> R:
    values = {
        "id": arm(sub, _NET[sub], "Microsoft.Network/networkSecurityGroups", name),
        "name": name,
        "resource_group_name": _NET[sub],
        "location": location,
        "security_rule": [],
        "tags": {},
    }
    return R(
        "azurerm_network_security_group", name.replace("-", "_"), values, provider=_PROVIDER[sub]
    )


def _nic(sub: str, name: str, subnet: str, ref: str) -> R:
    values = {
        "id": arm(sub, _NET[sub], "Microsoft.Network/networkInterfaces", name),
        "name": name,
        "resource_group_name": _NET[sub],
        "location": "westeurope" if name != "nic-app-2" else "eastus",
        "ip_configuration": [
            {
                "name": "ipconfig1",
                "subnet_id": subnet,
                "private_ip_address_allocation": "Dynamic",
                "primary": True,
            }
        ],
        "tags": {},
    }
    return R(
        "azurerm_network_interface",
        name.replace("-", "_"),
        values,
        {"ip_configuration.0.subnet_id": ref},
        _PROVIDER[sub],
    )


def _watcher(sub: str) -> R:
    values = {
        "id": arm(sub, "NetworkWatcherRG", "Microsoft.Network/networkWatchers", WATCHER),
        "name": WATCHER,
        "resource_group_name": "NetworkWatcherRG",
        "location": "westeurope",
        "tags": {},
    }
    return R("azurerm_network_watcher", "westeurope", values, provider=_PROVIDER[sub])


def _flow_log(sub: str, name: str, vnet: R, storage: str, days: int, store_ref: str) -> R:
    watcher = arm(sub, "NetworkWatcherRG", "Microsoft.Network/networkWatchers", WATCHER)
    values = {
        "id": f"{watcher}/flowLogs/{name}",
        "name": name,
        "network_watcher_name": WATCHER,
        "resource_group_name": "NetworkWatcherRG",
        "location": "westeurope",
        "target_resource_id": vnet.values["id"],
        "network_security_group_id": None,
        "storage_account_id": storage,
        "enabled": True,
        "version": 2,
        "retention_policy": [{"enabled": True, "days": days}],
        "traffic_analytics": [
            {
                "enabled": True,
                "workspace_id": LAW_GUID,
                "workspace_region": "westeurope",
                "workspace_resource_id": LAW,
                "interval_in_minutes": 10,
            }
        ],
        "tags": {},
    }
    return R(
        "azurerm_network_watcher_flow_log",
        name.replace("-", "_"),
        values,
        {
            "target_resource_id": vnet.address,
            "storage_account_id": store_ref,
            "traffic_analytics.0.workspace_resource_id": "azurerm_log_analytics_workspace.central",
        },
        _PROVIDER[sub],
    )


WATCHER = "NetworkWatcher_westeurope"
_NET = {LOGGING: "rg-network", PROD: "rg-prod-network"}
_PROVIDER = {LOGGING: "azurerm", PROD: "azurerm.prod"}


def networks() -> list[R]:
    """The watchers, VNets, NSGs, NICs and VNet flow logs of ...0001 and ...0002."""
    hub_nsg = _nsg(LOGGING, "nsg-hub", "westeurope")
    hub = _vnet(LOGGING, "vnet-hub", "westeurope", "snet-shared", hub_nsg.values["id"])
    hub.refs["subnet.0.security_group"] = hub_nsg.address
    prod_nsg = _nsg(PROD, "nsg-prod", "westeurope")
    weu = _vnet(PROD, "vnet-prod-weu", "westeurope", "snet-app", prod_nsg.values["id"])
    weu.refs["subnet.0.security_group"] = prod_nsg.address
    eus = _vnet(PROD, "vnet-prod-eus", "eastus", "snet-app", None)
    prod_watcher = _watcher(PROD)
    prod_watcher.name = "prod_westeurope"
    hub_lock = R(
        "azurerm_management_lock",
        "hub_read_only",
        {
            "id": f"{hub.values['id']}/providers/Microsoft.Authorization/locks/hub-read-only",
            "name": "hub-read-only",
            "scope": hub.values["id"],
            "lock_level": "ReadOnly",
            "notes": "Hub network.",
        },
        {"scope": hub.address},
    )
    return [
        hub_nsg,
        hub,
        _nic(LOGGING, "nic-jump", hub.values["subnet"][0]["id"], hub.address),
        _watcher(LOGGING),
        _flow_log(LOGGING, "fl-vnet-hub", hub, ARCHIVE, 0, "azurerm_storage_account.auditarchive"),
        hub_lock,
        prod_nsg,
        _nsg(PROD, "nsg-unused", "eastus"),
        weu,
        eus,
        _nic(PROD, "nic-app-1", weu.values["subnet"][0]["id"], weu.address),
        _nic(PROD, "nic-app-2", eus.values["subnet"][0]["id"], eus.address),
        prod_watcher,
        _flow_log(PROD, "fl-vnet-prod-weu", weu, PRODLOGS, 30, "azurerm_storage_account.prodlogs"),
    ]


JANITOR = "7a1b2c3d-1111-4222-8333-444455556666"
ROLES = "/providers/Microsoft.Authorization/roleDefinitions/"


def _assignment(name: str, scope: str, role: str, principal: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "scope": scope,
        "role_definition_id": role,
        "role_definition_name": "",
        "principal_id": principal[0],
        "principal_type": principal[1],
        "condition": "",
        "condition_version": "",
        "description": "",
        "skip_service_principal_aad_check": False,
        "delegated_managed_identity_resource_id": "",
    }


def authorization() -> list[R]:
    """The role assignments of the golden tenant and its one custom role, Log Janitor."""
    platform = "/providers/Microsoft.Management/managementGroups/mg-platform"
    janitor = R(
        "azurerm_role_definition",
        "log_janitor",
        {
            "id": f"/subscriptions/{PROD}{ROLES}{JANITOR}|/subscriptions/{PROD}",
            "role_definition_id": JANITOR,
            "role_definition_resource_id": f"/subscriptions/{PROD}{ROLES}{JANITOR}",
            "name": "Log Janitor",
            "scope": f"/subscriptions/{PROD}",
            "description": "Tidies diagnostic settings.",
            "permissions": [
                {
                    "actions": [
                        "Microsoft.Insights/diagnosticSettings/*",
                        "Microsoft.Insights/diagnosticSettings/read",
                    ],
                    "not_actions": [],
                    "data_actions": [],
                    "not_data_actions": [],
                }
            ],
            "assignable_scopes": [f"/subscriptions/{PROD}"],
        },
        provider="azurerm.prod",
    )
    owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    monitoring = "43d0d8ad-25c7-4714-9337-8ba259a9fe05"
    reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    return [
        janitor,
        R(
            "azurerm_role_assignment",
            "secops_owner",
            _assignment(
                "a0000000-0000-4000-8000-000000000001",
                platform,
                f"{platform}{ROLES}{owner}",
                ("55555555-0000-0000-0000-000000000001", "Group"),
            ),
        ),
        R(
            "azurerm_role_assignment",
            "monitoring_reader",
            _assignment(
                "a0000000-0000-4000-8000-000000000002",
                f"/subscriptions/{LOGGING}",
                f"/subscriptions/{LOGGING}{ROLES}{monitoring}",
                ("77777777-0000-0000-0000-000000000001", "ServicePrincipal"),
            ),
        ),
        R(
            "azurerm_role_assignment",
            "ops_log_janitor",
            _assignment(
                "a0000000-0000-4000-8000-000000000003",
                f"/subscriptions/{PROD}",
                janitor.values["role_definition_resource_id"],
                ("88888888-0000-0000-0000-000000000001", "User"),
            ),
            {"role_definition_id": janitor.address},
            "azurerm.prod",
        ),
        R(
            "azurerm_role_assignment",
            "shared_reader",
            _assignment(
                "a0000000-0000-4000-8000-000000000004",
                f"/subscriptions/{SHARED}",
                f"/subscriptions/{SHARED}{ROLES}{reader}",
                ("88888888-0000-0000-0000-000000000002", "User"),
            ),
            provider="azurerm.shared",
        ),
    ]
