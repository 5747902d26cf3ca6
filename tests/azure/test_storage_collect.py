"""Storage accounts diagnostic settings write to, through the real clients against the fake:
the golden containers (two pages, the item's policy, immutabilityPolicies/default read only
where the item cannot say), blob soft delete, and every way a read fails: the container list
(403, a page that fails), one policy, the blob service, an account missing from its
subscription's list, and an account read by id outside the scan (200, 403, 404)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.model import Absent, Resource, Unknowable
from scanner.providers.azure import storage
from scanner.providers.azure.declare import Collected, Subscription, Tenancy
from tests.azure.stores_scan import (
    SUB1,
    SUB2,
    copy_tenant,
    errors,
    fault,
    gateway,
    golden,
    scan_tenant,
)

GROUP = f"/subscriptions/{SUB1}/resourceGroups/rg-audit"
ARCHIVE_ARM = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/lwauditarchive"
ARCHIVE = ARCHIVE_ARM.lower()
PROD = (
    f"/subscriptions/{SUB2}/resourcegroups/rg-prod/providers/microsoft.storage/"
    "storageaccounts/lwprodlogs"
)
CONTAINERS = f"{ARCHIVE_ARM}/blobServices/default/containers"
AUDITEVENT = f"{CONTAINERS}/insights-logs-auditevent"


def _container(got: Any, account: str, name: str) -> Resource:
    found = got.inventory.get(f"{account}/blobservices/default/containers/{name}")
    assert found is not None, name
    return found  # type: ignore[no-any-return]


def _collected(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if k not in ("arm_id", "effective_immutability")}


def test_the_golden_containers_over_two_pages() -> None:
    got, requests = golden()
    locked = _container(got, ARCHIVE, "insights-activity-logs")
    assert _collected(locked.attrs) == {
        "name": "insights-activity-logs",
        "account": ARCHIVE,
        "public_access": "None",
        "has_immutability_policy": True,
        "has_legal_hold": False,
        "legal_hold_tags": [],
        "immutability_state": "Locked",
        "immutability_period_days": 400,
        "allow_protected_append_writes": True,
        "allow_protected_append_writes_all": False,
        "version_level_immutability": False,
        "deleted": False,
        "is_log_container": True,
    }
    assert (locked.account, locked.region) == (SUB1, "westeurope")
    # Page 2's item says it has a policy but not which: its policy was read.
    unlocked = _container(got, ARCHIVE, "insights-logs-auditevent")
    assert (
        unlocked.attrs["immutability_state"],
        unlocked.attrs["immutability_period_days"],
        unlocked.attrs["allow_protected_append_writes"],
        unlocked.attrs["legal_hold_tags"],
    ) == ("Unlocked", 400, False, ["case2026"])
    assert [(e.operation, e.params["page"]) for e in unlocked.evidence] == [
        (storage.CONTAINERS.name, 2),
        (storage.POLICY.name, 1),
    ]
    exports = _container(got, ARCHIVE, "exports")
    assert (exports.attrs["is_log_container"], exports.attrs["immutability_state"]) == (False, None)
    none = _container(got, PROD, "insights-logs-auditevent")
    assert (none.attrs["has_immutability_policy"], none.attrs["immutability_state"]) == (
        False,
        None,
    )
    # One list (two pages, the link followed exactly) and one policy read in all.
    listed = [r for r in requests if r.path == CONTAINERS]
    assert [r.query for r in listed] == [
        {"api-version": storage.API_VERSION},
        {"api-version": storage.API_VERSION, "$maxpagesize": "2", "$skiptoken": "page2"},
    ]
    assert [r.path for r in requests if "immutabilityPolicies" in r.path] == [
        f"{AUDITEVENT}/immutabilityPolicies/default"
    ]


def test_the_accounts_settings_write_to_have_their_containers_and_soft_delete() -> None:
    got, _ = golden()
    archive = got.inventory.get(ARCHIVE)
    prod = got.inventory.get(PROD)
    assert archive is not None and prod is not None
    assert (archive.attrs["containers_read"], archive.attrs["blob_soft_delete_days"]) == (True, 30)
    assert (prod.attrs["containers_read"], prod.attrs["blob_soft_delete_days"]) == (True, None)
    assert [e.operation for e in archive.evidence][2:] == [
        storage.BLOB_SERVICE.name,
        storage.CONTAINERS.name,
        storage.CONTAINERS.name,
    ]
    # Linked both ways.
    assert sorted(archive.links["containers"].targets) == sorted(
        r.id for r in got.inventory.of_type(storage.CONTAINER) if r.attrs["account"] == ARCHIVE
    )


def test_an_account_no_setting_writes_to_is_not_detailed(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    listing = root / f"subscriptions/{SUB2}/providers/microsoft.storage/storageaccounts.json"
    data = json.loads(listing.read_text())
    other = json.loads(json.dumps(data["value"][0]).replace("lwprodlogs", "lwscratch"))
    data["value"].append(other)
    listing.write_text(json.dumps(data))
    got, requests = scan_tenant(root)
    scratch = got.inventory.get(PROD.replace("lwprodlogs", "lwscratch"))
    assert scratch is not None
    assert scratch.attrs["containers_read"] is False
    value = scratch.attrs["blob_soft_delete_days"]
    assert isinstance(value, Unknowable) and not value.error
    assert not [r for r in requests if "lwscratch/" in r.path]


def test_a_failed_container_list_is_an_error_never_an_empty_list() -> None:
    got, _ = scan_tenant(overrides=[fault(CONTAINERS, 403, "AuthorizationFailed")])
    archive = got.inventory.get(ARCHIVE)
    assert archive is not None
    value = archive.attrs["containers_read"]
    assert isinstance(value, Unknowable) and value.error
    assert "Microsoft.Storage/storageAccounts/blobServices/containers/read" in value.reason
    assert archive.attrs["blob_soft_delete_days"] == 30
    assert not [
        r for r in got.inventory.of_type(storage.CONTAINER) if r.attrs["account"] == ARCHIVE
    ]
    assert errors(got, lambda e: e.operation == storage.CONTAINERS.name) == [
        (SUB1, storage.CONTAINERS.name, "FORBIDDEN", (storage.CONTAINER,), ARCHIVE)
    ]
    # The other account's containers stand.
    assert _container(got, PROD, "insights-logs-auditevent").attrs["is_log_container"]


def test_a_second_page_that_fails_drops_the_whole_list() -> None:
    got, _ = scan_tenant(overrides=[fault(CONTAINERS, 500, "InternalServerError", "page2")])
    assert not [
        r for r in got.inventory.of_type(storage.CONTAINER) if r.attrs["account"] == ARCHIVE
    ]
    assert errors(got, lambda e: e.operation == storage.CONTAINERS.name) == [
        (SUB1, storage.CONTAINERS.name, "UNAVAILABLE", (storage.CONTAINER,), ARCHIVE)
    ]


def test_a_failed_policy_read_leaves_only_that_containers_policy_unknown() -> None:
    path = f"{AUDITEVENT}/immutabilityPolicies/default"
    got, _ = scan_tenant(overrides=[fault(path, 403, "AuthorizationFailed")])
    unlocked = _container(got, ARCHIVE, "insights-logs-auditevent")
    for attr in ("immutability_state", "immutability_period_days", "allow_protected_append_writes"):
        value = unlocked.attrs[attr]
        assert isinstance(value, Unknowable) and value.error, attr
        assert "immutabilityPolicies/read" in value.reason
    assert unlocked.attrs["has_immutability_policy"] is True
    assert (
        _container(got, ARCHIVE, "insights-activity-logs").attrs["immutability_state"] == "Locked"
    )
    assert errors(got, lambda e: e.operation == storage.POLICY.name) == [
        (SUB1, storage.POLICY.name, "FORBIDDEN", (), path)
    ]


def test_a_failed_blob_service_read_leaves_only_soft_delete_unknown() -> None:
    got, _ = scan_tenant(
        overrides=[fault(f"{ARCHIVE_ARM}/blobServices/default", 403, "AuthorizationFailed")]
    )
    archive = got.inventory.get(ARCHIVE)
    assert archive is not None
    value = archive.attrs["blob_soft_delete_days"]
    assert isinstance(value, Unknowable) and value.error
    assert archive.attrs["containers_read"] is True


def test_an_account_missing_from_its_subscriptions_list_is_absent(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    listing = root / f"subscriptions/{SUB2}/providers/microsoft.storage/storageaccounts.json"
    listing.write_text(json.dumps({"value": []}))
    got, requests = scan_tenant(root)
    gone = got.inventory.get(PROD)
    assert gone is not None and isinstance(gone.placeholder, Absent)
    assert "not among the storage accounts" in gone.placeholder.reason
    assert not [r for r in requests if "lwprodlogs/" in r.path]


def _outside(rid: str) -> tuple[Collected, Tenancy]:
    """Subscription 2 scanned, subscription 1 seen but not scanned, and a setting of 2 that
    writes to an account of 1."""
    tenancy = Tenancy(
        "11111111-1111-1111-1111-111111111111",
        {
            SUB2: Subscription(SUB2, state="Enabled", in_scan=True),
            SUB1: Subscription(SUB1, state="Enabled", in_scan=False),
        },
    )
    setting = Resource(
        provider="azure",
        account=SUB2,
        region="global",
        type=storage.DIAGNOSTIC_SETTING,
        id=f"/subscriptions/{SUB2}/providers/microsoft.insights/diagnosticsettings/activity-central",
        name="activity-central",
        attrs={"storage_account_id": rid},
    )
    return Collected([setting], {}, tenancy), tenancy


def _run_outside(root: Path | None = None, overrides: tuple[Any, ...] = ()) -> Any:
    collected, tenancy = _outside(ARCHIVE_ARM.upper())
    detailer = storage.SERVICE.detailers[0]
    [(_label, account, item)] = list(detailer.select(collected))
    assert (account, item[0]) == (SUB1, "get")
    with gateway(*(() if root is None else (root,))) as (api, fake):
        fake.overrides.extend(overrides)
        return detailer.run(api, tenancy, item), list(fake.requests)


def test_an_account_outside_the_scan_is_read_by_id_with_its_locks_and_containers() -> None:
    found, requests = _run_outside()
    account = found.resources[0]
    assert (account.id, account.account, account.region) == (ARCHIVE, SUB1, "westeurope")
    assert account.attrs["minimum_tls_version"] == "TLS1_2"
    assert account.attrs["locks"] == [
        {"name": "audit-no-delete", "level": "CanNotDelete", "scope": GROUP.lower()}
    ]
    assert (account.attrs["containers_read"], account.attrs["blob_soft_delete_days"]) == (True, 30)
    assert sorted(r.name for r in found.resources[1:]) == [
        "exports",
        "insights-activity-logs",
        "insights-logs-auditevent",
    ]
    # Read by the id the setting names (canonical: ARM ids are case-insensitive).
    assert [r.path for r in requests][:2] == [
        ARCHIVE,
        f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/locks",
    ]


def test_an_account_outside_the_scan_that_answers_403_keeps_every_attribute_an_error() -> None:
    found, requests = _run_outside(overrides=(fault(ARCHIVE_ARM, 403, "AuthorizationFailed"),))
    [account] = found.resources
    assert account.placeholder is None
    for attr in storage.ACCOUNT_ATTRS:
        value = account.attrs[attr]
        assert isinstance(value, Unknowable) and value.error, attr
    assert "Microsoft.Storage/storageAccounts/read" in account.attrs["locks"].reason
    assert len(requests) == 1
    # Its containers are an error too, never a silent nothing.
    assert [(e.operation, e.code, e.resource_types, e.resource_id) for e in found.errors] == [
        (storage.GET.name, "FORBIDDEN", (storage.CONTAINER,), ARCHIVE)
    ]


def test_an_account_outside_the_scan_that_does_not_exist_is_absent(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    (root / ARCHIVE.lstrip("/")).with_suffix(".json").unlink()
    found, _ = _run_outside(root)
    [account] = found.resources
    assert isinstance(account.placeholder, Absent)
    assert "answered 404" in account.placeholder.reason


def test_which_named_accounts_are_read_absent_or_left_to_the_linker() -> None:
    collected, _ = _outside(ARCHIVE_ARM)
    detailer = storage.SERVICE.detailers[0]
    # Seen and not scanned: read by id.
    assert [i[0] for _l, _a, i in detailer.select(collected)] == ["get"]
    # A disabled subscription is not read (the linker's unknown stands for the account, a
    # placeholder for its log containers) and never counts as listed.
    disabled = Tenancy(
        collected.tenancy.tenant_id,
        {**collected.tenancy.subscriptions, SUB1: Subscription(SUB1, state="Disabled")},
    )
    assert [
        i[0] for _l, _a, i in detailer.select(Collected(collected.resources, {}, disabled))
    ] == ["unseen"]
    # Not seen at all (golden lwextarchive): no call, a placeholder for its log containers.
    other = ARCHIVE_ARM.replace(SUB1, "99999999-0000-0000-0000-000000000009")
    unseen, _ = _outside(other)
    assert [i[0] for _l, _a, i in detailer.select(unseen)] == ["unseen"]
    # Scanned and listed without it: absent, no call.
    scanned = Tenancy(
        collected.tenancy.tenant_id, {SUB1: Subscription(SUB1, state="Enabled", in_scan=True)}
    )
    assert [i[0] for _l, _a, i in detailer.select(Collected(collected.resources, {}, scanned))] == [
        "absent"
    ]


def test_a_non_log_containers_unsaid_policy_is_unknown_without_a_call(tmp_path: Path) -> None:
    root = copy_tenant(tmp_path / "tenant")
    page = root / CONTAINERS.lower().lstrip("/")
    page = page.with_suffix(".json")
    data = json.loads(page.read_text())
    exports = next(c for c in data["value"] if c["name"] == "exports")
    exports["properties"]["hasImmutabilityPolicy"] = True
    page.write_text(json.dumps(data))
    got, requests = scan_tenant(root)
    attrs = _container(got, ARCHIVE, "exports").attrs
    value = attrs["immutability_state"]
    assert isinstance(value, Unknowable) and not value.error
    assert not [r for r in requests if "exports/" in r.path]


def test_an_account_whose_subscription_is_not_found_is_left_unknown() -> None:
    # 404 SubscriptionNotFound says nothing of the account: no absent placeholder (the linker's
    # unknown stands), no error; its log containers are one unknown placeholder naming it.
    found, requests = _run_outside(overrides=(fault(ARCHIVE_ARM, 404, "SubscriptionNotFound"),))
    assert (found.errors, len(requests)) == ([], 1)
    [containers] = found.resources
    value = containers.attrs["effective_immutability"]
    assert containers.type == "azure.storage.container" and containers.attrs["is_log_container"]
    assert isinstance(value, Unknowable) and not value.error
    assert ARCHIVE_ARM.lower() in value.reason.lower()


def test_scanning_one_subscription_reads_the_account_its_setting_names_in_another() -> None:
    from scanner.providers.azure.adapter import Request

    got, requests = scan_tenant(request=Request(subscriptions=(SUB2,)))
    archive = got.inventory.get(ARCHIVE)
    assert archive is not None and archive.placeholder is None
    assert archive.attrs["minimum_tls_version"] == "TLS1_2"
    assert archive.attrs["locks"][0]["name"] == "audit-no-delete"
    assert (
        _container(got, ARCHIVE, "insights-activity-logs").attrs["immutability_state"] == "Locked"
    )
    # Subscription 1 is not scanned: none of its lists are read, only what the setting names.
    assert not [
        r
        for r in requests
        if r.path.endswith(f"{SUB1}/providers/Microsoft.Storage/storageAccounts")
    ]


def test_an_account_in_a_subscription_the_credential_does_not_see_costs_no_call() -> None:
    got, requests = golden()
    ext = [r for r in got.inventory.of_type(storage.ACCOUNT) if r.account.startswith("9999")]
    assert len(ext) == 1 and isinstance(ext[0].placeholder, Unknowable)
    assert not ext[0].placeholder.error
    assert not [r for r in requests if "99999999" in r.path]
