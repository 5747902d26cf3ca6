"""GCP Terraform resources (the hashicorp/google provider) as logward's GCP types: the
mappings a plan run uses (`TERRAFORM`), each resource in its own project (its `project`
argument, else the provider configuration's), with the organization, folders and projects
the plan describes. No google SDK is imported here: `logward plan` needs none."""

from __future__ import annotations

from scanner.plan.mapping import TerraformProvider
from scanner.providers.gcp.terraform import changes, scope
from scanner.providers.gcp.terraform.refs import literal
from scanner.providers.gcp.terraform.types import ATTACHED, CONSUMED, TYPES

TERRAFORM = TerraformProvider(
    provider="google",
    types=TYPES,
    parts={},
    attached=ATTACHED,
    consumed=CONSUMED,
    handles=("id", "name", "self_link"),
    scope=scope.scope,
    literal=literal,
    log_stores=changes.log_stores,
)
