"""Facts of azurerm_* Terraform resources every mapping needs: the subscription a resource is
in, its ARM id (canonical, as the live scan keys it), its region, and the Resource built from
them.

The ARM id of most resources follows from names the plan knows before apply
(`/subscriptions/<s>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>`): the provider
reads the subscription from its `subscription_id` argument (required since azurerm v4:
https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs#subscription_id), so a
resource's id is the one `id` holds once it exists, else the one its names make, else its
plan address."""

from __future__ import annotations

from typing import Any

from scanner.model import UNKNOWN_LOCATION, Resource, Unknowable
from scanner.plan.context import PlanContext, PlanResource
from scanner.providers.azure.names import canonical, subscription_of

PROVIDER = "azurerm"


def known(value: Any) -> str | None:
    """A string value the plan knows (not empty, not after apply)."""
    return value if isinstance(value, str) and value else None


def subscription(ctx: PlanContext, res: PlanResource) -> str | Unknowable:
    """The subscription id a resource is in: its own id's, else its provider
    configuration's `subscription_id` (lowercased, as ARM ids are canonicalized)."""
    own = known(res.values.get("id"))
    if own and subscription_of(own):
        return str(subscription_of(own))
    found = ctx.provider_argument(res, "subscription_id", PROVIDER)
    return found.lower() if isinstance(found, str) else found


def tenant(ctx: PlanContext, res: PlanResource | None = None) -> str | Unknowable:
    """The tenant id (lowercased): the provider configuration's `tenant_id`, else the one
    tenant the plan's key vaults name (`tenant_id` is required on azurerm_key_vault), as a
    state file, which has no configuration, says it."""
    if res is None:
        config = ctx.provider_config.get(PROVIDER)
        expr = ((config or {}).get("expressions") or {}).get("tenant_id") or {}
        value = expr.get("constant_value") if isinstance(expr, dict) else None
        found: Any = value if isinstance(value, str) and value else None
    else:
        found = ctx.provider_argument(res, "tenant_id", PROVIDER)
    if isinstance(found, str) and found:
        return found.lower()
    vaults = {
        str(r.values["tenant_id"]).lower()
        for r in ctx.resources
        if r.type == "azurerm_key_vault" and known(r.values.get("tenant_id"))
    }
    if len(vaults) == 1:
        return vaults.pop()
    if isinstance(found, Unknowable):
        return found
    return Unknowable("the tenant_id of the azurerm provider is not known from the plan")


def arm_id(
    ctx: PlanContext, res: PlanResource, namespace: str, kind: str, name_attr: str = "name"
) -> str | None:
    """The ARM id (as ARM writes it) of a resource-group resource: its `id` once it exists,
    else the one its subscription, resource group and name make; None when not known."""
    own = known(res.values.get("id"))
    if own:
        return own
    sub = subscription(ctx, res)
    group = known(res.values.get("resource_group_name"))
    name = known(res.values.get(name_attr))
    if isinstance(sub, str) and group and name:
        return f"/subscriptions/{sub}/resourceGroups/{group}/providers/{namespace}/{kind}/{name}"
    return None


def id_or_address(found: str | None, res: PlanResource) -> str:
    """The canonical ARM id, else the plan address (the GCP and AWS plan rule)."""
    return canonical(found) if found else res.address


def arm_value(found: str | None, res: PlanResource) -> str | Unknowable:
    """The `arm_id` attribute: the id as ARM writes it, or why the plan cannot say."""
    if found:
        return found
    return Unknowable(f"the id of {res.address} is known only after apply")


def region(value: Any) -> str | Unknowable:
    """A location as the live scan keys it: lowercased, without spaces (`West Europe` ->
    `westeurope`)."""
    if isinstance(value, Unknowable):
        return value
    if isinstance(value, str) and value:
        return value.replace(" ", "").lower()
    return Unknowable("the location is not known from the plan")


def account_of(sub: str | Unknowable, ctx: PlanContext) -> str:
    """The `account` of a resource in subscription `sub` (the plan's own name when unknown)."""
    return sub if isinstance(sub, str) else ctx.account


def build(
    ctx: PlanContext,
    res: PlanResource,
    rtype: str,
    attrs: dict[str, Any],
    at: tuple[str, str, str | Unknowable],
) -> Resource:
    """An Azure Resource of the plan, in its own subscription: one plan routinely spans
    several (one provider alias each)."""
    name, account, where = at
    return Resource(
        provider="azure",
        account=account,
        region=where if isinstance(where, str) and where else UNKNOWN_LOCATION,
        type=rtype,
        id=ctx.ids[res.address],
        name=name,
        attrs=attrs,
    )


def flag(value: Any, fallback: bool) -> Any:
    """A boolean argument, or the provider default when omitted (null)."""
    return fallback if value is None else value


def enabled_word(value: Any, fallback: bool) -> Any:
    """`Enabled` / `Disabled` (the REST enum) from a provider boolean."""
    value = flag(value, fallback)
    if isinstance(value, Unknowable):
        return value
    return "Enabled" if value else "Disabled"


def integer(value: Any) -> int | Unknowable | None:
    """An integer argument (Terraform writes numbers as floats sometimes)."""
    if isinstance(value, Unknowable) or value is None:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def through_id(value: Any, target: PlanResource | None, ctx: PlanContext) -> Any:
    """An id argument; when known only after apply but referencing a plan resource, that
    resource's canonical id (so the setting counts as present and links exactly)."""
    if isinstance(value, Unknowable) and target is not None:
        rid = plan_id(ctx, target)
        if rid:
            return rid
        return Unknowable(f"{value.reason} (the id of {target.address} is not known either)")
    if isinstance(value, str):
        return canonical(value) if value else None
    return value


# Terraform type -> its id function (types.py fills it): the id of a referenced resource is
# needed while ids are being assigned (a diagnostic setting's id is its target's id + name).
ID_FUNCTIONS: dict[str, Any] = {}


def plan_id(ctx: PlanContext, res: PlanResource) -> str | None:
    """The canonical id of a plan resource, whether or not `ctx.ids` holds it yet (None when
    it is known only after apply)."""
    rid = ctx.ids.get(res.address)
    if rid is None and res.type in ID_FUNCTIONS:
        rid = ID_FUNCTIONS[res.type](res, ctx)
    return rid if rid and rid.startswith("/") else None
