"""A minimal GCP adapter (stub): enough for the policy loader, the linker and the policy
cases (schemas, links, derivers). The live scan, demo and permissions belong to the real
adapter, which replaces this file."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import RunError
from scanner.link import Join, LinkSpec
from scanner.plan.mapping import TerraformProvider
from scanner.policy.operators import Operator
from scanner.providers.base import Deriver, Option
from scanner.providers.gcp.derive import DERIVERS
from scanner.providers.gcp.links import JOINS, LINKS
from scanner.providers.gcp.operators import OPERATORS

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.evidence import EvidenceStore
    from scanner.source import Source

HERE = Path(__file__).resolve().parent


class GcpAdapter:
    """GCP: schemas, links and derivers only (stub)."""

    name = "gcp"
    title = "Google Cloud"
    account_type = "gcp.project"
    location_type = "gcp.location"
    location_noun = "location"
    schema_dir = HERE / "schemas"
    policy_dirs: tuple[Path, ...] = ()
    mapping_dirs: tuple[Path, ...] = ()
    links: tuple[LinkSpec, ...] = LINKS
    joins: tuple[Join, ...] = JOINS
    derivers: tuple[Deriver, ...] = DERIVERS
    operators: Mapping[str, Operator] = OPERATORS
    options: tuple[Option, ...] = ()
    terraform: TerraformProvider | None = None
    ocsf_account = (99, "Other")

    def live(self, options: Mapping[str, Any], config: Config, evidence: EvidenceStore) -> Source:
        """Not on this branch."""
        raise RunError("the GCP live scan is not built on this branch")

    def demo(self, evidence: EvidenceStore) -> AbstractContextManager[Source] | None:
        """No demo estate on this branch."""
        return None

    def permissions(self) -> str:
        """Not on this branch."""
        raise RunError("GCP permissions are not built on this branch")

    def partition(self, resource_id: str) -> str | None:
        """GCP has no partitions."""
        return None
