"""Storage in a plan: azurerm_storage_account (with azurerm_storage_account_customer_managed_key
and azurerm_storage_account_network_rules as parts of it), azurerm_storage_container (with
the azurerm_storage_container_immutability_policy attached to it), as azure.storage.account
and azure.storage.container with the attributes the live scan reads from the REST JSON of
storageAccounts.list and blobContainers.list.

Provider defaults applied where an argument is omitted (azurerm 4.81.0,
https://registry.terraform.io/providers/hashicorp/azurerm/4.81.0/docs/resources/storage_account):
account_kind StorageV2, https_traffic_only_enabled true, min_tls_version TLS1_2,
allow_nested_items_to_be_public true, shared_access_key_enabled true,
public_network_access_enabled true, infrastructure_encryption_enabled false; no
`network_rules` block: default action Allow. The `immutability_policy` block is the
account-level version immutability (`immutableStorageWithVersioning`): the provider sends
`enabled: true` with the policy whenever the block is present, nothing otherwise."""

from __future__ import annotations

from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, Target, block, settled
from scanner.providers.azure.names import canonical, subscription_of
from scanner.providers.azure.terraform import locks, refs
from scanner.providers.azure.terraform.common import (
    account_of,
    arm_id,
    arm_value,
    build,
    enabled_word,
    flag,
    id_or_address,
    integer,
    known,
    plan_id,
    region,
    subscription,
)

ACCOUNT = "azure.storage.account"
CONTAINER = "azure.storage.container"
CMK = "azurerm_storage_account_customer_managed_key"
NETWORK_RULES = "azurerm_storage_account_network_rules"
IMMUTABILITY = "azurerm_storage_container_immutability_policy"
PRIVATE_ENDPOINT = "azurerm_private_endpoint"
_ACCESS = {"private": "None", "blob": "Blob", "container": "Container"}


def _account_arm(res: PlanResource, ctx: PlanContext) -> str | None:
    return arm_id(ctx, res, "Microsoft.Storage", "storageAccounts")


def account_id(res: PlanResource, ctx: PlanContext) -> str:
    """The canonical ARM id of the account, else the address."""
    return id_or_address(_account_arm(res, ctx), res)


def _immutability(raw: Any) -> Any:
    policy = block(raw)
    if isinstance(policy, Unknowable):
        return policy
    if not isinstance(policy, dict):
        return {
            "enabled": False,
            "state": None,
            "period_days": None,
            "allow_protected_append_writes": None,
        }
    return settled(
        {
            "enabled": True,
            "state": policy.get("state"),
            "period_days": integer(policy.get("period_since_creation_in_days")),
            "allow_protected_append_writes": policy.get("allow_protected_append_writes"),
        }
    )


def _vault_uri(part: PlanResource, ctx: PlanContext) -> str | Unknowable | None:
    """The `key_vault_uri` of a customer-managed-key resource, else the `vault_uri` of the plan
    key vault its `key_vault_id` names."""
    given = part.values.get("key_vault_uri")
    if known(given) or isinstance(given, Unknowable):
        return given if isinstance(given, Unknowable) else str(given)
    value, hit = refs.target(ctx, part, ("key_vault_id",), (refs.KEY_VAULT,))
    if hit.resource is not None:
        uri = hit.resource.values.get("vault_uri")
        if isinstance(uri, Unknowable) or known(uri):
            return uri if isinstance(uri, Unknowable) else str(uri)
        return Unknowable(f"the vault_uri of {hit.resource.address} is known only after apply")
    if isinstance(value, Unknowable):
        return value
    if value:
        return Unknowable(f"key vault {value} is outside the plan: its URI is not known")
    return None


def _part_key(part: PlanResource, ctx: PlanContext) -> Any:
    """The key URI an azurerm_storage_account_customer_managed_key sets: `managed_hsm_key_id`,
    else the vault URI (`key_vault_uri`, or the vault `key_vault_id` names) + `/keys/` +
    `key_name` [+ `/` + `key_version`], the form the live answer's keyvaultproperties give
    (azurerm 4.x: key_name required, exactly one of key_vault_id, key_vault_uri,
    managed_hsm_key_id; there is no key_vault_key_id argument,
    https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/storage_account_customer_managed_key)."""
    hsm = part.values.get("managed_hsm_key_id")
    if isinstance(hsm, Unknowable) or known(hsm):
        return hsm
    vault, name = _vault_uri(part, ctx), part.values.get("key_name")
    version = part.values.get("key_version")
    for value in (vault, name, version):
        if isinstance(value, Unknowable):
            return value
    if not known(vault) or not known(name):
        return None
    key = f"{str(vault).rstrip('/')}/keys/{name}"
    return f"{key}/{version}" if known(version) else key


