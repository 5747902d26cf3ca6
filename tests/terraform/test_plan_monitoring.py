"""The Terraform adapter's monitoring and coverage types (metric filters, alarms, SNS topics,
VPC flow logs, AWS Config recorders, regions), judged by the shipped policies under
--assume-complete exactly as a live scan is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.inventory import Inventory
from scanner.model import Finding, Link, Status, Unknowable
from scanner.plan.inventory import plan_inventory
from scanner.plan.read import load_plan
from scanner.policy.engine import evaluate
from scanner.policy.loader import CompiledPolicy, compile_policies, load_policies
from scanner.providers.aws.analysis.cis_patterns import CIS_PATTERNS
from tests.terraform.planedit import drop, expressions, unknown, values

FIXTURES = Path(__file__).parent / "fixtures"
ACCOUNT = "plan:plan"
GROUP = "aws_cloudwatch_log_group.trail"
FILTER = "aws_cloudwatch_log_metric_filter.root_usage"
ALARM = "aws_cloudwatch_metric_alarm.root_usage"
TOPIC = "aws_sns_topic.security_alerts"
SUB = "aws_sns_topic_subscription.pager"
TRAIL = "aws_cloudtrail.main"
VPC = "aws_vpc.main"
LEGACY = "aws_vpc.legacy"
FLOW = "aws_flow_log.main"
FLOW_GROUP = "aws_cloudwatch_log_group.flow"
RECORDER = "aws_config_configuration_recorder.main"
STATUS = "aws_config_configuration_recorder_status.main"
EAST, WEST = "aws:plan:region/us-east-1", "aws:plan:region/eu-west-1"


@pytest.fixture(scope="module")
def complete_policies() -> list[CompiledPolicy]:
    """The policies `logward plan --assume-complete` evaluates (account scope included)."""
    compiled = compile_policies(load_policies(), {})
    return [c for c in compiled if c.policy.provider == "aws" and "plan" in c.policy.evaluate_on]


def fixture(name: str) -> dict[str, Any]:
    return load_plan(FIXTURES / name)


def judge(policies: list[CompiledPolicy], plan: dict[str, Any]) -> dict[tuple[str, str], Finding]:
    inventory = plan_inventory(plan).inventory
    return {(f.policy_id, f.resource_id): f for f in evaluate(policies, inventory)}


def inventory_of(plan: dict[str, Any]) -> Inventory:
    return plan_inventory(plan).inventory


# ----- editing a plan the way another configuration would have produced it -----------------


def subscribe(plan: dict[str, Any], protocol: str, auto_confirms: bool | None) -> None:
    """The fixture's subscription with another protocol (auto_confirms None: omitted)."""
    sub = values(plan, SUB)
    sub.update(protocol=protocol, endpoint="security@example.com")
    sub.pop("endpoint_auto_confirms", None)
    expressions(plan, SUB).pop("endpoint_auto_confirms", None)
    if auto_confirms is not None:
        sub["endpoint_auto_confirms"] = auto_confirms


# ----- trail -> log group -> metric filter -> alarm -> topic -> subscription ----------------


def test_fixture_filter_uses_the_cis_root_usage_pattern() -> None:
    plan = fixture("monitoring.json")
    assert values(plan, FILTER)["pattern"] == CIS_PATTERNS["root-usage"].pattern


def test_root_usage_chain_passes_and_a_missing_filter_fails(
    complete_policies: list[CompiledPolicy],
) -> None:
    found = judge(complete_policies, fixture("monitoring.json"))
    root = found[("aws-monitoring-root-usage", ACCOUNT)]
    assert root.status is Status.PASS, root.message
    # The plan has no filter for unauthorized API calls: the CIS 4.1 policy fails.
    other = found[("aws-monitoring-unauthorized-api-calls", ACCOUNT)]
    assert other.status is Status.FAIL, other.message
    assert found[("aws-cloudtrail-multi-region-logging", ACCOUNT)].status is Status.PASS


