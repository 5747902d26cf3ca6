"""JUnit XML (results.junit.xml): a testsuite per policy, a testcase per finding.

`fail` is a `<failure>`, `error` (logward could not collect what the policy needs) is an
`<error>`, `pass` is a plain testcase. JUnit has no "unknown": an `unknown` finding is
`<skipped message="unknown: REASON">`, because a CI dashboard shows skipped tests as neither
passed nor failed, which is what unknown means; the message keeps the word "unknown" so it is
not read as a deliberate skip. The totals on `<testsuites>` therefore equal results["summary"]:
tests = all findings, failures = fail, errors = error, skipped = unknown.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.model import Status

# Characters XML 1.0 cannot carry at all, even escaped; ElementTree would write them as-is.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def render_junit(results: Mapping[str, Any]) -> bytes:
    """results.junit.xml bytes."""
    findings: Sequence[Mapping[str, Any]] = results.get("findings", [])
    by_policy: dict[str, list[Mapping[str, Any]]] = {
        p["id"]: [] for p in results.get("policies", [])
    }
    for finding in findings:
        by_policy.setdefault(finding["policy_id"], []).append(finding)
    titles = {p["id"]: p for p in results.get("policies", [])}
    root = ET.Element("testsuites", _totals(findings, name="logward"))
    for policy_id, cases in by_policy.items():
        policy = titles.get(policy_id, {})
        suite = ET.SubElement(
            root,
            "testsuite",
            _totals(cases, name=policy_id, timestamp=results.get("scan", {}).get("started_at", "")),
        )
        props = ET.SubElement(suite, "properties")
        for key in ("title", "severity", "resource", "category"):
            if key in policy:
                ET.SubElement(props, "property", name=key, value=_clean(policy[key]))
        for finding, name in zip(cases, _case_names(cases), strict=True):
            _testcase(suite, policy_id, name, finding)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def _totals(findings: Sequence[Mapping[str, Any]], **attrs: str) -> dict[str, str]:
    statuses = [f["status"] for f in findings]
    return {k: _clean(v) for k, v in attrs.items()} | {
        "tests": str(len(statuses)),
        "failures": str(statuses.count(Status.FAIL)),
        "errors": str(sum(s not in (Status.PASS, Status.FAIL, Status.UNKNOWN) for s in statuses)),
        "skipped": str(statuses.count(Status.UNKNOWN)),
        "time": "0",
    }


def _case_names(cases: Sequence[Mapping[str, Any]]) -> list[str]:
    """The resource name, or its id; a name shared by two resources gets the id appended, so
    CI tools that key test cases by name do not merge them."""
    names = [c["resource"].get("name") or c["resource"]["id"] for c in cases]
    return [
        f"{n} [{c['resource']['id']}]" if names.count(n) > 1 and n != c["resource"]["id"] else n
        for n, c in zip(names, cases, strict=True)
    ]


def _testcase(suite: ET.Element, policy_id: str, name: str, finding: Mapping[str, Any]) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=_clean(policy_id), name=_clean(name), time="0"
    )
    status, message = finding["status"], _clean(finding["message"])
    resource = finding["resource"]
    detail = _clean(
        f"{message}\nresource: {resource['id']} ({resource.get('type', '')}, "
        f"{resource.get('account', '')}/{resource.get('region', '')})\n"
        f"severity: {finding['severity']}\ncontrols: {', '.join(finding.get('controls', []))}"
    )
    if status == Status.FAIL:
        failure = ET.SubElement(case, "failure", message=message, type=finding["severity"])
        failure.text = detail
    elif status == "error":
        error = ET.SubElement(case, "error", message=message, type="collection-error")
        error.text = detail
    elif status == Status.UNKNOWN:
        ET.SubElement(case, "skipped", message=f"unknown: {message}")
    elif status != Status.PASS:
        # A status this renderer does not know must not read as a pass.
        ET.SubElement(case, "error", message=f"{status}: {message}", type=_clean(status))
