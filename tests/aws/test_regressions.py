"""Regression tests for the review fixes of the last commit, through boto3 against in-process moto.

Each test builds a small estate, lets the real collector (`scanner.providers.aws.collect.scan`)
read it through boto3, and judges it with the shipped catalogue (`pipeline.prepare`/`assess`) or
runs the CLI. Nothing of the scanner is patched. Where moto cannot produce what AWS answers (an
organization trail seen from a member account, a log-group-level resource policy), the `answer`
fixture answers that one call through the SDK's own `before-call` event, like conftest's `deny`,
with the response AWS documents; every other call goes to moto.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.evidence import EvidenceStore
from scanner.model import Finding, Resource, Status, Unknowable
from scanner.providers.aws.declare import regional_types
from scanner.providers.aws.services import SERVICES
from tests.aws.helpers import assess

ACCOUNT = "123456789012"  # moto's default account: the scanned (member) account
MANAGEMENT = "111111111111"  # the organization's management account, never scanned
OUTSIDER = "999999999999"
EAST = "us-east-1"
REPO = Path(__file__).resolve().parents[2]
# The types a disabled region errs (test_declarations pins the list itself).
REGIONAL_TYPES = regional_types(SERVICES)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def collect(
    session: Any, regions: list[str] | None = None, evidence: EvidenceStore | None = None
) -> Any:
    """The collector exactly as the pipeline calls it (one region unless told otherwise)."""
    from scanner.providers.aws.collect import scan

    return scan(
        session,
        [EAST] if regions is None else regions,
        EvidenceStore() if evidence is None else evidence,
    )


def finding(findings: list[Finding], policy_id: str, rid: str) -> Finding:
    hits = [f for f in findings if f.policy_id == policy_id and f.resource_id == rid]
    assert len(hits) == 1, f"{policy_id} on {rid}: {hits}"
    return hits[0]


def get(collected: Any, rid: str) -> Resource:
    found: Resource | None = collected.inventory.get(rid)
    assert found is not None, f"{rid} was not collected"
    return found


def trail_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:cloudtrail:{EAST}:{account}:trail/{name}"


def group_arn(name: str) -> str:
    return f"arn:aws:logs:{EAST}:{ACCOUNT}:log-group:{name}"


def json_body(params: dict[str, Any]) -> dict[str, Any]:
    """The request parameters of a JSON-protocol call, as a before-call handler sees them."""
    body = params.get("body") or b"{}"
    decoded: dict[str, Any] = json.loads(body.decode() if isinstance(body, bytes) else body)
    return decoded


AnswerFn = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def answer() -> AnswerFn:
    """Answer one operation with a given parsed response through a `before-call` handler on the
    session (the counterpart of conftest's `deny`): the real client returns it as if AWS had
    sent it, and every call `when` rejects still goes to moto. Returns the request parameters
    of the answered calls."""

    def install(
        session: Any,
        service_id: str,
        operation: str,
        response: dict[str, Any],
        *,
        when: Callable[[dict[str, Any]], bool] = lambda _p: True,
    ) -> list[dict[str, Any]]:
        from botocore.awsrequest import AWSResponse

        answered: list[dict[str, Any]] = []

        def handler(params: dict[str, Any], **_: Any) -> Any:
            if not when(params):
                return None
            answered.append(json_body(params))
            return (
                AWSResponse(params["url"], 200, {}, None),
                {**response, "ResponseMetadata": {"HTTPStatusCode": 200}},
            )

        session.events.register(f"before-call.{service_id}.{operation}", handler)
        return answered

    return install


# --------------------------------------------------------------------------------------------
# 1. An organization trail of the management account counts for the member account
# --------------------------------------------------------------------------------------------


def test_org_trail_of_management_account_counts_for_the_member_account(
    prepared: Any, moto_session: Any, answer: AnswerFn
) -> None:
    """moto keeps trails per account and has no organization view, so DescribeTrails,
    GetTrailStatus and GetEventSelectors answer as AWS does in a member account: the org trail
    listed with the management account's ARN. The member has no trail of its own."""
    org = trail_arn("org-trail", MANAGEMENT)
    listed = answer(
        moto_session,
        "cloudtrail",
        "DescribeTrails",
        {
            "trailList": [
                {
                    "Name": "org-trail",
                    "TrailARN": org,
                    "S3BucketName": "org-central-trail-logs",
                    "IncludeGlobalServiceEvents": True,
                    "IsMultiRegionTrail": True,
                    "HomeRegion": EAST,
                    "LogFileValidationEnabled": True,
                    "HasCustomEventSelectors": False,
                    "HasInsightSelectors": False,
                    "IsOrganizationTrail": True,
                }
            ]
        },
    )
    answer(
        moto_session,
        "cloudtrail",
        "GetTrailStatus",
        {"IsLogging": True, "LatestDeliveryTime": datetime.now(UTC)},
        when=lambda p: json_body(p).get("Name") == org,
    )
    answer(
        moto_session,
        "cloudtrail",
        "GetEventSelectors",
        {
            "TrailARN": org,
            "EventSelectors": [
                {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}
            ],
        },
        when=lambda p: json_body(p).get("TrailName") == org,
    )

    collected = collect(moto_session)
    assert listed, "precondition: the scanner asked DescribeTrails"
    trail = get(collected, org)
    assert trail.account == MANAGEMENT
    assert trail.attrs["is_organization_trail"] is True
    assert trail.also_accounts == (ACCOUNT,)
    # The Inventory's account index serves it to the member account's account-scope policies.
    assert collected.inventory.of_type("aws.cloudtrail.trail", ACCOUNT) == [trail]
    assert collected.inventory.of_type("aws.cloudtrail.trail", MANAGEMENT) == [trail]

    findings = assess(prepared, collected)
    multi = finding(findings, "aws-cloudtrail-multi-region-logging", f"arn:aws:iam::{ACCOUNT}:root")
    assert multi.status is Status.PASS, multi.message
    assert org in multi.related


# --------------------------------------------------------------------------------------------
# 2. ListBuckets denied: the trail bucket is an error, not "not owned"
# --------------------------------------------------------------------------------------------


def test_list_buckets_denied_makes_the_trail_bucket_an_error(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    moto_session.client("s3", region_name=EAST).create_bucket(Bucket="own-trail-logs")
    moto_session.client("cloudtrail", region_name=EAST).create_trail(
        Name="main-trail", S3BucketName="own-trail-logs"
    )
    denied = deny(moto_session, "s3", "ListBuckets")
    collected = collect(moto_session)
    assert [op for op, _r in denied] == ["ListBuckets"]
    (error,) = [
        e
        for e in collected.inventory.errors
        if e.operation == "ListBuckets" and "aws.kms.key" not in e.resource_types
    ]
    assert error.region == "global"
    assert "aws.s3.bucket" in error.resource_types

    rid = "arn:aws:s3:::own-trail-logs"
    bucket = get(collected, rid)
    assert bucket.placeholder is not None
    assert bucket.placeholder.error is True
    assert "not owned" not in bucket.placeholder.reason
    assert "ListBuckets" in bucket.placeholder.reason
    assert bucket.links["trails"].targets == (trail_arn("main-trail"),)

    findings = assess(prepared, collected)
    bucket_policies = [p.id for p in prepared.policies if p.resource == "aws.s3.bucket"]
    assert bucket_policies
    for pid in bucket_policies:
        got = finding(findings, pid, rid)
        assert got.status is Status.ERROR, (pid, got.message)
        assert "not owned" not in got.message


# --------------------------------------------------------------------------------------------
# 3. A bucket key named by alias or bare key id links to the real key
# --------------------------------------------------------------------------------------------


def test_bucket_key_named_by_alias_or_key_id_is_resolved_and_judged(
    prepared: Any, moto_session: Any
) -> None:
    """Each key is named by one store only; a key named two ways has its own test below."""
    kms = moto_session.client("kms", region_name=EAST)
    s3 = moto_session.client("s3", region_name=EAST)
    ct = moto_session.client("cloudtrail", region_name=EAST)
    rotated = kms.create_key(Description="aliased")["KeyMetadata"]
    kms.create_alias(AliasName="alias/trail-logs", TargetKeyId=rotated["KeyId"])
    kms.enable_key_rotation(KeyId=rotated["KeyId"])
    unrotated = kms.create_key(Description="by id")["KeyMetadata"]
    named = {
        "alias-trail-logs": ("alias/trail-logs", rotated, Status.PASS),
        "keyid-trail-logs": (unrotated["KeyId"], unrotated, Status.FAIL),
    }
    for bucket, (ref, _key, _status) in named.items():
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": ref,
                        }
                    }
                ]
            },
        )
        ct.create_trail(Name=f"{bucket}-trail", S3BucketName=bucket)

    collected = collect(moto_session)
    findings = assess(prepared, collected)
    for bucket, (ref, key, status) in named.items():
        store = get(collected, f"arn:aws:s3:::{bucket}")
        assert store.attrs["encryption"]["kms_key_id"] == ref, "precondition: named as written"
        assert store.links["kms_key"].targets == (key["Arn"],), bucket
        cmk = get(collected, key["Arn"])
        assert cmk.placeholder is None
        assert ref in cmk.attrs["references"]
        assert cmk.attrs["rotation_enabled"] is (status is Status.PASS)
        assert cmk.links["protects"].targets == (store.id,)
        assert {e.operation for e in cmk.evidence} == {"DescribeKey", "GetKeyRotationStatus"}
        got = finding(findings, "aws-kms-log-key-rotation", key["Arn"])
        assert got.status is status, (bucket, got.message)
    # No placeholder for an alias or id "key" was invented next to the real keys.
    assert sorted(k.id for k in collected.inventory.of_type("aws.kms.key")) == sorted(
        k["Arn"] for _r, k, _s in named.values()
    )


