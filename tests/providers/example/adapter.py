"""The example cloud's adapter: everything logward needs from a cloud, and nothing more."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import InputError
from scanner.inventory import Inventory
from scanner.link import Join, LinkSpec, Ref
from scanner.model import CollectionError, Resource
from scanner.plan.context import Mapped, PlanContext, PlanResource, TypeMapping, known_or
from scanner.plan.context import resource as plan_resource
from scanner.plan.mapping import TerraformProvider
from scanner.policy.operators import Context, Operator
from scanner.providers.base import Deriver, Option
from scanner.source import Collected, Deadline, Progress, ScanFacts, SourceInfo, now_iso
from tests.providers.example.api import CALLS, ExampleApi, ExampleCallError, folder_transport

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.evidence import EvidenceStore

HERE = Path(__file__).resolve().parent
STORE = "example.log_store"
ACCOUNT = "example-account-1"


def _multiple_of(actual: Any, expected: Any, _ctx: Context) -> bool:
    return isinstance(actual, int) and not isinstance(actual, bool) and actual % expected == 0


def _positive(operand: Any) -> str | None:
    if isinstance(operand, int) and not isinstance(operand, bool) and operand > 0:
        return None
    return f"operator 'multiple_of' expects a positive integer, got {operand!r}"


@dataclass
class ExampleSource:
    """A live scan of the example cloud through its API."""

    api: ExampleApi

    @property
    def info(self) -> SourceInfo:
        """Live policies of the example cloud."""
        return SourceInfo(label="example", kind="live", clouds=frozenset({"example"}))

    def collect(self, progress: Progress, deadline: Deadline | None = None) -> Collected:
        """List the log stores; a failed page is an error for the whole type, never a gap."""
        started = now_iso()
        inventory = Inventory()
        try:
            for items, ref in self.api.pages("log-stores"):
                for item in items:
                    inventory.add(
                        Resource(
                            provider="example",
                            account=ACCOUNT,
                            region=str(item["location"]),
                            type=STORE,
                            id=f"example://{item['name']}",
                            name=str(item["name"]),
                            attrs={
                                "name": item["name"],
                                "retention_days": item.get("retentionDays"),
                                "location": item["location"],
                            },
                            evidence=(ref,),
                        )
                    )
        except ExampleCallError as exc:
            progress(f"error: {exc}")
            inventory.add_error(
                CollectionError(
                    "example", ACCOUNT, "global", exc.operation, exc.code, exc.message, (STORE,)
                )
            )
        facts = ScanFacts(accounts=[ACCOUNT], api_calls=self.api.calls, started_at=started)
        return Collected(inventory, facts)


def _store(res: PlanResource, ctx: PlanContext) -> Mapped:
    values = res.values
    name = values.get("name") if isinstance(values.get("name"), str) else res.name
    attrs = {
        "name": name,
        "retention_days": values.get("retention_days"),
        "location": values.get("location") or "global",
    }
    return Mapped(plan_resource(ctx, res, STORE, str(name), attrs, attrs["location"]))


def _literal(rtype: str, text: str, source: Resource, ctx: PlanContext) -> Ref:
    return Ref(text, name=text, account=ctx.account, region=source.region, shown=text)


TERRAFORM = TerraformProvider(
    provider="example",
    types={"example_log_store": TypeMapping(STORE, lambda r, _c: known_or(r, "id"), _store)},
    parts={},
    attached={},
    consumed=frozenset(),
    handles=("id", "name"),
    scope=lambda _ctx, _resources: [],
    literal=_literal,
    log_stores=lambda _plan: lambda _change: False,
)


class ExampleAdapter:
    """The example cloud."""

    name = "example"
    title = "Example Cloud"
    account_type = "example.account"
    location_type = "example.location"
    location_noun = "location"
    schema_dir = HERE / "schemas"
    policy_dirs: tuple[Path, ...] = (HERE / "policies",)
    mapping_dirs: tuple[Path, ...] = (HERE / "mappings",)
    links: tuple[LinkSpec, ...] = ()
    joins: tuple[Join, ...] = ()
    derivers: tuple[Deriver, ...] = ()
    operators: Mapping[str, Operator] = {
        "multiple_of": Operator(
            "multiple_of", _multiple_of, lambda e: f"a multiple of {e}", _positive
        )
    }
    options: tuple[Option, ...] = (Option("--endpoint", "The folder the fake API answers from."),)
    terraform: TerraformProvider | None = TERRAFORM
    ocsf_account = (99, "Other")

    def live(
        self, options: Mapping[str, Any], config: Config, evidence: EvidenceStore
    ) -> ExampleSource:
        """`logward scan example --endpoint DIR`."""
        endpoint = options.get("endpoint")
        if not endpoint:
            raise InputError("--endpoint: required for the example cloud")
        return ExampleSource(ExampleApi(folder_transport(Path(endpoint)), evidence))

    def demo(self, evidence: EvidenceStore) -> None:
        """No demo estate."""
        return None

    def permissions(self) -> str:
        """The permissions the declared calls need."""
        return json.dumps({"permissions": sorted({c.permission for c in CALLS})}, indent=2)

    def partition(self, resource_id: str) -> str | None:
        """The example cloud has no partitions."""
        return None
