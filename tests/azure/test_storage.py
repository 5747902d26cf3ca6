"""Storage accounts and blob containers: the contract's attributes from the documented REST
JSON, the documented defaults of absent properties (table tests: the case, its sibling, the
boundary), and which locks protect an account."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.model import Unknowable
from scanner.providers.azure import locks as mlocks
from scanner.providers.azure import storage_shapes as shapes

SUB = "22222222-0000-0000-0000-000000000001"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-audit"
ACCOUNT = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/lwauditarchive"


def _account(**props: Any) -> dict[str, Any]:
    return {"id": ACCOUNT, "name": "lwauditarchive", "location": "West Europe", "properties": props}


def test_an_account_that_says_nothing_gets_the_documented_defaults() -> None:
    attrs = shapes.account_attrs(_account())
    assert attrs == {
        "arm_id": ACCOUNT,
        "name": "lwauditarchive",
        "subscription_id": SUB,
        "resource_group": "rg-audit",
        "location": "West Europe",
        "kind": None,
        "sku": None,
        # Absent: anonymous access may be configured (Azure Policy 4fa4b6c0 counts it so).
        "allow_blob_public_access": True,
        # Default true since api-version 2019-04-01.
        "supports_https_traffic_only": True,
        # "The default interpretation is TLS 1.0".
        "minimum_tls_version": "TLS1_0",
        # "null, which is equivalent to true".
        "allow_shared_key_access": True,
        "public_network_access": None,
        "network_default_action": "Allow",
        "private_endpoints": 0,
        "encryption_key_source": "Microsoft.Storage",
        "key_vault_key_uri": None,
        "infrastructure_encryption": False,
        "account_immutability": {
            "enabled": False,
            "state": None,
            "period_days": None,
            "allow_protected_append_writes": None,
        },
    }


@pytest.mark.parametrize(
    ("props", "attr", "expected"),
    [
        ({"allowBlobPublicAccess": False}, "allow_blob_public_access", False),
        ({"allowBlobPublicAccess": True}, "allow_blob_public_access", True),
        ({"allowBlobPublicAccess": None}, "allow_blob_public_access", True),
        ({"supportsHttpsTrafficOnly": False}, "supports_https_traffic_only", False),
        ({"minimumTlsVersion": "TLS1_2"}, "minimum_tls_version", "TLS1_2"),
        ({"minimumTlsVersion": "TLS1_1"}, "minimum_tls_version", "TLS1_1"),
        ({"allowSharedKeyAccess": False}, "allow_shared_key_access", False),
        ({"allowSharedKeyAccess": None}, "allow_shared_key_access", True),
        ({"networkAcls": {"defaultAction": "Deny"}}, "network_default_action", "Deny"),
        ({"networkAcls": {"defaultAction": "Allow"}}, "network_default_action", "Allow"),
        ({"networkAcls": {"bypass": "AzureServices"}}, "network_default_action", "Allow"),
        (
            {"encryption": {"keySource": "Microsoft.KeyVault"}},
            "encryption_key_source",
            "Microsoft.Keyvault",
        ),
        (
            {"encryption": {"keySource": "Microsoft.Storage"}},
            "encryption_key_source",
            "Microsoft.Storage",
        ),
        (
            {"encryption": {"requireInfrastructureEncryption": True}},
            "infrastructure_encryption",
            True,
        ),
    ],
)
def test_documented_properties_and_their_defaults(
    props: dict[str, Any], attr: str, expected: Any
) -> None:
    assert shapes.account_attrs(_account(**props))[attr] == expected


def test_customer_managed_key_uri() -> None:
    kv = {"keyname": "archive-cmk", "keyvaulturi": "https://kv.vault.azure.net/"}
    enc = {"keySource": "Microsoft.Keyvault", "keyvaultproperties": kv}
    assert shapes.account_attrs(_account(encryption=enc))["key_vault_key_uri"] == (
        "https://kv.vault.azure.net/keys/archive-cmk"
    )
    pinned = {**kv, "keyversion": "0a1b"}
    enc = {"keySource": "Microsoft.Keyvault", "keyvaultproperties": pinned}
    assert shapes.account_attrs(_account(encryption=enc))["key_vault_key_uri"] == (
        "https://kv.vault.azure.net/keys/archive-cmk/0a1b"
    )


def test_only_approved_private_endpoints_count() -> None:
    def conn(status: str) -> dict[str, Any]:
        return {"properties": {"privateLinkServiceConnectionState": {"status": status}}}

    props = {"privateEndpointConnections": [conn("Approved"), conn("Pending"), conn("Rejected")]}
    assert shapes.account_attrs(_account(**props))["private_endpoints"] == 1


@pytest.mark.parametrize(
    ("worm", "expected"),
    [
        (
            None,
            {
                "enabled": False,
                "state": None,
                "period_days": None,
                "allow_protected_append_writes": None,
            },
        ),
        (
            {"enabled": False},
            {
                "enabled": False,
                "state": None,
                "period_days": None,
                "allow_protected_append_writes": None,
            },
        ),
        (
            {"enabled": True},
            {
                "enabled": True,
                "state": None,
                "period_days": None,
                "allow_protected_append_writes": None,
            },
        ),
        (
            {
                "enabled": True,
                "immutabilityPolicy": {
                    "immutabilityPeriodSinceCreationInDays": 365,
                    "state": "Locked",
                    "allowProtectedAppendWrites": True,
                },
            },
            {
                "enabled": True,
                "state": "Locked",
                "period_days": 365,
                "allow_protected_append_writes": True,
            },
        ),
        (
            {
                "enabled": True,
                "immutabilityPolicy": {
                    "immutabilityPeriodSinceCreationInDays": 7,
                    "state": "unlocked",
                },
            },
            {
                "enabled": True,
                "state": "Unlocked",
                "period_days": 7,
                "allow_protected_append_writes": False,
            },
        ),
    ],
)
def test_account_level_version_immutability(worm: Any, expected: dict[str, Any]) -> None:
    props = {} if worm is None else {"immutableStorageWithVersioning": worm}
    assert shapes.account_attrs(_account(**props))["account_immutability"] == expected


def test_a_malformed_property_is_an_error_not_a_default() -> None:
    with pytest.raises(ValueError, match="boolean"):
        shapes.account_attrs(_account(allowBlobPublicAccess="no"))
    with pytest.raises(KeyError):
        shapes.account_attrs({"name": "x"})


def _container(name: str, **props: Any) -> dict[str, Any]:
    return {
        "id": f"{ACCOUNT}/blobServices/default/containers/{name}",
        "name": name,
        "properties": props,
    }


def test_a_container_with_a_locked_policy_and_a_legal_hold() -> None:
    policy = {
        "etag": '"8d"',
        "properties": {
            "immutabilityPeriodSinceCreationInDays": 400,
            "state": "Locked",
            "allowProtectedAppendWrites": True,
        },
    }
    hold = {"hasLegalHold": True, "tags": [{"tag": "case2"}, {"tag": "case1"}]}
    raw = _container(
        "insights-activity-logs",
        hasImmutabilityPolicy=True,
        immutabilityPolicy=policy,
        hasLegalHold=True,
        legalHold=hold,
        publicAccess="None",
    )
    assert shapes.container_attrs(raw, ACCOUNT) == {
        "arm_id": f"{ACCOUNT}/blobServices/default/containers/insights-activity-logs",
        "name": "insights-activity-logs",
        "account": ACCOUNT.lower(),
        "public_access": "None",
        "has_immutability_policy": True,
        "has_legal_hold": True,
        "legal_hold_tags": ["case1", "case2"],
        "immutability_state": "Locked",
        "immutability_period_days": 400,
        "allow_protected_append_writes": True,
        "allow_protected_append_writes_all": False,
        "version_level_immutability": False,
        "deleted": False,
        "is_log_container": True,
    }
    assert shapes.policy_is_complete(policy)


def test_a_container_without_a_policy_has_none_whatever_the_item_carries() -> None:
    # A deleted (unlocked) policy answers with period 0: hasImmutabilityPolicy says there is none.
    stale = {"properties": {"immutabilityPeriodSinceCreationInDays": 0, "state": "Unlocked"}}
    raw = _container(
        "insights-logs-auditevent", hasImmutabilityPolicy=False, immutabilityPolicy=stale
    )
    attrs = shapes.container_attrs(raw, ACCOUNT)
    assert (attrs["immutability_state"], attrs["immutability_period_days"]) == (None, None)
    assert attrs["legal_hold_tags"] == []
    assert attrs["public_access"] == "None"


def test_a_policy_the_item_does_not_carry_is_incomplete() -> None:
    assert not shapes.policy_is_complete(None)
    assert not shapes.policy_is_complete({"etag": '"1"'})
    assert not shapes.policy_is_complete({"properties": {"state": "Locked"}})


def test_a_legal_hold_whose_tags_are_not_listed_is_reported_as_such() -> None:
    raw = _container("x", hasLegalHold=True)
    tags = shapes.container_attrs(raw, ACCOUNT)["legal_hold_tags"]
    assert isinstance(tags, Unknowable) and not tags.error


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("insights-activity-logs", True),
        ("insights-logs-auditevent", True),
        ("insights-logs-", True),
        ("insights-activity-logs-old", False),
        ("insights-metrics-pt1m", False),
        ("exports", False),
    ],
)
def test_log_containers(name: str, expected: bool) -> None:
    assert shapes.is_log_container(name) is expected


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"enabled": True, "days": 7}, 7),
        ({"enabled": False, "days": 7}, None),
        ({}, None),
    ],
)
def test_blob_soft_delete(policy: dict[str, Any], expected: int | None) -> None:
    assert shapes.soft_delete_days({"properties": {"deleteRetentionPolicy": policy}}) == expected


def _lock(scope: str, name: str, level: str = "CanNotDelete") -> dict[str, Any]:
    return mlocks.lock(
        {
            "id": f"{scope}/providers/Microsoft.Authorization/locks/{name}",
            "name": name,
            "properties": {"level": level},
        }
    )


def test_locks_on_the_account_its_group_and_its_subscription_apply() -> None:
    locks = [
        _lock(f"/subscriptions/{SUB}", "sub", "ReadOnly"),
        _lock(f"/subscriptions/{SUB}/resourceGroups/rg-audit", "group"),
        _lock(ACCOUNT, "account"),
        # Siblings that must not count: another group whose name starts the same, another
        # account, a container below the account (it protects the container, not the account).
        _lock(f"/subscriptions/{SUB}/resourceGroups/rg-audit-old", "other-group"),
        _lock(f"{ACCOUNT}2", "other-account"),
        _lock(f"{ACCOUNT}/blobServices/default/containers/c", "container"),
    ]
    got = mlocks.applying(locks, ACCOUNT.upper())
    assert [(lk["name"], lk["level"]) for lk in got] == [
        ("sub", "ReadOnly"),
        ("group", "CanNotDelete"),
        ("account", "CanNotDelete"),
    ]
    assert got[1]["scope"] == f"/subscriptions/{SUB}/resourcegroups/rg-audit"


def test_a_lock_level_is_spelled_as_documented_and_a_bad_id_is_malformed() -> None:
    assert _lock(ACCOUNT, "a", "cannotdelete")["level"] == "CanNotDelete"
    with pytest.raises(ValueError, match="locks"):
        mlocks.lock({"id": ACCOUNT, "properties": {"level": "ReadOnly"}})
