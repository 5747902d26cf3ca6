"""AWS links, declared once for live scans and plans (the core linker resolves them), and the
references a live scan's attributes make (trail -> bucket / key / log group, log group -> key,
bucket -> key, metric filter -> log group, alarm -> topics, VPC -> flow log destinations).

The resource schemas' `x-links` say the same (a test compares them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.gaps import LiveGaps
from scanner.inventory import Inventory
from scanner.link import Join, Key, LinkSpec, Ref
from scanner.model import UNKNOWN_LOCATION, Resource, Unknowable
from scanner.providers.aws.common import Scope, arn_account, arn_region
from scanner.providers.aws.ec2 import flow_log_groups
from scanner.providers.aws.kms import key_ref_arn
from scanner.providers.aws.services import SERVICES

TRAIL = "aws.cloudtrail.trail"
BUCKET = "aws.s3.bucket"
KEY = "aws.kms.key"
GROUP = "aws.logs.log_group"
FILTER = "aws.logs.metric_filter"
ALARM = "aws.cloudwatch.alarm"
TOPIC = "aws.sns.topic"
VPC = "aws.ec2.vpc"
REGION = "aws.region"
RECORDER = "aws.config.recorder"

LINKS: tuple[LinkSpec, ...] = (
    LinkSpec(
        TRAIL,
        "bucket",
        (BUCKET,),
        reverse="trails",
        noun="bucket",
        # ListBuckets lists every bucket the caller's account owns, in every region, but a
        # bucket name is shared by every account of the partition and a trail may deliver to
        # another account's bucket (a log-archive account: the documented cross-account
        # pattern). A name missing from ListBuckets is therefore not absent: unknown (the
        # `missing` reason). HeadBucket cannot settle it either: AWS documents its 400/403/404
        # as generic, "you cannot determine the exception beyond these codes".
        missing="{what} is not owned by account {account} (another account's bucket, or "
        "deleted), so its settings cannot be read from this scan",
    ),
    LinkSpec(TRAIL, "kms_key", (KEY,), reverse="protects", noun="KMS key"),
    LinkSpec(TRAIL, "log_group", (GROUP,), reverse="log_sources", noun="log group"),
    # Likewise a bucket's key, only when a trail writes to the bucket (a plan holds
    # application buckets too; a live scan reads the encryption of trail buckets only).
    LinkSpec(BUCKET, "kms_key", (KEY,), reverse="protects", noun="KMS key", reverse_if="trails"),
    # A log group's key protects audit logs only when a trail or a VPC flow log delivers to
    # the group (the `log_group_scope: audit` notion): keys of application log groups are
    # not the keys of audit log stores.
    LinkSpec(
        GROUP, "kms_key", (KEY,), reverse="protects", noun="KMS key", reverse_if="log_sources"
    ),
    # A filter on a log group that was not collected links to nothing: the group only
    # matters through a trail that delivers to it.
    LinkSpec(FILTER, "log_group", (GROUP,), reverse="metric_filters", reverse_scope="location"),
    LinkSpec(ALARM, "sns_topics", (TOPIC,), noun="SNS topic"),
    LinkSpec(VPC, "flow_log_destinations", (GROUP,), reverse="log_sources", noun="log group"),
)


def _metric_keys(metric_filter: Resource) -> Sequence[Key] | Unknowable:
    metrics = metric_filter.attrs.get("metrics")
    if isinstance(metrics, Unknowable):
        return metrics
    return [
        (
            metric_filter.region,
            metric_filter.account,
            m.get("namespace"),
            m.get("name"),
            tuple(m["dimensions"])
            if isinstance(m.get("dimensions"), list)
            else m.get("dimensions"),
        )
        for m in metrics or []
    ]


def _alarm_key(alarm: Resource) -> Key:
    """An alarm sees a filter's data points only when it asks for the same metric with the same
    dimension names, in the filter's region. An alarm whose metric is known only after apply
    may be any filter's of its region (of any region, when its region is not known either)."""
    attrs = alarm.attrs
    parts = [attrs.get("namespace"), attrs.get("metric_name"), attrs.get("dimensions")]
    marker = next((p for p in parts if isinstance(p, Unknowable)), None)
    if marker is not None:
        region: Any = marker if alarm.region == UNKNOWN_LOCATION else alarm.region
        return (region, alarm.account, marker, marker, marker)
    return (alarm.region, alarm.account, parts[0] or "", parts[1] or "", tuple(parts[2] or ()))


def _recorder_region(recorder: Resource) -> Key:
    if recorder.region == UNKNOWN_LOCATION:
        return (Unknowable(f"the region of recorder {recorder.id} is not known from the plan"),)
    return (recorder.region,)


JOINS: tuple[Join, ...] = (
    Join(FILTER, "alarms", ALARM, _metric_keys, _alarm_key),
    Join(
        REGION,
        "config_recorders",
        RECORDER,
        lambda region: [(region.name,)],
        _recorder_region,
        unscanned="region {name} was not scanned",
    ),
)