def test_key_named_by_arn_and_alias_is_one_key_every_time(prepared: Any, moto_session: Any) -> None:
    """The trail names the key by ARN, its bucket by alias: both DescribeKey lookups resolve to
    one key, whichever finishes first (this used to depend on thread timing)."""
    kms = moto_session.client("kms", region_name=EAST)
    s3 = moto_session.client("s3", region_name=EAST)
    key = kms.create_key(Description="trail key")["KeyMetadata"]
    kms.create_alias(AliasName="alias/trail-logs", TargetKeyId=key["KeyId"])
    kms.enable_key_rotation(KeyId=key["KeyId"])
    s3.create_bucket(Bucket="two-names-logs")
    s3.put_bucket_encryption(
        Bucket="two-names-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": "alias/trail-logs",
                    }
                }
            ]
        },
    )
    moto_session.client("cloudtrail", region_name=EAST).create_trail(
        Name="two-names", S3BucketName="two-names-logs", KmsKeyId=key["Arn"]
    )
    for _ in range(8):
        collected = collect(moto_session)
        keys = collected.inventory.of_type("aws.kms.key")
        assert [k.id for k in keys] == [key["Arn"]]
        assert sorted(keys[0].attrs["references"]) == sorted(["alias/trail-logs", key["Arn"]])
        assert len(keys[0].links["protects"].targets) == 2


