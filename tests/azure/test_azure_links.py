"""Azure links through the core linker: diagnostic-setting destinations followed by id across
subscriptions (found, absent, outside the scan, behind a failed read), the setting's target,
containers and tables, alerts' scopes and action groups, flow logs' targets."""

from __future__ import annotations

from typing import Any

from scanner.inventory import Inventory
from scanner.link import Declared, resolve
from scanner.model import Absent, CollectionError, Resource, Unknowable
from scanner.providers.azure.links import JOINS, LINKS, live_gaps, live_refs

S1 = "22222222-0000-0000-0000-000000000001"
S2 = "22222222-0000-0000-0000-000000000002"
FAR = "99999999-0000-0000-0000-000000000009"
AUDIT = f"/subscriptions/{S1}/resourcegroups/rg-audit/providers/"
ARCHIVE = AUDIT + "microsoft.storage/storageaccounts/lwauditarchive"
LAW = AUDIT + "microsoft.operationalinsights/workspaces/law-central"
EXT = f"/subscriptions/{FAR}/resourcegroups/rg/providers/microsoft.storage/storageaccounts/"
DIAG = "azure.monitor.diagnostic_setting"


def res(rtype: str, rid: str, account: str, attrs: dict[str, Any]) -> Resource:
    return Resource("azure", account, "westeurope", rtype, rid, rid.rsplit("/", 1)[-1], attrs)


def sub(sid: str, in_scan: bool = True) -> Resource:
    return res("azure.subscription", f"/subscriptions/{sid}", sid, {"in_scan": in_scan})


def setting(name: str, target: str, account: str, **dest: Any) -> Resource:
    attrs = {"target": target, "storage_account_id": None, "workspace_id": None, **dest}
    return res(
        DIAG, f"{target}/providers/microsoft.insights/diagnosticsettings/{name}", account, attrs
    )


def error(
    account: str, types: tuple[str, ...], code: str = "FORBIDDEN", rid: str | None = None
) -> CollectionError:
    return CollectionError(
        "azure",
        account,
        "global",
        "Storage/storageAccounts.list",
        code,
        "AuthorizationFailed",
        types,
        rid,
    )


def linked(*resources: Resource, errors: tuple[CollectionError, ...] = ()) -> Inventory:
    inv = Inventory()
    inv.extend([sub(S1), sub(S2), *resources])
    for e in errors:
        inv.add_error(e)
    return resolve(inv, live_refs(inv), Declared(LINKS, JOINS), live_gaps(inv))


def test_a_destination_in_another_scanned_subscription_is_followed_by_id_in_any_case() -> None:
    typed = ARCHIVE.replace("storageaccounts", "storageAccounts").replace("rg-audit", "RG-Audit")
    inv = linked(
        res("azure.storage.account", ARCHIVE, S1, {}),
        setting("activity-central", f"/subscriptions/{S2}", S2, storage_account_id=typed),
    )
    ds = inv.get(
        f"/subscriptions/{S2}/providers/microsoft.insights/diagnosticsettings/activity-central"
    )
    assert ds is not None and ds.links["storage_account_id"].targets == (ARCHIVE,)
    account = inv.get(ARCHIVE)
    assert account is not None and account.links["diagnostic_settings"].targets == (ds.id,)
    subscription = inv.get(f"/subscriptions/{S2}")
    assert subscription is not None and subscription.links["diagnostic_settings"].targets == (
        ds.id,
    )


def test_a_destination_outside_the_scan_is_unknown_with_its_id_never_silent() -> None:
    far = EXT.replace("resourcegroups", "resourceGroups") + "LWExtArchive"
    inv = linked(setting("to-ext", f"/subscriptions/{S2}", S2, storage_account_id=far))
    placeholder = inv.get(far.lower())
    assert placeholder is not None and isinstance(placeholder.placeholder, Unknowable)
    assert not placeholder.placeholder.error
    assert (
        FAR in placeholder.placeholder.reason
        and "outside the scan" in placeholder.placeholder.reason
    )
    assert placeholder.account == FAR


def test_a_destination_missing_from_a_listing_that_succeeded_is_absent() -> None:
    gone = ARCHIVE.replace("lwauditarchive", "gone")
    inv = linked(setting("s", f"/subscriptions/{S2}", S2, storage_account_id=gone))
    found = inv.get(gone)
    assert found is not None and isinstance(found.placeholder, Absent)


def test_a_destination_whose_listing_failed_is_an_error() -> None:
    gone = ARCHIVE.replace("lwauditarchive", "gone")
    inv = linked(
        setting("s", f"/subscriptions/{S2}", S2, storage_account_id=gone),
        errors=(error(S1, ("azure.storage.account",)),),
    )
    found = inv.get(gone)
    assert found is not None and isinstance(found.placeholder, Unknowable)
    assert found.placeholder.error and "AuthorizationFailed" in found.placeholder.reason


