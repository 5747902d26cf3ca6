"""VPCs and their flow logs (DescribeVpcs and DescribeFlowLogs, one list each per region)."""

from __future__ import annotations

from typing import Any

from scanner.model import EvidenceRef, Resource, Unknowable
from scanner.providers.aws.calls import AwsApi
from scanner.providers.aws.common import Scope, make
from scanner.providers.aws.declare import Found, Lister, Service, call

TYPE = "aws.ec2.vpc"


def collect(api: AwsApi, scope: Scope, region: str) -> list[Resource]:
    """Every VPC in the region with the flow logs attached to it."""
    vpcs = api.paginate("ec2", region, "DescribeVpcs")
    flows = api.paginate("ec2", region, "DescribeFlowLogs")
    by_vpc: dict[str, list[dict[str, Any]]] = {}
    refs: dict[str, list[EvidenceRef]] = {}
    for flow in flows.data.get("FlowLogs", []):
        refs.setdefault(flow.get("ResourceId", ""), []).extend(flows.ref_for(flow))
        by_vpc.setdefault(flow.get("ResourceId", ""), []).append(
            {
                "id": flow["FlowLogId"],
                "status": flow.get("FlowLogStatus"),
                "traffic_type": flow.get("TrafficType"),
                "destination_type": flow.get("LogDestinationType"),
                "destination": flow.get("LogDestination") or flow.get("LogGroupName"),
                "deliver_status": flow.get("DeliverLogsStatus"),
            }
        )
    out = []
    for vpc in vpcs.data.get("Vpcs", []):
        vid = vpc["VpcId"]
        owner = vpc.get("OwnerId") or scope.account
        rid = f"arn:{scope.partition}:ec2:{region}:{owner}:vpc/{vid}"
        name = next((t["Value"] for t in vpc.get("Tags", []) if t.get("Key") == "Name"), vid)
        flow_logs: Any = by_vpc.get(vid, [])
        if owner != scope.account and not flow_logs:
            # A VPC shared with this account: its owner's flow logs are not visible here.
            flow_logs = Unknowable(f"VPC is owned by account {owner}, which was not scanned")
        evidence = (*vpcs.ref_for(vpc), *dict.fromkeys(refs.get(vid, [])))
        out.append(
            make(
                scope,
                TYPE,
                rid,
                name,
                region,
                {
                    "vpc_id": vid,
                    "is_default": bool(vpc.get("IsDefault")),
                    "cidr_block": vpc.get("CidrBlock"),
                    "flow_logs": flow_logs,
                },
                evidence,
            )
        )
    return out


def flow_log_groups(vpc: Resource, scope: Scope) -> list[tuple[str, str]]:
    """(ARN, name) of each CloudWatch Logs group the VPC's flow logs deliver to: the
    destination may be an ARN in another account or region, or a bare name in the VPC's."""
    flows = vpc.attrs.get("flow_logs")
    out: list[tuple[str, str]] = []
    for flow in flows if isinstance(flows, list) else []:
        dest = flow.get("destination")
        if not isinstance(dest, str) or flow.get("destination_type") not in (
            None,
            "cloud-watch-logs",
        ):
            continue
        name = dest.split(":log-group:", 1)[-1].removesuffix(":*")
        arn = (
            dest.removesuffix(":*")
            if dest.startswith("arn:")
            else f"arn:{scope.partition}:logs:{vpc.region}:{vpc.account}:log-group:{name}"
        )
        out.append((arn, name))
    return out


def _vpcs(api: AwsApi, scope: Scope, region: str) -> Found:
    return Found(resources=collect(api, scope, region))


SERVICE = Service(
    "ec2",
    listers=(
        Lister(
            "ec2",
            "regional",
            (TYPE,),
            (call("ec2", "DescribeVpcs"), call("ec2", "DescribeFlowLogs")),
            _vpcs,
        ),
    ),
)
