"""GCP's condition operators (the Cloud Logging filter operators come with their module)."""

from __future__ import annotations

from collections.abc import Mapping

from scanner.policy.operators import Operator

OPERATORS: Mapping[str, Operator] = {}
