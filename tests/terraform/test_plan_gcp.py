"""The google_* Terraform mappings: `terraform show -json` of the golden GCP estate (and edits
of it) mapped onto the GCP resource types the live scan collects, with "known after apply"
as unknown (never an error), each resource in its own project, and planned destruction of
log stores as findings."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from scanner.model import Resource, Status, Unknowable
from scanner.plan.inventory import PlanScan, plan_inventory
from scanner.plan.read import load_plan
from scanner.policy.engine import evaluate
from scanner.policy.loader import compile_policies, load_policies
from tests.terraform.planedit import change, expressions, unknown, values

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = FIXTURES / "gcp" / "golden-plan.json"
ROOT = Path(__file__).resolve().parents[2]
ORG = "organizations/100000000001"
PROD, DEV = "folders/200000000001", "folders/200000000002"
FOLDER_SINK = "//logging.googleapis.com/folders/200000000001/sinks/prod-audit"
ARCHIVE = "//storage.googleapis.com/lw-audit-archive"
ARCHIVE_KEY = "projects/lw-logging/locations/us/keyRings/audit/cryptoKeys/archive"
LOCKED = "//logging.googleapis.com/projects/lw-logging/locations/global/buckets/audit-locked"
LOGBUCKET_KEY = "projects/lw-logging/locations/global/keyRings/audit/cryptoKeys/logbucket"
PARTIAL = "//logging.googleapis.com/projects/dev-tools/sinks/partial"
OLD_ARCHIVE = "//logging.googleapis.com/projects/prod-data/sinks/old-archive"
TO_BQ = "//logging.googleapis.com/projects/prod-data/sinks/to-bq"
CHANNEL_OK = "//monitoring.googleapis.com/projects/lw-logging/notificationChannels/2001"
CHANNEL_UNVERIFIED = "//monitoring.googleapis.com/projects/prod-app/notificationChannels/2101"
RM = "//cloudresourcemanager.googleapis.com/"
SUBNETS = "//compute.googleapis.com/projects/prod-app/regions/us-central1/subnetworks/"


@cache
def _golden() -> dict[str, Any]:
    return load_plan(GOLDEN)


def golden() -> dict[str, Any]:
    return copy.deepcopy(_golden())


def scan(plan: dict[str, Any]) -> PlanScan:
    return plan_inventory(plan)


@cache
def golden_scan() -> PlanScan:
    return scan(golden())


def get(found: PlanScan, rid: str) -> Resource:
    res = found.inventory.get(rid)
    assert res is not None, (rid, sorted(r.id for r in found.inventory))
    return res


def attr(found: PlanScan, rid: str, name: str) -> Any:
    return get(found, rid).attrs[name]


def after_unknown(plan: dict[str, Any], address: str, attr_name: str) -> None:
    """The argument known only after apply (as a create or an update computing it shows it)."""
    values(plan, address).pop(attr_name, None)
    unknown(plan, address)[attr_name] = True


def set_actions(plan: dict[str, Any], address: str, actions: list[str]) -> None:
    change(plan, address)["actions"] = actions


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
    import jsonschema

    from scanner.model import _jsonable
    from scanner.providers import schema_files

    problems = []
    for resource in golden_scan().inventory:
        if resource.provider != "gcp" or resource.placeholder is not None:
            continue
        schema = json.loads(schema_files()[resource.type].read_text())
        document = {"attrs": _jsonable(resource.attrs)}
        for error in jsonschema.Draft202012Validator(schema).iter_errors(document):
            path = "/".join(map(str, error.absolute_path))
            problems.append(f"{resource.type} {resource.name}: {path}: {error.message}")
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
    # The provider sets nextRotationTime whenever it writes a rotation period.
    assert key.attrs["next_rotation_time"] == "set by the provider on apply: apply time + 7776000s"
    # What only Cloud KMS knows: unknown (not error) on a plan.
    assert isinstance(key.attrs["primary_state"], Unknowable)
    assert not key.attrs["primary_state"].error


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


# ----- defaults, project scope, known after apply ------------------------------------------


def test_omitted_arguments_take_the_provider_defaults() -> None:
    plan = golden()
    sink = "google_logging_project_sink.partial"
    for name in ("disabled", "exclusions", "filter"):
        values(plan, sink).pop(name)
    bucket = "google_logging_project_bucket_config.prod_app_default"
    for name in ("retention_days", "locked"):
        values(plan, bucket).pop(name)
    subnet = "google_compute_subnetwork.prod_app_a"
    values(plan, subnet)["log_config"] = [{}]
    found = scan(plan)
    assert attr(found, PARTIAL, "disabled") is False
    assert attr(found, PARTIAL, "filter") == ""
    assert attr(found, PARTIAL, "exclusions") == []
    rid = "//logging.googleapis.com/projects/prod-app/locations/global/buckets/_Default"
    assert (attr(found, rid, "retention_days"), attr(found, rid, "locked")) == (30, False)
    sid = f"{SUBNETS}app-private-logged"
    flow = get(found, sid).attrs
    # Provider defaults of an empty log_config: 5 s, half the flows, all metadata, and the
    # filter "true" (everything), which is no filter.
    assert (flow["flow_logs_enabled"], flow["flow_sampling"], flow["filter_expr"]) == (
        True,
        0.5,
        None,
    )
    assert flow["aggregation_interval"] == "INTERVAL_5_SEC"


def test_project_from_the_provider_configuration() -> None:
    plan = golden()
    values(plan, "google_logging_project_sink.partial").pop("project")
    found = scan(plan)
    # The provider configuration's project (lw-logging) when the resource names none.
    rid = "//logging.googleapis.com/projects/lw-logging/sinks/partial"
    assert get(found, rid).account == "lw-logging"
    assert attr(found, rid, "parent") == "projects/lw-logging"


def test_project_known_after_apply_leaves_the_id_unknown_not_an_error() -> None:
    plan = golden()
    after_unknown(plan, "google_logging_project_sink.partial", "project")
    found = scan(plan)
    sink = get(found, "google_logging_project_sink.partial")
    assert sink.account == "plan"
    parent = sink.attrs["parent"]
    assert isinstance(parent, Unknowable) and not parent.error
    assert "known after apply" in parent.reason


@pytest.mark.parametrize(
    ("address", "name", "rid", "attribute"),
    [
        (
            "google_logging_folder_sink.prod_audit",
            "writer_identity",
            FOLDER_SINK,
            "writer_identity",
        ),
        ("google_logging_folder_sink.prod_audit", "exclusions", FOLDER_SINK, "exclusions"),
        ("google_storage_bucket.archive", "retention_policy", ARCHIVE, "retention_seconds"),
        ("google_storage_bucket.archive", "retention_policy", ARCHIVE, "retention_locked"),
        (
            "google_monitoring_notification_channel.secops_email",
            "verification_status",
            CHANNEL_OK,
            "verification_status",
        ),
        ("google_logging_project_bucket_config.audit_locked", "locked", LOCKED, "locked"),
        (
            "google_logging_project_bucket_config.audit_locked",
            "retention_days",
            LOCKED,
            "retention_days",
        ),
    ],
)
def test_known_after_apply_is_unknown_never_error(
    address: str, name: str, rid: str, attribute: str
) -> None:
    plan = golden()
    after_unknown(plan, address, name)
    value = attr(scan(plan), rid, attribute)
    assert isinstance(value, Unknowable), value
    assert not value.error
    assert "known after apply" in value.reason


def test_destination_known_after_apply_follows_the_configuration_reference() -> None:
    """`destination = "storage.googleapis.com/${google_storage_bucket.archive.name}"` on a
    create: the value is unknown, the reference still names the plan's bucket."""
    plan = golden()
    after_unknown(plan, "google_logging_folder_sink.prod_audit", "destination")
    found = scan(plan)
    sink = get(found, FOLDER_SINK)
    assert sink.attrs["destination"] == "storage.googleapis.com/lw-audit-archive"
    assert sink.attrs["destination_type"] == "storage"
    assert sink.links["destination"].targets == (ARCHIVE,)
    # Without a reference the destination itself stays unknown.
    expressions(plan, "google_logging_folder_sink.prod_audit")["destination"] = {}
    found = scan(plan)
    dest = attr(found, FOLDER_SINK, "destination")
    assert isinstance(dest, Unknowable) and not dest.error
    assert isinstance(attr(found, FOLDER_SINK, "destination_type"), Unknowable)


