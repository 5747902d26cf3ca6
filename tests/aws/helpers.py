"""Helpers the AWS adapter tests share."""

from __future__ import annotations

from typing import Any

from scanner.model import Finding


def assess(prepared: Any, collected: Any) -> list[Finding]:
    """Evaluate the shipped catalogue on a collected inventory, as the pipeline does."""
    from scanner.pipeline import assess as run_assess
    from scanner.pipeline import now_iso

    findings, _results = run_assess(
        prepared,
        collected.inventory,
        source="test",
        started_at=now_iso(),
        caller=collected.scope.caller_arn,
        accounts=[collected.scope.account],
        regions=collected.scope.regions,
        enabled_regions=collected.enabled_regions,
        api_calls=len(collected.api.operations),
    )
    return findings
