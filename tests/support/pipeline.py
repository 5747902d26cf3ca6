"""Running the pipeline from tests: a collected inventory, a boto3 session or a plan file in,
an Assessment out, exactly as the commands run it."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from scanner import pipeline
from scanner.assessment import Assessment
from scanner.evidence import EvidenceStore
from scanner.inventory import Inventory
from scanner.model import Finding
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


@cache
def shipped_catalogue() -> pipeline.Prepared:
    """The shipped catalogue with default parameters (an empty config file, so a logward.yaml
    in the working directory cannot change what is judged)."""
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "logward.yaml"
        empty.write_text("", encoding="utf-8")
        return pipeline.prepare(None, empty, None)


def judge_plan(plan: Mapping[str, Any]) -> tuple[Finding, ...]:
    """`logward plan --assume-complete` on a plan document, judged by the shipped catalogue."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.json"
        path.write_text(json.dumps(plan), encoding="utf-8")
        return scan_plan(shipped_catalogue(), path, assume_complete=True).findings
