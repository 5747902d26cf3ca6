"""Write docs/benchmarks.md and its plot from the JSON the benchmark runners wrote.

    python -m bench.docs [--data bench/out] [--doc docs/benchmarks.md]

Every number in the document is read from live.json, plan.json, engine.json and report.json;
the prose around them does not quote numbers. The JSON files are copied next to the document
(docs/benchmarks/) so each figure can be traced to its runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("live", "plan", "engine", "report")
LIVE_TARGETS = {"wall_s": 0.1, "requests": 0.2, "peak_rss_mb": 1 / 3}
PLAN_TARGETS = {"wall_s": 1 / 20, "peak_rss_mb": 1 / 3}
ENGINE_RATE, ENGINE_RSS_MB = 50_000, 1024


def _fmt(value: float, unit: str = "") -> str:
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return text + unit


def _spread(s: Mapping[str, float] | None, unit: str = "") -> str:
    if not s:
        return "n/a"
    return f"{_fmt(s['median'], unit)} ({_fmt(s['min'])}-{_fmt(s['max'])})"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f} (1/{1 / value:.0f})" if value else "0"


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def live_section(data: Mapping[str, Any]) -> list[str]:
    out = ["## 1. Live AWS scan: logward vs Prowler on moto_server", ""]
    v = data["versions"]
    out += [
        f"{v.get('prowler', 'Prowler ?')} in its own venv (boto3 {v.get('prowler_boto3')}), "
        f"its {len(data['prowler_checks']['selected'])} logging checks (list and how "
        "they were chosen: `bench/prowler_checks.py`); logward with boto3 "
        f"{v.get('logward_boto3')}; moto_server {v.get('moto')} on loopback, in its own "
        "process, counting every HTTP request it serves. Both tools get the same "
        "environment and the same regions; runs alternate logward, Prowler, logward, ...",
        "",
    ]
    rows = []
    for size, entry in data["sizes"].items():
        counts = entry["estate"]["counts"]
        sp, ratio = entry["spread"], entry["ratios_logward_over_prowler"]
        n = len([r for r in entry["runs"] if r["tool"] == "logward" and r["ok"]])
        regions = len(entry["estate"]["regions"])
        rows.append(
            [
                f"{size}: {regions} region(s), {counts['buckets']} buckets, "
                f"{counts['trails']} trails, {counts['log_groups']} log groups "
                f"({n} runs)",
                _spread(sp["logward"]["wall_s"], " s"),
                _spread(sp["prowler"]["wall_s"], " s"),
                _ratio(ratio["wall_s"]),
                _spread(sp["logward"]["cpu_s"], " s"),
                _spread(sp["prowler"]["cpu_s"], " s"),
                _spread(sp["logward"]["peak_rss_mb"], " MB"),
                _spread(sp["prowler"]["peak_rss_mb"], " MB"),
                _ratio(ratio["peak_rss_mb"]),
                _spread(sp["logward"]["requests"]),
                _spread(sp["prowler"]["requests"]),
                _ratio(ratio["requests"]),
            ]
        )
    out += _table(
        [
            "estate",
            "logward wall",
            "Prowler wall",
            "wall ratio",
            "logward CPU",
            "Prowler CPU",
            "logward RSS",
            "Prowler RSS",
            "RSS ratio",
            "logward requests",
            "Prowler requests",
            "requests ratio",
        ],
        rows,
    )
    out += ["Median (min-max). Ratios are logward / Prowler of the medians.", ""]
    large = data["sizes"].get("large")
    if large:
        ratio = large["ratios_logward_over_prowler"]
        out += [
            "Targets on the large estate: "
            + "; ".join(
                f"{key} ≤ {limit:.2f} of Prowler's: {_verdict(ratio[key] <= limit)}"
                for key, limit in LIVE_TARGETS.items()
            )
            + ".",
            "",
        ]
    out += [
        "### Same verdicts?",
        "",
        "Per resource, for the Prowler checks that have a logward counterpart "
        "(`bench/prowler_checks.py` maps them):",
        "",
    ]
    rows = []
    for size, entry in data["sizes"].items():
        t = entry["verdicts"]["totals"]
        rows.append(
            [
                size,
                str(t["agree"]),
                str(t["disagree"]),
                str(t["logward_unknown"]),
                str(t["only_logward"]),
                str(t["only_prowler"]),
            ]
        )
    out += _table(
        [
            "estate",
            "agree",
            "disagree",
            "logward unknown, Prowler a verdict",
            "judged by logward only",
            "judged by Prowler only",
        ],
        rows,
    )
    examples: dict[tuple[str, str, str], dict[str, Any]] = {}
    for entry in data["sizes"].values():
        for check, found in entry["verdicts"]["by_check"].items():
            for ex in found.get("examples", []):
                examples.setdefault((check, ex["logward"], ex["prowler"]), dict(ex, check=check))
    if examples:
        out += ["Every kind of difference seen, with both tools' messages:", ""]
        out += _table(
            ["Prowler check", "logward", "Prowler", "logward says", "Prowler says"],
            [
                [
                    f"`{e['check']}`",
                    e["logward"],
                    e["prowler"],
                    str(e.get("logward_message", ""))[:220].replace("|", "\\|"),
                    str(e.get("prowler_message", ""))[:220].replace("|", "\\|"),
                ]
                for e in examples.values()
            ],
        )
    return out


def plan_section(data: Mapping[str, Any]) -> list[str]:
    v = data["versions"]
    out = [
        "## 2. Terraform plan: logward plan vs checkov",
        "",
        f"checkov {v.get('checkov')} in its own venv, "
        f"`{' '.join(Path(a).name if '/' in a else a for a in data['argv']['checkov'])}` "
        f"(with {', '.join(f'{k}={x}' for k, x in data['argv']['checkov_env'].items())}, "
        "so it does not wait on network retries); logward "
        f"`{' '.join(data['argv']['logward'][1:])}`. Plans from `bench/plangen.py`: "
        "AWS, GCP and Azure audit-log resource types (60/20/20), inside and outside "
        "modules, with values known only after apply. logward judges the AWS resources "
        "and lists the GCP and Azure ones as not evaluated; checkov evaluates all of them.",
        "",
    ]
    rows = []
    for entry in data["sizes"]:
        lw, ck = entry["logward"], entry.get("checkov")
        ratio = entry.get("ratios_logward_over_checkov") or {}
        skipped = entry.get("checkov_skipped")
        rows.append(
            [
                f"{entry['size']:,} ({entry['plan_bytes'] / 1e6:.1f} MB)",
                _spread(lw["wall_s"], " s"),
                _spread(lw["peak_rss_mb"], " MB"),
                skipped or _spread((ck or {}).get("wall_s"), " s"),
                "" if skipped else _spread((ck or {}).get("peak_rss_mb"), " MB"),
                _ratio(ratio.get("wall_s")),
                _ratio(ratio.get("peak_rss_mb")),
                f"{entry['logward_outcome']['findings']:,}",
            ]
        )
    out += _table(
        [
            "resources (plan size)",
            "logward wall",
            "logward RSS",
            "checkov wall",
            "checkov RSS",
            "wall ratio",
            "RSS ratio",
            "logward findings",
        ],
        rows,
    )
    at10k = next((e for e in data["sizes"] if e["size"] == 10_000), None)
    if at10k and at10k.get("ratios_logward_over_checkov"):
        ratio = at10k["ratios_logward_over_checkov"]
        out += [
            "Targets at 10,000 resources: "
            + "; ".join(
                f"{key} ≤ {limit:.2f} of checkov's: {_verdict(ratio[key] <= limit)}"
                for key, limit in PLAN_TARGETS.items()
            )
            + ".",
            "",
        ]
    out += [
        "Cost per resource (logward median wall / resources): "
        + ", ".join(
            f"{e['size']:,}: {e['logward']['wall_s']['median'] / e['size'] * 1e6:.0f} µs"
            for e in data["sizes"]
        )
        + ".",
        "",
    ]
    return out


def engine_section(data: Mapping[str, Any]) -> list[str]:
    mode = data["config"].get("mode", "memory")
    out = [
        "## 3. Engine throughput",
        "",
        "Synthetic organizations built from the demo account as logward collects it "
        "(real attribute shapes and evidence), varied per account, ~195 resources per "
        f"account; one process pinned to one core; mode `{mode}` "
        "(`pipeline.assess_partitions`: each account is loaded, linked, evaluated with the "
        "36 live policies and its findings spooled before the next is read; results.json "
        "is written at the end).",
        "",
    ]
    rows = []
    for entry in data["sizes"]:
        if "wall_s" not in entry:
            rows.append([f"{entry['size']:,}", "failed: see engine.json", "", "", "", ""])
            continue
        st = entry["stage_seconds"]
        rows.append(
            [
                f"{entry['size']:,}",
                _spread(entry["wall_s"], " s"),
                _spread(entry["resources_per_s"], "/s"),
                _spread(entry["peak_rss_mb"], " MB"),
                ", ".join(f"{k} {_fmt(v['median'])}" for k, v in st.items()),
                f"{entry['findings']:,} / {entry['results_json_bytes'] / 1e6:.0f} MB",
            ]
        )
    out += _table(
        [
            "resources",
            "wall",
            "resources per second",
            "peak RSS",
            "stages (median s)",
            "findings / results.json",
        ],
        rows,
    )
    done = [e for e in data["sizes"] if "wall_s" in e]
    if done:
        best = max(e["resources_per_s"]["median"] for e in done)
        out += [
            f"Target ≥ {ENGINE_RATE:,} resources/s end to end on one core: "
            f"{_verdict(best >= ENGINE_RATE)} (best median {best:,.0f}/s)."
        ]
        million = next((e for e in done if e["size"] == 1_000_000), None)
        if million:
            rss = million["peak_rss_mb"]["max"]
            out += [
                f"Target 1M resources under {ENGINE_RSS_MB:,} MB peak RSS: "
                f"{_verdict(rss < ENGINE_RSS_MB)} (max {rss:,.0f} MB)."
            ]
        out += [""]
    return out


def report_section(data: Mapping[str, Any]) -> list[str]:
    out = [
        "## 4. The HTML evidence report at scale",
        "",
        "The demo's results with their findings repeated; rendered by `render_html`, then "
        "opened in headless Chromium: time to load (until the filter script has run), to "
        "expand a failing control and to apply a status filter.",
        "",
    ]
    rows = [
        [
            f"{e['findings']:,}",
            f"{e['bytes'] / 1e6:.1f} MB",
            _spread(e.get("render_s"), " s"),
            _spread(e.get("load_s"), " s"),
            _spread(e.get("expand_control_s"), " s"),
            _spread(e.get("filter_s"), " s"),
        ]
        for e in data["sizes"]
    ]
    out += _table(
        ["findings", "report.html", "render", "load in Chromium", "expand a control", "filter"],
        rows,
    )
    return out


def plot(data: Mapping[str, Mapping[str, Any]], path: Path) -> bool:
    """Time and requests against estate size, logward and the peer, one PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    panels = [k for k in ("live", "plan", "engine") if k in data]
    fig, axes = plt.subplots(1, len(panels) + ("live" in data), figsize=(5 * (len(panels) + 1), 4))
    axes = list(axes) if hasattr(axes, "__len__") else [axes]
    ax_iter = iter(axes)
    if "live" in data:
        sizes = data["live"]["sizes"]
        x = [
            sum(v for k, v in e["estate"]["counts"].items() if k != "vpcs_with_flow_logs")
            for e in sizes.values()
        ]
        ax_time, ax_req = next(ax_iter), next(ax_iter)
        for tool, style in (("logward", "o-"), ("prowler", "s--")):
            ax_time.plot(
                x,
                [e["spread"][tool]["wall_s"]["median"] for e in sizes.values()],
                style,
                label=tool,
            )
            ax_req.plot(
                x,
                [e["spread"][tool]["requests"]["median"] for e in sizes.values()],
                style,
                label=tool,
            )
        for ax, label in ((ax_time, "wall time (s)"), (ax_req, "HTTP requests")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("resources in the estate")
            ax.set_ylabel(label)
            ax.set_title(f"Live scan: {label}")
            ax.legend()
            ax.grid(True, which="both", alpha=0.3)
    if "plan" in data:
        ax = next(ax_iter)
        entries = data["plan"]["sizes"]
        ax.plot(
            [e["size"] for e in entries],
            [e["logward"]["wall_s"]["median"] for e in entries],
            "o-",
            label="logward plan",
        )
        done = [e for e in entries if e.get("checkov") and not e.get("checkov_skipped")]
        ax.plot(
            [e["size"] for e in done],
            [e["checkov"]["wall_s"]["median"] for e in done],
            "s--",
            label="checkov",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("resources in the plan")
        ax.set_ylabel("wall time (s)")
        ax.set_title("Plan scan")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    if "engine" in data:
        ax = next(ax_iter)
        entries = [e for e in data["engine"]["sizes"] if "wall_s" in e]
        ax.plot(
            [e["size"] for e in entries],
            [e["wall_s"]["median"] for e in entries],
            "o-",
            label="wall time (s)",
        )
        ax.plot(
            [e["size"] for e in entries],
            [e["peak_rss_mb"]["median"] for e in entries],
            "^:",
            label="peak RSS (MB)",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("resources")
        ax.set_title("Engine, one core")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--notes",
        type=Path,
        default=ROOT / "bench" / "notes.md",
        help="hand-written analysis appended to the generated tables",
    )
    args = parser.parse_args(argv)
    data = {
        name: json.loads((args.data / f"{name}.json").read_text(encoding="utf-8"))
        for name in NAMES
        if (args.data / f"{name}.json").is_file()
    }
    if not data:
        raise SystemExit(f"no benchmark results in {args.data}")
    first = next(iter(data.values()))
    m = first["machine"]
    # The commit measured: every runner records it (bench.measure.logward_version).
    commits = sorted({str(d["versions"].get("logward")) for d in data.values()})
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python -m bench.docs` from the JSON the runners under `bench/` "
        "wrote (copied to `docs/benchmarks/`); rerun everything with `python -m bench` "
        "(see `bench/README.md`).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python "
        f"{m['python']}, {m['os']}. logward {', '.join(commits)}.",
        "",
    ]
    sections = {
        "live": live_section,
        "plan": plan_section,
        "engine": engine_section,
        "report": report_section,
    }
    for name, section in sections.items():
        if name in data:
            lines += section(data[name])
    image = args.doc.parent / "img" / "benchmarks.png"
    if plot(data, image):
        relative = image.relative_to(args.doc.parent)
        lines += [f"![Time, requests and memory against size]({relative})", ""]
    if args.notes.is_file():
        lines += [args.notes.read_text(encoding="utf-8").rstrip(), ""]
    args.doc.write_text("\n".join(lines), encoding="utf-8")
    copies = args.doc.parent / "benchmarks"
    copies.mkdir(parents=True, exist_ok=True)
    for name in data:
        shutil.copyfile(args.data / f"{name}.json", copies / f"{name}.json")
    if (args.data / "engine-profile.txt").is_file():
        shutil.copyfile(args.data / "engine-profile.txt", copies / "engine-profile.txt")
    print(f"wrote {args.doc}, {image} and {copies}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
