"""`logward plan`: the same policies on `terraform show -json` of a plan or a state. Imports no
cloud SDK."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from scanner.cli.common import check_evidence, finish, formats, guarded, scan_options, split
from scanner.errors import InputError


@click.command("plan")
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
def plan(plan_file: Path, assume_complete: bool, source_dir: Path | None, **shared: Any) -> int:
    """Evaluate the same policies on `terraform show -json` of a plan (or of a state)."""
    from scanner import pipeline
    from scanner.baseline import load_baseline
    from scanner.evidence import EvidenceStore
    from scanner.plan.source import PlanSource

    chosen = formats(shared["formats"])
    prepared = pipeline.prepare(
        list(shared["policy_paths"]), shared["config_path"], split(shared["frameworks"])
    )
    check_evidence(shared["out_dir"], shared["evidence_dir"])
    if source_dir is not None and not source_dir.is_dir():
        raise InputError(f"--source-dir: {source_dir} is not a folder")
    known = load_baseline(shared["baseline"]) if shared["baseline"] is not None else None
    evidence = EvidenceStore()
    source = PlanSource(plan_file, assume_complete, source_dir, evidence)
    assessment = pipeline.run(prepared, source, baseline=known)
    return finish(assessment, evidence, chosen, shared)
