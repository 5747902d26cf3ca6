"""Which planned changes are changes of Azure log stores, and whether one weakens what
protects the logs.

Log stores: diagnostic settings (subscription, resource, Entra ID), Log Analytics workspaces
and their tables, network watcher flow logs, whatever their settings; the storage accounts a
diagnostic setting or flow log writes to (named by its `storage_account_id` in the plan or its
prior state, any case, or by a configuration reference), and their blob containers; a storage
account whose version-level immutability is Locked; a log container (`insights-logs-*`,
`insights-activity-logs`); every container immutability policy; the management locks on a
log store, its resource group or its subscription.

So is the Key Vault key such an account is encrypted with (its customer_managed_key block, an
azurerm_storage_account_customer_managed_key, or a configuration reference): destroying it
leaves what the account holds unreadable: the provider purges a key on destroy unless told
not to (features block, `purge_soft_deleted_keys_on_destroy` "Defaults to `true`",
https://registry.terraform.io/providers/hashicorp/azurerm/4.81.0/docs/guides/features-block).

Destroying (or replacing) any of them is a finding (`destroys`). So is an update that
`weakens` the protection: an immutability policy unlocked or its period shortened, account
immutability lowered (Locked > Unlocked > Disabled) or removed, a workspace's or table's
retention shortened. Removing a workspace table (or replacing it) deletes no table: it is not
a destroy, and it weakens when the workspace's retention after the plan is below the table's
retention before, since the table falls back to it. `weakens` is unknown when the new value is
known only after apply, or the workspace is outside the plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.model import Unknowable
from scanner.plan.changes import (
    configuration_root,
    managed_changes,
    named_in_configuration,
    prior_state_resources,
)
from scanner.plan.sources import address_key

Change = Mapping[str, Any]
WRITERS = (
    "azurerm_monitor_diagnostic_setting",
    "azurerm_monitor_aad_diagnostic_setting",
    "azurerm_network_watcher_flow_log",
)
ALWAYS = frozenset(
    {
        *WRITERS,
        "azurerm_log_analytics_workspace",
        "azurerm_log_analytics_workspace_table",
        "azurerm_storage_container_immutability_policy",
    }
)
ACCOUNT = "azurerm_storage_account"
CONTAINER = "azurerm_storage_container"
LOCK = "azurerm_management_lock"
KEY = "azurerm_key_vault_key"
CMK = "azurerm_storage_account_customer_managed_key"
_STATES = {"Disabled": 0, "Unlocked": 1, "Locked": 2}


def _sides(change: Change) -> list[Mapping[str, Any]]:
    body = change.get("change") or {}
    return [s for s in (body.get("before"), body.get("after")) if isinstance(s, Mapping)]


def _lower(value: Any) -> str | None:
    return value.strip().rstrip("/").lower() if isinstance(value, str) and value else None


def _written(plan: Mapping[str, Any], changes: list[Change]) -> set[str]:
    """Canonical ids of the storage accounts diagnostic settings and flow logs write to."""
    found: set[str] = set()
    for change in changes:
        if change.get("type") in WRITERS:
            found |= {i for s in _sides(change) if (i := _lower(s.get("storage_account_id")))}
    for resource in prior_state_resources(plan):
        if resource.get("type") in WRITERS:
            found |= {
                i for i in [_lower((resource.get("values") or {}).get("storage_account_id"))] if i
            }
    return found


def _referenced(module: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Addresses of storage accounts a writer's configuration names (`storage_account_id =
    azurerm_storage_account.x.id`), which holds when the id is known only after apply."""
    found: set[str] = set()
    for resource in module.get("resources") or []:
        if resource.get("type") not in WRITERS:
            continue
        expression = (resource.get("expressions") or {}).get("storage_account_id") or {}
        for ref in expression.get("references") or []:
            parts = str(ref).split(".")
            if len(parts) >= 2 and parts[0] == ACCOUNT:
                found.add(f"{prefix}{ACCOUNT}.{parts[1]}")
    for name, call in (module.get("module_calls") or {}).items():
        found |= _referenced(call.get("module") or {}, f"{prefix}module.{name}.")
    return found


