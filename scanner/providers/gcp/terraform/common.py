"""Facts of google_* Terraform resources every mapping needs: the project (or folder or
organization) a resource belongs to, its location, and the full resource names the live
adapter keys the same resources by."""

from __future__ import annotations

from typing import Any

from scanner.model import UNKNOWN_LOCATION, Resource, Unknowable
from scanner.plan.context import PlanContext, PlanResource

PROVIDER = "google"


def full_name(host: str, relative: str) -> str:
    """`//<host>/<relative>`: the Cloud Asset Inventory style id of the live scan."""
    return f"//{host}/{relative.lstrip('/')}"


def known(value: Any) -> str | None:
    """A string value the plan knows (not empty, not after apply)."""
    return value if isinstance(value, str) and value else None


def project_of(ctx: PlanContext, res: PlanResource) -> str | Unknowable:
    """The project ID a resource is in: its own `project` argument (some types write it as
    `projects/<id>`), else the `project` of its provider configuration (the provider docs:
    "If it is not provided, the provider project is used")."""
    own = res.values.get("project")
    if isinstance(own, Unknowable):
        return own
    if known(own):
        return str(own).removeprefix("projects/")
    found = ctx.provider_argument(res, "project", PROVIDER)
    return found if isinstance(found, str | Unknowable) else str(found)


def folder_name(value: Any) -> str | Unknowable | None:
    """`folders/<n>` from a `folder` argument written as `<n>` or `folders/<n>`."""
    if isinstance(value, Unknowable):
        return value
    text = known(value)
    if text is None:
        return None
    return text if text.startswith("folders/") else f"folders/{text}"


def org_name(value: Any) -> str | Unknowable | None:
    """`organizations/<n>` from an `org_id` written as `<n>` or `organizations/<n>`."""
    if isinstance(value, Unknowable):
        return value
    text = known(value if not isinstance(value, int) else str(value))
    if text is None:
        return None
    return text if text.startswith("organizations/") else f"organizations/{text}"


def parent_account(parent: str | Unknowable | None, ctx: PlanContext) -> str:
    """The `account` of a resource owned by `parent`: the project ID of a project, the
    relative name of a folder or an organization (as the live scan keys them), else the
    plan's own account name when the plan does not say."""
    if not isinstance(parent, str):
        return ctx.account
    return parent.removeprefix("projects/")


# A resource's name, account (project ID, `folders/<n>` or `organizations/<n>`) and region.
At = tuple[str, str, "str | Unknowable"]


def build(
    ctx: PlanContext, res: PlanResource, rtype: str, attrs: dict[str, Any], at: At
) -> Resource:
    """A GCP Resource of the plan, in its own project (or folder, or organization): unlike
    AWS, one plan routinely spans many projects, so the account is the resource's own."""
    name, account, region = at
    return Resource(
        provider="gcp",
        account=account,
        region=region if isinstance(region, str) and region else UNKNOWN_LOCATION,
        type=rtype,
        id=ctx.ids[res.address],
        name=name,
        attrs=attrs,
    )


def default_bool(value: Any, fallback: bool) -> Any:
    """A boolean argument, or the provider default when omitted (null)."""
    return fallback if value is None else value


def seconds(value: Any) -> int | Unknowable | None:
    """A duration the provider writes as "<n>s" (or "<n>.<f>s"), in whole seconds."""
    if isinstance(value, Unknowable) or value is None:
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return int(float(text.removesuffix("s")))
    except ValueError:
        return Unknowable(f"duration {text!r} is not in the provider's '<n>s' form")
