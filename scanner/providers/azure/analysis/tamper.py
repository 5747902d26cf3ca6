"""Who can delete or redirect a subscription's activity log: the role assignments (active, and
PIM-eligible where read) whose scope contains the subscription or a store its diagnostic
settings write to, with each role definition resolved to the tamper operations it allows
(`rbac.py`: actions minus notActions, data actions minus notDataActions, wildcards, any case).

What counts on each target, and why, is in `tamper_ops.py`.

Deny assignments are reported beside, never subtracted (their exclusions and child-scope
rules are not evaluated here); assignment conditions are not evaluated (the row is marked
conditional). Both are named in `limits`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Absent, Resource, Unknowable
from scanner.providers.azure.analysis import rbac
from scanner.providers.azure.analysis.tamper_ops import (
    ACCOUNT_WRITE,
    LIMITS,
    SUBSCRIPTION_OPS,
    WORKSPACE_CHILD_OPS,
    WORKSPACE_OPS,
    Target,
    storage_target,
)
from scanner.providers.azure.links import (
    ASSIGNMENT,
    DEFINITION,
    DENY,
    DIAGNOSTIC,
    ELIGIBILITY,
    STORAGE,
    WORKSPACE,
    subscription_id,
)
from scanner.providers.azure.names import canonical, subscription_of

Row = dict[str, Any] | Unknowable


class Roles:
    """Role definitions by GUID (the same role is listed under every subscription)."""

    def __init__(self, inventory: Inventory) -> None:
        self.by_key: dict[str, Resource] = {}
        for role in inventory.of_type(DEFINITION):
            if role.placeholder is None:
                self.by_key.setdefault(rbac.role_key(role.id), role)

    def get(self, role_definition_id: str) -> Resource | Unknowable:
        """The role definition, or why it is not known."""
        found = self.by_key.get(rbac.role_key(role_definition_id))
        if found is None:
            return Unknowable(
                f"role definition {role_definition_id} was not collected, so what it grants "
                "is not known"
            )
        return found


class Grants:
    """Role assignments, PIM eligibilities and deny assignments, indexed by the subscription
    their scope lies in (None: the root or a management group), with each subscription's
    ancestors read once: a subscription's analysis looks only at what can apply to it, so a
    tenant of hundreds of subscriptions is not a product of every assignment and target."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.by_sub: dict[str | None, list[tuple[Resource, bool]]] = defaultdict(list)
        self.denies: dict[str | None, list[Resource]] = defaultdict(list)
        self._ancestors: dict[str, Sequence[str]] = {}
        for rtype, eligible in ((ASSIGNMENT, False), (ELIGIBILITY, True)):
            for grant in inventory.of_type(rtype):
                if grant.placeholder is None:
                    self.by_sub[_scope_sub(grant)].append((grant, eligible))
        for deny in inventory.of_type(DENY):
            if deny.placeholder is None:
                self.denies[_scope_sub(deny)].append(deny)

    def near(self, targets: Sequence[Target]) -> list[tuple[Resource, bool]]:
        """The assignments that may apply to one of `targets`."""
        subs = [None, *dict.fromkeys(t.subscription for t in targets)]
        return [g for sub in subs for g in self.by_sub.get(sub, [])]

    def near_denies(self, targets: Sequence[Target]) -> list[Resource]:
        """The deny assignments that may apply to one of `targets`."""
        subs = [None, *dict.fromkeys(t.subscription for t in targets)]
        return [d for sub in subs for d in self.denies.get(sub, [])]

    def ancestors(self, sub: str) -> Sequence[str]:
        """The management groups above a subscription, as collected ([] when unknown)."""
        found = self._ancestors.get(sub)
        if found is None:
            res = self.inventory.get(subscription_id(sub))
            groups = res.attrs.get("management_groups") if res is not None else None
            found = [canonical(str(g)) for g in groups] if isinstance(groups, list) else []
            self._ancestors[sub] = found
        return found


def _scope_sub(grant: Resource) -> str | None:
    return subscription_of(str(grant.attrs.get("scope") or ""))


