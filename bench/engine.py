"""Engine throughput: load -> link -> evaluate -> write over synthetic AWS inventories of 10k,
100k and 1M resources, each size in a fresh subprocess pinned to one core.

    python -m bench.engine --sizes 10000,100000,1000000 --runs 5

The estate is an organization of accounts. Each account is the built-in demo account as logward
itself collects it (the AWS demo estate in moto, collected by scanner.providers.aws.collect:
real attribute shapes, evidence and IAM authorization details), with its account id, bucket names
and a share of its settings varied per account (seeded), plus a random number of further
buckets, VPCs, log groups, keys, alarms and topics, so accounts range from ~70 to ~330
resources. The records go to a JSON Lines file (one resource a line, grouped by account;
generated once per size and seed under bench/out/engine-data/).

The child (`python -m bench.engine --child FILE`) measures its own stages and prints one JSON
line per stage:
  load      stream the JSONL into one Inventory per account (bench.engine._resource)
  link      the core linker with AWS's links, then AWS's derived attributes, per account
            (scanner.providers.aws.collect.link_account: trail -> bucket / key / log group, log
            group -> metric filters -> alarms -> topics, VPC -> flow log groups, tamper
            analysis), then merge the accounts into one Inventory
  prepare   scanner.pipeline.prepare(None, None, None)
  evaluate  pipeline.assess with a live AWS SourceInfo, split into evaluate / roll_up / build
  write     scanner.results.write_outputs(out_dir, results, ["json"])
The parent measures the whole child with bench.measure.run (wall, CPU, peak RSS) and writes
bench/out/engine.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.measure import Measurement, logward_version, machine, run, spread

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
DATA = OUT / "engine-data"
TEMPLATE = DATA / "demo-account.json"
TOKEN = "@ACCT@"
DEMO_ACCOUNT = "123456789012"
# Attributes the linker computes: not collected, so not part of a record.
LINKER_ATTRS = {
    "aws.cloudtrail.trail": ("tamper_grants", "tamper_limits"),
    "aws.s3.bucket": ("effective_public_access_block",),
}
# Extra resources per account: type -> weight.
FILLERS = {
    "aws.s3.bucket": 35,
    "aws.ec2.vpc": 20,
    "aws.logs.log_group": 20,
    "aws.kms.key": 15,
    "aws.cloudwatch.alarm": 5,
    "aws.sns.topic": 5,
}
MAX_FILLERS = 260


# -- the template: the demo account as collected -------------------------------------------------
def _plain(value: Any) -> Any:
    """Attribute values as plain data: Unknowable -> {unknown: reason} / {error: reason}."""
    from scanner.model import Unknowable

    if isinstance(value, Unknowable):
        return {"error": value.reason} if value.error else {"unknown": value.reason}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()  # the condition language reads ISO 8601 strings too
    return value


def build_template() -> dict[str, Any]:
    """Collect the demo account once (moto, in process) and keep its resources as plain data."""
    from scanner.evidence import EvidenceStore
    from scanner.providers.aws.collect import scan
    from scanner.providers.aws.demo import REGIONS, demo_session

    with demo_session() as (session, regions):
        collected = scan(session, regions, EvidenceStore())
    records = []
    for res in collected.inventory:
        if res.placeholder is not None:
            continue  # the linker makes placeholders
        attrs = dict(res.attrs)
        for name in LINKER_ATTRS.get(res.type, ()):
            attrs.pop(name, None)
        records.append(
            {
                "type": res.type,
                "id": res.id,
                "name": res.name,
                "account": res.account,
                "region": res.region,
                "attrs": _plain(attrs),
                "evidence": [e.to_json() for e in res.evidence],
            }
        )
    scope = collected.scope
    return {
        "regions": list(REGIONS),
        "scope_regions": list(scope.regions),
        "home_region": scope.home_region,
        "records": records,
    }


def template() -> dict[str, Any]:
    if not TEMPLATE.exists():
        TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
        TEMPLATE.write_text(json.dumps(build_template()))
    return json.loads(TEMPLATE.read_text())


def tokenized(tpl: dict[str, Any]) -> str:
    """The template's records as JSON with the account id and every bucket name made
    per-account (bucket names are global)."""
    text = json.dumps(tpl["records"])
    buckets = {r["name"] for r in tpl["records"] if r["type"] == "aws.s3.bucket"}
    buckets |= {
        r["attrs"].get("s3_bucket_name")
        for r in tpl["records"]
        if r["type"] == "aws.cloudtrail.trail"
    } - {None}
    names = sorted((b for b in buckets if isinstance(b, str)), key=len, reverse=True)
    pattern = re.compile(
        r"(?<![A-Za-z0-9.-])(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9.-])"
    )
    text = pattern.sub(lambda m: f"{m.group(1)}-{TOKEN}", text)
    return text.replace(DEMO_ACCOUNT, TOKEN)


# -- variation -----------------------------------------------------------------------------------
def _vary(rng: random.Random, rec: dict[str, Any]) -> None:
    """Change a share of the settings policies judge, so accounts differ."""
    a = rec["attrs"]
    t = rec["type"]
    if rng.random() > 0.35:
        return
    if t == "aws.cloudtrail.trail":
        a["log_file_validation"] = rng.random() < 0.6
        if isinstance(a.get("status"), dict):
            a["status"]["is_logging"] = rng.random() < 0.9
    elif t == "aws.s3.bucket" and isinstance(a.get("object_lock"), dict):
        a["object_lock"]["retention_days"] = rng.choice([None, 30, 365, 400, 2555])
    elif t == "aws.logs.log_group":
        a["retention_days"] = rng.choice([None, 7, 30, 90, 365, 400, 3653])
    elif t == "aws.kms.key" and a.get("rotation_enabled") is not None:
        a["rotation_enabled"] = rng.random() < 0.6
    elif t == "aws.sns.topic" and isinstance(a.get("subscriptions_confirmed"), int):
        a["subscriptions_confirmed"] = rng.choice([0, 1, 2])
    elif t == "aws.cloudwatch.alarm":
        a["actions_enabled"] = rng.random() < 0.8


def _filler(
    rng: random.Random, pool: dict[str, list[dict[str, Any]]], rtype: str, acct: str, i: int
) -> dict[str, Any]:
    """Another resource of `rtype` in account `acct`, cloned from one of the account's own."""
    rec = json.loads(json.dumps(rng.choice(pool[rtype])))
    a = rec["attrs"]
    region = rec["region"]
    if rtype == "aws.s3.bucket":
        name = f"app-data-{acct}-{i}"
        rec["id"], rec["name"], a["name"] = f"arn:aws:s3:::{name}", name, name
    elif rtype == "aws.ec2.vpc":
        vid = f"vpc-{acct[-6:]}{i:08x}"
        rec["id"] = f"arn:aws:ec2:{region}:{acct}:vpc/{vid}"
        rec["name"] = a["vpc_id"] = vid
        if rng.random() < 0.5:
            a["flow_logs"] = []
    elif rtype == "aws.logs.log_group":
        name = f"/app/service-{i}"
        rec["id"] = f"arn:aws:logs:{region}:{acct}:log-group:{name}"
        rec["name"] = a["name"] = name
        a["retention_days"] = rng.choice([None, 14, 30, 90, 365, 400])
    elif rtype == "aws.kms.key":
        kid = f"{i:08x}-0000-4000-8000-{acct}"
        arn = f"arn:aws:kms:{region}:{acct}:key/{kid}"
        rec["id"], rec["name"], a["key_id"] = arn, kid, kid
        a["references"] = [arn, kid]
        if a.get("rotation_enabled") is not None:
            a["rotation_enabled"] = rng.random() < 0.5
    elif rtype == "aws.cloudwatch.alarm":
        name = f"app-alarm-{i}"
        rec["id"] = f"arn:aws:cloudwatch:{region}:{acct}:alarm:{name}"
        rec["name"] = a["name"] = name
        a["metric_name"] = f"AppMetric{i}"
    elif rtype == "aws.sns.topic":
        name = f"app-topic-{i}"
        rec["id"] = f"arn:aws:sns:{region}:{acct}:{name}"
        rec["name"] = a["name"] = name
    return rec


