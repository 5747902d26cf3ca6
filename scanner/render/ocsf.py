"""OCSF (findings.ocsf.json): one Compliance Finding event (class_uid 2003, OCSF 1.3.0, with the
`cloud` profile) per finding, as a JSON array, for SIEMs and data lakes.

Mapping:
- `compliance.control` is the policy id; `compliance.standards` the titles of the frameworks
  the finding maps to; `compliance.requirements` the `framework:control` references.
- `compliance.status_id`: pass -> 1 Pass, fail -> 3 Fail, unknown -> 0 Unknown, and error ->
  99 Other with `status` "Error": OCSF has no "could not collect" status, and error must not
  read as a warning or a pass. `compliance.status_detail` carries the reason.
- `finding_info.uid` is stable across scans (policy id + resource id), so a SIEM can follow
  one finding through time; `metadata.uid` is unique per event (scan id + finding).
- logward's own record of the finding (evidence references, observed values, scan id) goes
  under `unmapped.logward`, where OCSF puts producer data it has no attribute for.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scanner.model import Severity, Status

OCSF_VERSION = "1.3.0"
CLASS_UID, CATEGORY_UID, ACTIVITY_CREATE = 2003, 2, 1
SEVERITY_ID = {
    Severity.INFO: 1,
    Severity.LOW: 2,
    Severity.MEDIUM: 3,
    Severity.HIGH: 4,
    Severity.CRITICAL: 5,
}
SEVERITY_CAPTION = {
    Severity.INFO: "Informational",
    Severity.LOW: "Low",
    Severity.MEDIUM: "Medium",
    Severity.HIGH: "High",
    Severity.CRITICAL: "Critical",
}
COMPLIANCE_STATUS = {
    Status.PASS: (1, "Pass"),
    Status.FAIL: (3, "Fail"),
    Status.UNKNOWN: (0, "Unknown"),
    Status.ERROR: (99, "Error"),
}
OTHER_ACCOUNT = (99, "Other")


def _cloud(provider: str) -> tuple[str, tuple[int, str], Callable[[str], str | None]]:
    """A cloud's OCSF provider name, account type and partition reader, from its adapter (a
    results.json of a cloud not registered here renders as "Other")."""
    from scanner import providers

    if provider not in providers.names():
        return provider or "Other", OTHER_ACCOUNT, lambda _rid: None
    adapter = providers.get(provider)
    return adapter.title, adapter.ocsf_account, adapter.partition


def _ms(iso: str | None) -> int:
    """An ISO 8601 time as OCSF timestamp_t (milliseconds since the epoch)."""
    if not iso:
        return 0
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:  # logward writes UTC; a bare time is read as UTC too
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def finding_uid(finding: Mapping[str, Any]) -> str:
    """A stable id for one policy on one resource."""
    key = f"{finding['policy_id']}\0{finding['resource']['id']}".encode()
    return "logward:" + hashlib.sha256(key).hexdigest()[:32]


@dataclass(frozen=True)
class _Run:
    """What every event of one results document repeats."""

    scan: Mapping[str, Any]
    titles: Mapping[str, str]
    version: str


def _event(
    finding: Mapping[str, Any], policy: Mapping[str, Any], run: _Run, index: int
) -> dict[str, Any]:
    scan, titles, version = run.scan, run.titles, run.version
    resource = finding["resource"]
    provider = str(resource.get("provider", ""))
    status_id, status = COMPLIANCE_STATUS.get(finding["status"], (0, "Unknown"))
    severity = finding["severity"]
    when = _ms(scan.get("finished_at"))
    refs = list(finding.get("controls", []))
    standards = sorted({titles.get(r.split(":", 1)[0], r.split(":", 1)[0]) for r in refs})
    title, account_type, partition_of = _cloud(provider)
    cloud: dict[str, Any] = {"provider": title}
    if resource.get("region"):
        cloud["region"] = resource["region"]
    if resource.get("account"):
        type_id, type_name = account_type
        cloud["account"] = {"uid": str(resource["account"]), "type_id": type_id, "type": type_name}
    remediation = policy.get("remediation") or {}
    references = [str(r["url"]) for r in policy.get("references", []) if r.get("url")]
    event: dict[str, Any] = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": when,
        "severity_id": SEVERITY_ID.get(severity, 99),
        "severity": SEVERITY_CAPTION.get(severity, severity),
        "status_id": 1,
        "status": "New",
        "message": finding["message"],
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "uid": hashlib.sha256(f"{scan.get('id')}\0{index}".encode()).hexdigest(),
            "product": {"name": "logward", "vendor_name": "logward", "version": version},
            "log_name": f"logward {scan.get('source', '')} scan",
        },
        "finding_info": {
            "uid": finding_uid(finding),
            "title": policy.get("title", finding["policy_id"]),
            "desc": finding["message"],
            "created_time": when,
            "types": [f"logward/{policy.get('category', 'audit-log')}"],
        },
        "compliance": {
            "control": finding["policy_id"],
            "standards": standards or ["logward"],
            "requirements": refs,
            "status_id": status_id,
            "status": status,
            "status_detail": finding["message"],
        },
        "cloud": cloud,
        "resources": [
            {
                "uid": resource["id"],
                "name": str(resource.get("name") or ""),
                "type": resource.get("type", ""),
                **({"region": resource["region"]} if resource.get("region") else {}),
                # The partition the cloud reads from the id (an ARN's aws, aws-cn ...).
                **({"cloud_partition": part} if (part := partition_of(resource["id"])) else {}),
            }
        ],
        "unmapped": {
            "logward": {
                "scan_id": scan.get("id"),
                "status": finding["status"],
                "evidence": list(finding.get("evidence", [])),
                "observed": finding.get("observed", {}),
                **({"baseline": finding["baseline"]} if finding.get("baseline") else {}),
            }
        },
    }
    if remediation.get("summary"):
        event["remediation"] = {"desc": remediation["summary"], "references": references}
    return event


def render_ocsf(results: Mapping[str, Any]) -> bytes:
    """findings.ocsf.json bytes: a JSON array of OCSF 1.3.0 Compliance Finding events."""
    scan = results.get("scan", {})
    titles = {f["id"]: f.get("title", f["id"]) for f in scan.get("frameworks", [])}
    policies = {p["id"]: p for p in results.get("policies", [])}
    run = _Run(scan, titles, results["tool"]["version"])
    events = [
        _event(f, policies.get(f["policy_id"], {}), run, i)
        for i, f in enumerate(results.get("findings", []))
    ]
    return json.dumps(events, indent=1, ensure_ascii=False).encode() + b"\n"
