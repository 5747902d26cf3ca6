"""Network watchers, flow logs, virtual networks and NSGs: the normalization of the documented
REST JSON, on the golden fixtures and on table cases (in-use rule, flow-log targets, retention
as returned, never defaulted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.model import Unknowable
from scanner.providers.azure import network
from scanner.source import Collected
from tests.azure.watch_scan import SUBS, errors, scan, schema_errors, subscription

TENANT = Path(network.__file__).parent / "fake" / "tenant"
SUB1 = "22222222-0000-0000-0000-000000000001"
SUB2 = "22222222-0000-0000-0000-000000000002"
NET = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network"
WATCHER1 = (
    f"/subscriptions/{SUB1}/resourcegroups/networkwatcherrg/providers/microsoft.network/"
    "networkwatchers/networkwatcher_westeurope"
)


def _fixture(path: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TENANT / f"{path}.json").read_text())
    return data


def test_golden_hub_network() -> None:
    (watcher,) = network.watchers(
        SUB1, _fixture(f"subscriptions/{SUB1}/providers/microsoft.network/networkwatchers")
    )
    assert (watcher.id, watcher.region, watcher.attrs["provisioning_state"]) == (
        WATCHER1,
        "westeurope",
        "Succeeded",
    )
    nsg_id = (
        f"/subscriptions/{SUB1}/resourcegroups/rg-network/providers/microsoft.network/"
        "networksecuritygroups/nsg-hub"
    )
    (vnet,) = network.vnets(
        SUB1, _fixture(f"subscriptions/{SUB1}/providers/microsoft.network/virtualnetworks")
    )
    vnet_id = (
        f"/subscriptions/{SUB1}/resourcegroups/rg-network/providers/microsoft.network/"
        "virtualnetworks/vnet-hub"
    )
    assert vnet.id == vnet_id
    assert vnet.attrs == {
        "name": "vnet-hub",
        "arm_id": vnet.attrs["arm_id"],
        "location": "westeurope",
        "subnets": [f"{vnet_id}/subnets/snet-shared"],
        "subnets_in_use": [f"{vnet_id}/subnets/snet-shared"],
        "in_use": True,
        "subnet_nsgs": [nsg_id],
        "subnet_nsg_map": {f"{vnet_id}/subnets/snet-shared": nsg_id},
    }
    (flow,) = network.flow_logs(SUB1, WATCHER1, _fixture(WATCHER1.lstrip("/") + "/flowlogs"))
    assert flow.id == f"{WATCHER1}/flowlogs/fl-vnet-hub"
    assert flow.attrs == {
        "name": "fl-vnet-hub",
        "arm_id": flow.attrs["arm_id"],
        "watcher": WATCHER1,
        "target_resource_id": vnet_id,
        "target_type": "vnet",
        "enabled": True,
        "retention_enabled": True,
        "retention_days": 0,
        "storage_id": (
            f"/subscriptions/{SUB1}/resourcegroups/rg-audit/providers/microsoft.storage/"
            "storageaccounts/lwauditarchive"
        ),
        "traffic_analytics_enabled": True,
        "traffic_analytics_workspace_id": (
            f"/subscriptions/{SUB1}/resourcegroups/rg-audit/providers/"
            "microsoft.operationalinsights/workspaces/law-central"
        ),
        "traffic_analytics_interval": 10,
        "format_version": 2,
    }
    (nsg,) = network.nsgs(
        SUB1, _fixture(f"subscriptions/{SUB1}/providers/microsoft.network/networksecuritygroups")
    )
    assert nsg.attrs["in_use"] is True


def test_golden_production_regions() -> None:
    base = f"subscriptions/{SUB2}/providers/microsoft.network/"
    found = network.vnets(SUB2, _fixture(base + "virtualnetworks"))
    found += network.watchers(SUB2, _fixture(base + "networkwatchers"))
    assert network.regions_in_use(found) == ["eastus", "westeurope"]
    assert network.watcher_regions(found) == ["westeurope"]
    by_name = {
        n.name: n.attrs["in_use"]
        for n in network.nsgs(SUB2, _fixture(base + "networksecuritygroups"))
    }
    assert by_name == {"nsg-prod": True, "nsg-unused": False}


def _subnet(**props: Any) -> dict[str, Any]:
    return {
        "id": f"{NET}/virtualNetworks/v/subnets/a",
        "properties": props,
    }


@pytest.mark.parametrize(
    ("props", "in_use"),
    [
        ({"ipConfigurations": [{"id": "nic-ip"}]}, True),
        ({"privateEndpoints": [{"id": "pe"}]}, True),
        ({"serviceAssociationLinks": [{"id": "sal"}]}, True),
        ({"resourceNavigationLinks": [{"id": "rnl"}]}, True),
        ({"ipConfigurationProfiles": [{"id": "p"}]}, True),
        ({"applicationGatewayIPConfigurations": [{"id": "agw"}]}, True),
        # A bare delegation reserves the subnet for a service; nothing uses it yet.
        (
            {
                "delegations": [
                    {"name": "d", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}
                ]
            },
            False,
        ),
        # An NSG attached to an empty subnet is not use either.
        ({"networkSecurityGroup": {"id": "nsg"}}, False),
        # The boundary: present but empty lists.
        ({"ipConfigurations": [], "privateEndpoints": []}, False),
        ({}, False),
    ],
)
def test_subnet_in_use(props: dict[str, Any], in_use: bool) -> None:
    assert network.subnet_in_use(_subnet(**props)) is in_use


def test_subnet_nsg_map_names_subnets_without_an_nsg() -> None:
    raw = {
        "id": f"{NET}/virtualNetworks/v",
        "name": "v",
        "properties": {
            "subnets": [
                {
                    "id": f"{NET}/virtualNetworks/v/subnets/A",
                    "properties": {
                        "networkSecurityGroup": {"id": f"{NET}/networkSecurityGroups/G"}
                    },
                },
                {"id": f"{NET}/virtualNetworks/v/subnets/b", "properties": {}},
            ]
        },
    }
    attrs = network.vnet_attrs(raw)
    base = NET.lower()
    assert attrs["subnet_nsg_map"] == {
        f"{base}/virtualnetworks/v/subnets/a": f"{base}/networksecuritygroups/g",
        f"{base}/virtualnetworks/v/subnets/b": None,
    }
    assert attrs["subnet_nsgs"] == [f"{base}/networksecuritygroups/g"]


def test_vnet_without_subnets_is_not_in_use() -> None:
    raw = {
        "id": f"{NET}/virtualNetworks/v",
        "name": "v",
        "location": "West Europe",
        "properties": {},
    }
    attrs = network.vnet_attrs(raw)
    assert (attrs["in_use"], attrs["subnets"], attrs["location"]) == (False, [], "westeurope")


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        (f"{NET}/virtualNetworks/v", "vnet"),
        (
            f"{NET}/virtualNetworks/v/subnets/a",
            "subnet",
        ),
        (
            f"{NET}/networkInterfaces/n",
            "nic",
        ),
        (
            "/subscriptions/s/resourceGroups/r/providers/microsoft.network/NETWORKSECURITYGROUPS/g",
            "nsg",
        ),
        (
            f"{NET}/applicationGateways/g",
            "other",
        ),
    ],
)
def test_flow_log_target_type(target: str, kind: str) -> None:
    assert network.target_type(target) == kind


def _flow(**props: Any) -> dict[str, Any]:
    return {
        "id": f"{WATCHER1}/flowLogs/f",
        "name": "f",
        "properties": {
            "targetResourceId": f"{NET}/virtualNetworks/v",
            **props,
        },
    }


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        # Retention as returned: 0 with retention on (forever), 0 with retention off, absent.
        ({"retentionPolicy": {"days": 0, "enabled": True}}, (True, 0)),
        ({"retentionPolicy": {"days": 0, "enabled": False}}, (False, 0)),
        ({"retentionPolicy": {"days": 90, "enabled": True}}, (True, 90)),
        ({"retentionPolicy": {"days": 89, "enabled": True}}, (True, 89)),
        ({}, (False, None)),
    ],
)
def test_flow_log_retention_as_returned(props: dict[str, Any], expected: tuple[Any, Any]) -> None:
    attrs = network.flow_log_attrs(_flow(**props), WATCHER1)
    assert (attrs["retention_enabled"], attrs["retention_days"]) == expected


def test_flow_log_defaults_and_malformed() -> None:
    attrs = network.flow_log_attrs(_flow(), WATCHER1)
    assert (attrs["enabled"], attrs["traffic_analytics_enabled"], attrs["storage_id"]) == (
        False,
        False,
        None,
    )
    assert attrs["traffic_analytics_workspace_id"] is None and attrs["format_version"] is None
    with pytest.raises(KeyError):
        network.flow_log_attrs({"id": "x", "name": "f", "properties": {}}, WATCHER1)
    with pytest.raises(ValueError):
        network.flow_log_attrs(_flow(retentionPolicy={"days": "ninety", "enabled": True}), WATCHER1)
    with pytest.raises(ValueError):
        network.flow_log_attrs(_flow(retentionPolicy={"days": True, "enabled": True}), WATCHER1)


@pytest.mark.parametrize(
    ("state", "counted"),
    [("Succeeded", True), ("Failed", False), ("Deleting", False), (None, False)],
)
def test_watcher_regions_count_provisioned_watchers(state: str | None, counted: bool) -> None:
    raw = {
        "id": f"{NET}/networkWatchers/nw",
        "name": "nw",
        "location": "northeurope",
        "properties": {} if state is None else {"provisioningState": state},
    }
    found = network.watchers("s", {"value": [raw]})
    assert network.watcher_regions(found) == (["northeurope"] if counted else [])


# -- through the real NetworkManagementClient pipeline against the fake ARM server ----------


@pytest.fixture(scope="module")
def golden() -> tuple[Collected, list[Any]]:
    return scan()


def test_scan_golden_networks(golden: tuple[Collected, list[Any]]) -> None:
    collected, requests = golden
    inventory = collected.inventory
    assert [r.name for r in inventory.of_type(network.FLOW_LOG)] == [
        "fl-vnet-hub",
        "fl-vnet-prod-weu",
    ]
    flow = inventory.get(f"{WATCHER1}/flowlogs/fl-vnet-hub")
    assert flow is not None and flow.attrs["watcher"] == WATCHER1
    assert flow.attrs["retention_days"] == 0
    # The flow logs were asked of the watcher by its id as ARM wrote it, with the version.
    asked = [r for r in requests if r.path.lower().endswith("/flowlogs")]
    assert [(r.path.split("/")[2], dict(r.query)) for r in asked] == [
        (SUB1, {"api-version": "2024-05-01"}),
        (SUB2, {"api-version": "2024-05-01"}),
    ]
    assert "/resourceGroups/NetworkWatcherRG/" in asked[0].path
    assert {r.name: r.attrs["in_use"] for r in inventory.of_type(network.NSG, SUB2)} == {
        "nsg-prod": True,
        "nsg-unused": False,
    }
    types = (network.WATCHER, network.FLOW_LOG, network.VNET, network.NSG, "azure.subscription")
    assert schema_errors(collected, types) == []


@pytest.mark.parametrize(
    ("n", "in_use", "watched"),
    [
        (1, ["westeurope"], ["westeurope"]),
        (2, ["eastus", "westeurope"], ["westeurope"]),
        # Microsoft.Network not registered: nothing in use, known (not an error).
        (4, [], []),
    ],
)
def test_subscription_regions(
    golden: tuple[Collected, list[Any]], n: int, in_use: list[str], watched: list[str]
) -> None:
    attrs = subscription(golden[0], n).attrs
    assert (attrs["regions_in_use"], attrs["network_watcher_regions"]) == (in_use, watched)


def test_forbidden_and_unregistered_subscriptions(golden: tuple[Collected, list[Any]]) -> None:
    collected, _ = golden
    types = (network.WATCHER, network.FLOW_LOG, network.VNET, network.NSG)
    assert [(e.account, e.operation, e.code) for e in errors(collected, types)] == [
        (SUBS[3], "Network/networkWatchers.listAll", "FORBIDDEN"),
        (SUBS[3], "Network/virtualNetworks.listAll", "FORBIDDEN"),
        (SUBS[3], "Network/networkSecurityGroups.listAll", "FORBIDDEN"),
    ]
    forbidden = subscription(collected, 3).attrs
    for attr in ("regions_in_use", "network_watcher_regions"):
        assert isinstance(forbidden[attr], Unknowable) and forbidden[attr].error
    assert "Microsoft.Network/virtualNetworks/read" in forbidden["regions_in_use"].reason
    notes = [n for n in collected.facts.limits if SUBS[4] in n and "Network/" in n]
    assert len(notes) == 3 and all("not registered" in n for n in notes)
    assert not [e for e in collected.inventory.errors if e.account == SUBS[4]]


def test_a_watcher_whose_flow_logs_fail_keeps_them_an_error() -> None:
    def forbid(request: Any) -> Any:
        if request.path.lower().startswith(
            f"/subscriptions/{SUB2}/"
        ) and request.path.lower().endswith("/flowlogs"):
            return 403, {"error": {"code": "AuthorizationFailed", "message": "no flow logs"}}
        return None

    collected, _ = scan(overrides=[forbid])
    (error,) = [e for e in errors(collected, (network.FLOW_LOG,)) if e.account == SUB2]
    watcher2 = WATCHER1.replace(SUB1, SUB2)
    assert (error.account, error.code, error.resource_types, error.resource_id) == (
        SUB2,
        "FORBIDDEN",
        (network.FLOW_LOG,),
        watcher2,
    )
    # The watcher itself and the regions stay known; only its flow logs are not.
    assert collected.inventory.get(watcher2) is not None
    assert subscription(collected, 2).attrs["network_watcher_regions"] == ["westeurope"]
    assert collected.inventory.of_type(network.FLOW_LOG, SUB2) == []
