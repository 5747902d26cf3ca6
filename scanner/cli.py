"""The `logward` command line.

Exit codes: 0 nothing failing at or above --fail-on; 1 failing or erroring findings at or
above it; 2 invalid input (arguments, policy, mapping, config); 3 the scan could not run.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from scanner import __version__
from scanner.errors import InputError, Problem, RunError
from scanner.model import SEVERITIES, Finding, Severity, Status

FAIL_ON = (*SEVERITIES, "none")


def _split(value: str | None) -> list[str]:
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
            _die(2, "invalid input:\n" + "\n".join(f"  {p}" for p in exc.problems))
        except RunError as exc:
            _die(3, f"the scan could not run: {exc}")
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            # Exit 1 means "failing findings"; a crash must not look like one.
            if os.environ.get("LOGWARD_DEBUG"):
                traceback.print_exc()
            _die(
                3,
                f"the scan could not run: internal error: {type(exc).__name__}: {exc} "
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
            sys.stderr.write("\r\033[K" + message[:120])
            sys.stderr.flush()
        else:
            sys.stderr.write(message + "\n")

    def done(self) -> None:
        """End the updating line."""
        if self.tty and not self.quiet:
            sys.stderr.write("\r\033[K")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="logward")
def main() -> None:
    """logward: are our audit logs complete, untouchable, encrypted, retained and watched?"""


def scan_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by scan and demo."""
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


@main.group()
def scan() -> None:
    """Scan a cloud account."""


@scan.command("aws")
@click.option("--profile", default=None, help="AWS profile (default: the standard chain).")
@click.option("--regions", default="all", show_default=True, help="all, or r1,r2,...")
@scan_options
@guarded
def scan_aws_cmd(
    profile: str | None,
    regions: str,
    config_path: Path | None,
    policy_paths: Sequence[Path],
    frameworks: str | None,
    out_dir: Path,
    formats: str | None,
    fail_on: str,
    evidence_dir: Path | None,
    baseline: Path | None,
    quiet: bool,
) -> int:
    """Scan an AWS account (standard credential chain; honours AWS_ENDPOINT_URL)."""
    from scanner import pipeline

    chosen = _formats(formats)
    _check_evidence(out_dir, evidence_dir)
    if baseline is not None:
        from scanner.baseline import load_baseline

        load_baseline(baseline)  # a bad baseline stops before any cloud call
    prepared = pipeline.prepare(list(policy_paths), config_path, _split(frameworks), "aws")
    session = _aws_session(profile)
    wanted = None if regions == "all" else _split(regions)
    if wanted is None and prepared.config.regions:
        wanted = list(prepared.config.regions)
    from scanner.evidence import EvidenceStore

    evidence = EvidenceStore(evidence_dir)
    progress = Progress(quiet)
    findings, results = pipeline.scan_aws(prepared, session, wanted, evidence, progress)
    progress.done()
    return _finish(results, findings, evidence, out_dir, chosen, fail_on, evidence_dir, baseline)


def _aws_session(profile: str | None) -> Any:
    try:
        import boto3
        import botocore.exceptions
    except ImportError as exc:
        raise RunError("the AWS SDK is not installed: pip install 'logward[aws]'") from exc
    try:
        return boto3.Session(profile_name=profile)
    except botocore.exceptions.ProfileNotFound as exc:
        raise InputError(f"--profile: {exc}") from exc


def _formats(value: str | None, default: str = "json") -> list[str]:
    from scanner.results import ALIASES, RENDERERS

    chosen = _split(value) or [default]
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


def _finish(
    results: dict[str, Any],
    findings: list[Finding],
    evidence: Any,
    out_dir: Path,
    formats: list[str],
    fail_on: str,
    evidence_dir: Path | None,
    baseline: Path | None = None,
) -> int:
    from scanner.baseline import load_baseline, mark, new_only
    from scanner.results import render, write_rendered

    if baseline is not None:
        known = load_baseline(baseline)
        mark(results, known)
        findings = new_only(findings, known)
    rendered = render(results, formats)
    if evidence_dir is not None:
        _write_bundle(evidence_dir, results, rendered, evidence)
    written = write_rendered(out_dir, rendered)
    click.echo(summary_table(results))
    for path in written:
        click.echo(f"wrote {path}")
    if evidence_dir is not None:
        click.echo(f"wrote evidence bundle {evidence_dir} ({len(evidence)} responses)")
    return exit_code(findings, fail_on)


def _check_evidence(out_dir: Path, evidence_dir: Path | None) -> None:
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


