"""Azure as logward sees it: the adapter the registry names (`scanner.providers.azure:ADAPTER`).

Nothing here imports an Azure SDK at import time: `logward plan` and the policy loader read
this module; only a live scan or the demo loads the SDKs (`clients.py`, `api.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import InputError
from scanner.link import Declared, Join, LinkSpec, resolve
from scanner.plan.mapping import TerraformProvider
from scanner.policy.operators import Operator
from scanner.providers.azure.declare import Service, all_ops
from scanner.providers.azure.derive import DERIVERS
from scanner.providers.azure.links import JOINS, LINKS, live_gaps, live_refs
from scanner.providers.azure.operators import OPERATORS
from scanner.providers.azure.services import SERVICES
from scanner.providers.azure.terraform import TERRAFORM
from scanner.providers.base import Deriver, Option
from scanner.source import Collected, Deadline, Progress, ScanFacts, SourceInfo, now_iso

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.evidence import EvidenceStore

HERE = Path(__file__).resolve().parent
# Not evaluated by any Azure policy; said in every live scan's limits.
LIVE_LIMITS = (
    "Entra ID directory roles (who may change the tenant's Entra diagnostic settings), "
    "Azure Policy assignments and Defender for Cloud settings were not evaluated.",
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Management group ids: letters, digits, "-", "_", "(", ")", "." up to 90 characters
# ("Management group ID", https://learn.microsoft.com/azure/governance/management-groups/create-management-group-portal).
_GROUP = re.compile(r"^[A-Za-z0-9_().-]{1,90}$")


@dataclass(frozen=True)
class Request:
    """What to scan (the `scan azure` options): every subscription the credential sees
    (neither given), these subscriptions, or those under a management group."""

    subscriptions: tuple[str, ...] = ()
    management_group: str | None = None


@dataclass
class LiveSource:
    """One Azure tenant (all of it, some subscriptions, or a management group's) through
    the SDK clients."""

    credential: Any
    request: Request
    evidence: EvidenceStore
    endpoint: str | None = None
    verify: str | bool = True
    services: Sequence[Service] = SERVICES
    label: str = "azure"
    caller: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def info(self) -> SourceInfo:
        """A live scan of Azure: live policies of Azure, whole subscriptions."""
        return SourceInfo(label=self.label, kind="live", clouds=frozenset({"azure"}))

    def collect(self, progress: Progress, deadline: Deadline | None = None) -> Collected:
        """Enumerate, collect and link; what `deadline` cuts short is an error."""
        from scanner.providers.azure.api import ArmApi
        from scanner.providers.azure.clients import Clients, caller_of
        from scanner.providers.azure.collect import scan

        started = now_iso()
        clients = Clients(self.credential, self.endpoint, self.verify)
        api = ArmApi(clients, self.evidence, all_ops(self.services), deadline)
        found = scan(api, self.request, self.services, progress)
        refs = live_refs(found.inventory, found.tenancy)
        gaps = live_gaps(found.inventory, found.tenancy)
        inventory = resolve(found.inventory, refs, Declared(LINKS, JOINS, DERIVERS), gaps)
        return Collected(
            inventory,
            ScanFacts(
                accounts=[s.account for s in found.tenancy.scanned()],
                regions=found.regions,
                caller=self.caller or caller_of(self.credential, clients.scope),
                api_calls=len(api.operations),
                limits=[*LIVE_LIMITS, *found.notes],
                started_at=started,
            ),
        )


def _subscriptions(raw: str | None) -> tuple[str, ...]:
    found: list[str] = []
    for item in (raw or "").split(","):
        value = item.strip().removeprefix("/subscriptions/")
        if not value:
            continue
        if not _GUID.match(value):
            raise InputError(f"--subscriptions: {item.strip()!r} is not a subscription id (GUID)")
        if value.lower() not in found:
            found.append(value.lower())
    return tuple(found)


def request_of(options: Mapping[str, Any]) -> Request:
    """What to scan, from the command-line options (InputError on bad input)."""
    subscriptions = _subscriptions(options.get("subscriptions"))
    group = (options.get("management_group") or "").strip() or None
    if group is not None and not _GROUP.match(group):
        raise InputError(f"--management-group: {group!r} is not a management group id")
    if subscriptions and group:
        raise InputError("scan azure: give --subscriptions or --management-group, not both")
    return Request(subscriptions=subscriptions, management_group=group)


def _ca_bundle(raw: str | None) -> str | bool:
    if not raw:
        return True
    path = Path(raw)
    if not path.is_file():
        raise InputError(f"--ca-bundle: {raw}: no such file")
    return str(path)


class AzureAdapter:
    """The Azure adapter: collectors declared per service module (`services.SERVICES`)."""

    name = "azure"
    title = "Azure"
    account_type = "azure.subscription"
    location_type = "azure.location"
    location_noun = "region"
    schema_dir = HERE / "schemas"
    links: tuple[LinkSpec, ...] = LINKS
    joins: tuple[Join, ...] = JOINS
    derivers: tuple[Deriver, ...] = DERIVERS
    operators: Mapping[str, Operator] = OPERATORS
    # The azurerm_* Terraform mappings (scanner/providers/azure/terraform; no azure SDK import).
    terraform: TerraformProvider | None = TERRAFORM
    # OCSF 1.3.0's account.type_id enum (the version logward writes) has 4 "Azure AD Account"
    # (an Entra identity, not a subscription) and no Azure subscription type, so 99 "Other",
    # as for GCP projects.
    ocsf_account = (99, "Other")
    options: tuple[Option, ...] = (
        Option(
            "--subscriptions",
            "Scan these subscriptions: id1[,id2] (GUIDs). Default: every subscription the "
            "credential sees.",
        ),
        Option(
            "--management-group",
            "Scan every subscription under this management group (its id, e.g. mg-platform).",
        ),
        Option(
            "--endpoint",
            "Send every ARM call to this https URL instead of https://management.azure.com "
            "(another cloud's Resource Manager, or a local fake).",
        ),
        Option(
            "--ca-bundle",
            "Trust the certificate authorities in this PEM file for the endpoint (TLS is "
            "never turned off).",
        ),
        Option(
            "--static-token",
            "Send a fixed bearer token instead of DefaultAzureCredential's (only with "
            "--endpoint https://127.0.0.1:PORT: a local fake).",
            is_flag=True,
        ),
    )

    def __init__(self, services: Sequence[Service] = SERVICES) -> None:
        self.services = tuple(services)
        # Azure policies and their mappings ship in the catalogue (policies/azure/, mappings/).
        self.policy_dirs: tuple[Path, ...] = ()
        self.mapping_dirs: tuple[Path, ...] = ()

    def live(
        self, options: Mapping[str, Any], config: Config, evidence: EvidenceStore
    ) -> LiveSource:
        """`logward scan azure [--subscriptions ID,ID | --management-group MG]`."""
        from scanner.providers.azure.clients import credential, endpoint_of

        request = request_of(options)
        endpoint = endpoint_of(options.get("endpoint"))
        verify = _ca_bundle(options.get("ca_bundle"))
        cred = credential(bool(options.get("static_token")), endpoint)
        return LiveSource(cred, request, evidence, endpoint, verify, self.services)

    def demo(self, evidence: EvidenceStore) -> AbstractContextManager[LiveSource] | None:
        """The golden tenant served by the local fake, scanned through the real clients."""
        return _demo(evidence, self.services)

    def permissions(self) -> str:
        """A custom role definition (az role definition create --role-definition) with
        every declared action and data action; AssignableScopes is for the user to fill."""
        ops = all_ops(self.services)
        actions = sorted({o.permission for o in ops if not o.data_action}, key=str.lower)
        data = sorted({o.permission for o in ops if o.data_action}, key=str.lower)
        return json.dumps(
            {
                "Name": "logward read-only",
                "IsCustom": True,
                "Description": "What logward scan azure reads (generated from its declared calls).",
                "Actions": actions,
                "NotActions": [],
                "DataActions": data,
                "NotDataActions": [],
                "AssignableScopes": ["/providers/Microsoft.Management/managementGroups/<MG>"],
            },
            indent=2,
        )

    def partition(self, resource_id: str) -> str | None:
        """Azure has no partitions in its resource ids."""
        return None


@contextmanager
def _demo(evidence: EvidenceStore, services: Sequence[Service]) -> Iterator[LiveSource]:
    from scanner.providers.azure.demo import demo_source

    with demo_source(evidence, services) as source:
        yield source
