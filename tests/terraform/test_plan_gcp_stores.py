"""Log stores in GCP plans: planned destruction of sinks, log buckets, audit configs and
destinations as findings; folder, organization and billing account log stores; IAM grants on
buckets; the plan benchmark's GCP stacks and a plan run without any google SDK."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.model import Resource, Status, Unknowable
from scanner.plan.inventory import PlanScan, plan_inventory
from scanner.policy.engine import evaluate
from scanner.policy.loader import compile_policies, load_policies
from tests.terraform.gcpplan import (
    ARCHIVE,
    DEV,
    GOLDEN,
    ORG,
    ROOT,
    add_resource,
    after_unknown,
    attr,
    get,
    golden,
    scan,
    schema_problems,
    set_actions,
)
from tests.terraform.planedit import change, drop, expressions, values

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


LOGBUCKET_KEY = "google_kms_crypto_key.logbucket"
ARCHIVE_KEY = "google_kms_crypto_key.archive"


@pytest.mark.parametrize(
    ("address", "actions", "expected"),
    [
        # The key of the audit-locked log bucket's CMEK settings.
        (LOGBUCKET_KEY, ["delete"], Status.FAIL),
        # The key of the bucket the folder sink writes to (replacing a key destroys its
        # versions as well).
        (ARCHIVE_KEY, ["delete", "create"], Status.FAIL),
        (ARCHIVE_KEY, ["update"], Status.PASS),
        # A project whose deletion_policy lets the provider delete it: its _Required and
        # _Default log buckets and its sinks go with it.
        ("google_project.dev_tools", ["delete"], Status.FAIL),
        ("google_project.prod_app", ["create", "delete"], Status.FAIL),
    ],
)
def test_destroying_a_log_stores_key_or_a_project_is_a_finding(
    address: str, actions: list[str], expected: Status, store_policy: list[Any]
) -> None:
    plan = golden()
    set_actions(plan, address, actions)
    if address.startswith("google_project."):
        # The golden projects keep the provider's default PREVENT.
        change(plan, address)["before"]["deletion_policy"] = "DELETE"
    found = scan(plan)
    assert set(_changes(found)) == {address}
    (finding,) = evaluate(store_policy, found.inventory)
    assert finding.status is expected, finding.message


def test_a_key_no_log_store_uses_is_not_a_log_store_change() -> None:
    """The sibling: the archive bucket names no key any more (in the plan and in the
    configuration): destroying the key destroys no log store's entries."""
    plan = golden()
    set_actions(plan, ARCHIVE_KEY, ["delete"])
    for side in ("before", "after"):
        change(plan, "google_storage_bucket.archive")[side]["encryption"] = []
    expressions(plan, "google_storage_bucket.archive").pop("encryption")
    assert _changes(scan(plan)) == {}


def test_a_new_store_key_known_after_apply_is_found_by_the_configuration_reference() -> None:
    """The bucket's key name is known only after apply (both are replaced): the configuration
    reference still says the key is the store's."""
    plan = golden()
    set_actions(plan, ARCHIVE_KEY, ["delete", "create"])
    for side in ("before", "after"):
        change(plan, ARCHIVE_KEY)[side].pop("id", None)
        change(plan, ARCHIVE_KEY)[side]["name"] = None
    change(plan, "google_storage_bucket.archive")["after"]["encryption"] = [{}]
    assert set(_changes(scan(plan))) == {ARCHIVE_KEY}


@pytest.mark.parametrize(
    ("before", "destroys"),
    [
        ({"deletion_policy": "DELETE"}, True),
        ({"deletion_policy": "ABANDON"}, False),
        ({"deletion_policy": "PREVENT"}, False),
        ({"skip_delete": True}, False),
        ({"skip_delete": False}, True),
        ({}, True),
    ],
    ids=["DELETE", "ABANDON", "PREVENT", "skip_delete", "no-skip_delete", "neither"],
)
def test_a_project_the_provider_would_not_delete_is_not_a_finding(
    before: dict[str, Any], destroys: bool
) -> None:
    plan = golden()
    address = "google_project.dev_tools"
    set_actions(plan, address, ["delete"])
    for name in ("deletion_policy", "skip_delete"):
        change(plan, address)["before"].pop(name, None)
    change(plan, address)["before"].update(before)
    assert set(_changes(scan(plan))) == ({address} if destroys else set())


def test_an_updated_project_is_not_a_log_store_change() -> None:
    plan = golden()
    set_actions(plan, "google_project.dev_tools", ["update"])
    change(plan, "google_project.dev_tools")["before"]["deletion_policy"] = "DELETE"
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


# ----- folder, organization and billing account log stores ---------------------------------


