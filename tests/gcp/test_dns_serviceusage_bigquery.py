"""Cloud DNS policies (the dns Client's JSON connection), Service Usage (GAPIC REST) and
BigQuery datasets (google-cloud-bigquery) through the real clients against a local HTTP
fake: the golden estate, paging, and error answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery as bq
from google.cloud import dns as gdns
from google.cloud import service_usage_v1

from scanner.model import Unknowable
from scanner.providers.gcp import bigquery, dns, serviceusage
from scanner.providers.gcp.fake import grpc as fake_grpc
from tests.gcp.grpcfake import write
from tests.gcp.restfake import serving

ESTATE = Path(fake_grpc.__file__).parent / "estate"
HOSTS = [dns.HOST, serviceusage.HOST, bigquery.HOST]
URL = "https://www.googleapis.com/compute/v1/projects"
WRITER = "service-300000000003@gcp-sa-logging.iam.gserviceaccount.com"


def _dns(endpoint: str) -> gdns.Client:
    return gdns.Client(
        project="scan",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": endpoint},
    )


def _su(endpoint: str) -> service_usage_v1.ServiceUsageClient:
    return service_usage_v1.ServiceUsageClient(
        credentials=AnonymousCredentials(),
        transport="rest",
        client_options={"api_endpoint": endpoint},
    )


def _bq(endpoint: str) -> bq.Client:
    return bq.Client(
        project="scan",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": endpoint},
    )


@pytest.fixture(scope="module")
def estate() -> Iterator[tuple[dict[str, str], list[Any]]]:
    with serving(ESTATE, HOSTS) as served:
        yield served


def _policies(endpoint: str, project: str) -> list[Any]:
    client = _dns(endpoint)
    return [r for page in dns.list_policies(client, project) for r in dns.policies(project, page)]


def test_golden_dns_policies(estate: tuple[dict[str, str], list[Any]]) -> None:
    endpoints, requests = estate
    (logged,) = _policies(endpoints[dns.HOST], "lw-logging")
    assert logged.attrs == {
        "name": "audit-dns-logging",
        "enable_logging": True,
        "networks": [f"{URL}/lw-logging/global/networks/audit-vpc"],
    }
    assert logged.id == "//dns.googleapis.com/projects/lw-logging/policies/audit-dns-logging"
    (unlogged,) = _policies(endpoints[dns.HOST], "prod-app")
    assert unlogged.attrs["enable_logging"] is False
    assert _policies(endpoints[dns.HOST], "dev-tools") == []
    assert ("dns.googleapis.com", "GET", "/dns/v1/projects/prod-app/policies", {}) in [
        (h, m, p, {k: v for k, v in q.items() if k != "prettyPrint"}) for h, m, p, q in requests
    ]


def test_dns_paging_and_errors(tmp_path: Path) -> None:
    write(
        tmp_path,
        dns.HOST,
        "dns/v1/projects/p/policies",
        {"policies": [{"name": "a", "enableLogging": True}], "nextPageToken": "page2"},
    )
    write(
        tmp_path,
        dns.HOST,
        "dns/v1/projects/p/policies.page2",
        {"policies": [{"name": "b", "networks": [{"networkUrl": f"{URL}/p/global/networks/n"}]}]},
    )
    write(
        tmp_path,
        dns.HOST,
        "dns/v1/projects/q/policies",
        {
            "error": {
                "code": 403,
                "status": "PERMISSION_DENIED",
                "message": "Cloud DNS API has not been used",
            }
        },
    )
    with serving(tmp_path, [dns.HOST]) as (endpoints, requests):
        found = _policies(endpoints[dns.HOST], "p")
        with pytest.raises(exceptions.Forbidden):
            _policies(endpoints[dns.HOST], "q")
    assert [(r.name, r.attrs["enable_logging"], r.attrs["networks"]) for r in found] == [
        ("a", True, []),
        ("b", False, [f"{URL}/p/global/networks/n"]),
    ]
    assert [r[3].get("pageToken") for r in requests][:2] == [None, "page2"]


def test_golden_cloud_asset_enabled(estate: tuple[dict[str, str], list[Any]]) -> None:
    endpoints, requests = estate
    client = _su(endpoints[serviceusage.HOST])
    got = {
        n: serviceusage.project_attrs(serviceusage.get_service(client, f"30000000000{n}"))
        for n in "12345"
    }
    assert got == {
        "1": {"cloudasset_enabled": True},
        "2": {"cloudasset_enabled": True},
        "3": {"cloudasset_enabled": True},
        "4": {"cloudasset_enabled": False},
        "5": {"cloudasset_enabled": True},
    }
    assert requests[-1][2] == "/v1/projects/300000000005/services/cloudasset.googleapis.com"


def test_service_usage_errors_and_unspecified(tmp_path: Path) -> None:
    svc = "services/cloudasset.googleapis.com"
    write(
        tmp_path,
        serviceusage.HOST,
        f"v1/projects/1/{svc}",
        {
            "error": {
                "code": 403,
                "status": "PERMISSION_DENIED",
                "message": "Service Usage API has not been used in project 1 or is disabled.",
            }
        },
    )
    write(
        tmp_path,
        serviceusage.HOST,
        f"v1/projects/2/{svc}",
        {"name": f"projects/2/{svc}", "parent": "projects/2"},
    )
    with serving(tmp_path, [serviceusage.HOST]) as (endpoints, _):
        client = _su(endpoints[serviceusage.HOST])
        with pytest.raises(exceptions.Forbidden):
            serviceusage.get_service(client, "1")
        unspecified = serviceusage.enabled(serviceusage.get_service(client, "2"))
    assert isinstance(unspecified, Unknowable)
    assert unspecified.error is False
    assert "STATE_UNSPECIFIED" in unspecified.reason


def test_golden_dataset_without_cmek(estate: tuple[dict[str, str], list[Any]]) -> None:
    endpoints, requests = estate
    ref = bigquery.destination("bigquery.googleapis.com/projects/prod-data/datasets/audit")
    assert ref == ("prod-data", "audit")
    raw = bigquery.get_dataset(_bq(endpoints[bigquery.HOST]), *ref)
    res = bigquery.dataset(bigquery.dataset_attrs(raw))
    assert res.attrs == {
        "dataset_id": "audit",
        "project": "prod-data",
        "location": "US",
        "access": [
            {"role": "WRITER", "member": "specialGroup:projectWriters"},
            {"role": "OWNER", "member": "specialGroup:projectOwners"},
            {"role": "READER", "member": "specialGroup:projectReaders"},
            {
                "role": "WRITER",
                "member": f"serviceAccount:{WRITER}",
            },
        ],
        "default_kms_key": None,
        "default_table_expiration_ms": None,
        "default_partition_expiration_ms": None,
    }
    assert res.id == "//bigquery.googleapis.com/projects/prod-data/datasets/audit"
    assert (res.account, res.region) == ("prod-data", "US")
    assert requests[-1][:3] == (
        "bigquery.googleapis.com",
        "GET",
        "/bigquery/v2/projects/prod-data/datasets/audit",
    )


def test_dataset_cmek_expirations_and_errors(tmp_path: Path) -> None:
    write(
        tmp_path,
        bigquery.HOST,
        "bigquery/v2/projects/p/datasets/d",
        {
            "datasetReference": {"projectId": "p", "datasetId": "d"},
            "location": "EU",
            "defaultEncryptionConfiguration": {
                "kmsKeyName": "projects/p/locations/eu/keyRings/r/cryptoKeys/k"
            },
            "defaultTableExpirationMs": "31536000000",
            "defaultPartitionExpirationMs": "86400000",
            "access": [
                {"role": "roles/bigquery.dataEditor", "iamMember": "principal://x"},
                {"role": "READER", "groupByEmail": "g@example.org"},
                {"role": "WRITER", "userByEmail": "u@example.org"},
                {"view": {"projectId": "p", "datasetId": "v", "tableId": "t"}},
            ],
        },
    )
    write(
        tmp_path,
        bigquery.HOST,
        "bigquery/v2/projects/p/datasets/denied",
        {
            "error": {
                "code": 403,
                "status": "PERMISSION_DENIED",
                "message": "Access Denied: Dataset p:denied",
                "errors": [
                    {"reason": "accessDenied", "message": "Access Denied", "domain": "global"}
                ],
            }
        },
    )
    with serving(tmp_path, [bigquery.HOST]) as (endpoints, _):
        client = _bq(endpoints[bigquery.HOST])
        attrs = bigquery.dataset_attrs(bigquery.get_dataset(client, "p", "d"))
        with pytest.raises(exceptions.Forbidden):
            bigquery.get_dataset(client, "p", "denied")
        with pytest.raises(exceptions.NotFound):
            bigquery.get_dataset(client, "p", "gone")
    assert attrs["default_kms_key"] == "projects/p/locations/eu/keyRings/r/cryptoKeys/k"
    assert attrs["default_table_expiration_ms"] == 31536000000
    assert attrs["default_partition_expiration_ms"] == 86400000
    assert attrs["access"] == [
        {"role": "roles/bigquery.dataEditor", "member": "principal://x"},
        {"role": "READER", "member": "group:g@example.org"},
        {"role": "WRITER", "member": "user:u@example.org"},
    ]


@pytest.mark.parametrize(
    ("dest", "expected"),
    [
        ("bigquery.googleapis.com/projects/p/datasets/d", ("p", "d")),
        ("bigquery.googleapis.com/projects/p/datasets/d/", ("p", "d")),
        ("bigquery.googleapis.com/projects/p", None),
        ("storage.googleapis.com/b", None),
    ],
)
def test_destination(dest: str, expected: tuple[str, str] | None) -> None:
    assert bigquery.destination(dest) == expected
