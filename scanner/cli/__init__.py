"""The `logward` command line: one module per command group; clouds come from the registry.

Exit codes: 0 nothing failing at or above --fail-on; 1 failing or erroring findings at or
above it; 2 invalid input (arguments, policy, mapping, config); 3 the scan could not run.
"""

from __future__ import annotations

import click

from scanner import __version__
from scanner.cli.common import exit_code, summary_table
from scanner.cli.evidence import bundle_group, report_cmd, verify_cmd
from scanner.cli.plan import plan
from scanner.cli.policies import policies
from scanner.cli.scan import demo, permissions, scan

__all__ = ["exit_code", "main", "summary_table"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="logward")
def main() -> None:
    """logward: are our audit logs complete, untouchable, encrypted, retained and watched?"""


for command in (scan, plan, policies, permissions, demo, report_cmd, bundle_group, verify_cmd):
    main.add_command(command)
