"""Diagnostic settings in the contract's shape: subscription (category groups kept as
groups, disabled categories left out, destination ids canonical across cases), Entra ID
(a 403 is an error naming microsoft.aadiam/diagnosticSettings/read and the tenant's
`entra_diagnostic_settings_read` that error), and resource-level settings of the types a
service module names in `diagnostic_targets`."""

from __future__ import annotations

from typing import Any

from scanner.model import Resource, Unknowable
from scanner.providers.azure.declare import Found, Lister, Service, Subscription, Tenancy
from scanner.providers.azure.fake import FakeArm, Request
from scanner.providers.azure.services import SERVICES
from tests.azure.conftest import SUB, TENANT_ID, by_id, errors, scan

ARCHIVE = (
    f"/subscriptions/{SUB[1]}/resourcegroups/rg-audit/providers/microsoft.storage/"
    "storageaccounts/lwauditarchive"
)
LAW = (
    f"/subscriptions/{SUB[1]}/resourcegroups/rg-audit/providers/"
    "microsoft.operationalinsights/workspaces/law-central"
)
KV = f"/subscriptions/{SUB[2]}/resourceGroups/rg-prod/providers/Microsoft.KeyVault/vaults/kv-prod"


def _setting(sub: int, name: str) -> str:
    return f"/subscriptions/{SUB[sub]}/providers/microsoft.insights/diagnosticsettings/{name}"


def test_subscription_settings(fake: FakeArm) -> None:
    collected = scan(fake)
    archive = by_id(collected, _setting(1, "activity-to-archive")).attrs
    assert archive["scope_type"] == "subscription"
    assert (archive["target"], archive["target_type"]) == (
        f"/subscriptions/{SUB[1]}",
        "subscription",
    )
    assert archive["categories"] == [] and archive["category_groups"] == ["alllogs"]
    assert archive["logs"] == [
        {"category": None, "category_group": "allLogs", "enabled": True, "retention_days": None}
    ]
    assert (archive["storage_account_id"], archive["workspace_id"]) == (ARCHIVE, LAW)
    assert archive["has_destination"] is True
    # The id as Azure wrote it stays in arm_id.
    assert archive["arm_id"].startswith(f"subscriptions/{SUB[1]}/providers/AzureResourceManager/")
    central = by_id(collected, _setting(2, "activity-central")).attrs
    # Enabled categories only; the account id written in another case is the same account.
    assert central["categories"] == ["Administrative", "Alert", "Policy", "Security"]
    assert central["category_groups"] == []
    assert central["storage_account_id"] == ARCHIVE
    assert by_id(collected, _setting(2, "activity-central")).account == SUB[2]


def test_entra_settings(fake: FakeArm) -> None:
    collected = scan(fake)
    entra = by_id(collected, "/providers/microsoft.aadiam/diagnosticsettings/entra-to-law")
    assert entra.account == TENANT_ID
    assert (entra.attrs["scope_type"], entra.attrs["target"], entra.attrs["target_type"]) == (
        "entra",
        f"/tenants/{TENANT_ID}",
        "tenant",
    )
    assert entra.attrs["categories"] == [
        "AuditLogs",
        "ManagedIdentitySignInLogs",
        "NonInteractiveUserSignInLogs",
        "ProvisioningLogs",
        "ServicePrincipalSignInLogs",
        "SignInLogs",
    ]
    assert entra.attrs["workspace_id"] == LAW and entra.attrs["storage_account_id"] is None


def test_entra_settings_denied_is_an_error_naming_the_action(fake: FakeArm) -> None:
    def denied(request: Request) -> tuple[int, Any] | None:
        if request.path.lower() == "/providers/microsoft.aadiam/diagnosticsettings":
            return 403, {"error": {"code": "AuthorizationFailed", "message": "denied"}}
        return None

    fake.overrides.append(denied)
    collected = scan(fake)
    assert (TENANT_ID, "aadiam/diagnosticSettings.list", "FORBIDDEN") in errors(collected)
    read = by_id(collected, f"/tenants/{TENANT_ID}").attrs["entra_diagnostic_settings_read"]
    assert isinstance(read, Unknowable) and read.error
    assert "microsoft.aadiam/diagnosticSettings/read" in read.reason
    # The subscriptions' own settings are unaffected.
    assert by_id(collected, _setting(1, "activity-to-archive"))


VAULT = "test.vault"


def _vaults(api: Any, tenancy: Tenancy, sub: Subscription | None) -> Found:
    """A stand-in collector of key vaults: what a module that asks for diagnostic settings
    collects (only the id matters here)."""
    assert sub is not None
    if sub.subscription_id != SUB[2]:
        return Found()
    found = []
    for name in ("kv-prod", "kv-prod-2", "kv-gone"):
        arm_id = KV.replace("kv-prod", name)
        found.append(
            Resource(
                "azure", sub.account, "westeurope", VAULT, arm_id.lower(), name, {"arm_id": arm_id}
            )
        )
    return Found(resources=found)


ASKING = Service(
    "vaults",
    listers=(Lister("vaults", "subscription", (VAULT,), (), _vaults),),
    diagnostic_targets=(VAULT,),
)


def test_resource_settings_of_the_types_modules_ask_for(fake: FakeArm) -> None:
    collected = scan(fake, services=(*SERVICES, ASKING))
    prod = by_id(collected, KV.lower())
    assert prod.attrs["diagnostic_settings_read"] is True
    setting = by_id(
        collected, f"{KV.lower()}/providers/microsoft.insights/diagnosticsettings/kv-audit"
    )
    assert setting.attrs["scope_type"] == "resource"
    assert (setting.attrs["target"], setting.attrs["target_type"]) == (
        KV.lower(),
        "microsoft.keyvault/vaults",
    )
    assert setting.attrs["category_groups"] == ["audit"]
    assert setting.attrs["storage_account_id"].endswith("/storageaccounts/lwprodlogs")
    # kv-prod-2 answered an empty list: read, no settings.
    assert by_id(collected, KV.lower() + "-2").attrs["diagnostic_settings_read"] is True
    # kv-gone has no fixture (404): its settings are an error, on it and in errors.
    gone = by_id(collected, KV.lower().replace("kv-prod", "kv-gone")).attrs
    assert isinstance(gone["diagnostic_settings_read"], Unknowable)
    assert gone["diagnostic_settings_read"].error
    assert (SUB[2], "Insights/diagnosticSettings.list", "NOT_FOUND") in errors(collected)
    # The request went to the id as Azure wrote it.
    assert any(r.path.startswith(KV + "/providers/") for r in fake.requests)
