"""`logward policies validate|list|show`: the policy catalogue."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from scanner.cli.common import guarded
from scanner.errors import InputError, Problem
from scanner.terminal import safe


@click.group()
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
    width = max(len(safe(p.id)) for p in loaded)
    for p in loaded:
        click.echo(f"{safe(p.id):<{width}}  {safe(p.severity):<8}  {safe(p.title)}")
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
    click.echo(safe(Path(found[policy_id].file).read_text(encoding="utf-8"), lines=True))
    return 0