def _account_of(values: Mapping[str, Any]) -> str | None:
    """A container's account id: `storage_account_id`, else from its resource manager id."""
    own = _lower(values.get("storage_account_id"))
    if own:
        return own
    rm = _lower(values.get("resource_manager_id")) or _lower(values.get("id"))
    if rm and "/blobservices/" in rm:
        return rm.split("/blobservices/")[0]
    return None


def _state(values: Mapping[str, Any]) -> str | None:
    policy = values.get("immutability_policy")
    first = policy[0] if isinstance(policy, list) and policy else None
    return first.get("state") if isinstance(first, Mapping) else None


def log_stores(plan: Mapping[str, Any]) -> Callable[[Change], bool]:
    """A test of one resource change: does it change an Azure log store?"""
    changes = managed_changes(plan)
    written = _written(plan, changes)
    referenced = _referenced(configuration_root(plan))
    account_names = {
        str(s.get("name")): i
        for c in changes
        if c.get("type") == ACCOUNT
        for s in _sides(c)
        if (i := _lower(s.get("id"))) and isinstance(s.get("name"), str)
    }

    def account_is_store(change: Change) -> bool:
        sides = _sides(change)
        ids = {i for s in sides if (i := _lower(s.get("id")))}
        return (
            bool(ids & written)
            or address_key(str(change.get("address"))) in referenced
            or any(_state(s) == "Locked" for s in sides[:1])
        )

    stores = [c for c in changes if c.get("type") == ACCOUNT and account_is_store(c)]
    store_ids = written | {i for c in stores for s in _sides(c) if (i := _lower(s.get("id")))}
    guarded = _guarded(plan, changes, store_ids)
    keys, key_refs = _store_keys(plan, changes, stores, store_ids)

    def test(change: Change) -> bool:
        rtype = str(change.get("type", ""))
        if rtype in ALWAYS:
            return True
        if rtype == ACCOUNT:
            return account_is_store(change)
        if rtype == CONTAINER:
            return any(_container_is_store(s, store_ids, account_names) for s in _sides(change))
        if rtype == LOCK:
            return any(_covers(_lower(s.get("scope")), guarded) for s in _sides(change))
        if rtype == KEY:
            named = {_versionless(s.get("versionless_id") or s.get("id")) for s in _sides(change)}
            return bool(named & keys) or address_key(str(change.get("address"))) in key_refs
        return False

    return test


def _versionless(value: Any) -> str | None:
    """A Key Vault key id without its version: `https://<vault>/keys/<name>`, lowercased."""
    text = _lower(value)
    if text is None or "/keys/" not in text:
        return None
    head, _, rest = text.partition("/keys/")
    return f"{head}/keys/{rest.split('/')[0]}"


def _store_keys(
    plan: Mapping[str, Any], changes: list[Change], stores: list[Change], ids: set[str]
) -> tuple[set[str], set[str]]:
    """The Key Vault keys log accounts are encrypted with (their `customer_managed_key` block
    or an azurerm_storage_account_customer_managed_key on them), by versionless id, and the
    addresses of keys their configuration references (known after apply too)."""
    found: set[str] = set()
    for change in stores:
        for side in _sides(change):
            block = side.get("customer_managed_key")
            first = block[0] if isinstance(block, list) and block else None
            if isinstance(first, Mapping) and (k := _versionless(first.get("key_vault_key_id"))):
                found.add(k)
    cmk = [c for c in changes if c.get("type") == CMK]
    vaults = _vault_uris(plan, changes)
    for change in cmk:
        for side in _sides(change):
            if _lower(side.get("storage_account_id")) in ids:
                found |= {k for k in [_cmk_key(side, vaults)] if k}
    owners = {address_key(str(c.get("address"))) for c in [*stores, *cmk]}
    return found, _key_references(configuration_root(plan), owners, ids, cmk)


