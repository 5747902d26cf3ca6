"""The operations that tamper with a subscription's logs, by target, and the targets as the
RBAC analysis (`tamper.py`) sees them.

What counts, by target:
- the subscription: rewriting or deleting its diagnostic settings redirects or stops the
  export; writing role assignments (or role definitions, below) grants any of the rest;
- a storage account a setting writes to: deleting the account or a container, deleting or
  rewriting a container's (unlocked) immutability policy, deleting blobs (a data action),
  listing the account keys (shared-key access reaches every blob, whatever RBAC says:
  role-definitions#data-actions-example) or having the service sign an account or service SAS
  with them (listAccountSas/listServiceSas: "Storage Accounts - List Account SAS" takes
  signedPermission d and resource types s/c/o, so the caller never needs the keys), deleting
  the lock that protects it, writing role assignments;
- a Log Analytics workspace a setting sends to: deleting it, shortening its retention or a
  table's, purging data, deleting its lock, writing role assignments.

Everywhere roleDefinitions/write counts beside roleAssignments/write: whoever may write a
custom role definition at a scope can add any tamper action to a role already assigned to
them there ("Role Definitions - Create Or Update": a PUT at the role's scope replaces its
permissions; built-in-roles/privileged names Microsoft.Authorization/*/Write "Create roles,
role assignments", which Contributor is denied for that reason).

The three key operations count only while the account allows Shared Key: with
allowSharedKeyAccess false "all requests, including shared access signatures, must be
authorized with Azure AD" (learn.microsoft.com, StorageAccount.AllowSharedKeyAccess; absent
means true), so a key or a key-signed SAS deletes nothing, unless the same principal may
write the account (storageAccounts/write) and so turn Shared Key back on. When the setting
could not be read, a principal whose only tamper path is a key operation is an unknown row
naming them and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model import Resource, Unknowable

# Writing an assignment, or a custom role definition already assigned, grants the rest.
GRANT = (
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleDefinitions/write",
)
UNLOCK = "Microsoft.Authorization/locks/delete"
SUBSCRIPTION_OPS = (
    "Microsoft.Insights/diagnosticSettings/write",
    "Microsoft.Insights/diagnosticSettings/delete",
    *GRANT,
)
# The account key, or a SAS the service signs with it (learn.microsoft.com/rest/api/storagerp/
# storage-accounts/list-account-sas and .../list-service-sas): Shared Key authorization.
# Regenerating a key answers with the new keys (storage-accounts/regenerate-key), so it is a
# listKeys too.
KEY_OPS = (
    "Microsoft.Storage/storageAccounts/listKeys/action",
    "Microsoft.Storage/storageAccounts/regeneratekey/action",
    "Microsoft.Storage/storageAccounts/listAccountSas/action",
    "Microsoft.Storage/storageAccounts/listServiceSas/action",
)
ACCOUNT_WRITE = "Microsoft.Storage/storageAccounts/write"
CONTAINER_OPS = (
    "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
    "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/delete",
    "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/write",
)
STORAGE_OPS = ("Microsoft.Storage/storageAccounts/delete", *CONTAINER_OPS, UNLOCK, *GRANT)
# Deleting a log blob, or overwriting it (Put Blob replaces an existing blob's content), loses
# the record alike; both are refused under a locked immutability policy, never otherwise.
STORAGE_DATA_OPS = (
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
)
# From a container's scope: delete it, its immutability policy, its blobs, or grant that (the
# key operations act on the account, so a container scope never reaches them).
STORAGE_CHILD_OPS = (*CONTAINER_OPS, *GRANT)
WORKSPACE_OPS = (
    "Microsoft.OperationalInsights/workspaces/delete",
    "Microsoft.OperationalInsights/workspaces/write",
    "Microsoft.OperationalInsights/workspaces/tables/write",
    "Microsoft.OperationalInsights/workspaces/purge/action",
    UNLOCK,
    *GRANT,
)
# From a table's scope: shorten that table's retention, or grant that.
WORKSPACE_CHILD_OPS = ("Microsoft.OperationalInsights/workspaces/tables/write", *GRANT)
LIMITS = (
    "Role assignment conditions were not evaluated: a conditional assignment is listed, "
    "marked conditional.",
    "Deny assignments are reported in deny_assignments, not subtracted: they may make a "
    "listed assignment ineffective.",
    "Entra ID directory roles (a Global Administrator can elevate to User Access "
    "Administrator at the root scope) and classic subscription administrators were not "
    "evaluated.",
    "Storage account keys or SAS tokens already handed out are not seen: only who can obtain "
    "them now is listed.",
)


@dataclass(frozen=True)
class Target:
    """A scope whose tampering matters, and the operations that tamper with it there."""

    id: str
    subscription: str
    ops: tuple[str, ...]
    data_ops: tuple[str, ...] = ()
    # What an assignment at a scope below the target (a container of the account, a table of
    # the workspace) can still do to the logs there.
    child_ops: tuple[str, ...] = ()
    child_data_ops: tuple[str, ...] = ()
    # Operations that tamper only if a setting that could not be read allows it, and why not.
    maybe_ops: tuple[str, ...] = ()
    maybe_why: str = ""
    # Operations left out of `ops` that still count beside ACCOUNT_WRITE, which turns Shared
    # Key back on (allowSharedKeyAccess is a property of the account).
    gated: tuple[str, ...] = ()

    def below(self) -> Target | None:
        """The target as seen from a scope inside it (None: nothing tampers from there)."""
        if not (self.child_ops or self.child_data_ops):
            return None
        return Target(self.id, self.subscription, self.child_ops, self.child_data_ops)


def storage_target(store: Resource, owner: str) -> Target:
    """A log account: the key operations count while Shared Key is allowed (absent: the
    documented default, allowed), possibly when that was not read, and when it is off only
    beside storageAccounts/write, which can turn it back on."""
    shared = store.attrs.get("allow_shared_key_access")
    keys: tuple[str, ...] = KEY_OPS
    maybe: tuple[str, ...] = ()
    why = ""
    if shared is False:
        keys = ()
    elif isinstance(shared, Unknowable):
        keys, maybe = (), KEY_OPS
        why = f"whether {store.name} allows Shared Key is not known: {shared.reason}"
    ops = (*STORAGE_OPS[:4], *keys, *STORAGE_OPS[4:])
    gated = () if keys else KEY_OPS
    return Target(
        store.id,
        owner,
        ops,
        STORAGE_DATA_OPS,
        STORAGE_CHILD_OPS,
        STORAGE_DATA_OPS,
        maybe,
        why,
        gated,
    )
