"""VPCs with their flow logs, AWS Config recorders with their status, and the regions a plan
deploys to, mapped onto the attributes the live adapter collects (ec2.collect,
config_recorder.collect, the aws.region resources of collect.scan)."""

from __future__ import annotations

from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import (
    Mapped,
    PlanContext,
    PlanResource,
    Target,
    block,
    default_bool,
    known_or,
    resource,
    settled,
    through,
)
from scanner.providers.aws.terraform.common import region as region_of
from scanner.providers.aws.terraform.monitoring import group_by_name

VPC = "aws.ec2.vpc"
RECORDER = "aws.config.recorder"
REGION = "aws.region"
FLOW_LOG = "aws_flow_log"
RECORDER_STATUS = "aws_config_configuration_recorder_status"
VPC_TYPES = ("aws_vpc", "aws_default_vpc")
_GROUP_TYPES = ("aws_cloudwatch_log_group",)
_RECORDER_TYPES = ("aws_config_configuration_recorder",)


def vpc_of(flow: PlanResource, ctx: PlanContext) -> PlanResource | None:
    """The plan's VPC a flow log watches (None: a subnet, an ENI, a transit gateway, or a VPC
    outside the plan)."""
    return ctx.target(flow, ("vpc_id",), VPC_TYPES, flow.values.get("vpc_id")).resource


def vpc_id(res: PlanResource, ctx: PlanContext) -> str:
    """The VPC ARN when the plan knows it (a state), else the address."""
    return known_or(res, "arn")