def test_literal_destination_outside_the_plan_is_not_in_this_plan() -> None:
    plan = golden()
    sink = "google_logging_project_sink.to_bq"
    values(plan, sink)["destination"] = "storage.googleapis.com/elsewhere-archive"
    expressions(plan, sink)["destination"] = {"constant_value": "storage.googleapis.com/x"}
    found = scan(plan)
    placeholder = get(found, "//storage.googleapis.com/elsewhere-archive")
    assert isinstance(placeholder.placeholder, Unknowable)
    assert "not in this plan" in placeholder.placeholder.reason
    assert get(found, TO_BQ).links["destination"].targets == (
        "//storage.googleapis.com/elsewhere-archive",
    )


def test_org_sink_including_children_covers_every_project_below() -> None:
    plan = golden()
    raw = next(
        r
        for r in plan["planned_values"]["root_module"]["resources"]
        if r["address"] == "google_logging_folder_sink.prod_audit"
    )
    org_sink = copy.deepcopy(raw)
    org_sink.update(
        address="google_logging_organization_sink.all",
        type="google_logging_organization_sink",
        name="all",
    )
    org_sink["values"].pop("folder")
    org_sink["values"].update(org_id="100000000001", name="org-all", intercept_children=True)
    plan["planned_values"]["root_module"]["resources"].append(org_sink)
    found = scan(plan)
    sink = get(found, "//logging.googleapis.com/organizations/100000000001/sinks/org-all")
    assert sink.account == ORG
    assert sink.attrs["intercept_children"] is True
    assert sink.attrs["parent_type"] == "organization"
    assert sink.also_accounts == ("dev-sandbox", "dev-tools", "lw-logging", "prod-app", "prod-data")


