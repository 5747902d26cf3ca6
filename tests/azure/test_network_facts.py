"""Derived network facts (analysis/network_facts.py): the flow-log routes of a VNet and the
regions in use without a Network Watcher."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.model import Unknowable
from scanner.providers.azure.analysis.network_facts import (
    NSG_RETIREMENT,
    derive_flow_log_routes,
    derive_watcher_gaps,
)
from tests.support.inventory import inventory_from_data

S = "22222222-0000-0000-0000-000000000002"
NET = f"/subscriptions/{S}/resourcegroups/rg-prod/providers/microsoft.network"
VN = f"{NET}/virtualnetworks/vnet-prod"
APP, DB = f"{VN}/subnets/app", f"{VN}/subnets/db"
NSG = f"{NET}/networksecuritygroups/nsg-app"


def vnet(**attrs: Any) -> dict[str, Any]:
    base = {
        "location": "westeurope",
        "in_use": True,
        "subnets": [APP, DB],
        "subnets_in_use": [APP, DB],
        "subnet_nsgs": [NSG],
    }
    return {
        "type": "azure.network.vnet",
        "id": VN,
        "name": "vnet-prod",
        "account": S,
        "region": "westeurope",
        "attrs": {**base, **attrs},
    }


def flow_log(name: str, target: str) -> dict[str, Any]:
    return {
        "type": "azure.network.flow_log",
        "id": f"{NET}/networkwatchers/nw/flowlogs/{name}",
        "name": name,
        "account": S,
        "region": "westeurope",
        "attrs": {
            "target_resource_id": target,
            "enabled": True,
            "retention_enabled": True,
            "retention_days": 30,
            "traffic_analytics_enabled": False,
            "traffic_analytics_workspace_id": None,
        },
    }


def routes(resources: list[dict[str, Any]], errors: list[dict[str, Any]] | None = None) -> Any:
    inventory = inventory_from_data(resources, errors or [])
    return derive_flow_log_routes(inventory)[VN]["flow_log_routes"]


def test_vnet_route() -> None:
    got = routes([vnet(), flow_log("fl", VN)])
    assert [(r["via"], r["uncovered"], r["usable_until"]) for r in got] == [("vnet", [], None)]
    assert got[0]["flow_logs"][0]["retention_days"] == 30


def test_subnet_route_names_the_uncovered_subnet() -> None:
    got = routes([vnet(), flow_log("fl", APP)])
    assert [(r["via"], r["uncovered"]) for r in got] == [("subnets", [DB])]


def test_nsg_route_until_retirement_and_unprovable_coverage() -> None:
    got = routes([vnet(), flow_log("fl", NSG)])
    assert got[0]["via"] == "nsgs" and got[0]["usable_until"] == NSG_RETIREMENT
    # Two subnets in use, one NSG: which subnet it protects is not known.
    assert isinstance(got[0]["uncovered"], Unknowable)
    # Sibling: one subnet in use, one NSG: covered.
    got = routes([vnet(subnets_in_use=[APP]), flow_log("fl", NSG)])
    assert got[0]["uncovered"] == []


def test_nsg_route_with_the_subnet_map() -> None:
    # Failing case: db is in use and has no NSG, so NSG flow logs cannot cover it.
    got = routes([vnet(subnet_nsg_map={APP: NSG, DB: None}), flow_log("fl", NSG)])
    assert got[0]["uncovered"] == [DB]
    # Sibling: both subnets behind the logged NSG.
    got = routes([vnet(subnet_nsg_map={APP: NSG, DB: NSG}), flow_log("fl", NSG)])
    assert got[0]["uncovered"] == []
    # Boundary: db has an NSG of its own without a flow log.
    other = f"{NET}/networksecuritygroups/nsg-db"
    got = routes(
        [vnet(subnet_nsg_map={APP: NSG, DB: other}, subnet_nsgs=[NSG, other]), flow_log("fl", NSG)]
    )
    assert got[0]["uncovered"] == [DB]


def test_no_flow_log_no_route_and_listing_error() -> None:
    assert routes([vnet()]) == []
    got = routes(
        [vnet()],
        [
            {
                "operation": "Network/flowLogs.list",
                "account": S,
                "region": "westeurope",
                "resource_types": ["azure.network.flow_log"],
            }
        ],
    )
    assert isinstance(got, Unknowable) and got.error


def gaps(used: Any, watched: Any) -> Any:
    sub = {
        "type": "azure.subscription",
        "id": f"/subscriptions/{S}",
        "name": S,
        "account": S,
        "region": "global",
        "attrs": {"regions_in_use": used, "network_watcher_regions": watched},
    }
    found = derive_watcher_gaps(inventory_from_data([sub]))
    return found.get(f"/subscriptions/{S}", {}).get("regions_without_network_watcher", "absent")


def test_watcher_gaps() -> None:
    assert gaps(["eastus", "westeurope"], ["westeurope"]) == ["eastus"]
    assert gaps(["westeurope"], ["eastus", "westeurope"]) == []
    assert gaps([], []) == []
    assert isinstance(gaps(["eastus"], {"error": "denied"}), Unknowable)
    assert gaps(None, ["eastus"]) == "absent"  # not collected stays not collected


@pytest.mark.parametrize(
    ("moment", "after"),
    [
        ("2027-09-30T00:00:00Z", True),  # the retirement still ahead of the scan
        ("2026-11-26T12:00:00Z", False),  # boundary: at the scan time it is no longer ahead
        ("2026-11-26T11:59:59Z", False),
        ("not a time", False),
    ],
)
def test_after_scan_time(moment: str, after: bool) -> None:
    from datetime import UTC, datetime

    from scanner.inventory import Inventory
    from scanner.policy.operators import Context
    from scanner.providers.azure.operators import OPERATORS

    ctx = Context(Inventory(), now=datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert OPERATORS["after_scan_time"].test(moment, True, ctx) is after