# --------------------------------------------------------------------------------------------
# 4. A log-group-level resource policy sharing the trail's log group fails the policy
# --------------------------------------------------------------------------------------------


def _trails_to_groups(session: Any, groups: list[str]) -> None:
    """One trail per log group, so each group is linked to a log source."""
    session.client("s3", region_name=EAST).create_bucket(Bucket="cwl-trail-logs")
    logs = session.client("logs", region_name=EAST)
    ct = session.client("cloudtrail", region_name=EAST)
    for name in groups:
        logs.create_log_group(logGroupName=name)
        ct.create_trail(
            Name=f"trail{name.replace('/', '-')}",
            S3BucketName="cwl-trail-logs",
            CloudWatchLogsLogGroupArn=f"{group_arn(name)}:*",
            CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/TrailToLogs",
        )


def _sharing_document(group: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadForPartner",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{OUTSIDER}:root"},
                    "Action": ["logs:GetLogEvents", "logs:FilterLogEvents"],
                    "Resource": f"{group_arn(group)}:*",
                }
            ],
        }
    )


def _assert_shared_group_fails(prepared: Any, collected: Any) -> None:
    shared = get(collected, group_arn("/audit/shared"))
    private = get(collected, group_arn("/audit/private"))
    assert shared.links["log_sources"].targets, "precondition: a trail delivers to it"
    assert shared.attrs["shared_exposures"], shared.attrs["shared_exposures"]
    assert all(OUTSIDER in reason for reason in shared.attrs["shared_exposures"])
    assert private.attrs["shared_exposures"] == []
    findings = assess(prepared, collected)
    got = finding(findings, "aws-logs-trail-log-group-not-shared", shared.id)
    assert got.status is Status.FAIL, got.message
    assert OUTSIDER in got.message
    ok = finding(findings, "aws-logs-trail-log-group-not-shared", private.id)
    assert ok.status is Status.PASS, ok.message


