"""Storage accounts and blob containers: the contract's attributes from the documented REST
JSON (the list and GET answers of Microsoft.Storage, api-version `storage.API_VERSION`).

Kept apart from the collector (`storage.py`) so the fixtures, the Terraform mapper and the
tests read one shape. Where a property may be absent, the value it then has follows the
documentation, cited beside each default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import Unknowable
from scanner.providers.azure.names import canonical, resource_group_of, subscription_of

KEY_SOURCES = {"microsoft.storage": "Microsoft.Storage", "microsoft.keyvault": "Microsoft.Keyvault"}
IMMUTABILITY_STATES = {"locked": "Locked", "unlocked": "Unlocked", "disabled": "Disabled"}
LOG_CONTAINER = "insights-activity-logs"
LOG_CONTAINER_PREFIX = "insights-logs-"


def region(location: Any) -> str:
    """The contract's region: the location lowercased with spaces removed (`West Europe` ->
    `westeurope`); `global` when the answer has none."""
    return str(location or "global").lower().replace(" ", "") or "global"


def _bool(value: Any, default: bool) -> bool:
    """A documented boolean property; absent (or null) is its documented default."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raise ValueError(f"expected a boolean, got {value!r}")


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number, got {value!r}")
    return int(value)


def _state(value: Any) -> str | None:
    if value is None:
        return None
    return IMMUTABILITY_STATES.get(str(value).lower(), str(value))


def key_vault_key_uri(props: Mapping[str, Any]) -> str | None:
    """`<vault uri>/keys/<key name>[/<version>]` of an account encrypted with a Key Vault key;
    None for Microsoft-managed keys. The answer splits the key into `keyvaulturi`, `keyname`
    and `keyversion` (KeyVaultProperties,
    https://learn.microsoft.com/en-us/rest/api/storagerp/storage-accounts/get-properties)."""
    kv = props.get("keyvaultproperties") or {}
    uri, name = kv.get("keyvaulturi"), kv.get("keyname")
    if not uri or not name:
        return None
    version = kv.get("keyversion")
    key = f"{str(uri).rstrip('/')}/keys/{name}"
    return f"{key}/{version}" if version else key


def account_immutability(props: Mapping[str, Any]) -> dict[str, Any]:
    """`immutableStorageWithVersioning`: version-level immutability on the account (set only at
    account creation) and its default policy, which every container inherits unless it has its
    own (https://learn.microsoft.com/en-us/azure/storage/blobs/immutable-version-level-worm-policies).
    Absent: not enabled."""
    worm = props.get("immutableStorageWithVersioning") or {}
    policy = worm.get("immutabilityPolicy") or {}
    enabled = _bool(worm.get("enabled"), False)
    return {
        "enabled": enabled,
        "state": _state(policy.get("state")) if enabled else None,
        "period_days": _int(policy.get("immutabilityPeriodSinceCreationInDays"))
        if enabled
        else None,
        "allow_protected_append_writes": (
            _bool(policy.get("allowProtectedAppendWrites"), False) if enabled and policy else None
        ),
    }


def private_endpoints(props: Mapping[str, Any]) -> int:
    """Approved private endpoint connections: a pending or rejected one carries no traffic."""
    count = 0
    for conn in props.get("privateEndpointConnections") or []:
        state = ((conn.get("properties") or {}).get("privateLinkServiceConnectionState")) or {}
        if str(state.get("status", "")).lower() == "approved":
            count += 1
    return count


