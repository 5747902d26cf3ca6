"""Output formats rendered from the canonical results document, one module per format.

Each renderer is a pure function `(results) -> bytes` of results.json (see docs/results.md):
it reads statuses, never changes them, and shows `error` and `unknown` findings as what they
are, never as a pass. A new format is one new module here plus one entry in
`scanner.results.RENDERERS`.
"""

from __future__ import annotations

from scanner.render.html import render_html
from scanner.render.junit import render_junit
from scanner.render.markdown import render_markdown
from scanner.render.ocsf import render_ocsf
from scanner.render.sarif import render_sarif
from scanner.render.spreadsheet import render_csv

__all__ = [
    "render_csv",
    "render_html",
    "render_junit",
    "render_markdown",
    "render_ocsf",
    "render_sarif",
]