def test_log_group_level_resource_policy_is_read_for_exposure(
    prepared: Any, moto_session: Any, answer: AnswerFn
) -> None:
    """Only the RESOURCE-scoped DescribeResourcePolicies names the policy (as in AWS, where
    the default ACCOUNT scope omits it); moto answers the ACCOUNT scope: no policies."""
    _trails_to_groups(moto_session, ["/audit/shared", "/audit/private"])
    asked = answer(
        moto_session,
        "cloudwatch-logs",
        "DescribeResourcePolicies",
        {
            "resourcePolicies": [
                {
                    "policyName": "share-audit",
                    "policyScope": "RESOURCE",
                    "resourceArn": group_arn("/audit/shared"),
                    "policyDocument": _sharing_document("/audit/shared"),
                    "lastUpdatedTime": 1767225600000,
                    "revisionId": "1",
                }
            ]
        },
        when=lambda p: json_body(p).get("policyScope") == "RESOURCE",
    )
    collected = collect(moto_session)
    assert asked == [{"policyScope": "RESOURCE"}]
    _assert_shared_group_fails(prepared, collected)


ROOT_PATTERN = (
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }'
)


def watched_estate(session: Any, actions: Callable[[Any], list[str]]) -> None:
    """A logging multi-region trail delivering to a log group whose root-usage filter has an
    alarm notifying `actions(sns client)`: everything CIS 4.3 asks, but the topics."""
    session.client("s3", region_name=EAST).create_bucket(Bucket="watched-trail-logs")
    logs = session.client("logs", region_name=EAST)
    logs.create_log_group(logGroupName="/trail/watched")
    logs.put_metric_filter(
        logGroupName="/trail/watched",
        filterName="root-usage",
        filterPattern=ROOT_PATTERN,
        metricTransformations=[
            {"metricName": "RootUsage", "metricNamespace": "Security", "metricValue": "1"}
        ],
    )
    session.client("cloudwatch", region_name=EAST).put_metric_alarm(
        AlarmName="root-usage-alarm",
        MetricName="RootUsage",
        Namespace="Security",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=actions(session.client("sns", region_name=EAST)),
    )
    ct = session.client("cloudtrail", region_name=EAST)
    ct.create_trail(
        Name="watched",
        S3BucketName="watched-trail-logs",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        CloudWatchLogsLogGroupArn=f"{group_arn('/trail/watched')}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/TrailToLogs",
    )
    ct.start_logging(Name="watched")


# --------------------------------------------------------------------------------------------
# 5. Subscriptions are asked per notified topic; other topics stay unknown, harmlessly
# --------------------------------------------------------------------------------------------


