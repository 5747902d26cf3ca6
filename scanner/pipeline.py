"""collect -> link -> evaluate -> map -> results: the run, independent of how it is invoked."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import __version__
from scanner.config import Config, load_config
from scanner.errors import InputError
from scanner.evidence import EvidenceStore
from scanner.inventory import Inventory
from scanner.mappings import Framework, check_references, load_frameworks, roll_up
from scanner.model import Finding
from scanner.policy.engine import evaluate
from scanner.policy.loader import CompiledPolicy, Policy, compile_policies, load_policies
from scanner.policy.loader import policy_set_hash as hash_policies
from scanner.results import ScanMeta, StreamingResults, build

if TYPE_CHECKING:
    from scanner.providers.aws.collect import Progress


@dataclass(frozen=True)
class Prepared:
    """Validated inputs of a run: policies, their compiled form, frameworks and config."""

    policies: list[Policy]
    compiled: list[CompiledPolicy]
    frameworks: list[Framework]
    config: Config
    policy_hash: str
    policy_version: str


def prepare(
    policy_paths: Sequence[Path] | None,
    config_path: Path | None,
    frameworks: Sequence[str] | None,
    provider: str | None = None,
) -> Prepared:
    """Load and check every input before any cloud call; InputError (exit 2) on problems."""
    policies = load_policies(policy_paths or None)
    config = load_config(config_path, policies)
    chosen = load_frameworks(only=frameworks or config.frameworks)
    problems = check_references(chosen, [p.id for p in policies]) if not policy_paths else []
    if problems:
        raise InputError(problems)
    active = [
        p
        for p in policies
        if p.id not in config.disabled and (provider is None or p.provider == provider)
    ]
    compiled = compile_policies(active, config.overrides)
    return Prepared(
        policies=active,
        compiled=compiled,
        frameworks=chosen,
        config=config,
        policy_hash=hash_policies(active, {c.policy.id: c.params for c in compiled}),
        policy_version="custom" if policy_paths else __version__,
    )


def now_iso() -> str:
    """The current UTC time as ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def assess(
    prepared: Prepared,
    inventory: Inventory,
    *,
    source: str,
    started_at: str,
    caller: str | None,
    accounts: Sequence[str],
    regions: Sequence[str],
    enabled_regions: Sequence[str] | None,
    api_calls: int,
    limits: Sequence[str] = (),
    now: datetime | None = None,
    keep: Callable[[CompiledPolicy], bool] = lambda _c: True,
) -> tuple[list[Finding], dict[str, Any]]:
    """Evaluate, roll up to controls, and build the results document."""
    compiled = [c for c in prepared.compiled if keep(c)]
    findings = list(evaluate(compiled, inventory, now))
    controls = roll_up(prepared.frameworks, findings, [c.policy.id for c in compiled])
    meta = ScanMeta(
        scan_id=str(uuid.uuid4()),
        source=source,
        started_at=started_at,
        finished_at=now_iso(),
        caller=caller,
        accounts=accounts,
        regions=regions,
        enabled_regions=enabled_regions,
        api_calls=api_calls,
        policy_hash=prepared.policy_hash,
        policy_version=prepared.policy_version,
        config_file=prepared.config.file,
        limits=limits,
    )
    return findings, build(meta, compiled, findings, prepared.frameworks, controls, inventory)


def assess_partitions(
    prepared: Prepared,
    partitions: Iterable[Inventory],
    out: Path,
    *,
    source: str,
    started_at: str,
    caller: str | None,
    regions: Sequence[str],
    enabled_regions: Sequence[str] | None,
    api_calls: int,
    limits: Sequence[str] = (),
    now: datetime | None = None,
    keep: Callable[[CompiledPolicy], bool] = lambda _c: True,
) -> dict[str, Any]:
    """assess() for estates too large to hold at once (many accounts): each partition (an
    account, linked, with everything its policies look at) is evaluated and its findings
    written to `out` (results.json) before the next partition is read. Memory holds one
    partition and the counts. Returns the results document without its findings."""
    compiled = [c for c in prepared.compiled if keep(c)]
    writer = StreamingResults(out, compiled, prepared.frameworks)
    accounts: set[str] = set()
    try:
        for inventory in partitions:
            writer.add(evaluate(compiled, inventory, now), inventory)
            accounts |= inventory.accounts()
        meta = ScanMeta(
            scan_id=str(uuid.uuid4()),
            source=source,
            started_at=started_at,
            finished_at=now_iso(),
            caller=caller,
            accounts=sorted(accounts),
            regions=regions,
            enabled_regions=enabled_regions,
            api_calls=api_calls,
            policy_hash=prepared.policy_hash,
            policy_version=prepared.policy_version,
            config_file=prepared.config.file,
            limits=limits,
        )
        return writer.finish(meta)
    except BaseException:
        writer.close()
        raise


