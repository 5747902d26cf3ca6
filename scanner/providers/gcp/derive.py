"""GCP's derived attributes (the effective audit config, tamper principals, sink
writability, public members): the policies' derivers, none yet."""

from __future__ import annotations

from scanner.providers.base import Deriver

DERIVERS: tuple[Deriver, ...] = ()
