"""Who can tamper with a subscription's logs, as tables: the key operations (listKeys and the
SAS the service signs with the key) judged by the log account's Shared Key setting, role
definition writes counted beside role assignment writes, and the built-in roles that matter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from scanner.model import Unknowable
from scanner.providers.azure.analysis import rbac
from scanner.providers.azure.analysis import tamper_ops as tamper
from tests.azure.test_azure_derive import (
    ARCHIVE,
    ROLES,
    S1,
    S2,
    assign,
    attr,
    derived,
    log,
    res,
    role,
    setting,
    sub,
)

CUSTOM = ROLES + "eeeeeeee-0000-0000-0000-00000000000e"
SA = "Microsoft.Storage/storageAccounts/"
LIST_KEYS = SA + "listKeys/action"
ACCOUNT_SAS = SA + "listAccountSas/action"
SERVICE_SAS = SA + "listServiceSas/action"
REGENERATE = SA + "regeneratekey/action"
ROLE_WRITE = "Microsoft.Authorization/roleDefinitions/write"
CONTAINER = ARCHIVE + "/blobservices/default/containers/insights-activity-logs"
UNREAD = Unknowable("allowSharedKeyAccess was not returned")
ABSENT = object()  # the account does not say: Azure's default, Shared Key allowed


def _tamper(actions: list[str], shared: Any, scope: str = ARCHIVE) -> list[Any]:
    account = {} if shared is ABSENT else {"allow_shared_key_access": shared}
    inv = derived(
        sub(S1, []),
        sub(S2, []),
        res("azure.storage.account", ARCHIVE, S1, account),
        setting(
            "central",
            f"/subscriptions/{S2}",
            S2,
            [log(group="allLogs")],
            storage_account_id=ARCHIVE,
        ),
        role(CUSTOM, "Log Helper", actions),
        assign("x1", "helper", CUSTOM, scope, S2 if scope.endswith(S2) else S1),
    )
    found = attr(inv, f"/subscriptions/{S2}", "tamper_principals")
    assert isinstance(found, list)
    return found


@pytest.mark.parametrize(
    ("actions", "shared", "expected"),
    [
        # The failing cases: the service signs a SAS with the account key for the caller.
        ([ACCOUNT_SAS], True, [ACCOUNT_SAS]),
        ([SERVICE_SAS], True, [SERVICE_SAS]),
        # Regenerating a key answers with the new keys.
        ([REGENERATE], True, [REGENERATE]),
        ([REGENERATE], False, None),
        # Boundary: an account that does not say allows Shared Key (Azure's default).
        ([ACCOUNT_SAS], ABSENT, [ACCOUNT_SAS]),
        # Sibling that stays: the keys themselves.
        ([LIST_KEYS], True, [LIST_KEYS]),
        ([f"{SA}list*"], True, [LIST_KEYS, ACCOUNT_SAS, SERVICE_SAS]),
        ([f"{SA}*/action"], True, [LIST_KEYS, REGENERATE, ACCOUNT_SAS, SERVICE_SAS]),
        # Shared Key off: neither the key nor a key-signed SAS is accepted by the data plane.
        ([LIST_KEYS], False, None),
        ([ACCOUNT_SAS, SERVICE_SAS], False, None),
        # Boundary: who may also write the account can turn Shared Key back on first.
        ([LIST_KEYS, SA + "write"], False, [LIST_KEYS, SA + "write"]),
        ([ACCOUNT_SAS, SA + "write"], UNREAD, [ACCOUNT_SAS, SA + "write"]),
        ([SA + "write"], False, None),
        # ...while deleting the account still counts there.
        ([LIST_KEYS, SA + "delete"], False, [SA + "delete"]),
        ([LIST_KEYS, SA + "delete"], UNREAD, [SA + "delete"]),
        # Reading is not tampering.
        ([SA + "read"], True, None),
    ],
)
def test_key_operations_follow_the_shared_key_setting(
    actions: list[str], shared: Any, expected: list[str] | None
) -> None:
    rows = [r for r in _tamper(actions, shared) if isinstance(r, dict)]
    held = [r["actions"] for r in rows if r["principal_id"] == "helper"]
    assert held == ([] if expected is None else [sorted(expected, key=str.lower)])


@pytest.mark.parametrize("action", [LIST_KEYS, REGENERATE, ACCOUNT_SAS, SERVICE_SAS])
def test_an_unread_shared_key_setting_lists_the_principal_as_possible(action: str) -> None:
    found = _tamper([action], UNREAD)
    assert not [r for r in found if isinstance(r, dict) and r["principal_id"] == "helper"]
    unknown = [r for r in found if isinstance(r, Unknowable)]
    assert len(unknown) == 1 and not unknown[0].error
    why = unknown[0].reason
    assert "User helper" in why and "Log Helper" in why and action in why
    assert "allowSharedKeyAccess was not returned" in why


def test_a_container_scope_never_reaches_the_account_keys() -> None:
    # The key operations act on the account: an assignment on a container cannot call them.
    assert not _tamper([LIST_KEYS, ACCOUNT_SAS, SERVICE_SAS], True, CONTAINER)


@pytest.mark.parametrize(
    ("actions", "scope", "expected"),
    [
        # The failing case: editing a custom role already assigned adds any tamper action.
        ([ROLE_WRITE], f"/subscriptions/{S2}", [ROLE_WRITE]),
        ([ROLE_WRITE], ARCHIVE, [ROLE_WRITE]),
        # Boundary: from a container, a role assignable there can still be widened there.
        ([ROLE_WRITE], CONTAINER, [ROLE_WRITE]),
        # Siblings: reading role definitions is not tampering; assignments still count.
        (["Microsoft.Authorization/roleDefinitions/read"], f"/subscriptions/{S2}", None),
        (
            ["Microsoft.Authorization/roleAssignments/write"],
            f"/subscriptions/{S2}",
            ["Microsoft.Authorization/roleAssignments/write"],
        ),
    ],
)
def test_role_definition_writes_count_like_assignment_writes(
    actions: list[str], scope: str, expected: list[str] | None
) -> None:
    rows = [r for r in _tamper(actions, True, scope) if isinstance(r, dict)]
    assert [r["actions"] for r in rows] == ([] if expected is None else [expected])


def _builtin(actions: list[str], not_actions: Sequence[str] = (), data: Sequence[str] = ()) -> Any:
    return [
        {
            "actions": actions,
            "not_actions": list(not_actions),
            "data_actions": list(data),
            "not_data_actions": [],
        }
    ]


# As listed on learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged
# and .../built-in-roles/storage.
OWNER = _builtin(["*"])
CONTRIBUTOR = _builtin(
    ["*"],
    [
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write",
        "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action",
    ],
)
ACCESS_ADMIN = _builtin(["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"])
BLOB_DATA_OWNER = _builtin(
    [
        "Microsoft.Storage/storageAccounts/blobServices/containers/*",
        "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
    ],
    data=["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
)
ALL_STORAGE = (*tamper.STORAGE_OPS, *tamper.KEY_OPS)
AUTHZ = (tamper.UNLOCK, *tamper.GRANT)


@pytest.mark.parametrize(
    ("permissions", "ops", "data", "expected"),
    [
        (OWNER, ALL_STORAGE, tamper.STORAGE_DATA_OPS, set(ALL_STORAGE)),
        (OWNER, tamper.SUBSCRIPTION_OPS, (), set(tamper.SUBSCRIPTION_OPS)),
        # Contributor: everything but the Authorization writes and deletes (locks, grants, roles).
        (CONTRIBUTOR, ALL_STORAGE, tamper.STORAGE_DATA_OPS, set(ALL_STORAGE) - set(AUTHZ)),
        (CONTRIBUTOR, tamper.WORKSPACE_OPS, (), set(tamper.WORKSPACE_OPS) - set(AUTHZ)),
        (
            CONTRIBUTOR,
            tamper.SUBSCRIPTION_OPS,
            (),
            {
                "Microsoft.Insights/diagnosticSettings/write",
                "Microsoft.Insights/diagnosticSettings/delete",
            },
        ),
        # User Access Administrator: only the Authorization paths, which grant the rest.
        (ACCESS_ADMIN, ALL_STORAGE, tamper.STORAGE_DATA_OPS, set(AUTHZ)),
        (ACCESS_ADMIN, tamper.SUBSCRIPTION_OPS, (), set(tamper.GRANT)),
        # Storage Blob Data Owner: the containers, their policies and their blobs, no keys.
        (
            BLOB_DATA_OWNER,
            ALL_STORAGE,
            tamper.STORAGE_DATA_OPS,
            {*tamper.CONTAINER_OPS, *tamper.STORAGE_DATA_OPS},
        ),
        (BLOB_DATA_OWNER, tamper.SUBSCRIPTION_OPS, (), set()),
    ],
)
def test_built_in_roles(
    permissions: Any, ops: tuple[str, ...], data: tuple[str, ...], expected: set[str]
) -> None:
    assert set(rbac.granted(permissions, ops, data)) == expected


BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # The failing case: overwriting a log blob loses the record like deleting it.
        ([BLOBS + "write"], [BLOBS + "write"]),
        ([BLOBS + "delete"], [BLOBS + "delete"]),
        ([BLOBS + "*"], [BLOBS + "delete", BLOBS + "write"]),
        # Siblings: reading and tagging blobs are not tampering.
        ([BLOBS + "read"], []),
        ([BLOBS + "tags/write"], []),
    ],
)
def test_blob_data_actions_that_lose_a_record(data: list[str], expected: list[str]) -> None:
    assert sorted(rbac.granted(_builtin([], data=data), (), tamper.STORAGE_DATA_OPS)) == expected


def test_directory_roles_and_classic_administrators_are_named_as_not_evaluated() -> None:
    text = " ".join(tamper.LIMITS)
    assert "Global Administrator" in text and "classic" in text
