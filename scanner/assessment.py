"""A run's outcome as typed values, built once: what was scanned and how (`ScanDescription`),
and what was found (`Assessment`). results.json is `Assessment.to_json()`; nothing patches
the document afterwards.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner import __version__
from scanner.mappings import ControlResult, Framework
from scanner.model import CollectionError, Finding, Status
from scanner.policy.loader import CompiledPolicy
from scanner.source import PlanFacts

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class ScanDescription:
    """Facts about the run that every output repeats."""

    scan_id: str
    source: str
    started_at: str
    finished_at: str
    caller: str | None
    accounts: Sequence[str]
    regions: Sequence[str]
    enabled_regions: Sequence[str] | None
    api_calls: int
    policy_hash: str
    config_file: str | None
    policy_version: str = __version__
    limits: Sequence[str] = ()
    plan: PlanFacts | None = None

    def to_json(
        self, policies: Sequence[CompiledPolicy], frameworks: Sequence[Framework]
    ) -> dict[str, Any]:
        """results.json's `scan` block."""
        block: dict[str, Any] = {
            "id": self.scan_id,
            "source": self.source,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "caller": self.caller,
            "accounts": list(self.accounts),
            "regions": list(self.regions),
            "enabled_regions": list(self.enabled_regions) if self.enabled_regions else None,
            "api_calls": self.api_calls,
            "policy_set": {
                "hash": self.policy_hash,
                "version": self.policy_version,
                "count": len(policies),
                "ids": sorted(c.policy.id for c in policies),
            },
            "parameters": {c.policy.id: dict(c.params) for c in policies if c.params},
            "frameworks": [
                {"id": f.id, "title": f.title, "version": f.version} for f in frameworks
            ],
            "config_file": self.config_file,
            "limits": list(self.limits),
        }
        if self.plan is not None:
            block["input"] = self.plan.input
            block["not_evaluated"] = {
                t: list(a) for t, a in sorted(self.plan.not_evaluated.items())
            }
            block["deleted"] = list(self.plan.deleted)
        return block


def counts(statuses: Iterable[Status]) -> dict[str, int]:
    """Status counts with every status present."""
    found = Counter(s.value for s in statuses)
    return {s.value: found.get(s.value, 0) for s in Status}


def control_ids(frameworks: Sequence[Framework]) -> dict[str, list[str]]:
    """`framework:control` ids per policy id."""
    found: dict[str, list[str]] = defaultdict(list)
    for fw in frameworks:
        for control in fw.controls:
            for pid in control.policies:
                found[pid].append(f"{fw.id}:{control.id}")
    return found


def policies_block(
    policies: Sequence[CompiledPolicy], by_policy: Mapping[str, Mapping[str, int]]
) -> list[dict[str, Any]]:
    """results.json's `policies`: each policy applied, with its counts per status."""
    empty: Mapping[str, int] = {}
    return [
        {
            "id": c.policy.id,
            "title": c.policy.title,
            "severity": str(c.policy.severity),
            "resource": c.policy.resource,
            "category": c.policy.category,
            "counts": {s.value: by_policy.get(c.policy.id, empty).get(s.value, 0) for s in Status},
            "references": [dict(r) for r in c.policy.references],
            "remediation": dict(c.policy.remediation),
        }
        for c in policies
    ]


def finding_json(finding: Finding, controls: Sequence[str]) -> dict[str, Any]:
    """One finding as results.json holds it: with its controls, and where set its `.tf`
    location and its baseline mark."""
    data = finding.to_json()
    data["controls"] = list(controls)
    if finding.location is not None:
        data["source"] = {"file": finding.location[0], "line": finding.location[1]}
    if finding.baseline is not None:
        data["baseline"] = finding.baseline
    return data


@dataclass(frozen=True)
class Assessment:
    """Everything one run found: the document results.json is, as values."""

    scan: ScanDescription
    policies: tuple[CompiledPolicy, ...]
    frameworks: tuple[Framework, ...]
    findings: tuple[Finding, ...]
    controls: tuple[ControlResult, ...]
    errors: tuple[CollectionError, ...]
    inventory: Mapping[str, int]

    @property
    def gating(self) -> list[Finding]:
        """The findings the exit code counts: all but failures a baseline already held."""
        return [f for f in self.findings if f.baseline != "existing"]

    def to_json(self) -> dict[str, Any]:
        """The results document (see scanner/schemas/results.schema.json)."""
        ids = control_ids(self.frameworks)
        by_policy: dict[str, Counter[str]] = defaultdict(Counter)
        for finding in self.findings:
            by_policy[finding.policy_id][finding.status.value] += 1
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "logward", "version": __version__},
            "scan": self.scan.to_json(self.policies, self.frameworks),
            "summary": counts(f.status for f in self.findings),
            "policies": policies_block(self.policies, by_policy),
            "findings": [finding_json(f, ids.get(f.policy_id, [])) for f in self.findings],
            "controls": [c.to_json() for c in self.controls],
            "errors": [e.to_json() for e in self.errors],
            "inventory": dict(self.inventory),
        }
