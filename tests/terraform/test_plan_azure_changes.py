"""Azure plans that change things: values known only after apply stay unknown (or stand for
the plan resource they reference), and a change that destroys an Azure log store or weakens
its immutability, lock or retention is a finding of azure-plan-log-store-not-destroyed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from scanner.model import Status, Unknowable
from tests.support.pipeline import judge_plan
from tests.terraform.azureplan import (
    ARCHIVE,
    CONTAINERS,
    KV_PROD,
    LOGGING,
    PRODLOGS,
    SETTINGS,
    after_unknown,
    attr,
    get,
    golden,
    scan,
    set_actions,
)
from tests.terraform.planedit import change, expressions, unknown, values

POLICY = "azure-plan-log-store-not-destroyed"
CHANGE = "azure.plan.log_store_change"
SETTING = "azurerm_monitor_diagnostic_setting.activity_to_archive"
LOCKED_POLICY = "azurerm_storage_container_immutability_policy.insights_activity_logs"
UNLOCKED_POLICY = "azurerm_storage_container_immutability_policy.insights_logs_auditevent"

# ----- known after apply ------------------------------------------------------------------


def test_a_new_account_is_keyed_by_the_id_its_names_make() -> None:
    plan = golden()
    address = "azurerm_storage_account.auditarchive"
    set_actions(plan, address, ["create"])
    change(plan, address)["before"] = None
    after_unknown(plan, address, "id")
    found = scan(plan, complete=True)
    account = get(found, ARCHIVE)
    assert account.attrs["arm_id"] == (
        f"/subscriptions/{LOGGING}/resourceGroups/rg-audit/providers/Microsoft.Storage/"
        "storageAccounts/lwauditarchive"
    )
    # Its containers and the settings writing to it still link to it.
    assert account.links["containers"].targets
    assert account.links["diagnostic_settings"].targets


def test_a_destination_known_after_apply_is_the_plan_resource_it_references() -> None:
    plan = golden()
    after_unknown(plan, SETTING, "storage_account_id")
    found = scan(plan, complete=True)
    setting = get(found, f"/subscriptions/{LOGGING}{SETTINGS}activity-to-archive")
    assert setting.attrs["storage_account_id"] == ARCHIVE
    assert setting.links["storage_account_id"].targets == (ARCHIVE,)


def test_a_destination_known_after_apply_without_reference_is_unknown() -> None:
    plan = golden()
    after_unknown(plan, SETTING, "storage_account_id")
    expressions(plan, SETTING).pop("storage_account_id")
    expressions(plan, SETTING).pop("log_analytics_workspace_id")
    after_unknown(plan, SETTING, "log_analytics_workspace_id")
    found = scan(plan, complete=True)
    setting = get(found, f"/subscriptions/{LOGGING}{SETTINGS}activity-to-archive").attrs
    assert isinstance(setting["storage_account_id"], Unknowable)
    assert not setting["storage_account_id"].error
    assert isinstance(setting["has_destination"], Unknowable)


def test_a_target_known_after_apply_keys_the_setting_by_its_address() -> None:
    plan = golden()
    after_unknown(plan, SETTING, "target_resource_id")
    found = scan(plan, complete=True)
    setting = get(found, SETTING)
    assert isinstance(setting.attrs["target"], Unknowable)
    assert isinstance(setting.attrs["arm_id"], Unknowable)


def test_a_lock_known_after_apply_makes_the_container_state_unknown() -> None:
    plan = golden()
    after_unknown(plan, LOCKED_POLICY, "locked")
    found = scan(plan, complete=True)
    state = attr(found, f"{CONTAINERS}insights-activity-logs", "immutability_state")
    assert isinstance(state, Unknowable) and not state.error


def test_a_policy_set_outside_the_plan_is_unknown_not_absent() -> None:
    plan = golden()
    root = plan["planned_values"]["root_module"]
    root["resources"] = [r for r in root["resources"] if r["address"] != LOCKED_POLICY]
    found = scan(plan, complete=True)
    container = get(found, f"{CONTAINERS}insights-activity-logs").attrs
    # The container's state says it has a policy: present, its settings unknown.
    assert container["has_immutability_policy"] is True
    assert isinstance(container["immutability_state"], Unknowable)


# ----- planned changes of log stores --------------------------------------------------------


def _update(plan: dict[str, Any], address: str, **after: Any) -> None:
    body = change(plan, address)
    body["actions"] = ["update"]
    body["after"] = {**copy.deepcopy(body["before"]), **after}
    values(plan, address).update(after)


def _weaken_lock(plan: dict[str, Any]) -> None:
    _update(plan, LOCKED_POLICY, locked=False)


def _shorten_policy(plan: dict[str, Any]) -> None:
    _update(plan, UNLOCKED_POLICY, immutability_period_in_days=30)


def _unknown_lock(plan: dict[str, Any]) -> None:
    _update(plan, LOCKED_POLICY)
    change(plan, LOCKED_POLICY)["after"].pop("locked")
    unknown(plan, LOCKED_POLICY)["locked"] = True


def _shorten_table(plan: dict[str, Any]) -> None:
    _update(plan, "azurerm_log_analytics_workspace_table.azureactivity", total_retention_in_days=90)


def _lengthen_table(plan: dict[str, Any]) -> None:
    _update(
        plan, "azurerm_log_analytics_workspace_table.azureactivity", total_retention_in_days=730
    )


def _recategorize(plan: dict[str, Any]) -> None:
    _update(plan, SETTING, enabled_log=[{"category": "Administrative", "category_group": ""}])


def _actions(address: str, actions: list[str]) -> Callable[[dict[str, Any]], None]:
    def edit(plan: dict[str, Any]) -> None:
        set_actions(plan, address, actions)

    return edit


def _unrelated_account(plan: dict[str, Any]) -> None:
    """A new storage account no diagnostic setting or flow log writes to."""
    raw = copy.deepcopy(
        next(
            r
            for r in plan["planned_values"]["root_module"]["resources"]
            if r["address"] == "azurerm_storage_account.prodlogs"
        )
    )
    raw.update(address="azurerm_storage_account.app", name="app")
    raw["values"].update(name="lwappdata", id=None)
    plan["planned_values"]["root_module"]["resources"].append(raw)
    plan["resource_changes"].append(
        {
            "address": "azurerm_storage_account.app",
            "mode": "managed",
            "type": "azurerm_storage_account",
            "name": "app",
            "change": {
                "actions": ["create"],
                "before": None,
                "after": raw["values"],
                "after_unknown": {"id": True},
            },
        }
    )


def _key(name: str, key_id: str) -> Callable[[dict[str, Any]], None]:
    """A Key Vault key the plan destroys."""

    def edit(plan: dict[str, Any]) -> None:
        vault = "https://kv-audit-keys.vault.azure.net"
        values_ = {
            "id": f"{vault}/keys/{key_id}/4d1c7e2a9b0f4a55a0f1a2b3c4d5e6f7",
            "versionless_id": f"{vault}/keys/{key_id}",
            "name": key_id,
            "key_type": "RSA",
        }
        plan["resource_changes"].append(
            {
                "address": f"azurerm_key_vault_key.{name}",
                "mode": "managed",
                "type": "azurerm_key_vault_key",
                "name": name,
                "change": {"actions": ["delete"], "before": values_, "after": None},
            }
        )

    return edit


def _locked_unrelated_account(plan: dict[str, Any]) -> None:
    """An account nothing writes to, whose version-level immutability is Locked, destroyed."""
    _unrelated_account(plan)
    body = change(plan, "azurerm_storage_account.app")
    locked = {
        **body["after"],
        "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/worm",
        "immutability_policy": [
            {
                "state": "Locked",
                "period_since_creation_in_days": 365,
                "allow_protected_append_writes": False,
            }
        ],
    }
    body.update(actions=["delete"], before=locked, after=None)


# (address, edit, destroys, weakens) -- weakens None: unknown; no row at all: not a log store.
CHANGES: list[tuple[str, Callable[[dict[str, Any]], None], Any]] = [
    (
        "azurerm_storage_account.auditarchive",
        _actions("azurerm_storage_account.auditarchive", ["delete"]),
        (True, False),
    ),
    # The key vault's setting writes to lwprodlogs: it is a log store too.
    (
        "azurerm_storage_account.prodlogs",
        _actions("azurerm_storage_account.prodlogs", ["delete", "create"]),
        (True, False),
    ),
    (
        "azurerm_storage_container.exports",
        _actions("azurerm_storage_container.exports", ["delete"]),
        (True, False),
    ),
    (
        "azurerm_log_analytics_workspace.central",
        _actions("azurerm_log_analytics_workspace.central", ["create", "delete"]),
        (True, False),
    ),
    (
        "azurerm_management_lock.rg_audit",
        _actions("azurerm_management_lock.rg_audit", ["delete"]),
        (True, False),
    ),
    (UNLOCKED_POLICY, _actions(UNLOCKED_POLICY, ["delete"]), (True, False)),
    (LOCKED_POLICY, _weaken_lock, (False, True)),
    (UNLOCKED_POLICY, _shorten_policy, (False, True)),
    (LOCKED_POLICY, _unknown_lock, (False, None)),
    ("azurerm_log_analytics_workspace_table.azureactivity", _shorten_table, (False, True)),
    ("azurerm_log_analytics_workspace_table.azureactivity", _lengthen_table, (False, False)),
    (SETTING, _recategorize, (False, False)),
    # The key lwauditarchive is encrypted with (its customer_managed_key block): a log store.
    ("azurerm_key_vault_key.archive", _key("archive", "ARCHIVE-CMK"), (True, False)),
    # Not log stores: a lock on the hub network, an account nothing writes to, another key.
    ("azurerm_key_vault_key.other", _key("other", "app-key"), None),
    (
        "azurerm_management_lock.hub_read_only",
        _actions("azurerm_management_lock.hub_read_only", ["delete"]),
        None,
    ),
    ("azurerm_storage_account.app", _unrelated_account, None),
    ("azurerm_storage_account.app", _locked_unrelated_account, (True, False)),
]


@pytest.mark.parametrize(
    ("address", "edit", "expected"), CHANGES, ids=[f"{a}-{e.__name__}" for a, e, _ in CHANGES]
)
def test_log_store_changes(
    address: str, edit: Callable[[dict[str, Any]], None], expected: Any
) -> None:
    plan = golden()
    edit(plan)
    changes = {r.name: r for r in scan(plan).inventory if r.type == CHANGE}
    if expected is None:
        assert address not in changes
        return
    assert set(changes) == {address}
    attrs = changes[address].attrs
    destroys, weakens = expected
    assert attrs["destroys"] is destroys
    if weakens is None:
        assert isinstance(attrs["weakens"], Unknowable)
    else:
        assert attrs["weakens"] is weakens


def _verdicts(plan: dict[str, Any]) -> dict[str, Status]:
    found = judge_plan(plan)
    return {f.resource_name: f.status for f in found if f.policy_id == POLICY}


@pytest.mark.parametrize(
    ("edit", "address", "status"),
    [
        (_recategorize, SETTING, Status.PASS),
        (
            _actions("azurerm_storage_account.auditarchive", ["delete"]),
            "azurerm_storage_account.auditarchive",
            Status.FAIL,
        ),
        (_weaken_lock, LOCKED_POLICY, Status.FAIL),
        (_unknown_lock, LOCKED_POLICY, Status.UNKNOWN),
    ],
    ids=["update", "destroy", "unlock", "unknown"],
)
def test_the_policy_on_planned_changes(
    edit: Callable[[dict[str, Any]], None], address: str, status: Status
) -> None:
    assert _verdicts(golden()) == {}  # the golden plan changes nothing
    plan = golden()
    edit(plan)
    assert _verdicts(plan) == {address: status}


def test_ids_in_any_case_name_the_same_store() -> None:
    """ARM ids are case-insensitive: a setting that writes to `.../RG-Prod/.../LWProdLogs` by a
    literal id (no configuration reference) links to lwprodlogs, and destroying the account is
    a log-store change."""
    plan = golden()
    address = "azurerm_monitor_diagnostic_setting.kv_prod_audit"
    shouted = PRODLOGS.replace("rg-prod", "RG-Prod").replace("lwprodlogs", "LWProdLogs")
    values(plan, address)["storage_account_id"] = shouted
    change(plan, address)["before"]["storage_account_id"] = shouted
    change(plan, address)["after"]["storage_account_id"] = shouted
    expressions(plan, address).pop("storage_account_id")
    found = scan(plan, complete=True)
    vault_setting = f"{KV_PROD}{SETTINGS}kv-audit"
    assert get(found, vault_setting).links["storage_account_id"].targets == (PRODLOGS,)
    set_actions(plan, "azurerm_storage_account.prodlogs", ["delete"])
    changes = [r.name for r in scan(plan).inventory if r.type == CHANGE]
    assert changes == ["azurerm_storage_account.prodlogs"]
