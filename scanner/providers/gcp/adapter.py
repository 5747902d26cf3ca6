"""GCP as logward sees it: the adapter the registry names (`scanner.providers.gcp:ADAPTER`).

Nothing here imports a Google SDK at import time: `logward plan` and the policy loader read
this module; only a live scan or the demo loads the SDKs (`clients.py`).
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
from scanner.providers.base import Deriver, Option
from scanner.providers.gcp.declare import Service, all_calls
from scanner.providers.gcp.derive import DERIVERS
from scanner.providers.gcp.links import JOINS, LINKS, live_gaps, live_refs
from scanner.providers.gcp.operators import OPERATORS
from scanner.providers.gcp.services import SERVICES
from scanner.providers.gcp.terraform import TERRAFORM
from scanner.source import Collected, Deadline, Progress, ScanFacts, SourceInfo, now_iso

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.evidence import EvidenceStore

HERE = Path(__file__).resolve().parent
# Not evaluated by any GCP policy; said in every live scan's limits.
LIVE_LIMITS = (
    "IAM deny policies, principal access boundaries and organization policy constraints "
    "were not evaluated.",
)
_NUMBER = re.compile(r"^[0-9]{1,20}$")
_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$")


@dataclass
class LiveSource:
    """One GCP scope (organization, folders or projects) through the SDK clients."""

    creds: Any
    request: Any  # collect.Request
    evidence: EvidenceStore
    endpoints: Mapping[str, str] = field(default_factory=dict)
    services: Sequence[Service] = SERVICES
    caller: str | None = None
    label: str = "gcp"

    @property
    def info(self) -> SourceInfo:
        """A live scan of GCP: live policies of GCP, whole projects."""
        return SourceInfo(label=self.label, kind="live", clouds=frozenset({"gcp"}))

    def collect(self, progress: Progress, deadline: Deadline | None = None) -> Collected:
        """Enumerate, collect and link; what `deadline` cuts short is an error."""
        from scanner.providers.gcp.api import GcpApi
        from scanner.providers.gcp.clients import Clients
        from scanner.providers.gcp.collect import scan

        started = now_iso()
        projects = list(getattr(self.request, "projects", ()) or ())
        clients = Clients(self.creds, self.endpoints, project=projects[0] if projects else "-")
        api = GcpApi(clients, self.evidence, all_calls(self.services), deadline)
        found = scan(api, self.request, self.services, progress)
        refs = live_refs(found.inventory, found.scope)
        gaps = live_gaps(found.inventory, found.scope)
        inventory = resolve(found.inventory, refs, Declared(LINKS, JOINS, DERIVERS), gaps)
        return Collected(
            inventory,
            ScanFacts(
                accounts=[p.account for p in found.scope.projects()],
                regions=("global",),
                caller=self.caller or _caller(self.creds),
                api_calls=len(api.operations),
                limits=[*LIVE_LIMITS, *found.notes],
                started_at=started,
            ),
        )


def _caller(creds: Any) -> str | None:
    """The account the credentials act as, where they name it (a service account's key, the
    metadata server's account; user credentials do not name theirs offline). Read after the
    scan: GCE/Cloud Run credentials say "default" until their first refresh asks the
    metadata server for the real email."""
    email = getattr(creds, "service_account_email", None)
    return str(email) if email and email != "default" else None


def _ids(raw: str | None, flag: str, pattern: re.Pattern[str], prefix: str) -> list[str]:
    found = []
    for item in (raw or "").split(","):
        value = item.strip().removeprefix(prefix)
        if not value:
            continue
        if not pattern.match(value):
            raise InputError(f"{flag}: {item.strip()!r} is not a valid {flag.lstrip('-')} id")
        found.append(value)
    return found


def request_of(options: Mapping[str, Any]) -> Any:
    """What to scan, from the command-line options (InputError when nothing is named)."""
    from scanner.providers.gcp.collect import Request

    orgs = _ids(options.get("organization"), "--organization", _NUMBER, "organizations/")
    if len(orgs) > 1:
        raise InputError("--organization: one organization id per scan")
    request = Request(
        organization=orgs[0] if orgs else None,
        folders=_ids(options.get("folders"), "--folders", _NUMBER, "folders/"),
        projects=_ids(options.get("projects"), "--projects", _PROJECT, "projects/"),
    )
    if not (request.organization or request.folders or request.projects):
        raise InputError(
            "scan gcp: name what to scan with --organization ORG_ID, --folders F[,F2] or "
            "--projects p1[,p2]"
        )
    return request


class GcpAdapter:
    """The GCP adapter: collectors declared per service module (`services.SERVICES`)."""

    name = "gcp"
    title = "GCP"
    account_type = "gcp.project"
    location_type = "gcp.location"
    location_noun = "location"
    schema_dir = HERE / "schemas"
    links: tuple[LinkSpec, ...] = LINKS
    joins: tuple[Join, ...] = JOINS
    derivers: tuple[Deriver, ...] = DERIVERS
    operators: Mapping[str, Operator] = OPERATORS
    # The google_* Terraform mappings (scanner/providers/gcp/terraform; no google SDK import).
    terraform: TerraformProvider | None = TERRAFORM
    # OCSF 1.3.0's account.type_id enum (the version logward writes) has no GCP project:
    # 11 "GCP Project" came with a later version, so 99 "Other" until the output moves on.
    ocsf_account = (99, "Other")
    options: tuple[Option, ...] = (
        Option("--organization", "Scan every project of this organization (its numeric id)."),
        Option("--folders", "Scan every project under these folders: F[,F2] (numeric ids)."),
        Option("--projects", "Scan these projects: p1[,p2] (project ids)."),
        Option(
            "--impersonate-service-account",
            "Scan as this service account, impersonated with the Application Default Credentials.",
        ),
        Option(
            "--endpoint",
            "Send an API host's calls elsewhere (a local fake): "
            "host=http://127.0.0.1:PORT[,host2=...].",
        ),
        Option(
            "--anonymous",
            "Send no credentials (a local fake or emulator only).",
            is_flag=True,
        ),
    )

    def __init__(self, services: Sequence[Service] = SERVICES) -> None:
        self.services = tuple(services)
        # GCP policies and their mappings ship in the catalogue (policies/gcp/, mappings/).
        self.policy_dirs: tuple[Path, ...] = ()
        self.mapping_dirs: tuple[Path, ...] = ()

    def live(
        self, options: Mapping[str, Any], config: Config, evidence: EvidenceStore
    ) -> LiveSource:
        """`logward scan gcp --organization ORG | --folders F | --projects p1,p2`."""
        from scanner.providers.gcp.clients import credentials, parse_endpoints

        request = request_of(options)
        endpoints = parse_endpoints(options.get("endpoint"))
        impersonate = options.get("impersonate_service_account") or None
        creds = credentials(impersonate, bool(options.get("anonymous")), endpoints)
        # Who the scan runs as: the impersonated account, else what the credentials say once
        # they have been used (`_caller`, read after the scan).
        return LiveSource(creds, request, evidence, endpoints, self.services, caller=impersonate)

    def demo(self, evidence: EvidenceStore) -> AbstractContextManager[LiveSource]:
        """The golden estate served by the local fake, scanned through the real clients."""
        return _demo(evidence, self.services)

    def permissions(self) -> str:
        """A custom role (gcloud iam roles create --file) with every declared permission."""
        permissions = sorted({c.permission for c in all_calls(self.services)})
        return json.dumps(
            {
                "title": "logward read-only",
                "description": "What logward scan gcp reads (generated from its declared calls).",
                "stage": "GA",
                "includedPermissions": permissions,
            },
            indent=2,
        )

    def partition(self, resource_id: str) -> str | None:
        """GCP has no partitions."""
        return None


@contextmanager
def _demo(evidence: EvidenceStore, services: Sequence[Service]) -> Iterator[LiveSource]:
    from scanner.providers.gcp.demo import demo_source

    with demo_source(evidence, services) as source:
        yield source
