"""Lint and types run with the tests, so they cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_ruff() -> None:
    result = _run("ruff", "check", "scanner", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", "scanner", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_modules_stay_small() -> None:
    """No module of the package grows past 400 lines: split it along its seams."""
    long = {
        str(p.relative_to(ROOT)): n
        for p in sorted((ROOT / "scanner").rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
