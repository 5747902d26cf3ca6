"""What every command shares: the exit-code mapping, progress lines, the scan options, and
writing an assessment's outputs and evidence bundle.

Exit codes: 0 nothing failing at or above --fail-on; 1 failing or erroring findings at or
above it; 2 invalid input (arguments, policy, mapping, config); 3 the scan could not run;
130 and 143 SIGINT and SIGTERM; 141 stdout closed by its reader.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from scanner.cli.terminal import (
    interrupted,
    stdout_gone,
    use_color,
)
from scanner.errors import InputError, Problem, RunError
from scanner.interrupts import Interrupted
from scanner.model import SEVERITIES, Finding, Severity, Status
from scanner.terminal import safe

if TYPE_CHECKING:
    from scanner.assessment import Assessment
    from scanner.evidence import EvidenceStore
    from scanner.staging import OutputSet

FAIL_ON = (*SEVERITIES, "none")


def split(value: str | None) -> list[str]:
    """A comma-separated option as a list."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _die(code: int, message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def guarded(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Map the two error families onto exit codes 2 and 3, SIGINT and SIGTERM onto 130 and
    143, and a closed stdout onto a quiet 141."""

    def run(*args: Any, **kwargs: Any) -> None:
        try:
            code = fn(*args, **kwargs)
        except InputError as exc:
            _die(2, "invalid input:\n" + "\n".join(f"  {safe(p)}" for p in exc.problems))
        except RunError as exc:
            _die(3, f"the scan could not run: {safe(exc, lines=True)}")
        except Interrupted as exc:
            interrupted(exc.signum)
        except KeyboardInterrupt:
            interrupted(signal.SIGINT)  # handlers not installed (in-process callers)
        except SystemExit:
            raise
        except BrokenPipeError:
            stdout_gone()
        except Exception as exc:
            # Exit 1 means "failing findings"; a crash must not look like one.
            if os.environ.get("LOGWARD_DEBUG"):
                traceback.print_exc()
            _die(
                3,
                f"the scan could not run: internal error: {type(exc).__name__}: {safe(exc)} "
                "(set LOGWARD_DEBUG=1 for the traceback)",
            )
        try:
            sys.stdout.flush()  # a closed pipe shows here when the output was short
        except BrokenPipeError:
            stdout_gone()
        sys.exit(code or 0)

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


class Progress:
    """One updating line on a terminal; plain lines in CI and pipes."""

    def __init__(self, quiet: bool = False) -> None:
        self.tty = sys.stderr.isatty() and not os.environ.get("CI")
        self.quiet = quiet

    def __call__(self, message: str, transient: bool = False) -> None:
        if self.quiet or (transient and not self.tty):
            return
        if self.tty:
            sys.stderr.write("\r\033[K" + safe(message)[:120])
            sys.stderr.flush()
        else:
            sys.stderr.write(safe(message) + "\n")

    def done(self) -> None:
        """End the updating line."""
        if self.tty and not self.quiet:
            sys.stderr.write("\r\033[K")


def scan_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by scan, plan and demo."""
    for option in reversed(
        [
            click.option(
                "--config",
                "config_path",
                type=click.Path(path_type=Path),
                help="logward.yaml with parameter overrides (default: ./logward.yaml).",
            ),
            click.option(
                "--policies",
                "policy_paths",
                multiple=True,
                type=click.Path(path_type=Path),
                help="Policy folder or file (repeatable).",
            ),
            click.option(
                "--frameworks",
                default=None,
                help="Comma-separated frameworks: soc2,iso27001,gdpr (default: all).",
            ),
            click.option(
                "--out",
                "out_dir",
                type=click.Path(path_type=Path),
                default=Path("logward-report"),
                show_default=True,
            ),
            click.option(
                "--format",
                "formats",
                default=None,
                help="Comma-separated: json,html,markdown (md),csv,ocsf,sarif,junit, or "
                "all. results.json is always written. [default: json; demo: all]",
            ),
            click.option(
                "--fail-on",
                type=click.Choice(FAIL_ON),
                default="low",
                show_default=True,
                help="Lowest severity whose fail/error sets exit 1.",
            ),
            click.option(
                "--evidence",
                "evidence_dir",
                type=click.Path(path_type=Path),
                help="Write an evidence bundle here: the raw responses findings rest on, "
                "results, reports and a manifest of hashes (see `logward verify`).",
            ),
            click.option(
                "--baseline",
                "baseline",
                type=click.Path(path_type=Path),
                help="A previous results.json: report and fail only on new findings.",
            ),
            click.option("--quiet", is_flag=True, help="No progress lines."),
            click.option(
                "--color/--no-color",
                "color",
                default=None,
                help="Colour the summary's statuses [default: on a terminal, unless NO_COLOR "
                "or CI is set].",
            ),
        ]
    ):
        fn = option(fn)
    return fn


def formats(value: str | None, default: str = "json") -> list[str]:
    """The output formats asked for, results.json always among them."""
    from scanner.results import ALIASES, RENDERERS

    chosen = split(value) or [default]
    if "all" in chosen:
        chosen = list(RENDERERS)
    chosen = [ALIASES.get(f, f) for f in chosen]
    unknown = [f for f in chosen if f not in RENDERERS]
    if unknown:
        raise InputError(
            f"--format: unknown format(s) {unknown}; available: {', '.join(RENDERERS)}, all"
        )
    # results.json is the canonical record (a later --baseline, `logward report`): always.
    return list(dict.fromkeys(["json", *chosen]))


