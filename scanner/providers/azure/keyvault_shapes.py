"""Key vaults: the contract's attributes of one Vault (REST JSON, Microsoft.KeyVault,
api-version `keyvault.API_VERSION`; VaultProperties,
https://learn.microsoft.com/en-us/rest/api/keyvault/keyvault/vaults/get)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"expected a boolean, got {value!r}")


def vault_attrs(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The collected attributes of one Vault except `diagnostic_settings_read` (the vault's
    diagnostic settings are read by the diagnostics module)."""
    props: Mapping[str, Any] = raw.get("properties") or {}
    purge = _flag(props.get("enablePurgeProtection"))
    return {
        "arm_id": str(raw["id"]),
        "name": str(raw["name"]),
        "location": str(raw.get("location") or ""),
        # enableSoftDelete: "If it's not set to any value(true or false) when creating new key
        # vault, it will be set to true by default": an answer without it says nothing of a
        # vault made before that default, so absent stays None (reported as not stated).
        "soft_delete_enabled": _flag(props.get("enableSoftDelete")),
        # enablePurgeProtection: "Enabling this functionality is irreversible - that is, the
        # property does not accept false as its value": absent means not enabled.
        "purge_protection_enabled": bool(purge),
        "public_network_access": props.get("publicNetworkAccess"),
    }
