"""The golden Azure tenant's names and ids, and the shape each configured resource is written in
(values in state, references in configuration, provider alias)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TENANT = "11111111-1111-1111-1111-111111111111"
LOGGING = "22222222-0000-0000-0000-000000000001"
PROD = "22222222-0000-0000-0000-000000000002"
SHARED = "22222222-0000-0000-0000-000000000004"
OUTSIDE = "99999999-0000-0000-0000-000000000009"
PROVIDERS = {"azurerm": LOGGING, "azurerm.prod": PROD, "azurerm.shared": SHARED}


def rg(sub: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{name}"


def arm(sub: str, group: str, kind: str, name: str) -> str:
    return f"{rg(sub, group)}/providers/{kind}/{name}"


ARCHIVE = arm(LOGGING, "rg-audit", "Microsoft.Storage/storageAccounts", "lwauditarchive")
LAW = arm(LOGGING, "rg-audit", "Microsoft.OperationalInsights/workspaces", "law-central")
LAW_GUID = "55555555-0000-0000-0000-000000000001"
AG_SECOPS = arm(LOGGING, "rg-security", "Microsoft.Insights/actionGroups", "ag-secops")
PRODLOGS = arm(PROD, "rg-prod", "Microsoft.Storage/storageAccounts", "lwprodlogs")
AG_PROD = arm(PROD, "rg-prod", "Microsoft.Insights/actionGroups", "ag-prod")
KV_PROD = arm(PROD, "rg-prod", "Microsoft.KeyVault/vaults", "kv-prod")
EXTARCHIVE = arm(OUTSIDE, "rg-ext", "Microsoft.Storage/storageAccounts", "lwextarchive")
CMK_KEY = "https://kv-audit-keys.vault.azure.net/keys/archive-cmk"
IDENTITY = arm(
    LOGGING, "rg-audit", "Microsoft.ManagedIdentity/userAssignedIdentities", "id-archive-cmk"
)


@dataclass
class R:
    """One resource of the configuration: its values in state, the arguments that reference
    another resource (argument path -> the referenced resource address), its provider."""

    type: str
    name: str
    values: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)
    provider: str = "azurerm"
    # Arguments the configuration leaves out, whose value the provider read back from Azure.
    computed: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"