def test_notified_topic_gets_subscriptions_and_others_stay_unknown(
    prepared: Any, moto_session: Any
) -> None:
    s = moto_session
    sns = s.client("sns", region_name=EAST)
    alerts = sns.create_topic(Name="sec-alerts")["TopicArn"]
    sns.subscribe(TopicArn=alerts, Protocol="https", Endpoint="https://hooks.example.com/sec")
    sns.subscribe(TopicArn=alerts, Protocol="email", Endpoint="soc@example.com")
    quiet = sns.create_topic(Name="newsletter")["TopicArn"]
    sns.subscribe(TopicArn=quiet, Protocol="email", Endpoint="news@example.com")
    watched_estate(s, lambda _sns: [alerts])

    collected = collect(s)
    asked = [(op, region) for service, op, region in collected.api.operations if service == "sns"]
    assert sorted(asked) == [("ListSubscriptionsByTopic", EAST), ("ListTopics", EAST)]

    notified = get(collected, alerts)
    assert notified.attrs["subscriptions_confirmed"] == 2
    assert notified.attrs["subscriptions_pending"] == 0
    assert sorted(x["protocol"] for x in notified.attrs["subscriptions"]) == ["email", "https"]
    by_topic = [e for e in notified.evidence if e.operation == "ListSubscriptionsByTopic"]
    assert [e.params.get("TopicArn") for e in by_topic] == [alerts]

    other = get(collected, quiet)
    assert other.placeholder is None
    for attr in ("subscriptions_confirmed", "subscriptions_pending", "subscriptions"):
        value = other.attrs[attr]
        assert isinstance(value, Unknowable) and value.error is False, (attr, value)
    assert {e.operation for e in other.evidence} == {"ListTopics"}

    findings = assess(prepared, collected)
    root = finding(findings, "aws-monitoring-root-usage", f"arn:aws:iam::{ACCOUNT}:root")
    assert root.status is Status.PASS, root.message
    # The unasked topic is judged by nothing and drags no finding into unknown or error.
    assert not [f for f in findings if f.resource_id == quiet or quiet in f.related]
    assert not [f for f in findings if "only of topics that an alarm notifies" in f.message]
    monitoring = [f for f in findings if f.policy_id.startswith("aws-monitoring-")]
    assert monitoring and {f.status for f in monitoring} <= {Status.PASS, Status.FAIL}


# --------------------------------------------------------------------------------------------
# 6. Lifecycle expiry counts only where the trail writes
# --------------------------------------------------------------------------------------------


def test_lifecycle_expiry_is_judged_only_under_awslogs(prepared: Any, moto_session: Any) -> None:
    s3 = moto_session.client("s3", region_name=EAST)
    ct = moto_session.client("cloudtrail", region_name=EAST)
    rules = {
        "tmp-expiry-logs": ({"Prefix": "tmp/"}, 1, None, Status.PASS),
        "all-expiry-logs": ({"Prefix": ""}, 30, 30, Status.FAIL),
    }
    for bucket, (filt, days, _earliest, _status) in rules.items():
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "expire",
                        "Status": "Enabled",
                        "Filter": filt,
                        "Expiration": {"Days": days},
                    }
                ]
            },
        )
        ct.create_trail(Name=f"{bucket}-trail", S3BucketName=bucket)  # writes to AWSLogs/

    collected = collect(moto_session)
    findings = assess(prepared, collected)
    for bucket, (_filt, _days, earliest, status) in rules.items():
        rid = f"arn:aws:s3:::{bucket}"
        lifecycle = get(collected, rid).attrs["lifecycle"]
        assert [r["ID"] for r in lifecycle["rules"]] == ["expire"], bucket
        assert lifecycle["earliest_expiration_days"] == earliest, bucket
        got = finding(findings, "aws-s3-trail-bucket-lifecycle-retention", rid)
        assert got.status is status, (bucket, got.message)


# --------------------------------------------------------------------------------------------
# 7. DescribeRegions denied: one region, said so, and regional policies error
# --------------------------------------------------------------------------------------------


