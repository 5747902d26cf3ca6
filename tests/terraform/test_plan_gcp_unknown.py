"""The google_* Terraform mappings on edits of the golden plan: omitted arguments take the
provider's defaults, the project comes from the resource or its provider configuration, and a
value known only after apply is unknown (never an error) while configuration references still
link."""

from __future__ import annotations

import copy
import json

import pytest

from scanner.model import Status, Unknowable
from scanner.plan.inventory import PlanScan
from scanner.policy.engine import evaluate
from scanner.policy.loader import compile_policies, load_policies
from tests.terraform.gcpplan import (
    ARCHIVE,
    ARCHIVE_KEY,
    CHANNEL_OK,
    FOLDER_SINK,
    LOCKED,
    ORG,
    PARTIAL,
    RM,
    SUBNETS,
    TO_BQ,
    add_resource,
    after_unknown,
    attr,
    get,
    golden,
    scan,
    schema_problems,
    set_actions,
)
from tests.terraform.planedit import change, expressions, unknown, values

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
    found = scan(plan)
    assert not schema_problems(found)
    value = attr(found, rid, attribute)
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


@pytest.mark.parametrize(
    ("destination", "why"),
    [
        ("pubsub.googleapis.com/projects/prod-data/topics/audit", "is a Pub/Sub topic"),
        ("logging.googleapis.com/projects/lw-logging", "routes the entries to another project"),
    ],
)
def test_destination_logward_does_not_collect_is_unknown(destination: str, why: str) -> None:
    plan = golden()
    sink = "google_logging_project_sink.to_bq"
    values(plan, sink)["destination"] = destination
    expressions(plan, sink)["destination"] = {"constant_value": destination}
    found = scan(plan)
    link = get(found, TO_BQ).links["destination"]
    assert link.targets == ()
    assert isinstance(link.unresolved, Unknowable) and why in link.unresolved.reason
    assert attr(found, TO_BQ, "destination_type") in ("pubsub", "logging_project")


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


def test_a_project_under_a_folder_created_by_the_plan_has_unknown_audit_logging() -> None:
    """folder_id = google_folder.new.folder_id, both created: where the project will sit is
    known only after apply, so its effective audit config is unknown (never an error)."""
    plan = golden()
    for address in ("google_folder.dev", "google_project.dev_tools"):
        change(plan, address)["actions"] = ["create"]
    after_unknown(plan, "google_folder.dev", "name")
    after_unknown(plan, "google_folder.dev", "folder_id")
    after_unknown(plan, "google_project.dev_tools", "folder_id")
    found = scan(plan)
    project = get(found, f"{RM}projects/dev-tools")
    assert isinstance(project.attrs["ancestors"], Unknowable)
    policy = [
        c
        for c in compile_policies(load_policies(), {})
        if c.policy.id == "gcp-audit-logging-data-access"
    ]
    (finding,) = [f for f in evaluate(policy, found.inventory) if f.resource_id == project.id]
    assert finding.status in (Status.FAIL, Status.UNKNOWN), finding.message


def test_primary_version_of_a_new_key_is_unknown() -> None:
    plan = golden()
    address = "google_kms_crypto_key.archive"
    set_actions(plan, address, ["create"])
    after_unknown(plan, address, "primary")
    rid = f"//cloudkms.googleapis.com/{ARCHIVE_KEY}"
    key = get(scan(plan), rid).attrs
    assert isinstance(key["primary_state"], Unknowable) and not key["primary_state"].error
    values(plan, address)["skip_initial_version_creation"] = True
    unknown(plan, address).pop("primary")
    values(plan, address)["primary"] = []
    assert get(scan(plan), rid).attrs["primary_state"] is None


def _sink_all_entries(found: PlanScan) -> dict[str, Status]:
    policy = [
        c
        for c in compile_policies(load_policies(), {})
        if c.policy.id == "gcp-logging-sink-all-entries"
    ]
    return {
        f.resource_id.removeprefix(f"{RM}projects/"): f.status
        for f in evaluate(policy, found.inventory)
    }


