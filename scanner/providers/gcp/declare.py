"""How a GCP service module declares what it collects, so the task list, the types a failed
call leaves as errors, the node attributes a failed call makes unknowable, and the custom
role of `logward permissions gcp` all come from one declaration per module.

The scope (`Scope`) is the resource hierarchy Resource Manager enumerated: the organization,
folders and projects (`Node`s) the scan covers, and the ancestors on the way. Stage-1
`Lister`s run once per scanned project (`scope="project"`) or once per node of the hierarchy
(`scope="node"`: the organization, every folder and every project, e.g. sinks and IAM
policies). Later `Detailer`s choose their work from what earlier stages found (the buckets
sinks name, the keys log stores name). Every task returns a `Found`; only the main thread
merges them, in submission order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from scanner.model import CollectionError, EvidenceRef, Resource
from scanner.providers.base import Call
from scanner.providers.gcp.names import RM, full_name

if TYPE_CHECKING:
    from scanner.providers.gcp.api import GcpApi

NodeKind = Literal["organization", "folder", "project"]


@dataclass(frozen=True)
class Node:
    """An organization, folder or project: its relative name and place in the tree."""

    name: str  # organizations/1 | folders/2 | projects/<projectId>
    kind: NodeKind
    parent: str | None = None
    display_name: str | None = None
    state: str | None = None
    project_number: str | None = None
    # True for the projects the scan covers (their services are collected).
    in_scan: bool = False
    # The Resource Manager answer the node was read from (None: it could not be read).
    evidence: tuple[EvidenceRef, ...] = ()

    @property
    def account(self) -> str:
        """The account of the node's own resources: the project ID, or the relative name."""
        return self.name.split("/", 1)[1] if self.kind == "project" else self.name

    @property
    def id(self) -> str:
        """The node's resource id (full name)."""
        return full_name(RM, self.name)


@dataclass(frozen=True)
class Scope:
    """The hierarchy a scan covers: nodes by name, in a stable (tree) order."""

    nodes: Mapping[str, Node]
    organization: str | None = None

    def ordered(self) -> list[Node]:
        """Organization first, then folders, then projects, each sorted by name."""
        rank = {"organization": 0, "folder": 1, "project": 2}
        return sorted(self.nodes.values(), key=lambda n: (rank[n.kind], n.name))

    def projects(self) -> list[Node]:
        """The scanned projects."""
        return [n for n in self.ordered() if n.kind == "project" and n.in_scan]

    def ancestors(self, name: str) -> list[str]:
        """Relative names of the known ancestors of a node, nearest first (stops where the
        chain could not be read)."""
        found: list[str] = []
        node = self.nodes.get(name)
        while node is not None and node.parent and node.parent not in found:
            found.append(node.parent)
            node = self.nodes.get(node.parent)
        return found

    def projects_under(self, name: str) -> list[str]:
        """Project IDs of the scanned projects below a node (at any depth)."""
        return [p.account for p in self.projects() if name in self.ancestors(p.name)]


@dataclass
class Found:
    """What one task found: resources, attributes of hierarchy nodes (by relative name),
    failures that leave one resource partly unknown, items staged for later stages."""

    resources: list[Resource] = field(default_factory=list)
    node_attrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    node_evidence: dict[str, list[EvidenceRef]] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)
    staged: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Collected:
    """Everything the stages so far found, merged: what a Detailer chooses its work from."""

    resources: Sequence[Resource]
    staged: Mapping[str, Sequence[Any]]
    scope: Scope
    errors: Sequence[CollectionError] = ()

    def of_type(self, rtype: str) -> list[Resource]:
        """The resources of one type found so far."""
        return [r for r in self.resources if r.type == rtype]


@dataclass(frozen=True)
class Lister:
    """A stage-1 task per scanned project (`project`) or per hierarchy node (`node`).
    `types` err for that node's account where it fails; `attrs` are node attributes it sets
    (`audit_configs`, `cloudasset_enabled`), which become that error too."""

    name: str
    scope: Literal["project", "node"]
    types: tuple[str, ...]
    calls: tuple[Call, ...]
    run: Callable[[GcpApi, Scope, Node], Found]
    attrs: tuple[str, ...] = ()
    # For `node` listers: the node kinds it runs on (sinks: all three).
    kinds: tuple[NodeKind, ...] = ("organization", "folder", "project")


@dataclass(frozen=True)
class Detailer:
    """A later-stage task per item earlier stages found: `select` yields (label, account,
    item); `types` err in that account where the task fails."""

    name: str
    stage: int
    types: tuple[str, ...]
    calls: tuple[Call, ...]
    select: Callable[[Collected], Iterable[tuple[str, str, Any]]]
    run: Callable[[GcpApi, Scope, Any], Found]


@dataclass(frozen=True)
class Service:
    """One GCP service module's declaration."""

    name: str
    listers: tuple[Lister, ...] = ()
    detailers: tuple[Detailer, ...] = ()
    # Calls made outside listers and detailers (enumeration): declared all the same.
    calls: tuple[Call, ...] = ()

    def all_calls(self) -> list[Call]:
        """Every call the service declares."""
        return [
            *self.calls,
            *(c for lister in self.listers for c in lister.calls),
            *(c for detailer in self.detailers for c in detailer.calls),
        ]


def all_calls(services: Iterable[Service]) -> list[Call]:
    """Every call the services declare, once each, in declaration order."""
    return list(dict.fromkeys(c for s in services for c in s.all_calls()))