def _key(res: PlanResource, ctx: PlanContext) -> tuple[str | Unknowable, Any]:
    """The encryption key source and key URI: the `customer_managed_key` block, else an
    azurerm_storage_account_customer_managed_key of the plan (both are documented ways). The
    v4 block names its key by `key_vault_key_id` or `managed_hsm_key_id`
    (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/storage_account#customer_managed_key)."""
    inline = block(res.values.get("customer_managed_key"))
    part = ctx.parts.get(res.address, {}).get(CMK)
    if isinstance(inline, Unknowable):
        return inline, inline
    if isinstance(inline, dict):
        uri = inline.get("key_vault_key_id")
        if not (known(uri) or isinstance(uri, Unknowable)):
            uri = inline.get("managed_hsm_key_id")
        return "Microsoft.Keyvault", uri if known(uri) or isinstance(uri, Unknowable) else None
    if part is None:
        return "Microsoft.Storage", None
    return "Microsoft.Keyvault", _part_key(part, ctx)


def _network(res: PlanResource, ctx: PlanContext) -> Any:
    rules = block(res.values.get("network_rules"))
    part = ctx.parts.get(res.address, {}).get(NETWORK_RULES)
    if isinstance(rules, Unknowable):
        return rules
    source = rules if isinstance(rules, dict) else part.values if part else None
    if source is None:
        return "Allow"  # no rules: the service default
    return source.get("default_action")


def _endpoints(res: PlanResource, ctx: PlanContext, rid: str) -> int | Unknowable:
    """The plan's private endpoints whose connection names the account (blob and others)."""
    count = 0
    for other in ctx.resources:
        if other.type != PRIVATE_ENDPOINT:
            continue
        for index, conn in enumerate(other.values.get("private_service_connection") or []):
            path = ("private_service_connection", index, "private_connection_resource_id")
            value, hit = refs.target(ctx, other, path, (refs.STORAGE_ACCOUNT,))
            named = hit.resource is res or (isinstance(value, str) and value == rid)
            count += 1 if named and isinstance(conn, dict) else 0
    if count == 0 and not ctx.complete:
        return Unknowable(
            "no azurerm_private_endpoint in this plan connects to the account; one outside the "
            "plan may (judged as none only with --assume-complete)"
        )
    return count


def _soft_delete(raw: Any) -> Any:
    props = block(raw)
    if isinstance(props, Unknowable):
        return props
    policy = block(props.get("delete_retention_policy")) if isinstance(props, dict) else None
    if isinstance(policy, Unknowable):
        return policy
    if not isinstance(policy, dict):
        return None
    days = integer(policy.get("days"))
    return 7 if days is None else days  # provider docs: days defaults to 7


