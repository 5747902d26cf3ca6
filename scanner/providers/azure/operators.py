"""Operators Azure policies add (placeholder until one is needed: its owner replaces it)."""

from __future__ import annotations

from collections.abc import Mapping

from scanner.policy.operators import Operator

OPERATORS: Mapping[str, Operator] = {}