def _reach(assignment: Resource, target: Target, grants: Grants) -> Target | None:
    """The target with the operations an assignment can exercise on it: all of them from a
    scope containing it, the child operations from a scope inside it, None otherwise."""
    scope = str(assignment.attrs.get("scope") or "")
    if rbac.contains(scope, target.id, grants.ancestors(target.subscription)) is True:
        return target
    # A management-group assignment that the target subscription's own listing returned is
    # inherited there, whatever the collected hierarchy says.
    listed_in = {assignment.account.lower(), *(a.lower() for a in assignment.also_accounts)}
    if rbac.scope_type(scope) == "management_group" and target.subscription in listed_in:
        return target
    if rbac.contains(target.id, scope, []) is True:
        return target.below()
    return None


def _reached(assignment: Resource, targets: Sequence[Target], grants: Grants) -> list[Target]:
    found = (_reach(assignment, t, grants) for t in targets)
    return [t for t in found if t is not None]


def _row(
    assignment: Resource, targets: Sequence[Target], roles: Roles, eligible: bool
) -> Row | None:
    role_id = str(assignment.attrs.get("role_definition_id") or "")
    principal = assignment.attrs.get("principal_id")
    role = roles.get(role_id)
    if isinstance(role, Unknowable):
        return Unknowable(
            f"{principal} holds a role at {assignment.attrs.get('scope')}: {role.reason}"
        )
    permissions = role.attrs.get("permissions")
    if isinstance(permissions, Unknowable):
        return Unknowable(
            f"the permissions of role {role.attrs.get('role_name')}: {permissions.reason}",
            permissions.error,
        )
    actions, reached, maybe = _held(permissions or [], targets)
    scope = str(assignment.attrs.get("scope") or "")
    if not actions:
        return _possible(assignment, role, maybe) if maybe else None
    condition = assignment.attrs.get("condition")
    return {
        "principal_id": principal,
        "principal_type": assignment.attrs.get("principal_type"),
        "role": role.attrs.get("role_name"),
        "role_definition_id": role_id,
        "scope": scope,
        "scope_type": rbac.scope_type(scope),
        "targets": reached,
        "actions": sorted(actions, key=str.lower),
        "conditional": isinstance(condition, str) and bool(condition),
        "condition": condition if isinstance(condition, str) else None,
        "eligible": eligible,
    }


def _held(
    permissions: Sequence[Any], targets: Sequence[Target]
) -> tuple[dict[str, None], list[str], list[str]]:
    """The tamper operations allowed, the targets they reach, and the reasons of operations
    that tamper only if an unread setting allows them."""
    actions: dict[str, None] = {}
    reached: list[str] = []
    maybe: list[str] = []
    for target in targets:
        held = rbac.granted(permissions, target.ops, target.data_ops)
        keys = rbac.granted(permissions, target.gated)
        if keys and rbac.granted(permissions, (ACCOUNT_WRITE,)):
            held += [ACCOUNT_WRITE, *keys]
        if held:
            reached.append(target.id)
            actions.update(dict.fromkeys(held))
        unsure = rbac.granted(permissions, target.maybe_ops)
        if unsure:
            maybe.append(f"{', '.join(unsure)} on {target.id} ({target.maybe_why})")
    return actions, reached, maybe


def _possible(assignment: Resource, role: Resource, maybe: Sequence[str]) -> Unknowable:
    """A principal whose only tamper path depends on a setting that could not be read."""
    attrs = assignment.attrs
    return Unknowable(
        f"{attrs.get('principal_type')} {attrs.get('principal_id')} holding "
        f"{role.attrs.get('role_name')} at {attrs.get('scope')} can possibly tamper: "
        + "; ".join(maybe)
    )


def rows(grants: Grants, targets: Sequence[Target], roles: Roles) -> list[Row]:
    """One row per assignment (active or eligible) that grants a tamper operation on any of
    `targets` at a scope containing it (or, for a store, inside it)."""
    found: list[Row] = []
    for assignment, eligible in grants.near(targets):
        mine = _reached(assignment, targets, grants)
        row = _row(assignment, mine, roles, eligible) if mine else None
        if row is not None:
            found.append(row)
    return found