def test_describe_regions_denied_scans_home_and_reports_it(
    prepared: Any, moto_session: Any, deny: Callable[..., Any]
) -> None:
    from tests.support.pipeline import scan_session

    denied = deny(moto_session, "ec2", "DescribeRegions")
    regions_called: set[str] = set()

    def record(context: dict[str, Any], **_: Any) -> None:
        regions_called.add(str(context.get("client_region")))

    moto_session.events.register("before-call", record)
    assessment = scan_session(prepared, moto_session)
    findings, results = list(assessment.findings), assessment.to_json()
    assert denied == [("DescribeRegions", EAST)]
    assert regions_called - {"aws-global"} == {EAST}  # IAM signs for aws-global
    assert results["scan"]["regions"] == [EAST]
    limits = " ".join(results["scan"]["limits"])
    assert "enabled regions could not be listed" in limits and EAST in limits
    assert any(e["operation"] == "DescribeRegions" for e in results["errors"])

    regional = [p for p in prepared.policies if p.resource in REGIONAL_TYPES]
    assert regional
    for policy in regional:
        gaps = [f for f in findings if f.policy_id == policy.id and f.region == "*"]
        assert [f.status for f in gaps] == [Status.ERROR], policy.id
        assert "other regions were not scanned" in gaps[0].message, policy.id


# --------------------------------------------------------------------------------------------
# 8. Each resource cites only its own page
# --------------------------------------------------------------------------------------------


def test_log_groups_cite_only_their_own_describe_page(moto_session: Any) -> None:
    logs = moto_session.client("logs", region_name=EAST)
    names = [f"/app/group-{i:02d}" for i in range(60)]
    for name in names:
        logs.create_log_group(logGroupName=name)
    collected = collect(moto_session)
    pages = [
        op
        for service, op, _r in collected.api.operations
        if (service, op) == ("logs", "DescribeLogGroups")
    ]
    assert len(pages) == 2, "precondition: moto pages DescribeLogGroups at 50"

    groups = collected.inventory.of_type("aws.logs.log_group")
    assert sorted(g.name for g in groups) == names
    cited: dict[str, list[str]] = {}
    for group in groups:
        refs = [e for e in group.evidence if e.operation == "DescribeLogGroups"]
        assert len(refs) == 1, (group.name, len(refs))  # its page, not every page
        cited.setdefault(refs[0].sha256, []).append(group.name)
        assert collected.evidence.get(refs[0].sha256) is not None
    assert sorted(len(v) for v in cited.values()) == [10, 50]
    for sha, members in cited.items():
        page = json.loads(collected.evidence.get(sha))
        assert members and all(name in json.dumps(page) for name in members)


# --------------------------------------------------------------------------------------------
# 9. The demo ignores the user's AWS settings
# --------------------------------------------------------------------------------------------


