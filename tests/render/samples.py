"""Results documents for renderer tests: every status, hostile strings, a collection error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HOSTILE = (
    "<script>alert(1)</script> | `rm -rf /` *bold* [link](https://evil.example) "
    "~~gone~~ $x$ \\|\nsecond line\r\n| --- |"
)
HASH = "0" * 64
TIME = "2026-11-26T13:01:50+00:00"
Renderer = Callable[[dict[str, Any]], bytes]


def policy(pid: str, severity: str, url: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"source": "CIS AWS Foundations Benchmark v3.0.0", "id": "3.2"}
    if url:
        ref["url"] = url
    return {
        "id": pid,
        "title": f"Title of {pid}",
        "severity": severity,
        "resource": "aws.cloudtrail.trail",
        "category": "immutability",
        "counts": {"pass": 0, "fail": 0, "error": 0, "unknown": 0},
        "references": [ref],
        "remediation": {"summary": "Turn it on.", "cli": "aws cloudtrail update-trail"},
    }


def finding(
    pid: str, status: str, severity: str, rid: str, name: str, message: str
) -> dict[str, Any]:
    return {
        "policy_id": pid,
        "status": status,
        "severity": severity,
        "resource": {
            "id": rid,
            "type": "aws.cloudtrail.trail",
            "name": name,
            "provider": "aws",
            "account": "111111111111",
            "region": "eu-west-1",
        },
        "message": message,
        "evidence": [],
        "related_resources": [],
        "observed": {},
        "controls": ["soc2:CC7.2"],
    }


def counts(items: list[dict[str, Any]]) -> dict[str, int]:
    return {
        s: sum(1 for f in items if f["status"] == s) for s in ("pass", "fail", "error", "unknown")
    }


def document(
    findings: list[dict[str, Any]], errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A results document that validates against results.schema.json."""
    pids = sorted({f["policy_id"] for f in findings})
    severities = {f["policy_id"]: f["severity"] for f in findings}
    policies = [policy(p, severities[p], url="https://example.org/cis#3.2") for p in pids]
    for p in policies:
        p["counts"] = counts([f for f in findings if f["policy_id"] == p["id"]])
    return {
        "schema_version": "1.0",
        "tool": {"name": "logward", "version": "0.1.0"},
        "scan": {
            "id": "36f8ec3f-caef-4798-9db6-2dcef102fd7f",
            "source": "plan",
            "started_at": TIME,
            "finished_at": TIME,
            "caller": None,
            "accounts": ["111111111111"],
            "regions": ["eu-west-1"],
            "enabled_regions": None,
            "api_calls": 0,
            "policy_set": {"hash": HASH, "version": "0.1.0", "count": len(pids), "ids": pids},
            "parameters": {},
            "config_file": None,
            "limits": [],
            "frameworks": [
                {"id": "soc2", "title": "SOC 2 Trust Services Criteria", "version": "2017"}
            ],
        },
        "summary": counts(findings),
        "policies": policies,
        "findings": findings,
        "controls": [
            {
                "framework": "soc2",
                "control_id": "CC7.2",
                "title": "Monitoring",
                "status": "fail",
                "policies": pids,
                "counts": counts(findings),
                "findings": len(findings),
            }
        ],
        "errors": errors or [],
        "inventory": {"aws.cloudtrail.trail": len(findings)},
    }


ERROR_REASON = (
    "GetTrailStatus failed in 111111111111/eu-west-1: AccessDenied: User is not authorized"
)


def sample_results() -> dict[str, Any]:
    """Every status, two severities, a shared resource name and hostile strings."""
    arn = "arn:aws:cloudtrail:eu-west-1:111111111111:trail/"
    return document(
        [
            finding("p-critical", "fail", "critical", arn + "a", HOSTILE, HOSTILE),
            finding("p-critical", "pass", "critical", arn + "b", "good-trail", "ok"),
            finding("p-critical", "fail", "critical", arn + "c", "twin", "fails once"),
            finding("p-critical", "fail", "critical", arn + "d", "twin", "fails twice"),
            finding("p-medium", "error", "medium", arn + "a", "err-trail", ERROR_REASON),
            finding(
                "p-medium",
                "unknown",
                "medium",
                arn + "b",
                "unk-trail",
                "kms key: value known only after apply",
            ),
            finding("p-medium", "fail", "medium", arn + "e", "mid-trail", "medium failure"),
        ],
        errors=[
            {
                "provider": "aws",
                "account": "111111111111",
                "region": "eu-west-1",
                "operation": "GetTrailStatus",
                "code": "AccessDenied",
                "message": "User is not authorized",
                "resource_types": ["aws.cloudtrail.trail"],
                "resource_id": arn + "a",
                "reason": ERROR_REASON,
            }
        ],
    )
