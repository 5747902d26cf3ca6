"""Azure derived attributes through the core linker and the derivers: what a subscription's
and the tenant's diagnostic settings send, and who can tamper with a subscription's logs."""

from __future__ import annotations

from typing import Any

from scanner.inventory import Inventory
from scanner.link import Declared, resolve
from scanner.model import CollectionError, Resource, Unknowable
from scanner.providers.azure.analysis.categories import ACTIVITY
from scanner.providers.azure.derive import DERIVERS
from scanner.providers.azure.links import JOINS, LINKS, live_gaps, live_refs

S1 = "22222222-0000-0000-0000-000000000001"
S2 = "22222222-0000-0000-0000-000000000002"
FAR = "99999999-0000-0000-0000-000000000009"
MG = "/providers/microsoft.management/managementgroups/"
AUDIT = f"/subscriptions/{S1}/resourcegroups/rg-audit/providers/"
ARCHIVE = AUDIT + "microsoft.storage/storageaccounts/lwauditarchive"
LAW = AUDIT + "microsoft.operationalinsights/workspaces/law-central"
EXT = f"/subscriptions/{FAR}/resourcegroups/rg/providers/microsoft.storage/storageaccounts/"
ROLES = "/providers/microsoft.authorization/roledefinitions/"
OWNER = ROLES + "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = ROLES + "43d0d8ad-25c7-4714-9337-8ba259a9fe05"
JANITOR = ROLES + "cccccccc-0000-0000-0000-00000000000c"
BLOB_OWNER = ROLES + "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"


def res(rtype: str, rid: str, account: str, attrs: dict[str, Any]) -> Resource:
    return Resource("azure", account, "westeurope", rtype, rid, rid.rsplit("/", 1)[-1], attrs)


def sub(sid: str, groups: list[str], in_scan: bool = True) -> Resource:
    attrs = {"in_scan": in_scan, "management_groups": [MG + g for g in groups]}
    return res("azure.subscription", f"/subscriptions/{sid}", sid, attrs)


def setting(
    name: str, target: str, account: str, logs: list[dict[str, Any]], **dest: Any
) -> Resource:
    attrs = {
        "target": target,
        "target_type": "tenant" if target.startswith("/tenants/") else "subscription",
        "logs": logs,
        "storage_account_id": None,
        "workspace_id": None,
        "event_hub_authorization_rule_id": None,
        "marketplace_partner_id": None,
        "has_destination": bool(dest),
        **dest,
    }
    return res(
        "azure.monitor.diagnostic_setting",
        f"{target}/providers/microsoft.insights/diagnosticsettings/{name}",
        account,
        attrs,
    )


def log(
    category: str | None = None, group: str | None = None, enabled: bool = True
) -> dict[str, Any]:
    return {
        "category": category,
        "category_group": group,
        "enabled": enabled,
        "retention_days": None,
    }


def role(
    rid: str,
    name: str,
    actions: list[str],
    data: list[str] | None = None,
    not_actions: list[str] | None = None,
) -> Resource:
    block = {
        "actions": actions,
        "not_actions": not_actions or [],
        "data_actions": data or [],
        "not_data_actions": [],
    }
    return res(
        "azure.authorization.role_definition", rid, S1, {"role_name": name, "permissions": [block]}
    )


def assign(
    name: str, principal: str, role_id: str, scope: str, account: str, **more: Any
) -> Resource:
    attrs = {
        "principal_id": principal,
        "principal_type": "User",
        "role_definition_id": role_id,
        "scope": scope,
        "condition": None,
        **more,
    }
    return res(
        "azure.authorization.role_assignment",
        f"{scope}/providers/microsoft.authorization/roleassignments/{name}",
        account,
        attrs,
    )


def derived(*resources: Resource, errors: tuple[CollectionError, ...] = ()) -> Inventory:
    inv = Inventory()
    inv.extend(resources)
    for e in errors:
        inv.add_error(e)
    return resolve(inv, live_refs(inv), Declared(LINKS, JOINS, DERIVERS), live_gaps(inv))