@pytest.mark.parametrize(
    ("tf_type", "owner", "parent", "account"),
    [
        ("google_logging_folder_bucket_config", {"folder": "folders/200000000002"}, DEV, DEV),
        ("google_logging_organization_bucket_config", {"organization": "100000000001"}, ORG, ORG),
        (
            "google_logging_billing_account_bucket_config",
            {"billing_account": "01AB23-45CD67-89EF01"},
            "billingAccounts/01AB23-45CD67-89EF01",
            "billingAccounts/01AB23-45CD67-89EF01",
        ),
    ],
)
def test_log_buckets_of_folders_organizations_and_billing_accounts(
    tf_type: str, owner: dict[str, str], parent: str, account: str
) -> None:
    plan = golden()
    add_resource(
        plan,
        tf_type,
        "audit",
        {
            **owner,
            "location": "global",
            "bucket_id": "audit",
            "retention_days": 400,
            "locked": True,
        },
    )
    found = scan(plan)
    assert not schema_problems(found)
    name = f"{parent}/locations/global/buckets/audit"
    bucket = get(found, f"//logging.googleapis.com/{name}")
    assert (bucket.account, bucket.attrs["parent"], bucket.attrs["name"]) == (account, parent, name)
    assert (bucket.attrs["retention_days"], bucket.attrs["locked"]) == (400, True)
    # A created log bucket is a planned change of a log store, not a destruction.
    (created,) = [r for r in found.inventory if r.type == "gcp.plan.log_store_change"]
    assert created.attrs["destroys"] is False
    # No project is made up from a billing account.
    assert not [r for r in found.inventory if r.type == "gcp.project" and "billing" in r.id]


def test_billing_account_sink() -> None:
    plan = golden()
    add_resource(
        plan,
        "google_logging_billing_account_sink",
        "billing",
        {
            "name": "billing-audit",
            "billing_account": "01AB23-45CD67-89EF01",
            "destination": "storage.googleapis.com/lw-audit-archive",
            "filter": "",
        },
    )
    found = scan(plan)
    assert not schema_problems(found)
    sink = get(
        found, "//logging.googleapis.com/billingAccounts/01AB23-45CD67-89EF01/sinks/billing-audit"
    )
    assert sink.attrs["parent_type"] == "billing_account"
    assert sink.attrs["include_children"] is False and sink.also_accounts == ()
    assert sink.links["destination"].targets == (ARCHIVE,)


@pytest.mark.parametrize(
    ("tf_type", "planned"),
    [
        (
            "google_storage_bucket_iam_binding",
            {
                "bucket": "lw-audit-archive",
                "role": "roles/storage.objectViewer",
                "members": ["group:auditors@example.org"],
                "condition": [{"title": "until 2027", "expression": "request.time < x"}],
            },
        ),
        (
            "google_storage_bucket_iam_policy",
            {
                "bucket": "b/lw-audit-archive",
                "policy_data": json.dumps(
                    {
                        "bindings": [
                            {
                                "role": "roles/storage.objectViewer",
                                "members": ["group:auditors@example.org"],
                                "condition": {
                                    "title": "until 2027",
                                    "expression": "request.time < x",
                                },
                            }
                        ]
                    }
                ),
            },
        ),
    ],
)
def test_bucket_iam_bindings_and_policies(tf_type: str, planned: dict[str, Any]) -> None:
    plan = golden()
    add_resource(plan, tf_type, "auditors", planned)
    bindings = attr(scan(plan), ARCHIVE, "bindings")
    assert {
        "role": "roles/storage.objectViewer",
        "members": ["group:auditors@example.org"],
        "condition": {"title": "until 2027", "expression": "request.time < x"},
    } in bindings
    assert len(bindings) == 2  # and the sink writer's grant


def test_iam_member_known_after_apply_makes_the_bindings_unknown() -> None:
    plan = golden()
    after_unknown(plan, "google_storage_bucket_iam_member.archive_writer", "member")
    bindings = attr(scan(plan), ARCHIVE, "bindings")
    assert isinstance(bindings, Unknowable) and not bindings.error


def test_iam_of_a_bucket_outside_the_plan_is_not_evaluated() -> None:
    plan = golden()
    add_resource(
        plan,
        "google_storage_bucket_iam_member",
        "elsewhere",
        {"bucket": "someone-elses-bucket", "role": "roles/viewer", "member": "allUsers"},
    )
    assert scan(plan).not_evaluated == {
        "google_storage_bucket_iam_member": ["google_storage_bucket_iam_member.elsewhere"]
    }


