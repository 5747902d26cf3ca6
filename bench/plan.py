"""logward vs checkov on generated Terraform plans of growing size: wall time, CPU time and peak
RSS per run (bench.measure), medians and their ratios (logward / checkov).

    python -m bench.plan --sizes 500,2000,10000,50000 --runs 5 [--assume-complete]

Each plan is generated once (bench.plangen, seeded) and reused; runs alternate the two tools
(ABAB, the first tool swapped every run) so drift in the machine hits both alike. A checkov run
over --timeout seconds (300) is killed and recorded; checkov then skips that size's remaining
runs and every larger size. checkov runs from bench/.venvs/checkov, created (checkov==3.3.30)
on first use.
Writes bench/out/plan.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import plangen
from bench.measure import Measurement, logward_version, machine, run, spread

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
CHECKOV = BENCH / ".venvs" / "checkov" / "bin" / "checkov"
CHECKOV_VERSION = "3.3.30"
# No call to the Prisma Cloud API (guidelines, policy metadata): offline and not measured.
CHECKOV_ENV = {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}


def logward_argv(plan: Path, out_dir: Path, assume_complete: bool) -> list[str]:
    argv = [sys.executable, "-m", "scanner", "plan", str(plan), "--out", str(out_dir), "--quiet"]
    return [*argv, "--assume-complete"] if assume_complete else argv


def ensure_checkov(version: str = CHECKOV_VERSION) -> Path:
    """The checkov executable of bench/.venvs/checkov, creating the venv and installing
    checkov first (as bench.live does for Prowler), so a fresh clone's `python -m bench` runs."""
    if not CHECKOV.exists():
        venv = CHECKOV.parent.parent
        print(f"creating {venv} and installing checkov=={version} (takes minutes)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", f"checkov=={version}"], check=True
        )
    return CHECKOV


def checkov_argv(plan: Path) -> list[str]:
    return [
        str(CHECKOV),
        "-f",
        str(plan),
        "--framework",
        "terraform_plan",
        "--quiet",
        "--compact",
        "-o",
        "json",
        "--skip-download",
    ]


def versions() -> dict[str, str]:

    out = {
        "logward": logward_version(),
        "python": sys.version.split()[0],
        "terraform_version_in_plans": plangen.TERRAFORM_VERSION,
    }
    try:
        done = subprocess.run(
            [str(CHECKOV), "--version"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **CHECKOV_ENV},
        )
        out["checkov"] = done.stdout.strip().splitlines()[0] if done.stdout.strip() else "?"
    except (OSError, subprocess.TimeoutExpired) as exc:
        out["checkov"] = f"unavailable: {exc}"
    return out


