"""`logward scan <cloud>`, `logward permissions <cloud>` and `logward demo`, built from the
provider registry: a cloud's command word and options come from its adapter."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scanner.cli.common import (
    BundleTarget,
    Progress,
    Seal,
    check_evidence,
    finish,
    formats,
    guarded,
    scan_options,
    split,
)
from scanner.cli.terminal import Duration
from scanner.errors import RunError
from scanner.source import Deadline, combined
from scanner.terminal import safe

if TYPE_CHECKING:
    from scanner.staging import OutputSet

SHARED = (
    "config_path",
    "policy_paths",
    "frameworks",
    "out_dir",
    "formats",
    "fail_on",
    "evidence_dir",
    "baseline",
    "quiet",
    "color",
)

MAX_DURATION = click.option(
    "--max-duration",
    type=Duration(),
    default=None,
    help="Stop collecting this long after the start (90, 90s, 15m, 1h): what is not "
    "collected by then is an error finding, never a missing row. Calls in flight end at "
    "their own timeout; writing the outputs comes after.",
)


class CloudGroup(click.Group):
    """A group whose subcommands are the registered clouds, built when asked for."""

    def __init__(self, *args: Any, build: Callable[[str], click.Command], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.build = build

    def list_commands(self, ctx: click.Context) -> list[str]:
        from scanner import providers

        return providers.names()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from scanner import providers

        return self.build(cmd_name) if cmd_name in providers.names() else None


def _scan_command(name: str) -> click.Command:
    from scanner import providers

    adapter = providers.get(name)

    @guarded
    def run(max_duration: float | None, **kwargs: Any) -> int:
        deadline = Deadline(max_duration) if max_duration is not None else None
        shared = {k: kwargs.pop(k) for k in SHARED}
        return _scan(name, shared, kwargs, deadline)

    command = click.command(
        name, help=f"Scan {adapter.title} (the SDK's standard credential chain)."
    )(MAX_DURATION(scan_options(run)))
    own = [
        click.Option(
            [option.flag, option.dest],
            default=option.default,
            is_flag=option.is_flag,
            help=option.help,
        )
        for option in adapter.options
    ]
    command.params = [*own, *command.params]
    return command


def _prepare(shared: dict[str, Any], default_format: str = "json") -> tuple[Any, list[str]]:
    from scanner import pipeline

    chosen = formats(shared["formats"], default=default_format)
    prepared = pipeline.prepare(
        list(shared["policy_paths"]), shared["config_path"], split(shared["frameworks"])
    )
    return prepared, chosen


def _baseline(path: Path | None) -> frozenset[tuple[str, str]] | None:
    from scanner.baseline import load_baseline

    # A bad baseline stops before any cloud call.
    return load_baseline(path) if path is not None else None


def _scan(
    name: str, shared: dict[str, Any], options: dict[str, Any], deadline: Deadline | None
) -> int:
    from scanner import pipeline, providers
    from scanner.evidence import EvidenceStore

    formats(shared["formats"])  # a bad --format stops before anything else
    check_evidence(shared["out_dir"], shared["evidence_dir"])
    known = _baseline(shared["baseline"])
    prepared, chosen = _prepare(shared)
    evidence = EvidenceStore(shared["evidence_dir"])
    source = providers.get(name).live(options, prepared.config, evidence)
    progress = Progress(shared["quiet"])
    collected = source.collect(progress, deadline)
    assessment = pipeline.assess(prepared, source.info, collected, baseline=known)
    progress.done()
    return finish(assessment, evidence, chosen, shared)


@click.group(cls=CloudGroup, build=_scan_command)
def scan() -> None:
    """Scan a cloud account."""


def _permissions_command(name: str) -> click.Command:
    from scanner import providers

    adapter = providers.get(name)

    @guarded
    def run() -> int:
        click.echo(adapter.permissions())
        return 0

    return click.Command(
        name,
        callback=run,
        help=f"The least-privilege {adapter.title} permissions, generated from the declared "
        "collector calls.",
    )


@click.group(cls=CloudGroup, build=_permissions_command)
def permissions() -> None:
    """Print the least-privilege permissions a scan needs."""


@click.command("demo")
@click.option("--cloud", default=None, help="Only this cloud's demo estate (default: all).")
@MAX_DURATION
@scan_options
@guarded
def demo(cloud: str | None, max_duration: float | None, **shared: Any) -> int:
    """Build a sample estate with deliberate gaps in a local fake of every cloud (AWS: an
    in-process moto; GCP: a loopback fake of its REST APIs), and scan them side by side.

    Writes every format, and an evidence bundle (default: OUT/evidence) signed with a
    throwaway key (OUT/demo-signing-key.pem), then verifies the bundle."""
    from scanner import pipeline, providers
    from scanner.evidence import EvidenceStore

    deadline = Deadline(max_duration) if max_duration is not None else None
    prepared, chosen = _prepare(shared, default_format="all")
    out_dir: Path = shared["out_dir"]
    bundle_dir: Path = shared["evidence_dir"] or out_dir / "evidence"
    check_evidence(out_dir, bundle_dir)
    known = _baseline(shared["baseline"])
    evidence = EvidenceStore()
    names = [cloud] if cloud else providers.names()
    # Every cloud's demo estate, side by side in one report.
    estates = [e for e in (providers.get(n).demo(evidence) for n in names) if e is not None]
    if not estates:
        raise RunError(f"no demo estate for {', '.join(names)}")
    progress = Progress(shared["quiet"])
    with ExitStack() as stack:
        parts = []
        for estate in estates:
            source = stack.enter_context(estate)
            parts.append((source.info, source.collect(progress, deadline)))
        info, collected = combined(parts, label="demo")
        assessment = pipeline.assess(prepared, info, collected, baseline=known)
    progress.done()
    code = finish(
        assessment,
        evidence,
        chosen,
        shared,
        BundleTarget(bundle_dir, _demo_seal(out_dir, bundle_dir)),
    )
    # The demo estate has deliberate gaps; the demo itself succeeded.
    return 0 if code == 1 else code


def _demo_seal(out_dir: Path, bundle_dir: Path) -> Seal:
    """Sign the staged demo bundle with the throwaway key (made on first use, staged with the
    outputs) and verify it before anything is replaced."""

    def seal(out: OutputSet, staged: Path) -> str:
        from scanner.bundle import keygen, sign, verify

        key = out_dir / "demo-signing-key.pem"
        public = key.with_name(key.name + ".pub")
        signing_key, checking_key = key, public
        if not key.exists():
            scratch = out.scratch(out_dir)
            signing_key = scratch / key.name
            checking_key, _kid = keygen(signing_key)
            out.move(signing_key, key)
            out.move(checking_key, public)
        sign(staged, signing_key)
        verdict = verify(staged, checking_key)
        if not verdict.ok:
            raise RunError(
                "the demo's own evidence bundle did not verify:\n" + "\n".join(verdict.problems)
            )
        return (
            f"signed and verified {safe(bundle_dir)}: {verdict.files} files, key "
            f"{verdict.signed_by} (throwaway demo key {safe(key)}); check it yourself with\n"
            f"  logward verify {safe(bundle_dir)} --public-key {safe(public)}"
        )

    return seal
