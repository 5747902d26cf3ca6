"""The canonical results document (results.json), and writing outputs without half-files."""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.assessment import (
    SCHEMA_VERSION,
    ScanDescription,
    control_ids,
    finding_json,
    policies_block,
)
from scanner.files import write_atomic_text
from scanner.inventory import Inventory
from scanner.mappings import Framework
from scanner.model import Finding, Status
from scanner.policy.loader import CompiledPolicy
from scanner.render import (
    render_csv,
    render_html,
    render_junit,
    render_markdown,
    render_ocsf,
    render_sarif,
)
from scanner.staging import OutputSet

# results.json layout: one top-level key per line, and one list item (finding, policy,
# control, error) per line. Readable and diffable line by line, and written with the C JSON
# encoder (indent= makes json use its pure-Python encoder, several times slower).
_LISTS = ("policies", "findings", "controls", "errors")


def _dump(value: Any) -> str:
    # allow_nan=False: NaN or Infinity would make results.json something other than JSON.
    return json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)


def _lines(results: Mapping[str, Any], findings: Iterable[str] | None = None) -> Iterable[str]:
    """results.json text in pieces; `findings` (already-encoded items) replaces
    results["findings"] when given."""
    keys = list(results)
    if findings is not None and "findings" not in keys:
        keys.insert(keys.index("controls") if "controls" in keys else len(keys), "findings")
    yield "{"
    for n, key in enumerate(keys):
        yield f"{_dump(key)}: "
        if key in _LISTS:
            items = (
                findings
                if key == "findings" and findings is not None
                else (_dump(v) for v in results[key])
            )
            yield "["
            first = True
            for item in items:
                yield ("\n" if first else ",\n") + item
                first = False
            yield "]"
        else:
            yield _dump(results[key])
        yield ",\n" if n < len(keys) - 1 else "}\n"


class StreamingResults:
    """results.json written while findings arrive, for estates too large to hold: findings go
    to a temporary file as they come, counts are kept, and `finish` writes the document
    (same schema and layout as render_json) atomically. Memory holds counters, not findings."""

    def __init__(
        self, path: Path, policies: Sequence[CompiledPolicy], frameworks: Sequence[Framework]
    ) -> None:
        self.path = path
        self.policies = list(policies)
        self.frameworks = list(frameworks)
        self._ids = control_ids(frameworks)
        self.by_policy: dict[str, Counter[str]] = defaultdict(Counter)
        self.inventory: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []
        self.findings = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        # Closed by finish() or close(); it outlives any one method.
        self._spool = tempfile.TemporaryFile(  # noqa: SIM115
            "w+", encoding="utf-8", dir=path.parent
        )

    def add(self, findings: Iterable[Finding], inventory: Inventory) -> None:
        """One partition (an account, say): its findings, resource counts and failed calls."""
        write = self._spool.write
        for finding in findings:
            self.by_policy[finding.policy_id][finding.status.value] += 1
            write(_dump(finding_json(finding, self._ids.get(finding.policy_id, []))) + "\n")
            self.findings += 1
        self.inventory.update(inventory.counts())
        self.errors.extend(e.to_json() for e in inventory.errors)

    def finish(self, meta: ScanDescription) -> dict[str, Any]:
        """Write results.json; return the document without its findings (a summary)."""
        from scanner.mappings import roll_up_counts

        evaluated = [c.policy.id for c in self.policies]
        controls = roll_up_counts(self.frameworks, self.by_policy, evaluated)
        summary: Counter[str] = Counter()
        for found in self.by_policy.values():
            summary.update(found)
        head = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "logward", "version": __version__},
            "scan": meta.to_json(self.policies, self.frameworks),
            "summary": {s.value: summary.get(s.value, 0) for s in Status},
            "policies": policies_block(self.policies, self.by_policy),
            "controls": [c.to_json() for c in controls],
            "errors": self.errors,
            "inventory": dict(sorted(self.inventory.items())),
        }
        self._spool.seek(0)
        spooled = (line.rstrip("\n") for line in self._spool)
        write_atomic_text(self.path, _lines(head, spooled))
        self._spool.close()
        return head

    def close(self) -> None:
        """Drop the spooled findings (after a failure: nothing is written)."""
        self._spool.close()


def load_results(path: Path) -> dict[str, Any]:
    """A saved results.json, checked against its schema; InputError (exit 2) naming the file,
    the line and what was expected when it is not one (see scanner.resultsload)."""
    from scanner.resultsload import load_results as load

    return load(path)


def render_json(results: Mapping[str, Any]) -> bytes:
    """results.json bytes."""
    return "".join(_lines(results)).encode()


RENDERERS = {
    "json": ("results.json", render_json),
    "sarif": ("results.sarif", render_sarif),
    "junit": ("results.junit.xml", render_junit),
    "markdown": ("summary.md", render_markdown),
    "html": ("report.html", render_html),
    "csv": ("findings.csv", render_csv),
    "ocsf": ("findings.ocsf.json", render_ocsf),
}
# Other names users type for the same formats.
ALIASES = {"md": "markdown", "xml": "junit", "htm": "html"}


def render(results: Mapping[str, Any], formats: Sequence[str]) -> dict[str, bytes]:
    """Every requested format rendered, by output file name."""
    return {RENDERERS[f][0]: RENDERERS[f][1](results) for f in formats}


def write_outputs(out_dir: Path, results: Mapping[str, Any], formats: Sequence[str]) -> list[Path]:
    """Render every format first, then write them as one set: a renderer that fails, or an
    interrupted run, leaves the previous files as they were."""
    return write_rendered(out_dir, render(results, formats))


def stage_rendered(out: OutputSet, out_dir: Path, rendered: Mapping[str, bytes]) -> None:
    """Add rendered outputs to an output set (written when it commits)."""
    for name, data in rendered.items():
        out.file(out_dir / name, data)


def write_rendered(out_dir: Path, rendered: Mapping[str, bytes]) -> list[Path]:
    """Write rendered outputs into `out_dir` as one set (`scanner.staging`)."""
    with OutputSet() as out:
        stage_rendered(out, out_dir, rendered)
        return out.commit()