def test_monitoring_resources_and_links_follow_the_live_shapes() -> None:
    inventory = inventory_of(fixture("monitoring.json"))
    metric_filter = inventory.get(FILTER)
    assert metric_filter is not None and metric_filter.type == "aws.logs.metric_filter"
    assert metric_filter.attrs == {
        "name": "root-usage",
        "log_group_name": "/aws/cloudtrail/acme",
        "pattern": CIS_PATTERNS["root-usage"].pattern,
        "metrics": [{"name": "RootAccountUsage", "namespace": "CISBenchmark", "dimensions": []}],
    }
    assert metric_filter.links["log_group"].targets == (GROUP,)
    assert metric_filter.links["alarms"].targets == (ALARM,)
    group = inventory.get(GROUP)
    assert group is not None and group.links["metric_filters"].targets == (FILTER,)
    assert group.links["log_sources"].targets == (TRAIL,)
    alarm = inventory.get(ALARM)
    assert alarm is not None
    # The topic's ARN is known only after apply; the reference names the topic all the same.
    assert alarm.attrs == {
        "name": "root-usage",
        "metric_name": "RootAccountUsage",
        "namespace": "CISBenchmark",
        "actions_enabled": True,
        "alarm_actions": [TOPIC],
        "dimensions": [],
        "state": None,
    }
    assert alarm.links["sns_topics"] == Link((TOPIC,))
    topic = inventory.get(TOPIC)
    assert topic is not None and topic.links == {}  # as live: a topic links nowhere
    assert topic.attrs == {
        "name": "security-alerts",
        "subscriptions": [{"protocol": "https", "confirmed": True}],
        "subscriptions_confirmed": 1,
        "subscriptions_pending": 0,
    }


def test_email_only_subscription_leaves_root_usage_unknown(
    complete_policies: list[CompiledPolicy],
) -> None:
    plan = fixture("monitoring.json")
    subscribe(plan, "email", None)
    found = judge(complete_policies, plan)
    root = found[("aws-monitoring-root-usage", ACCOUNT)]
    assert root.status is Status.UNKNOWN
    assert "email subscriptions are confirmed by the recipient after apply" in root.message
    topic = inventory_of(plan).get(TOPIC)
    assert topic is not None
    assert isinstance(topic.attrs["subscriptions_confirmed"], Unknowable)
    assert topic.attrs["subscriptions"][0]["protocol"] == "email"


def test_topic_without_subscription_has_none_confirmed(
    complete_policies: list[CompiledPolicy],
) -> None:
    plan = fixture("monitoring.json")
    drop(plan, SUB)
    topic = inventory_of(plan).get(TOPIC)
    assert topic is not None
    assert topic.attrs["subscriptions"] == []
    assert topic.attrs["subscriptions_confirmed"] == 0
    assert topic.attrs["subscriptions_pending"] == 0
    found = judge(complete_policies, plan)
    assert found[("aws-monitoring-root-usage", ACCOUNT)].status is Status.FAIL


@pytest.mark.parametrize(
    ("protocol", "auto_confirms", "expected"),
    [
        ("sqs", None, True),
        ("lambda", None, True),
        ("firehose", None, True),
        ("application", None, True),
        ("https", True, True),
        ("http", True, True),
        ("https", None, "confirmed by the endpoint after apply"),
        ("https", False, "confirmed by the endpoint after apply"),
        ("email", None, "confirmed by the recipient after apply"),
        ("email-json", True, "confirmed by the recipient after apply"),
    ],
)
def test_subscription_confirmation_rule(
    protocol: str, auto_confirms: bool | None, expected: bool | str
) -> None:
    plan = fixture("monitoring.json")
    subscribe(plan, protocol, auto_confirms)
    topic = inventory_of(plan).get(TOPIC)
    assert topic is not None
    confirmed = topic.attrs["subscriptions"][0]["confirmed"]
    if expected is True:
        assert confirmed is True
        assert topic.attrs["subscriptions_confirmed"] == 1
    else:
        assert isinstance(confirmed, Unknowable) and str(expected) in confirmed.reason


def test_existing_subscription_uses_pending_confirmation() -> None:
    plan = fixture("monitoring.json")
    subscribe(plan, "email", None)
    values(plan, SUB)["pending_confirmation"] = True
    del unknown(plan, SUB)["pending_confirmation"]
    topic = inventory_of(plan).get(TOPIC)
    assert topic is not None
    assert topic.attrs["subscriptions_confirmed"] == 0
    assert topic.attrs["subscriptions_pending"] == 1


def test_alarm_dimensions_must_match_the_filter_as_live(
    complete_policies: list[CompiledPolicy],
) -> None:
    plan = fixture("monitoring.json")
    values(plan, ALARM)["dimensions"] = {"InstanceId": "i-0123456789abcdef0"}
    inventory = inventory_of(plan)
    metric_filter = inventory.get(FILTER)
    assert metric_filter is not None and metric_filter.links["alarms"].targets == ()
    found = judge(complete_policies, plan)
    assert found[("aws-monitoring-root-usage", ACCOUNT)].status is Status.FAIL


