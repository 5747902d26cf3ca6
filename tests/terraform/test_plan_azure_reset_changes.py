"""Planned changes whose effect is not what their action says: a removed workspace table
resets its retention (no table is deleted), and the key a storage account's
customer-managed-key resource names is a log store's key."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.model import Status, Unknowable
from tests.terraform.azureplan import ARCHIVE, LOGGING, PROD, golden, scan, set_actions
from tests.terraform.planedit import add, change, unknown, values
from tests.terraform.test_plan_azure_changes import CHANGE, _key, _update, _verdicts

TABLE = "azurerm_log_analytics_workspace_table.azureactivity"
WORKSPACE = "azurerm_log_analytics_workspace.central"


@pytest.mark.parametrize(
    ("workspace_days", "actions", "weakens"),
    [
        # The table keeps 400 days in all; the workspace keeps 30: removing the table cuts it.
        (30, ["delete"], True),
        (30, ["delete", "create"], True),
        # The sibling: a workspace keeping longer than the table lengthens it.
        (730, ["delete"], False),
        # The boundary: the same retention is no cut.
        (400, ["delete"], False),
        # Known only after apply.
        (None, ["delete"], Unknowable),
    ],
)
def test_removing_a_workspace_table_resets_its_retention_and_destroys_nothing(
    workspace_days: int | None, actions: list[str], weakens: Any
) -> None:
    plan = golden()
    body = change(plan, WORKSPACE)
    if workspace_days is None:
        _update(plan, WORKSPACE)
        body["after"].pop("retention_in_days")
        unknown(plan, WORKSPACE)["retention_in_days"] = True
    else:
        body["before"]["retention_in_days"] = body["after"]["retention_in_days"] = workspace_days
    set_actions(plan, TABLE, actions)
    attrs = {r.name: r for r in scan(plan).inventory if r.type == CHANGE}[TABLE].attrs
    assert attrs["destroys"] is False
    if weakens is Unknowable:
        assert isinstance(attrs["weakens"], Unknowable)
    else:
        assert attrs["weakens"] is weakens
    expected = {True: Status.FAIL, False: Status.PASS}.get(weakens, Status.UNKNOWN)
    assert _verdicts(plan)[TABLE] is expected


def test_a_removed_table_of_a_workspace_outside_the_plan_is_unknown() -> None:
    plan = golden()
    change(plan, TABLE)["before"]["workspace_id"] = (
        f"/subscriptions/{PROD}/resourceGroups/rg/providers/"
        "Microsoft.OperationalInsights/workspaces/law-elsewhere"
    )
    set_actions(plan, TABLE, ["delete"])
    attrs = {r.name: r for r in scan(plan).inventory if r.type == CHANGE}[TABLE].attrs
    assert (attrs["destroys"], type(attrs["weakens"])) == (False, Unknowable)


ARCHIVE_ADDRESS = "azurerm_storage_account.auditarchive"
KEY_VAULT_ID = (
    f"/subscriptions/{LOGGING}/resourceGroups/rg-audit/providers/Microsoft.KeyVault/vaults/"
    "kv-audit-keys"
)


@pytest.mark.parametrize(
    ("part", "is_store"),
    [
        (
            {"key_vault_uri": "https://kv-audit-keys.vault.azure.net/", "key_name": "archive-cmk"},
            True,
        ),
        ({"key_vault_id": KEY_VAULT_ID, "key_name": "archive-cmk"}, True),
        # The sibling: another key of the same vault.
        ({"key_vault_uri": "https://kv-audit-keys.vault.azure.net/", "key_name": "app-key"}, False),
        # Boundary: a vault whose URI the plan does not hold names no key.
        (
            {
                "key_vault_id": KEY_VAULT_ID.replace("kv-audit-keys", "kv-x"),
                "key_name": "archive-cmk",
            },
            False,
        ),
    ],
)
def test_the_key_a_customer_managed_key_resource_names_is_a_log_store(
    part: dict[str, Any], is_store: bool
) -> None:
    plan = golden()
    body = change(plan, ARCHIVE_ADDRESS)
    for side in (body["before"], body["after"]):
        side["customer_managed_key"] = []
    values(plan, ARCHIVE_ADDRESS)["customer_managed_key"] = []
    plan["resource_changes"].append(
        {
            "address": "azurerm_key_vault.audit_keys",
            "mode": "managed",
            "type": "azurerm_key_vault",
            "name": "audit_keys",
            "change": {
                "actions": ["no-op"],
                "before": {
                    "id": KEY_VAULT_ID,
                    "vault_uri": "https://kv-audit-keys.vault.azure.net/",
                },
                "after": {
                    "id": KEY_VAULT_ID,
                    "vault_uri": "https://kv-audit-keys.vault.azure.net/",
                },
            },
        }
    )
    add(
        plan,
        "azurerm_storage_account_customer_managed_key",
        "archive",
        {"storage_account_id": ARCHIVE, **part},
    )
    _key("archive", "archive-cmk")(plan)
    changes = {r.name: r for r in scan(plan).inventory if r.type == CHANGE}
    assert ("azurerm_key_vault_key.archive" in changes) is is_store
