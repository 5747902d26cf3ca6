"""AWS Config recorders, keyed by region: they are usually all named `default`."""

from __future__ import annotations

from scanner.model import Resource
from scanner.providers.aws.calls import AwsApi
from scanner.providers.aws.common import Scope, make
from scanner.providers.aws.declare import Found, Lister, Service, call

TYPE = "aws.config.recorder"


def recorder_id(scope: Scope, region: str, name: str) -> str:
    """A region-qualified id for a recorder."""
    return f"arn:{scope.partition}:config:{region}:{scope.account}:config-recorder/{name}"


def collect(api: AwsApi, scope: Scope, region: str) -> list[Resource]:
    """Recorders and their status in one region (two calls)."""
    recorders = api.call("config", region, "DescribeConfigurationRecorders")
    statuses = api.call("config", region, "DescribeConfigurationRecorderStatus")
    assert recorders is not None and statuses is not None
    by_name = {s["name"]: s for s in statuses.data.get("ConfigurationRecordersStatus", [])}
    out = []
    for rec in recorders.data.get("ConfigurationRecorders", []):
        name = rec["name"]
        group = rec.get("recordingGroup", {})
        status = by_name.get(name, {})
        attrs = {
            "name": name,
            "recording": bool(status.get("recording")),
            "all_supported": bool(group.get("allSupported")),
            "include_global_resource_types": bool(group.get("includeGlobalResourceTypes")),
            "recording_strategy": (group.get("recordingStrategy") or {}).get("useOnly"),
            "last_status": status.get("lastStatus"),
            "role_arn": rec.get("roleARN"),
        }
        out.append(
            make(
                scope,
                TYPE,
                recorder_id(scope, region, name),
                f"{name} ({region})",
                region,
                attrs,
                (*recorders.evidence, *statuses.evidence),
            )
        )
    return out


def _recorders(api: AwsApi, scope: Scope, region: str) -> Found:
    return Found(resources=collect(api, scope, region))


SERVICE = Service(
    "config",
    listers=(
        Lister(
            "config",
            "regional",
            (TYPE,),
            (
                call("config", "DescribeConfigurationRecorders"),
                call("config", "DescribeConfigurationRecorderStatus"),
            ),
            _recorders,
        ),
    ),
)
