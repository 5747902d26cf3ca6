"""Stage 1 of the store modules through the real azure-mgmt clients' pipelines, the gateway
and the collection loop against the fake ARM server: one list per scanned subscription for
accounts, workspaces, vaults and management locks, nextLink paging, a subscription that
answers 403, a resource provider that is not registered, a malformed item, and locks set on
every store of a subscription from its one lock list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.model import Absent, Unknowable
from scanner.providers.azure import keyvault, locks, loganalytics, storage
from tests.azure.stores_scan import (
    SUB1,
    SUB2,
    SUB3,
    SUB4,
    copy_tenant,
    errors,
    fault,
    golden,
    scan_tenant,
)

ARCHIVE = (
    f"/subscriptions/{SUB1}/resourcegroups/rg-audit/providers/microsoft.storage/"
    "storageaccounts/lwauditarchive"
)
PROD = (
    f"/subscriptions/{SUB2}/resourcegroups/rg-prod/providers/microsoft.storage/"
    "storageaccounts/lwprodlogs"
)
LAW = (
    f"/subscriptions/{SUB1}/resourcegroups/rg-audit/providers/microsoft.operationalinsights/"
    "workspaces/law-central"
)
KV = f"/subscriptions/{SUB2}/resourcegroups/rg-prod/providers/microsoft.keyvault/vaults/"
AUDIT_LOCK = {
    "name": "audit-no-delete",
    "level": "CanNotDelete",
    "scope": f"/subscriptions/{SUB1}/resourcegroups/rg-audit",
}


def test_every_store_of_the_scanned_subscriptions_in_one_list_each() -> None:
    got, requests = golden()
    inv = got.inventory
    listed = [r.id for r in inv.of_type(storage.ACCOUNT) if r.placeholder is None]
    assert sorted(listed) == sorted([ARCHIVE, PROD])
    assert [r.id for r in inv.of_type(loganalytics.WORKSPACE)] == [LAW]
    # kv-prod-2 is on the second page of subscription 2's vault list.
    assert sorted(r.name for r in inv.of_type(keyvault.VAULT)) == ["kv-prod", "kv-prod-2"]
    lists = {
        storage.LIST: "/providers/Microsoft.Storage/storageAccounts",
        loganalytics.LIST: "/providers/Microsoft.OperationalInsights/workspaces",
        keyvault.LIST: "/providers/Microsoft.KeyVault/vaults",
        locks.LIST: "/providers/Microsoft.Authorization/locks",
    }
    for op, tail in lists.items():
        sent = [r for r in requests if r.path.endswith(tail)]
        # One call per scanned subscription, plus the followed page of subscription 2's vaults.
        pages = 2 if op is keyvault.LIST else 1
        assert sorted(r.path for r in sent if "$skiptoken" not in r.query) == sorted(
            f"/subscriptions/{s}{tail}" for s in (SUB1, SUB2, SUB3, SUB4)
        )
        assert len([r for r in sent if r.path.startswith(f"/subscriptions/{SUB2}/")]) == pages
        assert all(r.method == "GET" for r in sent)
        first = [r for r in sent if "$skiptoken" not in r.query]
        assert {r.query["api-version"] for r in first} == {op.api_version}
    page2 = [r for r in requests if r.query.get("$skiptoken") == "page2" and "KeyVault" in r.path]
    assert page2 and page2[0].query["api-version"] == keyvault.API_VERSION


def test_the_golden_accounts() -> None:
    got, _ = golden()
    archive = got.inventory.get(ARCHIVE)
    assert archive is not None
    assert (archive.account, archive.region, archive.name) == (SUB1, "westeurope", "lwauditarchive")
    attrs = archive.attrs
    assert (
        attrs["allow_blob_public_access"],
        attrs["supports_https_traffic_only"],
        attrs["minimum_tls_version"],
        attrs["allow_shared_key_access"],
        attrs["network_default_action"],
        attrs["encryption_key_source"],
        attrs["key_vault_key_uri"],
        attrs["infrastructure_encryption"],
    ) == (
        False,
        True,
        "TLS1_2",
        False,
        "Deny",
        "Microsoft.Keyvault",
        "https://kv-audit-keys.vault.azure.net/keys/archive-cmk",
        True,
    )
    # The group's CanNotDelete lock applies; vnet-hub's ReadOnly lock does not.
    assert attrs["locks"] == [AUDIT_LOCK]
    assert [e.operation for e in archive.evidence][:2] == [storage.LIST.name, locks.LIST.name]
    prod = got.inventory.get(PROD)
    assert prod is not None
    assert (
        prod.attrs["allow_blob_public_access"],
        prod.attrs["minimum_tls_version"],
        prod.attrs["allow_shared_key_access"],
        prod.attrs["network_default_action"],
        prod.attrs["encryption_key_source"],
        prod.attrs["locks"],
    ) == (True, "TLS1_0", True, "Allow", "Microsoft.Storage", [])


def test_the_golden_workspace_and_vaults() -> None:
    got, _ = golden()
    law = got.inventory.get(LAW)
    assert law is not None and law.region == "westeurope"
    assert {k: v for k, v in law.attrs.items() if k != "arm_id"} == {
        "name": "law-central",
        "customer_id": "55555555-0000-0000-0000-000000000001",
        "location": "westeurope",
        "retention_days": 30,
        "sku": "PerGB2018",
        "public_network_access_for_ingestion": "Enabled",
        "public_network_access_for_query": "Enabled",
        "locks": [AUDIT_LOCK],
    }
    prod = got.inventory.get(f"{KV}kv-prod")
    second = got.inventory.get(f"{KV}kv-prod-2")
    assert prod is not None and second is not None
    assert (prod.attrs["purge_protection_enabled"], prod.attrs["public_network_access"]) == (
        True,
        "Enabled",
    )
    assert (second.attrs["purge_protection_enabled"], second.attrs["public_network_access"]) == (
        False,
        "Disabled",
    )
    assert second.evidence[0].params["page"] == 2


def test_a_subscription_that_answers_403_is_an_error_for_each_type() -> None:
    got, _ = golden()
    mine = {storage.LIST.name, loganalytics.LIST.name, keyvault.LIST.name, locks.LIST.name}
    assert sorted(errors(got, lambda e: e.account == SUB3 and e.operation in mine)) == sorted(
        [
            (SUB3, storage.LIST.name, "FORBIDDEN", (storage.ACCOUNT, storage.CONTAINER), None),
            (
                SUB3,
                loganalytics.LIST.name,
                "FORBIDDEN",
                (loganalytics.WORKSPACE, loganalytics.TABLE),
                None,
            ),
            (SUB3, keyvault.LIST.name, "FORBIDDEN", (keyvault.VAULT,), None),
            (
                SUB3,
                locks.LIST.name,
                "FORBIDDEN",
                (),
                f"/subscriptions/{SUB3}/providers/Microsoft.Authorization/locks",
            ),
        ]
    )
    denied = next(e for e in got.inventory.errors if e.operation == storage.LIST.name)
    assert "Microsoft.Storage/storageAccounts/read" in denied.message
    # The others are whole.
    assert not errors(got, lambda e: e.account in (SUB1, SUB2, SUB4))


def test_a_provider_that_is_not_registered_is_an_empty_list_and_a_note() -> None:
    got, _ = golden()
    assert not got.inventory.of_type(loganalytics.WORKSPACE, SUB4)
    assert any(
        f"Log Analytics workspaces of subscription {SUB4}: none" in n and "not registered" in n
        for n in got.facts.limits
    )
    path = f"/subscriptions/{SUB1}/providers/Microsoft.Storage/storageAccounts"
    got, _ = scan_tenant(overrides=[fault(path, 409, "MissingSubscriptionRegistration")])
    assert not errors(got, lambda e: e.account == SUB1)
    # No account there: the one a diagnostic setting names is absent, never unknown.
    [archive] = got.inventory.of_type(storage.ACCOUNT, SUB1)
    assert isinstance(archive.placeholder, Absent)
    assert any(f"storage accounts of subscription {SUB1}: none" in n for n in got.facts.limits)


def test_key_vault_provider_not_registered_is_no_vaults_and_a_note() -> None:
    path = f"/subscriptions/{SUB2}/providers/Microsoft.KeyVault/vaults"
    got, _ = scan_tenant(overrides=[fault(path, 409, "MissingSubscriptionRegistration")])
    assert not got.inventory.of_type(keyvault.VAULT, SUB2)
    assert not errors(got, lambda e: e.account == SUB2)
    assert any(f"key vaults of subscription {SUB2}: none" in n for n in got.facts.limits)


def test_a_failed_lock_list_leaves_only_locks_unknown(tmp_path: Path) -> None:
    path = f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/locks"
    got, _ = scan_tenant(overrides=[fault(path, 403, "AuthorizationFailed")])
    for rid in (ARCHIVE, LAW):
        store = got.inventory.get(rid)
        assert store is not None
        value = store.attrs["locks"]
        assert isinstance(value, Unknowable) and value.error, rid
        assert "Authorization/locks.listAtSubscriptionLevel" in value.reason
        assert "Microsoft.Authorization/locks/read" in value.reason
    archive = got.inventory.get(ARCHIVE)
    assert archive is not None and archive.attrs["minimum_tls_version"] == "TLS1_2"
    # Subscription 2's list stands.
    prod = got.inventory.get(PROD)
    assert prod is not None and prod.attrs["locks"] == []


def test_a_malformed_account_is_an_error_never_a_default(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    listing = root / f"subscriptions/{SUB2}/providers/microsoft.storage/storageaccounts.json"
    data = json.loads(listing.read_text())
    data["value"][0]["properties"]["allowBlobPublicAccess"] = "no"
    listing.write_text(json.dumps(data))
    got, _ = scan_tenant(root)
    # Only the linker's placeholder for the account a setting names, an error.
    [prod] = got.inventory.of_type(storage.ACCOUNT, SUB2)
    assert isinstance(prod.placeholder, Unknowable) and prod.placeholder.error
    assert errors(got, lambda e: e.account == SUB2 and e.operation == storage.LIST.name) == [
        (SUB2, storage.LIST.name, "MALFORMED_RESPONSE", (storage.ACCOUNT, storage.CONTAINER), None)
    ]


TESTLOCK = {"name": "testlock", "level": "ReadOnly"}


@pytest.mark.parametrize(
    ("lock_id", "placed", "limit"),
    [
        # The documented example's id names no scope: attributed to no store, named in the
        # limits, and every other lock of the list still placed.
        ("/providers/Microsoft.Authorization/locks/testlock", None, True),
        # Sibling: a lock on the subscription applies to every store of it.
        (f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/locks/testlock", SUB1, False),
        # Boundary: a lock on another group is placed and protects none of these stores.
        (
            f"/subscriptions/{SUB1}/resourceGroups/rg-other/providers/Microsoft.Authorization/"
            "locks/testlock",
            "",
            False,
        ),
    ],
)
def test_a_lock_without_a_scope_is_named_not_spread(
    tmp_path: Path, lock_id: str, placed: str | None, limit: bool
) -> None:
    root = copy_tenant(tmp_path / "tenant")
    listing = root / f"subscriptions/{SUB1}/providers/microsoft.authorization/locks.json"
    data = json.loads(listing.read_text())
    data["value"].append({"id": lock_id, "name": "testlock", "properties": {"level": "ReadOnly"}})
    listing.write_text(json.dumps(data))
    got, _ = scan_tenant(root)
    expected = [AUDIT_LOCK]
    if placed:
        expected = [{**TESTLOCK, "scope": f"/subscriptions/{placed}"}, AUDIT_LOCK]
    for rid in (ARCHIVE, LAW):
        store = got.inventory.get(rid)
        assert store is not None and store.attrs["locks"] == expected, rid
    named = [n for n in got.facts.limits if "management lock testlock" in n]
    assert bool(named) is limit
    if limit:
        assert SUB1 in named[0] and "attributed to no store" in named[0]
    assert not errors(got, lambda e: e.account == SUB1 and "locks" in e.operation)


def test_an_account_secured_by_a_perimeter_has_unknown_public_access(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    listing = root / f"subscriptions/{SUB2}/providers/microsoft.storage/storageaccounts.json"
    data = json.loads(listing.read_text())
    data["value"][0]["properties"]["publicNetworkAccess"] = "SecuredByPerimeter"
    listing.write_text(json.dumps(data))
    got, _ = scan_tenant(root)
    prod = got.inventory.get(PROD)
    assert prod is not None
    value = prod.attrs["public_network_access"]
    assert isinstance(value, Unknowable) and not value.error
    assert "SecuredByPerimeter" in value.reason
