"""The Terraform plan adapter: `terraform show -json` mapped onto the live AWS resource types,
judged by the shipped policies exactly as a live scan is."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import InputError
from scanner.inventory import Inventory
from scanner.model import Finding, Status, Unknowable
from scanner.plan.inventory import PlanScan, plan_inventory
from scanner.plan.read import PlanError, load_plan
from scanner.policy.engine import evaluate
from scanner.policy.loader import CompiledPolicy, compile_policies, load_policies
from tests.terraform.planedit import change, drop, values

FIXTURES = Path(__file__).parent / "fixtures"
BUCKET = "arn:aws:s3:::acme-trail-logs"
TRAIL = "aws_cloudtrail.main"
KEY = "aws_kms_key.logs"
GROUP = "aws_cloudwatch_log_group.trail"
S3_POLICIES = (
    "aws-s3-trail-bucket-access-logging",
    "aws-s3-trail-bucket-lifecycle-retention",
    "aws-s3-trail-bucket-mfa-delete",
    "aws-s3-trail-bucket-not-public",
    "aws-s3-trail-bucket-object-lock",
    "aws-s3-trail-bucket-sse-kms",
    "aws-s3-trail-bucket-tls-only",
)


@pytest.fixture(scope="module")
def plan_policies() -> list[CompiledPolicy]:
    """The shipped AWS policies a plan can judge (as `logward plan` without
    --assume-complete selects them)."""
    compiled = compile_policies(load_policies(), {})
    return [
        c
        for c in compiled
        if c.policy.provider == "aws"
        and "plan" in c.policy.evaluate_on
        and not c.policy.account_scope
    ]


def fixture(name: str) -> dict[str, Any]:
    return load_plan(FIXTURES / name)


def judge(policies: list[CompiledPolicy], inventory: Inventory) -> dict[tuple[str, str], Finding]:
    return {(f.policy_id, f.resource_id): f for f in evaluate(policies, inventory)}


def statuses(findings: dict[tuple[str, str], Finding]) -> dict[tuple[str, str], Status]:
    return {k: f.status for k, f in findings.items()}


# ----- editing a plan dict the way a different configuration would have produced it ----------


def noncompliant(plan: dict[str, Any]) -> dict[str, Any]:
    """The compliant estate with every log-store safeguard weakened or left out."""
    plan = copy.deepcopy(plan)
    for address in (
        "aws_s3_bucket_object_lock_configuration.trail",
        "aws_s3_bucket_public_access_block.trail",
        "aws_s3_bucket_policy.trail",
        "aws_s3_bucket_logging.trail",
    ):
        drop(plan, address)
    values(plan, "aws_s3_bucket.trail")["object_lock_enabled"] = False
    values(plan, "aws_s3_bucket_versioning.trail")["versioning_configuration"] = [
        {"status": "Suspended", "mfa_delete": "Disabled"}
    ]
    sse = values(plan, "aws_s3_bucket_server_side_encryption_configuration.trail")
    sse["rule"][0]["apply_server_side_encryption_by_default"] = [{"sse_algorithm": "AES256"}]
    change(plan, "aws_s3_bucket_server_side_encryption_configuration.trail")["after_unknown"] = {}
    rule = values(plan, "aws_s3_bucket_lifecycle_configuration.trail")["rule"][0]
    rule["expiration"][0]["days"] = 30
    trail = values(plan, TRAIL)
    trail.update(enable_log_file_validation=False)
    trail_change = change(plan, TRAIL)
    del trail_change["after_unknown"]["kms_key_id"]
    del trail_change["after_unknown"]["cloud_watch_logs_group_arn"]
    config = next(
        r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == TRAIL
    )
    del config["expressions"]["kms_key_id"]
    del config["expressions"]["cloud_watch_logs_group_arn"]
    values(plan, KEY)["enable_key_rotation"] = False
    values(plan, GROUP)["retention_in_days"] = 30
    return plan


# ----- the compliant estate ----------------------------------------------------------------


def test_compliant_plan_passes_every_applicable_policy(plan_policies: list[CompiledPolicy]) -> None:
    scan = plan_inventory(fixture("compliant.json"))
    found = judge(plan_policies, scan.inventory)
    expected_pass = {(p, BUCKET) for p in S3_POLICIES} | {
        ("aws-cloudtrail-kms-encryption", TRAIL),
        ("aws-cloudtrail-log-file-validation", TRAIL),
        ("aws-kms-log-key-rotation", KEY),
        ("aws-logs-log-group-kms-encryption", GROUP),
        ("aws-logs-log-group-retention", GROUP),
    }
    expected_pass |= {
        ("aws-plan-log-store-not-destroyed", f"plan-change:{address}")
        for address in (
            "aws_cloudtrail.main",
            "aws_cloudwatch_log_group.trail",
            "aws_s3_bucket_object_lock_configuration.trail",
            "aws_s3_bucket.trail",
        )
    }
    assert {k: s for k, s in statuses(found).items() if s is Status.PASS} == dict.fromkeys(
        expected_pass, Status.PASS
    )
    # Log-group sharing is judged live only: a plan rarely holds the resource policies.
    assert ("aws-logs-trail-log-group-not-shared", GROUP) not in found
    # Delivery to CloudWatch Logs cannot have happened before apply: unknown, never pass.
    cloudwatch = found[("aws-cloudtrail-cloudwatch-integration", TRAIL)]
    assert cloudwatch.status is Status.UNKNOWN
    assert "delivery times are not known before apply" in cloudwatch.message
    assert set(found) == expected_pass | {("aws-cloudtrail-cloudwatch-integration", TRAIL)}


def test_plan_only_policies_exclude_live_and_account_scope(
    plan_policies: list[CompiledPolicy],
) -> None:
    ids = {c.policy.id for c in plan_policies}
    assert "aws-cloudtrail-delivery-healthy" not in ids
    assert "aws-cloudtrail-tamper-principals" not in ids
    assert "aws-cloudtrail-multi-region-logging" not in ids  # aws.account
    assert set(S3_POLICIES) <= ids


def test_compliant_plan_attributes_follow_the_live_shapes() -> None:
    inventory = plan_inventory(fixture("compliant.json")).inventory
    bucket = inventory.get(BUCKET)
    assert bucket is not None and bucket.name == "acme-trail-logs"
    attrs = bucket.attrs
    assert attrs["object_lock"] == {"enabled": True, "mode": "COMPLIANCE", "retention_days": 400}
    assert attrs["versioning"] == {"status": "Enabled", "mfa_delete": True}
    assert attrs["encryption"] == {
        "algorithm": "aws:kms",
        "kms_key_id": KEY,
        "bucket_key_enabled": True,
    }
    assert attrs["logging"] == {
        "enabled": True,
        "target_bucket": "acme-access-logs",
        "target_prefix": "trail/",
    }
    assert attrs["lifecycle"]["earliest_expiration_days"] == 400
    assert attrs["policy"]["denies_insecure_transport"] is True
    assert attrs["acl"]["public"] is False
    trail = inventory.get(TRAIL)
    assert trail is not None
    assert trail.attrs["home_region"] == "us-east-1"  # provider region from var.region
    assert trail.attrs["is_multi_region"] is True
    assert trail.attrs["include_global_service_events"] is True  # provider default
    assert trail.attrs["status"]["is_logging"] is True  # provider default
    assert trail.attrs["management_events"] == {
        "read": True,
        "write": True,
        "excluded_sources": [],
        "read_excluded_sources": [],
        "write_excluded_sources": [],
    }
    assert isinstance(trail.attrs["tamper_grants"], Unknowable)
    assert trail.links["bucket"].targets == (BUCKET,)
    assert trail.links["kms_key"].targets == (KEY,)
    assert trail.links["log_group"].targets == (GROUP,)
    assert bucket.links["trails"].targets == (TRAIL,)
    key = inventory.get(KEY)
    assert key is not None and set(key.links["protects"].targets) == {BUCKET, GROUP, TRAIL}
    group = inventory.get(GROUP)
    assert group is not None and group.links["log_sources"].targets == (TRAIL,)
    assert group.links["metric_filters"].targets == ()


def test_compliant_resources_match_the_resource_schemas() -> None:
    import jsonschema

    from scanner.model import _jsonable
    from scanner.providers import schema_files

    problems = []
    for resource in plan_inventory(fixture("compliant.json")).inventory:
        schema = json.loads(schema_files()[resource.type].read_text())
        document = {"attrs": _jsonable(resource.attrs)}
        for error in jsonschema.Draft202012Validator(schema).iter_errors(document):
            path = "/".join(map(str, error.absolute_path))
            problems.append(f"{resource.type} {resource.name}: {path}: {error.message}")
    assert not problems, "\n".join(problems)


# ----- the non-compliant variant -----------------------------------------------------------


def test_noncompliant_plan_fails_the_expected_policies(plan_policies: list[CompiledPolicy]) -> None:
    scan = plan_inventory(noncompliant(fixture("compliant.json")))
    found = judge(plan_policies, scan.inventory)
    got = statuses(found)
    for pid in (
        "aws-s3-trail-bucket-access-logging",
        "aws-s3-trail-bucket-lifecycle-retention",
        "aws-s3-trail-bucket-mfa-delete",
        "aws-s3-trail-bucket-object-lock",
        "aws-s3-trail-bucket-sse-kms",
        "aws-s3-trail-bucket-tls-only",
    ):
        assert got[(pid, BUCKET)] is Status.FAIL, pid
    # No public grant anywhere: the bucket is private although it lost its own PAB.
    assert got[("aws-s3-trail-bucket-not-public", BUCKET)] is Status.PASS
    for pid in (
        "aws-cloudtrail-kms-encryption",
        "aws-cloudtrail-log-file-validation",
        "aws-cloudtrail-cloudwatch-integration",
    ):
        assert got[(pid, TRAIL)] is Status.FAIL, pid
    # The key protects only the bucket now; rotation is off.
    assert got[("aws-kms-log-key-rotation", KEY)] is Status.FAIL
    # The log group receives no trail any more: out of the audit scope.
    assert ("aws-logs-log-group-retention", GROUP) not in got
    messages = {pid: found[(pid, rid)].message for pid, rid in found}
    assert (
        'bucket "acme-trail-logs": object_lock.enabled is false, expected true'
        in messages["aws-s3-trail-bucket-object-lock"]
    )
    assert (
        'encryption.algorithm is "AES256", expected one of ["aws:kms", "aws:kms:dsse"]'
        in messages["aws-s3-trail-bucket-sse-kms"]
    )
    assert (
        "lifecycle.earliest_expiration_days is 30, expected >= 365"
        in messages["aws-s3-trail-bucket-lifecycle-retention"]
    )
    assert (
        'versioning.status is "Suspended", expected "Enabled"'
        in messages["aws-s3-trail-bucket-mfa-delete"]
    )
    assert (
        'trail "acme-trail": log_file_validation is false, expected true'
        in messages["aws-cloudtrail-log-file-validation"]
    )
    assert "kms_key_id is not set, expected to be set" in messages["aws-cloudtrail-kms-encryption"]


# ----- unknown values ----------------------------------------------------------------------


def test_key_arn_known_after_apply_still_links_by_reference(
    plan_policies: list[CompiledPolicy],
) -> None:
    plan = fixture("compliant.json")
    assert change(plan, KEY)["after_unknown"]["arn"] is True
    assert change(plan, TRAIL)["after_unknown"]["kms_key_id"] is True
    found = statuses(judge(plan_policies, plan_inventory(plan).inventory))
    assert found[("aws-cloudtrail-kms-encryption", TRAIL)] is Status.PASS


def test_bucket_policy_known_after_apply_is_unknown(plan_policies: list[CompiledPolicy]) -> None:
    plan = fixture("compliant.json")
    del values(plan, "aws_s3_bucket_policy.trail")["policy"]
    change(plan, "aws_s3_bucket_policy.trail")["after_unknown"]["policy"] = True
    found = judge(plan_policies, plan_inventory(plan).inventory)
    tls = found[("aws-s3-trail-bucket-tls-only", BUCKET)]
    assert tls.status is Status.UNKNOWN
    assert "known after apply: aws_s3_bucket_policy.trail.policy" in tls.message
    # PAB's restrict_public_buckets still settles the public question.
    assert found[("aws-s3-trail-bucket-not-public", BUCKET)].status is Status.PASS


def test_unresolvable_unknown_link_is_unknown_not_fail(plan_policies: list[CompiledPolicy]) -> None:
    plan = fixture("compliant.json")
    config = next(
        r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == TRAIL
    )
    config["expressions"]["kms_key_id"] = {"references": ["module.keys.arn", "module.keys"]}
    inventory = plan_inventory(plan).inventory
    trail = inventory.get(TRAIL)
    assert trail is not None and isinstance(trail.attrs["kms_key_id"], Unknowable)
    assert trail.links["kms_key"].unresolved is not None
    found = statuses(judge(plan_policies, inventory))
    assert found[("aws-cloudtrail-kms-encryption", TRAIL)] is Status.UNKNOWN


def test_literal_bucket_outside_the_plan_is_a_placeholder(
    plan_policies: list[CompiledPolicy],
) -> None:
    plan = fixture("compliant.json")
    config = next(
        r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == TRAIL
    )
    config["expressions"]["s3_bucket_name"] = {"constant_value": "existing-org-logs"}
    values(plan, TRAIL)["s3_bucket_name"] = "existing-org-logs"
    del change(plan, TRAIL)["after_unknown"]["s3_bucket_name"]
    inventory = plan_inventory(plan).inventory
    placeholder = inventory.get("arn:aws:s3:::existing-org-logs")
    assert placeholder is not None and placeholder.placeholder is not None
    assert placeholder.placeholder.reason == "bucket existing-org-logs is not in this plan"
    found = judge(plan_policies, inventory)
    on_placeholder = {
        k[0]: f.status for k, f in found.items() if k[1] == "arn:aws:s3:::existing-org-logs"
    }
    assert Status.PASS not in on_placeholder.values()
    assert Status.FAIL not in on_placeholder.values()


# ----- modules, deletes, unknown types, legacy blocks, state ------------------------------


def test_module_instances_with_count_and_for_each() -> None:
    scan = plan_inventory(fixture("modules.json"))
    buckets = {r.name: r for r in scan.inventory.of_type("aws.s3.bucket")}
    assert set(buckets) == {"eu-audit-logs", "eu-data-logs", "us-audit-logs", "us-data-logs"}
    # for_each pairs each versioning resource with the bucket of the same key.
    assert buckets["eu-data-logs"].attrs["versioning"]["status"] == "Suspended"
    assert buckets["eu-audit-logs"].attrs["versioning"]["status"] == "Enabled"
    trails = {r.id: r for r in scan.inventory.of_type("aws.cloudtrail.trail")}
    assert set(trails) == {
        f'module.logs["{m}"].aws_cloudtrail.this[{i}]' for m in ("eu", "us") for i in (0, 1)
    }
    # An indexed reference picks that instance, in the referrer's own module instance.
    eu = trails['module.logs["eu"].aws_cloudtrail.this[1]']
    assert eu.attrs["s3_bucket_name"] == "eu-audit-logs"
    assert eu.links["bucket"].targets == ("arn:aws:s3:::eu-audit-logs",)
    assert eu.attrs["home_region"] == "eu-central-1"  # "logs:aws" falls back to the root "aws"
    assert set(buckets["us-audit-logs"].links["trails"].targets) == {
        'module.logs["us"].aws_cloudtrail.this[0]',
        'module.logs["us"].aws_cloudtrail.this[1]',
    }
    assert buckets["us-data-logs"].links["trails"].targets == ()


def test_deleted_log_bucket_is_recorded_and_left_out() -> None:
    scan = plan_inventory(fixture("legacy_inline.json"))
    assert scan.deleted == ["aws_s3_bucket.retired_logs"]
    assert scan.inventory.get("arn:aws:s3:::retired-trail-logs") is None


def test_unknown_types_are_listed_not_evaluated() -> None:
    scan = plan_inventory(fixture("compliant.json"))
    assert scan.not_evaluated == {"aws_iam_role": ["aws_iam_role.trail_to_logs"]}
    assert scan.account == "plan"
    assert all(r.account == "plan" for r in scan.inventory)


def test_split_setting_for_a_bucket_outside_the_plan_is_not_evaluated() -> None:
    plan = fixture("compliant.json")
    drop(plan, "aws_s3_bucket_logging.trail")
    plan["planned_values"]["root_module"]["resources"].append(
        {
            "address": "aws_s3_bucket_versioning.other",
            "mode": "managed",
            "type": "aws_s3_bucket_versioning",
            "name": "other",
            "values": {
                "bucket": "someone-elses-bucket",
                "versioning_configuration": [{"status": "Enabled"}],
            },
        }
    )
    scan = plan_inventory(plan)
    assert scan.not_evaluated["aws_s3_bucket_versioning"] == ["aws_s3_bucket_versioning.other"]


def test_legacy_inline_bucket_blocks(plan_policies: list[CompiledPolicy]) -> None:
    scan = plan_inventory(fixture("legacy_inline.json"))
    bucket = scan.inventory.get("arn:aws:s3:::legacy-trail-logs")
    assert bucket is not None
    attrs = bucket.attrs
    assert attrs["region"] == "eu-west-1"
    assert attrs["object_lock"] == {"enabled": True, "mode": "GOVERNANCE", "retention_days": 365}
    assert attrs["versioning"] == {"status": "Enabled", "mfa_delete": False}
    assert attrs["encryption"]["kms_key_id"] == "arn:aws:kms:eu-west-1:111111111111:key/existing"
    assert attrs["logging"]["target_bucket"] == "legacy-access-logs"
    assert attrs["lifecycle"]["earliest_expiration_days"] == 90
    assert attrs["acl"]["reasons"] == ["ACL grants READ to AllUsers (anyone on the internet)"]
    # The policy is computed by the provider and not configured: no bucket policy.
    assert attrs["policy"]["present"] is False
    # A literal key outside the plan is a placeholder: never pass, never fail.
    key = scan.inventory.get("arn:aws:kms:eu-west-1:111111111111:key/existing")
    assert key is not None and key.placeholder is not None
    trail = next(iter(scan.inventory.of_type("aws.cloudtrail.trail")))
    assert trail.attrs["status"]["is_logging"] is False
    assert trail.attrs["management_events"] == {
        "read": False,
        "write": True,
        "excluded_sources": ["kms.amazonaws.com"],
        "read_excluded_sources": [],
        "write_excluded_sources": ["kms.amazonaws.com"],
    }
    assert trail.attrs["s3_data_events"]["write_all_buckets"] is True
    found = statuses(judge(plan_policies, scan.inventory))
    rid = "arn:aws:s3:::legacy-trail-logs"
    assert found[("aws-s3-trail-bucket-object-lock", rid)] is Status.FAIL  # GOVERNANCE
    assert found[("aws-s3-trail-bucket-lifecycle-retention", rid)] is Status.FAIL
    # A public ACL and no PAB of the bucket's own: the account's PAB decides, and it is not
    # in the plan.
    assert found[("aws-s3-trail-bucket-not-public", rid)] is Status.UNKNOWN


def test_state_file_uses_values_and_known_arns() -> None:
    plan = fixture("legacy_inline.json")
    state = {
        "format_version": "1.0",
        "terraform_version": "1.5.7",
        "values": copy.deepcopy(plan["planned_values"]),
    }
    trail_values = state["values"]["root_module"]["resources"][1]["values"]
    trail_values["arn"] = "arn:aws:cloudtrail:ap-south-1:111111111111:trail/legacy-trail"
    scan = plan_inventory(state)
    trail = next(iter(scan.inventory.of_type("aws.cloudtrail.trail")))
    assert trail.id == trail_values["arn"]
    assert trail.attrs["home_region"] == "ap-south-1"
    assert "not recorded in Terraform state" in trail.attrs["status"]["latest_delivery_time"].reason
    assert scan.deleted == []


def test_state_show_json_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format_version": "1.0", "values": {"root_module": {}}}))
    # Nothing of AWS in it: no AWS account either (account-scope policies of a cloud the plan
    # does not touch have nothing to judge).
    assert plan_inventory(load_plan(path)).inventory.counts() == {}
    instance = {"address": "aws_instance.web", "type": "aws_instance", "name": "web"}
    path.write_text(
        json.dumps({"format_version": "1.0", "values": {"root_module": {"resources": [instance]}}})
    )
    scan = plan_inventory(load_plan(path))
    assert scan.inventory.counts() == {"aws.account": 1}
    assert scan.not_evaluated == {"aws_instance": ["aws_instance.web"]}


# ----- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "text"),
    [
        ("malformed.json", 3, "not valid JSON"),
        (
            "unsupported_version.json",
            None,
            "unsupported format_version '2.0': supported are 0.1, 0.2 and 1.x",
        ),
        ("not_a_plan.json", None, "not the output of `terraform show -json`"),
    ],
)
def test_bad_plan_files_are_input_errors_naming_the_file(
    name: str, line: int | None, text: str
) -> None:
    with pytest.raises(InputError) as raised:
        load_plan(FIXTURES / name)
    assert isinstance(raised.value, PlanError)
    problem = raised.value.problems[0]
    assert problem.file == str(FIXTURES / name)
    assert problem.line == line
    assert text in problem.message


def test_missing_plan_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file; expected a plan file"):
        load_plan(tmp_path / "absent.json")


def test_accepted_format_versions(tmp_path: Path) -> None:
    for version in ("0.1", "0.2", "1.0", "1.2"):
        path = tmp_path / f"{version}.json"
        path.write_text(
            json.dumps({"format_version": version, "planned_values": {"root_module": {}}})
        )
        assert load_plan(path)["format_version"] == version


def test_bad_resource_shape_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "shape.json"
    path.write_text(
        json.dumps({"format_version": "1.2", "planned_values": {"root_module": {"resources": {}}}})
    )
    with pytest.raises(
        PlanError, match=r"at planned_values/root_module/resources: \{\} is not of type 'array'"
    ):
        load_plan(path)


# ----- the same statuses as the live adapter on the equivalent estate ----------------------


@pytest.fixture
def live_estate() -> Iterator[Callable[[], Any]]:
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    with pytest.MonkeyPatch.context() as mp:
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            mp.delenv(key, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        with moto.mock_aws():
            yield lambda: boto3.Session(region_name="us-east-1")


def test_same_statuses_as_the_live_adapter(
    plan_policies: list[CompiledPolicy], live_estate: Callable[[], Any]
) -> None:
    from scanner.evidence import EvidenceStore
    from scanner.providers.aws.collect import scan as collect_scan

    plan = fixture("compliant.json")
    # Partly compliant, so the comparison covers fails as well as passes.
    values(plan, "aws_s3_bucket_versioning.trail")["versioning_configuration"][0]["mfa_delete"] = (
        "Disabled"
    )
    values(plan, "aws_s3_bucket_lifecycle_configuration.trail")["rule"][0]["expiration"][0][
        "days"
    ] = 30
    drop(plan, "aws_s3_bucket_logging.trail")

    session = live_estate()
    s3 = session.client("s3")
    kms = session.client("kms")
    key = kms.create_key(Description="audit logs")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    s3.create_bucket(Bucket="acme-trail-logs", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket="acme-trail-logs",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 400}},
        },
    )
    s3.put_bucket_versioning(
        Bucket="acme-trail-logs", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_encryption(
        Bucket="acme-trail-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket="acme-trail-logs",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(
        Bucket="acme-trail-logs", Policy=values(plan, "aws_s3_bucket_policy.trail")["policy"]
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket="acme-trail-logs",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 30},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 400},
                }
            ]
        },
    )
    ct = session.client("cloudtrail")
    ct.create_trail(
        Name="acme-trail",
        S3BucketName="acme-trail-logs",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=key,
    )
    ct.start_logging(Name="acme-trail")
    live = collect_scan(session, ["us-east-1"], EvidenceStore()).inventory

    planned = plan_inventory(plan).inventory
    live_found, plan_found = judge(plan_policies, live), judge(plan_policies, planned)
    for pid in S3_POLICIES:
        assert plan_found[(pid, BUCKET)].status is live_found[(pid, BUCKET)].status, pid
    live_trail = next(r.id for r in live.of_type("aws.cloudtrail.trail"))
    for pid in ("aws-cloudtrail-log-file-validation", "aws-cloudtrail-kms-encryption"):
        assert plan_found[(pid, TRAIL)].status is live_found[(pid, live_trail)].status, pid
    assert {p: plan_found[(p, BUCKET)].status for p in S3_POLICIES} == {
        "aws-s3-trail-bucket-access-logging": Status.FAIL,
        "aws-s3-trail-bucket-lifecycle-retention": Status.FAIL,
        "aws-s3-trail-bucket-mfa-delete": Status.FAIL,
        "aws-s3-trail-bucket-not-public": Status.PASS,
        "aws-s3-trail-bucket-object-lock": Status.PASS,
        "aws-s3-trail-bucket-sse-kms": Status.PASS,
        "aws-s3-trail-bucket-tls-only": Status.PASS,
    }


def test_plan_scan_is_a_frozen_record() -> None:
    scan = plan_inventory(fixture("compliant.json"))
    assert isinstance(scan, PlanScan)
    with pytest.raises(AttributeError):
        scan.account = "other"  # type: ignore[misc]
