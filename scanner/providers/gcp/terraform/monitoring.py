"""Cloud Monitoring in a plan: google_monitoring_alert_policy and
google_monitoring_notification_channel, with the attributes the live adapter reads from
alertPolicies.list and notificationChannels.list.

A channel's `verification_status` is output only (VerifyNotificationChannel sets it, never
Terraform): the provider reads it back into state, so a plan of an existing channel knows
it, and a new channel's is known only after apply (unknown, never verified): https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/
monitoring_notification_channel#verification_status."""

from __future__ import annotations

import re
from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, Target, block
from scanner.providers.gcp import links
from scanner.providers.gcp.terraform.common import build, default_bool, full_name, known, project_of

POLICY = "gcp.monitoring.alert_policy"
CHANNEL = "gcp.monitoring.channel"
CHANNEL_TYPES = ("google_monitoring_notification_channel",)
# The condition blocks of google_monitoring_alert_policy and the kind the live scan names.
KINDS = {
    "condition_threshold": ("threshold", "filter"),
    "condition_absent": ("absent", "filter"),
    "condition_matched_log": ("matched_log", "filter"),
    "condition_monitoring_query_language": ("mql", "query"),
    "condition_prometheus_query_language": ("promql", "query"),
    "condition_sql": ("sql", "query"),
}
_METRIC_TYPE = re.compile(r'(?<![\w.])metric\.type\s*=\s*"([^"]*)"')


def metric_types(text: Any) -> list[str]:
    """The metric types a Monitoring filter selects by exact equality (`metric.type="..."`);
    a `starts_with` or a regex is not credited."""
    return _METRIC_TYPE.findall(text) if isinstance(text, str) else []


def _condition(raw: dict[str, Any]) -> dict[str, Any] | Unknowable:
    for block_name, (kind, field) in KINDS.items():
        inner = block(raw.get(block_name))
        if isinstance(inner, Unknowable):
            return inner
        if isinstance(inner, dict):
            text = inner.get(field)
            if isinstance(text, Unknowable):
                return text
            return {
                "kind": kind,
                "filter": text if field == "filter" else None,
                "query": text if field == "query" else None,
                "metric_types": metric_types(text) if field == "filter" else [],
            }
    return {"kind": "other", "filter": None, "query": None, "metric_types": []}


def policy_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//monitoring.googleapis.com/projects/<p>/alertPolicies/<id>` once it exists, else the
    address (Monitoring assigns the id)."""
    name = known(res.values.get("name"))
    return full_name("monitoring.googleapis.com", name) if name else res.address


def alert_policy(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One alert policy with its conditions and the channels it notifies (linked)."""
    v = res.values
    raw_conditions = v.get("conditions")
    conditions: Any = (
        raw_conditions
        if isinstance(raw_conditions, Unknowable)
        else [_condition(c) for c in raw_conditions or [] if isinstance(c, dict)]
    )
    if isinstance(conditions, list):
        conditions = next((c for c in conditions if isinstance(c, Unknowable)), conditions)
    channels, targets = _channels(res, ctx)
    name = known(v.get("name")) or res.address
    project = project_of(ctx, res)
    attrs: dict[str, Any] = {
        "name": name,
        "display_name": v.get("display_name"),
        # Provider docs: enabled defaults to true.
        "enabled": default_bool(v.get("enabled"), True),
        "combiner": v.get("combiner"),
        "notification_channels": channels,
        "conditions": conditions,
    }
    account = project if isinstance(project, str) else ctx.account
    display = known(v.get("display_name")) or res.name
    return Mapped(
        build(ctx, res, POLICY, attrs, (display, account, "global")),
        {
            "notification_channels": targets,
            "metrics": _metrics(ctx, project, conditions, attrs["combiner"]),
        },
    )


def _metrics(ctx: PlanContext, project: Any, conditions: Any, combiner: Any) -> list[Target]:
    """The plan's log-based metrics of the same project an alert policy fires on, by the live
    scan's rule (links.fired_metric_types: threshold conditions only; under AND every
    condition); a condition known only after apply may ask for any."""
    if isinstance(conditions, Unknowable):
        return [Target(unknown=conditions)]
    fired, unread = links.fired_metric_types(list(conditions), combiner)
    by_type = ctx.index(
        "gcp-metric-types",
        ("google_logging_metric",),
        lambda r: (project_of(ctx, r), f"logging.googleapis.com/user/{r.values.get('name')}"),
    )
    found = [Target(unknown=u) for u in unread]
    for metric_type in sorted(fired):
        metric = by_type.get((project, metric_type))
        if metric is not None:
            found.append(Target(resource=metric))
    return found


def _channels(res: PlanResource, ctx: PlanContext) -> tuple[Any, list[Target]]:
    """The channel names an alert policy notifies (a referenced channel's name standing in
    for one known after apply) and their link targets."""
    value = res.values.get("notification_channels")
    referenced = ctx.resolve_all(res, ("notification_channels",), CHANNEL_TYPES)
    if isinstance(value, Unknowable):
        if not referenced:
            return value, [Target(unknown=value)]
        value = [Unknowable(value.reason)] * len(referenced)
    names: list[Any] = []
    targets: list[Target] = []
    pending = list(referenced)
    for item in value or []:
        if isinstance(item, str) and item:
            own = next((r for r in referenced if r.values.get("name") == item), None)
            if own is not None and own in pending:
                pending.remove(own)
            names.append(item)
            targets.append(
                Target(resource=own)
                if own is not None
                else ctx.target(res, (), CHANNEL_TYPES, item)
            )
        elif pending:
            own = pending.pop(0)
            names.append(known(own.values.get("name")) or ctx.ids.get(own.address, own.address))
            targets.append(Target(resource=own))
        else:
            unknown = (
                item if isinstance(item, Unknowable) else Unknowable("a channel name is empty")
            )
            names.append(unknown)
            targets.append(Target(unknown=unknown))
    if any(isinstance(n, Unknowable) for n in names):
        return next(n for n in names if isinstance(n, Unknowable)), targets
    return names, targets


def channel_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//monitoring.googleapis.com/projects/<p>/notificationChannels/<id>` once it exists,
    else the address."""
    name = known(res.values.get("name"))
    return full_name("monitoring.googleapis.com", name) if name else res.address


def channel(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One notification channel."""
    v = res.values
    status = v.get("verification_status")
    if not isinstance(status, Unknowable):
        # The API omits the field for channels that need no verification.
        status = known(status) or "VERIFICATION_STATUS_UNSPECIFIED"
    project = project_of(ctx, res)
    attrs: dict[str, Any] = {
        "name": known(v.get("name")) or res.address,
        "type": v.get("type"),
        "display_name": v.get("display_name"),
        # Provider docs: enabled defaults to true.
        "enabled": default_bool(v.get("enabled"), True),
        "verification_status": status,
    }
    account = project if isinstance(project, str) else ctx.account
    display = known(v.get("display_name")) or res.name
    return Mapped(build(ctx, res, CHANNEL, attrs, (display, account, "global")))