def test_dataset_access_entries_of_their_own_resource() -> None:
    """google_bigquery_dataset_access adds one entry to a dataset's access list: the sink's
    writer identity granted that way can write as well as by an inline access block."""
    plan = golden()
    dataset = "//bigquery.googleapis.com/projects/prod-data/datasets/audit"
    values(plan, "google_bigquery_dataset.audit")["access"] = []
    assert attr(scan(plan), dataset, "access") == []
    add_resource(
        plan,
        "google_bigquery_dataset_access",
        "sink_writer",
        {
            "project": "prod-data",
            "dataset_id": "audit",
            "role": "WRITER",
            "user_by_email": "service-300000000003@gcp-sa-logging.iam.gserviceaccount.com",
        },
    )
    found = scan(plan)
    assert attr(found, dataset, "access") == [
        {
            "role": "WRITER",
            "member": "serviceAccount:service-300000000003@gcp-sa-logging.iam.gserviceaccount.com",
            "condition": None,
        }
    ]
    assert found.not_evaluated == {}


# ----- key ring IAM (inherited by every key in the ring) ------------------------------------

KEY_IDS = "//cloudkms.googleapis.com/"
ARCHIVE_KEY_NAME = "projects/lw-logging/locations/us/keyRings/audit/cryptoKeys/archive"
LOGBUCKET_KEY_NAME = "projects/lw-logging/locations/global/keyRings/audit/cryptoKeys/logbucket"
AUDITORS = "google_kms_key_ring_iam_member.auditors"
VIEWER = {
    "role": "roles/cloudkms.viewer",
    "members": ["group:security-auditors@example.org"],
    "condition": None,
}


def _ring_bindings(found: PlanScan, key: str) -> Any:
    return attr(found, KEY_IDS + key, "key_ring_bindings")


def test_key_ring_bindings_of_the_golden_keys() -> None:
    """The us ring's one grant reaches the archive key; the global ring, in the plan without a
    grant, has none (as the live scan reads them)."""
    found = scan(golden())
    assert _ring_bindings(found, ARCHIVE_KEY_NAME) == [VIEWER]
    assert _ring_bindings(found, LOGBUCKET_KEY_NAME) == []
    assert schema_problems(found) == []


@pytest.mark.parametrize(
    "key_ring_id",
    [
        "projects/lw-logging/locations/us/keyRings/audit",
        "lw-logging/us/audit",
    ],
)
def test_key_ring_grant_by_literal_id(key_ring_id: str) -> None:
    plan = golden()
    values(plan, AUDITORS)["key_ring_id"] = key_ring_id
    expressions(plan, AUDITORS)["key_ring_id"] = {"constant_value": key_ring_id}
    assert _ring_bindings(scan(plan), ARCHIVE_KEY_NAME) == [VIEWER]


def test_key_ring_outside_the_plan_is_unknown_not_none() -> None:
    """Without the ring or a grant on it in the plan, its IAM policy is set elsewhere."""
    plan = golden()
    drop(plan, "google_kms_key_ring.audit_global")
    ring = _ring_bindings(scan(plan), LOGBUCKET_KEY_NAME)
    assert isinstance(ring, Unknowable) and not ring.error
    assert "not in the plan" in ring.reason
    # The sibling ring, still in the plan, keeps its grant.
    assert _ring_bindings(scan(plan), ARCHIVE_KEY_NAME) == [VIEWER]


def test_key_ring_grant_known_after_apply_makes_the_ring_bindings_unknown() -> None:
    plan = golden()
    after_unknown(plan, AUDITORS, "member")
    ring = _ring_bindings(scan(plan), ARCHIVE_KEY_NAME)
    assert isinstance(ring, Unknowable) and not ring.error


def test_a_public_key_ring_grant_makes_its_log_store_keys_public() -> None:
    """allUsers on the us ring reaches the archive key through key_ring_bindings (derived
    public_members), so gcp-kms-log-key-not-public fails it; the global ring's key is not
    touched."""
    plan = golden()
    add_resource(
        plan,
        "google_kms_key_ring_iam_member",
        "public",
        {
            "key_ring_id": "projects/lw-logging/locations/us/keyRings/audit",
            "role": "roles/cloudkms.cryptoKeyDecrypter",
            "member": "allUsers",
            "condition": [],
        },
    )
    policy = [
        c
        for c in compile_policies(load_policies(), {})
        if c.policy.id == "gcp-kms-log-key-not-public"
    ]
    verdicts = {
        f.resource_id.removeprefix(KEY_IDS): f.status
        for f in evaluate(policy, scan(plan).inventory)
    }
    assert verdicts == {ARCHIVE_KEY_NAME: Status.FAIL, LOGBUCKET_KEY_NAME: Status.PASS}
