"""Generate a `terraform show -json` plan (format_version 1.2) of N audit-log resources across
AWS (~60%), GCP (~20%) and Azure (~20%): compliant and non-compliant stacks, root-level and in
module instances, created (values "known after apply"), updated, unchanged and a few destroyed.

The shape follows what Terraform 1.9 emits: planned_values (unknown values omitted),
resource_changes (before / after / after_unknown / *_sensitive), prior_state for resources that
already exist, and configuration (expressions with constant_value or references, module_calls).
Attribute names and types follow the AWS v5, Google v5 and AzureRM v3 provider schemas.

    python -m bench.plangen --resources 2000 --out plan.json [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.estate import _trail_statements

TERRAFORM_VERSION = "1.9.8"
PROVIDERS = {
    "aws": "registry.terraform.io/hashicorp/aws",
    "google": "registry.terraform.io/hashicorp/google",
    "azurerm": "registry.terraform.io/hashicorp/azurerm",
}
AWS_REGIONS = ("us-east-1", "eu-west-1", "eu-central-1")
# provider configuration key -> region (the root module's aws providers)
AWS_KEYS = {"aws": "us-east-1", "aws.eu": "eu-west-1", "aws.fra": "eu-central-1"}
ACCOUNT = "111122223333"
CIS = {  # metric name -> CIS 4.x filter pattern
    "RootAccountUsage": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }',
    "UnauthorizedAPICalls": '{ ($.errorCode = "*UnauthorizedOperation") || '
    '($.errorCode = "AccessDenied*") && '
    '($.sourceIPAddress != "delivery.logs.amazonaws.com") && '
    '($.eventName != "HeadBucket") }',
    "CloudTrailChanges": "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
    "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
    "($.eventName = StopLogging) }",
    "ConsoleSigninFailures": "{ ($.eventName = ConsoleLogin) && "
    '($.errorMessage = "Failed authentication") }',
    "DisableOrDeleteCMK": "{ ($.eventSource = kms.amazonaws.com) && "
    "(($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
}
Path_ = tuple[str | int, ...]


@dataclass
class Res:
    """One resource instance as the generator builds it (all values known; `unknown` lists the
    paths Terraform could only know after apply)."""

    type: str
    name: str
    module: str  # "" for the root module, else module.<call>["key"]
    index: int | str | None
    values: dict[str, Any]
    expressions: dict[str, Any]
    action: str = "create"  # create | update | no-op | delete | replace
    unknown: list[Path_] = field(default_factory=list)
    provider_key: str = "aws"
    sensitive: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str:
        own = f"{self.type}.{self.name}"
        if isinstance(self.index, str):
            own += f'["{self.index}"]'
        elif isinstance(self.index, int):
            own += f"[{self.index}]"
        return f"{self.module}.{own}" if self.module else own

    @property
    def provider(self) -> str:
        return self.type.split("_", 1)[0]


def const(value: Any) -> dict[str, Any]:
    return {"constant_value": value}


def refs(*names: str) -> dict[str, Any]:
    """Terraform lists `a.b.attr` and then `a.b` for a reference to an attribute."""
    out: list[str] = []
    for n in names:
        out.append(n)
        parts = n.split(".")
        if len(parts) > 2 and not n.startswith(("var.", "local.", "each.")):
            out.append(".".join(parts[:2]))
    return {"references": out}


def _drop(values: Any, path: Path_) -> None:
    """Remove the value at `path` (Terraform omits unknown values from planned values)."""
    node = values
    for step in path[:-1]:
        node = node[step]
    last = path[-1]
    if isinstance(node, dict):
        node.pop(last, None)  # type: ignore[arg-type]


def _marker(paths: list[Path_]) -> dict[str, Any]:
    """after_unknown for a set of paths."""
    out: dict[str, Any] = {}
    for path in paths:
        node: Any = out
        for i, step in enumerate(path):
            last = i == len(path) - 1
            nxt: Any = True if last else ([] if isinstance(path[i + 1], int) else {})
            if isinstance(step, int):
                while len(node) <= step:
                    node.append({} if not last else False)
                if last:
                    node[step] = True
                elif not node[step]:
                    node[step] = nxt
                node = node[step]
            else:
                if last:
                    node[step] = True
                else:
                    node = node.setdefault(step, nxt)
    return out


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


class Generator:
    """Builds stacks of resources until N are reached."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.resources: list[Res] = []
        self.serial = 0
        # module call name -> (source, {address: config block}); the first instance defines it
        self.modules: dict[str, dict[str, dict[str, Any]]] = {}
        self.module_keys: dict[str, list[str]] = {}

    # -- helpers ------------------------------------------------------------------------------
    def next_id(self) -> int:
        self.serial += 1
        return self.serial

    def hexid(self, n: int = 8) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def uuid(self) -> str:
        h = self.hexid(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def action(self) -> str:
        roll = self.rng.random()
        return (
            "create"
            if roll < 0.62
            else "no-op"
            if roll < 0.84
            else "update"
            if roll < 0.96
            else "replace"
            if roll < 0.98
            else "delete"
        )

    def stack(self, module: str) -> tuple[int, Callable[[str], str], bool, str, bool]:
        """What every cloud's stack starts with: its serial number, a namer (bare names inside
        a module, numbered at the root), whether it is the compliant variant, its plan action,
        and whether that action leaves its values known."""
        n = self.next_id()

        def name(base: str) -> str:
            return base if module else f"{base}_{n}"

        good = self.rng.random() < 0.5
        act = self.action()
        return n, name, good, act, act in ("no-op", "update", "delete")

    def add(self, res: Res) -> Res:
        self.resources.append(res)
        return res

    # -- AWS ----------------------------------------------------------------------------------
    def aws_trail_stack(self, module: str, key: str) -> None:
        rng = self.rng
        n = self.next_id()
        in_module = bool(module)

        def name(base: str) -> str:
            return base if in_module else f"{base}_{n}"

        pkey = "aws" if in_module else rng.choice(list(AWS_KEYS))
        region = AWS_KEYS[pkey]
        good = rng.random() < 0.5
        act = self.action()
        known = act in ("no-op", "update", "delete")  # existing: ids and ARNs are known
        bucket = f"acme-{key or n}-trail-logs-{self.hexid(6)}"

        def ref(tf_type: str, block: str, attr: str) -> str:
            return f"{tf_type}.{name(block)}.{attr}"

        key_id = self.uuid()
        key_arn = f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"
        self.add(
            Res(
                "aws_kms_key",
                name("logs"),
                module,
                None,
                {
                    "arn": key_arn,
                    "bypass_policy_lockout_safety_check": False,
                    "custom_key_store_id": "",
                    "customer_master_key_spec": "SYMMETRIC_DEFAULT",
                    "deletion_window_in_days": 30,
                    "description": "audit log encryption",
                    "enable_key_rotation": good or rng.random() < 0.5,
                    "id": key_id,
                    "is_enabled": True,
                    "key_id": key_id,
                    "key_usage": "ENCRYPT_DECRYPT",
                    "multi_region": False,
                    "policy": json.dumps(_key_policy()),
                    "rotation_period_in_days": 365,
                    "tags": None,
                    "tags_all": {},
                    "xks_key_id": "",
                },
                {
                    "description": const("audit log encryption"),
                    "enable_key_rotation": const(True) if not in_module else refs("var.rotate"),
                    "deletion_window_in_days": const(30),
                },
                act,
                provider_key=pkey,
                unknown=[]
                if known
                else [
                    ("arn",),
                    ("id",),
                    ("key_id",),
                    ("policy",),
                    ("rotation_period_in_days",),
                    ("tags_all",),
                ],
            )
        )
        b_arn = f"arn:aws:s3:::{bucket}"
        lock = good or rng.random() < 0.3
        self.add(
            Res(
                "aws_s3_bucket",
                name("trail"),
                module,
                None,
                {
                    "acceleration_status": "",
                    "acl": None,
                    "arn": b_arn,
                    "bucket": bucket,
                    "bucket_domain_name": f"{bucket}.s3.amazonaws.com",
                    "bucket_prefix": "",
                    "bucket_regional_domain_name": f"{bucket}.s3.{region}.amazonaws.com",
                    "cors_rule": [],
                    "force_destroy": False,
                    "grant": [
                        {
                            "id": self.hexid(64),
                            "permissions": ["FULL_CONTROL"],
                            "type": "CanonicalUser",
                            "uri": "",
                        }
                    ],
                    "hosted_zone_id": "Z3AQBSTGFYJSTF",
                    "id": bucket,
                    "lifecycle_rule": [],
                    "logging": [],
                    "object_lock_configuration": [],
                    "object_lock_enabled": lock,
                    "policy": "",
                    "region": region,
                    "replication_configuration": [],
                    "request_payer": "BucketOwner",
                    "server_side_encryption_configuration": [
                        {
                            "rule": [
                                {
                                    "apply_server_side_encryption_by_default": [
                                        {"kms_master_key_id": "", "sse_algorithm": "AES256"}
                                    ],
                                    "bucket_key_enabled": False,
                                }
                            ]
                        }
                    ],
                    "tags": {"purpose": "audit"},
                    "tags_all": {"purpose": "audit"},
                    "versioning": [{"enabled": False, "mfa_delete": False}],
                    "website": [],
                    "website_domain": None,
                    "website_endpoint": None,
                },
                {
                    "bucket": const(bucket) if not in_module else refs("var.bucket_name"),
                    "object_lock_enabled": const(lock)
                    if not in_module
                    else refs("var.object_lock"),
                    "tags": const({"purpose": "audit"}),
                },
                act,
                provider_key=pkey,
                unknown=[]
                if known
                else [
                    ("acceleration_status",),
                    ("acl",),
                    ("arn",),
                    ("bucket_domain_name",),
                    ("bucket_regional_domain_name",),
                    ("cors_rule",),
                    ("grant",),
                    ("hosted_zone_id",),
                    ("id",),
                    ("lifecycle_rule",),
                    ("logging",),
                    ("object_lock_configuration",),
                    ("policy",),
                    ("region",),
                    ("replication_configuration",),
                    ("request_payer",),
                    ("server_side_encryption_configuration",),
                    ("versioning",),
                    ("website",),
                    ("website_domain",),
                    ("website_endpoint",),
                ],
            )
        )
        bucket_ref = refs(ref("aws_s3_bucket", "trail", "id"))
        part_unknown: list[Path_] = [] if known else [("id",), ("bucket",)]

        def part(
            tf_type: str,
            values: dict[str, Any],
            exprs: dict[str, Any],
            unknown: list[Path_] | None = None,
        ) -> Res:
            vals = {"bucket": bucket, "id": bucket, **values}
            return self.add(
                Res(
                    tf_type,
                    name("trail"),
                    module,
                    None,
                    vals,
                    {"bucket": bucket_ref, **exprs},
                    act,
                    provider_key=pkey,
                    unknown=part_unknown + (unknown or []),
                )
            )

        mfa = good and rng.random() < 0.7
        part(
            "aws_s3_bucket_versioning",
            {
                "expected_bucket_owner": "",
                "mfa": None,
                "versioning_configuration": [
                    {
                        "mfa_delete": "Enabled" if mfa else "Disabled",
                        "status": "Enabled" if good or rng.random() < 0.6 else "Suspended",
                    }
                ],
            },
            {
                "versioning_configuration": [
                    {
                        "status": const("Enabled"),
                        "mfa_delete": const("Enabled" if mfa else "Disabled"),
                    }
                ]
            },
        )
        if lock:
            mode = "COMPLIANCE" if good else rng.choice(["GOVERNANCE", "COMPLIANCE"])
            days = rng.choice([400, 730, 2555]) if good else rng.choice([30, 90, 365, 400])
            part(
                "aws_s3_bucket_object_lock_configuration",
                {
                    "expected_bucket_owner": "",
                    "object_lock_enabled": "Enabled",
                    "rule": [{"default_retention": [{"days": days, "mode": mode, "years": None}]}],
                    "token": None,
                },
                {"rule": [{"default_retention": [{"mode": const(mode), "days": const(days)}]}]},
            )
        sse_kms = good or rng.random() < 0.4
        sse_unknown: list[Path_] = []
        if sse_kms and not known:
            sse_unknown = [
                ("rule", 0, "apply_server_side_encryption_by_default", 0, "kms_master_key_id")
            ]
        part(
            "aws_s3_bucket_server_side_encryption_configuration",
            {
                "expected_bucket_owner": "",
                "rule": [
                    {
                        "apply_server_side_encryption_by_default": [
                            {
                                "kms_master_key_id": key_arn if sse_kms else "",
                                "sse_algorithm": "aws:kms" if sse_kms else "AES256",
                            }
                        ],
                        "bucket_key_enabled": sse_kms,
                    }
                ],
            },
            {
                "rule": [
                    {
                        "apply_server_side_encryption_by_default": [
                            {
                                "sse_algorithm": const("aws:kms" if sse_kms else "AES256"),
                                **(
                                    {"kms_master_key_id": refs(ref("aws_kms_key", "logs", "arn"))}
                                    if sse_kms
                                    else {}
                                ),
                            }
                        ],
                        "bucket_key_enabled": const(sse_kms),
                    }
                ]
            },
            sse_unknown,
        )
        public = not good and rng.random() < 0.15
        if not public:
            part(
                "aws_s3_bucket_public_access_block",
                {
                    "block_public_acls": True,
                    "block_public_policy": True,
                    "ignore_public_acls": True,
                    "restrict_public_buckets": True,
                },
                {
                    k: const(True)
                    for k in (
                        "block_public_acls",
                        "block_public_policy",
                        "ignore_public_acls",
                        "restrict_public_buckets",
                    )
                },
            )
        tls = good or rng.random() < 0.5
        part(
            "aws_s3_bucket_policy",
            {"policy": json.dumps(_bucket_policy(bucket, tls, public), separators=(",", ":"))},
            {
                "policy": refs("data.aws_iam_policy_document.trail.json")
                if not in_module
                else refs("data.aws_iam_policy_document.this.json")
            },
        )
        if good or rng.random() < 0.5:
            target = f"acme-access-logs-{region}"
            part(
                "aws_s3_bucket_logging",
                {
                    "expected_bucket_owner": "",
                    "target_bucket": target,
                    "target_grant": [],
                    "target_object_key_format": [],
                    "target_prefix": f"{bucket}/",
                },
                {"target_bucket": const(target), "target_prefix": const(f"{bucket}/")},
            )
        expire = rng.choice([2555, 3650]) if good else rng.choice([30, 90, 180, 400])
        part(
            "aws_s3_bucket_lifecycle_configuration",
            {
                "expected_bucket_owner": "",
                "transition_default_minimum_object_size": "all_storage_classes_128K",
                "rule": [
                    {
                        "abort_incomplete_multipart_upload": [],
                        "expiration": [
                            {"date": None, "days": expire, "expired_object_delete_marker": False}
                        ],
                        "filter": [
                            {
                                "and": [],
                                "object_size_greater_than": None,
                                "object_size_less_than": None,
                                "prefix": "",
                                "tag": [],
                            }
                        ],
                        "id": "expire-logs",
                        "noncurrent_version_expiration": [
                            {"newer_noncurrent_versions": None, "noncurrent_days": 400}
                        ],
                        "noncurrent_version_transition": [],
                        "prefix": "",
                        "status": "Enabled",
                        "transition": [{"date": None, "days": 90, "storage_class": "GLACIER"}],
                    }
                ],
            },
            {
                "rule": [
                    {
                        "id": const("expire-logs"),
                        "status": const("Enabled"),
                        "filter": [{"prefix": const("")}],
                        "expiration": [{"days": const(expire)}],
                        "noncurrent_version_expiration": [{"noncurrent_days": const(400)}],
                        "transition": [{"days": const(90), "storage_class": const("GLACIER")}],
                    }
                ]
            },
        )

        group_name = f"/aws/cloudtrail/{key or n}"
        g_arn = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{group_name}"
        group_kms = good or rng.random() < 0.3
        retention = rng.choice([400, 731, 3653]) if good else rng.choice([0, 7, 30, 90])
        self.add(
            Res(
                "aws_cloudwatch_log_group",
                name("trail"),
                module,
                None,
                {
                    "arn": g_arn,
                    "id": group_name,
                    "kms_key_id": key_arn if group_kms else "",
                    "log_group_class": "STANDARD",
                    "name": group_name,
                    "name_prefix": "",
                    "retention_in_days": retention,
                    "skip_destroy": False,
                    "tags": None,
                    "tags_all": {},
                },
                {
                    "name": const(group_name),
                    "retention_in_days": const(retention),
                    **(
                        {"kms_key_id": refs(ref("aws_kms_key", "logs", "arn"))} if group_kms else {}
                    ),
                },
                act,
                provider_key=pkey,
                unknown=([] if known else [("arn",), ("id",), ("tags_all",)])
                + ([("kms_key_id",)] if group_kms and not known else []),
            )
        )
        topic_name = f"security-alerts-{key or n}"
        t_arn = f"arn:aws:sns:{region}:{ACCOUNT}:{topic_name}"
        self.add(
            Res(
                "aws_sns_topic",
                name("alerts"),
                module,
                None,
                {
                    "application_failure_feedback_role_arn": "",
                    "arn": t_arn,
                    "content_based_deduplication": False,
                    "delivery_policy": "",
                    "display_name": "",
                    "fifo_topic": False,
                    "id": t_arn,
                    "kms_master_key_id": "alias/aws/sns",
                    "name": topic_name,
                    "name_prefix": "",
                    "owner": ACCOUNT,
                    "policy": "",
                    "signature_version": 0,
                    "tags": None,
                    "tags_all": {},
                    "tracing_config": "",
                },
                {"name": const(topic_name), "kms_master_key_id": const("alias/aws/sns")},
                act,
                provider_key=pkey,
                unknown=[]
                if known
                else [
                    ("arn",),
                    ("id",),
                    ("owner",),
                    ("policy",),
                    ("signature_version",),
                    ("tags_all",),
                    ("tracing_config",),
                ],
            )
        )
        if good or rng.random() < 0.5:
            protocol = rng.choice(["sqs", "lambda", "email"]) if good else "email"
            endpoint = (
                f"arn:aws:sqs:{region}:{ACCOUNT}:alerts"
                if protocol == "sqs"
                else f"arn:aws:lambda:{region}:{ACCOUNT}:function:page"
                if protocol == "lambda"
                else "secops@example.com"
            )
            self.add(
                Res(
                    "aws_sns_topic_subscription",
                    name("alerts"),
                    module,
                    None,
                    {
                        "arn": f"{t_arn}:{self.uuid()}",
                        "confirmation_timeout_in_minutes": 1,
                        "confirmation_was_authenticated": True,
                        "delivery_policy": "",
                        "endpoint": endpoint,
                        "endpoint_auto_confirms": False,
                        "filter_policy": "",
                        "filter_policy_scope": "",
                        "id": f"{t_arn}:{self.uuid()}",
                        "owner_id": ACCOUNT,
                        "pending_confirmation": False,
                        "protocol": protocol,
                        "raw_message_delivery": False,
                        "redrive_policy": "",
                        "replay_policy": "",
                        "subscription_role_arn": "",
                        "topic_arn": t_arn,
                    },
                    {
                        "topic_arn": refs(ref("aws_sns_topic", "alerts", "arn")),
                        "protocol": const(protocol),
                        "endpoint": const(endpoint),
                    },
                    act,
                    provider_key=pkey,
                    unknown=[]
                    if known
                    else [
                        ("arn",),
                        ("confirmation_was_authenticated",),
                        ("filter_policy_scope",),
                        ("id",),
                        ("owner_id",),
                        ("pending_confirmation",),
                        ("topic_arn",),
                    ],
                )
            )
        metrics = list(CIS) if good else rng.sample(list(CIS), rng.randint(0, 3))
        for i, metric in enumerate(metrics):
            idx = i if not in_module else metric
            fname = f"{metric}-{key or n}"
            pattern = CIS[metric] if rng.random() < 0.9 else '{ $.eventName = "Nothing" }'
            self.add(
                Res(
                    "aws_cloudwatch_log_metric_filter",
                    name("cis"),
                    module,
                    idx,
                    {
                        "id": fname,
                        "log_group_name": group_name,
                        "metric_transformation": [
                            {
                                "default_value": "",
                                "dimensions": None,
                                "name": metric,
                                "namespace": "CISBenchmark",
                                "unit": "None",
                                "value": "1",
                            }
                        ],
                        "name": fname,
                        "pattern": pattern,
                    },
                    {
                        "name": refs("each.key" if in_module else "local.prefix"),
                        "log_group_name": refs(ref("aws_cloudwatch_log_group", "trail", "name")),
                        "pattern": refs("each.value" if in_module else "local.patterns"),
                        "metric_transformation": [
                            {
                                "name": refs("each.key") if in_module else const(metric),
                                "namespace": const("CISBenchmark"),
                                "value": const("1"),
                            }
                        ],
                    },
                    act,
                    provider_key=pkey,
                    unknown=[] if known else [("id",)],
                )
            )
            if rng.random() < 0.9:
                alarm = f"{metric}-{key or n}"
                self.add(
                    Res(
                        "aws_cloudwatch_metric_alarm",
                        name("cis"),
                        module,
                        idx,
                        {
                            "actions_enabled": good or rng.random() < 0.7,
                            "alarm_actions": [t_arn],
                            "alarm_description": f"CIS {metric}",
                            "alarm_name": alarm,
                            "arn": f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{alarm}",
                            "comparison_operator": "GreaterThanOrEqualToThreshold",
                            "datapoints_to_alarm": 0,
                            "dimensions": None,
                            "evaluate_low_sample_count_percentiles": "",
                            "evaluation_periods": 1,
                            "extended_statistic": "",
                            "id": alarm,
                            "insufficient_data_actions": None,
                            "metric_name": metric,
                            "metric_query": [],
                            "namespace": "CISBenchmark",
                            "ok_actions": None,
                            "period": 300,
                            "statistic": "Sum",
                            "tags": None,
                            "tags_all": {},
                            "threshold": 1,
                            "threshold_metric_id": "",
                            "treat_missing_data": "notBreaching",
                            "unit": "",
                        },
                        {
                            "alarm_name": refs("each.key" if in_module else "local.prefix"),
                            "metric_name": refs("each.key") if in_module else const(metric),
                            "namespace": const("CISBenchmark"),
                            "statistic": const("Sum"),
                            "period": const(300),
                            "evaluation_periods": const(1),
                            "threshold": const(1),
                            "comparison_operator": const("GreaterThanOrEqualToThreshold"),
                            "alarm_actions": refs(ref("aws_sns_topic", "alerts", "arn")),
                        },
                        act,
                        provider_key=pkey,
                        unknown=[]
                        if known
                        else [("alarm_actions", 0), ("arn",), ("id",), ("tags_all",)],
                    )
                )
        selectors: list[Any] = []
        if rng.random() < 0.3:
            selectors = [
                {
                    "data_resource": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}],
                    "exclude_management_event_sources": [],
                    "include_management_events": True,
                    "read_write_type": "All" if good else rng.choice(["All", "WriteOnly"]),
                }
            ]
        trail_name = f"audit-{key or n}"
        trail_unknown: list[Path_] = (
            []
            if known
            else [
                ("arn",),
                ("home_region",),
                ("id",),
                ("kms_key_id",),
                ("cloud_watch_logs_group_arn",),
                ("s3_bucket_name",),
                ("sns_topic_arn",),
                ("tags_all",),
            ]
        )
        trail_exprs: dict[str, Any] = {
            "name": const(trail_name),
            "s3_bucket_name": refs(ref("aws_s3_bucket", "trail", "id")),
            "kms_key_id": refs(ref("aws_kms_key", "logs", "arn")),
            "cloud_watch_logs_group_arn": refs(ref("aws_cloudwatch_log_group", "trail", "arn")),
            "cloud_watch_logs_role_arn": refs("var.cloudtrail_role_arn"),
            "is_multi_region_trail": const(True) if not in_module else refs("var.multi_region"),
            "enable_log_file_validation": const(good) if not in_module else refs("var.validation"),
            "include_global_service_events": const(True),
        }
        if selectors:
            trail_exprs["event_selector"] = [
                {
                    "read_write_type": const(selectors[0]["read_write_type"]),
                    "include_management_events": const(True),
                    "data_resource": [
                        {"type": const("AWS::S3::Object"), "values": const(["arn:aws:s3"])}
                    ],
                }
            ]
        self.add(
            Res(
                "aws_cloudtrail",
                name("audit"),
                module,
                None,
                {
                    "advanced_event_selector": [],
                    "arn": f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{trail_name}",
                    "cloud_watch_logs_group_arn": f"{g_arn}:*",
                    "cloud_watch_logs_role_arn": f"arn:aws:iam::{ACCOUNT}:role/CloudTrailToLogs",
                    "enable_log_file_validation": good,
                    "enable_logging": good or rng.random() < 0.9,
                    "event_selector": selectors,
                    "home_region": region,
                    "id": trail_name,
                    "include_global_service_events": True,
                    "insight_selector": [],
                    "is_multi_region_trail": good or rng.random() < 0.5,
                    "is_organization_trail": False,
                    "kms_key_id": key_arn,
                    "name": trail_name,
                    "s3_bucket_name": bucket,
                    "s3_key_prefix": None,
                    "sns_topic_arn": "",
                    "sns_topic_name": None,
                    "tags": None,
                    "tags_all": {},
                },
                trail_exprs,
                act,
                provider_key=pkey,
                unknown=trail_unknown,
            )
        )

    def aws_vpc_stack(self, module: str, key: str) -> None:
        rng = self.rng
        n = self.next_id()
        pkey = rng.choice(list(AWS_KEYS))
        region = AWS_KEYS[pkey]
        act = self.action()
        known = act in ("no-op", "update", "delete")
        vid = f"vpc-{self.hexid(17)}"
        cidr = f"10.{n % 250}.0.0/16"
        self.add(
            Res(
                "aws_vpc",
                f"main_{n}",
                "",
                None,
                {
                    "arn": f"arn:aws:ec2:{region}:{ACCOUNT}:vpc/{vid}",
                    "assign_generated_ipv6_cidr_block": False,
                    "cidr_block": cidr,
                    "default_network_acl_id": f"acl-{self.hexid(17)}",
                    "default_route_table_id": f"rtb-{self.hexid(17)}",
                    "default_security_group_id": f"sg-{self.hexid(17)}",
                    "dhcp_options_id": f"dopt-{self.hexid(17)}",
                    "enable_dns_hostnames": True,
                    "enable_dns_support": True,
                    "enable_network_address_usage_metrics": False,
                    "id": vid,
                    "instance_tenancy": "default",
                    "ipv4_ipam_pool_id": None,
                    "ipv4_netmask_length": None,
                    "ipv6_association_id": "",
                    "ipv6_cidr_block": "",
                    "ipv6_cidr_block_network_border_group": "",
                    "ipv6_ipam_pool_id": "",
                    "ipv6_netmask_length": 0,
                    "main_route_table_id": f"rtb-{self.hexid(17)}",
                    "owner_id": ACCOUNT,
                    "tags": {"Name": f"vpc-{n}"},
                    "tags_all": {"Name": f"vpc-{n}"},
                },
                {
                    "cidr_block": const(cidr),
                    "enable_dns_hostnames": const(True),
                    "tags": const({"Name": f"vpc-{n}"}),
                },
                act,
                provider_key=pkey,
                unknown=[]
                if known
                else [
                    ("arn",),
                    ("default_network_acl_id",),
                    ("default_route_table_id",),
                    ("default_security_group_id",),
                    ("dhcp_options_id",),
                    ("id",),
                    ("ipv6_association_id",),
                    ("ipv6_cidr_block",),
                    ("ipv6_cidr_block_network_border_group",),
                    ("main_route_table_id",),
                    ("owner_id",),
                ],
            )
        )
        if rng.random() < 0.6:
            group = f"/vpc/flow/{n}"
            self.add(
                Res(
                    "aws_cloudwatch_log_group",
                    f"flow_{n}",
                    "",
                    None,
                    {
                        "arn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{group}",
                        "id": group,
                        "kms_key_id": "",
                        "log_group_class": "STANDARD",
                        "name": group,
                        "name_prefix": "",
                        "retention_in_days": rng.choice([0, 30, 365, 400]),
                        "skip_destroy": False,
                        "tags": None,
                        "tags_all": {},
                    },
                    {"name": const(group)},
                    act,
                    provider_key=pkey,
                    unknown=[] if known else [("arn",), ("id",), ("tags_all",)],
                )
            )
            self.add(
                Res(
                    "aws_flow_log",
                    f"vpc_{n}",
                    "",
                    None,
                    {
                        "arn": f"arn:aws:ec2:{region}:{ACCOUNT}:vpc-flow-log/fl-{self.hexid(17)}",
                        "deliver_cross_account_role": "",
                        "destination_options": [],
                        "eni_id": None,
                        "iam_role_arn": f"arn:aws:iam::{ACCOUNT}:role/flow-logs",
                        "id": f"fl-{self.hexid(17)}",
                        "log_destination": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{group}",
                        "log_destination_type": "cloud-watch-logs",
                        "log_format": "${version} ${account-id} ${interface-id} ${srcaddr}",
                        "log_group_name": group,
                        "max_aggregation_interval": 600,
                        "subnet_id": None,
                        "tags": None,
                        "tags_all": {},
                        "traffic_type": rng.choice(["ALL", "REJECT"]),
                        "transit_gateway_attachment_id": None,
                        "transit_gateway_id": None,
                        "vpc_id": vid,
                    },
                    {
                        "vpc_id": refs(f"aws_vpc.main_{n}.id"),
                        "log_destination": refs(f"aws_cloudwatch_log_group.flow_{n}.arn"),
                        "iam_role_arn": refs("var.flow_log_role_arn"),
                        "traffic_type": const("ALL"),
                    },
                    act,
                    provider_key=pkey,
                    unknown=[]
                    if known
                    else [
                        ("arn",),
                        ("id",),
                        ("log_destination",),
                        ("log_format",),
                        ("log_group_name",),
                        ("vpc_id",),
                        ("tags_all",),
                    ],
                )
            )

    def aws_recorder(self, module: str, key: str) -> None:
        rng = self.rng
        n = self.next_id()
        pkey = rng.choice(list(AWS_KEYS))
        act = self.action()
        all_supported = rng.random() < 0.7
        self.add(
            Res(
                "aws_config_configuration_recorder",
                f"main_{n}",
                "",
                None,
                {
                    "id": "default",
                    "name": "default",
                    "recording_group": [
                        {
                            "all_supported": all_supported,
                            "exclusion_by_resource_types": [],
                            "include_global_resource_types": all_supported and rng.random() < 0.7,
                            "recording_strategy": [
                                {
                                    "use_only": "ALL_SUPPORTED_RESOURCE_TYPES"
                                    if all_supported
                                    else "INCLUSION_BY_RESOURCE_TYPES"
                                }
                            ],
                            "resource_types": [] if all_supported else ["AWS::S3::Bucket"],
                        }
                    ],
                    "recording_mode": [
                        {"recording_frequency": "CONTINUOUS", "recording_mode_override": []}
                    ],
                    "role_arn": f"arn:aws:iam::{ACCOUNT}:role/aws-config",
                },
                {
                    "name": const("default"),
                    "role_arn": refs("var.config_role_arn"),
                    "recording_group": [{"all_supported": const(all_supported)}],
                },
                act,
                provider_key=pkey,
                unknown=[] if act in ("no-op", "update", "delete") else [("id",)],
            )
        )
        if rng.random() < 0.8:
            self.add(
                Res(
                    "aws_config_configuration_recorder_status",
                    f"main_{n}",
                    "",
                    None,
                    {"id": "default", "is_enabled": rng.random() < 0.85, "name": "default"},
                    {
                        "name": refs(f"aws_config_configuration_recorder.main_{n}.name"),
                        "is_enabled": const(True),
                    },
                    act,
                    provider_key=pkey,
                    unknown=[] if act in ("no-op", "update", "delete") else [("id",), ("name",)],
                )
            )

    # -- GCP ----------------------------------------------------------------------------------
    def gcp_stack(self, module: str, key: str) -> None:
        rng = self.rng
        in_module = bool(module)
        n, name, good, act, known = self.stack(module)
        project = f"acme-prod-{(n % 40):02d}"
        ring = f"projects/{project}/locations/europe-west1/keyRings/audit"
        ckey = f"audit-logs-{key or n}"
        key_id = f"{ring}/cryptoKeys/{ckey}"
        self.add(
            Res(
                "google_kms_crypto_key",
                name("audit"),
                module,
                None,
                {
                    "crypto_key_backend": "",
                    "destroy_scheduled_duration": "86400s",
                    "effective_labels": {},
                    "id": key_id,
                    "import_only": False,
                    "key_ring": ring,
                    "labels": None,
                    "name": ckey,
                    "purpose": "ENCRYPT_DECRYPT",
                    "rotation_period": "7776000s" if good or rng.random() < 0.4 else None,
                    "skip_initial_version_creation": False,
                    "terraform_labels": {},
                    "version_template": [
                        {"algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "protection_level": "SOFTWARE"}
                    ],
                },
                {
                    "name": const(ckey),
                    "key_ring": refs("google_kms_key_ring.audit.id")
                    if not in_module
                    else refs("var.key_ring"),
                    "rotation_period": const("7776000s"),
                },
                act,
                provider_key="google",
                unknown=[]
                if known
                else [("effective_labels",), ("id",), ("terraform_labels",), ("version_template",)],
            )
        )
        bname = f"acme-audit-{key or n}-{self.hexid(6)}"
        locked = good or rng.random() < 0.2
        self.add(
            Res(
                "google_storage_bucket",
                name("audit"),
                module,
                None,
                {
                    "autoclass": [],
                    "cors": [],
                    "custom_placement_config": [],
                    "default_event_based_hold": False,
                    "effective_labels": {},
                    "enable_object_retention": False,
                    "encryption": [{"default_kms_key_name": key_id}] if good else [],
                    "force_destroy": False,
                    "hierarchical_namespace": [],
                    "id": bname,
                    "labels": None,
                    "lifecycle_rule": [],
                    "location": "EU",
                    "logging": [],
                    "name": bname,
                    "project": project,
                    "project_number": 0,
                    "public_access_prevention": "enforced"
                    if good or rng.random() < 0.5
                    else "inherited",
                    "requester_pays": False,
                    "retention_policy": [
                        {"is_locked": locked, "retention_period": 31536000 if good else 2592000}
                    ]
                    if good or rng.random() < 0.5
                    else [],
                    "rpo": None,
                    "self_link": f"https://www.googleapis.com/storage/v1/b/{bname}",
                    "soft_delete_policy": [
                        {"effective_time": "", "retention_duration_seconds": 604800}
                    ],
                    "storage_class": "STANDARD",
                    "terraform_labels": {},
                    "timeouts": None,
                    "uniform_bucket_level_access": good or rng.random() < 0.5,
                    "url": f"gs://{bname}",
                    "versioning": [{"enabled": good}],
                    "website": [],
                },
                {
                    "name": const(bname),
                    "location": const("EU"),
                    "retention_policy": [
                        {"is_locked": const(locked), "retention_period": const(31536000)}
                    ],
                },
                act,
                provider_key="google",
                unknown=[]
                if known
                else [
                    ("effective_labels",),
                    ("id",),
                    ("project_number",),
                    ("rpo",),
                    ("self_link",),
                    ("terraform_labels",),
                    ("url",),
                ],
            )
        )
        bucket_id = f"audit-{key or n}"
        self.add(
            Res(
                "google_logging_project_bucket_config",
                name("audit"),
                module,
                None,
                {
                    "bucket_id": bucket_id,
                    "cmek_settings": [],
                    "description": "audit logs",
                    "enable_analytics": False,
                    "id": f"projects/{project}/locations/global/buckets/{bucket_id}",
                    "index_configs": [],
                    "lifecycle_state": "ACTIVE",
                    "location": "global",
                    "locked": good,
                    "name": f"projects/{project}/locations/global/buckets/{bucket_id}",
                    "project": project,
                    "retention_days": 400 if good else rng.choice([30, 90]),
                },
                {
                    "bucket_id": const(bucket_id),
                    "project": refs("var.project") if in_module else const(project),
                    "location": const("global"),
                    "retention_days": const(400),
                    "locked": const(good),
                },
                act,
                provider_key="google",
                unknown=[] if known else [("id",), ("lifecycle_state",), ("name",)],
            )
        )
        sink = f"audit-sink-{key or n}"
        self.add(
            Res(
                "google_logging_project_sink",
                name("audit"),
                module,
                None,
                {
                    "bigquery_options": [],
                    "custom_writer_identity": None,
                    "description": "",
                    "destination": f"storage.googleapis.com/{bname}",
                    "disabled": not good and rng.random() < 0.3,
                    "exclusions": [],
                    "filter": 'logName:"cloudaudit.googleapis.com"'
                    if good
                    else 'logName:"cloudaudit.googleapis.com/activity"',
                    "id": f"projects/{project}/sinks/{sink}",
                    "name": sink,
                    "project": project,
                    "unique_writer_identity": True,
                    "writer_identity": (
                        f"serviceAccount:p{n}@gcp-sa-logging.iam.gserviceaccount.com"
                    ),
                },
                {
                    "name": const(sink),
                    "destination": refs(f"google_storage_bucket.{name('audit')}.name"),
                    "unique_writer_identity": const(True),
                },
                act,
                provider_key="google",
                unknown=[] if known else [("destination",), ("id",), ("writer_identity",)],
            )
        )
        log_types = ["ADMIN_READ", "DATA_READ", "DATA_WRITE"] if good else ["ADMIN_READ"]
        self.add(
            Res(
                "google_project_iam_audit_config",
                name("all"),
                module,
                None,
                {
                    "audit_log_config": [
                        {
                            "exempted_members": [] if good else ["user:ops@example.com"],
                            "log_type": t,
                        }
                        for t in log_types
                    ],
                    "etag": "",
                    "id": f"{project}/audit_config/allServices",
                    "project": project,
                    "service": "allServices",
                },
                {
                    "project": const(project),
                    "service": const("allServices"),
                    "audit_log_config": [{"log_type": const(t)} for t in log_types],
                },
                act,
                provider_key="google",
                unknown=[] if known else [("etag",), ("id",)],
            )
        )

    # -- Azure --------------------------------------------------------------------------------
    def azure_stack(self, module: str, key: str) -> None:
        rng = self.rng
        in_module = bool(module)
        n, name, good, act, known = self.stack(module)
        sub = "00000000-0000-4000-8000-000000000001"
        rg = f"rg-audit-{n % 30}"
        rg_id = f"/subscriptions/{sub}/resourceGroups/{rg}"
        ws = f"law-audit-{key or n}"
        ws_id = f"{rg_id}/providers/Microsoft.OperationalInsights/workspaces/{ws}"
        self.add(
            Res(
                "azurerm_log_analytics_workspace",
                name("audit"),
                module,
                None,
                {
                    "allow_resource_only_permissions": True,
                    "cmk_for_query_forced": False,
                    "daily_quota_gb": -1,
                    "data_collection_rule_id": "",
                    "id": ws_id,
                    "identity": [],
                    "immediate_data_purge_on_30_days_enabled": False,
                    "internet_ingestion_enabled": True,
                    "internet_query_enabled": True,
                    "local_authentication_disabled": good,
                    "location": "westeurope",
                    "name": ws,
                    "primary_shared_key": "x",
                    "reservation_capacity_in_gb_per_day": None,
                    "resource_group_name": rg,
                    "retention_in_days": 365 if good else rng.choice([30, 90]),
                    "secondary_shared_key": "x",
                    "sku": "PerGB2018",
                    "tags": None,
                    "workspace_id": self.uuid(),
                },
                {
                    "name": const(ws),
                    "location": const("westeurope"),
                    "resource_group_name": refs("var.resource_group") if in_module else const(rg),
                    "sku": const("PerGB2018"),
                    "retention_in_days": const(365),
                },
                act,
                provider_key="azurerm",
                unknown=[]
                if known
                else [
                    ("id",),
                    ("primary_shared_key",),
                    ("secondary_shared_key",),
                    ("workspace_id",),
                ],
                sensitive={"primary_shared_key": True, "secondary_shared_key": True},
            )
        )
        sa = f"stauditlogs{(key or str(n)).replace('-', '')[:10]}{self.hexid(4)}"
        sa_id = f"{rg_id}/providers/Microsoft.Storage/storageAccounts/{sa}"
        self.add(
            Res(
                "azurerm_storage_account",
                name("audit"),
                module,
                None,
                {
                    "access_tier": "Hot",
                    "account_kind": "StorageV2",
                    "account_replication_type": "GRS",
                    "account_tier": "Standard",
                    "allow_nested_items_to_be_public": not good,
                    "allowed_copy_scope": None,
                    "azure_files_authentication": [],
                    "blob_properties": [
                        {
                            "change_feed_enabled": False,
                            "container_delete_retention_policy": [{"days": 30}],
                            "cors_rule": [],
                            "default_service_version": "",
                            "delete_retention_policy": [
                                {"days": 30, "permanent_delete_enabled": False}
                            ],
                            "last_access_time_enabled": False,
                            "restore_policy": [],
                            "versioning_enabled": good,
                        }
                    ],
                    "cross_tenant_replication_enabled": False,
                    "custom_domain": [],
                    "customer_managed_key": [],
                    "default_to_oauth_authentication": False,
                    "dns_endpoint_type": "Standard",
                    "edge_zone": None,
                    "enable_https_traffic_only": True,
                    "id": sa_id,
                    "identity": [],
                    "immutability_policy": [],
                    "infrastructure_encryption_enabled": good,
                    "is_hns_enabled": False,
                    "large_file_share_enabled": None,
                    "local_user_enabled": True,
                    "location": "westeurope",
                    "min_tls_version": "TLS1_2" if good else "TLS1_0",
                    "name": sa,
                    "network_rules": [],
                    "nfsv3_enabled": False,
                    "public_network_access_enabled": not good,
                    "queue_encryption_key_type": "Service",
                    "resource_group_name": rg,
                    "routing": [],
                    "sas_policy": [],
                    "sftp_enabled": False,
                    "share_properties": [],
                    "shared_access_key_enabled": True,
                    "static_website": [],
                    "table_encryption_key_type": "Service",
                    "tags": None,
                },
                {
                    "name": const(sa),
                    "resource_group_name": refs("var.resource_group") if in_module else const(rg),
                    "location": const("westeurope"),
                    "account_tier": const("Standard"),
                    "account_replication_type": const("GRS"),
                    "min_tls_version": const("TLS1_2"),
                },
                act,
                provider_key="azurerm",
                unknown=[] if known else [("id",), ("large_file_share_enabled",)],
            )
        )
        container = "insights-activity-logs"
        c_id = f"https://{sa}.blob.core.windows.net/{container}"
        self.add(
            Res(
                "azurerm_storage_container",
                name("audit"),
                module,
                None,
                {
                    "container_access_type": "private" if good or rng.random() < 0.7 else "blob",
                    "default_encryption_scope": "",
                    "encryption_scope_override_enabled": True,
                    "has_immutability_policy": good,
                    "has_legal_hold": False,
                    "id": c_id,
                    "metadata": {},
                    "name": container,
                    "resource_manager_id": f"{sa_id}/blobServices/default/containers/{container}",
                    "storage_account_name": sa,
                },
                {
                    "name": const(container),
                    "storage_account_name": refs(f"azurerm_storage_account.{name('audit')}.name"),
                    "container_access_type": const("private"),
                },
                act,
                provider_key="azurerm",
                unknown=[]
                if known
                else [
                    ("default_encryption_scope",),
                    ("has_immutability_policy",),
                    ("has_legal_hold",),
                    ("id",),
                    ("metadata",),
                    ("resource_manager_id",),
                    ("storage_account_name",),
                ],
            )
        )
        if good or rng.random() < 0.3:
            self.add(
                Res(
                    "azurerm_storage_container_immutability_policy",
                    name("audit"),
                    module,
                    None,
                    {
                        "id": f"{sa_id}/blobServices/default/containers/{container}/"
                        "immutabilityPolicies/default",
                        "immutability_period_in_days": 400 if good else 30,
                        "locked": good,
                        "protected_append_writes_all_enabled": False,
                        "protected_append_writes_enabled": True,
                        "storage_container_resource_manager_id": (
                            f"{sa_id}/blobServices/default/containers/{container}"
                        ),
                    },
                    {
                        "immutability_period_in_days": const(400),
                        "locked": const(good),
                        "storage_container_resource_manager_id": refs(
                            f"azurerm_storage_container.{name('audit')}.resource_manager_id"
                        ),
                    },
                    act,
                    provider_key="azurerm",
                    unknown=[] if known else [("id",), ("storage_container_resource_manager_id",)],
                )
            )
        cats = ["Administrative", "Security", "Policy", "Alert"] if good else ["Administrative"]
        self.add(
            Res(
                "azurerm_monitor_diagnostic_setting",
                name("activity"),
                module,
                None,
                {
                    "enabled_log": [
                        {"category": c, "category_group": "", "retention_policy": []} for c in cats
                    ],
                    "eventhub_authorization_rule_id": None,
                    "eventhub_name": None,
                    "id": f"/subscriptions/{sub}|activity-{n}",
                    "log": [],
                    "log_analytics_destination_type": "",
                    "log_analytics_workspace_id": ws_id,
                    "metric": [],
                    "name": f"activity-{n}",
                    "partner_solution_id": None,
                    "storage_account_id": sa_id,
                    "target_resource_id": f"/subscriptions/{sub}",
                },
                {
                    "name": const(f"activity-{n}"),
                    "target_resource_id": refs("data.azurerm_subscription.current.id"),
                    "storage_account_id": refs(f"azurerm_storage_account.{name('audit')}.id"),
                    "log_analytics_workspace_id": refs(
                        f"azurerm_log_analytics_workspace.{name('audit')}.id"
                    ),
                    "enabled_log": [{"category": const(c)} for c in cats],
                },
                act,
                provider_key="azurerm",
                unknown=[]
                if known
                else [
                    ("id",),
                    ("log_analytics_destination_type",),
                    ("log_analytics_workspace_id",),
                    ("storage_account_id",),
                ],
            )
        )
        for op in (
            [
                "Microsoft.Authorization/policyAssignments/write",
                "Microsoft.Network/networkSecurityGroups/delete",
                "Microsoft.Insights/diagnosticSettings/delete",
            ]
            if good
            else rng.sample(["Microsoft.Authorization/policyAssignments/write"], 1)
        ):
            short = op.split("/")[1].lower()[:20]
            self.add(
                Res(
                    "azurerm_monitor_activity_log_alert",
                    name(f"alert_{short}"),
                    module,
                    None,
                    {
                        "action": [
                            {
                                "action_group_id": f"{rg_id}/providers/microsoft.insights/"
                                "actionGroups/secops",
                                "webhook_properties": None,
                            }
                        ],
                        "criteria": [
                            {
                                "caller": "",
                                "category": "Administrative",
                                "level": "",
                                "levels": None,
                                "operation_name": op,
                                "recommendation_category": "",
                                "recommendation_impact": "",
                                "recommendation_type": "",
                                "resource_group": "",
                                "resource_groups": None,
                                "resource_health": [],
                                "resource_id": "",
                                "resource_ids": None,
                                "resource_provider": "",
                                "resource_providers": None,
                                "resource_type": "",
                                "resource_types": None,
                                "service_health": [],
                                "status": "",
                                "statuses": None,
                                "sub_status": "",
                                "sub_statuses": None,
                            }
                        ],
                        "description": f"alert on {op}",
                        "enabled": good or rng.random() < 0.7,
                        "id": f"{rg_id}/providers/Microsoft.Insights/activityLogAlerts/{short}-{n}",
                        "location": "global",
                        "name": f"{short}-{n}",
                        "resource_group_name": rg,
                        "scopes": [f"/subscriptions/{sub}"],
                        "tags": None,
                    },
                    {
                        "name": const(f"{short}-{n}"),
                        "resource_group_name": const(rg),
                        "scopes": refs("data.azurerm_subscription.current.id"),
                        "criteria": [
                            {"category": const("Administrative"), "operation_name": const(op)}
                        ],
                        "action": [{"action_group_id": refs("var.action_group_id")}],
                    },
                    act,
                    provider_key="azurerm",
                    unknown=[] if known else [("id",)],
                )
            )

    # -- filling ------------------------------------------------------------------------------
    def standalone(self, cloud: str) -> None:
        """One resource, to reach N exactly."""
        n = self.next_id()
        if cloud == "aws":
            key_id = self.uuid()
            self.add(
                Res(
                    "aws_kms_key",
                    f"extra_{n}",
                    "",
                    None,
                    {
                        "arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}",
                        "customer_master_key_spec": "SYMMETRIC_DEFAULT",
                        "deletion_window_in_days": 30,
                        "description": "app key",
                        "enable_key_rotation": self.rng.random() < 0.5,
                        "id": key_id,
                        "is_enabled": True,
                        "key_id": key_id,
                        "key_usage": "ENCRYPT_DECRYPT",
                        "multi_region": False,
                        "tags": None,
                        "tags_all": {},
                    },
                    {"description": const("app key")},
                    "create",
                    unknown=[("arn",), ("id",), ("key_id",), ("tags_all",)],
                )
            )
        elif cloud == "gcp":
            ring = "projects/acme-prod-00/locations/europe-west1/keyRings/app"
            self.add(
                Res(
                    "google_kms_crypto_key",
                    f"extra_{n}",
                    "",
                    None,
                    {
                        "id": f"{ring}/cryptoKeys/app-{n}",
                        "key_ring": ring,
                        "name": f"app-{n}",
                        "purpose": "ENCRYPT_DECRYPT",
                        "rotation_period": None,
                        "labels": None,
                        "version_template": [
                            {
                                "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION",
                                "protection_level": "SOFTWARE",
                            }
                        ],
                    },
                    {"name": const(f"app-{n}"), "key_ring": const(ring)},
                    "create",
                    provider_key="google",
                    unknown=[("id",)],
                )
            )
        else:
            self.add(
                Res(
                    "azurerm_log_analytics_workspace",
                    f"extra_{n}",
                    "",
                    None,
                    {
                        "id": f"/subscriptions/x/resourceGroups/rg/providers/Microsoft."
                        f"OperationalInsights/workspaces/app-{n}",
                        "location": "westeurope",
                        "name": f"app-{n}",
                        "resource_group_name": "rg-app",
                        "retention_in_days": 30,
                        "sku": "PerGB2018",
                        "tags": None,
                    },
                    {
                        "name": const(f"app-{n}"),
                        "location": const("westeurope"),
                        "resource_group_name": const("rg-app"),
                    },
                    "create",
                    provider_key="azurerm",
                    unknown=[("id",)],
                )
            )

    def build(self, total: int) -> list[Res]:
        """Stacks until N resources (in a 60/20/20 mix of AWS/GCP/Azure)."""
        share = {"aws": 0.6, "gcp": 0.2, "azure": 0.2}
        counts: Counter[str] = Counter()
        cloud_of = {"aws": "aws", "google": "gcp", "azurerm": "azure"}
        while len(self.resources) < total:
            size = len(self.resources) or 1
            cloud = min(share, key=lambda c: counts[c] / size - share[c])
            before = len(self.resources)
            remaining = total - before
            if remaining < 25:
                self.standalone(cloud)
            elif cloud == "aws":
                roll = self.rng.random()
                if roll < 0.55:
                    mod = self.rng.random() < 0.4
                    self.in_module(
                        "audit_trail", "./modules/audit-trail", self.aws_trail_stack
                    ) if mod else self.aws_trail_stack("", "")
                elif roll < 0.9:
                    self.aws_vpc_stack("", "")
                else:
                    self.aws_recorder("", "")
            elif cloud == "gcp":
                if self.rng.random() < 0.4:
                    self.in_module("gcp_audit", "./modules/gcp-audit", self.gcp_stack)
                else:
                    self.gcp_stack("", "")
            elif self.rng.random() < 0.4:
                self.in_module("azure_audit", "./modules/azure-audit", self.azure_stack)
            else:
                self.azure_stack("", "")
            for res in self.resources[before:]:
                counts[cloud_of[res.provider]] += 1
        return self.resources

    def in_module(self, call: str, source: str, stack: Any) -> None:
        keys = self.module_keys.setdefault(call, [])
        key = f"{call.split('_')[0]}{len(keys):05d}"
        keys.append(key)
        stack(f'module.{call}["{key}"]', key)


def _key_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudTrail",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
            },
        ],
    }


