"""What every command shares: the exit-code mapping, progress lines, the scan options, and
writing an assessment's outputs and evidence bundle.

Exit codes: 0 nothing failing at or above --fail-on; 1 failing or erroring findings at or
above it; 2 invalid input (arguments, policy, mapping, config); 3 the scan could not run.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from scanner.errors import InputError, Problem, RunError
from scanner.model import SEVERITIES, Finding, Severity, Status
from scanner.terminal import safe

if TYPE_CHECKING:
    from scanner.assessment import Assessment
    from scanner.evidence import EvidenceStore

FAIL_ON = (*SEVERITIES, "none")


def split(value: str | None) -> list[str]:
    """A comma-separated option as a list."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _die(code: int, message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def guarded(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Map the two error families onto exit codes 2 and 3."""

    def run(*args: Any, **kwargs: Any) -> None:
        try:
            code = fn(*args, **kwargs)
        except InputError as exc:
            _die(2, "invalid input:\n" + "\n".join(f"  {safe(p)}" for p in exc.problems))
        except RunError as exc:
            _die(3, f"the scan could not run: {safe(exc, lines=True)}")
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            # Exit 1 means "failing findings"; a crash must not look like one.
            if os.environ.get("LOGWARD_DEBUG"):
                traceback.print_exc()
            _die(
                3,
                f"the scan could not run: internal error: {type(exc).__name__}: {safe(exc)} "
                "(set LOGWARD_DEBUG=1 for the traceback)",
            )
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
    """Refuse, before any cloud call, an --evidence folder a bundle may not replace, or one
    that holds --out (reports written into it would be files its manifest does not list)."""
    from scanner.bundle import check_target

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


def finish(
    assessment: Assessment,
    evidence: EvidenceStore,
    chosen: list[str],
    shared: Mapping[str, Any],
    evidence_dir: Path | None = None,
) -> int:
    """Render, write the bundle (to `evidence_dir`, default --evidence) and the outputs
    (--out), print the summary; the exit code for --fail-on."""
    from scanner.bundle import bundle_files, write_bundle
    from scanner.results import RENDERERS, render, write_rendered

    results = assessment.to_json()
    out_dir: Path = shared["out_dir"]
    evidence_dir = evidence_dir or shared["evidence_dir"]
    rendered = render(results, chosen)
    if evidence_dir is not None:
        results_name = RENDERERS["json"][0]
        reports = {name: data for name, data in rendered.items() if name != results_name}
        write_bundle(
            evidence_dir, results, bundle_files(rendered[results_name], reports, evidence.items())
        )
    written = write_rendered(out_dir, rendered)
    click.echo(summary_table(results))
    for path in written:
        click.echo(f"wrote {safe(path)}")
    if evidence_dir is not None:
        click.echo(f"wrote evidence bundle {safe(evidence_dir)} ({len(evidence)} responses)")
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


def summary_table(results: dict[str, Any]) -> str:
    """The end-of-run table: per policy, then per framework control."""
    lines = []
    width = max((len(safe(p["id"])) for p in results["policies"]), default=10)
    lines.append(f"{'policy':<{width}}  {'sev':<8} pass fail  err  unk")
    for p in sorted(results["policies"], key=lambda p: (-p["counts"]["fail"], p["id"])):
        c = p["counts"]
        lines.append(
            f"{safe(p['id']):<{width}}  {safe(p['severity']):<8} {c['pass']:>4} {c['fail']:>4} "
            f"{c['error']:>4} {c['unknown']:>4}"
        )
    by_fw: dict[str, list[str]] = {}
    for control in results["controls"]:
        by_fw.setdefault(safe(control["framework"]), []).append(
            f"{safe(control['control_id'])}={control['status']}"
        )
    lines.append("")
    for fw, items in by_fw.items():
        lines.append(f"{fw}: " + ", ".join(items))
    s = results["summary"]
    lines.append("")
    lines.append(
        f"findings: {s['pass']} pass, {s['fail']} fail, {s['error']} error, "
        f"{s['unknown']} unknown; {len(results['errors'])} collection error(s); "
        f"{results['scan'].get('api_calls', 0)} API calls"
    )
    return "\n".join(lines)
