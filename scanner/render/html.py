"""HTML evidence report (report.html): one self-contained file an auditor can open offline.

No external resource of any kind: styles, the per-framework charts (inline SVG) and the few
lines of filter script are inside the file, and a Content-Security-Policy allows exactly that
script (by its hash) and nothing else, so even a value that escaped autoescaping could not run.
Without JavaScript every section is present and readable; the script only adds the filters.

Large reports stay usable: each control and each policy is a collapsed <details>, so the
browser lays out only what is opened; a control lists its non-passing findings (up to
CONTROL_ROWS) and links to the full finding rows.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import jinja2

from scanner.data import data_dir
from scanner.model import Status
from scanner.render.view import (
    STATUSES,
    control_findings,
    control_key,
    evidence_line,
    frameworks,
    severity_rank,
)

TEMPLATE = "report.html.j2"
SCRIPT = "report.js"
CONTROL_ROWS = 100
# Below this many findings, policies with failures start expanded.
OPEN_BELOW = 200
CHART_WIDTH = 360


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("reports")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["evidence"] = evidence_line
    return env


def _bar(counts: Mapping[str, int]) -> list[dict[str, Any]]:
    """Stacked-bar segments (x, width) for an inline SVG, in STATUSES order."""
    total = sum(counts.get(s, 0) for s in STATUSES) or 1
    segments, x = [], 0.0
    for status in STATUSES:
        n = counts.get(status, 0)
        if n:
            width = CHART_WIDTH * n / total
            segments.append(
                {"status": status, "count": n, "x": round(x, 2), "width": round(width, 2)}
            )
            x += width
    return segments


def _framework_views(
    results: Mapping[str, Any], rows: Mapping[int, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    by_control: dict[str, list[int]] = defaultdict(list)
    for control, index, _finding in control_findings(results):
        if control is not None:
            by_control[control_key(control["framework"], control["control_id"])].append(index)
    views = []
    for fw in frameworks(results):
        controls = []
        for control in results.get("controls", []):
            if control["framework"] != fw["id"]:
                continue
            indexes = by_control.get(control_key(fw["id"], control["control_id"]), [])
            open_rows = sorted(
                (i for i in indexes if rows[i]["status"] != Status.PASS),
                key=lambda i: (
                    STATUSES.index(rows[i]["status"]),
                    severity_rank(rows[i]["severity"]),
                ),
            )
            controls.append(
                {
                    **control,
                    "shown": open_rows[:CONTROL_ROWS],
                    "hidden": max(0, len(open_rows) - CONTROL_ROWS),
                    "passing": len(indexes) - len(open_rows),
                }
            )
        status_counts = Counter(c["status"] for c in controls)
        views.append(
            {
                "id": fw["id"],
                "title": fw.get("title", fw["id"]),
                "version": fw.get("version", ""),
                "controls": controls,
                "counts": {s: status_counts.get(s, 0) for s in STATUSES},
                "bar": _bar(status_counts),
            }
        )
    return views


def _severity_groups(
    results: Mapping[str, Any], rows: Mapping[int, Mapping[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    policies = {p["id"]: p for p in results.get("policies", [])}
    per_policy: dict[str, list[int]] = defaultdict(list)
    for index, finding in rows.items():
        per_policy[finding["policy_id"]].append(index)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    small = len(rows) < OPEN_BELOW
    for pid, indexes in per_policy.items():
        policy = policies.get(pid) or {
            "id": pid,
            "title": pid,
            "severity": rows[indexes[0]]["severity"],
            "remediation": {},
            "references": [],
            "resource": "",
        }
        indexes.sort(
            key=lambda i: (
                STATUSES.index(rows[i]["status"]),
                str(rows[i]["resource"].get("name") or ""),
            )
        )
        counts = Counter(rows[i]["status"] for i in indexes)
        groups[policy["severity"]].append(
            {
                "policy": policy,
                "rows": indexes,
                "counts": {s: counts.get(s, 0) for s in STATUSES},
                "open": small and counts.get(Status.FAIL, 0) > 0,
                "clouds": sorted({str(rows[i]["resource"].get("provider", "")) for i in indexes}),
                "fws": sorted(
                    {c.split(":", 1)[0] for i in indexes for c in rows[i].get("controls", [])}
                ),
            }
        )
    ordered = sorted(groups.items(), key=lambda item: severity_rank(item[0]))
    for _severity, items in ordered:
        items.sort(
            key=lambda g: (
                -g["counts"][Status.FAIL],
                -g["counts"]["error"],
                -g["counts"][Status.UNKNOWN],
                g["policy"]["id"],
            )
        )
    return ordered


def _gap_policies(
    rows: Mapping[int, Mapping[str, Any]], gaps: Sequence[int]
) -> list[dict[str, Any]]:
    """Per policy: how many of its findings are error / unknown, and the first reason."""
    found: dict[str, dict[str, Any]] = {}
    for i in gaps:
        finding = rows[i]
        entry = found.setdefault(
            finding["policy_id"],
            {
                "policy_id": finding["policy_id"],
                "error": 0,
                "unknown": 0,
                "reason": finding["message"],
                "statuses": set(),
                "clouds": set(),
                "fws": set(),
            },
        )
        entry[finding["status"]] += 1
        entry["statuses"].add(finding["status"])
        entry["clouds"].add(str(finding["resource"].get("provider", "")))
        entry["fws"].update(c.split(":", 1)[0] for c in finding.get("controls", []))
    return [
        dict(e, statuses=sorted(e["statuses"]), clouds=sorted(e["clouds"]), fws=sorted(e["fws"]))
        for e in found.values()
    ]


def _script() -> tuple[str, str]:
    """The inline script and its CSP source expression."""
    text = (data_dir("reports") / SCRIPT).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return text, f"'sha256-{digest}'"


def render_html(results: Mapping[str, Any]) -> bytes:
    """report.html bytes."""
    findings: Sequence[Mapping[str, Any]] = results.get("findings", [])
    rows = dict(enumerate(findings))
    gaps = sorted(
        (i for i, f in rows.items() if f["status"] in (Status.ERROR, Status.UNKNOWN)),
        key=lambda i: (
            rows[i]["status"] != "error",
            severity_rank(rows[i]["severity"]),
            rows[i]["policy_id"],
        ),
    )
    clouds = sorted({str(f["resource"].get("provider", "")) for f in findings} - {""})
    by_cloud = {
        c: Counter(f["status"] for f in findings if f["resource"].get("provider") == c)
        for c in clouds
    }
    script, script_hash = _script()
    summary = results.get("summary", {})
    text = (
        _environment()
        .get_template(TEMPLATE)
        .render(
            tool=results["tool"],
            scan=results.get("scan", {}),
            summary=summary,
            summary_bar=_bar(summary),
            statuses=STATUSES,
            rows=rows,
            frameworks=_framework_views(results, rows),
            severity_groups=_severity_groups(results, rows),
            gaps=gaps,
            gap_policies=_gap_policies(rows, gaps),
            errors=results.get("errors", []),
            clouds=clouds,
            by_cloud=by_cloud,
            policy_count=len(results.get("policies", [])),
            inventory=results.get("inventory", {}),
            chart_width=CHART_WIDTH,
            script=script,
            script_hash=script_hash,
        )
    )
    return text.encode()
