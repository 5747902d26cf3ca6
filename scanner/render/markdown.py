"""Markdown (summary.md): a compact pull-request comment rendered from reports/markdown.md.j2.

Failing findings come first (by severity), then the coverage gaps (`error` and `unknown`
findings and failed collection calls), then one line per framework. Every value taken from
results goes through the `md` filter, which makes resource names and messages inert text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import jinja2

from scanner.data import data_dir
from scanner.model import Status
from scanner.render.view import STATUSES, severity_rank

TEMPLATE = "markdown.md.j2"
MAX_ROWS = 50
MAX_TEXT = 300
# Values always land mid-line (in a table cell or after a list marker), so only inline syntax
# can act: emphasis, code, links and images, strikethrough, math, and the pipe that ends a
# cell. Block markers (#, -, >, 1.) cannot start a block there and stay readable unescaped.
_INLINE = re.compile(r"([\\`*_\[\]|~$])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


def md(value: Any, limit: int | None = None) -> str:
    """`value` as inert single-line Markdown text: newlines folded, HTML and inline syntax
    escaped, cut to `limit` characters before escaping (so no escape is cut in half)."""
    text = _CONTROL.sub(" ", _SPACE.sub(" ", str(value))).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _INLINE.sub(r"\\\1", text)


@cache
def _environment() -> jinja2.Environment:
    # autoescape is for HTML; Markdown escaping is explicit, through the `md` filter.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("reports")),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md
    return env


def _severity_rank(finding: Mapping[str, Any]) -> int:
    return severity_rank(finding["severity"])


def _capped(items: Sequence[Any]) -> tuple[list[Any], int]:
    return list(items[:MAX_ROWS]), max(0, len(items) - MAX_ROWS)


def _frameworks(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One roll-up per framework: control counts per status and the ids not passing."""
    titles = {f["id"]: f["title"] for f in results.get("scan", {}).get("frameworks", [])}
    rolled: dict[str, dict[str, Any]] = {}
    for control in results.get("controls", []):
        fw = rolled.setdefault(
            control["framework"],
            {
                "id": control["framework"],
                "title": titles.get(control["framework"], ""),
                "counts": dict.fromkeys(STATUSES, 0),
                "fail": [],
                "gaps": [],
            },
        )
        status = control["status"]
        fw["counts"][status] = fw["counts"].get(status, 0) + 1
        if status == Status.FAIL:
            fw["fail"].append(control["control_id"])
        elif status != Status.PASS:
            fw["gaps"].append(control["control_id"])
    return list(rolled.values())


def render_markdown(results: Mapping[str, Any]) -> bytes:
    """summary.md bytes."""
    findings: Sequence[Mapping[str, Any]] = results.get("findings", [])
    # With a baseline, new failures come first: they are what the pull request introduces.
    failing = sorted(
        (f for f in findings if f["status"] == Status.FAIL),
        key=lambda f: (f.get("baseline") == "existing", _severity_rank(f)),
    )
    shown_fail, more_fail = _capped(failing)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for finding in shown_fail:
        groups.setdefault(finding["severity"], []).append(finding)
    # Errors before unknowns: an error is a gap someone can close by granting access.
    gaps = [f for f in findings if f["status"] == "error"] + [
        f for f in findings if f["status"] not in (Status.PASS, Status.FAIL, Status.ERROR)
    ]
    shown_gaps, more_gaps = _capped(gaps)
    errors: Sequence[Mapping[str, Any]] = results.get("errors", [])
    shown_errors, more_errors = _capped(errors)
    text = (
        _environment()
        .get_template(TEMPLATE)
        .render(
            tool=results["tool"],
            scan=results.get("scan", {}),
            summary=results["summary"],
            policy_count=len(results.get("policies", [])),
            failing_total=len(failing),
            groups=list(groups.items()),
            more_fail=more_fail,
            gaps_total=len(gaps),
            gaps=shown_gaps,
            more_gaps=more_gaps,
            errors_total=len(errors),
            errors=shown_errors,
            more_errors=more_errors,
            frameworks=_frameworks(results),
            max_text=MAX_TEXT,
        )
    )
    return text.encode()