def check_evidence(out_dir: Path, evidence_dir: Path | None) -> None:
    """Refuse, before any cloud call, an --out that is not a folder, an --evidence folder a
    bundle may not replace, or one that holds --out (reports written into it would be files
    its manifest does not list)."""
    from scanner.bundle import check_target

    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(
            Problem(str(out_dir), None, "--out: is not a folder; expected a folder for the reports")
        )
    if evidence_dir is None:
        return
    out, bundle = out_dir.resolve(), evidence_dir.resolve()
    if out == bundle or bundle in out.parents:
        raise InputError(
            Problem(
                str(evidence_dir),
                None,
                f"--evidence must not be --out or "
                f"contain it ({out_dir}); expected separate folders, e.g. "
                f"--evidence {out_dir / 'evidence'}",
            )
        )
    check_target(evidence_dir)


Seal = Callable[["OutputSet", Path], str]


@dataclass(frozen=True)
class BundleTarget:
    """Where a run's evidence bundle goes, and what signs it while staged (the demo)."""

    folder: Path
    seal: Seal | None = None


def finish(
    assessment: Assessment,
    evidence: EvidenceStore,
    chosen: list[str],
    shared: Mapping[str, Any],
    bundle: BundleTarget | None = None,
) -> int:
    """Render, then write the outputs (--out) and the bundle (`bundle`, default --evidence)
    as one set, replaced at once (`scanner.staging`); print the summary; the exit code for
    --fail-on. A seal signs the staged bundle before anything is replaced."""
    from scanner.bundle import bundle_files, check_target, fill_bundle
    from scanner.results import RENDERERS, render, stage_rendered
    from scanner.staging import OutputSet

    results = assessment.to_json()
    out_dir: Path = shared["out_dir"]
    if bundle is None and shared["evidence_dir"] is not None:
        bundle = BundleTarget(shared["evidence_dir"])
    evidence_dir = bundle.folder if bundle is not None else None
    rendered = render(results, chosen)
    sealed = None
    with OutputSet() as out:
        stage_rendered(out, out_dir, rendered)
        if evidence_dir is not None:
            check_target(evidence_dir)
            results_name = RENDERERS["json"][0]
            reports = {name: data for name, data in rendered.items() if name != results_name}
            staged = out.tree(evidence_dir)
            fill_bundle(
                staged,
                results,
                bundle_files(rendered[results_name], reports, evidence.items()),
            )
            sealed = bundle.seal(out, staged) if bundle and bundle.seal else None
        written = out.commit()
    click.echo(summary_table(results, color=use_color(shared.get("color"))), color=True)
    for path in written:
        if path != evidence_dir:
            click.echo(f"wrote {safe(path)}")
    if evidence_dir is not None:
        click.echo(f"wrote evidence bundle {safe(evidence_dir)} ({len(evidence)} responses)")
    if sealed:
        click.echo(sealed)
    return exit_code(assessment.gating, shared["fail_on"])


def exit_code(findings: Sequence[Finding], fail_on: str) -> int:
    """1 when a fail or error finding is at or above the threshold severity."""
    if fail_on == "none":
        return 0
    limit = Severity(fail_on).rank
    bad = [
        f
        for f in findings
        if f.status in (Status.FAIL, Status.ERROR) and Severity(f.severity).rank <= limit
    ]
    return 1 if bad else 0


STATUS_COLORS = {"pass": "green", "fail": "red", "error": "magenta", "unknown": "yellow"}


def _paint(text: str, status: str, color: bool, show: bool = True) -> str:
    fg = STATUS_COLORS.get(status)
    if not (color and show and fg):
        return text
    return click.style(text, fg=fg, bold=True if status == "fail" else None)


def summary_table(results: dict[str, Any], color: bool = False) -> str:
    """The end-of-run table: per policy, then per framework control; `color` paints the
    statuses (non-zero counts, control verdicts) with ANSI colours."""
    lines = []
    width = max((len(safe(p["id"])) for p in results["policies"]), default=10)
    lines.append(f"{'policy':<{width}}  {'sev':<8} pass fail  err  unk")
    for p in sorted(results["policies"], key=lambda p: (-p["counts"]["fail"], p["id"])):
        c = p["counts"]
        counts = " ".join(
            _paint(f"{c[status]:>4}", status, color, c[status] > 0) for status in STATUS_COLORS
        )
        lines.append(f"{safe(p['id']):<{width}}  {safe(p['severity']):<8} {counts}")
    by_fw: dict[str, list[str]] = {}
    for control in results["controls"]:
        by_fw.setdefault(safe(control["framework"]), []).append(
            f"{safe(control['control_id'])}=" + _paint(control["status"], control["status"], color)
        )
    lines.append("")
    for fw, items in by_fw.items():
        lines.append(f"{fw}: " + ", ".join(items))
    s = results["summary"]
    found = ", ".join(_paint(f"{s[k]} {k}", k, color, s[k] > 0) for k in STATUS_COLORS)
    lines.append("")
    lines.append(
        f"findings: {found}; {len(results['errors'])} collection error(s); "
        f"{results['scan'].get('api_calls', 0)} API calls"
    )
    return "\n".join(lines)
