"""The shared results document of the renderer tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.render.samples import sample_results


@pytest.fixture
def results() -> dict[str, Any]:
    """Every status, two severities, a shared resource name and hostile strings."""
    return sample_results()
