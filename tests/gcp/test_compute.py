"""Compute subnetworks, networks and backend services through the real google-cloud-compute
REST clients, the gateway and the collection loop: the golden estate (an aggregated list over
two pages; flow logs on, off and not applicable), an aggregated answer naming unreachable
scopes, and a project whose Compute API is disabled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.providers.gcp import compute
from tests.gcp.services_scan import errors, golden, scan_estate

URL = "https://www.googleapis.com/compute/v1/projects"
GCE = "//compute.googleapis.com/projects/"


def test_golden_subnetworks_across_pages() -> None:
    got, _, requests = golden()
    found = {r.name: r for r in got.inventory.of_type(compute.SUBNETWORK, "prod-app")}
    asked = [
        r.query.get("pageToken")
        for r in requests
        if r.path == "/compute/v1/projects/prod-app/aggregated/subnetworks"
    ]
    assert asked == [None, "page2"]
    assert found["app-private-logged"].attrs == {
        "name": "app-private-logged",
        "network": f"{URL}/prod-app/global/networks/default",
        "region": "us-central1",
        "purpose": "PRIVATE",
        "flow_logs_enabled": True,
        "aggregation_interval": "INTERVAL_5_SEC",
        "flow_sampling": 1.0,
        "metadata": "INCLUDE_ALL_METADATA",
        "filter_expr": None,
    }
    off = found["app-private-nolog"].attrs
    assert (off["purpose"], off["flow_logs_enabled"], off["aggregation_interval"]) == (
        "PRIVATE",
        False,
        None,
    )
    proxy = found["app-proxy-only"]
    assert (proxy.attrs["purpose"], proxy.region, proxy.attrs["flow_logs_enabled"]) == (
        "REGIONAL_MANAGED_PROXY",
        "europe-west1",
        False,
    )
    assert proxy.id == GCE + "prod-app/regions/europe-west1/subnetworks/app-proxy-only"
    (audit,) = got.inventory.of_type(compute.SUBNETWORK, "lw-logging")
    assert audit.attrs["flow_logs_enabled"] is True
    assert got.inventory.of_type(compute.SUBNETWORK, "dev-tools") == []


def test_golden_networks_and_backend_services() -> None:
    got, _, _ = golden()
    (default,) = got.inventory.of_type(compute.NETWORK, "prod-app")
    assert default.attrs == {
        "name": "default",
        "self_link": f"{URL}/prod-app/global/networks/default",
        "auto_create_subnetworks": True,
    }
    assert default.id == GCE + "prod-app/global/networks/default"
    (web,) = got.inventory.of_type(compute.BACKEND_SERVICE)
    assert web.attrs == {
        "name": "web-backend",
        "region": "global",
        "load_balancing_scheme": "EXTERNAL_MANAGED",
        "protocol": "HTTPS",
        "logging_enabled": False,
        "sample_rate": None,
    }
    assert web.id == GCE + "prod-app/global/backendServices/web-backend"
    assert not errors(got, lambda e: e.operation.startswith(("subnetworks", "networks", "backend")))


def test_unreachable_scopes_and_disabled_api(estate_copy: Path) -> None:
    base = estate_copy / compute.HOST / "compute/v1/projects"
    listing = base / "dev-tools/aggregated/subnetworks.json"
    listing.write_text(
        json.dumps(
            {
                "items": {
                    "regions/us-east1": {
                        "subnetworks": [
                            {
                                "name": "s",
                                "selfLink": f"{URL}/dev-tools/regions/us-east1/subnetworks/s",
                                "region": f"{URL}/dev-tools/regions/us-east1",
                                "network": f"{URL}/dev-tools/global/networks/n",
                                "logConfig": {
                                    "enable": True,
                                    "aggregationInterval": "INTERVAL_10_MIN",
                                    "flowSampling": 0.5,
                                    "metadata": "CUSTOM_METADATA",
                                    "filterExpr": "inIpRange(connection.src_ip, '10.0.0.0/8')",
                                },
                                "enableFlowLogs": False,
                            }
                        ]
                    }
                },
                "unreachables": ["regions/me-central2"],
            }
        )
    )
    (base / "dev-tools/aggregated/backendServices.json").write_text(
        json.dumps(
            {
                "error": {
                    "code": 403,
                    "status": "PERMISSION_DENIED",
                    "message": "Compute Engine API is disabled in project 300000000005.",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "SERVICE_DISABLED",
                            "domain": "googleapis.com",
                            "metadata": {"service": "compute.googleapis.com"},
                        }
                    ],
                }
            }
        )
    )
    got, _ = scan_estate(estate_copy)
    (s,) = got.inventory.of_type(compute.SUBNETWORK, "dev-tools")
    # logConfig.enable wins over the legacy field; every parameter as set, none defaulted.
    assert s.attrs["flow_logs_enabled"] is True
    assert (s.attrs["aggregation_interval"], s.attrs["flow_sampling"], s.attrs["metadata"]) == (
        "INTERVAL_10_MIN",
        0.5,
        "CUSTOM_METADATA",
    )
    assert s.attrs["filter_expr"] == "inIpRange(connection.src_ip, '10.0.0.0/8')"
    found = errors(got, lambda e: e.account == "dev-tools")
    assert [f[:4] for f in found] == [
        ("dev-tools", "subnetworks.aggregatedList", "UNREACHABLE", (compute.SUBNETWORK,)),
        (
            "dev-tools",
            "backendServices.aggregatedList",
            "SERVICE_DISABLED",
            (compute.BACKEND_SERVICE,),
        ),
    ]


@pytest.mark.parametrize(
    ("raw", "enabled"),
    [
        ({"enableFlowLogs": True}, True),  # legacy field only
        ({"enableFlowLogs": False}, False),
        ({}, False),
        ({"enableFlowLogs": True, "logConfig": {"enable": False}}, False),
        ({"logConfig": {"aggregationInterval": "INTERVAL_5_SEC"}, "enableFlowLogs": True}, True),
    ],
)
def test_flow_logs_enabled(raw: dict[str, Any], enabled: bool) -> None:
    assert compute.subnetwork_attrs({"name": "s", **raw})["flow_logs_enabled"] is enabled


def test_backend_service_region_from_scope_and_field() -> None:
    regional = {
        "name": "b",
        "region": f"{URL}/p/regions/europe-west1",
        "logConfig": {"enable": True, "sampleRate": 0.25},
    }
    attrs = compute.backend_service_attrs(regional, "regions/europe-west1")
    assert (attrs["region"], attrs["logging_enabled"], attrs["sample_rate"]) == (
        "europe-west1",
        True,
        0.25,
    )
    assert compute.backend_service_attrs({"name": "g"}, "global")["region"] == "global"


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        (None, "PRIVATE"),
        ("", "PRIVATE"),
        ("PRIVATE", "PRIVATE"),
        # The legacy value, documented as the same regular subnet: judged like PRIVATE.
        ("PRIVATE_RFC_1918", "PRIVATE"),
        # Siblings that stay what they are (not VM subnets: not judged by CIS 3.8).
        ("REGIONAL_MANAGED_PROXY", "REGIONAL_MANAGED_PROXY"),
        ("PRIVATE_SERVICE_CONNECT", "PRIVATE_SERVICE_CONNECT"),
    ],
)
def test_subnet_purpose(purpose: str | None, expected: str) -> None:
    raw = {"name": "s"} if purpose is None else {"name": "s", "purpose": purpose}
    assert compute.subnetwork_attrs(raw)["purpose"] == expected


@pytest.mark.parametrize(
    ("log", "enabled", "rate"),
    [
        # Logging on without sampleRate: the documented default 1.0.
        ({"enable": True}, True, 1.0),
        ({"enable": True, "sampleRate": 0.25}, True, 0.25),
        # An explicit 0 stays 0 (the boundary: logging on, nothing sampled).
        ({"enable": True, "sampleRate": 0}, True, 0.0),
        # Logging off: no default is invented.
        ({"enable": False}, False, None),
        ({}, False, None),
        ({"sampleRate": 0.5}, False, 0.5),
    ],
)
def test_backend_sample_rate_default(log: dict[str, Any], enabled: bool, rate: float) -> None:
    attrs = compute.backend_service_attrs({"name": "b", "logConfig": log}, "global")
    assert (attrs["logging_enabled"], attrs["sample_rate"]) == (enabled, rate)


def _scoped_listing(kind: str, items: dict[str, Any]) -> dict[str, Any]:
    return {"kind": f"compute#{kind}AggregatedList", "items": items}


def test_scope_warnings_unreachable_legacy_purpose_and_default_rate(estate_copy: Path) -> None:
    base = estate_copy / compute.HOST / "compute/v1/projects/dev-tools/aggregated"
    unreachable = {
        "warning": {
            "code": "UNREACHABLE",
            "message": "Scope regions/me-central2 is unreachable.",
            "data": [{"key": "scope", "value": "regions/me-central2"}],
        }
    }
    empty = {
        "warning": {
            "code": "NO_RESULTS_ON_PAGE",
            "message": "There are no results for scope 'regions/us-west1' on this page.",
            "data": [{"key": "scope", "value": "regions/us-west1"}],
        }
    }
    subnet = {
        "name": "legacy",
        "selfLink": f"{URL}/dev-tools/regions/us-east1/subnetworks/legacy",
        "region": f"{URL}/dev-tools/regions/us-east1",
        "network": f"{URL}/dev-tools/global/networks/n",
        "purpose": "PRIVATE_RFC_1918",
    }
    (base / "subnetworks.json").write_text(
        json.dumps(
            _scoped_listing(
                "subnetwork",
                {
                    "regions/us-east1": {"subnetworks": [subnet]},
                    "regions/me-central2": unreachable,
                    "regions/us-west1": empty,
                },
            )
        )
    )
    backend = {
        "name": "api",
        "selfLink": f"{URL}/dev-tools/global/backendServices/api",
        "protocol": "HTTP2",
        "loadBalancingScheme": "EXTERNAL_MANAGED",
        "logConfig": {"enable": True},
    }
    (base / "backendServices.json").write_text(
        json.dumps(
            _scoped_listing(
                "backendService", {"global": {"backendServices": [backend]}, "regions/a": empty}
            )
        )
    )
    got, _ = scan_estate(estate_copy)
    (s,) = got.inventory.of_type(compute.SUBNETWORK, "dev-tools")
    assert s.attrs["purpose"] == "PRIVATE"
    (b,) = got.inventory.of_type(compute.BACKEND_SERVICE, "dev-tools")
    assert (b.attrs["logging_enabled"], b.attrs["sample_rate"]) == (True, 1.0)
    found = errors(got, lambda e: e.account == "dev-tools" and e.operation.endswith("List"))
    # The scope answered UNREACHABLE is an error for the type; NO_RESULTS_ON_PAGE is not.
    assert found == [
        (
            "dev-tools",
            "subnetworks.aggregatedList",
            "UNREACHABLE",
            (compute.SUBNETWORK,),
            None,
        )
    ]
    (error,) = [e for e in got.inventory.errors if e.operation == "subnetworks.aggregatedList"]
    assert "regions/me-central2" in error.message


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (None, None),
        ("", None),
        ("true", None),  # the CEL literal that keeps every flow: no filter
        (" true ", None),
        ("false", "false"),
        (
            "true && inIpRange(connection.src_ip, '10.0.0.0/8')",
            "true && inIpRange(connection.src_ip, '10.0.0.0/8')",
        ),
    ],
)
def test_a_filter_that_keeps_everything_is_no_filter(
    expr: str | None, expected: str | None
) -> None:
    raw = {"name": "s", "logConfig": {"enable": True, "filterExpr": expr}}
    assert compute.subnetwork_attrs(raw)["filter_expr"] == expected
