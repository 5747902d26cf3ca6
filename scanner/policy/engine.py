"""Evaluate compiled policies over an inventory, one finding per policy and resource."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Absent, EvidenceRef, Finding, Resource, Status
from scanner.policy.loader import CompiledPolicy
from scanner.policy.operators import Context
from scanner.policy.outcomes import MISSING, Outcome, lookup

MAX_MESSAGE_REASONS = 8


def evaluate(
    policies: Iterable[CompiledPolicy], inventory: Inventory, now: datetime | None = None
) -> Iterator[Finding]:
    """Yield every finding: a status for each in-scope resource, and an `error` finding for each
    collection failure that leaves a policy's resource type partly uncollected."""
    now = now or datetime.now(UTC)
    for compiled in policies:
        policy = compiled.policy
        for error in inventory.type_errors(policy.resource):
            yield Finding(
                policy_id=policy.id,
                status=Status.ERROR,
                severity=policy.severity,
                resource_id=f"{error.provider}:{error.account}:{error.region}:{policy.resource}",
                resource_type=policy.resource,
                resource_name=f"{policy.resource} in {error.account}/{error.region}",
                provider=error.provider,
                account=error.account,
                region=error.region,
                message=f"could not list {policy.resource}: {error.reason}",
            )
        for resource in inventory.of_type(policy.resource):
            finding = evaluate_one(compiled, resource, inventory, now)
            if finding is not None:
                yield finding


def evaluate_one(
    compiled: CompiledPolicy, resource: Resource, inventory: Inventory, now: datetime
) -> Finding | None:
    """The finding of one policy on one resource, or None when `select` excludes it."""
    ctx = Context(inventory=inventory, now=now)
    if compiled.select is not None:
        status, reasons = compiled.select.fn(resource, resource.attrs, ctx)
        if status is Status.FAIL and _absent_only(resource, reasons):
            # A target that does not exist fails every policy whose select it fails only
            # for being absent: its links (who names it) still decide whether it applies.
            return _finding(compiled, resource, (status, reasons), ctx)
        if status is Status.FAIL:
            return None
        if status is not Status.PASS:
            reasons = ("cannot tell whether the policy applies: " + "; ".join(reasons),)
            return _finding(compiled, resource, (status, reasons), ctx)
    status, reasons = compiled.condition.fn(resource, resource.attrs, ctx)
    return _finding(compiled, resource, (status, reasons), ctx)


def _absent_only(resource: Resource, reasons: tuple[str, ...]) -> bool:
    absent = resource.placeholder
    return isinstance(absent, Absent) and all(r == absent.reason for r in reasons)


def _finding(
    compiled: CompiledPolicy, resource: Resource, outcome: Outcome, ctx: Context
) -> Finding:
    status, reasons = outcome
    inventory = ctx.inventory
    policy = compiled.policy
    subject = f'{resource.kind} "{resource.name}"'
    if status is Status.PASS:
        message = f"{subject}: {policy.title}"
    else:
        shown = list(dict.fromkeys(reasons))[:MAX_MESSAGE_REASONS]
        more = len(set(reasons)) - len(shown)
        message = f"{subject}: " + "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
    related = tuple(dict.fromkeys(r for r in ctx.visited if r != resource.id))
    evidence: list[EvidenceRef] = list(resource.evidence)
    for rid in related:
        other = inventory.get(rid)
        if other is not None:
            evidence.extend(other.evidence)
    observed: dict[str, Any] = {}
    for path in policy.report:
        value = lookup(resource, resource.attrs, path.split("."))
        observed[path] = None if value is MISSING else value
    return Finding(
        policy_id=policy.id,
        status=status,
        severity=policy.severity,
        resource_id=resource.id,
        resource_type=resource.type,
        resource_name=resource.name,
        provider=resource.provider,
        account=resource.account,
        region=resource.region,
        message=message,
        evidence=tuple({(e.sha256, e.operation, e.region): e for e in evidence}.values()),
        related=related,
        observed=observed,
    )
