"""Which planned changes are changes of AWS log stores: the types that hold audit logs or their
protection whatever their settings, and the buckets a trail delivers to (named in the plan, in
its prior state, or by a configuration reference)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.plan.changes import configuration_root, managed_changes, prior_state_resources
from scanner.plan.sources import address_key

# Terraform types that hold audit logs or their protection, whatever their settings.
LOG_STORE_TYPES = frozenset(
    {
        "aws_cloudtrail",
        "aws_cloudwatch_log_group",
        "aws_flow_log",
        "aws_config_configuration_recorder",
        "aws_s3_bucket_object_lock_configuration",
    }
)


def log_stores(plan: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    """A test of one resource change: does it change an AWS log store?"""
    changes = managed_changes(plan)
    trail_buckets = _trail_buckets(plan, changes)
    referenced = _referenced_buckets(configuration_root(plan))

    def test(change: Mapping[str, Any]) -> bool:
        rtype = str(change.get("type", ""))
        if rtype in LOG_STORE_TYPES:
            return True
        if rtype != "aws_s3_bucket":
            return False
        body = change.get("change") or {}
        before = body.get("before") or {}
        after = body.get("after") or {}
        bucket = (before.get("bucket") if isinstance(before, Mapping) else None) or (
            after.get("bucket") if isinstance(after, Mapping) else None
        )
        return bucket in trail_buckets or address_key(str(change["address"])) in referenced

    return test


def _trail_buckets(plan: Mapping[str, Any], changes: list[Mapping[str, Any]]) -> set[str]:
    names: set[str] = set()
    for change in changes:
        if change.get("type") == "aws_cloudtrail":
            for side in ("before", "after"):
                values = (change.get("change") or {}).get(side)
                if isinstance(values, Mapping) and isinstance(values.get("s3_bucket_name"), str):
                    names.add(values["s3_bucket_name"])
    for resource in prior_state_resources(plan):
        values = resource.get("values") or {}
        if resource.get("type") == "aws_cloudtrail" and isinstance(
            values.get("s3_bucket_name"), str
        ):
            names.add(values["s3_bucket_name"])
    return names


def _referenced_buckets(module: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Addresses of buckets a trail's configuration names (`s3_bucket_name = aws_s3_bucket.x.id`),
    which holds even when the name itself is known only after apply."""
    found: set[str] = set()
    for resource in module.get("resources") or []:
        if resource.get("type") != "aws_cloudtrail":
            continue
        expression = (resource.get("expressions") or {}).get("s3_bucket_name") or {}
        for ref in expression.get("references") or []:
            parts = str(ref).split(".")
            if len(parts) >= 2 and parts[0] == "aws_s3_bucket":
                found.add(f"{prefix}aws_s3_bucket.{parts[1]}")
    for name, call in (module.get("module_calls") or {}).items():
        found |= _referenced_buckets(call.get("module") or {}, f"{prefix}module.{name}.")
    return found
