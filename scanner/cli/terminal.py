"""The terminal side of every command: a closed stdout, SIGINT and SIGTERM as exit codes,
colour, and the --max-duration value."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
from typing import Any, NoReturn

import click

# stdout closed by its reader (`logward policies list | head`): the code a shell gives a
# process that SIGPIPE ends, so a pipeline can tell it from every code logward sets itself.
EXIT_BROKEN_PIPE = 141


def stdout_gone() -> NoReturn:
    """Exit quietly once stdout's (or stderr's) reader has gone. Point both at /dev/null so
    the flush at interpreter exit does not fail again ("Exception ignored ... BrokenPipeError")."""
    for stream in (sys.stdout, sys.stderr):  # either may be the pipe that closed
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass  # not a real file descriptor (an in-process test runner)
    sys.exit(EXIT_BROKEN_PIPE)


def interrupted(signum: int) -> NoReturn:
    """Say the run stopped on a signal, and exit with 128 + its number (130, 143)."""
    name = signal.Signals(signum).name
    with contextlib.suppress(OSError, ValueError):
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")  # end a progress line first
        click.echo(
            f"interrupted by {name}: nothing half-written is left; the outputs are the "
            "previous set, or the new one if it was already in place",
            err=True,
        )
    sys.exit(128 + signum)


def use_color(flag: bool | None) -> bool:
    """Colour for the summary: --color/--no-color when given; else only on a terminal, never
    with NO_COLOR set (https://no-color.org), in CI or on a dumb terminal."""
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR") or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


class Duration(click.ParamType[float]):
    """Seconds, or a number with s, m or h: 90, 90s, 15m, 1.5h."""

    name = "duration"
    _UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        """The duration in seconds (a usage error, exit 2, for anything else)."""
        if isinstance(value, int | float):
            seconds = float(value)
        else:
            text = str(value).strip().lower()
            unit = self._UNITS.get(text[-1:], None)
            number = text[:-1] if unit is not None else text
            try:
                seconds = float(number) * (unit or 1.0)
            except ValueError:
                self.fail(f"{value!r}: expected seconds, or a number with s, m or h", param, ctx)
        if not 0 < seconds < float("inf"):
            self.fail(f"{value!r}: expected a positive duration", param, ctx)
        return seconds
