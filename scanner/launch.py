"""The `logward` program's first lines: SIGINT and SIGTERM are handled from before the
command line's imports on, so an early Ctrl-C exits 130 without a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    """Install the signal handlers, then import and run the command line."""
    from scanner import interrupts

    interrupts.install()
    try:
        from scanner.cli import entry
    except interrupts.Interrupted as exc:
        sys.stderr.write(f"interrupted by {exc}\n")
        raise SystemExit(exc.exit_code) from None
    entry()
