"""The golden estate collected through the real SDK clients: the hierarchy, IAM policies,
sinks, log buckets, metrics and destination buckets as the contract shapes them, and the
number of calls (and how it grows with projects)."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.model import Unknowable
from scanner.providers.gcp.collect import Request
from scanner.providers.gcp.fake import FakeGoogle
from tests.gcp.conftest import LOGGING, RM, by_id, scan


def test_hierarchy_from_one_paged_search(fake: FakeGoogle) -> None:
    got = scan(fake)
    projects = sorted(r.attrs["project_id"] for r in got.inventory.of_type("gcp.project"))
    assert projects == ["dev-sandbox", "dev-tools", "lw-logging", "prod-app", "prod-data"]
    assert sorted(got.facts.accounts) == projects
    app = by_id(got, RM + "projects/prod-app").attrs
    assert app["ancestors"] == ["folders/200000000001", "organizations/100000000001"]
    assert app["parent"] == "folders/200000000001"
    assert app["project_number"] == "300000000002"
    assert app["in_scan"] is True and app["state"] == "ACTIVE"
    assert app["audit_configs"] == []  # its own policy: inheritance is the deriver's
    org = by_id(got, RM + "organizations/100000000001").attrs
    assert org["ancestors"] == [] and org["parent"] is None
    assert org["audit_configs"] == [
        {
            "service": "allServices",
            "log_configs": [
                {"log_type": "ADMIN_READ", "exempted_members": []},
                {"log_type": "DATA_WRITE", "exempted_members": []},
            ],
        }
    ]
    assert {"role": "roles/viewer", "members": ["domain:example.org"], "condition": None} in org[
        "bindings"
    ]
    data = by_id(got, RM + "projects/prod-data").attrs
    assert data["audit_configs"][0]["log_configs"] == [
        {"log_type": "DATA_READ", "exempted_members": ["user:etl@example.org"]}
    ]
    conditional = [b for b in data["bindings"] if b["condition"]]
    assert conditional[0]["condition"]["title"] == "business hours"
    # Ancestry without a call per project: no projects.get, no folders.get.
    reads = [r.path for r in fake.requests if ":" not in r.path and r.host.startswith("cloudres")]
    assert not [p for p in reads if p.startswith(("/v3/projects/", "/v3/folders/"))]


def test_a_project_whose_policy_answers_403_is_an_error_there_only(fake: FakeGoogle) -> None:
    got = scan(fake)
    sandbox = by_id(got, RM + "projects/dev-sandbox").attrs
    for attr in ("audit_configs", "bindings"):
        value = sandbox[attr]
        assert isinstance(value, Unknowable) and value.error
        assert "projects.getIamPolicy" in value.reason and "PERMISSION_DENIED" in value.reason
    tools = by_id(got, RM + "projects/dev-tools").attrs
    assert tools["bindings"][0]["role"] == "roles/owner"
    failed = [(e.account, e.operation, e.code) for e in got.inventory.errors]
    # dev-sandbox is the estate's locked-down project: Monitoring and Cloud SQL Admin
    # disabled, roles unlistable.
    assert failed == [
        ("dev-sandbox", "projects.getIamPolicy", "PERMISSION_DENIED"),
        ("dev-sandbox", "alertPolicies.list", "SERVICE_DISABLED"),
        ("dev-sandbox", "notificationChannels.list", "SERVICE_DISABLED"),
        ("dev-sandbox", "roles.list", "PERMISSION_DENIED"),
        ("dev-sandbox", "instances.list", "SERVICE_DISABLED"),
    ]


def test_sinks_keep_every_field_the_policies_read(fake: FakeGoogle) -> None:
    got = scan(fake)
    folder = by_id(got, LOGGING + "folders/200000000001/sinks/prod-audit")
    assert folder.attrs["include_children"] is True
    assert folder.attrs["parent_type"] == "folder"
    assert folder.attrs["destination_type"] == "storage"
    assert folder.account == "folders/200000000001"
    assert sorted(folder.also_accounts) == ["prod-app", "prod-data"]
    old = by_id(got, LOGGING + "projects/prod-data/sinks/old-archive").attrs
    assert old["disabled"] is True and old["destination_type"] == "logging_bucket"
    partial = by_id(got, LOGGING + "projects/dev-tools/sinks/partial").attrs
    assert partial["filter"] == "severity>=ERROR"
    assert partial["exclusions"] == [
        {"name": "drop-audit", "filter": 'logName:"cloudaudit.googleapis.com"', "disabled": False}
    ]
    assert partial["intercept_children"] is False
    bq = by_id(got, LOGGING + "projects/prod-data/sinks/to-bq").attrs
    assert bq["destination_type"] == "bigquery" and bq["filter"] == ""


def test_log_buckets_and_metrics_across_pages(fake: FakeGoogle) -> None:
    got = scan(fake)
    locked = by_id(got, LOGGING + "projects/lw-logging/locations/global/buckets/audit-locked")
    assert locked.attrs == {
        "name": "projects/lw-logging/locations/global/buckets/audit-locked",
        "bucket_id": "audit-locked",
        "parent": "projects/lw-logging",
        "location": "global",
        "retention_days": 3650,
        "locked": True,
        "lifecycle_state": "ACTIVE",
        "cmek_key": "projects/lw-logging/locations/global/keyRings/audit/cryptoKeys/logbucket",
        "analytics_enabled": False,
        "restricted_fields": [],
    }
    default = by_id(got, LOGGING + "projects/prod-app/locations/global/buckets/_Default").attrs
    assert (default["retention_days"], default["locked"], default["cmek_key"]) == (30, False, None)
    metrics = [r for r in got.inventory.of_type("gcp.logging.metric") if r.account == "lw-logging"]
    assert len(metrics) == 8  # the CIS 2.4-2.11 metrics, over two pages
    one = by_id(got, LOGGING + "projects/prod-app/metrics/ownership-changes").attrs
    assert one["metric_type"] == "logging.googleapis.com/user/ownership-changes"
    assert (one["disabled"], one["metric_kind"], one["value_type"]) == (False, "DELTA", "INT64")


def test_the_destination_bucket_and_its_policy(fake: FakeGoogle) -> None:
    got = scan(fake)
    bucket = by_id(got, "//storage.googleapis.com/lw-audit-archive")
    assert bucket.account == "lw-logging" and bucket.region == "us"
    attrs = dict(bucket.attrs)
    bindings = attrs.pop("bindings")
    # derived by the GCP derivers after collection
    assert (attrs.pop("public_members"), attrs.pop("retention_days")) == ([], 400)
    assert attrs == {
        "name": "lw-audit-archive",
        "project_number": "300000000001",
        "location": "US",
        "retention_seconds": 400 * 86400,
        "retention_locked": True,
        "uniform_access": True,
        "public_access_prevention": "enforced",
        "default_kms_key": "projects/lw-logging/locations/us/keyRings/audit/cryptoKeys/archive",
        "soft_delete_seconds": 604800,
        "versioning": False,
    }
    writer = "serviceAccount:service-folder-200000000001@gcp-sa-logging.iam.gserviceaccount.com"
    assert {"role": "roles/storage.objectCreator", "members": [writer], "condition": None} in (
        bindings
    )


def test_evidence_is_each_pages_rest_json(fake: FakeGoogle) -> None:
    from scanner.evidence import EvidenceStore

    evidence = EvidenceStore()
    got = scan(fake, evidence=evidence)
    sink = by_id(got, LOGGING + "folders/200000000001/sinks/prod-audit")
    (ref,) = sink.evidence
    page = json.loads(evidence.get(ref.sha256) or b"{}")
    assert page["sinks"][0]["writerIdentity"].startswith("serviceAccount:service-folder")
    project = by_id(got, RM + "projects/prod-data")
    operations = [e.operation for e in project.evidence]
    assert operations == ["projects.search", "projects.getIamPolicy", "services.get"]


def test_projects_mode_resolves_ancestors_once(fake: FakeGoogle) -> None:
    got = scan(fake, Request(projects=["prod-app", "prod-data"]))
    assert sorted(got.facts.accounts) == ["prod-app", "prod-data"]
    app = by_id(got, RM + "projects/prod-app").attrs
    assert app["ancestors"] == ["folders/200000000001", "organizations/100000000001"]
    gets = [r.path for r in fake.requests if r.method == "GET" and r.host.startswith("cloudres")]
    assert sorted(gets) == [
        "/v3/folders/200000000001",
        "/v3/organizations/100000000001",
        "/v3/projects/prod-app",
        "/v3/projects/prod-data",
    ]
    # The folder's sink covers them, so it is read; dev's is not in scope.
    assert by_id(got, LOGGING + "folders/200000000001/sinks/prod-audit").also_accounts == (
        "prod-app",
        "prod-data",
    )
    assert not [r for r in fake.requests if "200000000002" in r.path]


def test_folders_mode_keeps_the_subtree_and_its_ancestors(fake: FakeGoogle) -> None:
    got = scan(fake, Request(folders=["200000000002"]))
    assert sorted(got.facts.accounts) == ["dev-sandbox", "dev-tools"]
    assert got.inventory.get(RM + "organizations/100000000001") is not None
    assert got.inventory.get(RM + "folders/200000000001") is None


def _calls(fake: FakeGoogle) -> int:
    return len(fake.requests)


def test_calls_of_the_golden_scan_and_their_growth(estate_copy: Path) -> None:
    """The golden scan's calls, and per added project: getIamPolicy, sinks, log buckets and
    metrics (four) and the service modules' nine, plus a search page per three projects of
    a level."""
    counts = []
    searches = []
    for extra in (0, 5, 10):
        _add_projects(estate_copy, extra)
        fake = FakeGoogle(estate_copy).start()
        try:
            got = scan(fake)
            assert len(got.facts.accounts) == 5 + extra
            counts.append((_calls(fake), got.facts.api_calls))
            searches.append(sum(r.path.endswith(":search") for r in fake.requests))
        finally:
            fake.stop()
    # 43 for the hierarchy, IAM policies and Cloud Logging, 62 for the service modules (per
    # project: alert policies, channels, subnetworks, networks, backend services, DNS
    # policies, the Cloud Asset API state, custom roles; plus the organization's custom roles
    # over two pages, eleven predefined roles, two keys with their policies and their two key
    # rings' policies, one dataset, two second pages), 5 for Cloud SQL (instances.list per
    # project). The gateway counts every request, failed ones included (dev-sandbox's
    # Monitoring lists, custom roles and Cloud SQL instances fail on their first page).
    # The hierarchy: folders.search and projects.search per level (organization, then its
    # two folders in one batch; the fake pages scoped answers three at a time), and the
    # cross-check's unscoped folder and project lists (two pages each).
    assert counts[0] == (110, 110)
    assert searches == [9, 10, 12]  # dev's 2, 7, 12 projects: 2, 3, 5 pages with prod's 2
    assert counts[1][0] - counts[0][0] == 5 * 13 + 1
    assert counts[2][0] - counts[1][0] == 5 * 13 + 2


def _add_projects(estate: Path, upto: int) -> None:
    rm = estate / "cloudresourcemanager.googleapis.com" / "v3"
    page = json.loads((rm / "projects@search.page2.json").read_text())
    page["projects"] = page["projects"][:2]
    for i in range(upto):
        pid = f"extra-{i:04d}"
        page["projects"].append(
            {
                "name": f"projects/4{i:011d}",
                "parent": "folders/200000000002",
                "projectId": pid,
                "state": "ACTIVE",
            }
        )
        (rm / "projects" / f"{pid}@getIamPolicy.json").write_text('{"version": 1}')
        logging = estate / "logging.googleapis.com" / "v2" / "projects" / pid
        (logging / "locations" / "-").mkdir(parents=True, exist_ok=True)
        for name in ("sinks", "metrics", "locations/-/buckets"):
            (logging / f"{name}.json").write_text("{}")
        # The service modules' per-project lists, empty (gcp-services' hosts).
        for host, path in (
            ("monitoring.googleapis.com", f"v3/projects/{pid}/alertPolicies"),
            ("monitoring.googleapis.com", f"v3/projects/{pid}/notificationChannels"),
            ("compute.googleapis.com", f"compute/v1/projects/{pid}/aggregated/subnetworks"),
            ("compute.googleapis.com", f"compute/v1/projects/{pid}/global/networks"),
            ("compute.googleapis.com", f"compute/v1/projects/{pid}/aggregated/backendServices"),
            ("dns.googleapis.com", f"dns/v1/projects/{pid}/policies"),
            ("iam.googleapis.com", f"v1/projects/{pid}/roles"),
            ("sqladmin.googleapis.com", f"v1/projects/{pid}/instances"),
            (
                "serviceusage.googleapis.com",
                f"v1/projects/4{i:011d}/services/cloudasset.googleapis.com",
            ),
        ):
            file = estate / host / f"{path}.json"
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text('{"state": "ENABLED"}' if host.startswith("serviceusage") else "{}")
    (rm / "projects@search.page2.json").write_text(json.dumps(page))
