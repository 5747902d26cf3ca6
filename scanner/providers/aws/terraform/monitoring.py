"""CloudWatch metric filters and alarms and SNS topics with their subscriptions, mapped onto the
attributes the live adapter collects (logs.collect_filters, alarms.collect_alarms,
alarms.describe_topic)."""

from __future__ import annotations

from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import (
    Mapped,
    PlanContext,
    PlanResource,
    Target,
    default_bool,
    first_unknown,
    known_or,
    resource,
    through,
)
from scanner.providers.aws.terraform.common import region as region_of

FILTER = "aws.logs.metric_filter"
ALARM = "aws.cloudwatch.alarm"
TOPIC = "aws.sns.topic"
SUBSCRIPTION = "aws_sns_topic_subscription"
_GROUP_TYPES = ("aws_cloudwatch_log_group",)
_TOPIC_TYPES = ("aws_sns_topic",)
# SNS confirms these subscriptions itself when the endpoint is in the topic's account (SNS API
# reference, Subscribe: only HTTP/S, email and cross-account endpoints must confirm). SMS
# needs no confirmation either.
AUTO_CONFIRMED = frozenset({"sqs", "lambda", "firehose", "application", "sms"})
EMAIL = frozenset({"email", "email-json"})


def _text(res: PlanResource, attr: str) -> str | Unknowable:
    """A string argument, or why it is not known before apply."""
    value = res.values.get(attr)
    if isinstance(value, str | Unknowable):
        return value
    return Unknowable(f"known after apply: {res.address}.{attr}")


def _dimension_names(value: Any) -> Any:
    """The sorted names of a dimensions map, as the live adapter keeps them."""
    if isinstance(value, Unknowable):
        return value
    return sorted(value or {})


def group_by_name(ctx: PlanContext, name: str, region: Any) -> PlanResource | None:
    """The plan's log group with this name in this region (a literal name or ARN)."""
    wanted = name.removesuffix(":*").split(":log-group:", 1)[-1]
    groups = ctx.index(
        "log group by name", _GROUP_TYPES, lambda r: (r.values.get("name"), region_of(ctx, r))
    )
    try:
        return groups.get((wanted, region))
    except TypeError:  # an unhashable region value names nothing
        return None


def filter_id(res: PlanResource, ctx: PlanContext) -> str:
    """The address: a metric filter has no ARN, and the live id needs the account."""
    return res.address


