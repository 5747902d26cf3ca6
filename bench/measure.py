"""Run a command and measure it: wall time, CPU time (user + system) and peak RSS of the process
tree, from the kernel's own accounting (wait4), so no sampler can miss a peak."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Measurement:
    """One run of one command."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_code: int
    timed_out: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# A small launcher between us and the measured command. Linux carries a process's RSS
# high-water mark across exec (exec_mmap keeps the old mm's peak in signal->maxrss), and a
# child made by fork or vfork starts from its parent's memory: a command spawned straight from
# a benchmark runner that holds a 100 MB plan would report at least that. The launcher is a
# fresh `python -S` (a few MB): the command it forks inherits only that, and the launcher
# reports the command's own wall time and rusage.
_LAUNCHER = """
import json, os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report, "w") as handle:
    json.dump({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
               "maxrss_kb": usage.ru_maxrss}, handle)
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float | None = None,
    stdout: Path | None = None,
) -> Measurement:
    """Run `argv` to completion (or kill its process group after `timeout_s`).

    Peak RSS is ru_maxrss of the command, which the kernel carries up from its own waited-for
    children: the largest single process of the tree, not their sum. The command runs under
    a small launcher (see _LAUNCHER) so the runner's own memory does not count."""
    import sys
    import tempfile

    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    fd, report = tempfile.mkstemp(prefix="measure-", suffix=".json")
    os.close(fd)
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, report, *argv],
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timed_out = False
        deadline = start + timeout_s if timeout_s else None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                timed_out = True
                os.killpg(proc.pid, 9)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        try:
            got = json.loads(Path(report).read_text() or "{}")
        except (OSError, ValueError):
            got = {}
    finally:
        Path(report).unlink(missing_ok=True)
        if stdout:
            out.close()  # type: ignore[union-attr]
    if got:  # the command's own figures, from the launcher
        return Measurement(
            wall_s=got["wall_s"],
            cpu_s=got["cpu_s"],
            peak_rss_mb=got["maxrss_kb"] / 1024,
            exit_code=proc.returncode,
            timed_out=timed_out,
        )
    # Killed before the launcher could report: the launcher's own (upper-bound) figures.
    return Measurement(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        exit_code=proc.returncode,
        timed_out=timed_out,
    )


def spread(values: Sequence[float]) -> dict[str, float]:
    """min / median / max of a series."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def logward_version() -> str:
    """The scanner's version and the commit measured (`+dirty` with uncommitted changes)."""
    from scanner import __version__

    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return __version__
    return f"{__version__} ({commit}{'+dirty' if dirty.strip() else ''})"


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
    }
