"""The fault matrix: a scan without faults, scans with faults armed on the proxy
(`faults.FaultProxy`), and what a faulted scan must never show against the baseline.
Used by tests/aws/test_faults.py (a sample) and `python -m bench.faults` (the full matrix)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.faults import Fault, FaultProxy, Request

# A stalled call must outlast the read timeout; two attempts in all keep retried faults short.
READ_TIMEOUT_S = 1
STALL_S = 3.0
MAX_ATTEMPTS = 2
NOT_FAILED = ("error", "unknown")


@dataclass
class Scan:
    """One `logward scan aws` subprocess through the proxy."""

    returncode: int
    stdout: str
    stderr: str
    results: dict[str, Any] | None
    faulted: list[Request]

    def rows(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(policy, resource id) -> finding."""
        findings = (self.results or {}).get("findings", [])
        return {(f["policy_id"], f["resource"]["id"]): f for f in findings}

    def statuses(self) -> dict[tuple[str, str], str]:
        """(policy, resource id) -> status."""
        return {key: f["status"] for key, f in self.rows().items()}


def listing_error_ids(resource: dict[str, Any]) -> set[str]:
    """The ids of the error rows that stand for a resource when its listing failed (one per
    policy, account, region and type: scanner.policy.engine)."""
    account, rtype = resource["account"], resource["type"]
    return {f"aws:{account}:{region}:{rtype}" for region in (resource["region"], "global", "*")}


def scan_env(proxy_url: str) -> dict[str, str]:
    """Fake credentials, nothing of the user's AWS configuration, every call via the proxy."""
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "LOGWARD_"))
        and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        HTTP_PROXY=proxy_url,
        LOGWARD_AWS_READ_TIMEOUT=str(READ_TIMEOUT_S),
        LOGWARD_AWS_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
    )
    return env


def run_scan(proxy: FaultProxy, regions: tuple[str, ...], work: Any, *faults: Fault) -> Scan:
    """Arm `faults`, run the real CLI as a subprocess against the proxy, read what it wrote."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    Path(work).mkdir(parents=True, exist_ok=True)
    out = Path(work) / "out"
    proxy.arm(*faults)
    cmd = [
        sys.executable,
        "-m",
        "scanner",
        "scan",
        "aws",
        "--endpoint-url",
        proxy.url,
        "--regions",
        ",".join(regions),
        "--out",
        str(out),
        "--quiet",
    ]
    env = scan_env(proxy.url)
    env["PYTHONPATH"] = str(repo)
    try:
        done = subprocess.run(
            cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False
        )
    except subprocess.TimeoutExpired as exc:
        # A scan that hangs is a crash of its own kind: report it, never wait forever.
        proxy.arm()
        return Scan(-1, "", f"timed out after {exc.timeout}s", None, [])
    results_file = out / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else None
    with proxy.lock:
        faulted = list(proxy.faulted)
    proxy.arm()
    return Scan(done.returncode, done.stdout, done.stderr, results, faulted)


def problems(baseline: Scan, got: Scan, *faults: Fault) -> list[str]:
    """What a faulted scan must never show, against the baseline: a crash, a silent pass, a
    missing row, a verdict changed to anything but error or unknown, a fault never triggered,
    a faulted call absent from `errors`. The scan cannot run without the caller's identity: a
    faulted GetCallerIdentity must end the run as a clean run failure (exit 3, naming it)."""
    label = " + ".join(
        f"{f.service}:{f.operation}{f'@{f.region}' if f.region else ''} x {f.kind}" for f in faults
    )
    if any(f.operation == "GetCallerIdentity" for f in faults):
        if got.returncode != 3 or "cannot identify the caller" not in got.stderr:
            why = f"exit {got.returncode}: {got.stderr[-300:]}"
            return [f"{label}: expected a clean run failure naming the call, got {why}"]
        return []
    if got.returncode == 3 or got.results is None or "Traceback" in got.stderr:
        return [f"{label}: crashed (exit {got.returncode}): {got.stderr[-500:]}"]
    out = [f"{label}: results.json: {p}" for p in _schema_problems(got.results or {})]
    for fault in faults:
        if not any(fault.matches(r) for r in got.faulted):
            out.append(f"{label}: {fault.operation} was never called, so never faulted")
    out += _row_problems(label, baseline, got)
    named = {(e["operation"], e["region"]) for e in (got.results or {}).get("errors", [])}
    for request in sorted(set(got.faulted), key=lambda r: (r.operation, r.region)):
        if not named & {(request.operation, request.region), (request.operation, "global")}:
            out.append(
                f"{label}: faulted call {request.operation} in {request.region} not in errors"
            )
    return out


def _schema_problems(results: dict[str, Any]) -> list[str]:
    import jsonschema

    from scanner.data import schema

    validator = jsonschema.Draft202012Validator(schema("results"))
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(results)
    ]


def _row_problems(label: str, baseline: Scan, got: Scan) -> list[str]:
    from scanner.providers.aws.common import partition_of

    out: list[str] = []
    after = got.rows()
    errors = " ".join(f"{e['operation']} " for e in (got.results or {}).get("errors", []))
    for key, finding in sorted(baseline.rows().items()):
        was, now = finding["status"], after.get(key, {}).get("status")
        if now == "pass" and was != "pass":
            out.append(f"{label}: silent pass {key} (was {was})")
        elif now is not None and now != was and now not in NOT_FAILED:
            out.append(f"{label}: quiet verdict change {key}: {was} -> {now}")
        if now is not None:
            continue
        resource = finding["resource"]
        # Where the listing itself failed, one error row per region and type stands for
        # every resource it would have listed.
        if any(
            after.get((key[0], rid), {}).get("status") == "error"
            for rid in listing_error_ids(resource)
        ):
            continue
        # A resource known only by a reference (a trail's bucket in another account: no
        # evidence of its own) cannot be named once the call that referenced it failed; the
        # policy must then err on the resources it did list, naming a failed call.
        if not finding["evidence"] and any(
            f["policy_id"] == key[0]
            and f["status"] == "error"
            and any(op and op in f["message"] for op in errors.split())
            for f in after.values()
        ):
            continue
        # moto lists China and GovCloud regions in the aws partition; AWS never does, and no
        # region list but DescribeRegions' can name them.
        if resource["type"] == "aws.region" and partition_of(resource["name"]) != "aws":
            continue
        out.append(f"{label}: missing row {key} (was {was})")
    return out
