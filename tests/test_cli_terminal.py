"""What a user meets at the terminal: a closed stdout ends quietly, statuses are coloured on a
terminal and plain elsewhere (NO_COLOR, CI, pipes), durations parse, exit codes are
documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.cli.common import summary_table
from scanner.cli.terminal import EXIT_BROKEN_PIPE, Duration, use_color

REPO = Path(__file__).resolve().parents[1]
PLAN = REPO / "tests" / "terraform" / "fixtures" / "compliant.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize(
    "args", [["policies", "list"], ["policies", "list", "--json"], ["permissions", "aws"]]
)
def test_a_closed_stdout_ends_quietly(args: list[str]) -> None:
    """`logward policies list | head`: the reader is gone before logward writes (the read end
    is closed before the child starts), so every write fails with EPIPE."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scanner", *args],
            cwd=REPO,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert done.returncode == EXIT_BROKEN_PIPE, done.stderr
    assert done.stderr == ""  # no "internal error", no "Exception ignored ... BrokenPipeError"


def _results() -> dict[str, Any]:
    counts = {"pass": 2, "fail": 1, "error": 0, "unknown": 3}
    return {
        "policies": [{"id": "p-one", "severity": "high", "counts": counts}],
        "controls": [
            {"framework": "soc2", "control_id": "CC7.2", "status": "fail"},
            {"framework": "soc2", "control_id": "CC6.1", "status": "pass"},
        ],
        "summary": counts,
        "errors": [],
        "scan": {"api_calls": 0},
    }


def test_the_summary_colours_statuses_only_when_asked() -> None:
    plain = summary_table(_results())
    assert not ANSI.search(plain)
    painted = summary_table(_results(), color=True)
    assert ANSI.sub("", painted) == plain  # same text, same alignment once the codes go
    assert click.style("   1", fg="red", bold=True) in painted  # failing count
    assert click.style("   2", fg="green") in painted
    assert "   0" in painted and click.style("   0", fg="magenta") not in painted  # zero: plain
    assert "CC7.2=" + click.style("fail", fg="red", bold=True) in painted
    assert "CC6.1=" + click.style("pass", fg="green") in painted


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        (None, {}, False),  # pytest's stdout is not a terminal
        (True, {"NO_COLOR": "1"}, True),  # --color wins
        (False, {}, False),
        (None, {"NO_COLOR": "1"}, False),
        (None, {"CI": "true"}, False),
    ],
)
def test_colour_follows_the_flag_then_no_color_ci_and_the_terminal(
    monkeypatch: pytest.MonkeyPatch, flag: bool | None, env: dict[str, str], expected: bool
) -> None:
    for key in ("NO_COLOR", "CI"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert use_color(flag) is expected


def test_a_terminal_gets_colour_unless_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(sys, "stdout", _Tty())
    assert use_color(None) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(None) is False


class _Tty:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("flag", ["--color", "--no-color", None])
def test_plan_prints_colours_only_with_color(tmp_path: Path, flag: str | None) -> None:
    args = ["plan", str(PLAN), "--out", str(tmp_path), "--quiet", *([flag] if flag else [])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    assert bool(ANSI.search(result.output)) is (flag == "--color")


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90.0), ("90s", 90.0), ("15m", 900.0), ("1.5h", 5400.0)]
)
def test_durations_parse(text: str, seconds: float) -> None:
    assert Duration().convert(text, None, None) == seconds


@pytest.mark.parametrize("text", ["", "abc", "0", "-5", "10d", "inf", "nan", "1e999"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    result = CliRunner().invoke(main, ["demo", "--max-duration", text])
    assert result.exit_code == 2
    assert "--max-duration" in result.output and "Traceback" not in result.output


def test_exit_codes_are_documented() -> None:
    """Every exit code logward sets is in the exit-code table of the docs and the README."""
    for doc in ("docs/results.md", "docs/ci.md", "README.md"):
        text = (REPO / doc).read_text(encoding="utf-8")
        for code in ("0", "1", "2", "3", "130", "141", "143"):
            assert f"| `{code}` |" in text, f"{doc}: exit code {code} is not in its table"


def test_a_closed_stdout_after_writing_leaves_the_outputs_whole(tmp_path: Path) -> None:
    """`logward plan ... | head -1`: the outputs are written before the summary is printed;
    the reader gone, the run ends quietly with them in place."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scanner", "plan", str(PLAN), "--out", "out", "--format", "all"],
            cwd=tmp_path,
            stdout=write,
            stderr=write,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert done.returncode == EXIT_BROKEN_PIPE
    from scanner.results import RENDERERS, load_results

    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        name for name, _fn in RENDERERS.values()
    )
    assert load_results(tmp_path / "out" / "results.json")["findings"]


def test_an_ignored_signal_stays_ignored() -> None:
    """A background job of a script (SIGINT ignored by the shell) is not stopped by the
    Ctrl-C meant for the foreground: logward keeps the disposition it inherited."""
    code = (
        "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "from scanner import interrupts; interrupts.install()\n"
        "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, "
        "signal.getsignal(signal.SIGTERM) is interrupts._handler)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["True", "True"], done.stderr
