"""How an Azure service module declares what it reads, so the task list, the types a failed
call leaves as errors, the attributes a failed call makes unknowable, and the custom role of
`logward permissions azure` all come from one declaration per module.

An `Op` is one ARM read: the SDK client that carries it, its REST path, its documented
api-version and the RBAC action it needs. The gateway (`api.ArmApi`) refuses an op no
module declares, so the role is complete by construction.

The scope (`Tenancy`) is what enumeration found (`tenancy.py`): the tenant, its management
groups and subscriptions. Stage-1 `Lister`s run once per scanned subscription
(`scope="subscription"`) or once per tenant (`scope="tenant"`: Entra ID diagnostic
settings). Later `Detailer`s choose their work from what earlier stages found (the storage
accounts diagnostic settings name, the key vaults whose diagnostic settings must be read,
the workspaces that receive logs). Every task returns a `Found`; only the main thread
merges them, in submission order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from scanner.model import CollectionError, EvidenceRef, Resource
from scanner.providers.azure.names import canonical

if TYPE_CHECKING:
    from scanner.providers.azure.api import ArmApi

# Subscription states that can be read; any other (Disabled, Deleted) gets no call and is
# named in the limits. "Subscription states",
# https://learn.microsoft.com/azure/cost-management-billing/manage/subscription-states
READABLE_STATES = frozenset({"Enabled", "Warned", "PastDue"})


@dataclass(frozen=True)
class Op:
    """One declared ARM read."""

    # Which SDK client carries it (clients.KINDS): "subscriptions", "managementgroups",
    # "resources", "monitor", "storage", "authorization", "network", "loganalytics",
    # "keyvault".
    client: str
    # Unique name, e.g. "Insights/diagnosticSettings.list".
    name: str
    # The REST path with `{param}` holes: "/subscriptions/{subscription}/providers/...", or
    # "{id}/providers/..." where `{id}` is a resource id (inserted as given, never re-cased).
    path: str
    # The documented api-version the fixtures and normalizers follow.
    api_version: str
    # The Azure RBAC action it needs ("Microsoft.Insights/DiagnosticSettings/Read").
    permission: str
    # "POST" only for documented POST list operations, named here one by one.
    method: str = "GET"
    # True when `permission` is a data action (DataActions of the custom role).
    data_action: bool = False
    # Fixed query parameters besides api-version (e.g. ("$filter", "atScope()")).
    query: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ManagementGroup:
    """A management group of the tenant."""

    name: str
    display_name: str | None = None
    parent: str | None = None  # canonical id of the parent group (None: root or unknown)
    tenant_id: str | None = None
    arm_id: str | None = None
    evidence: tuple[EvidenceRef, ...] = ()

    @property
    def id(self) -> str:
        """The canonical id: /providers/microsoft.management/managementgroups/<name>."""
        return canonical(f"/providers/Microsoft.Management/managementGroups/{self.name}")

    @property
    def account(self) -> str:
        """The account its findings are reported under."""
        return f"managementGroups/{self.name}"


@dataclass(frozen=True)
class Subscription:
    """A subscription the scan covers or met on the way."""

    subscription_id: str  # lowercased GUID
    display_name: str | None = None
    state: str | None = None
    tenant_id: str | None = None
    # Canonical ids of its management group ancestors, nearest first ([]: not known).
    management_groups: tuple[str, ...] = ()
    # True for the subscriptions whose services are collected.
    in_scan: bool = False
    arm_id: str | None = None
    evidence: tuple[EvidenceRef, ...] = ()

    @property
    def id(self) -> str:
        """The canonical id: /subscriptions/<guid>."""
        return f"/subscriptions/{self.subscription_id}"

    @property
    def account(self) -> str:
        """The account of everything inside it: its GUID."""
        return self.subscription_id


@dataclass(frozen=True)
class Tenancy:
    """What enumeration found: the tenant, management groups and subscriptions."""

    tenant_id: str | None
    subscriptions: Mapping[str, Subscription]
    management_groups: Mapping[str, ManagementGroup] = field(default_factory=dict)

    @property
    def tenant(self) -> str | None:
        """The tenant's canonical id: /tenants/<guid>."""
        return f"/tenants/{self.tenant_id}" if self.tenant_id else None

    def scanned(self) -> list[Subscription]:
        """The subscriptions whose services are collected, by id."""
        return sorted(
            (s for s in self.subscriptions.values() if s.in_scan),
            key=lambda s: s.subscription_id,
        )

    def ordered(self) -> list[Subscription]:
        """Every subscription known, by id."""
        return sorted(self.subscriptions.values(), key=lambda s: s.subscription_id)


