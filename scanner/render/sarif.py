"""SARIF 2.1.0 (results.sarif): one run, one rule per policy, one result per non-pass finding.

Status mapping (SARIF 2.1.0 §3.27.9, §3.27.10): `fail` is `kind: "fail"` with a level from the
policy's severity; `error` and `unknown` are `kind: "review"` (a person must look), and the
spec then requires `level: "none"`. Their message starts with the status so no viewer can
mistake them for a pass, and `properties.status` carries it verbatim. Passing findings are not
results (SARIF has no "checked and fine" result that code-scanning viewers show usefully); they
are counted in `run.properties.summary`. Locations are logical only: a cloud resource (or a
plan address) has no file and line that logward knows.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.model import Severity, Status

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# GitHub code scanning reads `security-severity` (a number as a string, 0.0-10.0) for ranking.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
FAIL_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
STATUS_LABEL = {
    Status.ERROR: "ERROR (could not collect)",
    Status.UNKNOWN: "UNKNOWN (could not determine)",
}
FINGERPRINT = "logward/v1"


def render_sarif(results: Mapping[str, Any]) -> bytes:
    """results.sarif bytes: a SARIF 2.1.0 log with one run."""
    policies: Sequence[Mapping[str, Any]] = results.get("policies", [])
    controls = _policy_controls(results)
    rules = [_rule(p, controls.get(p["id"], [])) for p in policies]
    index = {p["id"]: i for i, p in enumerate(policies)}
    findings = [f for f in results.get("findings", []) if f["status"] != Status.PASS]
    scan: Mapping[str, Any] = results.get("scan", {})
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "logward",
                "version": results["tool"]["version"],
                "semanticVersion": results["tool"]["version"],
                "rules": rules,
            }
        },
        "automationDetails": {
            "id": f"logward/{scan.get('source', 'unknown')}/{scan.get('id', '')}"
        },
        "invocations": [_invocation(scan, results.get("errors", []))],
        "results": [_result(f, index.get(f["policy_id"]), scan.get("input")) for f in findings],
        "properties": {
            "summary": dict(results.get("summary", {})),
            "source": scan.get("source"),
            "policySetHash": scan.get("policy_set", {}).get("hash"),
        },
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False).encode() + b"\n"


def _policy_controls(results: Mapping[str, Any]) -> dict[str, list[str]]:
    """`framework:control` ids per policy id, in the order of results["controls"]."""
    found: dict[str, list[str]] = {}
    for control in results.get("controls", []):
        ref = f"{control['framework']}:{control['control_id']}"
        for pid in control.get("policies", []):
            refs = found.setdefault(pid, [])
            if ref not in refs:
                refs.append(ref)
    return found


def _rule_name(policy_id: str) -> str:
    # SARIF §3.49.7 wants an identifier-like name ("NoUnusedVariables"), not the id again.
    return "".join(part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", policy_id) if part)


def _rule(policy: Mapping[str, Any], controls: list[str]) -> dict[str, Any]:
    severity = policy["severity"]
    remediation: Mapping[str, Any] = policy.get("remediation") or {}
    references: Sequence[Mapping[str, Any]] = policy.get("references") or []
    rule: dict[str, Any] = {
        "id": policy["id"],
        "name": _rule_name(policy["id"]),
        "shortDescription": {"text": policy["title"]},
        "fullDescription": {
            "text": f"{policy['title']} (resource type {policy['resource']}, "
            f"category {policy['category']}, severity {severity})."
        },
        "defaultConfiguration": {"level": FAIL_LEVEL.get(severity, "warning")},
        "help": _help(policy["title"], remediation, references),
        "properties": {
            "severity": severity,
            "category": policy["category"],
            "resourceType": policy["resource"],
            "security-severity": SECURITY_SEVERITY.get(severity, "5.5"),
            "tags": ["security", "audit-logging", policy["category"], *controls],
        },
    }
    url = next((r["url"] for r in references if r.get("url")), None)
    if url:
        rule["helpUri"] = url
    return rule


def _help(
    title: str, remediation: Mapping[str, Any], references: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """Plain and Markdown help from the policy's remediation and references."""
    text = [str(remediation.get("summary") or title)]
    markdown = [str(remediation.get("summary") or title)]
    for key, label, lang in (
        ("console", "Console", ""),
        ("cli", "CLI", "sh"),
        ("terraform", "Terraform", "hcl"),
    ):
        value = remediation.get(key)
        if not value:
            continue
        body = str(value).rstrip("\n")
        text.append(f"{label}:\n{body}")
        markdown.append(
            f"**{label}**\n\n```{lang}\n{body}\n```" if lang else f"**{label}**: {body}"
        )
    cited = [f"{r.get('source', '')} {r.get('id', '')}".strip() for r in references]
    if cited:
        text.append("References: " + "; ".join(cited))
        markdown.append(
            "**References**\n\n"
            + "\n".join(
                f"- [{c}]({r['url']})" if r.get("url") else f"- {c}"
                for c, r in zip(cited, references, strict=True)
            )
        )
    return {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)}


