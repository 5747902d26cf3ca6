"""Every shipped GCP policy a plan can judge, on the Terraform plan of the golden estate
(fixtures/gcp/golden-plan.json, judged as `logward plan --assume-complete` judges it), against
the live verdicts of the same estate.

The live verdicts are LIVE below: the golden estate of the GCP contract, per (policy, resource
id). They are checked three ways: the plan gives the same status (but where a plan cannot know
what the live scan knows: PLAN_CANNOT_KNOW, with the reason and the status the plan gives);
tests/gcp/golden/expected.yaml (the hand-written expectations of the live scan) agrees with
them wherever it has rows; and the live scan itself, through the real SDK clients against the
loopback fake, gives exactly them. Resources a Terraform plan never holds are NOT_IN_PLANS,
with the reason.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner import pipeline
from scanner.model import Finding, Status
from scanner.plan.read import load_plan
from scanner.policy.loader import load_policies
from scanner.source import SourceInfo
from tests.support.pipeline import judge_plan, shipped_catalogue
from tests.terraform.planedit import change

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "fixtures" / "gcp" / "golden-plan.json"
EXPECTED = ROOT / "tests" / "gcp" / "golden" / "expected.yaml"
PASS, FAIL, ERROR = Status.PASS, Status.FAIL, Status.ERROR
RM = "//cloudresourcemanager.googleapis.com/projects/"
LOGGING = "//logging.googleapis.com/projects/"
PROJECTS = ("lw-logging", "prod-app", "prod-data", "dev-sandbox", "dev-tools")
PLAN_ONLY = "gcp-plan-log-store-not-destroyed"
PLAN_POLICIES = sorted(
    p.id for p in load_policies() if p.provider == "gcp" and "plan" in p.evaluate_on
)
CIS = (
    "project-ownership-changes",
    "audit-config-changes",
    "custom-role-changes",
    "firewall-rule-changes",
    "route-changes",
    "network-changes",
    "storage-iam-changes",
    "sql-instance-changes",
)


SQL_PG = "//sqladmin.googleapis.com/projects/prod-data/instances/prod-pg"
SQL_SANDBOX = "gcp:dev-sandbox:global:gcp.sql.instance"


def _bucket(project: str, bucket: str) -> str:
    return f"{LOGGING}{project}/locations/global/buckets/{bucket}"


def _sink(parent: str, name: str) -> str:
    return f"//logging.googleapis.com/{parent}/sinks/{name}"


# ----- the live verdicts of the golden estate (tests/gcp/golden/README.md) -----------

LIVE: dict[tuple[str, str], Status] = {
    # Effective audit config: lw-logging all three itself; prod-app inherits ADMIN_READ and
    # DATA_WRITE from the org and DATA_READ from folder prod; prod-data exempts etl; dev-tools
    # inherits no DATA_READ; dev-sandbox's getIamPolicy answers 403.
    **{
        ("gcp-audit-logging-data-access", RM + p): s
        for p, s in (
            ("lw-logging", PASS),
            ("prod-app", PASS),
            ("prod-data", FAIL),
            ("dev-sandbox", ERROR),
            ("dev-tools", FAIL),
        )
    },
    # A sink exports all entries: lw-logging's own, prod's folder sink for prod-app and
    # prod-data (to-bq too), none for dev-sandbox, a filtered one for dev-tools.
    **{
        ("gcp-logging-sink-all-entries", RM + p): s
        for p, s in (
            ("lw-logging", PASS),
            ("prod-app", PASS),
            ("prod-data", PASS),
            ("dev-sandbox", FAIL),
            ("dev-tools", FAIL),
        )
    },
    ("gcp-logging-sink-healthy", _sink("folders/200000000001", "prod-audit")): PASS,
    ("gcp-logging-sink-healthy", _sink("projects/lw-logging", "all-to-logbucket")): PASS,
    ("gcp-logging-sink-healthy", _sink("projects/prod-data", "old-archive")): FAIL,
    ("gcp-logging-sink-healthy", _sink("projects/dev-tools", "partial")): FAIL,
    # to-bq's writer identity is a WRITER in the dataset's access list.
    ("gcp-logging-sink-healthy", _sink("projects/prod-data", "to-bq")): PASS,
    # The built-in sinks every project has, enabled, to their own project's log buckets.
    **{
        ("gcp-logging-sink-healthy", _sink(f"projects/{p}", s)): PASS
        for p in PROJECTS
        for s in ("_Default", "_Required")
    },
    **{
        (pid, "//storage.googleapis.com/lw-audit-archive"): PASS
        for pid in (
            "gcp-storage-sink-bucket-retention-locked",
            "gcp-storage-sink-bucket-not-public",
            "gcp-storage-sink-bucket-cmek",
        )
    },
    **{
        (pid, _bucket(p, "_Default")): FAIL
        for pid in (
            "gcp-logging-bucket-locked",
            "gcp-logging-bucket-retention",
            "gcp-logging-bucket-cmek",
        )
        for p in PROJECTS
    },
    **{
        (pid, _bucket(p, "_Required")): PASS if pid != "gcp-logging-bucket-cmek" else FAIL
        # gcp-logging-bucket-locked does not judge _Required (Cloud Logging manages it)
        for pid in (
            "gcp-logging-bucket-retention",
            "gcp-logging-bucket-cmek",
        )
        for p in PROJECTS
    },
    **{
        (pid, _bucket("lw-logging", "audit-locked")): PASS
        for pid in (
            "gcp-logging-bucket-locked",
            "gcp-logging-bucket-retention",
            "gcp-logging-bucket-cmek",
        )
    },
    (
        "gcp-bigquery-sink-dataset-cmek",
        "//bigquery.googleapis.com/projects/prod-data/datasets/audit",
    ): FAIL,
    (
        "gcp-bigquery-sink-dataset-expiration",
        "//bigquery.googleapis.com/projects/prod-data/datasets/audit",
    ): PASS,
    **{
        (
            pid,
            f"//cloudkms.googleapis.com/projects/lw-logging/locations/{loc}/keyRings/audit/cryptoKeys/{k}",
        ): PASS
        for pid in ("gcp-kms-log-key-rotation", "gcp-kms-log-key-not-public")
        for loc, k in (("us", "archive"), ("global", "logbucket"))
    },
    # Flow logs: lw-private and app-a with the CIS parameters, app-b without (the proxy-only
    # subnet is not judged).
    (
        "gcp-vpc-flow-logs",
        "//compute.googleapis.com/projects/lw-logging/regions/us-central1/subnetworks/audit-subnet",
    ): PASS,
    (
        "gcp-vpc-flow-logs",
        "//compute.googleapis.com/projects/prod-app/regions/us-central1/subnetworks/app-private-logged",
    ): PASS,
    (
        "gcp-vpc-flow-logs",
        "//compute.googleapis.com/projects/prod-app/regions/us-central1/subnetworks/app-private-nolog",
    ): FAIL,
    (
        "gcp-dns-logging",
        "//compute.googleapis.com/projects/lw-logging/global/networks/audit-vpc",
    ): PASS,
    ("gcp-dns-logging", "//compute.googleapis.com/projects/prod-app/global/networks/default"): FAIL,
    (
        "gcp-lb-logging",
        "//compute.googleapis.com/projects/prod-app/global/backendServices/web-backend",
    ): FAIL,
    **{
        ("gcp-cloud-asset-inventory", RM + p): FAIL if p == "dev-sandbox" else PASS
        for p in PROJECTS
    },
    # CIS 2.4-2.11: lw-logging has the eight metrics with enabled alerts on a verified channel;
    # prod-app's one metric alerts only an unverified channel; the others have none.
    **{
        (f"gcp-monitoring-{slug}", RM + p): PASS if p == "lw-logging" else FAIL
        for slug in CIS
        for p in PROJECTS
    },
    # CIS 6.2: prod-pg has pgAudit on and logs all CIS asks but statement durations (500 ms);
    # lw-logging's MySQL instance is not judged; dev-sandbox's Cloud SQL Admin API is disabled.
    ("gcp-sql-postgres-log-flags", SQL_PG): FAIL,
    ("gcp-sql-postgres-pgaudit", SQL_PG): PASS,
    ("gcp-sql-postgres-log-flags", SQL_SANDBOX): ERROR,
    ("gcp-sql-postgres-pgaudit", SQL_SANDBOX): ERROR,
}

# (policy, resource) -> (the status a plan gives, why it cannot give the live one).
PLAN_CANNOT_KNOW: dict[tuple[str, str], tuple[Status, str]] = {
    ("gcp-audit-logging-data-access", RM + "dev-sandbox"): (
        FAIL,
        "the live scan's projects.getIamPolicy on dev-sandbox answers 403 (error); a plan "
        "has no read that can fail: it holds what Terraform sets (no audit config on "
        "dev-sandbox or folder dev), so the effective config is the org's ADMIN_READ + "
        "DATA_WRITE: fail",
    ),
}

PLAN_CANNOT_KNOW.update(
    {
        (
            "gcp-kms-log-key-rotation",
            f"//cloudkms.googleapis.com/projects/lw-logging/locations/{loc}/keyRings/audit/cryptoKeys/{k}",
        ): (
            Status.UNKNOWN,
            "the plan leaves the key alone, so its nextRotationTime is the one Cloud KMS holds "
            "(the live scan reads it: within 90 days), which a plan does not record; the "
            "provider writes it only when it creates the key or changes rotation_period",
        )
        for loc, k in (("us", "archive"), ("global", "logbucket"))
    }
)

# Live resources a Terraform plan never holds, by policy and resource, with the reason.
REQUIRED_BUCKET = (
    "the _Required log bucket cannot be managed by Terraform (Cloud Logging creates it, its "
    "400-day locked retention cannot be changed, and google_logging_project_bucket_config "
    "refuses it), so no plan holds it"
)
BUILT_IN_SINK = (
    "Cloud Logging creates the _Default and _Required sinks with every project and they cannot "
    "be created or deleted: _Required cannot be changed at all, and google_logging_project_sink "
    "manages _Default only after a `terraform import`, which the golden configuration does not "
    "do, so the golden plan holds neither"
)
NOT_IN_PLANS: dict[tuple[str, str], str] = {
    **{
        ("gcp-logging-sink-healthy", _sink(f"projects/{p}", s)): BUILT_IN_SINK
        for p in PROJECTS
        for s in ("_Default", "_Required")
    },
    **{
        (pid, _bucket(p, "_Required")): REQUIRED_BUCKET
        for pid in (
            "gcp-logging-bucket-retention",
            "gcp-logging-bucket-cmek",
        )
        for p in PROJECTS
    },
    **{
        (pid, SQL_SANDBOX): (
            "the live scan's instances.list on dev-sandbox answers 403 SERVICE_DISABLED (an "
            "error for the type in that project); a plan lists nothing that can fail and "
            "declares no instance there"
        )
        for pid in ("gcp-sql-postgres-log-flags", "gcp-sql-postgres-pgaudit")
    },
}

# ----- judging ----------------------------------------------------------------------------


def _judge(plan: dict[str, Any]) -> dict[tuple[str, str], Finding]:
    return {
        (f.policy_id, f.resource_id): f for f in judge_plan(plan) if f.policy_id.startswith("gcp-")
    }


@cache
def plan_findings() -> dict[tuple[str, str], Finding]:
    """`logward plan --assume-complete` on the golden plan, GCP findings by key."""
    return _judge(load_plan(GOLDEN))


@cache
def live_findings() -> dict[tuple[str, str], Finding]:
    """The live scan of the golden estate through the real SDK clients against the loopback
    fake, judged by the plan catalogue (the policies a plan run applies)."""
    pytest.importorskip("google.cloud.logging_v2")
    from scanner.evidence import EvidenceStore
    from scanner.providers.gcp.adapter import LiveSource
    from scanner.providers.gcp.clients import credentials
    from scanner.providers.gcp.collect import Request
    from scanner.providers.gcp.fake import ESTATE, FakeGoogle
    from scanner.source import silent

    fake = FakeGoogle(ESTATE).start()
    try:
        source = LiveSource(
            credentials(anonymous=True),
            Request(organization="100000000001"),
            EvidenceStore(),
            dict(fake.endpoints),
        )
        collected = source.collect(silent)
    finally:
        fake.stop()
    info = SourceInfo(label="gcp", kind="plan", clouds=frozenset({"gcp"}), complete=True)
    findings = pipeline.assess(shipped_catalogue(), info, collected).findings
    return {(f.policy_id, f.resource_id): f for f in findings if f.policy_id.startswith("gcp-")}


# ----- the tests --------------------------------------------------------------------------


def test_the_tables_cover_exactly_the_plan_catalogue() -> None:
    judged = {policy for policy, _rid in LIVE}
    assert judged == set(PLAN_POLICIES) - {PLAN_ONLY}
    assert set(PLAN_CANNOT_KNOW) <= set(LIVE)
    assert set(NOT_IN_PLANS) <= set(LIVE)
    assert not set(PLAN_CANNOT_KNOW) & set(NOT_IN_PLANS)


def test_plan_verdicts_agree_with_the_live_verdicts() -> None:
    planned = plan_findings()
    problems = []
    for key, live in sorted(LIVE.items()):
        if key in NOT_IN_PLANS:
            assert key not in planned, (key, NOT_IN_PLANS[key])
            continue
        expected = PLAN_CANNOT_KNOW.get(key, (live, ""))[0]
        got = planned.get(key)
        if got is None or got.status is not expected:
            problems.append(
                (key, expected, got.status if got else None, got.message if got else "")
            )
    assert not problems, "\n".join(map(str, problems))
    # And the plan judges nothing the live scan does not (but plan-only policies).
    assert {k for k in planned if k[0] != PLAN_ONLY} <= set(LIVE)


def test_every_plan_cannot_know_pair_really_differs() -> None:
    for key, (status, _why) in PLAN_CANNOT_KNOW.items():
        assert status is not LIVE[key], key


def test_live_verdicts_agree_with_the_golden_expectations_file() -> None:
    """tests/gcp/golden/expected.yaml (the live scan's acceptance test) and LIVE say the same
    wherever the file judges a plan policy; a policy it lists is listed whole."""
    expected = yaml.safe_load(EXPECTED.read_text(encoding="utf-8")) or {}
    listed = {pid: rows for pid, rows in expected.items() if pid in PLAN_POLICIES}
    if not listed:
        pytest.skip(f"{EXPECTED.name} holds no rows of a plan policy yet")
    for pid, rows in listed.items():
        mine = {rid: s.value for (p, rid), s in LIVE.items() if p == pid}
        assert {rid: str(s) for rid, s in rows.items()} == mine, pid


def test_plan_verdicts_agree_with_the_live_scan_of_the_fake() -> None:
    """For every (policy, resource) both judge: the same status, but where a plan cannot know
    (PLAN_CANNOT_KNOW); and the live scan judges nothing else but what NOT_IN_PLANS names."""
    planned, live = plan_findings(), live_findings()
    differ = []
    for key in sorted(set(planned) & set(live)):
        if key in PLAN_CANNOT_KNOW:
            assert live[key].status is LIVE[key], (key, live[key].message)
            continue
        if planned[key].status is not live[key].status:
            differ.append((key, planned[key].status, live[key].status, live[key].message))
    assert not differ, "\n".join(map(str, differ))
    # The live scan's resources a plan never holds are those NOT_IN_PLANS says.
    for key in set(live) - set(planned):
        assert key in NOT_IN_PLANS, (key, live[key].status, live[key].message)
    # The live scan gives the live verdicts (what expected.yaml checks through the CLI).
    assert {k: f.status for k, f in live.items()} == LIVE


# ----- the plan-only policy ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "actions", "status"),
    [
        ("google_logging_project_bucket_config.audit_locked", ["delete"], FAIL),
        ("google_logging_folder_sink.prod_audit", ["delete", "create"], FAIL),
        ("google_storage_bucket.archive", ["create", "delete"], FAIL),
        ("google_project_iam_audit_config.lw_logging", ["update"], PASS),
    ],
)
def test_plan_only_policy_on_changed_log_stores(
    address: str, actions: list[str], status: Status
) -> None:
    """No live estate has a planned change: the golden plan re-plans an applied estate (no
    finding), and each edit changes one log store."""
    assert not [k for k in plan_findings() if k[0] == PLAN_ONLY]
    plan = copy.deepcopy(load_plan(GOLDEN))
    change(plan, address)["actions"] = actions
    found = [f for k, f in _judge(plan).items() if k[0] == PLAN_ONLY]
    assert [(f.resource_name, f.status) for f in found] == [(address, status)]


# ----- the other status of policies the golden estate judges one way only -------------------
# Each edit is what another configuration would have produced; judged on the plan only (the
# golden estate has no live twin of it).

BUCKET_ADDRESS = "google_storage_bucket.archive"
ARCHIVE = "//storage.googleapis.com/lw-audit-archive"
DATASET = "//bigquery.googleapis.com/projects/prod-data/datasets/audit"
ARCHIVE_KEY = (
    "//cloudkms.googleapis.com/projects/lw-logging/locations/us/keyRings/audit/cryptoKeys/archive"
)
BACKEND = "//compute.googleapis.com/projects/prod-app/global/backendServices/web-backend"


def _values(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        r for r in plan["planned_values"]["root_module"]["resources"] if r["address"] == address
    )["values"]
    return found


def _public_bucket(plan: dict[str, Any]) -> None:
    _values(plan, BUCKET_ADDRESS)["public_access_prevention"] = "inherited"
    member = _values(plan, "google_storage_bucket_iam_member.archive_writer")
    member.update(role="roles/storage.objectViewer", member="allUsers")


def _unlocked_short_bucket(plan: dict[str, Any]) -> None:
    _values(plan, BUCKET_ADDRESS)["retention_policy"] = [
        {"retention_period": 30 * 86400, "is_locked": False}
    ]


def _bucket_without_key(plan: dict[str, Any]) -> None:
    _values(plan, BUCKET_ADDRESS)["encryption"] = []


def _dataset_with_key_and_short_expiry(plan: dict[str, Any]) -> None:
    _values(plan, "google_bigquery_dataset.audit").update(
        default_encryption_configuration=[
            {"kms_key_name": ARCHIVE_KEY.removeprefix("//cloudkms.googleapis.com/")}
        ],
        default_table_expiration_ms=7 * 86400 * 1000,
    )


def _key_public_and_not_rotated(plan: dict[str, Any]) -> None:
    _values(plan, "google_kms_crypto_key.archive")["rotation_period"] = None
    resources = plan["planned_values"]["root_module"]["resources"]
    resources.append(
        {
            "address": "google_kms_crypto_key_iam_member.public",
            "mode": "managed",
            "type": "google_kms_crypto_key_iam_member",
            "name": "public",
            "values": {
                "crypto_key_id": ARCHIVE_KEY.removeprefix("//cloudkms.googleapis.com/"),
                "role": "roles/cloudkms.cryptoKeyDecrypter",
                "member": "allAuthenticatedUsers",
                "condition": [],
            },
        }
    )


def _key_rotation_changed(plan: dict[str, Any]) -> None:
    """The plan changes the archive key's rotation period to 90 days: the provider writes
    nextRotationTime = apply time + 90 days with it."""
    change(plan, "google_kms_crypto_key.archive").update(
        actions=["update"],
        before={
            **change(plan, "google_kms_crypto_key.archive")["before"],
            "rotation_period": "31536000s",
        },
    )


def _backend_logged(plan: dict[str, Any]) -> None:
    _values(plan, "google_compute_backend_service.web")["log_config"] = [
        {"enable": True, "sample_rate": 1}
    ]


def _pg_flags(plan: dict[str, Any], **flags: str | None) -> None:
    """Set (or, with None, remove) database flags of prod-pg."""
    settings = _values(plan, "google_sql_database_instance.prod_pg")["settings"][0]
    kept = {f["name"]: f["value"] for f in settings["database_flags"]}
    kept.update({k.replace("__", "."): v for k, v in flags.items()})
    settings["database_flags"] = [{"name": k, "value": v} for k, v in kept.items() if v]


def _pg_durations_off_pgaudit_unset(plan: dict[str, Any]) -> None:
    # -1 disables duration logging (6.2.7); pgAudit left out takes the default, off (6.2.8).
    _pg_flags(plan, log_min_duration_statement="-1", cloudsql__enable_pgaudit=None)


VARIANTS: list[tuple[str, str, Any, Status]] = [
    ("gcp-storage-sink-bucket-not-public", ARCHIVE, _public_bucket, FAIL),
    ("gcp-storage-sink-bucket-retention-locked", ARCHIVE, _unlocked_short_bucket, FAIL),
    ("gcp-storage-sink-bucket-cmek", ARCHIVE, _bucket_without_key, FAIL),
    ("gcp-bigquery-sink-dataset-cmek", DATASET, _dataset_with_key_and_short_expiry, PASS),
    ("gcp-bigquery-sink-dataset-expiration", DATASET, _dataset_with_key_and_short_expiry, FAIL),
    ("gcp-kms-log-key-not-public", ARCHIVE_KEY, _key_public_and_not_rotated, FAIL),
    ("gcp-kms-log-key-rotation", ARCHIVE_KEY, _key_public_and_not_rotated, FAIL),
    ("gcp-kms-log-key-rotation", ARCHIVE_KEY, _key_rotation_changed, PASS),
    ("gcp-lb-logging", BACKEND, _backend_logged, PASS),
    ("gcp-sql-postgres-log-flags", SQL_PG, _pg_durations_off_pgaudit_unset, PASS),
    ("gcp-sql-postgres-pgaudit", SQL_PG, _pg_durations_off_pgaudit_unset, FAIL),
]


def test_every_plan_policy_passes_and_fails_on_some_plan() -> None:
    seen: dict[str, set[Status]] = {}
    for (pid, rid), status in LIVE.items():
        if (pid, rid) not in NOT_IN_PLANS:
            seen.setdefault(pid, set()).add(PLAN_CANNOT_KNOW.get((pid, rid), (status, ""))[0])
    for pid, _rid, _edit, status in VARIANTS:
        seen.setdefault(pid, set()).add(status)
    seen.setdefault(PLAN_ONLY, set()).update({PASS, FAIL})  # test_plan_only_policy_on_...
    lacking = {pid: seen.get(pid, set()) for pid in PLAN_POLICIES}
    assert {p: s for p, s in lacking.items() if not {PASS, FAIL} <= s} == {}


@pytest.mark.parametrize(
    ("policy", "rid", "edit", "status"), VARIANTS, ids=[f"{v[0]}-{v[3].value}" for v in VARIANTS]
)
def test_plan_variant_gives_the_other_status(
    policy: str, rid: str, edit: Any, status: Status
) -> None:
    plan = copy.deepcopy(load_plan(GOLDEN))
    edit(plan)
    finding = _judge(plan)[(policy, rid)]
    assert finding.status is status, finding.message
    # Another status than the golden plan gives.
    assert PLAN_CANNOT_KNOW.get((policy, rid), (LIVE[(policy, rid)], ""))[0] is not status
