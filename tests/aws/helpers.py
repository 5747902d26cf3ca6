"""Helpers the AWS adapter tests share."""

from __future__ import annotations

from typing import Any

from scanner.model import Finding


def assess(prepared: Any, collected: Any) -> list[Finding]:
    """Evaluate the shipped catalogue on a collected inventory, as the pipeline does."""
    from tests.support.pipeline import assess_inventory

    assessment = assess_inventory(
        prepared,
        collected.inventory,
        accounts=[collected.scope.account],
        caller=collected.scope.caller_arn,
        regions=collected.scope.regions,
        enabled_regions=collected.enabled_regions,
        api_calls=len(collected.api.operations),
    )
    return list(assessment.findings)
