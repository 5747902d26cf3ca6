"""Azure derived attributes (placeholder until they land: its owner replaces this file)."""

from __future__ import annotations

from scanner.providers.base import Deriver

DERIVERS: tuple[Deriver, ...] = ()
