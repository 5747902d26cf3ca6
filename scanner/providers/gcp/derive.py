"""Attributes GCP derives from linked resources (filled in below)."""

from __future__ import annotations

from scanner.providers.base import Deriver

DERIVERS: tuple[Deriver, ...] = ()