def _vault_uris(plan: Mapping[str, Any], changes: list[Change]) -> dict[str, str]:
    """Canonical key vault id -> its vault URI, from the plan's vaults and prior state."""
    sides = [s for c in changes if c.get("type") == "azurerm_key_vault" for s in _sides(c)]
    sides += [
        r.get("values") or {}
        for r in prior_state_resources(plan)
        if r.get("type") == "azurerm_key_vault"
    ]
    return {i: u for s in sides if (i := _lower(s.get("id"))) and (u := _lower(s.get("vault_uri")))}


def _cmk_key(side: Mapping[str, Any], vaults: Mapping[str, str]) -> str | None:
    """The versionless key an azurerm_storage_account_customer_managed_key names: the vault
    URI (`key_vault_uri`, or that of the vault `key_vault_id` names) + `/keys/` + `key_name`.
    The resource has no `key_vault_key_id` (azurerm 4.x,
    https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/storage_account_customer_managed_key);
    a key it names only through a configuration reference is found by _key_references."""
    vault = _lower(side.get("key_vault_uri")) or vaults.get(_lower(side.get("key_vault_id")) or "")
    name = side.get("key_name")
    if vault is None or not isinstance(name, str) or not name:
        return None
    return _versionless(f"{vault}/keys/{name}")


def _key_references(
    module: Mapping[str, Any], owners: set[str], ids: set[str], cmk: list[Change]
) -> set[str]:
    """Addresses of azurerm_key_vault_key resources a log account's (or its CMK resource's)
    configuration references, child modules included."""
    store_cmk = {
        address_key(str(c.get("address")))
        for c in cmk
        if any(_lower(s.get("storage_account_id")) in ids for s in _sides(c))
    }
    return named_in_configuration(
        module, (owners - {address_key(str(c.get("address"))) for c in cmk}) | store_cmk, KEY
    )


def _container_is_store(
    values: Mapping[str, Any], stores: set[str], names: Mapping[str, str]
) -> bool:
    name = values.get("name")
    if isinstance(name, str) and (
        name == "insights-activity-logs" or name.startswith("insights-logs-")
    ):
        return True
    owner = _account_of(values) or names.get(str(values.get("storage_account_name")))
    return owner in stores


def _guarded(plan: Mapping[str, Any], changes: list[Change], stores: set[str]) -> set[str]:
    """Ids of the log stores a lock may protect: written-to accounts and every workspace."""
    found = set(stores)
    for change in changes:
        if change.get("type") == "azurerm_log_analytics_workspace":
            found |= {i for s in _sides(change) if (i := _lower(s.get("id")))}
    for resource in prior_state_resources(plan):
        if resource.get("type") == "azurerm_log_analytics_workspace":
            found |= {i for i in [_lower((resource.get("values") or {}).get("id"))] if i}
    return found


def _covers(scope: str | None, guarded: set[str]) -> bool:
    """A lock on a store, its resource group or its subscription protects the store."""
    if scope is None:
        return False
    return any(g == scope or g.startswith(f"{scope}/") for g in guarded)


# ----- does an update weaken the protection ----------------------------------------------


def _after(change: Change, key: str) -> Any:
    body = change.get("change") or {}
    unknown = body.get("after_unknown") or {}
    if unknown is True or (isinstance(unknown, Mapping) and unknown.get(key) is True):
        return Unknowable(f"known after apply: {change.get('address')}.{key}")
    after = body.get("after")
    return after.get(key) if isinstance(after, Mapping) else None


def _before(change: Change, key: str) -> Any:
    before = (change.get("change") or {}).get("before")
    return before.get(key) if isinstance(before, Mapping) else None


def _lowered(before: Any, after: Any) -> bool | Unknowable:
    if isinstance(after, Unknowable):
        return after
    if isinstance(before, int | float) and isinstance(after, int | float):
        return after < before
    return False