def metric_filter(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One metric filter with the metrics it publishes."""
    v = res.values
    region = region_of(ctx, res)
    group_name = v.get("log_group_name")
    found = ctx.resolve(res, ("log_group_name",), _GROUP_TYPES)
    if found is None and isinstance(group_name, str):
        found = group_by_name(ctx, group_name, region)
    # As live, a filter on a log group outside the inventory links to nothing (no
    # placeholder): the log group only matters through a trail that delivers to it.
    ref = (
        Target(resource=found)
        if found is not None
        else Target(unknown=group_name)
        if isinstance(group_name, Unknowable)
        else Target()
    )
    transformation = v.get("metric_transformation")
    metrics: Any
    if isinstance(transformation, Unknowable):
        metrics = transformation
    else:
        metrics = [
            {
                "name": _text_of(t, "name", res),
                "namespace": _text_of(t, "namespace", res),
                "dimensions": _dimension_names(t.get("dimensions")),
            }
            for t in transformation or []
        ]
    name = v.get("name") if isinstance(v.get("name"), str) else res.name
    attrs: dict[str, Any] = {
        "name": _text(res, "name"),
        "log_group_name": through(group_name, ref, ctx, use="name")
        if group_name is not None
        else Unknowable(f"{res.address} names no log group"),
        # The API reports an empty pattern (match everything) as "".
        "pattern": v.get("pattern") if v.get("pattern") is not None else "",
        "metrics": metrics,
    }
    return Mapped(resource(ctx, res, FILTER, str(name), attrs, region), {"log_group": ref})


def _text_of(item: Any, key: str, res: PlanResource) -> str | Unknowable:
    value = item.get(key) if isinstance(item, dict) else None
    if isinstance(value, str | Unknowable):
        return value
    return Unknowable(f"known after apply: {res.address}.metric_transformation.{key}")


def alarm_id(res: PlanResource, ctx: PlanContext) -> str:
    """The alarm ARN when the plan knows it (a state), else the address."""
    return known_or(res, "arn")


def alarm(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One metric alarm, its notification targets resolved to the plan's topics."""
    v = res.values
    actions, topics = _actions(res, ctx)
    name = v.get("alarm_name") if isinstance(v.get("alarm_name"), str) else res.name
    attrs: dict[str, Any] = {
        "name": _text(res, "alarm_name"),
        # Metric-math alarms (metric_query blocks) have no metric name, as DescribeAlarms says.
        "metric_name": v.get("metric_name"),
        "namespace": v.get("namespace"),
        # Provider docs: actions_enabled defaults to true.
        "actions_enabled": default_bool(v.get("actions_enabled"), True),
        "alarm_actions": actions,
        "dimensions": _dimension_names(v.get("dimensions")),
        # An alarm has no state before it is created and has evaluated its metric.
        "state": None,
    }
    return Mapped(
        resource(ctx, res, ALARM, str(name), attrs, region_of(ctx, res)), {"sns_topics": topics}
    )


def _actions(res: PlanResource, ctx: PlanContext) -> tuple[Any, list[Target]]:
    """alarm_actions with each referenced topic as its id, and the topics it notifies.

    Terraform lists an expression's references, not which element each one fills: every
    referenced aws_sns_topic is one of the actions, and unknown elements beyond those are
    actions the plan cannot name (so the topic link is unresolved too)."""
    raw = res.values.get("alarm_actions")
    referenced = ctx.resolve_all(res, ("alarm_actions",), _TOPIC_TYPES)
    items: list[Any] = [] if isinstance(raw, Unknowable) else list(raw or [])
    actions: list[str] = []
    refs: list[Target] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            continue
        topic = _topic_by_arn(ctx, item)
        if topic is not None:
            seen.add(topic.address)
            actions.append(ctx.ids[topic.address])
            refs.append(Target(resource=topic))
        else:
            actions.append(item)
            if item.split(":")[2:3] == ["sns"]:  # as live: only SNS ARNs are topics
                refs.append(Target(literal=item))
    added = [t for t in referenced if t.address not in seen]
    for topic in added:
        actions.append(ctx.ids[topic.address])
        refs.append(Target(resource=topic))
    unknown = sum(1 for item in items if isinstance(item, Unknowable))
    if isinstance(raw, Unknowable) or unknown > len(added):
        marker = (
            raw
            if isinstance(raw, Unknowable)
            else Unknowable(f"known after apply: {res.address}.alarm_actions")
        )
        refs.append(Target(unknown=marker))
        return marker, refs
    return list(dict.fromkeys(actions)), refs


def _topic_by_arn(ctx: PlanContext, arn: str) -> PlanResource | None:
    """The plan's topic a literal ARN names: by known ARN, else by name and region."""
    parts = arn.split(":")
    by_arn = ctx.index(
        "topic by arn", _TOPIC_TYPES, lambda r: r.values.get("arn") or ctx.ids.get(r.address)
    )
    by_id = ctx.index("topic by id", _TOPIC_TYPES, lambda r: ctx.ids.get(r.address))
    found = by_arn.get(arn) or by_id.get(arn)
    if found is None and len(parts) == 6 and parts[2] == "sns":
        by_name = ctx.index(
            "topic by name", _TOPIC_TYPES, lambda r: (r.values.get("name"), region_of(ctx, r))
        )
        found = by_name.get((parts[5], parts[3]))
    return found


def topic_of(sub: PlanResource, ctx: PlanContext) -> PlanResource | None:
    """The plan's topic a subscription attaches to (None: a topic outside the plan)."""
    found = ctx.resolve(sub, ("topic_arn",), _TOPIC_TYPES)
    arn = sub.values.get("topic_arn")
    if found is None and isinstance(arn, str):
        found = _topic_by_arn(ctx, arn)
    return found


def topic_id(res: PlanResource, ctx: PlanContext) -> str:
    """The topic ARN when the plan knows it (a state), else the address."""
    return known_or(res, "arn")


def topic(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One topic with the subscriptions the plan attaches to it."""
    subs = ctx.members.get(res.address, {}).get(SUBSCRIPTION, [])
    items = [{"protocol": _text(s, "protocol"), "confirmed": confirmed(s)} for s in subs]
    marker = first_unknown([i["confirmed"] for i in items])
    # A count is exact or unknown: one subscription awaiting its recipient makes both
    # counts unknown (never a lower bound presented as the number).
    confirmed_count: Any = marker or sum(1 for i in items if i["confirmed"] is True)
    pending_count: Any = marker or sum(1 for i in items if i["confirmed"] is False)
    name = res.values.get("name") if isinstance(res.values.get("name"), str) else res.name
    attrs: dict[str, Any] = {
        "name": _text(res, "name"),
        "subscriptions": items,
        "subscriptions_confirmed": confirmed_count,
        "subscriptions_pending": pending_count,
    }
    return Mapped(resource(ctx, res, TOPIC, str(name), attrs, region_of(ctx, res)))


def confirmed(sub: PlanResource) -> Any:
    """Whether a subscription of the plan is (or will be) confirmed.

    The rule: email and email-json subscriptions wait for the recipient to click the link the
    message carries, which happens (or not) after apply: unknown. Any other protocol is
    confirmed when SNS confirms it itself (sqs, lambda, firehose, application, sms in the
    topic's account) or when `endpoint_auto_confirms` says the endpoint confirms on receipt
    (a PagerDuty https URL). An http(s) endpoint without it may or may not confirm: unknown.
    """
    pending = sub.values.get("pending_confirmation")
    if isinstance(pending, bool):
        # A subscription that already exists (a state, an update): as SNS last reported it.
        return not pending
    protocol = sub.values.get("protocol")
    if isinstance(protocol, Unknowable):
        return protocol
    if protocol in EMAIL:
        return Unknowable("email subscriptions are confirmed by the recipient after apply")
    # Provider docs: endpoint_auto_confirms defaults to false.
    auto = default_bool(sub.values.get("endpoint_auto_confirms"), False)
    if protocol in AUTO_CONFIRMED or auto is True:
        return True
    if isinstance(auto, Unknowable):
        return auto
    return Unknowable(f"{protocol} subscriptions are confirmed by the endpoint after apply")