def test_folder_outside_the_plan_leaves_the_ancestry_unknown() -> None:
    plan = golden()
    values(plan, "google_project.dev_tools")["folder_id"] = "299999999999"
    found = scan(plan)
    project = get(found, f"{RM}projects/dev-tools")
    ancestors = project.attrs["ancestors"]
    assert isinstance(ancestors, Unknowable) and not ancestors.error
    assert "folders/299999999999 is not in this plan" in ancestors.reason
    folder = get(found, f"{RM}folders/299999999999")
    assert isinstance(folder.attrs["parent"], Unknowable)


def test_iam_policy_documents_set_audit_configs_and_bindings() -> None:
    plan = golden()
    document = {
        "bindings": [{"role": "roles/logging.admin", "members": ["user:bob@example.org"]}],
        "auditConfigs": [
            {
                "service": "allServices",
                "auditLogConfigs": [{"logType": "DATA_READ", "exemptedMembers": ["user:x@y.z"]}],
            }
        ],
    }
    resources = plan["planned_values"]["root_module"]["resources"]
    resources.append(
        {
            "address": "google_project_iam_policy.tools",
            "mode": "managed",
            "type": "google_project_iam_policy",
            "name": "tools",
            "values": {"project": "dev-tools", "policy_data": json.dumps(document)},
        }
    )
    found = scan(plan)
    project = get(found, f"{RM}projects/dev-tools")
    assert project.attrs["audit_configs"] == [
        {
            "service": "allServices",
            "log_configs": [{"log_type": "DATA_READ", "exempted_members": ["user:x@y.z"]}],
        }
    ]
    assert project.attrs["bindings"] == [
        {"role": "roles/logging.admin", "members": ["user:bob@example.org"], "condition": None}
    ]


def test_audit_config_of_a_project_known_after_apply_makes_every_project_unknown() -> None:
    plan = golden()
    after_unknown(plan, "google_project_iam_audit_config.prod_data", "project")
    found = scan(plan)
    for pid in ("prod-app", "dev-tools"):
        configs = attr(found, f"{RM}projects/{pid}", "audit_configs")
        assert isinstance(configs, Unknowable) and not configs.error


def test_new_channel_verification_is_unknown() -> None:
    plan = golden()
    address = "google_monitoring_notification_channel.prod_app_oncall"
    set_actions(plan, address, ["create"])
    for name in ("name", "verification_status", "id"):
        after_unknown(plan, address, name)
    after_unknown(
        plan,
        "google_monitoring_alert_policy.prod_app_ownership_changes",
        "notification_channels",
    )
    found = scan(plan)
    channel = get(found, address)
    assert isinstance(channel.attrs["verification_status"], Unknowable)
    # The alert policy still reaches it by its configuration reference.
    alert = get(found, "//monitoring.googleapis.com/projects/prod-app/alertPolicies/1101")
    assert alert.links["notification_channels"].targets == (address,)
    assert alert.attrs["notification_channels"] == [address]