def vpc(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One VPC with the flow logs the plan attaches to it."""
    flows = ctx.members.get(res.address, {}).get(FLOW_LOG, [])
    logs, destinations = [], []
    for flow in flows:
        item, ref = _flow_log(flow, ctx)
        logs.append(item)
        if ref is not None:
            destinations.append(ref)
    tags = res.values.get("tags")
    name = tags.get("Name") if isinstance(tags, dict) else None
    # A VPC's id exists only once it is created: the address stands in for it.
    vid = known_or(res, "id")
    attrs: dict[str, Any] = {
        "vpc_id": vid,
        "is_default": res.type == "aws_default_vpc",
        "cidr_block": res.values.get("cidr_block"),
        "flow_logs": logs,
    }
    return Mapped(
        resource(ctx, res, VPC, name if isinstance(name, str) else vid, attrs, region_of(ctx, res)),
        {"flow_log_destinations": destinations},
    )


def _flow_log(flow: PlanResource, ctx: PlanContext) -> tuple[dict[str, Any], Target | None]:
    """A flow log as DescribeFlowLogs reports it, and the log group it delivers to (if it
    delivers to CloudWatch Logs)."""
    v = flow.values
    # Provider docs: log_destination_type defaults to cloud-watch-logs.
    kind = v.get("log_destination_type") or "cloud-watch-logs"
    destination, path = v.get("log_destination"), ("log_destination",)
    if (
        not isinstance(destination, str)
        and v.get("log_group_name") is not None
        and "log_destination" not in flow.expressions
    ):
        # The deprecated log_group_name: the provider computes log_destination from it.
        destination, path = v.get("log_group_name"), ("log_group_name",)
    ref: Target | None = None
    shown: Any = destination
    if kind == "cloud-watch-logs":
        ref = ctx.target(flow, path, _GROUP_TYPES, destination)
        if ref.literal is not None:
            found = group_by_name(ctx, ref.literal, region_of(ctx, flow))
            ref = Target(resource=found) if found is not None else ref
        shown = through(destination, ref, ctx)
    elif isinstance(destination, Unknowable):
        bucket = ctx.resolve(flow, path, ("aws_s3_bucket",))
        shown = through(destination, Target(resource=bucket), ctx)
    item = {
        "id": known_or(flow, "id"),
        # A flow log Terraform creates is active from creation; delivery is not known yet.
        "status": "ACTIVE",
        "traffic_type": v.get("traffic_type"),
        "destination_type": kind,
        "destination": shown if shown != "" else None,
        "deliver_status": None,
    }
    return item, ref


def recorder_of(status: PlanResource, ctx: PlanContext) -> PlanResource | None:
    """The plan's recorder a status resource starts or stops: by reference, else by name in
    the same region (recorders are usually all named `default`)."""
    found = ctx.resolve(status, ("name",), _RECORDER_TYPES)
    name = status.values.get("name")
    if found is None and isinstance(name, str):
        recorders = ctx.index(
            "recorder by name", _RECORDER_TYPES, lambda r: (_recorder_name(r), region_of(ctx, r))
        )
        try:
            found = recorders.get((name, region_of(ctx, status)))
        except TypeError:  # an unhashable region value names nothing
            found = None
    return found


def _recorder_name(res: PlanResource) -> Any:
    # Provider docs: name defaults to "default".
    name = res.values.get("name")
    return "default" if name is None else name


def recorder_id(res: PlanResource, ctx: PlanContext) -> str:
    """The address: the live id is region- and account-qualified, and a plan knows neither
    for certain."""
    return res.address


def recorder(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One configuration recorder, recording when a status resource enables it."""
    v = res.values
    statuses = ctx.members.get(res.address, {}).get(RECORDER_STATUS, [])
    # PutConfigurationRecorder does not start a recorder: without a status resource that
    # enables it, the recorder Terraform creates is not recording.
    enabled = statuses[0].values.get("is_enabled") if statuses else False
    recording = enabled if isinstance(enabled, Unknowable) else enabled is True
    group = _recording_group(res)
    role = ctx.target(
        res, ("role_arn",), ("aws_iam_role", "aws_iam_service_linked_role"), v.get("role_arn")
    )
    name = _recorder_name(res)
    region = region_of(ctx, res)
    attrs: dict[str, Any] = {
        "name": name,
        "recording": recording,
        "all_supported": group if isinstance(group, Unknowable) else group["all_supported"],
        "include_global_resource_types": group
        if isinstance(group, Unknowable)
        else group["include_global_resource_types"],
        "recording_strategy": group
        if isinstance(group, Unknowable)
        else group["recording_strategy"],
        # Nothing has been recorded, or failed to record, before apply.
        "last_status": None,
        "role_arn": through(v.get("role_arn"), role, ctx)
        if role.resource is not None
        else v.get("role_arn") or None,
    }
    label = f"{name} ({region})" if isinstance(region, str) else str(name)
    return Mapped(resource(ctx, res, RECORDER, label, attrs, region))


def _recording_group(res: PlanResource) -> Any:
    """all_supported, include_global_resource_types and the recording strategy, defaulted."""
    raw = res.values.get("recording_group")
    if isinstance(raw, Unknowable) and "recording_group" not in res.expressions:
        raw = None  # computed by the provider, not written by the configuration
    group = block(raw)
    if isinstance(group, Unknowable):
        return group
    group = group or {}
    # Provider docs: all_supported defaults to true, include_global_resource_types to false.
    all_supported = default_bool(group.get("all_supported"), True)
    include_global = default_bool(group.get("include_global_resource_types"), False)
    strategy = block(group.get("recording_strategy"))
    use_only: Any = strategy.get("use_only") if isinstance(strategy, dict) else strategy
    if use_only is None or (
        isinstance(use_only, Unknowable) and "recording_strategy" not in _group_expressions(res)
    ):
        # AWS Config reports the strategy that matches the recording group.
        use_only = (
            all_supported
            if isinstance(all_supported, Unknowable)
            else "ALL_SUPPORTED_RESOURCE_TYPES"
            if all_supported
            else "EXCLUSION_BY_RESOURCE_TYPES"
            if group.get("exclusion_by_resource_types")
            else "INCLUSION_BY_RESOURCE_TYPES"
        )
    return settled(
        {
            "all_supported": all_supported,
            "include_global_resource_types": include_global,
            "recording_strategy": use_only,
        }
    )


def _group_expressions(res: PlanResource) -> Any:
    found = block(res.expressions.get("recording_group"))
    return found if isinstance(found, dict) else {}
