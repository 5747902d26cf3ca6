"""A call has a time budget and the run a deadline (--max-duration): what they cut is an
`error` with its reason, in the findings and in `errors`, never a missing row.

Faults come through the real SDK: a loopback socket that accepts and never answers, a port
nothing listens on, and the deadline ended from a botocore `before-call` hook at a chosen
operation (so the point is exact, whatever the machine's speed)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.evidence import EvidenceStore
from scanner.model import Status
from scanner.providers.aws.calls import AwsApi, AwsCallError, client_config
from scanner.providers.aws.collect import scan
from scanner.providers.aws.declare import permissions, shapes
from scanner.providers.aws.services import SERVICES
from scanner.providers.aws.timeouts import (
    CALL_BUDGET,
    CONNECT_TIMEOUT,
    MAX_ATTEMPTS,
    READ_TIMEOUT,
    Limits,
)
from scanner.source import Deadline
from tests.aws.helpers import assess
from tests.support.motoserver import moto_server

EAST, WEST = "us-east-1", "eu-west-1"
REPO = Path(__file__).resolve().parents[2]


def test_a_call_fits_a_scan() -> None:
    """The documented bound: a call ends within its budget plus one last attempt, far below
    the ~9 minutes botocore's defaults allowed (9 attempts x 60 s)."""
    config = client_config()
    assert config.connect_timeout == CONNECT_TIMEOUT and config.read_timeout == READ_TIMEOUT
    assert config.retries == {"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS}
    assert CALL_BUDGET + CONNECT_TIMEOUT + READ_TIMEOUT <= 90


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback HTTP endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(256)  # every worker's connection is taken, however late accept() runs
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_a_hung_endpoint_is_not_retried_past_the_budget(silent_endpoint: str) -> None:
    """Read timeouts are retried until the budget is spent (0 here, so the first retry is
    refused), and the error names the budget and the last failure."""
    import boto3
    from botocore.config import Config

    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=EAST
    )
    limits = Limits(session.events, budget=0.0)
    try:
        client = session.client(
            "cloudtrail",
            endpoint_url=silent_endpoint,
            config=Config(
                connect_timeout=1,
                read_timeout=0.2,
                retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
            ),
        )
        with pytest.raises(Exception) as caught:
            client.describe_trails()
    finally:
        limits.remove()
    assert type(caught.value).__name__ == "CallDeadlineExceeded"
    message = str(caught.value)
    assert "DescribeTrails: no answer within 0s over 1 attempt(s)" in message
    assert "ReadTimeoutError" in message