def attr(inv: Inventory, rid: str, name: str) -> Any:
    found = inv.get(rid)
    assert found is not None
    return found.attrs[name]


def test_activity_categories_union_settings_with_a_destination() -> None:
    inv = derived(
        sub(S1, []),
        sub(S2, []),
        res("azure.storage.account", ARCHIVE, S1, {}),
        setting(
            "all", f"/subscriptions/{S1}", S1, [log(group="allLogs")], storage_account_id=ARCHIVE
        ),
        setting(
            "a",
            f"/subscriptions/{S2}",
            S2,
            [log("Administrative"), log("ServiceHealth", enabled=False)],
            storage_account_id=ARCHIVE,
        ),
        setting(
            "b",
            f"/subscriptions/{S2}",
            S2,
            [log("Security")],
            workspace_id=LAW.replace("law-central", "gone"),
        ),
        setting("nowhere", f"/subscriptions/{S2}", S2, [log("Policy")]),
    )
    assert attr(inv, f"/subscriptions/{S1}", "activity_log_categories") == sorted(ACTIVITY)
    # "b" writes to a workspace that does not exist, "nowhere" has no destination: neither counts.
    assert attr(inv, f"/subscriptions/{S2}", "activity_log_categories") == ["Administrative"]


def test_a_destination_outside_the_scan_still_counts_as_a_destination() -> None:
    far = EXT + "lwextarchive"
    inv = derived(
        sub(S2, []),
        setting("x", f"/subscriptions/{S2}", S2, [log("Administrative")], storage_account_id=far),
    )
    assert attr(inv, f"/subscriptions/{S2}", "activity_log_categories") == ["Administrative"]


def test_a_destination_known_only_after_apply_leaves_only_its_own_categories_unknown() -> None:
    later = Unknowable("storage_account_id is known after apply")
    inv = derived(
        sub(S2, []),
        res("azure.storage.account", ARCHIVE, S1, {}),
        setting(
            "known", f"/subscriptions/{S2}", S2, [log("Administrative")], storage_account_id=ARCHIVE
        ),
        setting("planned", f"/subscriptions/{S2}", S2, [log("Security")], storage_account_id=later),
    )
    found = attr(inv, f"/subscriptions/{S2}", "activity_log_categories")
    assert found[0] == "Administrative" and isinstance(found[1], Unknowable)
    assert "planned" in found[1].reason and "after apply" in found[1].reason


def test_a_failed_listing_makes_the_categories_an_error() -> None:
    failed = CollectionError(
        "azure",
        S2,
        "global",
        "Insights/diagnosticSettings.list",
        "FORBIDDEN",
        "AuthorizationFailed",
        ("azure.monitor.diagnostic_setting",),
    )
    inv = derived(sub(S2, []), errors=(failed,))
    found = attr(inv, f"/subscriptions/{S2}", "activity_log_categories")
    assert isinstance(found, Unknowable) and found.error and "AuthorizationFailed" in found.reason


def test_entra_categories_count_retained_destinations_only() -> None:
    tenant = res("azure.tenant", "/tenants/t1", "t1", {"entra_diagnostic_settings_read": True})
    hub = "/subscriptions/s/resourcegroups/r/providers/microsoft.eventhub/namespaces/n"
    inv = derived(
        tenant,
        res("azure.loganalytics.workspace", LAW, S1, {}),
        setting(
            "to-law", "/tenants/t1", "t1", [log("AuditLogs"), log("SignInLogs")], workspace_id=LAW
        ),
        setting(
            "to-hub",
            "/tenants/t1",
            "t1",
            [log("MicrosoftGraphActivityLogs")],
            event_hub_authorization_rule_id=hub,
        ),
    )
    assert attr(inv, "/tenants/t1", "entra_categories") == ["AuditLogs", "SignInLogs"]


