"""What a cloud brings to logward: the `Adapter` protocol, and the small declarations adapters
build it from. The core (CLI, pipeline, policy loader, linker, plan reader, renderers) reaches
a cloud only through this protocol, so a new cloud is a new folder under `scanner/providers/`
plus one line in the registry (`scanner/providers/__init__.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.evidence import EvidenceStore
    from scanner.inventory import Inventory
    from scanner.link import Join, LinkSpec
    from scanner.plan.mapping import TerraformProvider
    from scanner.policy.operators import Operator
    from scanner.source import Source


@dataclass(frozen=True)
class Call:
    """One API operation a collector makes, and the permission it needs (an IAM action, a GCP
    permission, an Azure action). Calls are declared so that the least-privilege role the
    scan needs is generated from them, and a call that is not declared cannot be made."""

    service: str
    operation: str
    permission: str


@dataclass(frozen=True)
class Option:
    """A command-line option of `logward scan <cloud>`: `--flag VALUE` (or a bare flag)."""

    flag: str
    help: str
    default: Any = None
    is_flag: bool = False

    @property
    def dest(self) -> str:
        """The keyword the adapter receives the value under (`--profile-name` -> profile_name)."""
        return self.flag.lstrip("-").replace("-", "_")


Deriver = Callable[["Inventory"], Mapping[str, Mapping[str, Any]]]


@runtime_checkable
class Adapter(Protocol):
    """One cloud.

    `name` is the command word (`logward scan aws`), the prefix of its resource types
    (`aws.s3.bucket`) and the `provider:` of its policies. `policy_dirs` and `mapping_dirs`
    hold a cloud's policies and mapping fragments when they do not ship in the catalogue
    (`policies/<cloud>/`, `mappings/`): a plugin's own. `account_type` and `location_type`
    are the types account-scope policies judge (they need the whole account, so a plan judges
    them only with --assume-complete). `links` and `joins` declare every link once, for live
    scans and plans alike; `derive` computes attributes from linked resources (returning new
    values, never changing a resource). `terraform` maps the cloud's Terraform resources onto
    its types (None: plans hold nothing of this cloud that logward judges).
    """

    name: str
    title: str
    account_type: str
    location_type: str
    location_noun: str
    schema_dir: Path
    policy_dirs: tuple[Path, ...]
    mapping_dirs: tuple[Path, ...]
    links: tuple[LinkSpec, ...]
    joins: tuple[Join, ...]
    derivers: tuple[Deriver, ...]
    operators: Mapping[str, Operator]
    options: tuple[Option, ...]
    terraform: TerraformProvider | None
    # OCSF account.type_id and account.type of this cloud's accounts (OCSF 1.3.0 enum).
    ocsf_account: tuple[int, str]

    def live(self, options: Mapping[str, Any], config: Config, evidence: EvidenceStore) -> Source:
        """A live scan from the command-line options (credentials from the SDK's own chain)."""
        ...

    def demo(self, evidence: EvidenceStore) -> AbstractContextManager[Source] | None:
        """The built-in demo estate as a source (None: this cloud has none)."""
        ...

    def permissions(self) -> str:
        """The least-privilege permissions document a live scan needs, generated from the
        declared calls."""
        ...

    def partition(self, resource_id: str) -> str | None:
        """The cloud partition a resource id names (OCSF cloud_partition), if any."""
        ...


def declared_types(adapter: Adapter) -> list[str]:
    """The resource types an adapter's schemas describe."""
    return sorted(p.stem for p in Path(adapter.schema_dir).glob("*.json"))


def account_scope_types(adapters: Sequence[Adapter]) -> frozenset[str]:
    """The types whose policies judge a whole account."""
    return frozenset(t for a in adapters for t in (a.account_type, a.location_type))