def test_the_gateway_reports_a_call_past_its_budget_as_an_error(moto_session: Any) -> None:
    """Through AwsApi (the real client config): a refused connection, retried, then the
    budget ends it: AwsCallError with the code findings and `errors` will show."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    limits = Limits(moto_session.events, budget=0.0)
    try:
        api = AwsApi(
            moto_session,
            EvidenceStore(),
            permissions(SERVICES),
            endpoint_url=closed,
            shapes=shapes(SERVICES),
        )
        with pytest.raises(AwsCallError) as caught:
            api.call("cloudtrail", EAST, "DescribeTrails")
    finally:
        limits.remove()
    assert caught.value.code == "CallDeadlineExceeded"
    assert "EndpointConnectionError" in caught.value.message


def _estate(session: Any) -> None:
    s3 = session.client("s3", region_name=EAST)
    s3.create_bucket(Bucket="trail-logs")
    session.client("cloudtrail", region_name=EAST).create_trail(
        Name="main", S3BucketName="trail-logs", IsMultiRegionTrail=True
    )
    for region in (EAST, WEST):
        session.client("logs", region_name=region).create_log_group(logGroupName=f"app-{region}")


def _rows(findings: list[Any]) -> dict[tuple[str, str], Any]:
    return {(f.policy_id, f.resource_id): f for f in findings}


@pytest.mark.parametrize("at", ["DescribeTrails", "GetTrailStatus", "DescribeLogGroups"])
def test_max_duration_turns_what_is_left_into_errors(
    moto_session: Any, prepared: Any, at: str
) -> None:
    """The deadline ends when a chosen call is about to be made (a listing of stage 1, a
    detail of stage 2): that call and every task after it are errors; every row of the full
    scan is still there, or an error row of its policy covers its region."""
    _estate(moto_session)
    full = assess(prepared, scan(moto_session, [EAST, WEST], EvidenceStore()))

    deadline = Deadline(3600)

    def expire(**_: Any) -> None:
        deadline.expire()

    moto_session.events.register(f"before-call.*.{at}", expire)
    try:
        cut_scan = scan(moto_session, [EAST, WEST], EvidenceStore(), deadline=deadline)
    finally:
        moto_session.events.unregister(f"before-call.*.{at}", expire)
    cut = assess(prepared, cut_scan)

    # A listing cut short is in `errors` (and errs its type in that region); a per-resource
    # call cut short errs that resource's findings (listing those in `errors` too is the
    # gateway's part of the same issue).
    errors = [e for e in cut_scan.inventory.errors if e.code == "RunDeadlineExceeded"]
    assert all("--max-duration" in e.reason for e in errors)
    assert errors or at == "GetTrailStatus"
    cut_rows = [f for f in cut if f.status is Status.ERROR and "max-duration" in f.message]
    assert cut_rows, "the deadline cut nothing"
    rows = _rows(cut)
    error_rows = {(f.policy_id, f.region) for f in cut_rows}
    missing = [
        key
        for key, finding in _rows(full).items()
        if key not in rows
        and (finding.policy_id, finding.region) not in error_rows
        and (finding.policy_id, "global") not in error_rows
    ]
    assert not missing, missing
    assert {f.policy_id for f in full} <= {f.policy_id for f in cut}


@pytest.fixture(scope="module")
def sts_and_ec2() -> Iterator[str]:
    """moto_server on loopback: it answers STS and EC2, so the scan can start."""
    with moto_server() as url:
        yield url


def _hung_scan(moto: str, silent: str, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    """`logward scan aws` whose STS and EC2 answer (moto_server) and whose every other
    service accepts the connection and never answers."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy")
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=EAST,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_ENDPOINT_URL=silent,
        AWS_ENDPOINT_URL_STS=moto,
        AWS_ENDPOINT_URL_EC2=moto,
        PYTHONPATH=str(REPO),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "scanner", "scan", "aws", "--regions", EAST, "--out", "out", *extra],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_ctrl_c_does_not_wait_for_hung_calls(
    sts_and_ec2: str, silent_endpoint: str, tmp_path: Path
) -> None:
    """Every worker is stuck in a read that would last READ_TIMEOUT, then retry: SIGINT ends
    the run at once (exit 130) rather than after the calls in flight. The bound below is
    generous for a loaded machine and still below one read timeout."""
    proc = _hung_scan(sts_and_ec2, silent_endpoint, tmp_path)
    assert proc.stderr is not None
    assert ": scanning " in proc.stderr.readline()
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert time.monotonic() - started < READ_TIMEOUT - 5
    assert not (tmp_path / "out").exists()


def test_max_duration_ends_a_scan_of_a_hung_endpoint_with_error_rows(
    sts_and_ec2: str, silent_endpoint: str, tmp_path: Path
) -> None:
    """--max-duration 2s against endpoints that never answer: the calls in flight end at
    their read timeout and are not retried; the scan writes a whole results.json whose
    findings are errors naming the deadline, and exits 1."""
    proc = _hung_scan(sts_and_ec2, silent_endpoint, tmp_path, "--max-duration", "2s", "--quiet")
    _out, err = proc.communicate(timeout=240)
    assert proc.returncode == 1, err
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    # S3 Control puts the account id in front of the endpoint's host, which a bare loopback
    # address cannot resolve: when that call starts before the deadline it fails to connect.
    codes = {e["code"] for e in results["errors"] if e["operation"] != "GetPublicAccessBlock"}
    assert codes <= {"RunDeadlineExceeded", "ReadTimeoutError"}, results["errors"]
    assert "RunDeadlineExceeded" in codes
    assert results["summary"]["error"] > 0 and results["summary"]["pass"] == 0
    # A row for every policy, except those on KMS keys: keys are in scope only as the keys
    # of audit log stores, so with no log store listed there is no key to judge (the same
    # as when DescribeTrails is denied; the listing errors say why).
    without = {p["id"] for p in results["policies"]} - {f["policy_id"] for f in results["findings"]}
    assert {p["resource"] for p in results["policies"] if p["id"] in without} <= {"aws.kms.key"}


def test_the_demo_takes_max_duration_too(tmp_path: Path) -> None:
    """`logward demo --max-duration`: the deadline counts from the command's start, so a tiny
    one passes while the estate is built; the account is still identified, and every task of
    the collection is an error naming the deadline (the demo itself succeeds)."""
    from click.testing import CliRunner

    from scanner.cli import main

    result = CliRunner().invoke(
        main, ["demo", "--out", str(tmp_path), "--max-duration", "0.001", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert {e["code"] for e in results["errors"]} == {"RunDeadlineExceeded"}
    assert results["summary"]["pass"] == 0 and results["summary"]["error"] > 0
