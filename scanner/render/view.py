"""Read-only views of results.json that more than one renderer needs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from scanner.model import SEVERITIES, STATUS_ORDER

# Worst first, as controls roll up (the model's order, as words).
STATUSES: tuple[str, ...] = tuple(s.value for s in STATUS_ORDER)


def severity_rank(severity: str) -> int:
    """Position of a severity, most severe first; unknown severities last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def control_key(framework: str, control_id: str) -> str:
    """The `framework:control` reference findings carry in their `controls` list."""
    return f"{framework}:{control_id}"


def controls_by_key(results: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Each control record of results["controls"] by its `framework:control` reference."""
    return {control_key(c["framework"], c["control_id"]): c for c in results.get("controls", [])}


def frameworks(results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The frameworks of the scan, with any framework that only appears in controls."""
    listed: list[Mapping[str, Any]] = list(results.get("scan", {}).get("frameworks", []))
    seen = {f["id"] for f in listed}
    for control in results.get("controls", []):
        if control["framework"] not in seen:
            seen.add(control["framework"])
            listed.append(
                {"id": control["framework"], "title": control["framework"], "version": ""}
            )
    return listed


def control_findings(
    results: Mapping[str, Any],
) -> Iterator[tuple[Mapping[str, Any] | None, int, Mapping[str, Any]]]:
    """(control or None, finding index, finding) for every control a finding maps to, and
    once with None for a finding that maps to no control."""
    controls = controls_by_key(results)
    findings: Sequence[Mapping[str, Any]] = results.get("findings", [])
    for index, finding in enumerate(findings):
        refs = finding.get("controls") or []
        matched = [controls[r] for r in refs if r in controls]
        if not matched:
            yield None, index, finding
        for control in matched:
            yield control, index, finding


def evidence_line(ref: Mapping[str, Any]) -> str:
    """One evidence reference as text: `source:Operation region time sha256`."""
    parts = [f"{ref.get('source', '')}:{ref.get('operation', '')}"]
    if ref.get("region"):
        parts.append(str(ref["region"]))
    params = ref.get("params") or {}
    if params.get("address"):
        parts.append(str(params["address"]))
    if ref.get("time"):
        parts.append(str(ref["time"]))
    parts.append(f"sha256:{ref.get('sha256', '')}")
    return " ".join(parts)