def _write_bundle(
    folder: Path, results: dict[str, Any], rendered: dict[str, bytes], evidence: Any
) -> None:
    from scanner.bundle import bundle_files, write_bundle
    from scanner.results import RENDERERS

    results_name = RENDERERS["json"][0]
    reports = {name: data for name, data in rendered.items() if name != results_name}
    write_bundle(folder, results, bundle_files(rendered[results_name], reports, evidence.items()))


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
    width = max((len(p["id"]) for p in results["policies"]), default=10)
    lines.append(f"{'policy':<{width}}  {'sev':<8} pass fail  err  unk")
    for p in sorted(results["policies"], key=lambda p: (-p["counts"]["fail"], p["id"])):
        c = p["counts"]
        lines.append(
            f"{p['id']:<{width}}  {p['severity']:<8} {c['pass']:>4} {c['fail']:>4} "
            f"{c['error']:>4} {c['unknown']:>4}"
        )
    by_fw: dict[str, list[str]] = {}
    for control in results["controls"]:
        by_fw.setdefault(control["framework"], []).append(
            f"{control['control_id']}={control['status']}"
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


@main.command("plan")
@click.argument("plan_file", type=click.Path(path_type=Path))
@click.option(
    "--assume-complete",
    is_flag=True,
    help="Evaluate account-scope policies as if the plan were the whole account.",
)
@click.option(
    "--source-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="The Terraform configuration: findings point at the .tf file and line.",
)
@scan_options
@guarded
def plan_cmd(
    plan_file: Path,
    assume_complete: bool,
    source_dir: Path | None,
    config_path: Path | None,
    policy_paths: Sequence[Path],
    frameworks: str | None,
    out_dir: Path,
    formats: str | None,
    fail_on: str,
    evidence_dir: Path | None,
    baseline: Path | None,
    quiet: bool,
) -> int:
    """Evaluate the same policies on `terraform show -json` of a plan (or of a state)."""
    from scanner import pipeline
    from scanner.evidence import EvidenceStore

    chosen = _formats(formats)
    prepared = pipeline.prepare(list(policy_paths), config_path, _split(frameworks), "aws")
    _check_evidence(out_dir, evidence_dir)
    if source_dir is not None and not source_dir.is_dir():
        raise InputError(f"--source-dir: {source_dir} is not a folder")
    evidence = EvidenceStore()
    findings, results = pipeline.scan_plan(
        prepared, plan_file, assume_complete, source_dir, evidence
    )
    return _finish(results, findings, evidence, out_dir, chosen, fail_on, evidence_dir, baseline)


@main.group()
def policies() -> None:
    """Validate and browse the policy catalogue."""


@policies.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@guarded
def policies_validate(paths: Sequence[Path]) -> int:
    """Validate policy files (default: the shipped catalogue) and the mappings."""
    from scanner.mappings import check_references, load_frameworks, unmapped
    from scanner.policy.loader import load_policies

    loaded = load_policies(list(paths) or None)
    if not paths:
        frameworks = load_frameworks()
        problems = check_references(frameworks, [p.id for p in loaded])
        if problems:
            raise InputError(problems)
        orphans = set(unmapped(frameworks, [p.id for p in loaded]))
        if orphans:
            raise InputError(
                [
                    Problem(
                        p.file,
                        p.doc.line(("id",)),
                        f"policy {p.id} is mapped by "
                        "no framework; expected it under a control in mappings/",
                    )
                    for p in loaded
                    if p.id in orphans
                ]
            )
    click.echo(f"{len(loaded)} policies valid")
    return 0


@policies.command("list")
@click.option("--json", "as_json", is_flag=True)
@guarded
def policies_list(as_json: bool) -> int:
    """List the policy catalogue."""
    from scanner.policy.loader import load_policies

    loaded = sorted(load_policies(), key=lambda p: p.id)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": p.id,
                        "title": p.title,
                        "severity": p.severity,
                        "resource": p.resource,
                        "category": p.category,
                    }
                    for p in loaded
                ],
                indent=2,
            )
        )
        return 0
    width = max(len(p.id) for p in loaded)
    for p in loaded:
        click.echo(f"{p.id:<{width}}  {p.severity:<8}  {p.title}")
    return 0


@policies.command("show")
@click.argument("policy_id")
@guarded
def policies_show(policy_id: str) -> int:
    """Show one policy in full."""
    from scanner.policy.loader import load_policies

    found = {p.id: p for p in load_policies()}
    if policy_id not in found:
        raise InputError(f"unknown policy id {policy_id!r}")
    click.echo(Path(found[policy_id].file).read_text(encoding="utf-8"))
    return 0


@main.group()
def permissions() -> None:
    """Print the least-privilege permissions a scan needs."""


@permissions.command("aws")
@guarded
def permissions_aws() -> int:
    """The IAM policy document, generated from the declared collector calls."""
    from scanner.providers.aws.calls import PERMISSIONS

    actions = sorted(set(PERMISSIONS.values()))
    click.echo(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "LogwardReadOnly",
                        "Effect": "Allow",
                        "Action": actions,
                        "Resource": "*",
                    }
                ],
            },
            indent=2,
        )
    )
    return 0