def test_disabled_alarm_actions_fail(complete_policies: list[CompiledPolicy]) -> None:
    plan = fixture("monitoring.json")
    values(plan, ALARM)["actions_enabled"] = False
    found = judge(complete_policies, plan)
    root = found[("aws-monitoring-root-usage", ACCOUNT)]
    assert root.status is Status.FAIL
    assert "actions_enabled is false" in root.message


def test_alarm_action_the_plan_cannot_name_leaves_the_link_unresolved(
    complete_policies: list[CompiledPolicy],
) -> None:
    plan = fixture("monitoring.json")
    values(plan, ALARM)["alarm_actions"] = [None, None]
    unknown(plan, ALARM)["alarm_actions"] = [True, True]
    expressions(plan, ALARM)["alarm_actions"]["references"] += ["var.extra_action"]
    alarm = inventory_of(plan).get(ALARM)
    assert alarm is not None
    assert isinstance(alarm.attrs["alarm_actions"], Unknowable)
    link = alarm.links["sns_topics"]
    assert link.targets == (TOPIC,) and link.unresolved is not None
    # The topic that is known passes: an unknown second action cannot undo that.
    assert found_status(complete_policies, plan) is Status.PASS
    subscribe(plan, "email", None)
    assert found_status(complete_policies, plan) is Status.UNKNOWN


def found_status(policies: list[CompiledPolicy], plan: dict[str, Any]) -> Status:
    return judge(policies, plan)[("aws-monitoring-root-usage", ACCOUNT)].status


def test_literal_topic_outside_the_plan_is_a_placeholder(
    complete_policies: list[CompiledPolicy],
) -> None:
    plan = fixture("monitoring.json")
    arn = "arn:aws:sns:us-east-1:111111111111:central-alerts"
    values(plan, ALARM)["alarm_actions"] = [arn]
    unknown(plan, ALARM).pop("alarm_actions")
    expressions(plan, ALARM)["alarm_actions"] = {"constant_value": [arn]}
    inventory = inventory_of(plan)
    placeholder = inventory.get(arn)
    assert placeholder is not None and placeholder.placeholder is not None
    assert placeholder.name == "central-alerts"
    root = judge(complete_policies, plan)[("aws-monitoring-root-usage", ACCOUNT)]
    assert root.status is Status.UNKNOWN
    assert "not in this plan" in root.message


def test_literal_log_group_name_links_in_the_plan_and_nowhere_outside() -> None:
    plan = fixture("monitoring.json")
    del expressions(plan, FILTER)["log_group_name"]
    inventory = inventory_of(plan)
    metric_filter = inventory.get(FILTER)
    assert metric_filter is not None and metric_filter.links["log_group"].targets == (GROUP,)
    values(plan, FILTER)["log_group_name"] = "/aws/other"
    inventory = inventory_of(plan)
    metric_filter = inventory.get(FILTER)
    assert metric_filter is not None and metric_filter.links["log_group"].targets == ()
    # As live: no placeholder log group for a filter outside the plan's log groups.
    assert [g.id for g in inventory.of_type("aws.logs.log_group")] == [GROUP]


def test_subscription_to_a_topic_outside_the_plan_is_not_evaluated() -> None:
    plan = fixture("monitoring.json")
    expressions(plan, SUB)["topic_arn"] = {
        "constant_value": "arn:aws:sns:us-east-1:111111111111:elsewhere"
    }
    values(plan, SUB)["topic_arn"] = "arn:aws:sns:us-east-1:111111111111:elsewhere"
    del unknown(plan, SUB)["topic_arn"]
    scan = plan_inventory(plan)
    assert scan.not_evaluated["aws_sns_topic_subscription"] == [SUB]
    topic = scan.inventory.get(TOPIC)
    assert topic is not None and topic.attrs["subscriptions"] == []


# ----- VPC flow logs -----------------------------------------------------------------------


def test_vpc_with_a_flow_log_passes_and_without_fails(
    complete_policies: list[CompiledPolicy],
) -> None:
    found = judge(complete_policies, fixture("coverage.json"))
    main = found[("aws-vpc-flow-logs-enabled", VPC)]
    assert main.status is Status.PASS, main.message
    legacy = found[("aws-vpc-flow-logs-enabled", LEGACY)]
    assert legacy.status is Status.FAIL
    assert "flow_logs is empty" in legacy.message


