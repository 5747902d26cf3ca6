"""Compute subnetworks, networks and backend services through the real google-cloud-compute
REST clients against a local HTTP fake: the golden estate (an aggregated list over two pages,
flow logs on, off and not applicable), an aggregated answer with unreachable scopes, and a
project whose Compute API is disabled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

from scanner.providers.gcp import compute
from scanner.providers.gcp.fake import grpc as fake_grpc
from tests.gcp.grpcfake import write
from tests.gcp.restfake import serving

ESTATE = Path(fake_grpc.__file__).parent / "estate"
URL = "https://www.googleapis.com/compute/v1/projects"


def _client(cls: Any, endpoint: str) -> Any:
    return cls(
        credentials=AnonymousCredentials(),
        transport="rest",
        client_options={"api_endpoint": endpoint},
    )


@pytest.fixture(scope="module")
def estate() -> Iterator[tuple[str, list[Any]]]:
    with serving(ESTATE, [compute.HOST]) as (endpoints, requests):
        yield endpoints[compute.HOST], requests


def _subnets(endpoint: str, project: str) -> dict[str, Any]:
    api = _client(compute_v1.SubnetworksClient, endpoint)
    return {
        r.name: r
        for page in compute.list_subnetworks(api, project)
        for r in compute.subnetworks(project, page)
    }


def test_golden_subnetworks_across_pages(estate: tuple[str, list[Any]]) -> None:
    endpoint, requests = estate
    before = len(requests)
    found = _subnets(endpoint, "prod-app")
    paths = [(r[2], r[3].get("pageToken")) for r in requests[before:]]
    assert paths == [
        ("/compute/v1/projects/prod-app/aggregated/subnetworks", None),
        ("/compute/v1/projects/prod-app/aggregated/subnetworks", "page2"),
    ]
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
    assert proxy.id == (
        "//compute.googleapis.com/projects/prod-app/regions/europe-west1/subnetworks/app-proxy-only"
    )
    (audit,) = _subnets(endpoint, "lw-logging").values()
    assert audit.attrs["flow_logs_enabled"] is True
    assert _subnets(endpoint, "dev-tools") == {}


def test_golden_networks_and_backend_services(estate: tuple[str, list[Any]]) -> None:
    endpoint, _ = estate
    nets = _client(compute_v1.NetworksClient, endpoint)
    (default,) = [
        r for p in compute.list_networks(nets, "prod-app") for r in compute.networks("prod-app", p)
    ]
    assert default.attrs == {
        "name": "default",
        "self_link": f"{URL}/prod-app/global/networks/default",
        "auto_create_subnetworks": True,
    }
    assert default.id == "//compute.googleapis.com/projects/prod-app/global/networks/default"
    assert [
        r
        for p in compute.list_networks(nets, "dev-tools")
        for r in compute.networks("dev-tools", p)
    ] == []
    bes = _client(compute_v1.BackendServicesClient, endpoint)
    (web,) = [
        r
        for p in compute.list_backend_services(bes, "prod-app")
        for r in compute.backend_services("prod-app", p)
    ]
    assert web.attrs == {
        "name": "web-backend",
        "region": "global",
        "load_balancing_scheme": "EXTERNAL_MANAGED",
        "protocol": "HTTPS",
        "logging_enabled": False,
        "sample_rate": None,
    }
    assert web.id == "//compute.googleapis.com/projects/prod-app/global/backendServices/web-backend"
    assert [
        r
        for p in compute.list_backend_services(bes, "lw-logging")
        for r in compute.backend_services("lw-logging", p)
    ] == []


def test_unreachable_scopes_and_disabled_api(tmp_path: Path) -> None:
    base = "compute/v1/projects/p/aggregated"
    write(
        tmp_path,
        compute.HOST,
        f"{base}/subnetworks",
        {
            "items": {
                "regions/us-east1": {
                    "subnetworks": [
                        {
                            "name": "s",
                            "selfLink": f"{URL}/p/regions/us-east1/subnetworks/s",
                            "region": f"{URL}/p/regions/us-east1",
                            "network": f"{URL}/p/global/networks/n",
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
        },
    )
    write(
        tmp_path,
        compute.HOST,
        f"{base}/backendServices",
        {
            "error": {
                "code": 403,
                "status": "PERMISSION_DENIED",
                "message": "Compute Engine API has not been used in project p or it is disabled.",
            }
        },
    )
    with serving(tmp_path, [compute.HOST]) as (endpoints, _):
        endpoint = endpoints[compute.HOST]
        (page,) = compute.list_subnetworks(_client(compute_v1.SubnetworksClient, endpoint), "p")
        with pytest.raises(exceptions.Forbidden):
            list(
                compute.list_backend_services(
                    _client(compute_v1.BackendServicesClient, endpoint), "p"
                )
            )
    assert compute.unreachable(page) == ["regions/me-central2"]
    (s,) = compute.subnetworks("p", page)
    # logConfig.enable wins over the legacy field; every parameter as set, none defaulted.
    assert s.attrs["flow_logs_enabled"] is True
    assert (s.attrs["aggregation_interval"], s.attrs["flow_sampling"], s.attrs["metadata"]) == (
        "INTERVAL_10_MIN",
        0.5,
        "CUSTOM_METADATA",
    )
    assert s.attrs["filter_expr"] == "inIpRange(connection.src_ip, '10.0.0.0/8')"


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
