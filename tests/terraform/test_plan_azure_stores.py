"""The azurerm storage arguments, one at a time: provider defaults for omitted arguments, the
account-level version immutability block, keys and network rules set by resources of their
own, and what each does to the store policies."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.model import Status, Unknowable
from tests.support.pipeline import judge_plan
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
            "key_vault_uri": "https://kv-prod.vault.azure.net/",
            "key_name": "prodlogs",
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


ARCHIVE_ACCOUNT = "azurerm_storage_account.auditarchive"
KV_ADDRESS = "azurerm_key_vault.prod"
OUTSIDE_VAULT = (
    "/subscriptions/22222222-0000-0000-0000-000000000004/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/kv-elsewhere"
)


def _archive_key(plan: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """The archive's key moved from its inline block to a resource of its own."""
    values(plan, ARCHIVE_ACCOUNT)["customer_managed_key"] = []
    add(plan, "azurerm_storage_account_customer_managed_key", "archive", part)
    return get(scan(plan, complete=True), ARCHIVE).attrs


@pytest.mark.parametrize(
    ("part", "vault_uri", "expected"),
    [
        # The registry example: key_vault_id naming a plan vault + key_name.
        (
            {"key_vault_id": "vault", "key_name": "cmk"},
            "https://kv-prod.vault.azure.net/",
            "https://kv-prod.vault.azure.net/keys/cmk",
        ),
        (
            {"key_vault_id": "vault", "key_name": "cmk", "key_version": "v1"},
            "https://kv-prod.vault.azure.net/",
            "https://kv-prod.vault.azure.net/keys/cmk/v1",
        ),
        (
            {"key_vault_uri": "https://kv-x.vault.azure.net", "key_name": "cmk"},
            None,
            "https://kv-x.vault.azure.net/keys/cmk",
        ),
        (
            {"managed_hsm_key_id": "https://hsm.managedhsm.azure.net/keys/cmk"},
            None,
            "https://hsm.managedhsm.azure.net/keys/cmk",
        ),
        # The plan vault's URI is known only after apply; a vault outside the plan.
        ({"key_vault_id": "vault", "key_name": "cmk"}, None, Unknowable),
        ({"key_vault_id": OUTSIDE_VAULT, "key_name": "cmk"}, None, Unknowable),
        # Boundary: no key named at all is no key URI (the policy fails it).
        ({"key_name": "cmk"}, None, None),
    ],
)
def test_the_key_of_a_customer_managed_key_resource(
    part: dict[str, Any], vault_uri: str | None, expected: Any
) -> None:
    plan = golden()
    vault = values(plan, KV_ADDRESS)
    if vault_uri is not None:
        vault["vault_uri"] = vault_uri
    if part.get("key_vault_id") == "vault":
        part = {**part, "key_vault_id": vault["id"]}
    account = _archive_key(plan, {"storage_account_id": ARCHIVE, **part})
    assert account["encryption_key_source"] == "Microsoft.Keyvault"
    if expected is Unknowable:
        assert isinstance(account["key_vault_key_uri"], Unknowable)
    else:
        assert account["key_vault_key_uri"] == expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            {"key_vault_key_id": "https://kv-a.vault.azure.net/keys/k"},
            "https://kv-a.vault.azure.net/keys/k",
        ),
        (
            {"managed_hsm_key_id": "https://hsm.managedhsm.azure.net/keys/k"},
            "https://hsm.managedhsm.azure.net/keys/k",
        ),
        ({"user_assigned_identity_id": "/x"}, None),
    ],
)
def test_the_inline_block_names_its_key_either_way(block: dict[str, Any], expected: Any) -> None:
    plan = golden()
    values(plan, ARCHIVE_ACCOUNT)["customer_managed_key"] = [block]
    assert attr(scan(plan, complete=True), ARCHIVE, "key_vault_key_uri") == expected


@pytest.mark.parametrize(
    ("part", "status"),
    [
        (
            {"key_vault_uri": "https://kv-audit-keys.vault.azure.net/", "key_name": "archive-cmk"},
            Status.PASS,
        ),
        ({"key_vault_id": OUTSIDE_VAULT, "key_name": "archive-cmk"}, Status.UNKNOWN),
        ({}, None),
    ],
)
def test_the_cmk_policy_judges_the_resource_as_live_judges_the_account(
    part: dict[str, Any], status: Status | None
) -> None:
    """Live, the golden archive answers keySource Microsoft.Keyvault with its vault URI and key
    name: a pass. The same key set by the separate resource passes in the plan too."""
    plan = golden()
    values(plan, ARCHIVE_ACCOUNT)["customer_managed_key"] = []
    if status is not None:
        add(
            plan,
            "azurerm_storage_account_customer_managed_key",
            "archive",
            {"storage_account_id": ARCHIVE, **part},
        )
    found = {
        f.resource_id: f.status
        for f in judge_plan(plan)
        if f.policy_id == "azure-storage-log-account-cmk"
    }
    assert found[ARCHIVE] is (status or Status.FAIL)
