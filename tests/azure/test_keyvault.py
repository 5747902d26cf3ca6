"""Key vaults: the contract's attributes from the documented REST JSON."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.providers.azure.keyvault_shapes import vault_attrs

VAULT = (
    "/subscriptions/22222222-0000-0000-0000-000000000002/resourceGroups/rg-prod/providers/"
    "Microsoft.KeyVault/vaults/kv-prod"
)


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {
                "enableSoftDelete": True,
                "enablePurgeProtection": True,
                "publicNetworkAccess": "Enabled",
            },
            (True, True, "Enabled"),
        ),
        # Purge protection "does not accept false": absent is not enabled.
        ({"enableSoftDelete": True, "publicNetworkAccess": "Disabled"}, (True, False, "Disabled")),
        # An answer without enableSoftDelete does not say (a vault older than the default).
        ({}, (None, False, None)),
    ],
)
def test_vault_attributes(props: dict[str, Any], expected: tuple[Any, ...]) -> None:
    attrs = vault_attrs(
        {"id": VAULT, "name": "kv-prod", "location": "westeurope", "properties": props}
    )
    assert (attrs["arm_id"], attrs["name"], attrs["location"]) == (VAULT, "kv-prod", "westeurope")
    assert (
        attrs["soft_delete_enabled"],
        attrs["purge_protection_enabled"],
        attrs["public_network_access"],
    ) == expected


def test_a_malformed_flag_is_an_error() -> None:
    with pytest.raises(ValueError, match="boolean"):
        vault_attrs({"id": VAULT, "name": "kv", "properties": {"enableSoftDelete": "true"}})


def test_the_golden_vaults_have_their_diagnostic_settings_read() -> None:
    from scanner.providers.azure import keyvault
    from tests.azure.stores_scan import golden

    got, _ = golden()
    vaults = {r.name: r for r in got.inventory.of_type(keyvault.VAULT)}
    assert sorted(vaults) == ["kv-prod", "kv-prod-2"]
    # Read by the diagnostics module for the type this module names.
    assert keyvault.VAULT in keyvault.SERVICE.diagnostic_targets
    assert all(v.attrs["diagnostic_settings_read"] is True for v in vaults.values())
    # kv-prod's kv-audit setting links to it; kv-prod-2 has none.
    assert len(vaults["kv-prod"].links["diagnostic_settings"].targets) == 1
    assert not vaults["kv-prod-2"].links["diagnostic_settings"].targets
