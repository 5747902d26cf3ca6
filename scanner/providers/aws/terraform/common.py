"""Facts of AWS Terraform resources every mapping needs: the region a resource is in."""

from __future__ import annotations

from scanner.model import Unknowable
from scanner.plan.context import PlanContext, PlanResource


def region(ctx: PlanContext, res: PlanResource) -> str | Unknowable:
    """The resource's region: its own `region`, its ARN, or its provider configuration."""
    own = res.values.get("region")
    if isinstance(own, str) and own:
        return own
    arn = res.values.get("arn")
    if isinstance(arn, str) and len(arn.split(":")) > 5 and arn.split(":")[3]:
        return arn.split(":")[3]
    found = ctx.provider_argument(res, "region", "aws")
    return found if isinstance(found, str | Unknowable) else str(found)