def test_a_read_by_id_that_answered_404_or_403() -> None:
    far = f"/subscriptions/{FAR}/resourcegroups/rg/providers/microsoft.storage/storageaccounts/"
    inv = linked(
        setting("a", f"/subscriptions/{S2}", S2, storage_account_id=far + "deleted"),
        setting("b", f"/subscriptions/{S1}", S1, storage_account_id=far + "denied"),
        errors=(
            error(FAR, ("azure.storage.account",), "NOT_FOUND", far + "deleted"),
            error(FAR, ("azure.storage.account",), "FORBIDDEN", far + "denied"),
        ),
    )
    deleted, denied = inv.get(far + "deleted"), inv.get(far + "denied")
    assert deleted is not None and isinstance(deleted.placeholder, Absent)
    assert denied is not None and isinstance(denied.placeholder, Unknowable)
    assert denied.placeholder.error


def test_a_404_that_names_the_subscription_says_nothing_of_the_account() -> None:
    far = EXT + "lost"
    gone = CollectionError(
        "azure",
        FAR,
        "global",
        "Storage/storageAccounts.get",
        "NOT_FOUND",
        "SubscriptionNotFound: The subscription could not be found.",
        ("azure.storage.account",),
        far,
    )
    inv = linked(setting("a", f"/subscriptions/{S2}", S2, storage_account_id=far), errors=(gone,))
    found = inv.get(far)
    assert found is not None and isinstance(found.placeholder, Unknowable)
    assert not found.placeholder.error and "outside the scan" in found.placeholder.reason


def test_targets_tenant_and_key_vault_get_their_settings() -> None:
    vault = (
        f"/subscriptions/{S2}/resourcegroups/rg-prod/providers/microsoft.keyvault/vaults/kv-prod"
    )
    tenant = res("azure.tenant", "/tenants/t1", "t1", {})
    inv = linked(
        tenant,
        res("azure.keyvault.vault", vault, S2, {}),
        res("azure.loganalytics.workspace", LAW, S1, {}),
        setting("entra-to-law", "/tenants/t1", "t1", workspace_id=LAW),
        setting("kv-audit", vault.replace("vaults", "Vaults"), S2),
    )
    assert inv.get("/tenants/t1").links["diagnostic_settings"].targets == (  # type: ignore[union-attr]
        "/tenants/t1/providers/microsoft.insights/diagnosticsettings/entra-to-law",
    )
    kv = inv.get(vault)
    assert kv is not None and len(kv.links["diagnostic_settings"].targets) == 1
    law = inv.get(LAW)
    assert law is not None and len(law.links["diagnostic_settings"].targets) == 1


def test_a_failed_listing_of_the_subscription_settings_leaves_its_link_in_error() -> None:
    inv = linked(
        errors=(
            CollectionError(
                "azure",
                S2,
                "global",
                "Insights/diagnosticSettings.list",
                "FORBIDDEN",
                "denied",
                (DIAG,),
            ),
        )
    )
    link = inv.get(f"/subscriptions/{S2}").links["diagnostic_settings"]  # type: ignore[union-attr]
    assert link.targets == () and link.unresolved is not None and link.unresolved.error
    other = inv.get(f"/subscriptions/{S1}").links["diagnostic_settings"]  # type: ignore[union-attr]
    assert other.unresolved is None


def test_alert_scopes_link_only_the_subscription_itself_and_a_missing_action_group_is_absent() -> (
    None
):
    ag = f"/subscriptions/{S1}/resourcegroups/rg-audit/providers/microsoft.insights/actiongroups/"
    alert = res(
        "azure.monitor.activity_log_alert",
        f"/subscriptions/{S1}/resourcegroups/rg-audit/providers/microsoft.insights/activitylogalerts/a",
        S1,
        {
            "scopes": [f"/subscriptions/{S1}", f"/subscriptions/{S2}/resourceGroups/rg-prod"],
            "action_groups": [ag + "ag-secops", ag + "gone"],
        },
    )
    inv = linked(alert, res("azure.monitor.action_group", ag + "ag-secops", S1, {}))
    assert inv.get(f"/subscriptions/{S1}").links["activity_log_alerts"].targets == (alert.id,)  # type: ignore[union-attr]
    assert inv.get(f"/subscriptions/{S2}").links["activity_log_alerts"].targets == ()  # type: ignore[union-attr]
    gone = inv.get(ag + "gone")
    assert gone is not None and isinstance(gone.placeholder, Absent)


def test_a_vnet_flow_log_links_its_vnet_a_subnet_flow_log_does_not() -> None:
    net = f"/subscriptions/{S1}/resourcegroups/rg-net/providers/microsoft.network/"
    vnet = net + "virtualnetworks/vnet-hub"
    watcher = net + "networkwatchers/nw"
    inv = linked(
        res("azure.network.vnet", vnet, S1, {}),
        res("azure.network.flow_log", watcher + "/flowlogs/a", S1, {"target_resource_id": vnet}),
        res(
            "azure.network.flow_log",
            watcher + "/flowlogs/b",
            S1,
            {"target_resource_id": vnet + "/subnets/app"},
        ),
    )
    assert inv.get(vnet).links["flow_logs"].targets == (watcher + "/flowlogs/a",)  # type: ignore[union-attr]
