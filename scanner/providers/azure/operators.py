"""Operators Azure policies add: `includes_all` (a list of diagnostic categories holds every
required one; `analysis/categories.py`)."""

from __future__ import annotations

from collections.abc import Mapping

from scanner.policy.operators import Operator
from scanner.providers.azure.analysis.categories import CATEGORY_OPERATORS

OPERATORS: Mapping[str, Operator] = {**CATEGORY_OPERATORS}