def test_vpc_attributes_and_flow_log_links_follow_the_live_shapes() -> None:
    inventory = inventory_of(fixture("coverage.json"))
    vpc = inventory.get(VPC)
    assert vpc is not None and vpc.name == "main" and vpc.region == "us-east-1"
    # The VPC id exists only after apply: the address stands in for it.
    assert vpc.attrs == {
        "vpc_id": VPC,
        "is_default": False,
        "cidr_block": "10.0.0.0/16",
        "flow_logs": [
            {
                "id": FLOW,
                "status": "ACTIVE",
                "traffic_type": "ALL",
                "destination_type": "cloud-watch-logs",
                "destination": FLOW_GROUP,
                "deliver_status": None,
            }
        ],
    }
    assert vpc.links["flow_log_destinations"].targets == (FLOW_GROUP,)
    group = inventory.get(FLOW_GROUP)
    assert group is not None and group.links["log_sources"].targets == (VPC,)
    legacy = inventory.get(LEGACY)
    assert legacy is not None and legacy.region == "eu-west-1"
    assert legacy.links["flow_log_destinations"].targets == ()


def test_flow_log_defaults_and_s3_destination() -> None:
    plan = fixture("coverage.json")
    flow = values(plan, FLOW)
    del flow["log_destination_type"]  # provider default: cloud-watch-logs
    inventory = inventory_of(plan)
    vpc = inventory.get(VPC)
    assert vpc is not None and vpc.attrs["flow_logs"][0]["destination_type"] == "cloud-watch-logs"
    flow["log_destination_type"] = "s3"
    flow["traffic_type"] = "REJECT"
    unknown(plan, FLOW).pop("log_destination")
    flow["log_destination"] = "arn:aws:s3:::flow-logs-111111111111/vpc/"
    expressions(plan, FLOW)["log_destination"] = {
        "constant_value": "arn:aws:s3:::flow-logs-111111111111/vpc/"
    }
    inventory = inventory_of(plan)
    vpc = inventory.get(VPC)
    assert vpc is not None
    assert vpc.attrs["flow_logs"][0]["destination"] == "arn:aws:s3:::flow-logs-111111111111/vpc/"
    # As live: only CloudWatch Logs destinations are linked.
    assert vpc.links["flow_log_destinations"].targets == ()


def test_flow_log_of_a_vpc_outside_the_plan_is_not_evaluated() -> None:
    plan = fixture("coverage.json")
    expressions(plan, FLOW)["vpc_id"] = {"constant_value": "vpc-0a1b2c3d4e5f67890"}
    values(plan, FLOW)["vpc_id"] = "vpc-0a1b2c3d4e5f67890"
    del unknown(plan, FLOW)["vpc_id"]
    scan = plan_inventory(plan)
    assert scan.not_evaluated["aws_flow_log"] == [FLOW]
    vpc = scan.inventory.get(VPC)
    assert vpc is not None and vpc.attrs["flow_logs"] == []


# ----- AWS Config recorders and regions ----------------------------------------------------


def test_enabled_recorder_passes_its_region_and_others_fail(
    complete_policies: list[CompiledPolicy],
) -> None:
    found = judge(complete_policies, fixture("coverage.json"))
    east = found[("aws-config-recorder-all-regions", EAST)]
    assert east.status is Status.PASS, east.message
    # The plan also deploys to eu-west-1, with no recorder there.
    assert found[("aws-config-recorder-all-regions", WEST)].status is Status.FAIL


def test_recorder_attributes_and_region_links() -> None:
    inventory = inventory_of(fixture("coverage.json"))
    recorder = inventory.get(RECORDER)
    assert recorder is not None and recorder.name == "default (us-east-1)"
    assert recorder.attrs == {
        "name": "default",
        "recording": True,
        "all_supported": True,
        "include_global_resource_types": True,
        "recording_strategy": "ALL_SUPPORTED_RESOURCE_TYPES",
        "last_status": None,
        "role_arn": "aws_iam_service_linked_role.config",
    }
    regions = {r.id: r for r in inventory.of_type("aws.region")}
    assert set(regions) == {EAST, WEST}
    assert regions[EAST].attrs == {"region": "us-east-1", "enabled": True, "scanned": True}
    assert regions[EAST].links["config_recorders"].targets == (RECORDER,)
    assert regions[WEST].links["config_recorders"].targets == ()
    account = next(iter(inventory.of_type("aws.account")))
    assert account.attrs["scanned_regions"] == ["eu-west-1", "us-east-1"]