def _bucket_policy(bucket: str, tls: bool, public: bool) -> dict[str, Any]:
    statements = _trail_statements(bucket, ACCOUNT)
    if tls:
        statements.append(
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    if public:
        statements.append(
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


# -- rendering --------------------------------------------------------------------------------
def _planned(res: Res) -> dict[str, Any]:
    values = _copy(res.values)
    for path in res.unknown:
        _drop(values, path)
    out: dict[str, Any] = {
        "address": res.address,
        "mode": "managed",
        "type": res.type,
        "name": res.name,
    }
    if res.index is not None:
        out["index"] = res.index
    out.update(
        {
            "provider_name": PROVIDERS[res.provider],
            "schema_version": 0,
            "values": values,
            "sensitive_values": _sensitive_shape(res),
        }
    )
    return out


def _sensitive_shape(res: Res) -> dict[str, Any]:
    """Terraform mirrors nested blocks in sensitive_values (empty objects / lists)."""
    out: dict[str, Any] = {}
    for key, value in res.values.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = [{} for _ in value]
        elif isinstance(value, dict):
            out[key] = {}
    out.update(res.sensitive)
    return out


def _change(res: Res) -> dict[str, Any]:
    planned = _copy(res.values)
    for path in res.unknown:
        _drop(planned, path)
    before: Any = None
    after: Any = planned
    actions: list[str]
    if res.action == "create":
        actions = ["create"]
    elif res.action == "no-op":
        actions, before = ["no-op"], _copy(res.values)
    elif res.action == "update":
        actions, before = ["update"], _copy(res.values)
        if isinstance(before.get("tags"), dict) or "tags" in before:
            before["tags"] = {"owner": "platform"}
    elif res.action == "replace":
        actions, before = ["delete", "create"], _copy(res.values)
    else:
        actions, before, after = ["delete"], _copy(res.values), None
    out: dict[str, Any] = {"address": res.address}
    if res.module:
        out["module_address"] = res.module
    out.update({"mode": "managed", "type": res.type, "name": res.name})
    if res.index is not None:
        out["index"] = res.index
    out["provider_name"] = PROVIDERS[res.provider]
    out["change"] = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": _marker(res.unknown) if after is not None else {},
        "before_sensitive": _sensitive_shape(res) if before is not None else False,
        "after_sensitive": _sensitive_shape(res) if after is not None else False,
    }
    if res.action == "replace":
        out["action_reason"] = "replace_because_cannot_update"
        out["change"]["replace_paths"] = [["name"]]
    return out


def _config_block(res: Res) -> dict[str, Any]:
    block: dict[str, Any] = {
        "address": f"{res.type}.{res.name}",
        "mode": "managed",
        "type": res.type,
        "name": res.name,
        "provider_config_key": res.provider_key,
        "expressions": res.expressions,
        "schema_version": 0,
    }
    if isinstance(res.index, str):
        block["for_each_expression"] = {"references": ["local.cis_metrics"]}
    elif isinstance(res.index, int):
        block["count_expression"] = {"references": ["local.cis_metrics"]}
    return block


def render(resources: list[Res], seed: int) -> dict[str, Any]:
    """The plan document."""
    live = [r for r in resources if r.action != "delete"]
    root: list[dict[str, Any]] = []
    children: dict[str, list[dict[str, Any]]] = {}
    for res in live:
        (children.setdefault(res.module, []) if res.module else root).append(_planned(res))
    existing = [r for r in resources if r.action != "create"]
    prior_root: list[dict[str, Any]] = []
    prior_children: dict[str, list[dict[str, Any]]] = {}
    for res in existing:
        item = {
            "address": res.address,
            "mode": "managed",
            "type": res.type,
            "name": res.name,
            **({"index": res.index} if res.index is not None else {}),
            "provider_name": PROVIDERS[res.provider],
            "schema_version": 0,
            "values": res.values,
            "sensitive_values": _sensitive_shape(res),
        }
        (prior_children.setdefault(res.module, []) if res.module else prior_root).append(item)
    root_config: dict[str, dict[str, Any]] = {}
    module_config: dict[str, dict[str, dict[str, Any]]] = {}
    for res in resources:
        if res.module:
            call = res.module.split('"')[0].removeprefix("module.").rstrip("[")
            module_config.setdefault(call, {}).setdefault(
                f"{res.type}.{res.name}", _config_block(res)
            )
        elif res.action != "delete":  # a destroyed resource is gone from the configuration
            root_config.setdefault(f"{res.type}.{res.name}", _config_block(res))
    sources = {
        "audit_trail": "./modules/audit-trail",
        "gcp_audit": "./modules/gcp-audit",
        "azure_audit": "./modules/azure-audit",
    }
    provider_config: dict[str, Any] = {}
    for key, region in AWS_KEYS.items():
        entry: dict[str, Any] = {
            "name": "aws",
            "full_name": PROVIDERS["aws"],
            "version_constraint": "~> 5.70",
            "expressions": {"region": const(region)},
        }
        if "." in key:
            entry["alias"] = key.split(".", 1)[1]
        provider_config[key] = entry
    provider_config["google"] = {
        "name": "google",
        "full_name": PROVIDERS["google"],
        "version_constraint": "~> 5.40",
        "expressions": {"region": const("europe-west1")},
    }
    provider_config["azurerm"] = {
        "name": "azurerm",
        "full_name": PROVIDERS["azurerm"],
        "version_constraint": "~> 3.110",
        "expressions": {"features": [{}]},
    }
    plan: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": TERRAFORM_VERSION,
        "variables": {
            "region": {"value": "us-east-1"},
            "cloudtrail_role_arn": {"value": f"arn:aws:iam::{ACCOUNT}:role/CloudTrailToLogs"},
        },
        "planned_values": {
            "root_module": {
                "resources": root,
                "child_modules": [
                    {"resources": items, "address": addr} for addr, items in children.items()
                ],
            }
        },
        "resource_changes": [_change(r) for r in resources],
    }
    if existing:
        plan["prior_state"] = {
            "format_version": "1.0",
            "terraform_version": TERRAFORM_VERSION,
            "values": {
                "root_module": {
                    "resources": prior_root,
                    "child_modules": [
                        {"resources": items, "address": addr}
                        for addr, items in prior_children.items()
                    ],
                }
            },
        }
    plan["configuration"] = {
        "provider_config": provider_config,
        "root_module": {
            "resources": list(root_config.values()),
            "module_calls": {
                call: {
                    "source": sources[call],
                    "for_each_expression": {"references": [f"var.{call}"]},
                    "module": {"resources": list(blocks.values()), "variables": {}},
                }
                for call, blocks in module_config.items()
            },
            "variables": {"region": {"default": "us-east-1"}, "cloudtrail_role_arn": {}},
        },
    }
    plan["relevant_attributes"] = []
    plan["timestamp"] = "2026-01-15T10:00:00Z"
    plan["applyable"] = True
    plan["complete"] = True
    plan["errored"] = False
    plan["x_generator"] = {"tool": "bench.plangen", "seed": seed}
    return plan


def generate(resources: int, seed: int = 7) -> dict[str, Any]:
    """A plan of exactly `resources` resource changes."""
    return render(Generator(seed).build(resources), seed)


def summary(plan: dict[str, Any]) -> dict[str, Any]:
    """Resource counts by cloud, by Terraform type and by action."""
    changes = plan["resource_changes"]
    clouds: Counter[str] = Counter(c["type"].split("_", 1)[0] for c in changes)
    return {
        "resources": len(changes),
        "by_cloud": {"aws": clouds["aws"], "gcp": clouds["google"], "azure": clouds["azurerm"]},
        "by_type": dict(sorted(Counter(c["type"] for c in changes).items())),
        "by_action": dict(
            sorted(Counter("/".join(c["change"]["actions"]) for c in changes).items())
        ),
        "in_modules": sum(1 for c in changes if "module_address" in c),
    }


def write(plan: dict[str, Any], out: Path) -> int:
    """Write compact JSON (as `terraform show -json` does); the size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(plan, separators=(",", ":")).encode()
    out.write_bytes(data)
    return len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("plan.json"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    plan = generate(args.resources, args.seed)
    size = write(plan, args.out)
    print(json.dumps({"out": str(args.out), "bytes": size, **summary(plan)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
