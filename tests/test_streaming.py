"""Streaming assessment (many accounts, one at a time) writes the same results as in memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner import pipeline
from scanner.inventory import Inventory
from scanner.results import load_results, render_json
from scanner.source import Collected, ScanFacts, SourceInfo
from tests.support.inventory import inventory_from_data

CASES = Path(__file__).parent / "policies" / "cases"


def partition(account: str, case_file: str, case: int) -> list[dict[str, Any]]:
    """The resources of one policy test case, moved into `account`."""
    text = (CASES / case_file).read_text(encoding="utf-8").replace("111111111111", account)
    return list(yaml.safe_load(text)["cases"][case]["resources"])


ACCOUNTS = ("111111111111", "222222222222", "333333333333")
LIVE = SourceInfo(label="aws", kind="live", clouds=frozenset({"aws"}))


@pytest.fixture(scope="module")
def prepared() -> pipeline.Prepared:
    return pipeline.prepare(None, None, None)


def common(results: dict[str, Any]) -> dict[str, Any]:
    """What must agree: all but the scan's id and times, and the order of findings (policy by
    policy in memory, account by account when streamed)."""
    scan = {
        k: v for k, v in results["scan"].items() if k not in ("id", "started_at", "finished_at")
    }
    findings = sorted(results["findings"], key=lambda f: (f["policy_id"], f["resource"]["id"]))
    return dict(results, scan=scan, findings=findings)


def test_partitions_write_what_assess_builds(prepared: pipeline.Prepared, tmp_path: Path) -> None:
    # Six accounts, each one test case's resources: partitions share no resource.
    cases = [
        ("aws-logs-log-group-retention.yaml", 0),
        ("aws-logs-log-group-kms-encryption.yaml", 1),
    ]
    parts = [
        inventory_from_data(partition(f"{a[:-1]}{i}", f, c))
        for a in ACCOUNTS
        for i, (f, c) in enumerate(cases)
    ]
    whole = Inventory()
    for part in parts:
        for rtype in part.counts():
            whole.extend(part.of_type(rtype))
    facts = ScanFacts(accounts=sorted(whole.accounts()), regions=["eu-west-1"])
    built = pipeline.assess(prepared, LIVE, Collected(whole, facts)).to_json()
    out = tmp_path / "results.json"
    head = pipeline.assess_partitions(
        prepared, LIVE, iter(parts), out, ScanFacts(accounts=[], regions=["eu-west-1"])
    )
    streamed = load_results(out)  # validates against the results schema
    assert common(streamed) == common(json.loads(render_json(built)))
    assert head["summary"] == built["summary"] and "findings" not in head
    assert streamed["summary"]["pass"] > 0 and streamed["summary"]["fail"] > 0
    assert len(streamed["findings"]) == len(built["findings"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_a_failing_partition_leaves_nothing(prepared: pipeline.Prepared, tmp_path: Path) -> None:
    def parts() -> Any:
        yield inventory_from_data(partition(ACCOUNTS[0], "aws-logs-log-group-retention.yaml", 0))
        raise RuntimeError("account 2 could not be read")

    with pytest.raises(RuntimeError):
        pipeline.assess_partitions(
            prepared, LIVE, parts(), tmp_path / "results.json", ScanFacts(accounts=[])
        )
    assert list(tmp_path.iterdir()) == []


def test_results_json_is_one_item_per_line(prepared: pipeline.Prepared) -> None:
    built = pipeline.assess(
        prepared,
        LIVE,
        Collected(
            inventory_from_data(partition(ACCOUNTS[0], "aws-logs-log-group-retention.yaml", 0)),
            ScanFacts(accounts=[ACCOUNTS[0]]),
        ),
    ).to_json()
    lines = render_json(built).decode().splitlines()
    findings = [line for line in lines if line.startswith('{"policy_id"')]
    assert len(findings) == len(built["findings"]) > 0
    assert json.loads(render_json(built)) == json.loads(json.dumps(built, default=str))