@pytest.mark.parametrize("variant", ["disabled", "no status"])
def test_recorder_not_enabled_fails(complete_policies: list[CompiledPolicy], variant: str) -> None:
    plan = fixture("coverage.json")
    if variant == "disabled":
        values(plan, STATUS)["is_enabled"] = False
    else:
        drop(plan, STATUS)  # PutConfigurationRecorder does not start a recorder
    found = judge(complete_policies, plan)
    east = found[("aws-config-recorder-all-regions", EAST)]
    assert east.status is Status.FAIL
    assert "recording is false" in east.message


def test_recorder_defaults_without_a_recording_group() -> None:
    plan = fixture("coverage.json")
    del values(plan, RECORDER)["recording_group"]
    unknown(plan, RECORDER)["recording_group"] = True  # computed by the provider
    del expressions(plan, RECORDER)["recording_group"]
    recorder = inventory_of(plan).get(RECORDER)
    assert recorder is not None
    # Provider defaults: all_supported true, include_global_resource_types false.
    assert recorder.attrs["all_supported"] is True
    assert recorder.attrs["include_global_resource_types"] is False


def test_status_matched_by_literal_name_in_its_own_region() -> None:
    plan = fixture("coverage.json")
    expressions(plan, STATUS)["name"] = {"constant_value": "default"}
    recorder = inventory_of(plan).get(RECORDER)
    assert recorder is not None and recorder.attrs["recording"] is True
    next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == STATUS)[
        "provider_config_key"
    ] = "aws.west"
    scan = plan_inventory(plan)
    recorder = scan.inventory.get(RECORDER)
    assert recorder is not None and recorder.attrs["recording"] is False
    assert scan.not_evaluated[STATUS.split(".")[0]] == [STATUS]


# ----- what a plan leaves out, and the attribute contract ----------------------------------


def test_unknown_types_are_still_listed_not_evaluated() -> None:
    assert plan_inventory(fixture("monitoring.json")).not_evaluated == {
        "aws_iam_role": ["aws_iam_role.trail_to_logs"]
    }
    assert plan_inventory(fixture("coverage.json")).not_evaluated == {
        "aws_iam_role": ["aws_iam_role.flow"],
        "aws_iam_service_linked_role": ["aws_iam_service_linked_role.config"],
    }


@pytest.mark.parametrize("name", ["monitoring.json", "coverage.json"])
def test_resources_match_the_resource_schemas(name: str) -> None:
    import jsonschema

    from scanner.model import _jsonable
    from scanner.providers import schema_files

    problems = []
    for resource in plan_inventory(fixture(name)).inventory:
        schema = json.loads(schema_files()[resource.type].read_text())
        for error in jsonschema.Draft202012Validator(schema).iter_errors(
            {"attrs": _jsonable(resource.attrs)}
        ):
            path = "/".join(map(str, error.absolute_path))
            problems.append(f"{resource.type} {resource.name}: {path}: {error.message}")
        declared = set(schema.get("x-links") or {})
        extra = (
            set(resource.links) - declared - {"log_sources", "metric_filters", "trails", "protects"}
        )
        assert not extra, (resource.type, extra)
    assert not problems, "\n".join(problems)


def test_evidence_hash_covers_attached_resources() -> None:
    plan = fixture("monitoring.json")
    before = inventory_of(plan).get(TOPIC)
    expressions(plan, SUB)["endpoint"] = {"constant_value": "https://example.com/other"}
    after = inventory_of(plan).get(TOPIC)
    assert before is not None and after is not None
    assert before.evidence[0].sha256 != after.evidence[0].sha256


# ----- the same statuses and links as the live adapter on the equivalent estate ------------