def _account_weakens(change: Change) -> bool | Unknowable:
    after = _after(change, "immutability_policy")
    if isinstance(after, Unknowable):
        return after
    before = _before(change, "immutability_policy")
    old = before[0] if isinstance(before, list) and before else None
    new = after[0] if isinstance(after, list) and after else None
    if not isinstance(old, Mapping):
        return False
    if not isinstance(new, Mapping):
        return True
    if _STATES.get(str(new.get("state")), 0) < _STATES.get(str(old.get("state")), 0):
        return True
    days = "period_since_creation_in_days"
    return _lowered(old.get(days), new.get(days)) is True


def _policy_weakens(change: Change) -> bool | Unknowable:
    locked = _after(change, "locked")
    days = _after(change, "immutability_period_in_days")
    if isinstance(locked, Unknowable):
        return locked
    if _before(change, "locked") is True and locked is not True:
        return True
    return _lowered(_before(change, "immutability_period_in_days"), days)


def _retention_weakens(change: Change) -> bool | Unknowable:
    for key in ("retention_in_days", "total_retention_in_days"):
        lowered = _lowered(_before(change, key), _after(change, key))
        if lowered is not False:
            return lowered
    return False


_WEAKENS: dict[str, Callable[[Change], bool | Unknowable]] = {
    ACCOUNT: _account_weakens,
    "azurerm_storage_container_immutability_policy": _policy_weakens,
    "azurerm_log_analytics_workspace": _retention_weakens,
    "azurerm_log_analytics_workspace_table": _retention_weakens,
}


def _table_reset_weakens(plan: Mapping[str, Any], change: Change) -> bool | Unknowable:
    """Deleting an azurerm_log_analytics_workspace_table deletes no table: "the table's
    retention_in_days field will be set to the value of azurerm_log_analytics_workspace
    retention_in_days" (total_retention_in_days likewise; the Note of
    https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/log_analytics_workspace_table).
    It weakens when the workspace's retention after the plan is below the table's before."""
    workspace = _lower(_before(change, "workspace_id"))
    found = next(
        (
            c
            for c in managed_changes(plan)
            if c.get("type") == "azurerm_log_analytics_workspace"
            and workspace in {_lower(s.get("id")) for s in _sides(c)}
        ),
        None,
    )
    if workspace is None or found is None:
        return Unknowable(
            f"the table's workspace {workspace or '(unnamed)'} is outside the plan: the "
            "retention the table falls back to is not known"
        )
    if "delete" in ((found.get("change") or {}).get("actions") or []):
        return True  # the workspace goes too, and the table with it
    after = _after(found, "retention_in_days")
    if isinstance(after, Unknowable) or not isinstance(after, int | float):
        return (
            after
            if isinstance(after, Unknowable)
            else Unknowable(f"{found.get('address')}.retention_in_days is not in the plan")
        )
    before = [_before(change, k) for k in ("retention_in_days", "total_retention_in_days")]
    return any(isinstance(b, int | float) and after < b for b in before)


def change_attrs(plan: Mapping[str, Any]) -> Callable[[Change], dict[str, Any]]:
    """The Azure attributes of a log-store change beyond the core's: `weakens`, and for a
    workspace table removed from the configuration `destroys` false (the table stays, its
    retention reset to the workspace's)."""

    def attrs(change: Change) -> dict[str, Any]:
        actions = list((change.get("change") or {}).get("actions") or [])
        rtype = str(change.get("type"))
        if rtype == "azurerm_log_analytics_workspace_table" and "delete" in actions:
            return {"destroys": False, "weakens": _table_reset_weakens(plan, change)}
        check = _WEAKENS.get(rtype)
        weakens: bool | Unknowable = False
        if actions == ["update"] and check is not None:
            weakens = check(change)
        return {"weakens": weakens}

    return attrs
