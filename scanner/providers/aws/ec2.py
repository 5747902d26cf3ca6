"""VPCs and their flow logs (DescribeVpcs and DescribeFlowLogs, one list each per region)."""

from __future__ import annotations

from typing import Any

from scanner.model import Resource
from scanner.providers.aws.base import Scope, make
from scanner.providers.aws.calls import AwsApi

TYPE = "aws.ec2.vpc"


def collect(api: AwsApi, scope: Scope, region: str) -> list[Resource]:
    """Every VPC in the region with the flow logs attached to it."""
    vpcs = api.paginate("ec2", region, "DescribeVpcs")
    flows = api.paginate("ec2", region, "DescribeFlowLogs")
    by_vpc: dict[str, list[dict[str, Any]]] = {}
    for flow in flows.data.get("FlowLogs", []):
        by_vpc.setdefault(flow.get("ResourceId", ""), []).append({
            "id": flow["FlowLogId"], "status": flow.get("FlowLogStatus"),
            "traffic_type": flow.get("TrafficType"),
            "destination_type": flow.get("LogDestinationType"),
            "destination": flow.get("LogDestination") or flow.get("LogGroupName"),
            "deliver_status": flow.get("DeliverLogsStatus")})
    out = []
    for vpc in vpcs.data.get("Vpcs", []):
        vid = vpc["VpcId"]
        owner = vpc.get("OwnerId") or scope.account
        rid = f"arn:{scope.partition}:ec2:{region}:{owner}:vpc/{vid}"
        name = next((t["Value"] for t in vpc.get("Tags", []) if t.get("Key") == "Name"), vid)
        out.append(make(scope, TYPE, rid, name, region,
                        {"vpc_id": vid, "is_default": bool(vpc.get("IsDefault")),
                         "cidr_block": vpc.get("CidrBlock"), "flow_logs": by_vpc.get(vid, [])},
                        (*vpcs.evidence, *flows.evidence)))
    return out
