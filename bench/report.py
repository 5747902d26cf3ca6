"""The HTML evidence report at scale: render time and file size for 1,000 / 10,000 findings, and
in headless Chromium the time to load the file, to expand a control and to apply a filter.

    python -m bench.report --findings 1000,10000 --runs 5

The results document is the demo's, its findings repeated (each copy a distinct resource) up
to the size, so policies, controls, evidence and messages are the demo's real ones. Needs
Debian's chromium and the playwright package (the dev extra) for the browser part; without them
only render time and size are measured. Writes bench/out/report.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import logward_version, machine, spread

OUT = Path(__file__).resolve().parent / "out"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def demo_results(work: Path) -> dict[str, Any]:
    from click.testing import CliRunner

    from scanner.cli import main

    run = CliRunner().invoke(main, ["demo", "--out", str(work), "--format", "json", "--quiet"])
    if run.exit_code != 0:
        raise SystemExit(f"the demo failed: {run.output}")
    loaded: dict[str, Any] = json.loads((work / "results.json").read_text(encoding="utf-8"))
    return loaded


def scaled(base: dict[str, Any], size: int) -> dict[str, Any]:
    """`base` with its findings repeated to `size`, each copy on its own resource."""
    doc = copy.deepcopy(base)
    source = base["findings"]
    findings = []
    for i in range(size):
        item = copy.deepcopy(source[i % len(source)])
        copy_no = i // len(source)
        if copy_no:
            item["resource"]["id"] += f"-copy{copy_no}"
            item["resource"]["name"] = f"{item['resource']['name']}-copy{copy_no}"
        findings.append(item)
    doc["findings"] = findings
    doc["summary"] = {
        s: sum(1 for f in findings if f["status"] == s)
        for s in ("pass", "fail", "error", "unknown")
    }
    return doc


def browser_timings(path: Path) -> dict[str, float]:
    """Seconds to load the report, expand the first failing control and filter to `fail`."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t0 = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_selector("form#filters:not([hidden])")
        loaded = time.perf_counter() - t0
        control = page.locator("details.control[data-status=fail]").first
        t0 = time.perf_counter()
        control.locator("summary").click()
        control.locator("tbody tr").first.wait_for(state="visible")
        expand = time.perf_counter() - t0
        t0 = time.perf_counter()
        page.select_option("form#filters select[name=status]", "fail")
        page.wait_for_function("document.getElementById('filter-count').textContent !== ''")
        filtered = time.perf_counter() - t0
        browser.close()
    if errors:
        raise RuntimeError(f"page errors: {errors}")
    return {"load_s": loaded, "expand_control_s": expand, "filter_s": filtered}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--findings", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=OUT / "report.json")
    args = parser.parse_args(argv)
    from scanner.render import render_html

    sizes = [int(s) for s in args.findings.split(",")]
    browser = shutil.which("chromium") is not None
    report: dict[str, Any] = {
        "benchmark": "report",
        "machine": machine(),
        "versions": {"logward": logward_version(), "python": sys.version.split()[0]},
        "config": {"findings": sizes, "runs": args.runs, "browser": browser},
        "sizes": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = demo_results(work / "demo")
        for size in sizes:
            doc = scaled(base, size)
            rows = []
            for i in range(args.runs):
                t0 = time.perf_counter()
                page = render_html(doc)
                row: dict[str, Any] = {
                    "run": i,
                    "render_s": time.perf_counter() - t0,
                    "bytes": len(page),
                }
                path = work / f"report-{size}.html"
                path.write_bytes(page)
                if browser:
                    row.update(browser_timings(path))
                rows.append(row)
                print(
                    f"{size} findings run {i}: "
                    + "  ".join(
                        f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in row.items()
                        if k != "run"
                    ),
                    flush=True,
                )
            entry: dict[str, Any] = {"findings": size, "bytes": rows[0]["bytes"], "rows": rows}
            for key in ("render_s", "load_s", "expand_control_s", "filter_s"):
                if key in rows[0]:
                    entry[key] = spread([r[key] for r in rows])
            report["sizes"].append(entry)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
