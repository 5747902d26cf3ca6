"""Collect an AWS account: concurrent across regions and services, bounded, read-only.

Phase 1 lists (one call per service and region wherever the API allows); phase 2 details only
what a log store depends on (trail status and selectors in the home region, configuration of
buckets that hold logs); phase 3 describes the KMS keys those log stores name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import InputError, RunError
from scanner.evidence import EvidenceStore
from scanner.inventory import Inventory
from scanner.model import CollectionError, EvidenceRef, Resource, Unknowable
from scanner.providers.aws import alarms, cloudtrail, config_recorder, ec2, iam, kms, logs, s3
from scanner.providers.aws.base import Scope, make
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.link import link

Progress = Callable[[str], None]
# (what, region, resource types it leaves uncollected on failure, the work)
Task = tuple[str, str, tuple[str, ...], Callable[[], list[Resource]]]


@dataclass
class AwsScan:
    """What one AWS collection produced."""

    inventory: Inventory
    scope: Scope
    api: AwsApi
    evidence: EvidenceStore
    enabled_regions: tuple[str, ...] | None
    iam_details: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def scan(session: Any, regions: Iterable[str] | None, evidence: EvidenceStore,
         workers: int = 12, progress: Progress | None = None) -> AwsScan:
    """Collect, normalize and link one account. `regions` None means every enabled region."""
    say = progress or (lambda _m: None)
    api = AwsApi(session, evidence)
    home = session.region_name or "us-east-1"
    try:
        ident_response = api.call("sts", home, "GetCallerIdentity")
    except AwsCallError as exc:
        raise RunError(f"cannot identify the caller ({exc.code}): {exc.message}. Check the AWS "
                       "credentials (profile, environment, SSO session) and network.") from exc
    except Exception as exc:
        raise RunError(f"cannot start the AWS scan: {exc}") from exc
    assert ident_response is not None
    ident = ident_response.data
    account = ident["Account"]
    partition = ident["Arn"].split(":")[1]
    inventory = Inventory()
    enabled: tuple[str, ...] | None = None
    enabled_value: Any
    try:
        got = api.call("ec2", home, "DescribeRegions", AllRegions=True)
        assert got is not None
        enabled = tuple(sorted(r["RegionName"] for r in got.data.get("Regions", [])
                               if r.get("OptInStatus") in ("opt-in-not-required", "opted-in")))
        enabled_value = list(enabled)
        region_evidence = got.evidence
        known = {r["RegionName"] for r in got.data.get("Regions", [])}
        unknown = sorted(set(regions or ()) - known)
        if unknown:
            raise InputError(f"--regions: unknown region(s) {unknown}; the account knows "
                             f"{len(known)} regions, e.g. {sorted(known)[:4]}")
    except AwsCallError as exc:
        enabled_value = exc.unknowable()
        region_evidence = ()
        _error(inventory, account, exc, ("aws.region",))
    wanted = tuple(regions) if regions else (enabled or (home,))
    scope = Scope(account=account, partition=partition, caller_arn=ident.get("Arn"),
                  regions=wanted, home_region=home)
    result = AwsScan(inventory=inventory, scope=scope, api=api, evidence=evidence,
                     enabled_regions=enabled)
    if enabled is not None:
        skipped = sorted(set(enabled) - set(wanted))
        if skipped:
            result.notes.append(f"{len(skipped)} enabled region(s) not scanned: "
                                + ", ".join(skipped))
    say(f"account {account}: scanning {len(wanted)} region(s) as {ident.get('Arn')}")

    account_attrs: dict[str, Any] = {"account_id": account, "partition": partition,
                                     "caller_arn": ident.get("Arn"),
                                     "enabled_regions": enabled_value,
                                     "scanned_regions": list(wanted)}
    # One region resource per scanned region; enabled regions left out of the scan are named
    # in the results' limits instead of turning every regional policy into a row of unknowns.
    for region in wanted:
        is_enabled = region in enabled if enabled is not None else True
        inventory.add(make(scope, "aws.region", f"aws:{account}:region/{region}", region, region,
                           {"region": region, "enabled": is_enabled,
                            "scanned": region in wanted}, region_evidence))
    for region in wanted:
        if enabled is not None and region not in enabled:
            inventory.add_error(CollectionError(
                "aws", account, region, "*", "RegionDisabled",
                f"region {region} is not enabled for the account", _REGIONAL_TYPES))

    trails: dict[str, dict[str, Any]] = {}
    listed_buckets: dict[str, Resource] = {}

    tasks: list[Task] = []

    def add_task(name: str, region: str, types: tuple[str, ...],
                 fn: Callable[[], list[Resource]]) -> None:
        tasks.append((name, region, types, fn))

    def iam_task() -> list[Resource]:
        details, refs, resources = iam.collect(api, scope)
        result.iam_details = details
        account_attrs["iam_authorization_details"] = details
        account_evidence.extend(refs)
        return resources

    def pab_task() -> list[Resource]:
        try:
            got = api.call("s3control", home, "GetPublicAccessBlock",
                           absent=("NoSuchPublicAccessBlockConfiguration",), AccountId=account)
        except AwsCallError as exc:
            # Only this attribute is unknown; the account itself was collected.
            account_attrs["public_access_block"] = exc.unknowable()
            _error(inventory, account, exc, ())
            return []
        account_attrs["public_access_block"] = s3.pab(
            got.data.get("PublicAccessBlockConfiguration") if got else None)
        if got is not None:
            account_evidence.extend(got.evidence)
        return []

    def buckets_task() -> list[Resource]:
        found = s3.list_buckets(api, scope)
        listed_buckets.update({b.name: b for b in found})
        return []

    account_evidence: list[EvidenceRef] = list(ident_response.evidence)
    add_task("iam", "global", ("aws.iam.principal", "aws.iam.policy"), iam_task)
    add_task("s3-account-pab", "global", (), pab_task)
    add_task("s3", "global", ("aws.s3.bucket",), buckets_task)
    for region in wanted:
        if enabled is not None and region not in enabled:
            continue
        add_task("cloudtrail", region, ("aws.cloudtrail.trail",),
                 _trails_task(api, region, trails))
        add_task("logs", region, ("aws.logs.log_group",),
                 _bind(logs.collect_groups, api, scope, region))
        add_task("metric-filters", region, ("aws.logs.metric_filter",),
                 _bind(logs.collect_filters, api, scope, region))
        add_task("alarms", region, ("aws.cloudwatch.alarm",),
                 _bind(alarms.collect_alarms, api, scope, region))
        add_task("sns", region, ("aws.sns.topic",),
                 _bind(alarms.collect_topics, api, scope, region))
        add_task("config", region, ("aws.config.recorder",),
                 _bind(config_recorder.collect, api, scope, region))
        add_task("ec2", region, ("aws.ec2.vpc",), _bind(ec2.collect, api, scope, region))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="logward") as pool:
        _run(pool, tasks, inventory, account, say)
        if "public_access_block" not in account_attrs:
            account_attrs["public_access_block"] = Unknowable(
                "the account's S3 Block Public Access could not be read", error=True)
        if "iam_authorization_details" not in account_attrs:
            account_attrs["iam_authorization_details"] = _error_marker(inventory,
                                                                       "aws.iam.principal")
        # Phase 2: trail details in the home region; configuration of log-store buckets.
        details: list[Task] = [
            (f"trail {t['Name']}", t.get("HomeRegion", home), ("aws.cloudtrail.trail",),
             _bind_one(cloudtrail.describe, api, scope, t)) for t in trails.values()]
        store_names = {t.get("S3BucketName") for t in trails.values()} - {None}
        for name in sorted(n for n in store_names if n in listed_buckets):
            details.append((f"bucket {name}", "global", (),
                            _bind_one(s3.describe, api, scope, listed_buckets.pop(name))))
        _run(pool, details, inventory, account, say)
        inventory.extend(listed_buckets.values())
        # Phase 3: the KMS keys that log stores name.
        keys = sorted(_referenced_keys(inventory, scope))
        _run(pool, [(f"key {k}", "global", (), _bind_one(kms.describe, api, scope, k))
                    for k in keys], inventory, account, say)

    inventory.add(make(scope, "aws.account", f"arn:{partition}:iam::{account}:root", account,
                       "global", account_attrs, account_evidence))
    link(inventory, scope)
    return result


_REGIONAL_TYPES = ("aws.cloudtrail.trail", "aws.logs.log_group", "aws.logs.metric_filter",
                   "aws.cloudwatch.alarm", "aws.sns.topic", "aws.config.recorder",
                   "aws.ec2.vpc")


def _bind(fn: Callable[[AwsApi, Scope, str], list[Resource]], api: AwsApi, scope: Scope,
          region: str) -> Callable[[], list[Resource]]:
    return lambda: fn(api, scope, region)


def _bind_one(fn: Callable[[AwsApi, Scope, Any], Resource], api: AwsApi, scope: Scope,
              item: Any) -> Callable[[], list[Resource]]:
    return lambda: [fn(api, scope, item)]


def _trails_task(api: AwsApi, region: str, trails: dict[str, dict[str, Any]]
                 ) -> Callable[[], list[Resource]]:
    def run() -> list[Resource]:
        for trail in cloudtrail.list_trails(api, region):
            # A multi-region trail is listed in every region: keep one per ARN.
            trails.setdefault(trail["TrailARN"], trail)
        return []
    return run


def _run(pool: ThreadPoolExecutor, tasks: list[Task],
         inventory: Inventory, account: str, say: Progress) -> None:
    futures = {pool.submit(fn): (name, region, types) for name, region, types, fn in tasks}
    for future in as_completed(futures):
        name, region, types = futures[future]
        try:
            inventory.extend(future.result())
        except AwsCallError as exc:
            _error(inventory, account, exc, types)
            say(f"error: {name} in {region}: {exc.code}")
        except Exception as exc:  # a response we could not normalize is an error, not a gap
            inventory.add_error(CollectionError("aws", account, region, name, "InternalError",
                                                f"{type(exc).__name__}: {exc}", types))
            say(f"error: {name} in {region}: {type(exc).__name__}: {exc}")


def _error(inventory: Inventory, account: str, exc: AwsCallError,
           types: tuple[str, ...]) -> None:
    inventory.add_error(CollectionError("aws", account, exc.region, exc.operation, exc.code,
                                        exc.message, types))


def _error_marker(inventory: Inventory, rtype: str) -> Unknowable:
    errors = inventory.type_errors(rtype)
    reason = errors[0].reason if errors else f"{rtype} was not collected"
    return Unknowable(reason, error=True)


def _referenced_keys(inventory: Inventory, scope: Scope) -> set[str]:
    keys: set[str] = set()
    candidates = [r.attrs.get("kms_key_id") for r in inventory.of_type("aws.cloudtrail.trail")]
    candidates += [r.attrs.get("kms_key_id") for r in inventory.of_type("aws.logs.log_group")]
    for bucket in inventory.of_type("aws.s3.bucket"):
        enc = bucket.attrs.get("encryption")
        if isinstance(enc, dict):
            candidates.append(enc.get("kms_key_id"))
    for key in candidates:
        if isinstance(key, str) and key.startswith("arn:") and ":key/" in key and \
                key.split(":")[4] == scope.account:
            keys.add(key)
    return keys
