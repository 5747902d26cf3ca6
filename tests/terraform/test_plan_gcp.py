"""The google_* Terraform mappings: `terraform show -json` of the golden GCP estate mapped onto
the GCP resource types the live scan collects, each resource in its own project."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.model import Unknowable
from tests.terraform.gcpplan import (
    ARCHIVE,
    ARCHIVE_KEY,
    CHANNEL_OK,
    CHANNEL_UNVERIFIED,
    FOLDER_SINK,
    LOCKED,
    LOGBUCKET_KEY,
    OLD_ARCHIVE,
    ORG,
    PARTIAL,
    PROD,
    RM,
    SUBNETS,
    TO_BQ,
    after_unknown,
    attr,
    get,
    golden,
    golden_scan,
    scan,
    schema_problems,
    set_actions,
)
from tests.terraform.planedit import change, values

# ----- the golden plan as the live scan would see the same estate ----------------------------


def test_golden_plan_maps_every_google_resource() -> None:
    found = golden_scan()
    assert found.not_evaluated == {}
    types = sorted({r.type for r in found.inventory if r.provider == "gcp" and not r.placeholder})
    assert types == [
        "gcp.bigquery.dataset",
        "gcp.compute.backend_service",
        "gcp.compute.network",
        "gcp.compute.subnetwork",
        "gcp.dns.policy",
        "gcp.folder",
        "gcp.kms.key",
        "gcp.logging.bucket",
        "gcp.logging.metric",
        "gcp.logging.sink",
        "gcp.monitoring.alert_policy",
        "gcp.monitoring.channel",
        "gcp.organization",
        "gcp.project",
        "gcp.sql.instance",
        "gcp.storage.bucket",
    ]
    # Nothing is destroyed or changed: an applied estate, re-planned.
    assert not [r for r in found.inventory if r.type == "gcp.plan.log_store_change"]


def test_golden_resources_carry_their_own_project_as_account() -> None:
    found = golden_scan()
    assert get(found, FOLDER_SINK).account == PROD
    assert get(found, ARCHIVE).account == "lw-logging"
    assert get(found, TO_BQ).account == "prod-data"
    assert get(found, f"{RM}{ORG}").account == ORG
    assert get(found, f"{RM}projects/dev-tools").account == "dev-tools"
    subnet = f"{SUBNETS}app-private-nolog"
    assert get(found, subnet).region == "us-central1"


def test_golden_resources_match_the_resource_schemas() -> None:
    problems = schema_problems(golden_scan())
    assert not problems, "\n".join(problems)


def test_folder_sink_as_the_logging_api_reports_it() -> None:
    found = golden_scan()
    sink = get(found, FOLDER_SINK)
    # Derived from the bucket's IAM grant to the sink's writer identity (in the plan too).
    assert sink.attrs["writer_can_write"] is True
    assert sink.attrs["intercepted_by"] == []  # derived: no ancestor sink intercepts
    derived = ("writer_can_write", "intercepted_by")
    assert {k: v for k, v in sink.attrs.items() if k not in derived} == {
        "name": "prod-audit",
        "parent": PROD,
        "parent_type": "folder",
        "destination": "storage.googleapis.com/lw-audit-archive",
        "destination_type": "storage",
        "filter": "",
        "disabled": False,
        "exclusions": [],
        "include_children": True,
        "intercept_children": False,
        "writer_identity": "serviceAccount:service-folder-200000000001@gcp-sa-logging"
        ".iam.gserviceaccount.com",
    }
    # The projects below the folder count the sink as theirs (account-scope policies).
    assert sink.also_accounts == ("prod-app", "prod-data")
    assert sink.links["destination"].targets == (ARCHIVE,)


def test_sink_exclusions_disabled_and_filters() -> None:
    found = golden_scan()
    assert attr(found, PARTIAL, "filter") == "severity>=ERROR"
    assert attr(found, PARTIAL, "exclusions") == [
        {"name": "drop-audit", "filter": 'logName:"cloudaudit.googleapis.com"', "disabled": False}
    ]
    assert attr(found, OLD_ARCHIVE, "disabled") is True
    assert attr(found, TO_BQ, "disabled") is False
    assert attr(found, TO_BQ, "destination_type") == "bigquery"
    assert get(found, TO_BQ).links["destination"].targets == (
        "//bigquery.googleapis.com/projects/prod-data/datasets/audit",
    )


def test_locked_and_unlocked_log_buckets() -> None:
    found = golden_scan()
    locked = get(found, LOCKED)
    assert (locked.attrs["locked"], locked.attrs["retention_days"]) == (True, 3650)
    assert locked.attrs["cmek_key"] == LOGBUCKET_KEY
    assert locked.links["kms_key"].targets == (f"//cloudkms.googleapis.com/{LOGBUCKET_KEY}",)
    assert locked.links["sinks"].targets == (
        "//logging.googleapis.com/projects/lw-logging/sinks/all-to-logbucket",
    )
    default = get(
        found, "//logging.googleapis.com/projects/prod-app/locations/global/buckets/_Default"
    )
    assert (default.attrs["locked"], default.attrs["retention_days"]) == (False, 30)
    assert default.attrs["cmek_key"] is None
    assert default.attrs["name"] == "projects/prod-app/locations/global/buckets/_Default"


def test_destination_bucket_and_its_key() -> None:
    found = golden_scan()
    bucket = get(found, ARCHIVE)
    # Derived as on the live side (scanner.providers.gcp.derive).
    assert bucket.attrs["public_members"] == []
    assert bucket.attrs["retention_days"] == 400
    assert bucket.region == "us"
    derived = ("public_members", "retention_days")
    assert {k: v for k, v in bucket.attrs.items() if k not in derived} == {
        "name": "lw-audit-archive",
        "project_number": "300000000001",
        "location": "US",
        "retention_seconds": 400 * 86400,
        "retention_locked": True,
        "uniform_access": True,
        "public_access_prevention": "enforced",
        "default_kms_key": ARCHIVE_KEY,
        "soft_delete_seconds": 604800,
        "versioning": False,
        "bindings": [
            {
                "role": "roles/storage.objectCreator",
                "members": [
                    "serviceAccount:service-folder-200000000001@gcp-sa-logging"
                    ".iam.gserviceaccount.com"
                ],
                "condition": None,
            }
        ],
    }
    key = get(found, f"//cloudkms.googleapis.com/{ARCHIVE_KEY}")
    assert key.attrs["rotation_period_seconds"] == 90 * 86400
    assert key.links["protects"].targets == (ARCHIVE,)
    # The plan leaves the key alone: its nextRotationTime is what Cloud KMS holds, not in the
    # plan.
    assert isinstance(key.attrs["next_rotation_time"], Unknowable)
    # The provider reads the primary version back into state.
    assert key.attrs["primary_state"] == "ENABLED"


@pytest.mark.parametrize(
    ("period", "rotation", "next_rotation"),
    [
        ("7776000s", 7776000, str),
        ("7776000.5s", 7776000, str),
        (None, None, type(None)),
        ("", None, type(None)),
        (Unknowable("known after apply: x"), Unknowable, Unknowable),
    ],
)
def test_key_rotation_period_and_next_rotation(
    period: Any, rotation: Any, next_rotation: Any
) -> None:
    plan = golden()
    address = "google_kms_crypto_key.archive"
    set_actions(plan, address, ["create"])  # a new key: the provider writes both
    if isinstance(period, Unknowable):
        after_unknown(plan, address, "rotation_period")
    else:
        values(plan, address)["rotation_period"] = period
    key = get(scan(plan), f"//cloudkms.googleapis.com/{ARCHIVE_KEY}").attrs
    if rotation is Unknowable:
        assert isinstance(key["rotation_period_seconds"], Unknowable)
    else:
        assert key["rotation_period_seconds"] == rotation
    assert isinstance(key["next_rotation_time"], next_rotation)


def test_hierarchy_ancestry_and_audit_configs() -> None:
    found = golden_scan()
    prod_app = get(found, f"{RM}projects/prod-app")
    assert prod_app.attrs["parent"] == PROD
    assert prod_app.attrs["ancestors"] == [PROD, ORG]
    assert prod_app.attrs["audit_configs"] == []
    assert prod_app.attrs["project_number"] == "300000000002"
    assert prod_app.attrs["cloudasset_enabled"] is True
    assert attr(found, f"{RM}projects/dev-sandbox", "cloudasset_enabled") is False
    assert attr(found, f"{RM}projects/prod-data", "audit_configs") == [
        {
            "service": "allServices",
            "log_configs": [
                {"log_type": "DATA_READ", "exempted_members": ["user:etl@example.org"]}
            ],
        }
    ]
    assert attr(found, f"{RM}{PROD}", "audit_configs") == [
        {
            "service": "allServices",
            "log_configs": [{"log_type": "DATA_READ", "exempted_members": []}],
        }
    ]
    org = get(found, f"{RM}{ORG}")
    assert org.attrs["ancestors"] == [] and org.attrs["parent"] is None
    assert [c["log_type"] for c in org.attrs["audit_configs"][0]["log_configs"]] == [
        "ADMIN_READ",
        "DATA_WRITE",
    ]
    assert {b["role"] for b in org.attrs["bindings"]} == {
        "roles/owner",
        "roles/logging.admin",
        "roles/viewer",
    }


def test_monitoring_channels_and_alert_policies() -> None:
    found = golden_scan()
    assert attr(found, CHANNEL_OK, "verification_status") == "VERIFIED"
    assert attr(found, CHANNEL_UNVERIFIED, "verification_status") == "UNVERIFIED"
    alert = get(found, "//monitoring.googleapis.com/projects/prod-app/alertPolicies/1101")
    assert alert.attrs["notification_channels"] == ["projects/prod-app/notificationChannels/2101"]
    assert alert.attrs["conditions"][0]["metric_types"] == [
        "logging.googleapis.com/user/ownership-changes"
    ]
    assert alert.links["notification_channels"].targets == (CHANNEL_UNVERIFIED,)
    metric = "//logging.googleapis.com/projects/prod-app/metrics/ownership-changes"
    assert alert.links["metrics"].targets == (metric,)


def test_network_logging() -> None:
    found = golden_scan()
    base = "//compute.googleapis.com/projects/prod-app/"
    a = get(found, f"{base}regions/us-central1/subnetworks/app-private-logged").attrs
    assert (a["flow_logs_enabled"], a["aggregation_interval"], a["flow_sampling"]) == (
        True,
        "INTERVAL_5_SEC",
        1.0,
    )
    assert a["metadata"] == "INCLUDE_ALL_METADATA"
    b = get(found, f"{base}regions/us-central1/subnetworks/app-private-nolog").attrs
    assert b["flow_logs_enabled"] is False and b["flow_sampling"] is None
    proxy = get(found, f"{base}regions/europe-west1/subnetworks/app-proxy-only").attrs
    assert proxy["purpose"] == "REGIONAL_MANAGED_PROXY"
    # prod-app's default network has a DNS policy, without logging.
    forwarding = "//dns.googleapis.com/projects/prod-app/policies/default-forwarding"
    assert get(found, f"{base}global/networks/default").links["dns_policies"].targets == (
        forwarding,
    )
    assert attr(found, forwarding, "enable_logging") is False
    logged = get(found, "//compute.googleapis.com/projects/lw-logging/global/networks/audit-vpc")
    assert logged.links["dns_policies"].targets == (
        "//dns.googleapis.com/projects/lw-logging/policies/audit-dns-logging",
    )
    backend = get(found, f"{base}global/backendServices/web-backend").attrs
    assert (backend["protocol"], backend["logging_enabled"]) == ("HTTPS", False)


@pytest.mark.parametrize(
    ("actions", "before_period", "known"),
    [
        (["no-op"], "7776000s", False),
        # An update that leaves rotation_period alone writes no nextRotationTime.
        (["update"], "7776000s", False),
        # Changing the period writes nextRotationTime with it.
        (["update"], "31536000s", True),
        (["delete", "create"], "7776000s", True),
    ],
    ids=["no-op", "update-other", "update-period", "replace"],
)
def test_next_rotation_is_known_only_when_the_provider_writes_it(
    actions: list[str], before_period: str, known: bool
) -> None:
    """A key the plan leaves alone may have had its next rotation moved years ahead outside
    Terraform: the plan cannot say it is due within 90 days (CIS 1.10)."""
    plan = golden()
    address = "google_kms_crypto_key.archive"
    set_actions(plan, address, actions)
    change(plan, address)["before"]["rotation_period"] = before_period
    value = attr(scan(plan), f"//cloudkms.googleapis.com/{ARCHIVE_KEY}", "next_rotation_time")
    if known:
        assert value == "set by the provider on apply: apply time + 7776000s"
    else:
        assert isinstance(value, Unknowable) and not value.error