def plan_file(size: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """The plan of `size` resources (generated once, then reused) and its summary."""
    path = OUT / "plans" / f"plan-{size}-seed{seed}.json"
    meta = path.with_suffix(".summary.json")
    if not path.exists() or not meta.exists():
        plan = plangen.generate(size, seed)
        size_bytes = plangen.write(plan, path)
        meta.write_text(json.dumps({**plangen.summary(plan), "bytes": size_bytes}, indent=1))
        del plan
    return path, json.loads(meta.read_text())


def logward_outcome(out_dir: Path) -> dict[str, Any]:
    try:
        results = json.loads((out_dir / "results.json").read_text())
    except (OSError, ValueError) as exc:
        return {"error": f"no results.json: {exc}"}
    return {
        "summary": results["summary"],
        "findings": len(results["findings"]),
        "inventory": sum(results["inventory"].values()),
        "not_evaluated": sum(len(v) for v in results["scan"]["not_evaluated"].values()),
    }


def checkov_outcome(stdout: Path) -> dict[str, Any]:
    try:
        data = json.loads(stdout.read_text())
    except (OSError, ValueError) as exc:
        tail = stdout.read_text(errors="replace")[-500:] if stdout.exists() else ""
        return {"error": f"no JSON report: {exc}", "tail": tail}
    reports = data if isinstance(data, list) else [data]
    summary = (
        next((r.get("summary") for r in reports if r.get("check_type") == "terraform_plan"), None)
        or {}
    )
    return {"summary": summary}


def medians(runs: list[Measurement]) -> dict[str, Any]:
    ok = [m for m in runs if not m.timed_out]
    if not ok:
        return {}
    return {
        "wall_s": spread([m.wall_s for m in ok]),
        "cpu_s": spread([m.cpu_s for m in ok]),
        "peak_rss_mb": spread([m.peak_rss_mb for m in ok]),
    }


def ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> float | None:
    if not a or not b or not b[key]["median"]:
        return None
    return round(a[key]["median"] / b[key]["median"], 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="500,2000,10000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=300.0, help="per checkov run (s)")
    parser.add_argument(
        "--assume-complete",
        action="store_true",
        help="run logward with --assume-complete (account-scope policies too)",
    )
    parser.add_argument("--out", type=Path, default=OUT / "plan.json")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    ensure_checkov()
    OUT.mkdir(parents=True, exist_ok=True)
    work = OUT / "plan-work"
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    checkov_env = {**os.environ, **CHECKOV_ENV}
    report: dict[str, Any] = {
        "benchmark": "plan",
        "machine": machine(),
        "versions": versions(),
        "config": {
            "sizes": sizes,
            "runs": args.runs,
            "seed": args.seed,
            "checkov_timeout_s": args.timeout,
            "assume_complete": args.assume_complete,
        },
        "argv": {
            "logward": logward_argv(Path("PLAN"), Path("OUT_DIR"), args.assume_complete),
            "checkov": checkov_argv(Path("PLAN")),
            "checkov_env": CHECKOV_ENV,
        },
        "sizes": [],
    }
    skip_reason: str | None = None
    for size in sizes:
        path, summary = plan_file(size, args.seed)
        print(f"== {size} resources, {summary['bytes'] / 1e6:.1f} MB", flush=True)
        rows: list[dict[str, Any]] = []
        lw_runs: list[Measurement] = []
        ck_runs: list[Measurement] = []
        entry: dict[str, Any] = {
            "size": size,
            "plan_bytes": summary["bytes"],
            "plan": str(path.relative_to(ROOT)),
            "counts": summary,
        }
        for i in range(args.runs):
            order = ("logward", "checkov") if i % 2 == 0 else ("checkov", "logward")
            for tool in order:
                if tool == "logward":
                    out_dir = work / f"logward-{size}"
                    shutil.rmtree(out_dir, ignore_errors=True)
                    m = run(
                        logward_argv(path, out_dir, args.assume_complete),
                        env=env,
                        cwd=ROOT,
                        stdout=work / f"logward-{size}.log",
                    )
                    lw_runs.append(m)
                    row = {"tool": "logward", "run": i, **m.to_json()}
                    if i == 0:
                        entry["logward_outcome"] = logward_outcome(out_dir)
                    if m.exit_code not in (0, 1):
                        row["error"] = (work / f"logward-{size}.log").read_text()[-500:]
                else:
                    if skip_reason:
                        continue
                    stdout = work / f"checkov-{size}.json"
                    m = run(
                        checkov_argv(path),
                        env=checkov_env,
                        cwd=ROOT,
                        timeout_s=args.timeout,
                        stdout=stdout,
                    )
                    ck_runs.append(m)
                    row = {"tool": "checkov", "run": i, **m.to_json()}
                    if m.timed_out:
                        skip_reason = (
                            f"checkov exceeded {args.timeout:.0f} s at {size} resources (killed)"
                        )
                    elif "checkov_outcome" not in entry:
                        entry["checkov_outcome"] = checkov_outcome(stdout)
                rows.append(row)
                print(
                    f"  run {i} {row['tool']:8s} wall {row['wall_s']:8.2f} s  "
                    f"cpu {row['cpu_s']:8.2f} s  rss {row['peak_rss_mb']:8.1f} MB  "
                    f"exit {row['exit_code']}{'  TIMEOUT' if row['timed_out'] else ''}",
                    flush=True,
                )
        lw, ck = medians(lw_runs), medians(ck_runs)
        entry.update(
            {
                "rows": rows,
                "logward": lw,
                "checkov": ck,
                "checkov_skipped": skip_reason if not ck else None,
                "ratios_logward_over_checkov": {
                    k: ratio(lw, ck, k) for k in ("wall_s", "cpu_s", "peak_rss_mb")
                },
            }
        )
        if lw:
            entry["logward_resources_per_s"] = round(size / lw["wall_s"]["median"], 1)
        if ck:
            entry["checkov_resources_per_s"] = round(size / ck["wall_s"]["median"], 1)
        report["sizes"].append(entry)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))  # partial results survive a crash
    print(
        f"\n{'size':>7} {'MB':>6} | {'logward s':>9} {'MB':>7} | {'checkov s':>9} {'MB':>7} | "
        f"{'wall x':>7} {'rss x':>6}"
    )
    for e in report["sizes"]:
        lw, ck, r = e["logward"], e["checkov"], e["ratios_logward_over_checkov"]
        print(
            f"{e['size']:>7} {e['plan_bytes'] / 1e6:>6.1f} | "
            f"{lw['wall_s']['median']:>9.2f} {lw['peak_rss_mb']['median']:>7.0f} | "
            + (
                f"{ck['wall_s']['median']:>9.2f} {ck['peak_rss_mb']['median']:>7.0f} | "
                f"{r['wall_s']:>7.3f} {r['peak_rss_mb']:>6.2f}"
                if ck
                else f"{'skipped':>9} {'':>7} | {e['checkov_skipped'] or ''}"
            )
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
