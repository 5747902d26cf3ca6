"""Terraform AWS types -> logward types: one entry in TYPES per Terraform type.

Where Terraform omits an optional argument, the provider's documented default is applied
explicitly (each named below), so a policy sees the value AWS will actually have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import (
    Mapped,
    PlanContext,
    PlanResource,
    TypeMapping,
    default,
    default_bool,
    first_unknown,
    known_or,
    resource,
    through,
)
from scanner.providers.aws.cloudtrail import SELECTOR_ATTRS, normalize_selectors
from scanner.providers.aws.common import PARTITIONS, partition_of
from scanner.providers.aws.terraform import coverage, monitoring, s3
from scanner.providers.aws.terraform.common import region as region_of

TRAIL = "aws.cloudtrail.trail"
KEY = "aws.kms.key"
GROUP = "aws.logs.log_group"
# What GetEventSelectors returns for a trail without custom selectors (all management events).
DEFAULT_SELECTORS = [
    {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [],
        "ExcludeManagementEventSources": [],
    }
]


def _selector(raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        # Provider docs: read_write_type defaults to All, include_management_events to true.
        "ReadWriteType": raw.get("read_write_type") or "All",
        "IncludeManagementEvents": default_bool(raw.get("include_management_events"), True),
        "ExcludeManagementEventSources": list(raw.get("exclude_management_event_sources") or []),
        "DataResources": [
            {"Type": d.get("type"), "Values": list(d.get("values") or [])}
            for d in raw.get("data_resource") or []
        ],
    }
    return out


def _advanced(raw: Any) -> dict[str, Any]:
    fields = []
    for f in raw.get("field_selector") or []:
        api: dict[str, Any] = {"Field": f.get("field")}
        # The API omits an operator that is not used; the normalizer reads its presence.
        for ours, theirs in (
            ("equals", "Equals"),
            ("not_equals", "NotEquals"),
            ("starts_with", "StartsWith"),
            ("not_starts_with", "NotStartsWith"),
            ("ends_with", "EndsWith"),
            ("not_ends_with", "NotEndsWith"),
        ):
            if f.get(ours):
                api[theirs] = list(f[ours])
        fields.append(api)
    return {"Name": raw.get("name"), "FieldSelectors": fields}


def _trail_selectors(v: Mapping[str, Any], region: str | Unknowable) -> dict[str, Any]:
    """The selector attributes of a planned trail, normalized as the live scan does."""
    basic, advanced = v.get("event_selector"), v.get("advanced_event_selector")
    marker = first_unknown([basic, advanced])
    if marker is not None:
        return dict.fromkeys(SELECTOR_ATTRS, marker)
    if basic or advanced:
        given = [_selector(s) for s in basic or []] or None
        args = (given, [_advanced(s) for s in advanced or []] or None, True)
    else:
        args = (DEFAULT_SELECTORS, None, False)
    if not isinstance(region, Unknowable):
        return normalize_selectors(*args, partition_of(region))
    # S3 ARNs are judged against the trail's partition (`arn:aws:s3` names no bucket of
    # aws-cn): with the region unknown, S3 coverage is known only where every partition agrees.
    each = [normalize_selectors(*args, p) for p in PARTITIONS]
    out = each[0]
    if any(o["s3_data_events"] != out["s3_data_events"] for o in each):
        out["s3_data_events"] = Unknowable(
            "the trail's partition, which the S3 ARNs of its selectors depend on, is not known "
            f"({region.reason})"
        )
    return out


def _trail_id(res: PlanResource, ctx: PlanContext) -> str:
    return known_or(res, "arn")


def _trail(res: PlanResource, ctx: PlanContext) -> Mapped:
    v = res.values
    bucket = ctx.target(res, ("s3_bucket_name",), ("aws_s3_bucket",), v.get("s3_bucket_name"))
    key = ctx.target(res, ("kms_key_id",), ("aws_kms_key",), v.get("kms_key_id"))
    group = ctx.target(
        res,
        ("cloud_watch_logs_group_arn",),
        ("aws_cloudwatch_log_group",),
        v.get("cloud_watch_logs_group_arn"),
    )
    region = region_of(ctx, res)
    selectors = _trail_selectors(v, region)
    when = "are not recorded in Terraform state" if ctx.is_state else "are not known before apply"
    not_yet = Unknowable(f"delivery times {when}")
    attrs: dict[str, Any] = {
        "name": v.get("name") if isinstance(v.get("name"), str) else res.name,
        "arn": ctx.ids[res.address],
        "home_region": region,
        # Provider docs: is_multi_region_trail defaults to false.
        "is_multi_region": default_bool(v.get("is_multi_region_trail"), False),
        # Provider docs: is_organization_trail defaults to false.
        "is_organization_trail": default_bool(v.get("is_organization_trail"), False),
        # Provider docs: include_global_service_events defaults to true.
        "include_global_service_events": default_bool(v.get("include_global_service_events"), True),
        # Provider docs: enable_log_file_validation defaults to false.
        "log_file_validation": default_bool(v.get("enable_log_file_validation"), False),
        "s3_bucket_name": through(v.get("s3_bucket_name"), bucket, ctx, use="bucket"),
        "s3_key_prefix": v.get("s3_key_prefix") or None,
        "kms_key_id": through(v.get("kms_key_id"), key, ctx),
        "cloudwatch_logs_log_group_arn": through(v.get("cloud_watch_logs_group_arn"), group, ctx),
        "cloudwatch_logs_role_arn": v.get("cloud_watch_logs_role_arn") or None,
        "sns_topic_arn": v.get("sns_topic_arn")
        if isinstance(v.get("sns_topic_arn"), str)
        else v.get("sns_topic_name") or None,
        # Provider docs: enable_logging defaults to true (the trail starts logging on create).
        "status": {
            "is_logging": default_bool(v.get("enable_logging"), True),
            "latest_delivery_time": not_yet,
            "latest_delivery_error": None,
            "latest_digest_delivery_time": not_yet,
            "latest_digest_delivery_error": None,
            "latest_cloudwatch_logs_delivery_time": not_yet,
            "latest_cloudwatch_logs_delivery_error": None,
            "start_logging_time": None,
            "stop_logging_time": None,
        },
        **selectors,
        "tamper_grants": Unknowable("IAM is not evaluated on plans"),
        "tamper_limits": [],
    }
    return Mapped(
        resource(ctx, res, TRAIL, attrs["name"], attrs, region),
        {"bucket": bucket, "kms_key": key, "log_group": group},
    )


def _key(res: PlanResource, ctx: PlanContext) -> Mapped:
    v = res.values
    # Provider docs: customer_master_key_spec defaults to SYMMETRIC_DEFAULT.
    spec = default(res, "customer_master_key_spec", "SYMMETRIC_DEFAULT")
    # Provider docs: is_enabled defaults to true.
    enabled = default_bool(v.get("is_enabled"), True)
    state: Any = (
        enabled if isinstance(enabled, Unknowable) else "Enabled" if enabled else "Disabled"
    )
    # Provider docs: enable_key_rotation defaults to false. Only symmetric keys can rotate
    # (the live adapter reports None for the others).
    rotation = (
        default_bool(v.get("enable_key_rotation"), False) if spec == "SYMMETRIC_DEFAULT" else None
    )
    attrs = {
        "key_id": known_or(res, "key_id"),
        "manager": "CUSTOMER",
        "key_state": state,
        "key_spec": spec,
        "origin": "AWS_KMS",
        "rotation_enabled": rotation,
    }
    return Mapped(resource(ctx, res, KEY, attrs["key_id"], attrs, region_of(ctx, res)))


def _group(res: PlanResource, ctx: PlanContext) -> Mapped:
    v = res.values
    key = ctx.target(res, ("kms_key_id",), ("aws_kms_key",), v.get("kms_key_id"))
    retention = v.get("retention_in_days")
    name = str(v["name"]) if isinstance(v.get("name"), str) else res.name
    attrs = {
        "name": name,
        # Provider docs: retention_in_days 0 (the default) means never expire.
        "retention_days": retention or None,
        "kms_key_id": through(v.get("kms_key_id"), key, ctx),
        "stored_bytes": None,
        # Log-group resource policies live outside the log group's Terraform resource.
        "shared_exposures": Unknowable(
            "resource policies of CloudWatch Logs are not read from plans"
        ),
    }
    return Mapped(resource(ctx, res, GROUP, name, attrs, region_of(ctx, res)), {"kms_key": key})


def _group_id(res: PlanResource, ctx: PlanContext) -> str:
    return known_or(res, "arn").removesuffix(":*")


TYPES: dict[str, TypeMapping] = {
    "aws_cloudtrail": TypeMapping(TRAIL, _trail_id, _trail),
    "aws_kms_key": TypeMapping(KEY, lambda r, _ctx: known_or(r, "arn"), _key),
    "aws_cloudwatch_log_group": TypeMapping(GROUP, _group_id, _group),
    "aws_s3_bucket": TypeMapping(s3.TYPE, s3.bucket_id, s3.bucket),
    "aws_cloudwatch_log_metric_filter": TypeMapping(
        monitoring.FILTER, monitoring.filter_id, monitoring.metric_filter
    ),
    "aws_cloudwatch_metric_alarm": TypeMapping(
        monitoring.ALARM, monitoring.alarm_id, monitoring.alarm
    ),
    "aws_sns_topic": TypeMapping(monitoring.TOPIC, monitoring.topic_id, monitoring.topic),
    "aws_vpc": TypeMapping(coverage.VPC, coverage.vpc_id, coverage.vpc),
    "aws_default_vpc": TypeMapping(coverage.VPC, coverage.vpc_id, coverage.vpc),
    "aws_config_configuration_recorder": TypeMapping(
        coverage.RECORDER, coverage.recorder_id, coverage.recorder
    ),
}
# Types that attach to an owner of TYPES, several per owner: Terraform type -> the owner it
# attaches to (None: an owner outside the plan, so the resource is not evaluated).
ATTACHED: dict[str, Callable[[PlanResource, PlanContext], PlanResource | None]] = {
    monitoring.SUBSCRIPTION: monitoring.topic_of,
    coverage.FLOW_LOG: coverage.vpc_of,
    coverage.RECORDER_STATUS: coverage.recorder_of,
}
# Types read only as part of another resource (a bucket's split settings, the account PAB,
# the attached types above).
CONSUMED: frozenset[str] = frozenset({*s3.PARTS, s3.ACCOUNT_PAB, *ATTACHED})
