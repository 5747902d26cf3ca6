"""AWS Terraform resources (the hashicorp/aws provider) as logward's AWS types: the mappings a
plan run uses (`TERRAFORM`), with the account and regions a plan describes."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.link import Ref
from scanner.model import UNKNOWN_LOCATION, Resource, Unknowable
from scanner.plan.context import PlanContext
from scanner.plan.mapping import TerraformProvider
from scanner.providers.aws.common import partition_of
from scanner.providers.aws.terraform import changes, s3
from scanner.providers.aws.terraform.types import ATTACHED, CONSUMED, TYPES

BUCKET = "aws.s3.bucket"
TOPIC = "aws.sns.topic"


def scope(ctx: PlanContext, resources: Sequence[Resource]) -> list[Resource]:
    """The account and one aws.region per region the plan deploys to: enabled (the plan
    deploys there) and scanned (the plan is read whole), so per-region policies judge it
    under --assume-complete."""
    account = ctx.account
    names = sorted({r.region for r in resources if r.region not in ("global", UNKNOWN_LOCATION)})
    found = [
        Resource(
            provider="aws",
            account=account,
            region=name,
            type="aws.region",
            id=f"aws:{account}:region/{name}",
            name=name,
            attrs={"region": name, "enabled": True, "scanned": True},
        )
        for name in names
    ]
    account_pab: object = Unknowable("the account's S3 public access block is not in this plan")
    for res in ctx.resources:
        if res.type == s3.ACCOUNT_PAB:
            account_pab = s3.public_access_block(res)
    found.append(
        Resource(
            provider="aws",
            account=account,
            region="global",
            type="aws.account",
            id=f"plan:{account}",
            name=account,
            attrs={
                "account_id": account,
                "partition": partition_of(names[0]) if names else "aws",
                "caller_arn": None,
                "public_access_block": account_pab,
                "scanned_regions": names,
                "enabled_regions": Unknowable("a plan does not say which regions are enabled"),
            },
        )
    )
    return found


def literal(rtype: str, text: str, source: Resource, ctx: PlanContext) -> Ref:
    """A literal a plan resource uses to name a link target outside the plan: a bucket name
    (as the bucket's ARN, in the source's partition), or an ARN or id as written."""
    value = text.removesuffix(":*")
    rid = (
        f"arn:{partition_of(source.region)}:s3:::{value}"
        if rtype == BUCKET and ":" not in value
        else value
    )
    name = (
        value.rsplit(":", 1)[-1]
        if rtype == TOPIC
        else value.rsplit("/", 1)[-1].split(":log-group:", 1)[-1]
    )
    parts = value.split(":")
    region = parts[3] if len(parts) > 5 and parts[3] else source.region
    return Ref(rid, name=name, region=region, account=ctx.account, shown=text)


TERRAFORM = TerraformProvider(
    provider="aws",
    types=TYPES,
    parts={part: ("bucket", ("aws_s3_bucket",)) for part in s3.PARTS},
    attached=ATTACHED,
    consumed=CONSUMED,
    handles=("arn", "id", "bucket", "key_id", "name"),
    scope=scope,
    literal=literal,
    log_stores=changes.log_stores,
)
