"""Acceptance: `logward scan gcp --organization 100000000001` against the golden estate gives
the hand-written status of every (policy, resource) in golden/expected.yaml, through the CLI,
the real SDK clients and the loopback fake."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from scanner.cli import main
from scanner.providers.gcp.fake import FakeGoogle

EXPECTED = Path(__file__).resolve().parent / "golden" / "expected.yaml"


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("golden") / "report"
    fake = FakeGoogle().start()
    try:
        endpoints = ",".join(f"{host}={url}" for host, url in fake.endpoints.items())
        result = CliRunner().invoke(
            main,
            [
                "scan",
                "gcp",
                "--organization",
                "100000000001",
                "--anonymous",
                "--endpoint",
                endpoints,
                "--out",
                str(out),
                "--quiet",
            ],
        )
        requests = len(fake.requests)
    finally:
        fake.stop()
    assert result.exit_code in (0, 1), result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {"results": results, "requests": requests, "code": result.exit_code}


def _statuses(results: dict[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for finding in results["findings"]:
        if finding["resource"]["provider"] == "gcp":
            found[finding["policy_id"]][finding["resource"]["id"]] = finding["status"]
    return found


def test_every_expected_verdict(golden: dict[str, Any]) -> None:
    expected: dict[str, dict[str, str]] = yaml.safe_load(EXPECTED.read_text()) or {}
    got = _statuses(golden["results"])
    wrong = {
        policy: {"expected": rows, "got": got.get(policy, {})}
        for policy, rows in expected.items()
        if got.get(policy, {}) != rows
    }
    assert wrong == {}


def test_every_gcp_policy_has_its_rows(golden: dict[str, Any]) -> None:
    expected = yaml.safe_load(EXPECTED.read_text()) or {}
    assert sorted(set(_statuses(golden["results"])) - set(expected)) == []


def test_the_golden_scan_facts(golden: dict[str, Any]) -> None:
    scan = golden["results"]["scan"]
    assert sorted(scan["accounts"]) == [
        "dev-sandbox",
        "dev-tools",
        "lw-logging",
        "prod-app",
        "prod-data",
    ]
    # Every request the fake answered is one counted API call (pages included).
    assert scan["api_calls"] == golden["requests"]
    errors = [(e["account"], e["operation"], e["code"]) for e in golden["results"]["errors"]]
    assert ("dev-sandbox", "projects.getIamPolicy", "PERMISSION_DENIED") in errors
