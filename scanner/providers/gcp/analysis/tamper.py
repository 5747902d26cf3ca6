"""Who can delete, stop or reroute a project's audit logs: IAM bindings of the project, its
ancestors, the buckets its sinks write to and the keys of those stores, with each role
resolved to its permissions from the collected gcp.iam.role resources.

IAM is inherited downwards (a role bound on a folder applies to every project below it), so a
permission bound at any ancestor counts. Conditions are not evaluated: a conditional binding
still counts, marked conditional. Deny policies and principal access boundaries are not read;
they are named as limits, since they may make a listed grant ineffective.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Unknowable

ROLE = "gcp.iam.role"

# Deleting or redirecting sinks, shortening or deleting log buckets, excluding entries and
# deleting logs all remove audit entries; setIamPolicy rewrites the audit config itself and
# grants any of the others.
LOGGING = (
    "logging.sinks.delete",
    "logging.sinks.update",
    "logging.buckets.delete",
    "logging.buckets.update",
    "logging.exclusions.create",
    "logging.exclusions.update",
    "logging.logs.delete",
)
# Deleting the project deletes its sinks and log buckets; moving it out from under a folder
# whose sink has includeChildren ends that export (IAM is inherited, so a grant at a folder or
# the organization counts for the projects below).
PROJECT = ("resourcemanager.projects.delete", "resourcemanager.projects.move")
SET_IAM = {
    "projects": ("resourcemanager.projects.setIamPolicy", *PROJECT),
    "folders": (
        "resourcemanager.projects.setIamPolicy",
        "resourcemanager.folders.setIamPolicy",
        *PROJECT,
    ),
    "organizations": (
        "resourcemanager.projects.setIamPolicy",
        "resourcemanager.folders.setIamPolicy",
        "resourcemanager.organizations.setIamPolicy",
        *PROJECT,
    ),
}
# A new sink on an ancestor with includeChildren and interceptChildren takes every matching
# entry away from the sinks below it (LogSink.interceptChildren, the rule analysis/intercept.py
# applies), so creating a sink there reroutes the project's export; in the project itself a
# new sink adds an export and removes none.
ANCESTOR_LOGGING = ("logging.sinks.create",)
STORAGE = (
    "storage.buckets.delete",
    "storage.buckets.update",
    "storage.buckets.setIamPolicy",
    "storage.objects.delete",
)
# Destroying (or disabling) the key versions makes every entry they encrypt unreadable;
# setIamPolicy on the key grants that to oneself, and updating the key changes its primary
# version (to a disabled one, say) and its rotation.
KMS = (
    "cloudkms.cryptoKeyVersions.destroy",
    "cloudkms.cryptoKeyVersions.update",
    "cloudkms.cryptoKeys.setIamPolicy",
    "cloudkms.cryptoKeys.update",
)
LIMITS = (
    "IAM deny policies and principal access boundary policies were not evaluated: they may "
    "make a listed grant ineffective.",
    "IAM conditions were not evaluated: a conditional grant is listed, marked conditional.",
)


# The legacy Cloud Storage roles exist only on buckets (bucket ACL mirrors) and their
# permissions are fixed (StorageRoles, cloud.google.com/java/docs/reference/google-cloud-storage/
# latest/com.google.cloud.storage.StorageRoles): used when such a role was not collected.
DOCUMENTED: dict[str, frozenset[str]] = {
    "roles/storage.legacyBucketOwner": frozenset(
        {
            "storage.buckets.get",
            "storage.buckets.update",
            "storage.buckets.setIamPolicy",
            "storage.buckets.getIamPolicy",
            "storage.objects.list",
            "storage.objects.create",
            "storage.objects.delete",
        }
    ),
    "roles/storage.legacyBucketWriter": frozenset(
        {
            "storage.buckets.get",
            "storage.objects.list",
            "storage.objects.create",
            "storage.objects.delete",
        }
    ),
    "roles/storage.legacyBucketReader": frozenset({"storage.buckets.get", "storage.objects.list"}),
    "roles/storage.legacyObjectReader": frozenset({"storage.objects.get"}),
}


def role_id(role: str) -> str:
    """The full name of a role resource (`roles/x`, `projects/p/roles/x`, ...)."""
    return f"//iam.googleapis.com/{role}"


@dataclass
class Roles:
    """Role name -> its permissions, from the collected roles."""

    inventory: Inventory

    def permissions(self, role: str) -> frozenset[str] | Unknowable:
        """The role's permissions, or why they are not known."""
        found = self.inventory.get(role_id(role))
        if (found is None or found.placeholder is not None) and role in DOCUMENTED:
            return DOCUMENTED[role]
        if found is None or found.placeholder is not None:
            return Unknowable(f"role {role} was not collected, so its permissions are not known")
        if found.attrs.get("deleted") is True:
            return frozenset()  # a deleted custom role grants nothing while deleted
        perms = found.attrs.get("included_permissions")
        if isinstance(perms, Unknowable):
            return Unknowable(
                f"the permissions of role {role} could not be read: {perms.reason}", perms.error
            )
        return frozenset(perms or ())


Row = dict[str, Any] | Unknowable


def grants(
    bindings: Sequence[Any],
    granted_at: str,
    wanted: Iterable[str],
    roles: Roles,
) -> list[Row]:
    """Rows for every member of `bindings` whose role holds one of `wanted`; an unknowable
    row where a role's permissions are not known."""
    want = frozenset(wanted)
    rows: list[Row] = []
    for binding in bindings:
        if isinstance(binding, Unknowable):
            rows.append(binding)
            continue
        role = str(binding.get("role", ""))
        members = [str(m) for m in binding.get("members") or []]
        perms = roles.permissions(role)
        if isinstance(perms, Unknowable):
            rows += [
                Unknowable(f"{member} holds {role} at {granted_at}: {perms.reason}", perms.error)
                for member in members
            ]
            continue
        held = sorted(want & perms)
        if not held:
            continue
        condition = binding.get("condition")
        expression = condition.get("expression") if isinstance(condition, Mapping) else None
        for member in members:
            rows.append(
                {
                    "member": member,
                    "role": role,
                    "granted_at": granted_at,
                    "permissions": held,
                    "conditional": expression is not None,
                    "condition": expression if isinstance(expression, str) else None,
                }
            )
    return rows


def level_permissions(level: str) -> tuple[str, ...]:
    """The tamper permissions that matter when bound at an RM level (`projects/p`, ...)."""
    kind = level.split("/", 1)[0]
    ancestor = ANCESTOR_LOGGING if kind in ("folders", "organizations") else ()
    return (*LOGGING, *ancestor, *SET_IAM.get(kind, ()))


def unique(rows: Iterable[Row]) -> list[Row]:
    """One row per (member, role, granted_at), permissions merged (the same binding reached
    for two reasons, the project's sinks and its bucket, is one grant)."""
    out: list[Row] = []
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    seen: set[Unknowable] = set()
    for row in rows:
        if isinstance(row, Unknowable):
            if row not in seen:
                seen.add(row)
                out.append(row)
            continue
        key = (row["member"], row["role"], row["granted_at"])
        known = merged.get(key)
        if known is None:
            merged[key] = dict(row)
            out.append(merged[key])
        else:
            known["permissions"] = sorted({*known["permissions"], *row["permissions"]})
    return out
