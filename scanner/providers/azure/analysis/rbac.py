"""Azure RBAC as Azure evaluates it: role definitions resolved to the operations they allow,
and scopes that contain other scopes.

A role's permissions are a list of blocks `{actions, notActions, dataActions, notDataActions}`;
an operation is allowed by a block when some `actions` (or `dataActions`) pattern matches it
and no `notActions` (`notDataActions`) pattern does, and by the role when any block allows it
("Azure RBAC ... computes the effective permissions by subtracting NotActions from Actions",
learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions). Patterns use
the wildcard `*` for any sequence of characters, across `/` too (`Microsoft.Storage/*`,
`*/delete`), and operation strings are case-insensitive (the role-definitions#actions table
itself writes `microsoft.web/sites/restart/Action`; built-in roles mix `Microsoft.Insights`
and `microsoft.insights`): they are compared so here.

A role assignment at a scope applies at that scope and every scope below it: a management
group's to its descendants' subscriptions, a subscription's to its resource groups and
resources, a resource group's to its resources (role-based-access-control/scope-overview).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scanner.model import Unknowable
from scanner.providers.azure.names import canonical

MG_PREFIX = "/providers/microsoft.management/managementgroups/"


@functools.lru_cache(maxsize=4096)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(p) for p in text.split("*")), re.IGNORECASE)


def matches(pattern: str, operation: str) -> bool:
    """Whether an RBAC action pattern covers an operation (wildcards, any case)."""
    return _pattern(pattern).fullmatch(operation) is not None


def _allowed(block: Mapping[str, Any], operation: str, data: bool) -> bool:
    grant, deny = ("data_actions", "not_data_actions") if data else ("actions", "not_actions")
    return any(matches(p, operation) for p in block.get(grant) or []) and not any(
        matches(p, operation) for p in block.get(deny) or []
    )


def granted(
    permissions: Sequence[Mapping[str, Any]],
    operations: Iterable[str],
    data_operations: Iterable[str] = (),
) -> list[str]:
    """The operations (control plane) and data operations the permission blocks allow."""
    found = [o for o in operations if any(_allowed(b, o, False) for b in permissions)]
    found += [o for o in data_operations if any(_allowed(b, o, True) for b in permissions)]
    return found


def role_key(role_definition_id: str) -> str:
    """A role definition's GUID: the same role is named under the tenant, a management group
    or each subscription (`.../roleDefinitions/<guid>`), and its GUID is one."""
    return canonical(role_definition_id).rsplit("/", 1)[-1]


def scope_type(scope: str) -> str:
    """tenant, management_group, subscription, resource_group or resource."""
    rid = canonical(scope)
    parts = [p for p in rid.split("/") if p]
    if not parts:
        return "tenant"
    if rid.startswith(MG_PREFIX):
        return "management_group"
    if parts[0] == "subscriptions" and len(parts) == 2:
        return "subscription"
    if parts[0] == "subscriptions" and len(parts) == 4 and parts[2] == "resourcegroups":
        return "resource_group"
    return "resource"


def contains(scope: str, target: str, ancestors: Sequence[str] | Unknowable) -> bool | Unknowable:
    """Whether an assignment at `scope` applies to `target` (a subscription or a resource id),
    whose subscription sits below the management groups `ancestors` (canonical ids)."""
    rid, where = canonical(scope), canonical(target)
    if rid == "/":
        return True
    if rid.startswith(MG_PREFIX):
        if isinstance(ancestors, Unknowable):
            return ancestors
        return rid in {canonical(a) for a in ancestors}
    return where == rid or where.startswith(rid + "/")
