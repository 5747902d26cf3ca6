"""A minimal cloud that lives under the tests and nowhere else: one resource type with its
schema, one policy (live and plan), one Terraform mapping, one mapping line, a fake API behind
a transport. tests/providers/test_boundary.py registers it and runs every command on it; if
the core had to learn its name, that test would fail."""

from __future__ import annotations

from scanner.providers.base import Adapter
from tests.providers.example.adapter import ExampleAdapter

ADAPTER: Adapter = ExampleAdapter()
