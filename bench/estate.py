"""A parameterised, seeded AWS estate for the live-scan benchmark, built through boto3 against a
moto server.

Sizes (`SIZES`): `small` 1 region / 15 buckets / 2 trails / 15 log groups; `large` 4 regions /
200 / 10 / 300; `xlarge` 16 regions / 2,000 log groups with the rest scaled by the same factor
(x6.7 from large: 1,333 buckets, 48 trails, i.e. three per region, AWS allowing five).

What it holds, with every setting mixed (drawn from `random.Random(seed)`, so the same size and
seed give the same estate; only ids moto generates, KMS key ids and VPC ids, vary):

- KMS keys, rotation on or off, spread over the regions.
- S3 buckets: Object Lock (with or without default retention), versioning, default encryption
  (SSE-S3, SSE-KMS or none), bucket Block Public Access, bucket policies (CloudTrail delivery,
  TLS-only, public read), lifecycle expiry, server access logging to one access-log bucket.
- CloudTrail trails, one bucket each: multi-region or not, log file validation, KMS, delivery to
  CloudWatch Logs, data-event selectors (basic or advanced), logging started or not. Trail 0 is
  the "good" one (multi-region, everything on, every CIS 4.x filter alarmed to a subscribed
  topic).
- CloudWatch log groups with mixed retention and KMS: one per CloudWatch-delivering trail, one
  per VPC flow log to CloudWatch, the rest application groups.
- Metric filters on the trail log groups (CIS 4.x patterns; the unauthorized-API-calls filter in
  the benchmark's short form `UNAUTHORIZED_SHORT`) with alarms to a subscribed or an unwatched
  SNS topic.
- AWS Config recorders: recording, defined but stopped, or absent per region.
- VPCs with flow logs to CloudWatch Logs or S3, or none (beside moto's default VPCs).

`build(url, size, seed)` returns a JSON-able manifest (regions, counts, names).
`python -m bench.estate --size small` builds one against a fresh in-process server and prints
the manifest and the time it took.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from scanner.providers.aws.analysis.cis_patterns import CIS_PATTERNS

ACCOUNT = "123456789012"
REGION_POOL = (
    "us-east-1",
    "eu-west-1",
    "ap-southeast-2",
    "us-west-2",
    "eu-central-1",
    "us-east-2",
    "us-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ca-central-1",
    "sa-east-1",
)
# CIS AWS Foundations 4.1 as the benchmark's short form writes it.
UNAUTHORIZED_SHORT = (
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
)
RETENTIONS = (None, 1, 7, 30, 90, 365, 400, 731, 3653)
EXPIRIES = (30, 90, 365, 400, 2555)


@dataclass(frozen=True)
class Size:
    regions: int
    buckets: int
    trails: int
    log_groups: int
    keys: int
    vpcs: int
    extra_topics: int


SIZES: dict[str, Size] = {
    "small": Size(regions=1, buckets=15, trails=2, log_groups=15, keys=4, vpcs=3, extra_topics=1),
    "large": Size(
        regions=4, buckets=200, trails=10, log_groups=300, keys=20, vpcs=16, extra_topics=6
    ),
    "xlarge": Size(
        regions=16, buckets=1333, trails=48, log_groups=2000, keys=133, vpcs=107, extra_topics=40
    ),
}


@dataclass
class Manifest:
    """What was built (names, not the random ids moto gave)."""

    size: str
    seed: int
    regions: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    trails: list[str] = field(default_factory=list)
    trail_buckets: list[str] = field(default_factory=list)
    build_s: float = 0.0
    requests: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Clients:
    """boto3 clients against the server, one per (service, region), created under a lock."""

    def __init__(self, url: str, workers: int) -> None:
        import boto3
        from botocore.config import Config

        self.url = url
        self.session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        self.config = Config(
            retries={"mode": "standard", "max_attempts": 5},
            max_pool_connections=workers * 2,
            proxies={},
        )  # straight to the server
        self.cache: dict[tuple[str, str], Any] = {}
        self.lock = threading.Lock()
        self.calls = 0

    def __call__(self, service: str, region: str) -> Any:
        with self.lock:
            client = self.cache.get((service, region))
            if client is None:
                client = self.session.client(
                    service, region_name=region, endpoint_url=self.url, config=self.config
                )
                client.meta.events.register("before-send", self._count)
                self.cache[(service, region)] = client
            return client

    def _count(self, **_: Any) -> None:
        with self.lock:
            self.calls += 1


def _policy(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _trail_statements(bucket: str, account: str = ACCOUNT) -> list[dict[str, Any]]:
    """The statements CloudTrail needs on its bucket (also used by bench.plangen)."""
    return [
        {
            "Sid": "CloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": f"arn:aws:s3:::{bucket}",
        },
        {
            "Sid": "CloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    ]


def _tls_only(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _public_read(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }


class Builder:
    """Draws the estate from the seed up front, then creates it phase by phase in a pool."""

    def __init__(self, url: str, size_name: str, seed: int, workers: int) -> None:
        self.size = SIZES[size_name]
        self.rng = random.Random(f"{size_name}:{seed}")
        self.c = Clients(url, workers)
        self.workers = workers
        self.regions = list(REGION_POOL[: self.size.regions])
        self.manifest = Manifest(size=size_name, seed=seed, regions=self.regions)
        self.key_arns: dict[int, str] = {}
        self.topics: dict[str, dict[str, str]] = {}  # region -> {"watched", "unwatched"}
        self.prefix = f"lw-{size_name}"

    # ---- helpers ---------------------------------------------------------------------------

    def _region(self, i: int) -> str:
        return self.regions[i % len(self.regions)]

    def _key_in(self, region: str) -> str | None:
        """A key of the region (drawn), if there is one."""
        arns = [arn for _, arn in sorted(self.key_arns.items()) if f":{region}:" in arn]
        return self.rng.choice(arns) if arns else None

    def _phase(self, tasks: list[Callable[[], None]]) -> None:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            for future in [pool.submit(task) for task in tasks]:
                future.result()

    def _create_bucket(self, name: str, region: str, object_lock: bool = False) -> None:
        params: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        if object_lock:
            params["ObjectLockEnabledForBucket"] = True
        self.c("s3", region).create_bucket(**params)

    # ---- phases ----------------------------------------------------------------------------

    def build(self) -> Manifest:
        started = time.perf_counter()
        size = self.size
        # Phase 1: keys, topics, the logs role, Config recorders, the access-log bucket.
        # Two keys in three rotate (drawn order would leave a small estate all one way).
        key_specs = [(i, self._region(i), i % 3 != 2) for i in range(size.keys)]
        topic_regions = list(self.regions)
        extra = [self._region(i) for i in range(size.extra_topics)]
        config_specs = [
            (
                region,
                "recording"
                if i == 0
                else self.rng.choice(("recording", "recording", "stopped", "absent")),
            )
            for i, region in enumerate(self.regions)
        ]
        self._phase(
            [
                *(self._key_task(*spec) for spec in key_specs),
                *(self._topics_task(r) for r in topic_regions),
                *(self._extra_topic_task(i, r) for i, r in enumerate(extra)),
                *(self._config_task(*spec) for spec in config_specs),
                self._iam_task(),
                *(self._access_logs_task(r) for r in self.regions),
            ]
        )
        self.manifest.counts.update(
            keys=size.keys,
            topics=2 * len(topic_regions) + len(extra),
            config_recorders=sum(s != "absent" for _, s in config_specs),
        )

        # Draw trails (they decide some log groups and buckets).
        trails = [self._draw_trail(i) for i in range(size.trails)]
        cw_trails = [t for t in trails if t["cw"]]
        vpcs = [self._draw_vpc(i) for i in range(size.vpcs)]
        flow_groups = [v for v in vpcs if v["flow"] == "cloudwatch"]
        n_app = max(0, size.log_groups - len(cw_trails) - len(flow_groups))
        n_plain_buckets = max(0, size.buckets - len(self.regions) - len(trails))

        # Phase 2: buckets and log groups.
        tasks: list[Callable[[], None]] = []
        tasks += [self._bucket_task(t["bucket"], t["region"], trail=True) for t in trails]
        tasks += [
            self._bucket_task(f"{self.prefix}-data-{i:05d}", self._region(i), trail=False)
            for i in range(n_plain_buckets)
        ]
        tasks += [self._group_task(t["group"], t["region"], audit=True) for t in cw_trails]
        tasks += [self._group_task(v["group"], v["region"], audit=True) for v in flow_groups]
        tasks += [
            self._group_task(f"/lw/app/{i:05d}", self._region(i), audit=False) for i in range(n_app)
        ]
        self._phase(tasks)
        self.manifest.counts.update(
            buckets=len(self.regions) + len(trails) + n_plain_buckets,
            log_groups=len(cw_trails) + len(flow_groups) + n_app,
        )

        # Phase 3: trails, metric filters and alarms, VPCs and flow logs.
        tasks = [self._trail_task(t) for t in trails]
        tasks += [self._monitoring_task(t, j) for j, t in enumerate(cw_trails)]
        tasks += [self._vpc_task(v) for v in vpcs]
        self._phase(tasks)
        self.manifest.counts.update(
            trails=len(trails),
            vpcs=len(vpcs),
            vpcs_with_flow_logs=sum(v["flow"] is not None for v in vpcs),
        )
        self.manifest.trails = [t["name"] for t in trails]
        self.manifest.trail_buckets = [t["bucket"] for t in trails]
        self.manifest.build_s = round(time.perf_counter() - started, 2)
        self.manifest.requests = self.c.calls
        return self.manifest

    # ---- phase 1 ---------------------------------------------------------------------------

    def _key_task(self, i: int, region: str, rotate: bool) -> Callable[[], None]:
        def run() -> None:
            kms = self.c("kms", region)
            arn = kms.create_key(Description=f"{self.prefix}-key-{i}")["KeyMetadata"]["Arn"]
            kms.create_alias(AliasName=f"alias/{self.prefix}-key-{i}", TargetKeyId=arn)
            if rotate:
                kms.enable_key_rotation(KeyId=arn)
            self.key_arns[i] = arn

        return run

    def _topics_task(self, region: str) -> Callable[[], None]:
        def run() -> None:
            sns = self.c("sns", region)
            watched = sns.create_topic(Name=f"{self.prefix}-security-alerts")["TopicArn"]
            sns.subscribe(
                TopicArn=watched, Protocol="https", Endpoint="https://hooks.example.com/security"
            )
            unwatched = sns.create_topic(Name=f"{self.prefix}-unwatched-alerts")["TopicArn"]
            self.topics[region] = {"watched": watched, "unwatched": unwatched}

        return run

    def _extra_topic_task(self, i: int, region: str) -> Callable[[], None]:
        def run() -> None:
            sns = self.c("sns", region)
            arn = sns.create_topic(Name=f"{self.prefix}-app-topic-{i}")["TopicArn"]
            sns.subscribe(
                TopicArn=arn,
                Protocol="sqs",
                Endpoint=f"arn:aws:sqs:{region}:{ACCOUNT}:app-queue-{i}",
            )

        return run

    def _config_task(self, region: str, state: str) -> Callable[[], None]:
        def run() -> None:
            if state == "absent":
                return
            config = self.c("config", region)
            config.put_configuration_recorder(
                ConfigurationRecorder={
                    "name": "default",
                    "roleARN": f"arn:aws:iam::{ACCOUNT}:role/aws-config",
                    "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
                }
            )
            if state == "recording":
                config.put_delivery_channel(
                    DeliveryChannel={"name": "default", "s3BucketName": self._access_logs(region)}
                )
                config.start_configuration_recorder(ConfigurationRecorderName="default")

        return run

    def _iam_task(self) -> Callable[[], None]:
        def run() -> None:
            iam = self.c("iam", "us-east-1")
            for role, service in (
                ("lw-trail-to-logs", "cloudtrail.amazonaws.com"),
                ("lw-flow-logs", "vpc-flow-logs.amazonaws.com"),
            ):
                iam.create_role(
                    RoleName=role,
                    AssumeRolePolicyDocument=_policy(
                        [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"Service": service},
                            }
                        ]
                    ),
                )

        return run

    def _access_logs(self, region: str) -> str:
        """The region's access-log bucket (S3 refuses logging to another region)."""
        return f"{self.prefix}-access-logs-{region}"

    def _access_logs_task(self, region: str) -> Callable[[], None]:
        def run() -> None:
            self._create_bucket(self._access_logs(region), region)
            self.c("s3", region).put_bucket_acl(
                Bucket=self._access_logs(region), ACL="log-delivery-write"
            )

        return run

    # ---- draws -----------------------------------------------------------------------------

    def _draw_trail(self, i: int) -> dict[str, Any]:
        rng = self.rng
        good = i == 0
        region = self._region(i)
        name = f"{self.prefix}-trail-{i:03d}"
        selectors = "advanced" if good else rng.choice(("default", "default", "basic", "advanced"))
        return {
            "i": i,
            "name": name,
            "region": region,
            "bucket": f"{self.prefix}-ct-{i:03d}",
            "group": f"/lw/cloudtrail/{name}",
            "multi": good or rng.random() < 0.4,
            "validation": good or rng.random() < 0.5,
            "kms": good or rng.random() < 0.4,
            "cw": good or rng.random() < 0.5,
            "selectors": selectors,
            "logging": good or rng.random() < 0.85,
            # monitoring of the trail's log group: "all" CIS filters or a few
            "filters": list(CIS_PATTERNS)
            if good
            else rng.sample(list(CIS_PATTERNS), rng.randint(0, 5)),
            "short_form": rng.random() < 0.5,
        }

    def _draw_vpc(self, i: int) -> dict[str, Any]:
        region = self._region(i)
        flow = ("cloudwatch", None, "s3", None)[i % 4]  # half the VPCs, both destinations
        return {
            "i": i,
            "region": region,
            "name": f"{self.prefix}-vpc-{i:04d}",
            "flow": flow,
            "group": f"/lw/vpc-flow/{self.prefix}-vpc-{i:04d}",
            "traffic": self.rng.choice(("ALL", "ALL", "REJECT")),
        }

    # ---- phase 2 ---------------------------------------------------------------------------

    def _bucket_task(self, name: str, region: str, trail: bool) -> Callable[[], None]:
        rng = self.rng
        lock = rng.random() < (0.5 if trail else 0.2)
        lock_retention = lock and rng.random() < 0.7
        versioning = lock or rng.random() < 0.5
        encryption = rng.choice(("kms", "kms", "s3", "s3", None))
        key = self._key_in(region) if encryption == "kms" else None
        pab = rng.random() < 0.6
        tls = rng.random() < 0.5
        public = rng.random() < 0.15
        expiry = rng.choice((None, *EXPIRIES)) if rng.random() < 0.5 else None
        logging_on = rng.random() < (0.5 if trail else 0.3)
        other_policy = not trail and rng.random() < 0.3

        def run() -> None:
            s3 = self.c("s3", region)
            self._create_bucket(name, region, object_lock=lock)
            if lock_retention:
                s3.put_object_lock_configuration(
                    Bucket=name,
                    ObjectLockConfiguration={
                        "ObjectLockEnabled": "Enabled",
                        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 400}},
                    },
                )
            if versioning and not lock:
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            if encryption == "kms" and key:
                s3.put_bucket_encryption(
                    Bucket=name,
                    ServerSideEncryptionConfiguration={
                        "Rules": [
                            {
                                "ApplyServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": key,
                                },
                                "BucketKeyEnabled": True,
                            }
                        ]
                    },
                )
            elif encryption is not None:
                s3.put_bucket_encryption(
                    Bucket=name,
                    ServerSideEncryptionConfiguration={
                        "Rules": [
                            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                        ]
                    },
                )
            if pab:
                s3.put_public_access_block(
                    Bucket=name,
                    PublicAccessBlockConfiguration={
                        "BlockPublicAcls": True,
                        "IgnorePublicAcls": True,
                        "BlockPublicPolicy": True,
                        "RestrictPublicBuckets": True,
                    },
                )
            statements: list[dict[str, Any]] = _trail_statements(name) if trail else []
            if trail or other_policy:
                if tls:
                    statements.append(_tls_only(name))
                if public and not pab:
                    statements.append(_public_read(name))
            if statements:
                s3.put_bucket_policy(Bucket=name, Policy=_policy(statements))
            if expiry:
                s3.put_bucket_lifecycle_configuration(
                    Bucket=name,
                    LifecycleConfiguration={
                        "Rules": [
                            {
                                "ID": "expire",
                                "Status": "Enabled",
                                "Filter": {"Prefix": ""},
                                "Expiration": {"Days": expiry},
                            }
                        ]
                    },
                )
            if logging_on:
                s3.put_bucket_logging(
                    Bucket=name,
                    BucketLoggingStatus={
                        "LoggingEnabled": {
                            "TargetBucket": self._access_logs(region),
                            "TargetPrefix": f"{name}/",
                        }
                    },
                )

        return run

    def _group_task(self, name: str, region: str, audit: bool) -> Callable[[], None]:
        rng = self.rng
        retention = rng.choice(RETENTIONS)
        key = self._key_in(region) if rng.random() < (0.5 if audit else 0.3) else None

        def run() -> None:
            logs = self.c("logs", region)
            params: dict[str, Any] = {"logGroupName": name}
            if key:
                params["kmsKeyId"] = key
            logs.create_log_group(**params)
            if retention:
                logs.put_retention_policy(logGroupName=name, retentionInDays=retention)

        return run

    # ---- phase 3 ---------------------------------------------------------------------------

    def _trail_task(self, t: dict[str, Any]) -> Callable[[], None]:
        key = self._key_in(t["region"]) if t["kms"] else None

        def run() -> None:
            ct = self.c("cloudtrail", t["region"])
            params: dict[str, Any] = {
                "Name": t["name"],
                "S3BucketName": t["bucket"],
                "IsMultiRegionTrail": t["multi"],
                "IncludeGlobalServiceEvents": t["multi"],
                "EnableLogFileValidation": t["validation"],
            }
            if key:
                params["KmsKeyId"] = key
            if t["cw"]:
                params["CloudWatchLogsLogGroupArn"] = (
                    f"arn:aws:logs:{t['region']}:{ACCOUNT}:log-group:{t['group']}:*"
                )
                params["CloudWatchLogsRoleArn"] = f"arn:aws:iam::{ACCOUNT}:role/lw-trail-to-logs"
            ct.create_trail(**params)
            if t["selectors"] == "basic":
                ct.put_event_selectors(
                    TrailName=t["name"],
                    EventSelectors=[
                        {
                            "ReadWriteType": "All",
                            "IncludeManagementEvents": True,
                            "DataResources": [
                                {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}
                            ],
                        }
                    ],
                )
            elif t["selectors"] == "advanced":
                ct.put_event_selectors(
                    TrailName=t["name"],
                    AdvancedEventSelectors=[
                        {
                            "Name": "management",
                            "FieldSelectors": [
                                {"Field": "eventCategory", "Equals": ["Management"]}
                            ],
                        },
                        {
                            "Name": "s3 objects",
                            "FieldSelectors": [
                                {"Field": "eventCategory", "Equals": ["Data"]},
                                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                            ],
                        },
                    ],
                )
            if t["logging"]:
                ct.start_logging(Name=t["name"])

        return run

    def _monitoring_task(self, t: dict[str, Any], j: int) -> Callable[[], None]:
        rng = self.rng
        wiring = [
            (
                slug,
                rng.random() < (1.0 if t["i"] == 0 else 0.8),
                "watched" if t["i"] == 0 or rng.random() < 0.7 else "unwatched",
            )
            for slug in t["filters"]
        ]

        def run() -> None:
            region = t["region"]
            logs, cw = self.c("logs", region), self.c("cloudwatch", region)
            for slug, alarmed, topic in wiring:
                pattern = CIS_PATTERNS[slug].pattern
                if slug == "unauthorized-api-calls" and t["short_form"]:
                    pattern = UNAUTHORIZED_SHORT
                metric = f"{t['name']}-{slug}"
                logs.put_metric_filter(
                    logGroupName=t["group"],
                    filterName=f"cis-{slug}",
                    filterPattern=pattern,
                    metricTransformations=[
                        {
                            "metricName": metric,
                            "metricNamespace": "CISBenchmark",
                            "metricValue": "1",
                        }
                    ],
                )
                if alarmed:
                    cw.put_metric_alarm(
                        AlarmName=metric,
                        MetricName=metric,
                        Namespace="CISBenchmark",
                        Statistic="Sum",
                        Period=300,
                        EvaluationPeriods=1,
                        Threshold=1,
                        ComparisonOperator="GreaterThanOrEqualToThreshold",
                        AlarmActions=[self.topics[region][topic]],
                    )

        return run

    def _vpc_task(self, v: dict[str, Any]) -> Callable[[], None]:
        def run() -> None:
            ec2 = self.c("ec2", v["region"])
            vpc = ec2.create_vpc(
                CidrBlock=f"10.{v['i'] % 250}.0.0/16",
                TagSpecifications=[
                    {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": v["name"]}]}
                ],
            )["Vpc"]["VpcId"]
            if v["flow"] == "cloudwatch":
                ec2.create_flow_logs(
                    ResourceIds=[vpc],
                    ResourceType="VPC",
                    TrafficType=v["traffic"],
                    LogGroupName=v["group"],
                    DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/lw-flow-logs",
                )
            elif v["flow"] == "s3":
                ec2.create_flow_logs(
                    ResourceIds=[vpc],
                    ResourceType="VPC",
                    TrafficType=v["traffic"],
                    LogDestinationType="s3",
                    LogDestination=(
                        f"arn:aws:s3:::{self._access_logs(v['region'])}/flow/{v['name']}/"
                    ),
                )

        return run


def build(url: str, size: str, seed: int = 7, workers: int = 8) -> Manifest:
    """Build the estate of `size` in the (empty) moto server at `url`."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {sorted(SIZES)}")
    return Builder(url, size, seed, workers).build()


def main(argv: list[str] | None = None) -> int:
    from bench.server import Server

    parser = argparse.ArgumentParser(description="build a benchmark estate in a moto server")
    parser.add_argument("--size", default="small", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)
    with Server() as server:
        manifest = build(server.url, args.size, args.seed, args.workers)
        manifest_json = manifest.to_json()
        manifest_json["server_requests"] = server.count()
    print(json.dumps(manifest_json, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
