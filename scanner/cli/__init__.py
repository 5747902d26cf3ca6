"""The `logward` command line: one module per command group; clouds come from the registry.

Exit codes: 0 nothing failing at or above --fail-on; 1 failing or erroring findings at or
above it; 2 invalid input (arguments, policy, mapping, config); 3 the scan could not run;
130 SIGINT, 143 SIGTERM (the run stopped; outputs are the previous set or the new one, whole);
141 stdout was closed by its reader (`| head`).
"""

from __future__ import annotations

import contextlib
import os
import sys

import click

from scanner import __version__, interrupts
from scanner.cli.common import exit_code, summary_table
from scanner.cli.evidence import bundle_group, report_cmd, verify_cmd
from scanner.cli.plan import plan
from scanner.cli.policies import policies
from scanner.cli.scan import demo, permissions, scan

__all__ = ["entry", "exit_code", "main", "summary_table"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="logward")
def main() -> None:
    """logward: are our audit logs complete, untouchable, encrypted, retained and watched?"""


for command in (scan, plan, policies, permissions, demo, report_cmd, bundle_group, verify_cmd):
    main.add_command(command)


def entry() -> None:
    """The `logward` program: `main` with SIGINT and SIGTERM unwinding the run (exit 130,
    143). After an interrupt the process ends without waiting for calls still in flight in
    worker threads: their results are no longer wanted, and every staging folder is already
    gone (removed while the interrupt unwound the run)."""
    interrupts.install()
    code: object = None
    try:
        code = _run()
        _finish(code)
    except interrupts.Interrupted as exc:
        # The signal came after the command ended (its exit code stands) or while its
        # handler was writing the message. The handler fires once, so no further signal
        # raises while this finishes.
        if code is None:
            _say(exc)
            code = exc.exit_code
        _finish(code)


def _run() -> object:
    """Run the command line; its exit code."""
    try:
        main()
    except interrupts.Interrupted as exc:  # outside a command: parsing, --help
        _say(exc)
        return exc.exit_code
    except SystemExit as exc:
        return exc.code
    return None


def _say(exc: interrupts.Interrupted) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"interrupted by {exc}\n")


def _finish(code: object) -> None:
    """Exit with `code`: at once after an interrupt, else once signals are ignored."""
    if code in (130, 143):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(int(code))
    interrupts.settle()
    sys.exit(code)  # type: ignore[arg-type]