@main.command("demo")
@scan_options
@guarded
def demo_cmd(
    config_path: Path | None,
    policy_paths: Sequence[Path],
    frameworks: str | None,
    out_dir: Path,
    formats: str | None,
    fail_on: str,
    evidence_dir: Path | None,
    baseline: Path | None,
    quiet: bool,
) -> int:
    """Build a sample AWS estate with deliberate gaps in an in-process moto, and scan it.

    Writes every format, and an evidence bundle (default: OUT/evidence) signed with a
    throwaway key (OUT/demo-signing-key.pem), then verifies the bundle."""
    from scanner import pipeline
    from scanner.demo import demo_session
    from scanner.evidence import EvidenceStore

    chosen = _formats(formats, default="all")
    prepared = pipeline.prepare(list(policy_paths), config_path, _split(frameworks), "aws")
    bundle_dir = evidence_dir or out_dir / "evidence"
    _check_evidence(out_dir, bundle_dir)
    evidence = EvidenceStore()
    progress = Progress(quiet)
    with demo_session() as (session, regions):
        findings, results = pipeline.scan_aws(
            prepared, session, regions, evidence, progress, source="demo"
        )
    progress.done()
    code = _finish(results, findings, evidence, out_dir, chosen, fail_on, bundle_dir, baseline)
    _demo_sign_and_verify(bundle_dir, out_dir)
    # The demo estate has deliberate gaps; the demo itself succeeded.
    return 0 if code == 1 else code


def _demo_sign_and_verify(bundle_dir: Path, out_dir: Path) -> None:
    from scanner.bundle import keygen, sign, verify

    key = out_dir / "demo-signing-key.pem"
    public = key.with_name(key.name + ".pub")
    if not key.exists():
        keygen(key)
    sign(bundle_dir, key)
    verdict = verify(bundle_dir, public)
    if not verdict.ok:
        raise RunError(
            "the demo's own evidence bundle did not verify:\n" + "\n".join(verdict.problems)
        )
    click.echo(
        f"signed and verified {bundle_dir}: {verdict.files} files, key "
        f"{verdict.signed_by} (throwaway demo key {key}); check it yourself with\n"
        f"  logward verify {bundle_dir} --public-key {public}"
    )


@main.command("report")
@click.argument("results_file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "formats",
    default="all",
    show_default=True,
    help="Comma-separated: json,html,markdown (md),csv,ocsf,sarif,junit, or all.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("logward-report"),
    show_default=True,
)
@guarded
def report_cmd(results_file: Path, formats: str, out_dir: Path) -> int:
    """Render a saved results.json again, in any format, without cloud access."""
    from scanner.results import ALIASES, load_results, render, write_rendered

    results = load_results(results_file)
    asked = [ALIASES.get(f, f) for f in _split(formats)]
    # results.json is rewritten only when asked for (it is the input, already on disk).
    chosen = [f for f in _formats(formats) if f != "json" or "json" in asked] or ["json"]
    for path in write_rendered(out_dir, render(results, chosen)):
        click.echo(f"wrote {path}")
    return 0


@main.group("bundle")
def bundle_group() -> None:
    """Sign evidence bundles, and make signing keys."""


@bundle_group.command("keygen")
@click.argument("key_file", type=click.Path(path_type=Path))
@guarded
def bundle_keygen(key_file: Path) -> int:
    """Write a new Ed25519 signing key (mode 0600) and KEY_FILE.pub beside it."""
    from scanner.bundle import keygen

    public, kid = keygen(key_file)
    click.echo(
        f"wrote {key_file} (keep it secret) and {public} (give it to verifiers); key id {kid}"
    )
    return 0


@bundle_group.command("sign")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(path_type=Path),
    help="Ed25519 private key, PEM (passphrase from $LOGWARD_SIGNING_PASSPHRASE).",
)
@guarded
def bundle_sign(bundle_dir: Path, key_file: Path) -> int:
    """Sign BUNDLE_DIR/manifest.json with Ed25519 (writes manifest.sig)."""
    from scanner.bundle import sign, verify

    verdict = verify(bundle_dir)
    if not verdict.ok:
        for problem in verdict.problems:
            click.echo(f"FAIL {problem}", err=True)
        raise RunError(f"{bundle_dir} does not match its manifest; refusing to sign it")
    kid = sign(bundle_dir, key_file, verdict.manifest)
    click.echo(f"signed {bundle_dir}/manifest.json with key {kid}")
    return 0


@main.command("verify")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(path_type=Path),
    help="The Ed25519 public key (PEM) the bundle must be signed with.",
)
@click.option(
    "--require-signature", is_flag=True, help="Fail an unsigned bundle (implied by --public-key)."
)
@guarded
def verify_cmd(bundle_dir: Path, public_key: Path | None, require_signature: bool) -> int:
    """Check an evidence bundle: every file's hash and size, and the signature. Exit 1 names
    each file changed, added or removed."""
    from scanner.bundle import verify

    verdict = verify(bundle_dir, public_key)
    if require_signature and verdict.ok and verdict.signed_by is None:
        verdict.problems.append("manifest.sig: missing; --require-signature was given")
    for problem in verdict.problems:
        click.echo(f"FAIL {problem}")
    for note in verdict.notes:
        click.echo(f"note: {note}")
    if not verdict.ok:
        click.echo(f"{bundle_dir}: NOT verified ({len(verdict.problems)} problem(s))")
        return 1
    signed = f", signed by key {verdict.signed_by}" if verdict.signed_by else ""
    click.echo(f"{bundle_dir}: verified, {verdict.files} files match manifest.json{signed}")
    return 0