def test_demo_ignores_user_endpoint_and_profile(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
        AWS_PROFILE="nosuch",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    out = tmp_path / "report"
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "demo", "--quiet", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["scan"]["source"] == "demo"
    assert results["summary"]["pass"] > 0
    assert not [e for e in results["errors"] if "127.0.0.1" in json.dumps(e)]


# --------------------------------------------------------------------------------------------
# 10, 11. CLI exit codes
# --------------------------------------------------------------------------------------------


@pytest.fixture
def moto_cli() -> Iterator[CliRunner]:
    """A CliRunner whose `logward scan aws` reaches an in-process moto."""
    from moto import mock_aws

    with mock_aws():
        yield CliRunner()


def _output(result: Any) -> str:
    return str(result.output) + str(getattr(result, "stderr", "") or "")


def test_unexpected_exception_exits_3_not_1(moto_cli: CliRunner, tmp_path: Path) -> None:
    """A real input the scan does not anticipate: --out names an existing file, so writing
    the results raises FileExistsError after a successful scan (no InputError/RunError)."""
    from scanner.cli import main

    occupied = tmp_path / "not-a-dir"
    occupied.write_text("taken", encoding="utf-8")
    result = moto_cli.invoke(
        main, ["scan", "aws", "--regions", EAST, "--quiet", "--out", str(occupied / "report")]
    )
    assert result.exit_code == 3, (result.exit_code, _output(result), result.exception)
    assert "internal error" in _output(result)
    assert "LOGWARD_DEBUG" in _output(result)


def test_misspelled_region_exits_2_naming_it(moto_cli: CliRunner, tmp_path: Path) -> None:
    from scanner.cli import main

    result = moto_cli.invoke(
        main,
        ["scan", "aws", "--regions", "us-eest-1", "--quiet", "--out", str(tmp_path / "report")],
    )
    assert result.exit_code == 2, (result.exit_code, _output(result), result.exception)
    assert "us-eest-1" in _output(result)
    assert not (tmp_path / "report").exists()


# --------------------------------------------------------------------------------------------
# 12. Tamper analysis: versioning on the bucket and deletion of the trail key
# --------------------------------------------------------------------------------------------


def test_tamper_grants_cover_bucket_versioning_and_key_deletion(
    prepared: Any, moto_session: Any
) -> None:
    s = moto_session
    key = s.client("kms", region_name=EAST).create_key(Description="trail")["KeyMetadata"]["Arn"]
    s.client("s3", region_name=EAST).create_bucket(Bucket="guarded-trail-logs")
    s.client("cloudtrail", region_name=EAST).create_trail(
        Name="guarded", S3BucketName="guarded-trail-logs", KmsKeyId=key
    )
    iam = s.client("iam", region_name=EAST)
    grants = {
        "versioning-op": ("s3:PutBucketVersioning", "arn:aws:s3:::guarded-trail-logs"),
        "key-op": ("kms:ScheduleKeyDeletion", key),
        "reader": ("s3:GetObject", "arn:aws:s3:::guarded-trail-logs/*"),
    }
    for user, (action, resource) in grants.items():
        iam.create_user(UserName=user)
        iam.put_user_policy(
            UserName=user,
            PolicyName="only",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
                }
            ),
        )

    collected = collect(s)
    trail = get(collected, trail_arn("guarded"))
    assert trail.links["kms_key"].targets == (key,)
    rows = [g for g in trail.attrs["tamper_grants"] if isinstance(g, dict)]
    by_user: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        by_user.setdefault(row["principal"].rsplit("/", 1)[-1], set()).add(
            (row["action"], row["resource"])
        )
    assert by_user.get("versioning-op") == {
        ("s3:PutBucketVersioning", "arn:aws:s3:::guarded-trail-logs")
    }
    assert by_user.get("key-op") == {("kms:ScheduleKeyDeletion", key)}
    assert "reader" not in by_user

    findings = assess(prepared, collected)
    got = finding(findings, "aws-cloudtrail-tamper-principals", trail.id)
    assert got.status is Status.FAIL, got.message
    assert "user/versioning-op can s3:PutBucketVersioning" in got.message
    assert "user/key-op can kms:ScheduleKeyDeletion" in got.message


def test_an_alarm_without_actions_enabled_is_not_assumed_enabled(moto_session: Any) -> None:
    """AWS always reports ActionsEnabled; an answer without it leaves the alarm's actions
    unknown instead of enabled (a missing field must never read as a pass)."""
    cw = moto_session.client("cloudwatch", region_name=EAST)
    cw.put_metric_alarm(
        AlarmName="no-flag",
        MetricName="M",
        Namespace="N",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )

    def drop_flag(parsed: dict[str, Any], **_: Any) -> None:
        for alarm in parsed.get("MetricAlarms", []):
            alarm.pop("ActionsEnabled", None)

    moto_session.events.register("after-call.cloudwatch.DescribeAlarms", drop_flag)
    (alarm,) = collect(moto_session).inventory.of_type("aws.cloudwatch.alarm")
    assert isinstance(alarm.attrs["actions_enabled"], Unknowable)
