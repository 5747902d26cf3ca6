"""Link plan resources as the live linker does: trail -> bucket/key/log group -> metric
filters -> alarms -> topics, log group -> key, bucket -> key, VPC -> flow log destinations,
region -> config recorders, and back.

Targets come from configuration references (so a key created in the same plan counts although
its ARN is known only after apply), else from literal values. A literal naming something not in
the plan becomes a placeholder whose every attribute is unknown: never a pass, never a fail.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Link, Resource, Unknowable
from scanner.providers.aws.logstore import effective_public_access_block, lifecycle_for_logs
from scanner.providers.terraform.source import Mapped, PlanContext, Ref, first_unknown

# link name -> (target type, reverse link name or None, noun for placeholders)
TARGETS: dict[str, tuple[str, str | None, str]] = {
    "bucket": ("aws.s3.bucket", "trails", "bucket"),
    "kms_key": ("aws.kms.key", "protects", "KMS key"),
    "log_group": ("aws.logs.log_group", "log_sources", "log group"),
    "sns_topics": ("aws.sns.topic", None, "SNS topic"),  # as live: a topic has no links
    "flow_log_destinations": ("aws.logs.log_group", "log_sources", "log group"),
}
# (source type, link name) -> reverse link name, where it differs from TARGETS.
REVERSE: dict[tuple[str, str], str] = {("aws.logs.metric_filter", "log_group"): "metric_filters"}
# Links the live linker sets on every resource of a type; the plan's only reverse links.
DEFAULT_LINKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("aws.cloudtrail.trail", ("bucket", "kms_key", "log_group")),
    ("aws.s3.bucket", ("trails", "kms_key")),
    ("aws.logs.log_group", ("log_sources", "metric_filters", "kms_key")),
    ("aws.kms.key", ("protects",)),
    ("aws.logs.metric_filter", ("log_group", "alarms")),
    ("aws.cloudwatch.alarm", ("sns_topics",)),
    ("aws.ec2.vpc", ("flow_log_destinations",)),
)


def link(inventory: Inventory, mapped: list[Mapped], ctx: PlanContext, account_pab: Any) -> None:
    """Fill links, reverse links, effective public access and log-prefix lifecycle in place."""
    back: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in mapped:
        source = item.resource
        for name, declared in item.refs.items():
            rtype, reverse, noun = TARGETS[name]
            reverse = REVERSE.get((source.type, name), reverse)
            targets: list[str] = []
            unresolved: Unknowable | None = None
            for ref in declared if isinstance(declared, list) else [declared]:
                target = _target(inventory, ctx, ref, rtype, noun, source)
                if isinstance(target, Unknowable):
                    unresolved = unresolved or target
                elif target is not None:
                    targets.append(target)
                    if reverse is not None:
                        back[target][reverse].append(source.id)
            source.links[name] = Link(tuple(dict.fromkeys(targets)), unresolved=unresolved)
    for target, by_name in back.items():
        found = inventory.get(target)
        if found is not None:
            for name, sources in by_name.items():
                found.links[name] = Link(tuple(dict.fromkeys(sources)))
    _alarms_of_filters(inventory)
    _recorders_of_regions(inventory)
    for rtype, names in DEFAULT_LINKS:
        for resource in inventory.of_type(rtype):
            if resource.placeholder is None:
                for name in names:
                    resource.links.setdefault(name, Link())
    for bucket in inventory.of_type("aws.s3.bucket"):
        if bucket.placeholder is None:
            bucket.attrs["effective_public_access_block"] = effective_public_access_block(
                bucket.attrs.get("public_access_block"), account_pab
            )
            lifecycle_for_logs(inventory, bucket)


def _target(
    inventory: Inventory, ctx: PlanContext, ref: Ref, rtype: str, noun: str, source: Resource
) -> str | Unknowable | None:
    if ref.resource is not None:
        return ctx.ids.get(ref.resource.address)
    if ref.unknown is not None:
        return ref.unknown
    if ref.literal is None:
        return None
    literal = ref.literal.removesuffix(":*")
    rid = f"arn:aws:s3:::{literal}" if rtype == "aws.s3.bucket" and ":" not in literal else literal
    if inventory.get(rid) is None:
        name = (
            literal.rsplit(":", 1)[-1]
            if rtype == "aws.sns.topic"
            else literal.rsplit("/", 1)[-1].split(":log-group:", 1)[-1]
        )
        parts = literal.split(":")
        region = parts[3] if len(parts) > 5 and parts[3] else source.region
        inventory.add(
            Resource(
                provider="aws",
                account=ctx.account,
                region=region,
                type=rtype,
                id=rid,
                name=name,
                attrs={},
                placeholder=Unknowable(f"{noun} {ref.literal} is not in this plan"),
            )
        )
    return rid


def _alarms_of_filters(inventory: Inventory) -> None:
    """A filter's alarms: those on one of its metrics with the same dimension names, in its
    region, exactly as live. An alarm or metric whose key is known only after apply may be a
    match: the link is then unresolved beside the alarms that do match."""
    by_metric: dict[tuple[str, str, str, str, tuple[str, ...]], list[str]] = defaultdict(list)
    unknown: dict[str, Unknowable] = {}
    for alarm in inventory.of_type("aws.cloudwatch.alarm"):
        attrs = alarm.attrs
        key = (attrs.get("namespace"), attrs.get("metric_name"), attrs.get("dimensions"))
        marker = first_unknown(list(key))
        if marker is not None:
            unknown.setdefault(alarm.region, marker)
            continue
        by_metric[
            (alarm.region, alarm.account, key[0] or "", key[1] or "", tuple(key[2] or ()))
        ].append(alarm.id)
    for metric_filter in inventory.of_type("aws.logs.metric_filter"):
        region = metric_filter.region
        marker = unknown.get(region) or unknown.get("unknown")
        metrics = metric_filter.attrs.get("metrics")
        if isinstance(metrics, Unknowable):
            metric_filter.links["alarms"] = Link((), metrics)
            continue
        ids: list[str] = []
        for metric in metrics or []:
            own = first_unknown(metric)
            if own is not None:
                marker = marker or own
                continue
            ids += by_metric.get(
                (
                    region,
                    metric_filter.account,
                    metric["namespace"],
                    metric["name"],
                    tuple(metric["dimensions"]),
                ),
                [],
            )
        metric_filter.links["alarms"] = Link(tuple(dict.fromkeys(ids)), marker)


def _recorders_of_regions(inventory: Inventory) -> None:
    """Each region's recorders; a recorder whose region the plan does not say may be in any."""
    by_region: dict[str, list[str]] = defaultdict(list)
    for recorder in inventory.of_type("aws.config.recorder"):
        by_region[recorder.region].append(recorder.id)
    nowhere = next(
        (
            Unknowable(f"the region of recorder {rid} is not known from the plan")
            for rid in by_region.get("unknown", [])
        ),
        None,
    )
    for region in inventory.of_type("aws.region"):
        region.links["config_recorders"] = Link(tuple(by_region.get(region.name, [])), nowhere)
