"""Running the logward CLI as a subprocess for the interrupt tests, and the invariant they
check: the previous output set byte for byte, or a whole new one."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from scanner.bundle import verify
from scanner.results import RENDERERS

REPO = Path(__file__).resolve().parents[2]
STAGING = ".logward-staging."
WAIT = 240  # seconds: generous, a loaded 2-core machine must not flake


def cli_env(url: str | None) -> dict[str, str]:
    """The environment of a CLI subprocess: this checkout, and moto_server at `url`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_")
        and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "ci", "no_color")
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if url is not None:
        env.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_ENDPOINT_URL=url,
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            HTTP_PROXY=url,  # S3 Control's `<account>.` host, as in tests/aws/test_moto_server.py
        )
    return env


class Run:
    """One CLI subprocess, its stderr read line by line on a thread."""

    def __init__(self, args: list[str], url: str | None, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scanner", *args],
            cwd=cwd,
            env=cli_env(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        self.stdout = ""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_line(self, needle: str) -> bool:
        """True once stderr shows `needle`; False if the process ended first."""
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            line = self.lines.get(timeout=WAIT)
            if line is None:
                return False
            if needle in line:
                return True
        raise AssertionError(f"no {needle!r} on stderr")

    def wait_for_staging(self, folder: Path) -> bool:
        """True once a staging folder exists in `folder`; False if the process ended first."""
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            try:
                if any(name.startswith(STAGING) for name in os.listdir(folder)):
                    return True
            except FileNotFoundError:
                pass
            if self.proc.poll() is not None:
                return False
            time.sleep(0.0005)
        raise AssertionError(f"no staging folder in {folder}")

    def wait_for_swap(self, folder: Path) -> bool:
        """True once the staging folder has come and gone (the new set is in place)."""
        if not self.wait_for_staging(folder):
            return False
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            names = os.listdir(folder)
            if not any(name.startswith(STAGING) for name in names):
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.0005)
        raise AssertionError(f"the staging folder in {folder} stayed")

    def finish(self) -> int:
        assert self.proc.stdout is not None
        self.stdout = self.proc.stdout.read()
        code = self.proc.wait(timeout=WAIT)
        self.reader.join(timeout=WAIT)
        return code


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` and its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def leftovers(root: Path) -> list[str]:
    """Staging folders, temporary or hidden files under `root`."""
    return [
        str(p)
        for p in root.rglob("*")
        if p.name.startswith(STAGING) or p.name.endswith(".tmp") or p.name.startswith(".")
    ]


def check_set(work: Path, previous: dict[str, bytes], public_key: Path | None) -> str:
    """The invariant; 'previous' or 'new' for which set is there."""
    assert not leftovers(work), leftovers(work)
    out = work / "out"
    now = snapshot(out) if out.exists() else {}
    if now == previous:
        return "previous"
    expected_names = set(previous) or set(now)
    assert now, "the previous set is gone and no new one replaced it"
    assert set(now) - {"evidence/manifest.sig"} >= expected_names - {"evidence/manifest.sig"}
    evidence = out / "evidence"
    verdict = verify(evidence, public_key)
    assert verdict.ok, verdict.problems
    # The bundle is the new run's (its results.json is not the previous one), it matches its
    # manifest, and every output in --out is byte for byte the bundle's copy: one new set.
    assert now["results.json"] != previous.get("results.json")
    outputs = {name for name, _fn in RENDERERS.values()}
    assert outputs <= set(now)
    for name in outputs:
        copy = "results.json" if name == "results.json" else f"reports/{name}"
        assert (evidence / copy).read_bytes() == now[name], f"{name} is not the bundle's {copy}"
    return "new"
