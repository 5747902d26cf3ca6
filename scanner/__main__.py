"""`python -m scanner` runs the logward command line."""

from scanner.cli import entry

entry()