# ----- destroyed log stores ----------------------------------------------------------------


def _changes(found: PlanScan) -> dict[str, Resource]:
    return {r.name: r for r in found.inventory if r.type == "gcp.plan.log_store_change"}


@pytest.fixture(scope="module")
def store_policy() -> list[Any]:
    return [
        c
        for c in compile_policies(load_policies(), {})
        if c.policy.id == "gcp-plan-log-store-not-destroyed"
    ]


@pytest.mark.parametrize(
    ("address", "actions", "expected"),
    [
        ("google_logging_project_bucket_config.audit_locked", ["delete"], Status.FAIL),
        ("google_logging_folder_sink.prod_audit", ["delete", "create"], Status.FAIL),
        ("google_logging_project_sink.partial", ["create", "delete"], Status.FAIL),
        ("google_logging_project_sink.partial", ["update"], Status.PASS),
        ("google_organization_iam_audit_config.org", ["delete"], Status.FAIL),
        # The bucket the folder sink writes to (its destination names it).
        ("google_storage_bucket.archive", ["delete"], Status.FAIL),
        ("google_storage_bucket.archive", ["update"], Status.PASS),
        # The dataset a sink writes to.
        ("google_bigquery_dataset.audit", ["delete", "create"], Status.FAIL),
    ],
)
def test_planned_changes_of_log_stores(
    address: str, actions: list[str], expected: Status, store_policy: list[Any]
) -> None:
    plan = golden()
    set_actions(plan, address, actions)
    found = scan(plan)
    changed = _changes(found)
    assert set(changed) == {address}
    assert changed[address].attrs["destroys"] is ("delete" in actions)
    (finding,) = evaluate(store_policy, found.inventory)
    assert finding.status is expected, finding.message


def test_destroying_a_bucket_no_sink_writes_to_is_not_a_log_store_change() -> None:
    plan = golden()
    set_actions(plan, "google_storage_bucket.archive", ["delete"])
    for side in ("before", "after"):
        change(plan, "google_logging_folder_sink.prod_audit")[side]["destination"] = "pubsub.x/y"
    plan["prior_state"]["values"]["root_module"]["resources"] = []
    expressions(plan, "google_logging_folder_sink.prod_audit")["destination"] = {}
    expressions(plan, "google_storage_bucket_iam_member.archive_writer")["bucket"] = {}
    # Its retention is still locked: destroying it is a log store change all the same.
    assert set(_changes(scan(plan))) == {"google_storage_bucket.archive"}
    change(plan, "google_storage_bucket.archive")["before"]["retention_policy"] = []
    assert _changes(scan(plan)) == {}


def test_a_deleted_sink_is_named_in_the_plan_limits() -> None:
    plan = golden()
    set_actions(plan, "google_logging_project_sink.partial", ["delete"])
    assert scan(plan).deleted == ["google_logging_project_sink.partial"]


# ----- the plan benchmark's GCP stacks and the SDK-free plan run ---------------------------


def test_the_plan_benchmarks_google_resources_are_all_evaluated() -> None:
    from bench import plangen

    found = plan_inventory(plangen.generate(600, 3))
    assert not [t for t in found.not_evaluated if t.startswith("google_")]
    gcp = [r for r in found.inventory if r.provider == "gcp" and r.placeholder is None]
    kinds = {r.type for r in gcp}
    assert {"gcp.logging.sink", "gcp.logging.bucket", "gcp.storage.bucket", "gcp.kms.key"} <= kinds
    sinks = [r for r in gcp if r.type == "gcp.logging.sink"]
    # Each benchmark sink writes to the bucket of its stack, by reference or by name.
    assert all(r.links["destination"].targets for r in sinks)
    assert all(r.account.startswith("acme-prod-") for r in sinks)


def test_plan_of_gcp_runs_without_any_google_sdk(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "for name in ('google.cloud', 'google.api_core', 'google.auth', 'grpc'):\n"
        "    sys.modules[name] = None\n"
        "from scanner.cli import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "plan",
            str(GOLDEN),
            "--assume-complete",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert "ModuleNotFoundError" not in result.stderr
