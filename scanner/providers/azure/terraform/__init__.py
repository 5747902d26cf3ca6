"""Azure Terraform resources (the hashicorp/azurerm provider, v4) as logward's Azure types: the
mappings a plan run uses (`TERRAFORM`), each resource in its own subscription, keyed by its
canonical ARM id as the live scan keys it. No azure SDK is imported here: `logward plan`
needs none."""

from __future__ import annotations

from scanner.plan.mapping import TerraformProvider
from scanner.providers.azure.terraform import changes, scope
from scanner.providers.azure.terraform.refs import literal
from scanner.providers.azure.terraform.types import ATTACHED, CONSUMED, PARTS, TYPES

TERRAFORM = TerraformProvider(
    provider="azurerm",
    types=TYPES,
    parts=PARTS,
    attached=ATTACHED,
    consumed=CONSUMED,
    handles=("id", "name", "resource_manager_id"),
    scope=scope.scope,
    literal=literal,
    log_stores=changes.log_stores,
    change_attrs=changes.change_attrs,
)
