"""CloudWatch Logs: log groups, metric filters and resource policies, one list call each."""

from __future__ import annotations

import json
from typing import Any

from scanner.model import Resource, Unknowable
from scanner.providers.aws.analysis.resource_policy import log_group_policy_exposure
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.common import Scope, make
from scanner.providers.aws.declare import Found, Lister, Service, call

GROUP = "aws.logs.log_group"
FILTER = "aws.logs.metric_filter"


def group_arn(scope: Scope, region: str, name: str, account: str | None = None) -> str:
    """A log group's ARN without the `:*` suffix DescribeLogGroups adds."""
    return f"arn:{scope.partition}:logs:{region}:{account or scope.account}:log-group:{name}"


def collect_groups(api: AwsApi, scope: Scope, region: str) -> list[Resource]:
    """Every log group in the region with retention, KMS key and resource-policy exposure."""
    groups = api.paginate("logs", region, "DescribeLogGroups")
    exposures: Unknowable | None = None
    policy_evidence: tuple[Any, ...] = ()
    account_docs: list[Any] = []
    resource_docs: dict[str, list[Any]] = {}
    try:
        # Account-level policies name log groups in their statements; log-group-level
        # policies (policyScope RESOURCE) are attached to one group by resourceArn.
        for scope_name in ("ACCOUNT", "RESOURCE"):
            got = api.paginate("logs", region, "DescribeResourcePolicies", policyScope=scope_name)
            policy_evidence += got.evidence
            for policy in got.data.get("resourcePolicies", []):
                if not policy.get("policyDocument"):
                    continue
                doc = json.loads(policy["policyDocument"])
                target = policy.get("resourceArn")
                if scope_name == "RESOURCE" and target:
                    resource_docs.setdefault(target.removesuffix(":*"), []).append(doc)
                else:
                    account_docs.append(doc)
    except AwsCallError as exc:
        exposures = exc.unknowable()
    out = []
    for group in groups.data.get("logGroups", []):
        name = group["logGroupName"]
        arn = group_arn(scope, region, name)
        shared: list[str] | Unknowable
        if exposures is not None:
            shared = exposures
        else:
            shared = list(
                dict.fromkeys(
                    reason
                    for doc in (*account_docs, *resource_docs.get(arn, []))
                    for reason in log_group_policy_exposure(doc, arn, scope.account)
                )
            )
        attrs = {
            "name": name,
            "retention_days": group.get("retentionInDays"),
            "kms_key_id": group.get("kmsKeyId"),
            "stored_bytes": group.get("storedBytes"),
            "shared_exposures": shared,
        }
        out.append(
            make(scope, GROUP, arn, name, region, attrs, (*groups.ref_for(group), *policy_evidence))
        )
    return out


def collect_filters(api: AwsApi, scope: Scope, region: str) -> list[Resource]:
    """Every metric filter in the region (one paginated list for all log groups)."""
    response = api.paginate("logs", region, "DescribeMetricFilters")
    out = []
    for item in response.data.get("metricFilters", []):
        group = item["logGroupName"]
        rid = (
            f"arn:{scope.partition}:logs:{region}:{scope.account}:metric-filter:"
            f"{group}/{item['filterName']}"
        )
        attrs = {
            "name": item["filterName"],
            "log_group_name": group,
            "pattern": item.get("filterPattern", ""),
            "metrics": [
                {
                    "name": t["metricName"],
                    "namespace": t["metricNamespace"],
                    "dimensions": sorted(t.get("dimensions") or {}),
                }
                for t in item.get("metricTransformations", [])
            ],
        }
        out.append(
            make(scope, FILTER, rid, item["filterName"], region, attrs, response.ref_for(item))
        )
    return out


def _groups(api: AwsApi, scope: Scope, region: str) -> Found:
    return Found(resources=collect_groups(api, scope, region))


def _filters(api: AwsApi, scope: Scope, region: str) -> Found:
    return Found(resources=collect_filters(api, scope, region))


SERVICE = Service(
    "logs",
    listers=(
        Lister(
            "logs",
            "regional",
            (GROUP,),
            (call("logs", "DescribeLogGroups"), call("logs", "DescribeResourcePolicies")),
            _groups,
        ),
        Lister(
            "metric-filters",
            "regional",
            (FILTER,),
            (call("logs", "DescribeMetricFilters"),),
            _filters,
        ),
    ),
)
