"""Link AWS resources: trail -> bucket/key/log group -> filters -> alarms -> topics, and back.

Every lookup goes through a dict built once, so linking is linear in the inventory. A target
outside what was scanned becomes a placeholder resource whose every attribute is unknown with
the reason, so policies on it say `unknown`, never pass or fail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.analysis import iam as iam_analysis
from scanner.inventory import Inventory
from scanner.model import Link, Resource, Unknowable
from scanner.providers.aws.base import Scope, arn_account, arn_region
from scanner.providers.aws.kms import key_ref_arn
from scanner.providers.aws.logstore import effective_public_access_block, lifecycle_for_logs

TAMPER_TRAIL_ACTIONS = (
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
)
# PutObject overwrites (forges) log files where Object Lock does not stop it.
TAMPER_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject")
# Suspending versioning makes later deletes permanent; deleting the policy drops its denies.
TAMPER_BUCKET_ACTIONS = (
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
)
TAMPER_LOG_GROUP_ACTIONS = (
    "logs:DeleteLogGroup",
    "logs:DeleteLogStream",
    "logs:PutRetentionPolicy",
)
# Disabling or deleting the trail's key makes every encrypted log file unreadable.
TAMPER_KEY_ACTIONS = ("kms:DisableKey", "kms:ScheduleKeyDeletion")


class _Linker:
    def __init__(self, inventory: Inventory, scope: Scope) -> None:
        self.inv = inventory
        self.scope = scope
        self.back: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        # How log stores named their keys (alias, id, ARN) -> the key's ARN.
        self.key_refs: dict[tuple[str, str], str] = {
            (ref, key.region): key.id
            for key in inventory.of_type("aws.kms.key")
            for ref in key.attrs.get("references", ())
        }

    def key(self, ref: str, region: str, source: Resource) -> Link:
        """The link from a log store to the KMS key it names, however it names it."""
        rid = self.key_refs.get((ref, region)) or key_ref_arn(self.scope, ref, region)
        rid = self.target(
            rid, "aws.kms.key", rid.rsplit("/", 1)[-1], arn_region(rid) or region, f"KMS key {ref}"
        )
        self.backlink(rid, "protects", source.id)
        return Link((rid,))

    def target(self, rid: str, rtype: str, name: str, region: str, why: str) -> str:
        """`rid` if collected; otherwise a placeholder explaining why it is not."""
        if self.inv.get(rid) is None:
            account = arn_account(rid) or self.scope.account
            errors = self.inv.type_errors(rtype, account, region)
            if account != self.scope.account:
                reason = Unknowable(f"{why} is in account {account}, outside the scan")
            elif rtype == "aws.s3.bucket" and not errors:
                reason = Unknowable(
                    f"{why} is not owned by account {account} (another "
                    "account's bucket, or deleted), so its settings cannot be "
                    "read from this scan"
                )
            elif errors:
                reason = Unknowable(errors[0].reason, error=True)
            elif region not in (*self.scope.regions, "global"):
                reason = Unknowable(f"{why} is in region {region}, which was not scanned")
            else:
                reason = Unknowable(f"{why} was not found in account {account}")
            self.inv.add(
                Resource(
                    provider="aws",
                    account=account,
                    region=region,
                    type=rtype,
                    id=rid,
                    name=name,
                    attrs={},
                    placeholder=reason,
                )
            )
        return rid

    def backlink(self, target: str, name: str, source: str) -> None:
        self.back[target][name].append(source)


def link(inventory: Inventory, scope: Scope) -> None:
    """Fill every resource's links (and the trails' tamper analysis) in place."""
    lk = _Linker(inventory, scope)
    account = next(iter(inventory.of_type("aws.account")), None)
    account_pab = account.attrs.get("public_access_block") if account else None
    groups = {(g.region, g.account, g.name): g for g in inventory.of_type("aws.logs.log_group")}
    filters_by_group: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for f in inventory.of_type("aws.logs.metric_filter"):
        filters_by_group[(f.region, f.account, f.attrs["log_group_name"])].append(f.id)
    # An alarm sees a filter's data points only when it asks for the same dimensions.
    alarms_by_metric: dict[tuple[str, str, str, str, tuple[str, ...]], list[str]] = defaultdict(
        list
    )
    for a in inventory.of_type("aws.cloudwatch.alarm"):
        alarms_by_metric[
            (
                a.region,
                a.account,
                a.attrs.get("namespace") or "",
                a.attrs.get("metric_name") or "",
                tuple(a.attrs.get("dimensions", ())),
            )
        ].append(a.id)

    for trail in list(inventory.of_type("aws.cloudtrail.trail")):
        _link_trail(lk, trail)
    for bucket in list(inventory.of_type("aws.s3.bucket")):
        if bucket.placeholder is None:
            _link_bucket(lk, bucket, account_pab)
    for group in list(inventory.of_type("aws.logs.log_group")):
        if group.placeholder is not None:
            continue
        group.links["metric_filters"] = _listed(
            lk,
            filters_by_group.get((group.region, group.account, group.name), []),
            ("aws.logs.metric_filter",),
            group,
        )
        key = group.attrs.get("kms_key_id")
        if isinstance(key, str):
            group.links["kms_key"] = lk.key(key, group.region, group)
    for f in inventory.of_type("aws.logs.metric_filter"):
        owner = groups.get((f.region, f.account, f.attrs["log_group_name"]))
        f.links["log_group"] = Link((owner.id,) if owner else ())
        f.links["alarms"] = _listed(
            lk,
            [
                a
                for m in f.attrs["metrics"]
                for a in alarms_by_metric.get(
                    (
                        f.region,
                        f.account,
                        m["namespace"],
                        m["name"],
                        tuple(m.get("dimensions", ())),
                    ),
                    [],
                )
            ],
            ("aws.cloudwatch.alarm",),
            f,
        )
    for alarm in list(inventory.of_type("aws.cloudwatch.alarm")):
        topics = [t for t in alarm.attrs["alarm_actions"] if t.split(":")[2:3] == ["sns"]]
        alarm.links["sns_topics"] = Link(
            tuple(
                lk.target(
                    t,
                    "aws.sns.topic",
                    t.rsplit(":", 1)[-1],
                    arn_region(t) or alarm.region,
                    f"SNS topic {t}",
                )
                for t in topics
            )
        )
    for vpc in inventory.of_type("aws.ec2.vpc"):
        _link_vpc(lk, vpc, groups)
    recorders: dict[str, list[str]] = defaultdict(list)
    for rec in inventory.of_type("aws.config.recorder"):
        recorders[rec.region].append(rec.id)
    for region in inventory.of_type("aws.region"):
        region.links["config_recorders"] = _regional(lk, region, recorders[region.name])
    for target, by_name in lk.back.items():
        resource = inventory.get(target)
        if resource is not None:
            for name, sources in by_name.items():
                resource.links[name] = Link(tuple(dict.fromkeys(sources)))
    defaults: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("aws.s3.bucket", ("trails", "kms_key")),
        ("aws.logs.log_group", ("log_sources", "metric_filters", "kms_key")),
        ("aws.kms.key", ("protects",)),
    )
    for bucket in inventory.of_type("aws.s3.bucket"):
        lifecycle_for_logs(inventory, bucket)
    for rtype, link_names in defaults:
        for resource in inventory.of_type(rtype):
            if resource.placeholder is not None:
                continue  # nothing is known of its links but who points at it
            for name in link_names:
                resource.links.setdefault(name, Link())
    # A reverse link is only as complete as the listing of its sources: a bucket no listed
    # trail points at may still be a trail bucket when DescribeTrails failed somewhere.
    for bucket in inventory.of_type("aws.s3.bucket"):
        if bucket.placeholder is None and not bucket.links["trails"].targets:
            bucket.links["trails"] = _listed(
                lk, [], ("aws.cloudtrail.trail",), bucket, anywhere=True
            )
    for group in inventory.of_type("aws.logs.log_group"):
        if group.placeholder is None and not group.links["log_sources"].targets:
            group.links["log_sources"] = _listed(
                lk, [], ("aws.cloudtrail.trail", "aws.ec2.vpc"), group, anywhere=True
            )
    _tamper(inventory, scope, account)


def _listed(
    lk: _Linker, ids: list[str], types: tuple[str, ...], owner: Resource, anywhere: bool = False
) -> Link:
    """A link to listed resources, unresolved (error) when the listing of any of `types` failed
    where the targets would be (the owner's region, or any region for account-wide sources)."""
    region = None if anywhere else owner.region
    errors = [e for t in types for e in lk.inv.type_errors(t, owner.account, region)]
    return Link(tuple(ids), Unknowable(errors[0].reason, error=True) if errors else None)


def _regional(lk: _Linker, region: Resource, ids: list[str]) -> Link:
    if ids:
        return Link(tuple(ids))
    errors = lk.inv.type_errors("aws.config.recorder", region.account, region.name)
    if errors:
        return Link((), Unknowable(errors[0].reason, error=True))
    if not region.attrs.get("scanned"):
        return Link((), Unknowable(f"region {region.name} was not scanned"))
    return Link(())


def _link_trail(lk: _Linker, trail: Resource) -> None:
    attrs = trail.attrs
    name = attrs.get("s3_bucket_name")
    if isinstance(name, str):
        rid = f"arn:{lk.scope.partition}:s3:::{name}"
        listed = lk.inv.get(rid)
        if listed is None or not listed.attrs.get("detailed", True):
            rid = lk.target(rid, "aws.s3.bucket", name, "global", f"bucket {name}")
        trail.links["bucket"] = Link((rid,))
        lk.backlink(rid, "trails", trail.id)
    else:
        trail.links["bucket"] = Link()
    key = attrs.get("kms_key_id")
    if isinstance(key, str):
        trail.links["kms_key"] = lk.key(key, trail.region, trail)
    else:
        trail.links["kms_key"] = Link()
    group_arn = attrs.get("cloudwatch_logs_log_group_arn")
    if isinstance(group_arn, str):
        rid = group_arn[:-2] if group_arn.endswith(":*") else group_arn
        rid = lk.target(
            rid,
            "aws.logs.log_group",
            rid.split(":log-group:", 1)[-1],
            arn_region(rid) or trail.region,
            f"log group {rid}",
        )
        trail.links["log_group"] = Link((rid,))
        lk.backlink(rid, "log_sources", trail.id)
    else:
        trail.links["log_group"] = Link()


def _link_bucket(lk: _Linker, bucket: Resource, account_pab: Any) -> None:
    enc = bucket.attrs.get("encryption")
    if isinstance(enc, Mapping) and isinstance(enc.get("kms_key_id"), str):
        bucket.links["kms_key"] = lk.key(enc["kms_key_id"], bucket.region, bucket)
    if not bucket.attrs.get("detailed"):
        return
    bucket.attrs["effective_public_access_block"] = effective_public_access_block(
        bucket.attrs.get("public_access_block"), account_pab
    )


def _link_vpc(lk: _Linker, vpc: Resource, groups: Mapping[tuple[str, str, str], Resource]) -> None:
    flows = vpc.attrs.get("flow_logs")
    targets = []
    for flow in flows if isinstance(flows, list) else []:
        dest = flow.get("destination")
        if not isinstance(dest, str):
            continue
        if flow.get("destination_type") in (None, "cloud-watch-logs"):
            # The destination may be an ARN in another account or region, or a bare name.
            name = dest.split(":log-group:", 1)[-1].removesuffix(":*")
            rid = (
                dest.removesuffix(":*")
                if dest.startswith("arn:")
                else f"arn:{lk.scope.partition}:logs:{vpc.region}:{vpc.account}:log-group:{name}"
            )
            rid = lk.target(
                rid, "aws.logs.log_group", name, arn_region(rid) or vpc.region, f"log group {rid}"
            )
            targets.append(rid)
            lk.backlink(rid, "log_sources", vpc.id)
    vpc.links["flow_log_destinations"] = Link(tuple(targets))


def _tamper(inventory: Inventory, scope: Scope, account: Resource | None) -> None:
    """Who could stop, alter or delete each trail and the logs it writes."""
    details = account.attrs.get("iam_authorization_details") if account else None
    if isinstance(details, Unknowable) or details is None:
        marker = (
            details
            if isinstance(details, Unknowable)
            else Unknowable("IAM authorization details were not collected", error=True)
        )
        for trail in inventory.of_type("aws.cloudtrail.trail"):
            trail.attrs["tamper_grants"] = marker
            trail.attrs["tamper_limits"] = []
        return
    principals = iam_analysis.principals_from_authorization_details(details)
    limits = list(iam_analysis.analysis_limits(principals))
    for trail in inventory.of_type("aws.cloudtrail.trail"):
        checks: list[tuple[str, str]] = [(a, trail.id) for a in TAMPER_TRAIL_ACTIONS]
        policies: dict[str, Any] = {}
        gaps: list[Unknowable] = []
        trail_limits = list(limits)
        if trail.account != scope.account:
            gaps.append(
                Unknowable(f"trail is owned by account {trail.account}; its IAM was not scanned")
            )
        for bucket in _targets(inventory, trail, "bucket"):
            if bucket.placeholder is not None:
                gaps.append(bucket.placeholder)
                continue
            prefix = trail.attrs.get("s3_key_prefix")
            key = f"{prefix}/" if prefix else ""
            sample = (
                f"{bucket.id}/{key}AWSLogs/{trail.account}/CloudTrail/"
                f"{trail.region}/2026/01/01/log.json.gz"
            )
            checks += [(a, sample) for a in TAMPER_OBJECT_ACTIONS]
            checks += [(a, bucket.id) for a in TAMPER_BUCKET_ACTIONS]
            policy = bucket.attrs.get("policy")
            if isinstance(policy, Unknowable):
                gaps.append(policy)
            elif isinstance(policy, Mapping) and policy.get("document"):
                policies[bucket.id] = iam_analysis.parse_policy_document(
                    policy["document"], f"bucket policy of {bucket.name}"
                )
        for cmk in _targets(inventory, trail, "kms_key"):
            if cmk.placeholder is None and cmk.account == scope.account:
                checks += [(a, cmk.id) for a in TAMPER_KEY_ACTIONS]
        for group in _targets(inventory, trail, "log_group"):
            if group.placeholder is not None:
                gaps.append(group.placeholder)
                continue
            checks += [(a, f"{group.id}:*") for a in TAMPER_LOG_GROUP_ACTIONS]
            trail_limits.append(
                f"log group {group.name}: resource policies of CloudWatch Logs "
                "are checked for exposure, not for tamper grants"
            )
        grants = iam_analysis.who_can(principals, checks, policies, scope.account)
        rows: list[Any] = [
            {
                "principal": g.principal,
                "action": g.action,
                "resource": g.resource,
                "source": g.source,
                "sid": g.sid,
                "statement_index": g.statement_index,
                "conditional": g.conditional,
                "via": g.via,
            }
            for g in grants
        ]
        trail.attrs["tamper_grants"] = rows + gaps
        trail.attrs["tamper_limits"] = trail_limits


def _targets(inventory: Inventory, resource: Resource, name: str) -> Iterable[Resource]:
    link_ = resource.links.get(name)
    for rid in link_.targets if link_ else ():
        target = inventory.get(rid)
        if target is not None:
            yield target
