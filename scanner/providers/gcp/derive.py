"""Attributes GCP derives from linked resources, the same for live scans and plans. Each
deriver returns new values by resource id; none changes a resource.

- public_members: the allUsers / allAuthenticatedUsers bindings of storage buckets and keys;
- audit_logging: a project's effective Data Access audit config (`analysis/audit_config.py`);
- writer_can_write: whether a sink's writer identity may write to its destination;
- intercepted_by: the ancestor sinks that intercept a sink's entries (`analysis/intercept.py`);
- tamper_principals / limits: who can delete, stop or reroute a project's audit logs
  (`analysis/tamper.py`).

A source that never read a value a deriver needs (a plan without IAM policies) is left alone,
so the policy reads "not collected" (unknown) rather than a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Absent, Resource, Unknowable
from scanner.providers.base import Deriver
from scanner.providers.gcp.analysis import audit_config, intercept, tamper
from scanner.providers.gcp.analysis.writers import writer_can_write as _writable
from scanner.providers.gcp.links import BUCKET, DATASET, KEY, LOG_BUCKET, PROJECT, SINK

Updates = dict[str, dict[str, Any]]
PUBLIC = ("allUsers", "allAuthenticatedUsers")


def rm_id(level: str) -> str:
    """The resource id of a Resource Manager level (`folders/1` -> its full name)."""
    return f"//cloudresourcemanager.googleapis.com/{level}"


def lookup(inventory: Inventory) -> audit_config.Lookup:
    """Find an organization, folder or project by its relative name."""
    return lambda level: inventory.get(rm_id(level))


def _public_rows(bindings: Any, granted_at: str) -> list[Any] | Unknowable:
    if isinstance(bindings, Unknowable):
        return bindings
    rows: list[Any] = []
    for binding in bindings or []:
        if isinstance(binding, Unknowable):
            rows.append(binding)
            continue
        rows += [
            {"member": m, "role": binding.get("role"), "granted_at": granted_at}
            for m in binding.get("members") or []
            if m in PUBLIC
        ]
    return rows


def _ring(key: Resource) -> str:
    name = str(key.attrs.get("name") or key.id.removeprefix("//cloudkms.googleapis.com/"))
    return name.split("/cryptoKeys/", 1)[0]


def public_members(inventory: Inventory) -> Updates:
    """public_members of every storage bucket and KMS key whose IAM policy was read. A key
    also inherits the bindings of its key ring ("A key ring, inherited by all keys in that key
    ring", cloud.google.com/kms/docs/iam): an unreadable ring policy makes the key's list
    unknowable, since a partial list could hide a public grant."""
    out: Updates = {}
    for rtype in (BUCKET, KEY):
        for res in inventory.of_type(rtype):
            if res.placeholder is not None or "bindings" not in res.attrs:
                continue
            name = str(res.attrs.get("name") or res.name)
            levels = [(res.attrs.get("bindings"), name)]
            if rtype == KEY and "key_ring_bindings" in res.attrs:
                levels.append((res.attrs["key_ring_bindings"], _ring(res)))
            found = [_public_rows(bindings, granted_at) for bindings, granted_at in levels]
            unread = [f for f in found if isinstance(f, Unknowable)]
            rows = [r for f in found if not isinstance(f, Unknowable) for r in f]
            out[res.id] = {"public_members": unread[0] if unread else rows}
    return out


def _scaled(value: Any, unit: int, whole: bool) -> Any:
    if isinstance(value, Unknowable) or value is None:
        return value
    return int(value) // unit if whole else int(value) / unit


def durations(inventory: Inventory) -> Updates:
    """Durations in days, so policies compare them with `min_retention_days`."""
    out: Updates = {}
    for bucket in inventory.of_type(BUCKET):
        if bucket.placeholder is None and "retention_seconds" in bucket.attrs:
            seconds = bucket.attrs["retention_seconds"]
            out[bucket.id] = {"retention_days": _scaled(seconds, 86400, True)}
    for dataset in inventory.of_type(DATASET):
        if dataset.placeholder is None and "default_table_expiration_ms" in dataset.attrs:
            out[dataset.id] = {
                f"default_{kind}_expiration_days": _scaled(
                    dataset.attrs.get(f"default_{kind}_expiration_ms"), 86_400_000, False
                )
                for kind in ("table", "partition")
            }
    return out


def audit_logging(inventory: Inventory) -> Updates:
    """audit_logging of every project whose own IAM policy was looked at."""
    find = lookup(inventory)
    return {
        p.id: {"audit_logging": audit_config.effective(p, find)}
        for p in inventory.of_type(PROJECT)
        if p.placeholder is None and "audit_configs" in p.attrs
    }


def writer_can_write(inventory: Inventory) -> Updates:
    """writer_can_write of every sink."""
    return {
        s.id: {"writer_can_write": _writable(inventory, s, lookup(inventory))}
        for s in inventory.of_type(SINK)
        if s.placeholder is None
    }


def interception(inventory: Inventory) -> Updates:
    """intercepted_by of every sink."""
    find = lookup(inventory)
    return {
        s.id: {"intercepted_by": intercept.intercepted_by(inventory, s, find)}
        for s in inventory.of_type(SINK)
        if s.placeholder is None
    }


def tamper_principals(inventory: Inventory) -> Updates:
    """tamper_principals and limits of every project whose own IAM policy was looked at."""
    roles = tamper.Roles(inventory)
    find = lookup(inventory)
    out: Updates = {}
    for project in inventory.of_type(PROJECT):
        if project.placeholder is not None or "bindings" not in project.attrs:
            continue
        rows, limits = _project_tamper(inventory, project, roles, find)
        before = project.attrs.get("limits")
        kept = list(before) if isinstance(before, list) else []
        out[project.id] = {
            "tamper_principals": rows,
            "limits": [*kept, *(x for x in limits if x not in kept)],
        }
    return out


def _project_tamper(
    inventory: Inventory, project: Resource, roles: tamper.Roles, find: audit_config.Lookup
) -> tuple[list[Any] | Unknowable, list[str]]:
    limits = list(tamper.LIMITS)
    own = _levels(project, find, roles, tamper.level_permissions)
    levels = audit_config.chain(project)
    if isinstance(own, Unknowable) or isinstance(levels, Unknowable):
        return own if isinstance(own, Unknowable) else levels, limits
    rows: list[Any] = list(own)
    for store in _stores(inventory, project):
        if isinstance(store.placeholder, Absent):
            continue  # nothing to tamper with; the destination's absence fails elsewhere
        if store.placeholder is not None:
            rows.append(
                Unknowable(
                    f"who can tamper with {store.kind} {store.name} cannot be told: "
                    f"{store.placeholder.reason}",
                    store.placeholder.error,
                )
            )
            continue
        if store.type == LOG_BUCKET and store.attrs.get("parent") in levels:
            continue  # its parent's bindings are already counted with the project's
        rows += _store_rows(inventory, store, roles, find, limits)
    return tamper.unique(rows), limits


def _levels(
    res: Resource, find: audit_config.Lookup, roles: tamper.Roles, wanted: Any
) -> list[Any] | Unknowable:
    """Rows from the IAM policies of a project and its ancestors (Unknowable when one could
    not be read: a partial list would hide who holds power there)."""
    levels = audit_config.chain(res)
    if isinstance(levels, Unknowable):
        return levels
    rows: list[Any] = []
    problems = []
    for level in levels:
        found = res if level == levels[0] else find(level)
        bindings = audit_config.level_attr(level, found, "bindings", res.account)
        if isinstance(bindings, Unknowable):
            problems.append(bindings)
            continue
        rows += tamper.grants(bindings, level, wanted(level), roles)
    problem = audit_config.first_problem(problems)
    return problem if problem is not None else rows


def _stores(inventory: Inventory, project: Resource) -> Iterable[Resource]:
    """The destinations of the sinks that carry this project's entries, and their keys."""
    seen: set[str] = set()
    for sink in inventory.of_type(SINK, project.account):
        link = sink.links.get("destination")
        for rid in link.targets if link else ():
            store = inventory.get(rid)
            if store is None or rid in seen:
                continue
            seen.add(rid)
            yield store
            key_link = store.links.get("kms_key")
            for kid in key_link.targets if key_link else ():
                key = inventory.get(kid)
                if key is not None and kid not in seen:
                    seen.add(kid)
                    yield key


def _store_rows(
    inventory: Inventory,
    store: Resource,
    roles: tamper.Roles,
    find: audit_config.Lookup,
    limits: list[str],
) -> list[Any]:
    if store.type == LOG_BUCKET:
        wanted: tuple[str, ...] = tamper.LOGGING
    elif store.type == BUCKET:
        wanted = tamper.STORAGE
    elif store.type == KEY:
        wanted = tamper.KMS
    else:
        limits.append(
            f"{store.kind} {store.name}: who can delete its tables is not analysed (BigQuery "
            "dataset access is not evaluated for tampering)"
        )
        return []
    rows: list[Any] = []
    if store.type != LOG_BUCKET:
        bindings = store.attrs.get("bindings")
        if isinstance(bindings, Unknowable):
            return [Unknowable(f"{store.kind} {store.name}: {bindings.reason}", bindings.error)]
        rows += tamper.grants(bindings or [], store.id, wanted, roles)
    if store.type == KEY and "key_ring_bindings" in store.attrs:
        # Roles granted on the key ring apply to every key in it (the usual KMS layout).
        ring = store.attrs["key_ring_bindings"]
        ring_id = f"//cloudkms.googleapis.com/{_ring(store)}"
        if isinstance(ring, Unknowable):
            rows.append(Unknowable(f"{store.kind} {store.name}: {ring.reason}", ring.error))
        else:
            rows += tamper.grants(ring or [], ring_id, wanted, roles)
    owner = find(f"projects/{store.account}")
    if owner is None or store.account.startswith(("folders/", "organizations/")):
        owner = find(store.account)
    if owner is None:
        limits.append(
            f"{store.kind} {store.name}: the IAM policies of {store.account} and its ancestors "
            "were not read, so grants there are not listed"
        )
        return rows
    inherited = _levels(owner, find, roles, lambda _level: wanted)
    if isinstance(inherited, Unknowable):
        return [*rows, inherited]
    return rows + inherited


DERIVERS: tuple[Deriver, ...] = (
    durations,
    public_members,
    audit_logging,
    writer_can_write,
    interception,
    tamper_principals,
)