def denials(grants: Grants, targets: Sequence[Target]) -> list[dict[str, Any]]:
    """The deny assignments whose scope contains a target and that deny a tamper operation."""
    out = []
    for deny in grants.near_denies(targets):
        permissions = deny.attrs.get("permissions")
        if not isinstance(permissions, list):
            continue
        mine = _reached(deny, targets, grants)
        held = sorted(
            {a for t in mine for a in rbac.granted(permissions, (*t.ops, *t.maybe_ops), t.data_ops)}
        )
        if held:
            out.append(
                {
                    "name": deny.name,
                    "scope": deny.attrs.get("scope"),
                    "actions": held,
                    "principals": deny.attrs.get("principals"),
                    "exclude_principals": deny.attrs.get("exclude_principals"),
                }
            )
    return out


def stores(inventory: Inventory, sub: Resource) -> Iterable[Resource]:
    """The storage accounts and workspaces the subscription's diagnostic settings write to."""
    seen: set[str] = set()
    for setting in inventory.of_type(DIAGNOSTIC):
        target = setting.links.get("target")
        if target is None or sub.id not in target.targets:
            continue
        for name in ("storage_account_id", "workspace_id"):
            link = setting.links.get(name)
            for rid in link.targets if link else ():
                store = inventory.get(rid)
                if store is not None and rid not in seen:
                    seen.add(rid)
                    yield store


def targets_of(
    inventory: Inventory, sub: Resource, scanned: set[str]
) -> tuple[list[Target], list[Row]]:
    """The targets of a subscription, and rows saying which stores cannot be analysed."""
    found = [Target(sub.id, sub.account.lower(), SUBSCRIPTION_OPS)]
    problems: list[Row] = []
    for store in stores(inventory, sub):
        owner = store.account.lower()
        if isinstance(store.placeholder, Absent):
            continue  # nothing to tamper with; the missing destination fails elsewhere
        what = f"{store.kind} {store.name}"
        if store.placeholder is not None and owner not in scanned:
            problems.append(
                Unknowable(
                    f"who can tamper with {what} cannot be told: {store.placeholder.reason}",
                    store.placeholder.error,
                )
            )
            continue
        if owner not in scanned:
            problems.append(
                Unknowable(
                    f"who can tamper with {what} cannot be told: its subscription {owner} is "
                    "outside the scan, so its role assignments were not read"
                )
            )
            continue
        errors = inventory.type_errors(ASSIGNMENT, owner)
        if errors:
            problems.append(
                Unknowable(f"who can tamper with {what}: {errors[0].reason}", error=True)
            )
            continue
        if store.type == STORAGE:
            found.append(storage_target(store, owner))
        elif store.type == WORKSPACE:
            found.append(Target(store.id, owner, WORKSPACE_OPS, child_ops=WORKSPACE_CHILD_OPS))
    return found, problems


def limits(inventory: Inventory, subscriptions: Iterable[str]) -> list[str]:
    """What the analysis did not see for these subscriptions (PIM eligibility the
    authorization lister could not read: `role_eligibility_limit`), and what it never
    evaluates."""
    out = list(LIMITS)
    for sub in sorted(set(subscriptions)):
        found = inventory.get(subscription_id(sub))
        why = found.attrs.get("role_eligibility_limit") if found is not None else None
        if isinstance(why, str) and why:
            out.append(
                f"PIM-eligible role assignments of subscription {sub} were not read ({why}): "
                "a principal eligible for a tamper role can activate it and is not listed."
            )
    return out


def unique(found: Iterable[Row]) -> list[Row]:
    """Rows without repeats (the same unknowable reason reached twice is said once)."""
    out: list[Row] = []
    seen: set[Any] = set()
    for row in found:
        key = (
            row
            if isinstance(row, Unknowable)
            else tuple(sorted((k, str(v)) for k, v in row.items()))
        )
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def subscription_problem(inventory: Inventory, sub: Resource) -> Unknowable | None:
    """Why the subscription's own tamper list cannot be complete: its role assignments or
    definitions could not be listed."""
    for rtype in (ASSIGNMENT, DEFINITION):
        errors = inventory.type_errors(rtype, sub.account)
        if errors:
            return Unknowable(errors[0].reason, error=True)
    return None