@pytest.fixture
def live_session() -> Iterator[Any]:
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    with pytest.MonkeyPatch.context() as mp:
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            mp.delenv(key, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        with moto.mock_aws():
            yield boto3.Session(region_name="us-east-1")


def test_same_statuses_and_links_as_the_live_adapter(
    complete_policies: list[CompiledPolicy], live_session: Any
) -> None:
    from scanner.evidence import EvidenceStore
    from scanner.providers.aws.collect import scan as collect_scan

    session = live_session
    session.client("s3").create_bucket(Bucket="acme-monitoring-trail")
    logs = session.client("logs")
    logs.create_log_group(logGroupName="/aws/cloudtrail/acme")
    group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudtrail/acme:*"
    logs.put_metric_filter(
        logGroupName="/aws/cloudtrail/acme",
        filterName="root-usage",
        filterPattern=CIS_PATTERNS["root-usage"].pattern,
        metricTransformations=[
            {
                "metricName": "RootAccountUsage",
                "metricNamespace": "CISBenchmark",
                "metricValue": "1",
            }
        ],
    )
    sns = session.client("sns")
    topic = sns.create_topic(Name="security-alerts")["TopicArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:alerts"
    )
    session.client("cloudwatch").put_metric_alarm(
        AlarmName="root-usage",
        MetricName="RootAccountUsage",
        Namespace="CISBenchmark",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )
    trail = session.client("cloudtrail")
    trail.create_trail(
        Name="acme-trail",
        S3BucketName="acme-monitoring-trail",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/CloudTrailToLogs",
    )
    trail.start_logging(Name="acme-trail")
    live = collect_scan(session, ["us-east-1"], EvidenceStore()).inventory

    plan = fixture("monitoring.json")
    live_found = {
        (f.policy_id, f.resource_type): f.status for f in evaluate(complete_policies, live)
    }
    plan_found = {
        (f.policy_id, f.resource_type): f.status
        for f in evaluate(complete_policies, inventory_of(plan))
    }
    for pid in ("aws-monitoring-root-usage", "aws-monitoring-unauthorized-api-calls"):
        assert plan_found[(pid, "aws.account")] is live_found[(pid, "aws.account")], pid
    assert plan_found[("aws-monitoring-root-usage", "aws.account")] is Status.PASS

    def shape(inventory: Inventory) -> set[tuple[str, str, str]]:
        """Every link as (source type, link name, target type), ids aside."""
        out = set()
        for res in inventory:
            for name, link in res.links.items():
                for target in link.targets:
                    found = inventory.get(target)
                    assert found is not None
                    out.add((res.type, name, found.type))
        return out

    monitoring = {"aws.logs.metric_filter", "aws.cloudwatch.alarm", "aws.sns.topic"}
    live_links = {t for t in shape(live) if {t[0], t[2]} & monitoring}
    plan_links = {t for t in shape(inventory_of(plan)) if {t[0], t[2]} & monitoring}
    assert plan_links == live_links


def test_same_coverage_statuses_as_the_live_adapter(
    complete_policies: list[CompiledPolicy], live_session: Any
) -> None:
    from scanner.evidence import EvidenceStore
    from scanner.providers.aws.collect import scan as collect_scan

    session = live_session
    ec2 = session.client("ec2")
    watched = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    session.client("logs").create_log_group(logGroupName="/vpc/flow-logs")
    ec2.create_flow_logs(
        ResourceIds=[watched],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName="/vpc/flow-logs",
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/VpcFlowLogs",
    )
    config = session.client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    session.client("s3").create_bucket(Bucket="config-history")
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": "config-history"}
    )
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    live = collect_scan(session, ["us-east-1"], EvidenceStore()).inventory
    live_found = {(f.policy_id, f.resource_id): f.status for f in evaluate(complete_policies, live)}
    plan_found = judge(complete_policies, fixture("coverage.json"))
    live_vpcs = sorted(
        (live_found[("aws-vpc-flow-logs-enabled", v.id)], v.attrs["vpc_id"])
        for v in live.of_type("aws.ec2.vpc")
        if not v.attrs["is_default"]
    )
    assert [s for s, _ in live_vpcs] == sorted(
        [
            plan_found[("aws-vpc-flow-logs-enabled", VPC)].status,
            plan_found[("aws-vpc-flow-logs-enabled", LEGACY)].status,
        ]
    )
    live_east = live_found[("aws-config-recorder-all-regions", "aws:123456789012:region/us-east-1")]
    assert plan_found[("aws-config-recorder-all-regions", EAST)].status is live_east
    group = next(g for g in live.of_type("aws.logs.log_group") if g.name == "/vpc/flow-logs")
    assert [
        live.get(t).type
        for t in group.links["log_sources"].targets  # type: ignore[union-attr]
    ] == ["aws.ec2.vpc"]