@pytest.mark.parametrize(
    ("include", "status"),
    [(None, Status.UNKNOWN), (True, Status.PASS), (False, Status.FAIL)],
    ids=["after-apply", "true", "false"],
)
def test_folder_sink_whose_include_children_is_known_after_apply_makes_projects_unknown(
    include: bool | None, status: Status
) -> None:
    """Whether prod's folder sink will cover the projects below is known only after apply:
    prod-app, which has no sink of its own, is unknown (the sink is counted as the project's,
    and the policy requires include_children true of a folder's sink), never pass or fail;
    prod-data passes on its own to-bq sink and the other projects keep their verdicts. The
    boundary: known true passes prod-app, known false fails it."""
    plan = golden()
    address = "google_logging_folder_sink.prod_audit"
    if include is None:
        after_unknown(plan, address, "include_children")
    else:
        values(plan, address)["include_children"] = include
    found = scan(plan)
    sink = get(found, FOLDER_SINK)
    assert isinstance(sink.attrs["include_children"], Unknowable) is (include is None)
    assert sink.also_accounts == (() if include is False else ("prod-app", "prod-data"))
    assert _sink_all_entries(found) == {
        "prod-app": status,
        "prod-data": Status.PASS,
        "dev-sandbox": Status.FAIL,
        "dev-tools": Status.FAIL,
        "lw-logging": Status.PASS,
    }


# ----- a network no DNS policy of the plan names --------------------------------------------

NETWORKS = "//compute.googleapis.com/projects/"


def _dns_verdicts(plan: dict[str, object], assume_complete: bool) -> dict[str, Status]:
    """`logward plan` (with or without --assume-complete) on the plan: gcp-dns-logging."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from scanner.plan.source import PlanSource
    from scanner.source import silent

    with TemporaryDirectory() as folder:
        path = Path(folder) / "plan.json"
        path.write_text(json.dumps(plan), encoding="utf-8")
        collected = PlanSource(path, assume_complete).collect(silent)
    policy = [c for c in compile_policies(load_policies(), {}) if c.policy.id == "gcp-dns-logging"]
    return {
        f.resource_id.removeprefix(NETWORKS): f.status
        for f in evaluate(policy, collected.inventory)
    }


@pytest.mark.parametrize(
    ("assume_complete", "status"), [(False, Status.UNKNOWN), (True, Status.FAIL)]
)
def test_network_no_dns_policy_of_the_plan_names_is_unknown_unless_complete(
    assume_complete: bool, status: Status
) -> None:
    """A new network of prod-data that no google_dns_policy of the plan names: a policy of
    another state may log its queries, so it is unknown; under --assume-complete the plan is
    the whole estate and it fails. The networks the plan's DNS policies name keep their
    verdicts either way (audit-vpc's policy logs, prod-app default's does not)."""
    plan = golden()
    add_resource(
        plan,
        "google_compute_network",
        "data_vpc",
        {"name": "data-vpc", "project": "prod-data", "auto_create_subnetworks": False},
    )
    verdicts = _dns_verdicts(plan, assume_complete)
    assert verdicts == {
        "prod-data/global/networks/data-vpc": status,
        "lw-logging/global/networks/audit-vpc": Status.PASS,
        "prod-app/global/networks/default": Status.FAIL,
    }


# ----- which metrics an alert policy fires on (the live scan's rule) --------------------------

OWNERSHIP_ALERT = "google_monitoring_alert_policy.lw_logging_ownership_changes"
CPU = 'metric.type="compute.googleapis.com/instance/cpu/utilization"'


def _ownership_verdict(plan: dict[str, object]) -> Status:
    policy = [
        c
        for c in compile_policies(load_policies(), {})
        if c.policy.id == "gcp-monitoring-project-ownership-changes"
    ]
    (finding,) = [
        f
        for f in evaluate(policy, scan(plan).inventory)
        if f.resource_id == f"{RM}projects/lw-logging"
    ]
    return finding.status


@pytest.mark.parametrize(
    ("metric_kind", "combiner", "status"),
    [
        ("condition_threshold", "OR", Status.PASS),
        # Absence of the metric fires when nothing happens, not on a change.
        ("condition_absent", "OR", Status.FAIL),
        # Under AND the unrelated CPU threshold gates the alert.
        ("condition_threshold", "AND", Status.FAIL),
    ],
)
def test_alert_credits_a_metric_only_through_a_threshold_condition_that_fires_alone(
    metric_kind: str, combiner: str, status: Status
) -> None:
    """lw-logging's CIS 2.4 alert with a second, unrelated threshold condition: the plan links
    the metric as the live scan does (links.fired_metric_types)."""
    plan = golden()
    alert = values(plan, OWNERSHIP_ALERT)
    (on_metric,) = alert["conditions"]
    cpu = copy.deepcopy(on_metric)
    cpu["condition_threshold"][0]["filter"] = CPU
    if metric_kind == "condition_absent":
        on_metric["condition_absent"] = [
            {"filter": on_metric["condition_threshold"][0]["filter"], "duration": "300s"}
        ]
        on_metric["condition_threshold"] = []
    alert["conditions"] = [on_metric, cpu]
    alert["combiner"] = combiner
    assert _ownership_verdict(plan) is status
