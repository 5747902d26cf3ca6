"""The fault matrix, sampled: the real CLI, as a subprocess, through a fault-injecting proxy in
front of moto_server (tests/support/faults.py), each faulted scan compared with one without
faults. No faulted scan may crash, pass what was not a pass, lose a row, change a verdict to
anything but error or unknown, or leave a faulted call out of `errors`.

The sample: every fault kind on every per-resource and leaf call at once (a failure there
masks no other call), each listing call alone under a fault kind that rotates, a disabled
region and an unreachable one. `python -m bench.faults` runs the full matrix, one scan per
(operation, kind). Stalls outlast a read timeout shortened through LOGWARD_AWS_READ_TIMEOUT.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner.providers.aws.declare import regional_types
from scanner.providers.aws.services import PERMISSIONS, SERVICES
from tests.aws.test_moto_server import REGIONS, WEST, Clients, build_account_a
from tests.support.fault_matrix import STALL_S, Scan, problems, run_scan
from tests.support.faults import KINDS, Fault, FaultProxy
from tests.support.motoserver import moto_server

# Calls whose failure hides no other call: they can all be faulted in one scan.
LEAVES = (
    ("cloudtrail", "GetTrailStatus"),
    ("cloudtrail", "GetEventSelectors"),
    ("s3", "GetBucketPolicy"),
    ("s3", "GetBucketAcl"),
    ("s3", "GetPublicAccessBlock"),
    ("s3", "GetBucketVersioning"),
    ("s3", "GetObjectLockConfiguration"),
    ("s3", "GetBucketLogging"),
    ("s3", "GetBucketLifecycleConfiguration"),
    ("s3control", "GetPublicAccessBlock"),
    ("kms", "GetKeyRotationStatus"),
    ("sns", "ListSubscriptionsByTopic"),
    ("logs", "DescribeResourcePolicies"),
    ("logs", "DescribeMetricFilters"),
    ("config", "DescribeConfigurationRecorderStatus"),
    ("ec2", "DescribeFlowLogs"),
    ("ec2", "DescribeRegions"),
    ("iam", "GetAccountAuthorizationDetails"),
)
# Calls whose failure hides others (what is listed is then detailed; a lister's later calls are
# not made), grouped into scans in which no fault hides another faulted call.
LISTINGS = (
    (
        ("cloudtrail", "DescribeTrails"),
        ("cloudwatch", "DescribeAlarms"),
        ("config", "DescribeConfigurationRecorders"),
        ("ec2", "DescribeVpcs"),
    ),
    (
        ("s3", "ListBuckets"),
        ("sns", "ListTopics"),
        ("logs", "DescribeLogGroups"),
        ("kms", "DescribeKey"),
    ),
    (("s3", "GetBucketLocation"),),
    (("s3", "GetBucketEncryption"),),
    (("sts", "GetCallerIdentity"),),
)
DISABLED = "ap-east-1"  # moto reports it as not opted in


@dataclass
class Harness:
    proxy: FaultProxy
    baseline: Scan
    work: Path

    def scan(self, *faults: Fault, regions: tuple[str, ...] = REGIONS) -> Scan:
        return run_scan(self.proxy, regions, tempfile.mkdtemp(dir=self.work), *faults)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """Account A of test_moto_server behind the proxy, and its scan without faults."""
    import boto3

    work = tmp_path_factory.mktemp("faults")
    with moto_server() as url:
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        build_account_a(Clients(session, url))
        with FaultProxy(url, stall_s=STALL_S) as proxy:
            baseline = run_scan(proxy, REGIONS, work / "baseline")
            yield Harness(proxy, baseline, work)


def test_the_sample_covers_every_declared_call_and_the_baseline_makes_each(
    harness: Harness,
) -> None:
    assert sorted(LEAVES + tuple(c for group in LISTINGS for c in group)) == sorted(PERMISSIONS)
    assert harness.baseline.returncode == 1, harness.baseline.stderr
    assert harness.baseline.results is not None
    assert harness.baseline.results["errors"] == []
    counts = harness.baseline.results["scan"]["api_calls"]
    assert counts > len(PERMISSIONS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_leaf_call_under_one_fault_kind(harness: Harness, kind: str) -> None:
    faults = [Fault(service, operation, kind) for service, operation in LEAVES]
    got = harness.scan(*faults)
    assert problems(harness.baseline, got, *faults) == []


def _rotating(offset: int) -> list[list[Fault]]:
    """The listing groups as faults, the kind rotating over the calls, starting at `offset`."""
    calls = [call for group in LISTINGS for call in group]
    kinds = {call: KINDS[(offset + i) % len(KINDS)] for i, call in enumerate(calls)}
    return [[Fault(*call, kinds[call]) for call in group] for group in LISTINGS]


@pytest.mark.parametrize(
    "faults", _rotating(0), ids=lambda fs: "+".join(f"{f.operation}-{f.kind}" for f in fs)
)
def test_listing_calls_under_rotating_fault_kinds(harness: Harness, faults: list[Fault]) -> None:
    got = harness.scan(*faults)
    assert problems(harness.baseline, got, *faults) == []


def _regional_policies(prepared: Any) -> dict[str, str]:
    regional = set(regional_types(SERVICES))
    return {
        p.id: p.resource
        for p in prepared.policies
        if "live" in p.evaluate_on and p.resource in regional
    }


def test_a_disabled_region_errs_every_regional_type(harness: Harness, prepared: Any) -> None:
    got = harness.scan(regions=(*REGIONS, DISABLED))
    assert problems(harness.baseline, got) == []
    assert got.results is not None
    account = got.results["scan"]["accounts"][0]
    rows = got.statuses()
    for pid, rtype in _regional_policies(prepared).items():
        assert rows.get((pid, f"aws:{account}:{DISABLED}:{rtype}")) == "error", pid
    assert {e["code"] for e in got.results["errors"] if e["region"] == DISABLED} == {
        "RegionDisabled"
    }


def test_an_unreachable_region_errs_every_regional_type(harness: Harness, prepared: Any) -> None:
    fault = Fault("*", "*", "reset", WEST)
    got = harness.scan(fault)
    assert problems(harness.baseline, got, fault) == []
    assert got.results is not None
    account = got.results["scan"]["accounts"][0]
    rows = got.statuses()
    for pid, rtype in _regional_policies(prepared).items():
        assert rows.get((pid, f"aws:{account}:{WEST}:{rtype}")) == "error", pid
