"""Cloud DNS policies (the dns Client's JSON connection), Service Usage (GAPIC REST) and
BigQuery datasets (google-cloud-bigquery) through the real clients, the gateway and the
collection loop: the golden estate, paging, and error answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.model import Unknowable
from scanner.providers.gcp import bigquery, dns, serviceusage
from tests.gcp.services_scan import errors, fault, golden, scan_estate

URL = "https://www.googleapis.com/compute/v1/projects"
WRITER = "service-300000000003@gcp-sa-logging.iam.gserviceaccount.com"
RM = "//cloudresourcemanager.googleapis.com/projects/"
DATASET = "//bigquery.googleapis.com/projects/prod-data/datasets/audit"


def test_golden_dns_policies() -> None:
    got, _, requests = golden()
    (logged,) = got.inventory.of_type(dns.POLICY, "lw-logging")
    assert logged.attrs == {
        "name": "audit-dns-logging",
        "enable_logging": True,
        "networks": [f"{URL}/lw-logging/global/networks/audit-vpc"],
    }
    assert logged.id == "//dns.googleapis.com/projects/lw-logging/policies/audit-dns-logging"
    (unlogged,) = got.inventory.of_type(dns.POLICY, "prod-app")
    assert unlogged.attrs["enable_logging"] is False
    assert got.inventory.of_type(dns.POLICY, "dev-tools") == []
    assert any(
        r.host == dns.HOST and r.path == "/dns/v1/projects/prod-app/policies" for r in requests
    )


def test_dns_paging_and_errors(estate_copy: Path) -> None:
    base = estate_copy / dns.HOST / "dns/v1/projects/dev-tools"
    (base / "policies.json").write_text(
        json.dumps({"policies": [{"name": "a", "enableLogging": True}], "nextPageToken": "page2"})
    )
    (base / "policies.page2.json").write_text(
        json.dumps(
            {
                "policies": [
                    {
                        "name": "b",
                        "networks": [{"networkUrl": f"{URL}/dev-tools/global/networks/n"}],
                    }
                ]
            }
        )
    )
    got, requests = scan_estate(
        estate_copy, [fault(dns.HOST, "/dns/v1/projects/prod-data/policies", 403)]
    )
    found = got.inventory.of_type(dns.POLICY, "dev-tools")
    assert [(r.name, r.attrs["enable_logging"], r.attrs["networks"]) for r in found] == [
        ("a", True, []),
        ("b", False, [f"{URL}/dev-tools/global/networks/n"]),
    ]
    asked = [
        r.query.get("pageToken")
        for r in requests
        if r.path == "/dns/v1/projects/dev-tools/policies"
    ]
    assert asked == [None, "page2"]
    assert errors(got, lambda e: e.operation == "policies.list") == [
        ("prod-data", "policies.list", "PERMISSION_DENIED", (dns.POLICY,), None)
    ]


def test_golden_cloud_asset_enabled() -> None:
    got, _, requests = golden()
    state = {r.account: r.attrs["cloudasset_enabled"] for r in got.inventory.of_type("gcp.project")}
    assert state == {
        "lw-logging": True,
        "prod-app": True,
        "prod-data": True,
        "dev-sandbox": False,
        "dev-tools": True,
    }
    # Asked by project number, as documented.
    assert any(
        r.path == "/v1/projects/300000000004/services/cloudasset.googleapis.com" for r in requests
    )
    sandbox = got.inventory.get(RM + "dev-sandbox")
    assert sandbox is not None and "services.get" in [e.operation for e in sandbox.evidence]


def test_service_usage_errors_and_unspecified(estate_copy: Path) -> None:
    svc = estate_copy / serviceusage.HOST / "v1/projects/300000000002/services"
    (svc / "cloudasset.googleapis.com.json").write_text(
        json.dumps(
            {
                "name": "projects/300000000002/services/cloudasset.googleapis.com",
                "parent": "projects/300000000002",
            }
        )
    )
    path = "/v1/projects/300000000005/services/cloudasset.googleapis.com"
    got, _ = scan_estate(estate_copy, [fault(serviceusage.HOST, path, 403)])
    denied = got.inventory.get(RM + "dev-tools").attrs["cloudasset_enabled"]  # type: ignore[union-attr]
    assert isinstance(denied, Unknowable) and denied.error
    assert "services.get" in denied.reason and "PERMISSION_DENIED" in denied.reason
    unspecified = got.inventory.get(RM + "prod-app").attrs["cloudasset_enabled"]  # type: ignore[union-attr]
    assert isinstance(unspecified, Unknowable) and not unspecified.error
    assert "STATE_UNSPECIFIED" in unspecified.reason
    assert errors(got, lambda e: e.operation == "services.get") == [
        ("dev-tools", "services.get", "PERMISSION_DENIED", (), None)
    ]


def test_golden_dataset_without_cmek() -> None:
    got, _, requests = golden()
    res = got.inventory.get(DATASET)
    # region is the location in lower case (one spelling across types); location as returned.
    assert res is not None and (res.account, res.region) == ("prod-data", "us")
    # The collected attributes (derivers add the policies' own, e.g. expirations in days).
    assert {k: res.attrs[k] for k in bigquery.dataset_attrs({})} == {
        "dataset_id": "audit",
        "project": "prod-data",
        "location": "US",
        "access": [
            {"role": "WRITER", "member": "specialGroup:projectWriters", "condition": None},
            {"role": "OWNER", "member": "specialGroup:projectOwners", "condition": None},
            {"role": "READER", "member": "specialGroup:projectReaders", "condition": None},
            {"role": "WRITER", "member": f"serviceAccount:{WRITER}", "condition": None},
        ],
        "default_kms_key": None,
        "default_table_expiration_ms": None,
        "default_partition_expiration_ms": None,
    }
    mine = [r for r in requests if r.host == bigquery.HOST]
    assert [r.path for r in mine] == ["/bigquery/v2/projects/prod-data/datasets/audit"]
    # The access policy schema that keeps conditions on access entries.
    assert mine[0].query.get("accessPolicyVersion") == "3"


def test_conditional_access_entries_keep_role_and_condition(estate_copy: Path) -> None:
    datasets = estate_copy / bigquery.HOST / "bigquery/v2/projects/prod-data/datasets"
    raw = json.loads((datasets / "audit.json").read_text())
    grant = {"role": "roles/bigquery.dataEditor", "userByEmail": "temp@example.org"}
    cond = {"title": "until 2027", "expression": "request.time < timestamp('2027-01-01T00:00:00Z')"}
    # What the API answers without accessPolicyVersion=3 (the documented mangled role, no
    # condition) and with it.
    mangled = {**grant, "role": "roles/bigquery.dataEditor_with_conditionalbinding_7a34awqsda"}
    (datasets / "audit.json").write_text(json.dumps({**raw, "access": [mangled]}))
    (datasets / "audit[accessPolicyVersion=3].json").write_text(
        json.dumps({**raw, "access": [{**grant, "condition": cond}]})
    )
    got, _ = scan_estate(estate_copy)
    attrs = got.inventory.get(DATASET).attrs  # type: ignore[union-attr]
    assert attrs["access"] == [
        {
            "role": "roles/bigquery.dataEditor",
            "member": "user:temp@example.org",
            "condition": {"title": "until 2027", "expression": cond["expression"]},
        }
    ]
    # The role is the real one, read by roles.get (not a role that does not exist).
    editor = got.inventory.get("//iam.googleapis.com/roles/bigquery.dataEditor")
    assert editor is not None and editor.placeholder is None


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"role": "READER", "userByEmail": "u@x.org"}, None),
        ({"role": "READER", "userByEmail": "u@x.org", "condition": {}}, None),
        (
            {"role": "READER", "userByEmail": "u@x.org", "condition": {"expression": "e"}},
            {"title": "", "expression": "e"},
        ),
        # Terraform writes blocks as lists.
        (
            {"role": "READER", "condition": [{"title": "t", "expression": "e"}]},
            {"title": "t", "expression": "e"},
        ),
    ],
)
def test_access_condition(entry: dict[str, object], expected: object) -> None:
    assert bigquery.condition(entry) == expected


def test_dataset_cmek_expirations_missing_and_denied(estate_copy: Path) -> None:
    path = estate_copy / bigquery.HOST / "bigquery/v2/projects/prod-data/datasets/audit.json"
    path.write_text(
        json.dumps(
            {
                "datasetReference": {"projectId": "prod-data", "datasetId": "audit"},
                "location": "EU",
                "defaultEncryptionConfiguration": {
                    "kmsKeyName": "projects/p/locations/eu/keyRings/r/cryptoKeys/k"
                },
                "defaultTableExpirationMs": "31536000000",
                "defaultPartitionExpirationMs": "86400000",
                "access": [
                    {"role": "roles/bigquery.dataOwner", "iamMember": "principal://x"},
                    {"role": "READER", "groupByEmail": "g@example.org"},
                    {"role": "WRITER", "userByEmail": "u@example.org"},
                    {"view": {"projectId": "p", "datasetId": "v", "tableId": "t"}},
                ],
            }
        )
    )
    got, _ = scan_estate(estate_copy)
    attrs = got.inventory.get(DATASET).attrs  # type: ignore[union-attr]
    assert attrs["default_kms_key"] == "projects/p/locations/eu/keyRings/r/cryptoKeys/k"
    assert attrs["default_table_expiration_ms"] == 31536000000
    assert attrs["default_partition_expiration_ms"] == 86400000
    assert attrs["access"] == [
        {"role": "roles/bigquery.dataOwner", "member": "principal://x", "condition": None},
        {"role": "READER", "member": "group:g@example.org", "condition": None},
        {"role": "WRITER", "member": "user:u@example.org", "condition": None},
    ]
    # An IAM role an access entry names is read like a bound one (no fixture: Absent).
    owner = got.inventory.get("//iam.googleapis.com/roles/bigquery.dataOwner")
    assert owner is not None and owner.placeholder is not None
    # The dataset's CMEK key is a log-store key: read like the others.
    assert (
        got.inventory.get(
            "//cloudkms.googleapis.com/projects/p/locations/eu/keyRings/r/cryptoKeys/k"
        )
        is not None
    )
    path.unlink()
    got, _ = scan_estate(estate_copy)
    gone = got.inventory.get(DATASET)
    assert gone is not None and gone.placeholder is not None
    assert "does not exist" in gone.placeholder.reason
    got, _ = scan_estate(
        estate_copy,
        [
            fault(
                bigquery.HOST, path.as_posix().split(bigquery.HOST, 1)[1].removesuffix(".json"), 403
            )
        ],
    )
    denied = got.inventory.get(DATASET)
    assert denied is not None and denied.placeholder is None
    assert isinstance(denied.attrs["default_kms_key"], Unknowable)
    assert denied.attrs["default_kms_key"].error
    assert errors(got, lambda e: e.operation == "datasets.get") == [
        ("prod-data", "datasets.get", "PERMISSION_DENIED", (), "projects/prod-data/datasets/audit")
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
