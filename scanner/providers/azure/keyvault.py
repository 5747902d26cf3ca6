"""Key vaults of every scanned subscription (one list each): their own settings here, their
diagnostic settings (CIS 7.1.1.4: AuditEvent logged) read by the diagnostics module, which
reads the resource-level settings of every type a service names in `diagnostic_targets`.

`GET /subscriptions/{s}/providers/Microsoft.KeyVault/vaults` is Vaults_ListBySubscription
("The List operation gets information about the vaults associated with the subscription",
https://learn.microsoft.com/en-us/rest/api/keyvault/keyvault/vaults/list-by-subscription),
which returns each vault with its properties; the older Vaults_List goes through the generic
resources list and returns no properties.
"""

from __future__ import annotations

from typing import Any

from scanner.model import EvidenceRef, Resource, Unknowable
from scanner.providers.azure.api import ArmApi
from scanner.providers.azure.declare import Found, Lister, Op, Service, Subscription, Tenancy
from scanner.providers.azure.keyvault_shapes import vault_attrs
from scanner.providers.azure.listed import StoreList, list_stores
from scanner.providers.azure.names import canonical, region, subscription_of

# Microsoft.KeyVault management, api-version 2023-07-01; "Microsoft.KeyVault/vaults/read:
# View the properties of a key vault" ("Azure permissions for Security",
# https://learn.microsoft.com/en-us/azure/role-based-access-control/permissions/security).
API_VERSION = "2023-07-01"
LIST = Op(
    "keyvault",
    "KeyVault/vaults.listBySubscription",
    "/subscriptions/{subscription}/providers/Microsoft.KeyVault/vaults",
    API_VERSION,
    "Microsoft.KeyVault/vaults/read",
)
VAULT = "azure.keyvault.vault"


def not_yet() -> Unknowable:
    """`diagnostic_settings_read` until the diagnostics module has read the vault's settings."""
    return Unknowable("the key vault's diagnostic settings were not read", error=True)


def vault(attrs: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()) -> Resource:
    """One azure.keyvault.vault resource from its attributes."""
    arm_id = str(attrs["arm_id"])
    return Resource(
        provider="azure",
        account=subscription_of(arm_id) or "",
        region=region(str(attrs["location"]) or None),
        type=VAULT,
        id=canonical(arm_id),
        name=str(attrs["name"]),
        attrs=attrs,
        evidence=evidence,
    )


_LISTED = StoreList(LIST, "key vaults", vault_attrs, vault)


def _list(api: ArmApi, tenancy: Tenancy, subscription: Subscription | None) -> Found:
    assert subscription is not None
    unread = {"diagnostic_settings_read": not_yet()}
    return list_stores(api, _LISTED, subscription.subscription_id, unread)


SERVICE = Service(
    name="keyvault",
    listers=(Lister("key vaults", "subscription", (VAULT,), (LIST,), _list),),
    diagnostic_targets=(VAULT,),
)
