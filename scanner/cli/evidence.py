"""`logward report`, `logward bundle keygen|sign` and `logward verify`: evidence after the
scan, without cloud access."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from scanner.cli.common import formats as chosen_formats
from scanner.cli.common import guarded, split
from scanner.errors import RunError
from scanner.terminal import safe


@click.command("report")
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
    asked = [ALIASES.get(f, f) for f in split(formats)]
    # results.json is rewritten only when asked for (it is the input, already on disk).
    chosen = [f for f in chosen_formats(formats) if f != "json" or "json" in asked] or ["json"]
    for path in write_rendered(out_dir, render(results, chosen)):
        click.echo(f"wrote {safe(path)}")
    return 0


@click.group("bundle")
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
        f"wrote {safe(key_file)} (keep it secret) and {safe(public)} (give it to verifiers); "
        f"key id {kid}"
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
            click.echo(f"FAIL {safe(problem)}", err=True)
        raise RunError(f"{bundle_dir} does not match its manifest; refusing to sign it")
    kid = sign(bundle_dir, key_file, verdict.manifest)
    click.echo(f"signed {safe(bundle_dir)}/manifest.json with key {kid}")
    click.echo(f"scan: {safe(_describe_scan(verdict.scan))}")  # what the signature attests
    return 0


def _time_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    from scanner.bundle.verify import parse_time

    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise click.BadParameter(
            f"{safe(value)!r} is not an ISO 8601 date or time (e.g. 2026-12-01T09:00:00Z)"
        ) from None


@click.command("verify")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(path_type=Path),
    help="The Ed25519 public key (PEM) the bundle must be signed with.",
)
@click.option(
    "--require-signature", is_flag=True, help="Fail an unsigned bundle (implied by --public-key)."
)
@click.option(
    "--not-before",
    metavar="TIME",
    callback=_time_option,
    help="Fail a bundle whose scan started before TIME (ISO 8601; UTC without an offset): "
    "an older bundle replayed in place of the current one.",
)
@click.option(
    "--expect-scan-id",
    metavar="ID",
    help="Fail a bundle of any scan but this one (the scan id of results.json).",
)
@guarded
def verify_cmd(
    bundle_dir: Path,
    public_key: Path | None,
    require_signature: bool,
    not_before: datetime | None,
    expect_scan_id: str | None,
) -> int:
    """Check an evidence bundle: every file's hash and size, and the signature. Exit 1 names
    each file changed, added or removed. Always prints which scan the bundle holds (id and
    time), so a replayed older bundle shows."""
    from scanner.bundle import verify

    verdict = verify(bundle_dir, public_key, not_before, expect_scan_id)
    if require_signature and verdict.ok and verdict.signed_by is None:
        verdict.problems.append("manifest.sig: missing; --require-signature was given")
    if (not_before or expect_scan_id) and verdict.signed_by is None:
        verdict.notes.append(
            "the scan id and time are claims of an unsigned manifest: anyone who can write "
            "the bundle can write them (sign it, and pass --public-key)"
        )
    for problem in verdict.problems:
        click.echo(f"FAIL {safe(problem)}")
    for note in verdict.notes:
        click.echo(f"note: {safe(note)}")
    click.echo(f"scan: {safe(_describe_scan(verdict.scan))}")
    if not verdict.ok:
        click.echo(f"{safe(bundle_dir)}: NOT verified ({len(verdict.problems)} problem(s))")
        return 1
    signed = f", signed by key {verdict.signed_by}" if verdict.signed_by else ""
    click.echo(f"{safe(bundle_dir)}: verified, {verdict.files} files match manifest.json{signed}")
    return 0


def _describe_scan(scan: Mapping[str, Any]) -> str:
    """Which scan a bundle holds, as its manifest says: id, times, source."""
    if not scan:
        return "unknown (the manifest names no scan)"
    accounts = scan.get("accounts")
    where = f", accounts {', '.join(map(str, accounts))}" if isinstance(accounts, list) else ""
    return (
        f"id {scan.get('id')}, started {scan.get('started_at')}, "
        f"finished {scan.get('finished_at')}, source {scan.get('source')}{where}"
    )