def test_entra_settings_that_could_not_be_read_are_an_error_naming_the_permission() -> None:
    inv = derived(
        res("azure.tenant", "/tenants/t1", "t1", {"entra_diagnostic_settings_read": False})
    )
    found = attr(inv, "/tenants/t1", "entra_categories")
    assert isinstance(found, Unknowable) and found.error
    assert "microsoft.aadiam/diagnosticSettings/read" in found.reason


def _tamper_estate(
    *extra: Resource, errors: tuple[CollectionError, ...] = (), s2: Resource | None = None
) -> Inventory:
    return derived(
        sub(S1, ["mg-platform", "11111111-1111-1111-1111-111111111111"]),
        s2 or sub(S2, ["mg-workloads", "11111111-1111-1111-1111-111111111111"]),
        res("azure.storage.account", ARCHIVE, S1, {}),
        setting(
            "activity-central",
            f"/subscriptions/{S2}",
            S2,
            [log(group="allLogs")],
            storage_account_id=ARCHIVE,
        ),
        role(OWNER, "Owner", ["*"]),
        role(READER, "Monitoring Reader", ["*/read"]),
        role(JANITOR, "Log Janitor", ["Microsoft.Insights/diagnosticSettings/*"]),
        role(
            BLOB_OWNER,
            "Storage Blob Data Owner",
            ["Microsoft.Storage/storageAccounts/blobServices/containers/*"],
            ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
        ),
        assign("a1", "secops", OWNER, MG + "mg-platform", "managementGroups/mg-platform"),
        assign("a2", "reader-sp", READER, f"/subscriptions/{S1}", S1),
        assign(
            "a3",
            "ops",
            JANITOR.replace("/providers", f"/subscriptions/{S2}/providers"),
            f"/subscriptions/{S2}",
            S2,
        ),
        *extra,
        errors=errors,
    )


def _rows(inv: Inventory, sid: str = S2) -> dict[str, dict[str, Any]]:
    rows = attr(inv, f"/subscriptions/{sid}", "tamper_principals")
    assert isinstance(rows, list)
    return {r["principal_id"]: r for r in rows if isinstance(r, dict)}


def test_who_can_tamper_with_a_subscription_and_the_store_in_another_subscription() -> None:
    rows = _rows(_tamper_estate())
    # A custom role with a wildcard on diagnostic settings, at the subscription itself.
    assert rows["ops"]["actions"] == [
        "Microsoft.Insights/diagnosticSettings/delete",
        "Microsoft.Insights/diagnosticSettings/write",
    ]
    assert rows["ops"]["role"] == "Log Janitor" and rows["ops"]["scope_type"] == "subscription"
    # Owner at the management group above the archive's subscription reaches the archive only.
    assert (
        rows["secops"]["targets"] == [ARCHIVE]
        and rows["secops"]["scope_type"] == "management_group"
    )
    assert "Microsoft.Storage/storageAccounts/delete" in rows["secops"]["actions"]
    assert "Microsoft.Insights/diagnosticSettings/write" not in rows["secops"]["actions"]
    # Reading is not tampering.
    assert "reader-sp" not in rows


def test_a_data_role_on_the_account_and_a_pim_eligible_conditional_one() -> None:
    extra = (
        assign(
            "a4", "blob-deleter", BLOB_OWNER, ARCHIVE, S1, condition="@Resource[x] StringEquals 'y'"
        ),
        res(
            "azure.authorization.role_eligibility",
            "/e1",
            S1,
            {
                "principal_id": "on-call",
                "principal_type": "Group",
                "role_definition_id": OWNER,
                "scope": f"/subscriptions/{S1}/resourcegroups/rg-audit",
                "condition": None,
            },
        ),
    )
    rows = _rows(_tamper_estate(*extra))
    deleter = rows["blob-deleter"]
    assert (
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"
        in deleter["actions"]
    )
    assert deleter["conditional"] is True and deleter["eligible"] is False
    assert rows["on-call"]["eligible"] is True and rows["on-call"]["scope_type"] == "resource_group"


