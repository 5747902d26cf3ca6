"""The azurerm storage arguments, one at a time: provider defaults for omitted arguments, the
account-level version immutability block, keys and network rules set by resources of their
own, and what each does to the store policies."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.model import Unknowable
from tests.terraform.azureplan import ARCHIVE, LAW, PRODLOGS, attr, get, golden, scan
from tests.terraform.planedit import add, unknown, values

ACCOUNT = "azurerm_storage_account.prodlogs"
PROD_CONTAINER = f"{PRODLOGS}/blobservices/default/containers/insights-logs-auditevent"


@pytest.mark.parametrize(
    ("argument", "value", "attribute", "expected"),
    [
        # Omitted: the provider's documented default.
        ("min_tls_version", None, "minimum_tls_version", "TLS1_2"),
        ("min_tls_version", "TLS1_1", "minimum_tls_version", "TLS1_1"),
        ("https_traffic_only_enabled", None, "supports_https_traffic_only", True),
        ("https_traffic_only_enabled", False, "supports_https_traffic_only", False),
        ("allow_nested_items_to_be_public", None, "allow_blob_public_access", True),
        ("allow_nested_items_to_be_public", False, "allow_blob_public_access", False),
        ("shared_access_key_enabled", None, "allow_shared_key_access", True),
        ("public_network_access_enabled", False, "public_network_access", "Disabled"),
        ("public_network_access_enabled", None, "public_network_access", "Enabled"),
        ("infrastructure_encryption_enabled", None, "infrastructure_encryption", False),
        ("account_kind", None, "kind", "StorageV2"),
    ],
)
def test_account_arguments_and_their_defaults(
    argument: str, value: Any, attribute: str, expected: Any
) -> None:
    plan = golden()
    values(plan, ACCOUNT)[argument] = value
    assert attr(scan(plan, complete=True), PRODLOGS, attribute) == expected


def test_an_argument_known_after_apply_is_unknown() -> None:
    plan = golden()
    values(plan, ACCOUNT).pop("min_tls_version")
    unknown(plan, ACCOUNT)["min_tls_version"] = True
    assert isinstance(attr(scan(plan, complete=True), PRODLOGS, "minimum_tls_version"), Unknowable)


@pytest.mark.parametrize(
    ("state", "period", "container_state"),
    [("Locked", 400, "Locked"), ("Unlocked", 400, "Unlocked"), ("Disabled", 400, None)],
)
def test_account_level_version_immutability(
    state: str, period: int, container_state: str | None
) -> None:
    """The `immutability_policy` block is immutableStorageWithVersioning: enabled whenever the
    block is present (the provider sends enabled=true with it), inherited by every container
    without a policy of its own."""
    plan = golden()
    values(plan, ACCOUNT)["immutability_policy"] = [
        {
            "state": state,
            "period_since_creation_in_days": period,
            "allow_protected_append_writes": False,
        }
    ]
    found = scan(plan, complete=True)
    assert attr(found, PRODLOGS, "account_immutability") == {
        "enabled": True,
        "state": state,
        "period_days": period,
        "allow_protected_append_writes": False,
    }
    container = get(found, PROD_CONTAINER).attrs
    assert container["version_level_immutability"] is True
    effective = container["effective_immutability"]
    assert effective["state"] == container_state


def test_the_key_and_network_rules_as_resources_of_their_own() -> None:
    plan = golden()
    add(
        plan,
        "azurerm_storage_account_customer_managed_key",
        "prodlogs",
        {
            "storage_account_id": PRODLOGS,
            "key_vault_key_id": "https://kv-prod.vault.azure.net/keys/prodlogs",
        },
    )
    add(
        plan,
        "azurerm_storage_account_network_rules",
        "prodlogs",
        {"storage_account_id": PRODLOGS, "default_action": "Deny", "ip_rules": ["203.0.113.0/24"]},
    )
    found = scan(plan, complete=True)
    account = get(found, PRODLOGS).attrs
    assert (account["encryption_key_source"], account["key_vault_key_uri"]) == (
        "Microsoft.Keyvault",
        "https://kv-prod.vault.azure.net/keys/prodlogs",
    )
    assert account["network_default_action"] == "Deny"
    assert found.not_evaluated == {}


def test_a_private_endpoint_of_the_plan_counts() -> None:
    plan = golden()
    add(
        plan,
        "azurerm_private_endpoint",
        "archive_blob",
        {
            "name": "pe-archive-blob",
            "subnet_id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/"
            "virtualNetworks/v/subnets/s",
            "private_service_connection": [
                {
                    "name": "blob",
                    "private_connection_resource_id": ARCHIVE,
                    "subresource_names": ["blob"],
                }
            ],
        },
    )
    found = scan(plan)
    assert attr(found, ARCHIVE, "private_endpoints") == 1
    # Without one, only --assume-complete says there is none.
    assert isinstance(attr(found, PRODLOGS, "private_endpoints"), Unknowable)
    assert attr(scan(plan, complete=True), PRODLOGS, "private_endpoints") == 0


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # Basic: the interactive retention is fixed, whatever the workspace keeps.
        ({"plan": "Basic", "total_retention_in_days": 400}, (30, 400)),
        # Analytics without its own retention: the workspace's (730 here), total the same.
        ({"plan": "Analytics"}, (730, 730)),
    ],
)
def test_table_plan_and_workspace_default(table: dict[str, Any], expected: tuple[int, int]) -> None:
    plan = golden()
    values(plan, "azurerm_log_analytics_workspace.central")["retention_in_days"] = 730
    address = "azurerm_log_analytics_workspace_table.auditlogs"
    values(plan, address).update(
        {"retention_in_days": None, "total_retention_in_days": None, **table}
    )
    config = next(
        r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == address
    )
    config["expressions"] = {
        "name": {"constant_value": "AuditLogs"},
        "workspace_id": config["expressions"]["workspace_id"],
        **{k: {"constant_value": v} for k, v in table.items()},
    }
    found = get(scan(plan, complete=True), f"{LAW}/tables/auditlogs").attrs
    assert (found["retention_days"], found["total_retention_days"]) == expected