def scan_plan(
    prepared: Prepared,
    path: Path,
    assume_complete: bool = False,
    source_dir: Path | None = None,
    evidence: EvidenceStore | None = None,
) -> tuple[list[Finding], dict[str, Any]]:
    """Evaluate the policies that can judge a Terraform plan (`evaluate_on: plan`). Account-
    scope policies need the whole account, which a plan rarely is: only with
    `assume_complete`. With `source_dir`, findings point at their `.tf` file and line."""
    from scanner.providers.terraform.plan import load_plan, plan_inventory
    from scanner.providers.terraform.sources import address_key, locate

    started = now_iso()
    plan = load_plan(path)
    planned = plan_inventory(plan)
    if evidence is not None:
        for blob in planned.evidence.values():
            evidence.keep(blob)
    limits = [
        f"{len(addresses)} resource(s) of type {rtype} are not evaluated: "
        + ", ".join(addresses[:5])
        + (" ..." if len(addresses) > 5 else "")
        for rtype, addresses in sorted(planned.not_evaluated.items())
    ]
    limits += [f"the plan deletes {address}" for address in planned.deleted]
    if not assume_complete:
        limits.append(
            "account-scope policies are not evaluated on a plan "
            "(use --assume-complete when the plan is the whole account)"
        )

    def keep(compiled: CompiledPolicy) -> bool:
        policy = compiled.policy
        return "plan" in policy.evaluate_on and (assume_complete or not policy.account_scope)

    findings, results = assess(
        prepared,
        planned.inventory,
        source="plan",
        started_at=started,
        caller=None,
        accounts=[planned.account],
        regions=[],
        enabled_regions=None,
        api_calls=0,
        limits=limits,
        keep=keep,
    )
    results["scan"]["input"] = str(path)
    results["scan"]["not_evaluated"] = {
        t: list(a) for t, a in sorted(planned.not_evaluated.items())
    }
    results["scan"]["deleted"] = list(planned.deleted)
    if source_dir is not None:
        where = locate(source_dir, plan)
        for finding in results["findings"]:
            address = next(
                (
                    e["params"].get("address")
                    for e in finding["evidence"]
                    if e["source"] == "terraform"
                ),
                None,
            )
            spot = where.get(address_key(address)) if address else None
            if spot is not None:
                finding["source"] = {"file": spot[0], "line": spot[1]}
    return findings, results


def scan_aws(
    prepared: Prepared,
    session: Any,
    regions: Sequence[str] | None,
    evidence: EvidenceStore,
    progress: Progress | None = None,
    source: str = "aws",
) -> tuple[list[Finding], dict[str, Any]]:
    """Collect an AWS account and assess it."""
    from scanner.providers.aws.collect import scan

    started = now_iso()
    collected = scan(session, regions, evidence, progress=progress)
    scope = collected.scope
    limits = [
        "Service control policies and resource control policies of AWS Organizations "
        "were not evaluated in the tamper analysis.",
        *collected.notes,
    ]
    return assess(
        prepared,
        collected.inventory,
        source=source,
        started_at=started,
        caller=scope.caller_arn,
        accounts=[scope.account],
        regions=scope.regions,
        enabled_regions=collected.enabled_regions,
        api_calls=len(collected.api.operations),
        limits=limits,
        keep=lambda c: "live" in c.policy.evaluate_on,
    )
