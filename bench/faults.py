"""The full fault matrix: every operation the scan declares x every fault kind, plus a disabled
and an unreachable region, each a real `logward scan aws` through the fault-injecting proxy
(tests/support/faults.py) in front of moto_server, compared with a scan without faults.

    python -m bench.faults [--out bench/out/faults.json] [--only OP,OP] [--kinds K,K]

Every cell must show 0 silent passes, 0 missing rows, 0 quiet verdict changes, 0 crashes and
every faulted call in `errors` (tests/aws/test_faults.py runs a sample of it in the suite).
Writes a JSON summary and prints the figures; exits 1 when any cell has a problem.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "faults.json"
DISABLED, UNREACHABLE = "ap-east-1", "eu-west-1"


def _category(problem: str) -> str:
    for name in (
        "crashed",
        "silent pass",
        "missing row",
        "quiet verdict change",
        "not in errors",
        "never called",
        "clean run failure",
    ):
        if name in problem:
            return name
    return "other"


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(REPO))
    import boto3

    from scanner.providers.aws.services import PERMISSIONS
    from tests.aws.test_moto_server import REGIONS, Clients, build_account_a
    from tests.support.fault_matrix import STALL_S, problems
    from tests.support.fault_matrix import run_scan as scan
    from tests.support.faults import KINDS, Fault, FaultProxy
    from tests.support.motoserver import moto_server

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", default="", help="comma-separated operations (default: all)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args(argv)
    ops = sorted(PERMISSIONS)
    if args.only:
        ops = [o for o in ops if o[1] in args.only.split(",")]
    kinds = args.kinds.split(",")
    cells: list[dict[str, Any]] = []
    started = time.monotonic()
    with moto_server() as url:
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        build_account_a(Clients(session, url))
        with FaultProxy(url, stall_s=STALL_S) as proxy, tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            baseline = scan(proxy, REGIONS, work / "baseline")
            assert baseline.results is not None, baseline.stderr
            print(f"baseline: {len(baseline.rows())} findings, exit {baseline.returncode}")
            plan: list[tuple[str, tuple[str, ...], list[Fault]]] = [
                (f"{s}:{o} x {k}", REGIONS, [Fault(s, o, k)]) for s, o in ops for k in kinds
            ]
            plan.append(("unreachable region", REGIONS, [Fault("*", "*", "reset", UNREACHABLE)]))
            plan.append(("disabled region", (*REGIONS, DISABLED), []))
            for i, (label, regions, faults) in enumerate(plan, 1):
                t0 = time.monotonic()
                got = scan(proxy, regions, work / f"cell{i}", *faults)
                found = problems(baseline, got, *faults)
                cells.append(
                    {
                        "cell": label,
                        "exit": got.returncode,
                        "seconds": round(time.monotonic() - t0, 1),
                        "faulted_requests": len(got.faulted),
                        "errors": len((got.results or {}).get("errors", [])),
                        "statuses": dict(Counter(got.statuses().values())),
                        "problems": found,
                    }
                )
                mark = "ok" if not found else f"{len(found)} problem(s)"
                print(f"[{i}/{len(plan)}] {label}: {mark} ({cells[-1]['seconds']}s)", flush=True)
                for problem in found[:5]:
                    print(f"    {problem}", flush=True)
    tally = Counter(_category(p) for c in cells for p in c["problems"])
    summary = {
        "operations": len(ops),
        "kinds": kinds,
        "cells": len(cells),
        "cells_with_problems": sum(1 for c in cells if c["problems"]),
        "problems": dict(tally),
        "faulted_requests": sum(c["faulted_requests"] for c in cells),
        "crashes": tally.get("crashed", 0),
        "seconds": round(time.monotonic() - started, 1),
        "results": cells,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}, indent=2))
    return 1 if summary["cells_with_problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
