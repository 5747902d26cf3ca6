"""Running a command on a hostile input as a child process, bounded and measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BOUNDED = ROOT / "tests" / "inputs" / "bounded"
TIMEOUT = 30  # seconds per command
MAX_RSS = 500 * 1024 * 1024  # bytes of resident memory per command
ADDRESS_SPACE = 3 * 1024 * 1024 * 1024  # hard limit: a runaway reader dies instead of swapping


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    seconds: float
    rss: int


# The command runs as the child of this small launcher, not of pytest: Linux counts the
# resident pages a child inherits at fork in its ru_maxrss (kept across exec), so a child
# forked from a pytest process of 800 MB would report 800 MB whatever the command used.
# The launcher applies the address-space limit, kills the command after TIMEOUT, and writes
# its exit code and peak RSS (wait4) to a file.
_LAUNCHER = """
import json, os, resource, subprocess, sys, threading
stats, timeout, limit, *command = sys.argv[1:]
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
child = subprocess.Popen(command, preexec_fn=cap, stdin=subprocess.DEVNULL)
timer = threading.Timer(float(timeout), child.kill)
timer.start()
_, status, usage = os.wait4(child.pid, 0)
timer.cancel()
child.returncode = os.waitstatus_to_exitcode(status)
with open(stats, "w") as f:
    json.dump({"code": child.returncode, "rss": usage.ru_maxrss * 1024}, f)
"""


def run_bounded(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Ran:
    """`python -m scanner ARGS` in a child, killed after TIMEOUT; its peak RSS from wait4."""
    out, err, stats = cwd / ".stdout", cwd / ".stderr", cwd / ".stats"
    command = [sys.executable, "-m", "scanner", *args]
    launcher = [sys.executable, "-c", _LAUNCHER, str(stats), str(TIMEOUT), str(ADDRESS_SPACE)]
    started = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        subprocess.run(
            [*launcher, *command],
            cwd=cwd,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            timeout=TIMEOUT + 60,  # a backstop: the launcher kills the command at TIMEOUT
            check=True,
        )
    seconds = time.monotonic() - started
    measured = json.loads(stats.read_text(encoding="utf-8"))
    return Ran(
        measured["code"],
        out.read_text(errors="replace"),
        err.read_text(errors="replace"),
        seconds,
        measured["rss"],  # ru_maxrss is in kilobytes on Linux
    )


def assert_bounded(ran: Ran, args: list[str]) -> None:
    assert ran.seconds < TIMEOUT and ran.code != -9, f"{args} did not finish in {TIMEOUT} s"
    assert ran.rss < MAX_RSS, f"{args} took {ran.rss / 2**20:.0f} MiB"
    assert "Traceback" not in ran.err, ran.err[:3000]


def large_results(tmp: Path, megabytes: float, bad_last: bool = False) -> Path:
    """A results.json of about `megabytes` in logward's layout: the findings of
    valid.results.json repeated; with `bad_last`, the last finding's status is a number."""
    lines = (BOUNDED / "valid.results.json").read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith('"findings": ['))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].endswith("],"))
    items = [line.rstrip(",").removesuffix("]") for line in lines[start + 1 : end + 1]]
    head, tail = "\n".join(lines[: start + 1]) + "\n", "],\n" + "\n".join(lines[end + 1 :])
    average = sum(len(item) + 2 for item in items) / len(items)
    count = int((megabytes * 2**20 - len(head) - len(tail)) / average) + 1
    chosen = [items[n % len(items)] for n in range(count)]
    if bad_last:
        chosen[-1] = chosen[-1].replace('"status": "', '"status": 7, "old_status": "', 1)
    path = tmp / "large.results.json"
    path.write_text(head + ",\n".join(chosen) + tail, encoding="utf-8")
    return path