def accounts(total: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    """The records of each account until `total` resources (the last account is cut short)."""
    tpl = template()
    text = tokenized(tpl)
    rng = random.Random(seed)
    emitted = 0
    n = 0
    types = list(FILLERS)
    weights = [FILLERS[t] for t in types]
    while emitted < total:
        acct = f"{200000000000 + n:012d}"
        n += 1
        recs = json.loads(text.replace(TOKEN, acct))
        for rec in recs:
            _vary(rng, rec)
        pool: dict[str, list[dict[str, Any]]] = {}
        for rec in recs:
            pool.setdefault(rec["type"], []).append(rec)
        extra = rng.randint(0, MAX_FILLERS)
        recs += [
            _filler(rng, pool, t, acct, i)
            for i, t in enumerate(rng.choices(types, weights, k=extra))
        ]
        recs = recs[: total - emitted]
        emitted += len(recs)
        yield recs


def data_file(size: int, seed: int) -> Path:
    """The JSON Lines estate of `size` resources (generated once)."""
    path = DATA / f"estate-{size}-seed{seed}.jsonl"
    if not path.exists():
        tpl = template()
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("w") as out:
            head = {
                "kind": "scope",
                "regions": tpl["scope_regions"],
                "home_region": tpl["home_region"],
            }
            out.write(json.dumps(head) + "\n")
            for recs in accounts(size, seed):
                for rec in recs:
                    out.write(json.dumps(rec, separators=(",", ":")) + "\n")
        tmp.rename(path)
    return path


# -- the child: one size, one core ----------------------------------------------------------------
def _rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB."""
    cur = peak = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            cur = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return cur, peak


def _watchdog(limit_mb: float) -> None:
    """Exit (code 3) when RSS passes the limit: the stages done so far are already printed."""

    def watch() -> None:
        while True:
            if _rss_mb()[0] > limit_mb:
                print(
                    json.dumps({"stage": "killed", "reason": f"RSS over {limit_mb:.0f} MB"}),
                    flush=True,
                )
                os._exit(3)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def _records(path: Path) -> tuple[dict[str, Any], Iterator[list[dict[str, Any]]]]:
    """The file's header, and its resource records one account at a time."""
    handle = path.open()
    head = json.loads(handle.readline())

    def groups() -> Iterator[list[dict[str, Any]]]:
        with handle:
            group: list[dict[str, Any]] = []
            for line in handle:
                data = json.loads(line)
                if group and data.get("account") != group[0].get("account"):
                    yield group
                    group = []
                group.append(data)
            if group:
                yield group

    return head, groups()


def _value(raw: Any, unknowable: Any) -> Any:
    """Plain data back into attribute values: {unknown: r} / {error: r} -> Unknowable."""
    if isinstance(raw, dict):
        if len(raw) == 1:
            if "unknown" in raw:
                return unknowable(str(raw["unknown"]))
            if "error" in raw:
                return unknowable(str(raw["error"]), error=True)
        return {k: _value(v, unknowable) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_value(v, unknowable) for v in raw]
    return raw


def _resource(data: dict[str, Any]) -> Any:
    """One template record as the Resource a live collection builds."""
    from scanner.model import EvidenceRef, Resource, Unknowable

    rtype = str(data["type"])
    return Resource(
        provider=rtype.split(".", 1)[0],
        account=str(data["account"]),
        region=str(data["region"]),
        type=rtype,
        id=str(data["id"]),
        name=str(data["name"]),
        attrs=_value(data.get("attrs") or {}, Unknowable),
        evidence=tuple(
            EvidenceRef(
                operation=e["operation"],
                region=e["region"],
                params=e["params"],
                time=e["time"],
                sha256=e["sha256"],
                source=e["source"],
            )
            for e in data.get("evidence") or ()
        ),
    )


def child(path: Path, out_dir: Path, limit_mb: float, cpu: int = 0, mode: str = "stream") -> int:
    """One size in one process. `stream` (the default): pipeline.assess_partitions, one
    account at a time: load it, link it, evaluate it and spool its findings, keeping only
    counts; results.json is written at the end. `memory`: load and link every account, then
    pipeline.assess and write_outputs, the path of a single-account CLI scan."""
    from scanner import pipeline
    from scanner.inventory import Inventory
    from scanner.providers.aws.collect import link_account
    from scanner.providers.aws.common import Scope
    from scanner.results import write_outputs
    from scanner.source import Collected, ScanFacts, SourceInfo

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    _watchdog(limit_mb)
    t_start = time.perf_counter()

    def emit(stage: str, seconds: float, **extra: Any) -> None:
        cur, peak = _rss_mb()
        print(
            json.dumps(
                {
                    "stage": stage,
                    "seconds": round(seconds, 4),
                    "rss_mb": round(cur, 1),
                    "peak_rss_mb": round(peak, 1),
                    **extra,
                }
            ),
            flush=True,
        )

    emit("start", 0.0)
    t0 = time.perf_counter()
    prepared = pipeline.prepare(None, None, None)
    emit("prepare", time.perf_counter() - t0)
    head, groups = _records(path)
    spent = {"load": 0.0, "link": 0.0}
    counted = {"resources": 0, "accounts": 0}

    def accounts() -> Iterator[Inventory]:
        for group in groups:
            t = time.perf_counter()
            inv = Inventory()
            for data in group:
                inv.add(_resource(data))
            spent["load"] += time.perf_counter() - t
            t = time.perf_counter()
            account = group[0]["account"]
            inv = link_account(
                inv,
                Scope(
                    account=account,
                    partition="aws",
                    caller_arn=f"arn:aws:iam::{account}:role/logward-audit",
                    regions=tuple(head["regions"]),
                    home_region=head["home_region"],
                ),
            )
            spent["link"] += time.perf_counter() - t
            counted["resources"] += len(group)
            counted["accounts"] += 1
            yield inv

    live = SourceInfo(label="aws", kind="live", clouds=frozenset({"aws"}))
    started = pipeline.now_iso()
    out = out_dir / "results.json"
    t0 = time.perf_counter()
    if mode == "stream":
        facts = ScanFacts(accounts=[], regions=list(head["regions"]), started_at=started)
        summary = pipeline.assess_partitions(prepared, live, accounts(), out, facts)["summary"]
    else:
        merged = Inventory()
        for inv in accounts():
            merged.extend(r for t in inv.counts() for r in inv.of_type(t))
        t1 = time.perf_counter()
        facts = ScanFacts(
            accounts=sorted(merged.accounts()), regions=list(head["regions"]), started_at=started
        )
        results = pipeline.assess(prepared, live, Collected(merged, facts)).to_json()
        spent["evaluate"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        write_outputs(out_dir, results, ["json"])
        spent["write"] = time.perf_counter() - t1
        summary = results["summary"]
        del results
    total = time.perf_counter() - t0
    emit("load", spent["load"], **counted)
    emit("link", spent["link"])
    if mode == "stream":
        # Evaluation and writing interleave, account by account: timed together.
        emit("evaluate+write", total - spent["load"] - spent["link"])
    else:
        emit("evaluate", spent["evaluate"])
        emit("write", spent["write"])
    emit("results", 0.0, findings=sum(summary.values()), summary=summary, bytes=out.stat().st_size)
    emit("total", time.perf_counter() - t_start)
    return 0


# -- the parent ---------------------------------------------------------------------------------
def profile(size: int, seed: int, mode: str, out: Path) -> int:
    """One run under pyinstrument (the bench extra) when installed, else cProfile; writes the
    call tree (or the top functions by own and cumulative time) to out/engine-profile.txt."""
    import tempfile

    path = data_file(size, seed)
    header = f"engine profile: {size} resources, mode {mode}, seed {seed}\n"
    with tempfile.TemporaryDirectory() as tmp:
        try:
            from pyinstrument import Profiler
        except ImportError:
            text = header + _cprofile(path, Path(tmp), mode)
        else:
            profiler = Profiler(interval=0.001)
            profiler.start()
            child(path, Path(tmp), 8192.0, 0, mode)
            profiler.stop()
            text = header + profiler.output_text(unicode=True, color=False)
    target = out / "engine-profile.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text.replace(str(ROOT) + "/", ""), encoding="utf-8")
    print(f"wrote {target}")
    return 0


def _cprofile(path: Path, tmp: Path, mode: str) -> str:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(child, path, tmp, 8192.0, 0, mode)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(30)
    return text.getvalue()


STAGES = {
    "stream": ("prepare", "load", "link", "evaluate+write"),
    "memory": ("prepare", "load", "link", "evaluate", "write"),
}


def parse_child(log: Path) -> dict[str, Any]:
    stages: dict[str, Any] = {}
    if log.exists():
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                stages[item.pop("stage")] = item
    return stages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=900.0, help="per child run (s)")
    parser.add_argument(
        "--max-rss-mb", type=float, default=8192.0, help="the child stops itself above this RSS"
    )
    parser.add_argument("--out", type=Path, default=OUT / "engine.json")
    parser.add_argument("--cpu", type=int, default=0, help="the core the child runs on")
    parser.add_argument(
        "--mode",
        choices=("stream", "memory"),
        default="stream",
        help="stream: account by account (assess_partitions); memory: the "
        "whole inventory at once (assess)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="SIZE",
        help="instead of timing: profile one run of SIZE resources under "
        "cProfile, write the top functions to bench/out/engine-profile.txt",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.child_out, args.max_rss_mb, args.cpu, args.mode)
    if args.profile:
        return profile(args.profile, args.seed, args.mode, args.out.parent)

    sizes = sorted(int(s) for s in args.sizes.split(","))
    work = OUT / "engine-work"
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    report: dict[str, Any] = {
        "benchmark": "engine",
        "machine": machine(),
        "versions": {"logward": logward_version(), "python": sys.version.split()[0]},
        "config": {
            "sizes": sizes,
            "runs": args.runs,
            "seed": args.seed,
            "cores": 1,
            "mode": args.mode,
            "cpu": args.cpu,
            "timeout_s": args.timeout,
            "max_rss_mb": args.max_rss_mb,
        },
        "targets": {"resources_per_s_end_to_end": 50000, "peak_rss_mb_at_1m": 1024},
        "sizes": [],
    }
    for size in sizes:
        t0 = time.perf_counter()
        path = data_file(size, args.seed)
        print(
            f"== {size} resources ({path.stat().st_size / 1e6:.0f} MB JSONL, "
            f"ready in {time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        rows: list[dict[str, Any]] = []
        measured: list[Measurement] = []
        for i in range(args.runs):
            log = work / f"child-{size}-{i}.log"
            out_dir = work / f"out-{size}"
            m = run(
                [
                    sys.executable,
                    "-m",
                    "bench.engine",
                    "--child",
                    str(path),
                    "--child-out",
                    str(out_dir),
                    "--max-rss-mb",
                    str(args.max_rss_mb),
                    "--cpu",
                    str(args.cpu),
                    "--mode",
                    args.mode,
                ],
                env=env,
                cwd=ROOT,
                timeout_s=args.timeout,
                stdout=log,
            )
            stages = parse_child(log)
            row: dict[str, Any] = {"run": i, **m.to_json(), "stages": stages}
            if m.exit_code == 0 and "total" in stages:
                measured.append(m)
                row["resources_per_s"] = round(size / m.wall_s, 1)
            else:
                row["error"] = log.read_text(errors="replace")[-1500:]
            rows.append(row)
            print(
                f"  run {i}: wall {m.wall_s:7.2f} s  cpu {m.cpu_s:7.2f} s  "
                f"rss {m.peak_rss_mb:7.0f} MB  exit {m.exit_code}"
                f"{'  TIMEOUT' if m.timed_out else ''}  "
                + "  ".join(
                    f"{k} {v['seconds']:.2f}"
                    for k, v in stages.items()
                    if k not in ("start", "total", "killed", "results")
                ),
                flush=True,
            )
            if m.exit_code != 0:
                break  # a size that fails once (timeout, memory) is not repeated
        entry: dict[str, Any] = {"size": size, "data_bytes": path.stat().st_size, "rows": rows}
        if measured:
            entry["wall_s"] = spread([m.wall_s for m in measured])
            entry["cpu_s"] = spread([m.cpu_s for m in measured])
            entry["peak_rss_mb"] = spread([m.peak_rss_mb for m in measured])
            entry["resources_per_s"] = spread([size / m.wall_s for m in measured])
            ok = [r["stages"] for r in rows if "resources_per_s" in r]
            entry["stage_seconds"] = {
                s: spread([st[s]["seconds"] for st in ok]) for s in STAGES[args.mode]
            }
            entry["findings"] = ok[0]["results"]["findings"]
            entry["results_json_bytes"] = ok[0]["results"]["bytes"]
            entry["meets_throughput_target"] = (
                entry["resources_per_s"]["median"]
                >= report["targets"]["resources_per_s_end_to_end"]
            )
        report["sizes"].append(entry)
        args.out.write_text(json.dumps(report, indent=1))
    print(
        f"\n{'size':>8} | {'wall s':>7} {'res/s':>8} {'RSS MB':>7} | "
        + "  ".join(STAGES[args.mode][1:])
    )
    for e in report["sizes"]:
        if "wall_s" not in e:
            print(f"{e['size']:>8} | failed: see rows")
            continue
        st = e["stage_seconds"]
        print(
            f"{e['size']:>8} | {e['wall_s']['median']:>7.2f} "
            f"{e['resources_per_s']['median']:>8.0f} {e['peak_rss_mb']['median']:>7.0f} | "
            + "  ".join(f"{st[s]['median']:.2f}" for s in STAGES[args.mode][1:])
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