@dataclass
class Found:
    """What one task found: resources, attributes to set on resources found before (the
    subscription and tenant resources included, by canonical id), failures that leave one
    resource partly unknown, items staged for later stages, and limits to report."""

    resources: list[Resource] = field(default_factory=list)
    attrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    evidence: dict[str, list[EvidenceRef]] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)
    staged: dict[str, list[Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Collected:
    """Everything the stages so far found, merged: what a Detailer chooses its work from."""

    resources: Sequence[Resource]
    staged: Mapping[str, Sequence[Any]]
    tenancy: Tenancy
    errors: Sequence[CollectionError] = ()
    # Resource types whose resource-level diagnostic settings are read (every service's
    # `Service.diagnostic_targets`).
    diagnostic_targets: frozenset[str] = frozenset()

    def of_type(self, rtype: str) -> list[Resource]:
        """The resources of one type found so far."""
        return [r for r in self.resources if r.type == rtype]


# A lister's work: (api, tenancy, the subscription; None for a tenant lister) -> Found.
ListerRun = Callable[["ArmApi", Tenancy, "Subscription | None"], Found]


@dataclass(frozen=True)
class Lister:
    """A stage-1 task per scanned subscription (`subscription`) or once per tenant
    (`tenant`). `types` err for that subscription (or the tenant) where it fails; `attrs`
    are attributes of the subscription (or tenant) resource it sets, which become that
    error too."""

    name: str
    scope: Literal["subscription", "tenant"]
    types: tuple[str, ...]
    ops: tuple[Op, ...]
    run: ListerRun
    attrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Detailer:
    """A later-stage task per item earlier stages found: `select` yields (label, account,
    item); `types` err in that account where the task fails. When `target(item)` names a
    resource id, `attrs` of that resource become the error where the task fails."""

    name: str
    stage: int
    types: tuple[str, ...]
    ops: tuple[Op, ...]
    select: Callable[[Collected], Iterable[tuple[str, str, Any]]]
    run: Callable[[ArmApi, Tenancy, Any], Found]
    attrs: tuple[str, ...] = ()
    target: Callable[[Any], str | None] | None = None


@dataclass(frozen=True)
class Service:
    """One Azure service module's declaration."""

    name: str
    listers: tuple[Lister, ...] = ()
    detailers: tuple[Detailer, ...] = ()
    # Ops made outside listers and detailers (enumeration): declared all the same.
    ops: tuple[Op, ...] = ()
    # Resource types (e.g. "azure.keyvault.vault") whose resource-level diagnostic settings
    # `diagnostics.py` reads: a module asks for its resources' settings here.
    diagnostic_targets: tuple[str, ...] = ()

    def all_ops(self) -> list[Op]:
        """Every op the service declares."""
        return [
            *self.ops,
            *(o for lister in self.listers for o in lister.ops),
            *(o for detailer in self.detailers for o in detailer.ops),
        ]


def all_ops(services: Iterable[Service]) -> list[Op]:
    """Every op the services declare, once each, in declaration order."""
    return list(dict.fromkeys(o for s in services for o in s.all_ops()))


def diagnostic_targets(services: Iterable[Service]) -> frozenset[str]:
    """Every resource type some service asks diagnostic settings for."""
    return frozenset(t for s in services for t in s.diagnostic_targets)