def test_assignments_below_a_store_reach_what_they_can_do_there() -> None:
    container = ARCHIVE + "/blobservices/default/containers/insights-activity-logs"
    other = ARCHIVE.replace("lwauditarchive", "appdata")
    extra = (
        assign("c1", "container-admin", BLOB_OWNER, container, S1),
        assign("c2", "other-account", BLOB_OWNER, other, S1),
        assign("c3", "rg-diag", JANITOR, f"/subscriptions/{S2}/resourcegroups/rg-prod", S2),
    )
    rows = _rows(_tamper_estate(*extra))
    assert rows["container-admin"]["targets"] == [ARCHIVE]
    # The test role's containers/* covers the container's immutability policy too.
    assert rows["container-admin"]["actions"] == [
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
        "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
        "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/delete",
        "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/write",
    ]
    # Another account, and diagnostic settings of a resource group, touch none of the logs.
    assert "other-account" not in rows and "rg-diag" not in rows


def test_a_role_definition_that_was_not_collected_makes_its_row_unknown() -> None:
    rows = attr(
        _tamper_estate(
            assign(
                "a5",
                "who",
                ROLES + "ffffffff-0000-0000-0000-000000000000",
                f"/subscriptions/{S2}",
                S2,
            )
        ),
        f"/subscriptions/{S2}",
        "tamper_principals",
    )
    unknown = [r for r in rows if isinstance(r, Unknowable)]
    assert len(unknown) == 1 and "was not collected" in unknown[0].reason and not unknown[0].error


def test_failed_assignment_listing_is_an_error_and_a_store_outside_the_scan_unknown() -> None:
    failed = CollectionError(
        "azure",
        S2,
        "global",
        "Authorization/roleAssignments.list",
        "FORBIDDEN",
        "AuthorizationFailed",
        ("azure.authorization.role_assignment",),
    )
    found = attr(_tamper_estate(errors=(failed,)), f"/subscriptions/{S2}", "tamper_principals")
    assert isinstance(found, Unknowable) and found.error
    far = EXT + "lwextarchive"
    inv = _tamper_estate(
        setting(
            "to-ext", f"/subscriptions/{S1}", S1, [log("Administrative")], storage_account_id=far
        )
    )
    rows = attr(inv, f"/subscriptions/{S1}", "tamper_principals")
    unknown = [r for r in rows if isinstance(r, Unknowable)]
    assert unknown and FAR in unknown[0].reason and "outside the scan" in unknown[0].reason


def test_deny_assignments_are_reported_and_pim_limits_named() -> None:
    deny = res(
        "azure.authorization.deny_assignment",
        "/d1",
        S1,
        {
            "scope": f"/subscriptions/{S1}",
            "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
            "exclude_principals": [],
            "permissions": [
                {
                    "actions": ["Microsoft.Storage/storageAccounts/delete"],
                    "not_actions": [],
                    "data_actions": [],
                    "not_data_actions": [],
                }
            ],
        },
    )
    s2 = sub(S2, ["mg-workloads"])
    s2.attrs["role_eligibility_limit"] = (
        "roleEligibilityScheduleInstances answered 403 (needs "
        "Microsoft.Authorization/roleEligibilityScheduleInstances/read)"
    )
    inv = _tamper_estate(deny, s2=s2)
    denials = attr(inv, f"/subscriptions/{S2}", "deny_assignments")
    assert [d["actions"] for d in denials] == [["Microsoft.Storage/storageAccounts/delete"]]
    limits = attr(inv, f"/subscriptions/{S2}", "limits")
    assert any("PIM-eligible" in x and "403" in x for x in limits)
    assert not any("PIM-eligible" in x for x in attr(inv, f"/subscriptions/{S1}", "limits"))


def test_no_role_data_at_all_leaves_tamper_uncollected() -> None:
    inv = derived(sub(S2, []))
    found = inv.get(f"/subscriptions/{S2}")
    assert found is not None and "tamper_principals" not in found.attrs