def _logical(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "fullyQualifiedName": resource["id"],
        "name": resource.get("name") or resource["id"],
        "kind": "resource",
    }


def _physical(finding: Mapping[str, Any], scanned_file: str | None) -> dict[str, Any] | None:
    """The file (and line) a finding points at: the `.tf` source when known, else the plan
    file that was checked. Code scanning services need a physical location to show it."""
    source = finding.get("source")
    if isinstance(source, Mapping):
        return {
            "artifactLocation": {"uri": source["file"]},
            "region": {"startLine": int(source["line"])},
        }
    if scanned_file:
        return {"artifactLocation": {"uri": scanned_file}}
    return None


def _result(
    finding: Mapping[str, Any], rule_index: int | None, scanned_file: str | None = None
) -> dict[str, Any]:
    status = finding["status"]
    resource: Mapping[str, Any] = finding["resource"]
    failed = status == "fail"
    message = (
        finding["message"]
        if failed
        else (f"{STATUS_LABEL.get(status, status.upper())}: {finding['message']}")
    )
    # A NUL separator keeps ("a", "bc") and ("ab", "c") apart; the hash is stable across runs
    # so GitHub code scanning tracks one alert per policy and resource.
    digest = hashlib.sha256(f"{finding['policy_id']}\0{resource['id']}".encode()).hexdigest()
    result: dict[str, Any] = {
        "ruleId": finding["policy_id"],
        "kind": "fail" if failed else "review",
        "level": FAIL_LEVEL.get(finding["severity"], "warning") if failed else "none",
        "message": {"text": message},
        "locations": [{"logicalLocations": [_logical(resource)]}],
        "partialFingerprints": {FINGERPRINT: digest},
        "properties": {
            "status": status,
            "severity": finding["severity"],
            "resourceType": resource.get("type"),
            "account": resource.get("account"),
            "region": resource.get("region"),
            "controls": list(finding.get("controls", [])),
        },
    }
    physical = _physical(finding, scanned_file)
    if physical is not None:
        result["locations"][0]["physicalLocation"] = physical
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    return result


def _invocation(scan: Mapping[str, Any], errors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The run ran (exit 1 is findings, not a tool failure); each failed call is a warning."""
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [_notification(e) for e in errors],
    }
    if scan.get("started_at"):
        invocation["startTimeUtc"] = scan["started_at"]
    if scan.get("finished_at"):
        invocation["endTimeUtc"] = scan["finished_at"]
    return invocation


def _notification(error: Mapping[str, Any]) -> dict[str, Any]:
    scope = error.get("resource_id") or (
        f"{error.get('provider')}:{error.get('account')}:{error.get('region')}"
    )
    return {
        "level": "warning",
        "message": {"text": error["reason"]},
        "locations": [{"logicalLocations": [{"fullyQualifiedName": scope, "kind": "resource"}]}],
        "properties": {
            k: error.get(k)
            for k in ("provider", "account", "region", "operation", "code", "resource_types")
        },
    }