def bucket_id(partition: str, name: str) -> str:
    """A bucket's ARN (bucket ARNs carry neither account nor region)."""
    return f"arn:{partition}:s3:::{name}"


def _arn_ref(rid: str, name: str, region: str, account: str, shown: str) -> Ref:
    return Ref(
        rid,
        name=name,
        region=arn_region(rid) or region,
        account=arn_account(rid) or account,
        shown=shown,
    )


def _group_ref(arn: str, region: str, account: str) -> Ref:
    rid = arn.removesuffix(":*")
    return _arn_ref(rid, rid.split(":log-group:", 1)[-1], region, account, rid)


class _KeyRefs:
    """How log stores named their keys (alias, id, ARN) -> the described key's ARN."""

    def __init__(self, inventory: Inventory, scope: Scope) -> None:
        self.scope = scope
        self.known: dict[tuple[str, str], str] = {
            (ref, key.region): key.id
            for key in inventory.of_type(KEY)
            for ref in key.attrs.get("references", ())
        }

    def ref(self, ref: str, region: str) -> Ref:
        rid = self.known.get((ref, region)) or key_ref_arn(self.scope, ref, region)
        return _arn_ref(rid, rid.rsplit("/", 1)[-1], region, self.scope.account, ref)


def live_gaps(inventory: Inventory, scope: Scope) -> LiveGaps:
    """Why a target a live scan names was not collected. The types a lister lists whole, per
    region or for the account, can be absent; a KMS key, described one by one, is absent
    only when DescribeKey said so (`kms.describe`); a bucket, though listed whole, is named by
    a name every account shares, so one missing from ListBuckets may be another account's
    (its LinkSpec's `missing` keeps it unknown)."""
    listed = {t for s in SERVICES for lister in s.listers for t in lister.types}
    return LiveGaps(inventory, (scope.account,), (*scope.regions, "global"), "region", listed)


def live_refs(inventory: Inventory, scope: Scope) -> dict[str, dict[str, list[Ref]]]:
    """The references of a collected account's resources, for the core linker."""
    keys = _KeyRefs(inventory, scope)
    out: dict[str, dict[str, list[Ref]]] = {}
    for trail in inventory.of_type(TRAIL):
        out[trail.id] = _trail_refs(trail, keys, scope)
    for vpc in inventory.of_type(VPC):
        out[vpc.id] = {"flow_log_destinations": _flow_refs(vpc, scope)}
    for bucket in inventory.of_type(BUCKET):
        enc = bucket.attrs.get("encryption")
        if isinstance(enc, Mapping) and isinstance(enc.get("kms_key_id"), str):
            out[bucket.id] = {"kms_key": [keys.ref(enc["kms_key_id"], bucket.region)]}
    audit = {
        ref.id
        for rid, found in out.items()
        for name in ("log_group", "flow_log_destinations")
        for ref in found.get(name, ())
    }
    for group in inventory.of_type(GROUP):
        key = group.attrs.get("kms_key_id")
        if isinstance(key, str):
            ref = keys.ref(key, group.region)
            if ref.id not in inventory and group.id not in audit:
                # Not described (no call is spent on keys outside the audit scope), which
                # is not "not found".
                ref = Ref(
                    unknown=Unknowable(
                        f"KMS key {key} was not described: no trail or VPC flow log delivers "
                        f"to log group {group.name}, so its key is outside the audit scope"
                    )
                )
            out[group.id] = {"kms_key": [ref]}
    for metric_filter in inventory.of_type(FILTER):
        name = metric_filter.attrs["log_group_name"]
        arn = (
            f"arn:{scope.partition}:logs:{metric_filter.region}:{metric_filter.account}:"
            f"log-group:{name}"
        )
        out[metric_filter.id] = {"log_group": [Ref(arn)]}
    for alarm in inventory.of_type(ALARM):
        out[alarm.id] = {
            "sns_topics": [
                _arn_ref(t, t.rsplit(":", 1)[-1], alarm.region, scope.account, t)
                for t in alarm.attrs["alarm_actions"]
                if t.split(":")[2:3] == ["sns"]
            ]
        }
    return out


def _trail_refs(trail: Resource, keys: _KeyRefs, scope: Scope) -> dict[str, list[Ref]]:
    attrs = trail.attrs
    found: dict[str, list[Ref]] = {"bucket": [], "kms_key": [], "log_group": []}
    name = attrs.get("s3_bucket_name")
    if isinstance(name, str):
        found["bucket"].append(
            Ref(
                bucket_id(scope.partition, name),
                name=name,
                region="global",
                account=scope.account,
                shown=name,
            )
        )
    key = attrs.get("kms_key_id")
    if isinstance(key, str):
        found["kms_key"].append(keys.ref(key, trail.region))
    group = attrs.get("cloudwatch_logs_log_group_arn")
    if isinstance(group, str):
        found["log_group"].append(_group_ref(group, trail.region, scope.account))
    return found


def _flow_refs(vpc: Resource, scope: Scope) -> list[Ref]:
    return [
        _arn_ref(arn, name, vpc.region, scope.account, arn)
        for arn, name in flow_log_groups(vpc, scope)
    ]
