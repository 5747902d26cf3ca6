"""Running the pipeline from tests: a collected inventory, a boto3 session or a plan file in,
an Assessment out, exactly as the commands run it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner import pipeline
from scanner.assessment import Assessment
from scanner.evidence import EvidenceStore
from scanner.inventory import Inventory
from scanner.plan.source import PlanSource
from scanner.providers.aws.adapter import LiveSource
from scanner.source import Collected, ScanFacts, SourceInfo

AWS_LIVE = SourceInfo(label="test", kind="live", clouds=frozenset({"aws"}))


def assess_inventory(
    prepared: pipeline.Prepared,
    inventory: Inventory,
    info: SourceInfo = AWS_LIVE,
    **facts: Any,
) -> Assessment:
    """Evaluate a collected (linked) inventory as a live AWS scan of it would."""
    facts.setdefault("accounts", sorted(inventory.accounts()))
    return pipeline.assess(prepared, info, Collected(inventory, ScanFacts(**facts)))


def scan_session(
    prepared: pipeline.Prepared, session: Any, regions: list[str] | None = None, label: str = "aws"
) -> Assessment:
    """`logward scan aws` on a boto3 session."""
    return pipeline.run(prepared, LiveSource(session, regions, EvidenceStore(), label=label))


def scan_plan(prepared: pipeline.Prepared, path: Path, assume_complete: bool = False) -> Assessment:
    """`logward plan` on a plan file."""
    return pipeline.run(prepared, PlanSource(path, assume_complete))
