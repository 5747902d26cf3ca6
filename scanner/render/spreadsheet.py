"""CSV (findings.csv): one row per control x finding, for an auditor's spreadsheet.

A finding that maps to several controls appears once per control; one that maps to none
appears once with empty control columns, so no finding is lost. Cells that a spreadsheet
would read as a formula (starting with = + - @, a tab or a carriage return) get a leading
apostrophe: resource names and messages come from the scanned estate, and CSV injection is
a real way to attack the person who opens the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from scanner.render.view import control_findings, evidence_line

COLUMNS = (
    "scan_id",
    "scan_finished_at",
    "framework",
    "framework_version",
    "control_id",
    "control_title",
    "control_status",
    "policy_id",
    "policy_title",
    "severity",
    "status",
    "provider",
    "account",
    "region",
    "resource_type",
    "resource_id",
    "resource_name",
    "message",
    "remediation",
    "evidence",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a CSV cell that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def render_csv(results: Mapping[str, Any]) -> bytes:
    """findings.csv bytes (UTF-8 with a byte-order mark, which spreadsheet programs need to
    read non-ASCII text correctly)."""
    scan = results.get("scan", {})
    versions = {f["id"]: f.get("version", "") for f in scan.get("frameworks", [])}
    policies = {p["id"]: p for p in results.get("policies", [])}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for control, _index, finding in control_findings(results):
        policy = policies.get(finding["policy_id"], {})
        resource = finding["resource"]
        fw = control["framework"] if control else ""
        writer.writerow(
            [
                cell(v)
                for v in (
                    scan.get("id", ""),
                    scan.get("finished_at", ""),
                    fw,
                    versions.get(fw, ""),
                    control["control_id"] if control else "",
                    control["title"] if control else "",
                    control["status"] if control else "",
                    finding["policy_id"],
                    policy.get("title", ""),
                    finding["severity"],
                    finding["status"],
                    resource.get("provider", ""),
                    resource.get("account", ""),
                    resource.get("region", ""),
                    resource.get("type", ""),
                    resource.get("id", ""),
                    resource.get("name", ""),
                    finding["message"],
                    (policy.get("remediation") or {}).get("summary", ""),
                    "\n".join(evidence_line(e) for e in finding.get("evidence", [])),
                )
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode()
