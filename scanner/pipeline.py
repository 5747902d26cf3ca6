"""collect -> link -> evaluate -> (waivers) -> roll up -> build -> (history): the run,
independent of how it is invoked and of which cloud or plan the source reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.assessment import Assessment, ScanDescription
from scanner.config import Config, load_config
from scanner.errors import InputError
from scanner.inventory import Inventory
from scanner.mappings import Framework, check_references, load_frameworks, roll_up
from scanner.model import Finding, Status
from scanner.policy.engine import evaluate
from scanner.policy.loader import CompiledPolicy, Policy, compile_policies, load_policies
from scanner.policy.loader import policy_set_hash as hash_policies
from scanner.results import StreamingResults
from scanner.source import Collected, Progress, ScanFacts, Source, SourceInfo, now_iso, silent

Key = tuple[str, str]
__all__ = ["Prepared", "assess", "assess_partitions", "now_iso", "prepare", "run", "select"]


@dataclass(frozen=True)
class Prepared:
    """Validated inputs of a run: policies, their compiled form, frameworks and config."""

    policies: list[Policy]
    compiled: list[CompiledPolicy]
    frameworks: list[Framework]
    config: Config
    policy_version: str


def prepare(
    policy_paths: Sequence[Path] | None,
    config_path: Path | None,
    frameworks: Sequence[str] | None,
) -> Prepared:
    """Load and check every input before any cloud call; InputError (exit 2) on problems."""
    policies = load_policies(policy_paths or None)
    config = load_config(config_path, policies)
    chosen = load_frameworks(only=frameworks or config.frameworks)
    problems = check_references(chosen, [p.id for p in policies]) if not policy_paths else []
    if problems:
        raise InputError(problems)
    active = [p for p in policies if p.id not in config.disabled]
    return Prepared(
        policies=active,
        compiled=compile_policies(active, config.overrides),
        frameworks=chosen,
        config=config,
        policy_version="custom" if policy_paths else __version__,
    )


def select(prepared: Prepared, info: SourceInfo) -> list[CompiledPolicy]:
    """The policies that apply to a source: meant for its kind (`evaluate_on`), of the clouds
    it covers, and of account scope only when it holds whole accounts."""
    return [
        c
        for c in prepared.compiled
        if info.kind in c.policy.evaluate_on
        and (info.clouds is None or c.policy.provider in info.clouds)
        and (info.complete or not c.policy.account_scope)
    ]


def run(
    prepared: Prepared,
    source: Source,
    *,
    progress: Progress = silent,
    baseline: frozenset[Key] | None = None,
    now: datetime | None = None,
) -> Assessment:
    """Collect from `source` and assess what it found."""
    return assess(prepared, source.info, source.collect(progress), baseline=baseline, now=now)


def annotate(
    findings: Iterable[Finding],
    locate: Callable[[Finding], tuple[str, int] | None] | None,
    baseline: frozenset[Key] | None,
) -> list[Finding]:
    """Findings with where their resource is written, and, under a baseline, whether each
    fail or error is new or was already there."""
    out = []
    for finding in findings:
        location = locate(finding) if locate is not None else None
        mark = None
        if baseline is not None and finding.status in (Status.FAIL, Status.ERROR):
            known = (finding.policy_id, finding.resource_id) in baseline
            mark = "existing" if known else "new"
        if location is not None or mark is not None:
            finding = replace(finding, location=location, baseline=mark)
        out.append(finding)
    return out


def describe(
    prepared: Prepared, source: str, facts: ScanFacts, compiled: Sequence[CompiledPolicy]
) -> ScanDescription:
    """The scan description of a run that applied `compiled`."""
    return ScanDescription(
        scan_id=str(uuid.uuid4()),
        source=source,
        started_at=facts.started_at or now_iso(),
        finished_at=now_iso(),
        caller=facts.caller,
        accounts=list(facts.accounts),
        regions=facts.regions,
        enabled_regions=facts.enabled_regions,
        api_calls=facts.api_calls,
        policy_hash=hash_policies(
            [c.policy for c in compiled], {c.policy.id: c.params for c in compiled}
        ),
        policy_version=prepared.policy_version,
        config_file=prepared.config.file,
        limits=facts.limits,
        plan=facts.plan,
    )


def assess(
    prepared: Prepared,
    info: SourceInfo,
    collected: Collected,
    *,
    baseline: frozenset[Key] | None = None,
    now: datetime | None = None,
) -> Assessment:
    """Evaluate a collection, roll up to controls, and build the assessment (history, when it
    comes, records what this returns)."""
    compiled = select(prepared, info)
    found = evaluate(compiled, collected.inventory, now)
    findings = annotate(found, collected.locate, baseline)
    # Waivers will mark findings here, before the roll-up skips them.
    controls = roll_up(prepared.frameworks, findings, [c.policy.id for c in compiled])
    inventory = collected.inventory
    return Assessment(
        scan=describe(prepared, info.label, collected.facts, compiled),
        policies=tuple(compiled),
        frameworks=tuple(prepared.frameworks),
        findings=tuple(findings),
        controls=tuple(controls),
        errors=tuple(inventory.errors),
        inventory=inventory.counts(),
    )


def assess_partitions(
    prepared: Prepared,
    info: SourceInfo,
    partitions: Iterable[Inventory],
    out: Path,
    facts: ScanFacts,
) -> dict[str, Any]:
    """assess() for estates too large to hold at once (many accounts): each partition (an
    account, linked, with everything its policies look at) is evaluated and its findings
    written to `out` (results.json) before the next partition is read. Memory holds one
    partition and the counts. Returns the results document without its findings."""
    compiled = select(prepared, info)
    writer = StreamingResults(out, compiled, prepared.frameworks)
    accounts: set[str] = set()
    try:
        for inventory in partitions:
            writer.add(evaluate(compiled, inventory), inventory)
            accounts |= inventory.accounts()
        every = replace(facts, accounts=sorted(accounts))
        return writer.finish(describe(prepared, info.label, every, compiled))
    except BaseException:
        writer.close()
        raise
