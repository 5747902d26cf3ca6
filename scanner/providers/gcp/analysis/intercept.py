"""Which ancestor sinks intercept a sink's entries.

A folder or organization sink with includeChildren and interceptChildren routes the matching
entries of every child resource to its own destination, and those entries no longer reach the
children's sinks (except _Required) (LogSink `interceptChildren`,
cloud.google.com/logging/docs/reference/v2/rest/v2/projects.sinks). So a project sink with an
empty filter below an intercepting sink does not export every entry. A sink's ancestors are
those of the resource that owns it; an ancestor whose sinks were not listed leaves the answer
unknown (or error, when the listing failed), never "not intercepted".
"""

from __future__ import annotations

from scanner.inventory import Inventory
from scanner.model import Resource, Unknowable
from scanner.providers.gcp.analysis import audit_config

SINK = "gcp.logging.sink"


def intercepted_by(
    inventory: Inventory, sink: Resource, find: audit_config.Lookup
) -> list[str] | Unknowable:
    """Ids of the enabled ancestor sinks that intercept `sink`'s entries."""
    parent = sink.attrs.get("parent")
    if not isinstance(parent, str):
        return Unknowable(f"the parent of sink {sink.name} is not known")
    if parent.startswith(("organizations/", "billingAccounts/")):
        return []  # nothing above an organization or a billing account routes its entries
    owner = find(parent)
    if owner is None:
        return Unknowable(f"{parent}, which owns sink {sink.name}, was not read")
    levels = audit_config.chain(owner)
    if isinstance(levels, Unknowable):
        return levels
    found: list[str] = []
    for level in levels[1:]:
        errors = inventory.type_errors(SINK, level)
        if errors:
            return Unknowable(errors[0].reason, error=True)
        if find(level) is None:
            return Unknowable(
                f"the sinks of {level}, an ancestor of {parent}, were not read, so whether "
                "one intercepts this sink's entries cannot be told"
            )
        for other in inventory.of_type(SINK, level):
            if other.attrs.get("parent") != level or other.placeholder is not None:
                continue
            intercepts = _intercepts(other, level)
            if isinstance(intercepts, Unknowable):
                return intercepts
            if intercepts:
                found.append(other.id)
    return found


def _intercepts(other: Resource, level: str) -> bool | Unknowable:
    values = [other.attrs.get(k) for k in ("intercept_children", "include_children", "disabled")]
    if values[0] is False or values[1] is False or values[2] is True:
        return False  # known not to intercept
    unknown = next((v for v in values if isinstance(v, Unknowable)), None)
    if unknown is not None:
        return Unknowable(f"sink {other.name} of {level}: {unknown.reason}", unknown.error)
    return values == [True, True, False]
