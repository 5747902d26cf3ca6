"""Key vaults in a plan: azurerm_key_vault as azure.keyvault.vault with the attributes the
live scan reads from vaults.list. Soft delete cannot be turned off since azurerm v3 (the
argument was removed; the service enforces it), so it is true; purge protection and public
network access default to false and true
(https://registry.terraform.io/providers/hashicorp/azurerm/4.81.0/docs/resources/key_vault)."""

from __future__ import annotations

from typing import Any

from scanner.plan.context import Mapped, PlanContext, PlanResource
from scanner.providers.azure.terraform.common import (
    account_of,
    arm_id,
    arm_value,
    build,
    enabled_word,
    flag,
    id_or_address,
    known,
    region,
    subscription,
)

VAULT = "azure.keyvault.vault"


def _arm(res: PlanResource, ctx: PlanContext) -> str | None:
    return arm_id(ctx, res, "Microsoft.KeyVault", "vaults")


def vault_id(res: PlanResource, ctx: PlanContext) -> str:
    """The canonical ARM id of the vault, else the address."""
    return id_or_address(_arm(res, ctx), res)


def vault(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One key vault (its diagnostic settings link to it from their `target`)."""
    v = res.values
    sub = subscription(ctx, res)
    where = region(v.get("location"))
    name = known(v.get("name")) or res.name
    attrs: dict[str, Any] = {
        "arm_id": arm_value(_arm(res, ctx), res),
        "name": name,
        "location": where,
        "soft_delete_enabled": True,
        "purge_protection_enabled": flag(v.get("purge_protection_enabled"), False),
        "public_network_access": enabled_word(v.get("public_network_access_enabled"), True),
        # A plan holds the vault's diagnostic settings it configures: nothing to fail reading.
        "diagnostic_settings_read": True,
    }
    return Mapped(build(ctx, res, VAULT, attrs, (name, account_of(sub, ctx), where)))
