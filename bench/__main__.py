"""Rerun every benchmark, then regenerate docs/benchmarks.md: `python -m bench [--quick]`.

The runs are sequential (each benchmark would disturb the others on a 2-core machine) and
take about an hour and a half in full; `--quick` runs the smallest sizes once, to check that
everything works. See bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import docs, engine, live, plan, report

OUT = Path(__file__).resolve().parent / "out"
FULL = {
    "live": ["--sizes", "small,large,xlarge", "--runs", "5"],
    "plan": ["--sizes", "500,2000,10000,50000", "--runs", "5"],
    "engine": ["--sizes", "10000,100000,1000000", "--runs", "5"],
    "report": ["--findings", "1000,10000", "--runs", "5"],
}
QUICK = {
    "live": ["--sizes", "small", "--runs", "1"],
    "plan": ["--sizes", "500", "--runs", "1"],
    "engine": ["--sizes", "10000", "--runs", "1"],
    "report": ["--findings", "1000", "--runs", "1"],
}
RUNNERS = {"live": live.main, "plan": plan.main, "engine": engine.main, "report": report.main}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smallest sizes, one run each")
    parser.add_argument(
        "--only", default=",".join(RUNNERS), help="comma-separated subset of " + ",".join(RUNNERS)
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSON results go")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    plan_args = QUICK if args.quick else FULL
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only.split(","):
        print(f"=== {name}", flush=True)
        code = RUNNERS[name]([*plan_args[name], "--out", str(args.out / f"{name}.json")])
        if code:
            print(f"{name} failed with exit code {code}", file=sys.stderr)
            return code
    if not args.no_docs and not args.quick:
        return docs.main(["--data", str(args.out)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