def account_attrs(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The collected attributes of one StorageAccount (REST JSON) except `locks`,
    `containers_read` and `blob_soft_delete_days`, which other calls give."""
    arm_id = str(raw["id"])
    props: Mapping[str, Any] = raw.get("properties") or {}
    encryption: Mapping[str, Any] = props.get("encryption") or {}
    acls: Mapping[str, Any] = props.get("networkAcls") or {}
    source = str(encryption.get("keySource") or "Microsoft.Storage")
    sku = raw.get("sku") or {}
    return {
        "arm_id": arm_id,
        "name": str(raw["name"]),
        "subscription_id": subscription_of(arm_id) or "",
        "resource_group": resource_group_of(arm_id) or "",
        "location": str(raw.get("location") or ""),
        "kind": raw.get("kind"),
        "sku": sku.get("name") if isinstance(sku, Mapping) else None,
        # Absent means anonymous access may be configured: the built-in Azure Policy
        # "Storage account public access should be disallowed" (4fa4b6c0-31ca-4c0d-b10d-
        # 24b96f62a751) counts every account whose allowBlobPublicAccess is not `false` as
        # non-compliant, and the StorageAccount model of api-versions before 2023-01-01 says
        # "The default interpretation is true for this property"; an account created before
        # the November 2023 default change that never set it answers without the property.
        "allow_blob_public_access": _bool(props.get("allowBlobPublicAccess"), True),
        # "The default value is true since API version 2019-04-01" (StorageAccountProperties
        # supportsHttpsTrafficOnly; this scan reads with a later version).
        "supports_https_traffic_only": _bool(props.get("supportsHttpsTrafficOnly"), True),
        # "The default interpretation is TLS 1.0 for this property" (minimumTlsVersion).
        "minimum_tls_version": str(props.get("minimumTlsVersion") or "TLS1_0"),
        # "The default value is null, which is equivalent to true" (allowSharedKeyAccess).
        "allow_shared_key_access": _bool(props.get("allowSharedKeyAccess"), True),
        "public_network_access": _public_access(props.get("publicNetworkAccess")),
        # NetworkRuleSet.defaultAction: "The default action of allow or deny when no other rules
        # match"; an account without networkAcls accepts every network (Allow).
        "network_default_action": "Deny"
        if str(acls.get("defaultAction", "")).lower() == "deny"
        else "Allow",
        "private_endpoints": private_endpoints(props),
        # Encryption.keySource: "Microsoft.Storage, Microsoft.Keyvault" (case-insensitive),
        # Microsoft.Storage when absent.
        "encryption_key_source": KEY_SOURCES.get(source.lower(), source),
        "key_vault_key_uri": key_vault_key_uri(encryption),
        "infrastructure_encryption": _bool(
            encryption.get("requireInfrastructureEncryption"), False
        ),
        "account_immutability": account_immutability(props),
    }


def is_log_container(name: str) -> bool:
    """The containers Azure Monitor writes to: `insights-activity-logs` for the activity log,
    `insights-logs-<category>` for resource logs
    (https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/resource-logs#send-to-azure-storage)."""
    return name == LOG_CONTAINER or name.startswith(LOG_CONTAINER_PREFIX)


def policy_fields(policy: Mapping[str, Any] | None) -> dict[str, Any]:
    """The immutability fields of an ImmutabilityPolicyProperties (as a container carries it)
    or an ImmutabilityPolicy (as immutabilityPolicies/default answers): both hold the values
    under `properties`."""
    props: Mapping[str, Any] = (policy or {}).get("properties") or {}
    return {
        "immutability_state": _state(props.get("state")),
        "immutability_period_days": _int(props.get("immutabilityPeriodSinceCreationInDays")),
        "allow_protected_append_writes": (
            _bool(props.get("allowProtectedAppendWrites"), False) if props else None
        ),
        "allow_protected_append_writes_all": (
            _bool(props.get("allowProtectedAppendWritesAll"), False) if props else None
        ),
    }


def policy_is_complete(policy: Mapping[str, Any] | None) -> bool:
    """Whether a container's `immutabilityPolicy` says its state and period (else the policy is
    read with immutabilityPolicies/default)."""
    props = (policy or {}).get("properties") or {}
    return (
        props.get("state") is not None
        and props.get("immutabilityPeriodSinceCreationInDays") is not None
    )


def container_attrs(raw: Mapping[str, Any], account_id: str) -> dict[str, Any]:
    """The collected attributes of one ListContainerItem (REST JSON). Without an immutability
    policy (`hasImmutabilityPolicy` false) the policy fields are None; with one, they are read
    from the item's `immutabilityPolicy` (replaced by the caller when the item cannot say)."""
    props: Mapping[str, Any] = raw.get("properties") or {}
    name = str(raw["name"])
    has_policy = _bool(props.get("hasImmutabilityPolicy"), False)
    legal: Mapping[str, Any] = props.get("legalHold") or {}
    has_hold = _bool(props.get("hasLegalHold"), False)
    public = str(props.get("publicAccess") or "None")
    return {
        "arm_id": str(raw["id"]),
        "name": name,
        "account": canonical(account_id),
        # PublicAccess: Container, Blob or None; absent is None (private).
        "public_access": public if public in ("Blob", "Container") else "None",
        "has_immutability_policy": has_policy,
        "has_legal_hold": has_hold,
        "legal_hold_tags": legal_hold_tags(has_hold, legal),
        **(policy_fields(props.get("immutabilityPolicy")) if has_policy else policy_fields(None)),
        "version_level_immutability": _bool(
            (props.get("immutableStorageWithVersioning") or {}).get("enabled"), False
        ),
        "deleted": _bool(props.get("deleted"), False),
        "is_log_container": is_log_container(name),
    }


def _public_access(value: Any) -> Any:
    """publicNetworkAccess; SecuredByPerimeter leaves it to a network security perimeter whose
    rules are not read, so it is unknown (learn.microsoft.com/javascript/api/@azure/arm-storage/
    knownpublicnetworkaccess)."""
    if value == "SecuredByPerimeter":
        return Unknowable(
            "publicNetworkAccess is SecuredByPerimeter: a network security perimeter decides"
            " public access, and its rules are not read"
        )
    return value


def legal_hold_tags(has_hold: bool, legal: Mapping[str, Any]) -> list[str] | Unknowable:
    """The tags of a container's legal hold, sorted; [] without a hold. A hold whose tags the
    answer does not carry is reported as such (legal holds are reported, never judged)."""
    if not has_hold:
        return []
    if "tags" not in legal:
        return Unknowable("the container has a legal hold; the answer does not list its tags")
    return sorted(str(t.get("tag", "")) for t in legal["tags"] or [])


def soft_delete_days(blob_service: Mapping[str, Any]) -> int | None:
    """Blob soft-delete retention of a BlobServiceProperties (REST JSON): the days when
    `deleteRetentionPolicy.enabled`, else None."""
    policy = (blob_service.get("properties") or {}).get("deleteRetentionPolicy") or {}
    if not _bool(policy.get("enabled"), False):
        return None
    return _int(policy.get("days"))
