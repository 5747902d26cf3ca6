"""The live-scan benchmark: logward vs Prowler against the same moto estate.

    python -m bench.live --sizes small,large,xlarge --runs 5

For each size: a fresh moto server in its own process (`bench.server`), the seeded estate
(`bench.estate`), then N alternating runs (logward, Prowler, logward, Prowler, ...), each
measured by `bench.measure.run` (wall, CPU and peak RSS of the scanner's process tree; the
server's own cost is not charged) with the server's HTTP request count, reset before each run.
Both scanners get the same environment (`bench.server.scan_env`): the server as endpoint and as
HTTP proxy, fake credentials, no user AWS configuration.

logward: `<python> -m scanner scan aws --regions R --out DIR --quiet` from the repository;
exit 0 or 1 (failing findings) is success. Prowler 5.46.0, from its own venv under
`bench/.venvs/prowler` (created on first use): `prowler aws --checks C... -f R... -o DIR
-M json-ocsf --scan-unused-services`; exit 0 or 3 (failing findings) is success.
`--scan-unused-services` makes Prowler judge every VPC, as logward does (by default it skips
VPCs without network interfaces, and then `vpc_flow_logs_enabled` reports nothing at all).

The three `cloudtrail_threat_detection_*` checks are left out of the timed Prowler runs by
default (`--prowler-all-checks` keeps them): they read CloudTrail LookupEvents, which moto does
not implement (HTTP 500); Prowler retries each call with backoff and then reports nothing, so
their time would measure retry sleeps, not scanning.

Writes `bench/out/live.json` (machine, versions, check list, per-run rows, spreads, ratios of
the medians logward/prowler, and the per-resource verdict comparison on the overlapping checks)
and keeps the last run's outputs of each tool under `bench/out/live/<size>/`.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import measure
from bench.estate import ACCOUNT, SIZES, Manifest, build
from bench.prowler_checks import OVERLAP, PROWLER_CHECKS, PROWLER_VERSION, check_list
from bench.server import Server, check_proxy_counting, scan_env

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
VENV = BENCH / ".venvs" / "prowler"
MOTO_UNSUPPORTED = (
    "cloudtrail_threat_detection_enumeration",
    "cloudtrail_threat_detection_llm_jacking",
    "cloudtrail_threat_detection_privilege_escalation",
)
OK_EXIT = {"logward": (0, 1), "prowler": (0, 3)}
METRICS = ("wall_s", "cpu_s", "peak_rss_mb", "requests")


# ------------------------------------------------------------------------------------------
# Prowler's venv
# ------------------------------------------------------------------------------------------


def ensure_prowler(venv: Path = VENV, version: str = PROWLER_VERSION) -> Path:
    """The `prowler` executable of `venv`, creating the venv and installing Prowler first."""
    exe = venv / "bin" / "prowler"
    if not exe.exists():
        print(f"creating {venv} and installing prowler=={version} (takes minutes)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", f"prowler=={version}"], check=True
        )
    return exe


def prowler_package(venv: Path = VENV) -> Path:
    found = sorted(venv.glob("lib/python*/site-packages/prowler"))
    if not found:
        raise RuntimeError(f"no prowler package under {venv}")
    return found[0]


def _version_of(argv: Sequence[str]) -> str:
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=120, cwd=REPO)
    return (done.stdout or done.stderr).strip().splitlines()[-1] if done.returncode == 0 else ""


def versions(prowler: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m;"
        "print(' '.join(m.version(p) for p in ('boto3', 'botocore')))"
    )
    ours = _version_of([sys.executable, "-c", code]).split()
    theirs = _version_of([str(prowler.parent / "python"), "-c", code]).split()
    moto = _version_of([sys.executable, "-c", "import moto; print(moto.__version__)"])
    return {
        "logward": measure.logward_version(),
        "prowler": _version_of([str(prowler), "--version"]),
        "moto": moto,
        "python": sys.version.split()[0],
        "logward_boto3": ours[0] if ours else "",
        "logward_botocore": ours[-1] if ours else "",
        "prowler_boto3": theirs[0] if theirs else "",
        "prowler_botocore": theirs[-1] if theirs else "",
    }


# ------------------------------------------------------------------------------------------
# One run of one tool
# ------------------------------------------------------------------------------------------


def logward_argv(regions: Sequence[str], out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scanner",
        "scan",
        "aws",
        "--regions",
        ",".join(regions),
        "--out",
        str(out),
        "--quiet",
    ]


def prowler_argv(exe: Path, checks: Sequence[str], regions: Sequence[str], out: Path) -> list[str]:
    return [
        str(exe),
        "aws",
        "--checks",
        *checks,
        "-f",
        *regions,
        "-o",
        str(out),
        "-M",
        "json-ocsf",
        "-F",
        "prowler",
        "--no-banner",
        "--no-color",
        "--scan-unused-services",
    ]


def run_tool(
    tool: str, argv: list[str], server: Server, env: dict[str, str], work: Path, timeout_s: float
) -> dict[str, Any]:
    server.reset()
    m = measure.run(
        argv,
        env=env,
        cwd=REPO if tool == "logward" else work,
        timeout_s=timeout_s,
        stdout=work / "stdout.log",
    )
    requests = server.count()
    row = {
        "tool": tool,
        **m.to_json(),
        "requests": requests,
        "ok": m.exit_code in OK_EXIT[tool] and not m.timed_out,
    }
    return row


# ------------------------------------------------------------------------------------------
# Verdicts on the overlapping checks
# ------------------------------------------------------------------------------------------

# How a Prowler check's resource and logward's finding are matched: a key function per side.
# "account" checks are compared once per account; Prowler's findings are folded with
# ACCOUNT_FOLD ("all": every finding must pass; "any": one passing finding is enough).
KEY_KIND: dict[str, str] = {
    "cloudtrail_multi_region_enabled": "account",
    "cloudtrail_s3_dataevents_read_enabled": "account",
    "cloudtrail_s3_dataevents_write_enabled": "account",
    "cloudtrail_log_file_validation_enabled": "trail",
    "cloudtrail_kms_encryption_enabled": "trail",
    "cloudtrail_cloudwatch_logging_enabled": "trail",
    "cloudtrail_logs_s3_bucket_access_logging_enabled": "trail_bucket",
    "cloudtrail_logs_s3_bucket_is_not_publicly_accessible": "trail_bucket",
    "cloudtrail_bucket_requires_mfa_delete": "trail_bucket",
    "kms_cmk_rotation_enabled": "arn",
    "config_recorder_all_regions_enabled": "region",
    "vpc_flow_logs_enabled": "vpc",
    "cloudwatch_log_group_retention_policy_specific_days_enabled": "log_group",
    "cloudwatch_log_group_kms_encryption_enabled": "log_group",
}
ACCOUNT_FOLD: dict[str, str] = {
    # One finding per region: pass when every scanned region has a logging trail.
    "cloudtrail_multi_region_enabled": "all",
    # One PASS per trail that records, or one account FAIL.
    "cloudtrail_s3_dataevents_read_enabled": "any",
    "cloudtrail_s3_dataevents_write_enabled": "any",
}


def _prowler_key(kind: str, finding: dict[str, Any], trail_bucket: dict[str, str]) -> str:
    resource = (finding.get("resources") or [{}])[0]
    uid = str(resource.get("uid") or "")
    if kind == "account":
        return ACCOUNT
    if kind == "trail":
        return uid
    if kind == "trail_bucket":
        return trail_bucket.get(uid.rsplit("/", 1)[-1], f"?{uid}")
    if kind == "region":
        return str(resource.get("region") or "")
    if kind == "vpc":
        return uid.rsplit("/", 1)[-1]
    if kind == "log_group":
        return uid.removesuffix(":*")
    return uid


def _logward_key(kind: str, finding: dict[str, Any]) -> str:
    resource = finding["resource"]
    if kind == "account":
        return str(resource["account"])
    if kind == "trail_bucket":
        return str(resource["name"])
    if kind == "region":
        return str(resource["region"])
    if kind == "vpc":
        return str(resource["id"]).rsplit("/", 1)[-1]
    if kind == "log_group":
        return str(resource["id"]).removesuffix(":*")
    return str(resource["id"])


def compare_verdicts(
    logward: dict[str, Any],
    prowler: list[dict[str, Any]],
    manifest: Manifest,
    example_limit: int = 12,
) -> dict[str, Any]:
    """Per overlapping check: resources both judged (agree / disagree / logward unknown or
    error), and resources only one side judged."""
    trail_bucket = dict(zip(manifest.trails, manifest.trail_buckets, strict=True))
    lw_by_policy: dict[str, dict[str, dict[str, Any]]] = {}
    for finding in logward.get("findings", []):
        lw_by_policy.setdefault(finding["policy_id"], {})[finding["resource"]["id"]] = finding
    out: dict[str, Any] = {}
    totals: Counter[str] = Counter()
    for check, policy in OVERLAP.items():
        kind = KEY_KIND.get(check, "account")
        pw: dict[str, list[dict[str, Any]]] = {}
        for finding in prowler:
            if finding.get("metadata", {}).get("event_code") == check:
                pw.setdefault(_prowler_key(kind, finding, trail_bucket), []).append(finding)
        pw_status: dict[str, str] = {}
        pw_message: dict[str, str] = {}
        for key, found in pw.items():
            statuses = [str(f.get("status_code", "")).lower() for f in found]
            fold = ACCOUNT_FOLD.get(check, "all")
            if "manual" in statuses:
                status = "manual"
            elif fold == "any":
                status = "pass" if "pass" in statuses else "fail"
            else:
                status = "fail" if "fail" in statuses else "pass"
            pw_status[key] = status
            pw_message[key] = " | ".join(
                sorted(
                    {
                        str(f.get("status_detail", ""))[:160]
                        for f in found
                        if str(f.get("status_code")).lower() == status
                    }
                )
            )
        lw_status: dict[str, str] = {}
        lw_message: dict[str, str] = {}
        for finding in lw_by_policy.get(policy, {}).values():
            key = _logward_key(kind, finding)
            lw_status[key] = finding["status"]
            lw_message[key] = str(finding.get("message", ""))[:200]
        both = sorted(set(pw_status) & set(lw_status))
        counts: Counter[str] = Counter()
        examples: list[dict[str, str]] = []
        for key in both:
            a, b = lw_status[key], pw_status[key]
            if a in ("unknown", "error"):
                outcome = f"logward_{a}"
            elif b == "manual":
                outcome = "prowler_manual"
            elif a == b:
                outcome = "agree"
            else:
                outcome = "disagree"
            counts[outcome] += 1
            if outcome != "agree" and len(examples) < example_limit:
                examples.append(
                    {
                        "resource": key,
                        "logward": a,
                        "prowler": b,
                        "logward_message": lw_message[key],
                        "prowler_message": pw_message[key],
                    }
                )
        counts["only_logward"] = len(set(lw_status) - set(pw_status))
        counts["only_prowler"] = len(set(pw_status) - set(lw_status))
        totals.update(counts)
        out[check] = {
            "logward_policy": policy,
            "match_on": kind,
            "compared": len(both),
            **{
                k: counts.get(k, 0)
                for k in (
                    "agree",
                    "disagree",
                    "logward_unknown",
                    "logward_error",
                    "prowler_manual",
                    "only_logward",
                    "only_prowler",
                )
            },
            "examples": examples,
        }
    return {"by_check": out, "totals": dict(totals)}


def prowler_summary(
    findings: list[dict[str, Any]], log: str, checks: Sequence[str]
) -> dict[str, Any]:
    """Are Prowler's findings real? Status counts, checks with no finding, checks that
    raised ("Something went wrong in <check>")."""
    status = Counter(str(f.get("status_code")) for f in findings)
    seen = {f.get("metadata", {}).get("event_code") for f in findings}
    raised = sorted(set(re.findall(r"Something went wrong in (\w+)", log)))
    return {
        "findings": len(findings),
        "by_status": dict(status),
        "checks_run": len(checks),
        "checks_with_findings": len(seen & set(checks)),
        "checks_without_findings": sorted(set(checks) - seen),
        "checks_that_raised": raised,
    }


def _load_prowler(out: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(out.glob("*.ocsf.json")):
        text = path.read_text().strip()
        if text:
            found.extend(json.loads(text))
    return found


# ------------------------------------------------------------------------------------------
# One size
# ------------------------------------------------------------------------------------------


def _spreads(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    spreads: dict[str, dict[str, dict[str, float]]] = {}
    for tool in ("logward", "prowler"):
        ok = [r for r in rows if r["tool"] == tool and r["ok"]]
        if ok:
            spreads[tool] = {m: measure.spread([float(r[m]) for r in ok]) for m in METRICS}
    return spreads


def _ratios(spreads: dict[str, dict[str, dict[str, float]]]) -> dict[str, float | None]:
    if "logward" not in spreads or "prowler" not in spreads:
        return {}
    ratios: dict[str, float | None] = {}
    for metric in METRICS:
        theirs = spreads["prowler"][metric]["median"]
        ratios[metric] = round(spreads["logward"][metric]["median"] / theirs, 4) if theirs else None
    return ratios


def bench_size(
    size: str,
    runs: int,
    prowler: Path,
    checks: Sequence[str],
    seed: int,
    timeout_s: float,
    say: Callable[[str], None],
    tools: Sequence[str] = ("logward", "prowler"),
) -> dict[str, Any]:
    keep = OUT / "live" / size
    if keep.exists():
        shutil.rmtree(keep)
    keep.mkdir(parents=True)
    with (
        Server(log=keep / "server.log") as server,
        tempfile.TemporaryDirectory(prefix=f"logward-live-{size}-") as tmp,
    ):
        started = time.perf_counter()
        manifest = build(server.url, size, seed)
        say(
            f"{size}: estate built in {time.perf_counter() - started:.1f}s "
            f"({manifest.requests} requests): {manifest.counts}"
        )
        proxy = check_proxy_counting(server)
        if proxy != {"s3control_via_proxy": 1, "sts_get_caller_identity": 1}:
            raise RuntimeError(f"request counting is off: {proxy}")
        env = scan_env(server.url, manifest.regions[0])
        rows: list[dict[str, Any]] = []
        last: dict[str, Path] = {}
        for i in range(runs):
            for tool in tools:
                work = Path(tmp) / f"{tool}-{i}"
                (work / "out").mkdir(parents=True)
                argv = (
                    logward_argv(manifest.regions, work / "out")
                    if tool == "logward"
                    else prowler_argv(prowler, checks, manifest.regions, work / "out")
                )
                row = {"size": size, "run": i, **run_tool(tool, argv, server, env, work, timeout_s)}
                rows.append(row)
                last[tool] = work
                say(
                    f"{size} run {i} {tool:8s} wall {row['wall_s']:7.2f}s cpu "
                    f"{row['cpu_s']:7.2f}s rss {row['peak_rss_mb']:6.1f}MB "
                    f"requests {row['requests']:6d} exit {row['exit_code']}"
                    + ("" if row["ok"] else "  FAILED")
                )
        lw_results: dict[str, Any] = {}
        if "logward" in last:
            if (last["logward"] / "out" / "results.json").exists():
                shutil.copy(last["logward"] / "out" / "results.json", keep / "logward-results.json")
                lw_results = json.loads((keep / "logward-results.json").read_text())
            shutil.copy(last["logward"] / "stdout.log", keep / "logward-stdout.log")
        pw_findings: list[dict[str, Any]] = []
        pw_log = ""
        if "prowler" in last:
            pw_findings = _load_prowler(last["prowler"] / "out")
            (keep / "prowler.ocsf.json").write_text(json.dumps(pw_findings))
            shutil.copy(last["prowler"] / "stdout.log", keep / "prowler-stdout.log")
            pw_log = (keep / "prowler-stdout.log").read_text(errors="replace")
    spreads = _spreads(rows)
    record = {
        "estate": manifest.to_json(),
        "proxy_check": proxy,
        "runs": rows,
        "failures": [r for r in rows if not r["ok"]],
        "spread": spreads,
        "ratios_logward_over_prowler": _ratios(spreads),
        "logward": {
            "api_calls": lw_results.get("scan", {}).get("api_calls"),
            "summary": lw_results.get("summary"),
            "collection_errors": len(lw_results.get("errors", [])),
        },
        "prowler": prowler_summary(pw_findings, pw_log, checks) if "prowler" in last else {},
        "verdicts": compare_verdicts(lw_results, pw_findings, manifest)
        if lw_results and pw_findings
        else {},
    }
    return record


# ------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live", description="logward vs Prowler on a moto estate"
    )
    parser.add_argument(
        "--sizes", default="small", help=f"comma-separated, of {','.join(SIZES)} (default small)"
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per tool and size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=3600.0, help="per run, seconds")
    parser.add_argument(
        "--prowler-all-checks",
        action="store_true",
        help="also run the LookupEvents checks moto cannot serve",
    )
    parser.add_argument(
        "--tools",
        default="logward,prowler",
        help="which scanners to run (default both; one alone gives no ratios)",
    )
    parser.add_argument("--out", type=Path, default=OUT / "live.json")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if not tools or set(tools) - set(OK_EXIT):
        parser.error(f"--tools: expected logward and/or prowler, got {args.tools!r}")
    unknown = [s for s in sizes if s not in SIZES]
    if unknown or args.runs < 1:
        parser.error(f"unknown size(s) {unknown}" if unknown else "--runs must be >= 1")

    def say(message: str) -> None:
        print(message, flush=True)

    prowler = ensure_prowler()
    derived = check_list(prowler_package())
    checks = [c for c in PROWLER_CHECKS if args.prowler_all_checks or c not in MOTO_UNSUPPORTED]
    missing = sorted(set(checks) - set(derived))
    if missing:
        raise SystemExit(f"checks not in the installed Prowler: {missing}")
    record: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": measure.machine(),
        "versions": versions(prowler),
        "command": ["python", "-m", "bench.live", *(argv if argv is not None else sys.argv[1:])],
        "prowler_checks": {
            "selected": list(PROWLER_CHECKS),
            "count": len(PROWLER_CHECKS),
            "run": checks,
            "left_out_for_moto": [c for c in PROWLER_CHECKS if c not in checks],
            "rule_applied_to_installed_prowler": derived,
            "rule": "bench/prowler_checks.py module docstring",
        },
        "overlap": OVERLAP,
        "sizes": {},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        record["sizes"][size] = bench_size(
            size, args.runs, prowler, checks, args.seed, args.timeout, say, tools
        )
        args.out.write_text(json.dumps(record, indent=2, default=str))
        ratios = record["sizes"][size]["ratios_logward_over_prowler"]
        say(f"{size}: logward/prowler medians: {ratios}")
    args.out.write_text(json.dumps(record, indent=2, default=str))
    say(f"wrote {args.out}")
    failed = sum(len(r["failures"]) for r in record["sizes"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
