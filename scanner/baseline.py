"""Baselines: report and fail only on findings that are new since a previous results.json."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any

from scanner.errors import InputError, Problem
from scanner.model import Finding, Status
from scanner.reading import load_json

Key = tuple[str, str]
BAD = ("fail", "error")


def load_baseline(path: Path) -> frozenset[Key]:
    """The (policy id, resource id) pairs that already failed or erred in a previous run."""
    data = load_json(path, "baseline (a results.json written by logward)")
    if not isinstance(data, dict) or not str(data.get("schema_version", "")).startswith("1."):
        raise InputError(
            Problem(str(path), None, "expected a results.json of logward (schema_version 1.x)")
        )
    try:
        return frozenset(
            (f["policy_id"], f["resource"]["id"]) for f in data["findings"] if f["status"] in BAD
        )
    except (KeyError, TypeError) as exc:
        raise InputError(
            Problem(str(path), None, f"a finding lacks {exc}; expected the results.json format")
        ) from exc


def key(finding: Finding) -> Key:
    """How a finding is recognised across runs."""
    return finding.policy_id, finding.resource_id


def mark(results: MutableMapping[str, Any], known: frozenset[Key]) -> None:
    """Tag every failing or erring finding `new` or `existing` relative to the baseline."""
    for finding in results["findings"]:
        if finding["status"] in BAD:
            seen = (finding["policy_id"], finding["resource"]["id"]) in known
            finding["baseline"] = "existing" if seen else "new"


def new_only(findings: Iterable[Finding], known: frozenset[Key]) -> list[Finding]:
    """The findings the baseline does not already hold as failing or erring."""
    return [
        f for f in findings if not (f.status in (Status.FAIL, Status.ERROR) and key(f) in known)
    ]