def account(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One storage account: access, transport, keys, immutability, network, locks."""
    v = res.values
    found = _account_arm(res, ctx)
    rid = ctx.ids[res.address]
    sub = subscription(ctx, res)
    where = region(v.get("location"))
    tier, replication = v.get("account_tier"), v.get("account_replication_type")
    source, uri = _key(res, ctx)
    name = known(v.get("name")) or res.name
    attrs: dict[str, Any] = {
        "arm_id": arm_value(found, res),
        "name": name,
        "subscription_id": sub,
        "resource_group": str(v["resource_group_name"]).lower()
        if known(v.get("resource_group_name"))
        else v.get("resource_group_name"),
        "location": where,
        "kind": v.get("account_kind") or "StorageV2",
        "sku": f"{tier}_{replication}"
        if known(tier) and known(replication)
        else next((x for x in (tier, replication) if isinstance(x, Unknowable)), None),
        "allow_blob_public_access": flag(v.get("allow_nested_items_to_be_public"), True),
        "supports_https_traffic_only": flag(v.get("https_traffic_only_enabled"), True),
        "minimum_tls_version": v.get("min_tls_version") or "TLS1_2",
        "allow_shared_key_access": flag(v.get("shared_access_key_enabled"), True),
        "public_network_access": enabled_word(v.get("public_network_access_enabled"), True),
        "network_default_action": _network(res, ctx),
        "private_endpoints": _endpoints(res, ctx, rid),
        "encryption_key_source": source,
        "key_vault_key_uri": uri,
        "infrastructure_encryption": flag(v.get("infrastructure_encryption_enabled"), False),
        "account_immutability": _immutability(v.get("immutability_policy")),
        "locks": locks.locks_on(ctx, rid, f"storage account {name}"),
        # The plan's containers are the account's containers a plan can judge.
        "containers_read": True,
        "blob_soft_delete_days": _soft_delete(v.get("blob_properties")),
    }
    return Mapped(build(ctx, res, ACCOUNT, attrs, (name, account_of(sub, ctx), where)))


# ----- containers -------------------------------------------------------------------------


def account_of_container(res: PlanResource, ctx: PlanContext) -> tuple[Any, PlanResource | None]:
    """The container's account: `storage_account_id` (v4), else `storage_account_name`
    (deprecated) matched to a plan account of that name."""
    value, hit = refs.target(ctx, res, ("storage_account_id",), (refs.STORAGE_ACCOUNT,))
    if hit.resource is not None or isinstance(value, str):
        return value, hit.resource
    name = res.values.get("storage_account_name")
    found = ctx.resolve(res, ("storage_account_name",), (refs.STORAGE_ACCOUNT,))
    if found is None and known(name):
        by_name = ctx.index(
            "azure-account-names", (refs.STORAGE_ACCOUNT,), lambda r: known(r.values.get("name"))
        )
        found = by_name.get(name)
    if found is not None:
        return plan_id(ctx, found) or Unknowable(f"the id of {found.address} is not known"), found
    if isinstance(name, Unknowable):
        return name, None
    return Unknowable(f"the storage account of {res.address} is not in this plan"), None


def container_id(res: PlanResource, ctx: PlanContext) -> str:
    """`<account id>/blobservices/default/containers/<name>`, else the address."""
    own = known(res.values.get("resource_manager_id")) or known(res.values.get("id"))
    if own and own.startswith("/"):
        return canonical(own)
    owner, _ = account_of_container(res, ctx)
    name = known(res.values.get("name"))
    if isinstance(owner, str) and owner.startswith("/") and name:
        return f"{owner}/blobservices/default/containers/{name.lower()}"
    return res.address


def container_of(res: PlanResource, ctx: PlanContext) -> PlanResource | None:
    """The plan's container an immutability policy applies to."""
    path = ("storage_container_resource_manager_id",)
    _, hit = refs.target(ctx, res, path, (refs.CONTAINER,))
    if hit.resource is not None:
        return hit.resource
    value = res.values.get(path[0])
    if not known(value):
        return None
    index = ctx.index("azure-containers", (refs.CONTAINER,), lambda r: container_id(r, ctx))
    return index.get(canonical(str(value)))


def _policy(res: PlanResource, ctx: PlanContext) -> dict[str, Any]:
    """The container's time-based retention policy: the attached azurerm resource, else what
    the container's state says exists (set outside the plan: its settings are unknown)."""
    attached = ctx.members.get(res.address, {}).get(IMMUTABILITY, [])
    if attached:
        p = attached[0].values
        # Provider docs: locked and both append-write flags default to false.
        locked = flag(p.get("locked"), False)
        return {
            "has_immutability_policy": True,
            "immutability_state": locked
            if isinstance(locked, Unknowable)
            else ("Locked" if locked else "Unlocked"),
            "immutability_period_days": integer(p.get("immutability_period_in_days")),
            "allow_protected_append_writes": flag(p.get("protected_append_writes_enabled"), False),
            "allow_protected_append_writes_all": flag(
                p.get("protected_append_writes_all_enabled"), False
            ),
        }
    has = res.values.get("has_immutability_policy")
    if has is True:
        outside = Unknowable(
            f"{res.address} has an immutability policy set outside this plan: its state and "
            "period are not in the plan"
        )
        return {"has_immutability_policy": True, **dict.fromkeys(_POLICY_ATTRS, outside)}
    if isinstance(has, Unknowable) and _created(res, ctx):
        has = False  # a container Terraform creates has no policy until one is set on it
    if isinstance(has, Unknowable):
        return {"has_immutability_policy": has, **dict.fromkeys(_POLICY_ATTRS, has)}
    return {"has_immutability_policy": False, **dict.fromkeys(_POLICY_ATTRS)}


_POLICY_ATTRS = (
    "immutability_state",
    "immutability_period_days",
    "allow_protected_append_writes",
    "allow_protected_append_writes_all",
)


def _created(res: PlanResource, ctx: PlanContext) -> bool:
    actions = ((ctx.changes.get(res.address) or {}).get("change") or {}).get("actions") or []
    return "create" in actions


def container(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One blob container with its public access and immutability (linked to its account)."""
    v = res.values
    owner, found = account_of_container(res, ctx)
    name = known(v.get("name")) or res.name
    hold = v.get("has_legal_hold")
    if isinstance(hold, Unknowable) and _created(res, ctx):
        hold = False  # Terraform sets no legal hold; a new container has none
    rid = ctx.ids[res.address]
    version_level: Any = False
    if found is not None:
        account_policy = _immutability(found.values.get("immutability_policy"))
        version_level = (
            account_policy if isinstance(account_policy, Unknowable) else account_policy["enabled"]
        )
    attrs: dict[str, Any] = {
        "arm_id": known(v.get("resource_manager_id"))
        or (rid if rid.startswith("/") else Unknowable(f"the id of {res.address} is not known")),
        "name": name,
        "account": owner,
        "public_access": _ACCESS.get(str(v.get("container_access_type") or "private"))
        if not isinstance(v.get("container_access_type"), Unknowable)
        else v.get("container_access_type"),
        **_policy(res, ctx),
        "has_legal_hold": flag(hold, False),
        "legal_hold_tags": []
        if hold is not True
        else Unknowable("the legal hold tags are not in a plan"),
        # Containers of an account with version-level immutability inherit it.
        "version_level_immutability": version_level,
        "deleted": False,
        "is_log_container": name == "insights-activity-logs" or name.startswith("insights-logs-"),
    }
    sub = subscription_of(owner) if isinstance(owner, str) else None
    where = region(found.values.get("location")) if found is not None else "global"
    target = (
        Target(resource=found)
        if found is not None
        else (Target(literal=owner) if isinstance(owner, str) else Target(unknown=owner))
    )
    return Mapped(
        build(ctx, res, CONTAINER, attrs, (name, sub or ctx.account, where)), {"account": target}
    )
