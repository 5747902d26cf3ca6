"""Same verdicts before and after a change: another checkout of logward (`--against DIR`, with
its own venv in DIR/.venv) and this one judge the same estates and plans, and every finding is
compared by (policy id, resource id).

    python -m bench.verdicts --against ../before [--sizes small,large] [--plans 500,2000]

Live: one benchmark estate (`bench.estate`) is built in one moto_server (`bench.server`), and
both checkouts scan it with the same environment, so resource ids (random in moto) are the
same for both. Plans: both judge the same generated plan (`bench.plangen`), with and without
--assume-complete. Writes bench/out/verdicts.json; exits 1 when any verdict differs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.estate import build
from bench.plan import plan_file
from bench.server import Server, scan_env

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"


def _python(checkout: Path) -> str:
    found = checkout / ".venv" / "bin" / "python"
    return str(found) if checkout != REPO else sys.executable


def _run(
    checkout: Path, args: list[str], out: Path, env: dict[str, str] | None = None
) -> dict[str, Any]:
    done = subprocess.run(
        [_python(checkout), "-m", "scanner", *args, "--out", str(out), "--quiet"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=3600,
        env=env,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(
            f"{checkout}: logward {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}"
        )
    loaded: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return loaded


def verdicts(results: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(policy id, resource id) -> status."""
    return {(f["policy_id"], f["resource"]["id"]): f["status"] for f in results["findings"]}


def compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Findings by key, the differences, and the control statuses of both."""
    old, new = verdicts(before), verdicts(after)
    changed = sorted(
        (k for k in set(old) | set(new) if old.get(k) != new.get(k)), key=lambda k: (k[0], k[1])
    )
    controls = {
        run: {f"{c['framework']}:{c['control_id']}": c["status"] for c in doc["controls"]}
        for run, doc in (("before", before), ("after", after))
    }
    return {
        "findings": len(new),
        "summary": {"before": before["summary"], "after": after["summary"]},
        "differences": [
            {"policy": p, "resource": r, "before": old.get((p, r)), "after": new.get((p, r))}
            for p, r in changed
        ],
        "controls_equal": controls["before"] == controls["after"],
        "api_calls": {"before": before["scan"]["api_calls"], "after": after["scan"]["api_calls"]},
    }


def live(against: Path, size: str, work: Path) -> dict[str, Any]:
    """Both checkouts scan one estate in one moto_server."""
    with Server(log=work / f"server-{size}.log") as server:
        manifest = build(server.url, size, 7)
        env = scan_env(server.url, manifest.regions[0])
        args = ["scan", "aws", "--regions", ",".join(manifest.regions)]
        before = _run(against, args, work / f"before-{size}", env)
        after = _run(REPO, args, work / f"after-{size}", env)
    return compare(before, after)


def plan(against: Path, size: int, complete: bool, work: Path) -> dict[str, Any]:
    """Both checkouts judge one generated plan."""
    path, _summary = plan_file(size, 7)
    args = ["plan", str(path), *(["--assume-complete"] if complete else [])]
    tag = f"{size}{'-complete' if complete else ''}"
    return compare(
        _run(against, args, work / f"before-plan-{tag}"),
        _run(REPO, args, work / f"after-plan-{tag}"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--against",
        type=Path,
        required=True,
        help="another checkout of logward with its venv in .venv",
    )
    parser.add_argument("--sizes", default="small", help="live estate sizes (bench.estate)")
    parser.add_argument("--plans", default="500", help="plan sizes (bench.plangen)")
    parser.add_argument("--out", type=Path, default=OUT / "verdicts.json")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"against": str(args.against.resolve()), "live": {}, "plan": {}}
    with tempfile.TemporaryDirectory(prefix="logward-verdicts-") as tmp:
        work = Path(tmp)
        for size in [s for s in args.sizes.split(",") if s]:
            report["live"][size] = live(args.against.resolve(), size, work)
        for size in [int(s) for s in args.plans.split(",") if s]:
            for complete in (False, True):
                key = f"{size}{' --assume-complete' if complete else ''}"
                report["plan"][key] = plan(args.against.resolve(), size, complete, work)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    differ = 0
    for kind in ("live", "plan"):
        for name, found in report[kind].items():
            n = len(found["differences"])
            differ += n + (0 if found["controls_equal"] else 1)
            print(
                f"{kind} {name}: {found['findings']} findings, {n} differ, controls "
                f"{'equal' if found['controls_equal'] else 'DIFFER'}, API calls "
                f"{found['api_calls']['before']} -> {found['api_calls']['after']}"
            )
            for d in found["differences"][:10]:
                print(f"  {d['policy']} {d['resource']}: {d['before']} -> {d['after']}")
    print(f"wrote {args.out}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
