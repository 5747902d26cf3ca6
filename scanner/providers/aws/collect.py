"""Collect an AWS account: concurrent across regions and services, bounded, read-only.

Phase 1 lists (one call per service and region wherever the API allows); phase 2 details only
what a log store depends on (trail status and selectors in the home region, configuration of
buckets that hold logs, subscriptions of topics that alarms notify); phase 3 describes the KMS
keys those log stores name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Protocol

from scanner.errors import InputError, RunError
from scanner.evidence import EvidenceStore
from scanner.inventory import Inventory
from scanner.model import CollectionError, EvidenceRef, Resource, Unknowable
from scanner.providers.aws import alarms, cloudtrail, config_recorder, ec2, iam, kms, logs, s3
from scanner.providers.aws.base import Scope, arn_region, make
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.link import link


class Progress(Protocol):
    """Where collection reports what it is doing; transient lines only show on a terminal."""

    def __call__(self, message: str, transient: bool = False) -> None: ...


def _silent(message: str, transient: bool = False) -> None:
    return None


# (what, region, resource types it leaves uncollected on failure, the work)
Task = tuple[str, str, tuple[str, ...], Callable[[], list[Resource]]]

REGIONAL_TYPES = (
    "aws.cloudtrail.trail",
    "aws.logs.log_group",
    "aws.logs.metric_filter",
    "aws.cloudwatch.alarm",
    "aws.sns.topic",
    "aws.config.recorder",
    "aws.ec2.vpc",
)
BUCKET_DETAIL = (
    "region",
    "object_lock",
    "versioning",
    "encryption",
    "public_access_block",
    "acl",
    "policy",
    "logging",
    "lifecycle",
)


@dataclass
class AwsScan:
    """What one AWS collection produced."""

    inventory: Inventory
    scope: Scope
    api: AwsApi
    evidence: EvidenceStore
    enabled_regions: tuple[str, ...] | None
    notes: list[str] = field(default_factory=list)


def scan(
    session: Any,
    regions: Iterable[str] | None,
    evidence: EvidenceStore,
    workers: int = 12,
    progress: Progress | None = None,
) -> AwsScan:
    """Collect, normalize and link one account. `regions` None means every enabled region."""
    say: Progress = progress or _silent
    api = AwsApi(session, evidence)
    home = session.region_name or "us-east-1"
    ident, ident_refs = _identify(api, home)
    account = ident["Account"]
    inventory = Inventory()
    requested = tuple(regions) if regions else None
    enabled, enabled_value, region_refs = _enabled_regions(api, home, requested, inventory, account)
    wanted = requested or enabled or (home,)
    scope = Scope(
        account=account,
        partition=ident["Arn"].split(":")[1],
        caller_arn=ident.get("Arn"),
        regions=wanted,
        home_region=home,
    )
    result = AwsScan(
        inventory=inventory, scope=scope, api=api, evidence=evidence, enabled_regions=enabled
    )
    if enabled is None and requested is None:
        result.notes.append(
            f"the enabled regions could not be listed; only {home} was "
            "scanned, and every regional check elsewhere is an error"
        )
        inventory.add_error(
            CollectionError(
                "aws",
                account,
                "*",
                "DescribeRegions",
                "RegionsUnknown",
                "other regions were not scanned",
                REGIONAL_TYPES,
            )
        )
    elif enabled is not None and set(enabled) - set(wanted):
        skipped = sorted(set(enabled) - set(wanted))
        result.notes.append(f"{len(skipped)} enabled region(s) not scanned: " + ", ".join(skipped))
    say(f"account {account}: scanning {len(wanted)} region(s) as {ident.get('Arn')}")
    # Enabled regions left out of the scan are regions too: per-region policies say unknown
    # there rather than pass on what was looked at.
    for region in sorted(set(wanted) | set(enabled or ())):
        is_enabled = enabled is None or region in enabled
        inventory.add(
            make(
                scope,
                "aws.region",
                f"aws:{account}:region/{region}",
                region,
                region,
                {"region": region, "enabled": is_enabled, "scanned": region in wanted},
                region_refs,
            )
        )
        if not is_enabled:
            inventory.add_error(
                CollectionError(
                    "aws",
                    account,
                    region,
                    "*",
                    "RegionDisabled",
                    f"region {region} is not enabled for the account",
                    REGIONAL_TYPES,
                )
            )
    run = _Run(api, scope, inventory, say)
    run.account_attrs.update(
        account_id=account,
        partition=scope.partition,
        caller_arn=ident.get("Arn"),
        enabled_regions=enabled_value,
        scanned_regions=list(wanted),
    )
    run.account_evidence.extend(ident_refs)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="logward") as pool:
        run.collect([r for r in wanted if enabled is None or r in enabled], pool)
    inventory.add(
        make(
            scope,
            "aws.account",
            f"arn:{scope.partition}:iam::{account}:root",
            account,
            "global",
            run.account_attrs,
            run.account_evidence,
        )
    )
    link(inventory, scope)
    return result


def _identify(api: AwsApi, home: str) -> tuple[dict[str, Any], tuple[EvidenceRef, ...]]:
    try:
        got = api.call("sts", home, "GetCallerIdentity")
    except AwsCallError as exc:
        raise RunError(
            f"cannot identify the caller ({exc.code}): {exc.message}. Check the AWS "
            "credentials (profile, environment, SSO session) and network."
        ) from exc
    except Exception as exc:
        raise RunError(f"cannot start the AWS scan: {exc}") from exc
    assert got is not None
    return got.data, got.evidence


def _enabled_regions(
    api: AwsApi, home: str, requested: tuple[str, ...] | None, inventory: Inventory, account: str
) -> tuple[tuple[str, ...] | None, Any, tuple[EvidenceRef, ...]]:
    try:
        got = api.call("ec2", home, "DescribeRegions", AllRegions=True)
    except AwsCallError as exc:
        _record(inventory, account, exc, ("aws.region",), home)
        return None, exc.unknowable(), ()
    assert got is not None
    listed = got.data.get("Regions", [])
    unknown = sorted(set(requested or ()) - {r["RegionName"] for r in listed})
    if unknown:
        raise InputError(
            f"--regions: unknown region(s) {unknown}; expected regions this "
            f"account knows, e.g. {sorted(r['RegionName'] for r in listed)[:4]}"
        )
    enabled = tuple(
        sorted(
            r["RegionName"]
            for r in listed
            if r.get("OptInStatus") in ("opt-in-not-required", "opted-in")
        )
    )
    return enabled, list(enabled), got.evidence


class _Run:
    """The state of one collection: what phase 1 listed and phases 2 and 3 detail."""

    def __init__(self, api: AwsApi, scope: Scope, inventory: Inventory, say: Progress) -> None:
        self.api = api
        self.scope = scope
        self.inventory = inventory
        self.say = say
        self.account_attrs: dict[str, Any] = {}
        self.account_evidence: list[EvidenceRef] = []
        self.trails: dict[str, dict[str, Any]] = {}
        self.buckets: dict[str, Resource] = {}
        self.topics: dict[str, Resource] = {}
        self.late_errors: list[CollectionError] = []  # from workers; recorded by _run

    def collect(self, regions: list[str], pool: ThreadPoolExecutor) -> None:
        api, scope = self.api, self.scope
        tasks: list[Task] = [
            ("iam", "global", ("aws.iam.principal", "aws.iam.policy"), self._iam),
            ("s3-account-pab", "global", (), self._account_pab),
            ("s3", "global", ("aws.s3.bucket",), self._list_buckets),
        ]
        for region in regions:
            tasks += [
                ("cloudtrail", region, ("aws.cloudtrail.trail",), self._trails(region)),
                (
                    "logs",
                    region,
                    ("aws.logs.log_group",),
                    _bind(logs.collect_groups, api, scope, region),
                ),
                (
                    "metric-filters",
                    region,
                    ("aws.logs.metric_filter",),
                    _bind(logs.collect_filters, api, scope, region),
                ),
                (
                    "alarms",
                    region,
                    ("aws.cloudwatch.alarm",),
                    _bind(alarms.collect_alarms, api, scope, region),
                ),
                ("sns", region, ("aws.sns.topic",), self._topics(region)),
                (
                    "config",
                    region,
                    ("aws.config.recorder",),
                    _bind(config_recorder.collect, api, scope, region),
                ),
                ("ec2", region, ("aws.ec2.vpc",), _bind(ec2.collect, api, scope, region)),
            ]
        self._run(pool, tasks)
        self.account_attrs.setdefault(
            "public_access_block",
            Unknowable("the account's S3 Block Public Access could not be read", error=True),
        )
        if "iam_authorization_details" not in self.account_attrs:
            errors = self.inventory.type_errors("aws.iam.principal")
            self.account_attrs["iam_authorization_details"] = Unknowable(
                errors[0].reason if errors else "IAM was not collected", error=True
            )
        self._run(pool, self._details())
        self.inventory.extend(self.buckets.values())
        self.inventory.extend(self.topics.values())
        keys: list[Resource] = []
        self._run(
            pool,
            [
                (f"key {ref}", region, (), _bind_key(api, scope, ref, region))
                for ref, region in sorted(_referenced_keys(self.inventory, scope))
            ],
            sink=keys.extend,
        )
        self.inventory.extend(_merge_keys(keys))

    def _details(self) -> list[Task]:
        api, scope = self.api, self.scope
        tasks: list[Task] = [
            (
                f"trail {t['Name']}",
                t.get("HomeRegion", scope.home_region),
                ("aws.cloudtrail.trail",),
                _bind_one(cloudtrail.describe, api, scope, t),
            )
            for t in self.trails.values()
        ]
        stores = {t.get("S3BucketName") for t in self.trails.values()} - {None}
        for name in sorted(n for n in stores if n in self.buckets):
            tasks.append((f"bucket {name}", "global", (), self._bucket(self.buckets.pop(name))))
        notified = {
            action
            for alarm in self.inventory.of_type("aws.cloudwatch.alarm")
            for action in alarm.attrs["alarm_actions"]
        }
        for arn in sorted(notified & set(self.topics)):
            tasks.append(
                (
                    f"topic {arn}",
                    arn_region(arn) or scope.home_region,
                    (),
                    _bind_one(alarms.describe_topic, api, scope, self.topics.pop(arn)),
                )
            )
        return tasks

    def _iam(self) -> list[Resource]:
        details, refs, resources = iam.collect(self.api, self.scope)
        self.account_attrs["iam_authorization_details"] = details
        self.account_evidence.extend(refs)
        return resources

    def _account_pab(self) -> list[Resource]:
        try:
            got = self.api.call(
                "s3control",
                self.scope.home_region,
                "GetPublicAccessBlock",
                absent=("NoSuchPublicAccessBlockConfiguration",),
                AccountId=self.scope.account,
            )
        except AwsCallError as exc:
            # Only this attribute is unknown; the account itself is collected.
            self.account_attrs["public_access_block"] = exc.unknowable()
            raise
        self.account_attrs["public_access_block"] = s3.pab(
            got.data.get("PublicAccessBlockConfiguration") if got else None
        )
        if got is not None:
            self.account_evidence.extend(got.evidence)
        return []

    def _list_buckets(self) -> list[Resource]:
        self.buckets.update({b.name: b for b in s3.list_buckets(self.api, self.scope)})
        return []

    def _trails(self, region: str) -> Callable[[], list[Resource]]:
        def run() -> list[Resource]:
            for trail in cloudtrail.list_trails(self.api, region):
                # A multi-region trail is listed in every region: keep one per ARN.
                self.trails.setdefault(trail["TrailARN"], trail)
            return []

        return run

    def _topics(self, region: str) -> Callable[[], list[Resource]]:
        def run() -> list[Resource]:
            self.topics.update(
                {t.id: t for t in alarms.collect_topics(self.api, self.scope, region)}
            )
            return []

        return run

    def _bucket(self, listed: Resource) -> Callable[[], list[Resource]]:
        def run() -> list[Resource]:
            try:
                return [s3.describe(self.api, self.scope, listed)]
            except Exception as exc:
                # Keep the bucket, with every detail an error, rather than lose its row.
                reason = f"describing bucket {listed.name} failed: {type(exc).__name__}: {exc}"
                marker = Unknowable(reason, error=True)
                attrs = dict(listed.attrs, detailed=True, **dict.fromkeys(BUCKET_DETAIL, marker))
                self.late_errors.append(
                    CollectionError(
                        "aws",
                        self.scope.account,
                        "global",
                        "describe bucket",
                        "InternalError",
                        reason,
                        (),
                        listed.id,
                    )
                )
                return [
                    make(
                        self.scope,
                        s3.TYPE,
                        listed.id,
                        listed.name,
                        "global",
                        attrs,
                        listed.evidence,
                    )
                ]

        return run

    def _run(
        self,
        pool: ThreadPoolExecutor,
        tasks: list[Task],
        sink: Callable[[list[Resource]], None] | None = None,
    ) -> None:
        futures = {pool.submit(fn): (name, region, types) for name, region, types, fn in tasks}
        for done, future in enumerate(as_completed(futures), 1):
            name, region, types = futures[future]
            self.say(f"[{done}/{len(futures)}] {name} ({region})", transient=True)
            try:
                (sink or self.inventory.extend)(future.result())
            except AwsCallError as exc:
                _record(self.inventory, self.scope.account, exc, types, region)
                self.say(f"error: {name} in {region}: {exc.code}")
            except Exception as exc:  # a response we could not normalize is an error, not a gap
                self.inventory.add_error(
                    CollectionError(
                        "aws",
                        self.scope.account,
                        region,
                        name,
                        "InternalError",
                        f"{type(exc).__name__}: {exc}",
                        types,
                    )
                )
                self.say(f"error: {name} in {region}: {type(exc).__name__}: {exc}")
        for error in self.late_errors:
            self.inventory.add_error(error)
        self.late_errors.clear()


def _bind(
    fn: Callable[[AwsApi, Scope, str], list[Resource]], api: AwsApi, scope: Scope, region: str
) -> Callable[[], list[Resource]]:
    return lambda: fn(api, scope, region)


def _bind_one(
    fn: Callable[[AwsApi, Scope, Any], Resource], api: AwsApi, scope: Scope, item: Any
) -> Callable[[], list[Resource]]:
    return lambda: [fn(api, scope, item)]


def _bind_key(api: AwsApi, scope: Scope, ref: str, region: str) -> Callable[[], list[Resource]]:
    return lambda: [kms.describe(api, scope, ref, region)]


def _merge_keys(keys: list[Resource]) -> list[Resource]:
    """One resource per key ARN, whatever order the lookups finished in: a key named by ARN
    in one log store and by alias in another is the same key, known by both references."""
    merged: dict[str, Resource] = {}
    for key in keys:
        seen = merged.get(key.id)
        if seen is None:
            merged[key.id] = key
            continue
        refs = sorted({*seen.attrs.get("references", ()), *key.attrs.get("references", ())})
        seen.attrs["references"] = refs
    return list(merged.values())


def _record(
    inventory: Inventory, account: str, exc: AwsCallError, types: tuple[str, ...], task_region: str
) -> None:
    # A global service is asked through the home region; its failure is global.
    region = "global" if task_region == "global" else exc.region
    inventory.add_error(
        CollectionError("aws", account, region, exc.operation, exc.code, exc.message, types)
    )


def _referenced_keys(inventory: Inventory, scope: Scope) -> set[tuple[str, str]]:
    """(reference, region) of every KMS key a log store names in this account: ARNs, and ids
    or aliases, which DescribeKey resolves in the store's region."""
    refs: list[tuple[Any, str]] = [
        (r.attrs.get("kms_key_id"), r.region)
        for rtype in ("aws.cloudtrail.trail", "aws.logs.log_group")
        for r in inventory.of_type(rtype)
    ]
    for bucket in inventory.of_type("aws.s3.bucket"):
        enc = bucket.attrs.get("encryption")
        if isinstance(enc, dict):
            refs.append((enc.get("kms_key_id"), bucket.region))
    keys: set[tuple[str, str]] = set()
    for ref, region in refs:
        if not isinstance(ref, str) or not ref:
            continue
        if ref.startswith("arn:"):
            parts = ref.split(":")
            if parts[4] == scope.account:
                keys.add((ref, parts[3] or region))
        else:
            keys.add((ref, region))
    return keys
