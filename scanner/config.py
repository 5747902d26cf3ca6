"""The organization's configuration file (logward.yaml): parameter overrides and policy toggles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.data import schema
from scanner.errors import InputError, Problem, clip
from scanner.policy.loader import Policy, check_param
from scanner.yamlload import Located, load_file, schema_problems


@dataclass(frozen=True)
class Config:
    """Validated configuration: effective parameter overrides per policy, disabled policies."""

    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    regions: tuple[str, ...] | None = None
    frameworks: tuple[str, ...] | None = None
    file: str | None = None


def load_config(path: Path | None, policies: Iterable[Policy]) -> Config:
    """Load and check `path` against the policy catalogue (None: built-in defaults)."""
    if path is None:
        default = Path("logward.yaml")
        if not default.exists() and not default.is_symlink():
            return Config()
        path = default
    doc = load_file(path, "configuration file (logward.yaml)")
    if doc.data is None:
        return Config(file=str(path))
    problems = schema_problems(doc, schema("config"))
    if problems:
        raise InputError(problems)
    data: dict[str, Any] = doc.data
    by_id = {p.id: p for p in policies}
    overrides: dict[str, dict[str, Any]] = {}
    _global_parameters(doc, data.get("parameters") or {}, by_id, overrides, problems)
    disabled = _per_policy(doc, data.get("policies") or {}, by_id, overrides, problems)
    if problems:
        raise InputError(problems)
    regions = data.get("regions")
    frameworks = data.get("frameworks")
    return Config(
        overrides=overrides,
        disabled=frozenset(disabled),
        regions=tuple(regions) if regions else None,
        frameworks=tuple(frameworks) if frameworks else None,
        file=str(path),
    )


def problem(path: Path, message: str) -> InputError:
    """An InputError about the config file as a whole."""
    return InputError(Problem(str(path), None, message))


def _global_parameters(
    doc: Located,
    given: Mapping[str, Any],
    by_id: Mapping[str, Policy],
    overrides: dict[str, dict[str, Any]],
    problems: list[Problem],
) -> None:
    """`parameters:` apply to every policy that declares the parameter."""
    declared: dict[str, list[Policy]] = {}
    for policy in by_id.values():
        for name in policy.parameters:
            declared.setdefault(name, []).append(policy)
    for name, value in given.items():
        if name not in declared:
            problems.append(
                doc.problem(
                    ("parameters", name),
                    f"no policy declares parameter {clip(name)}; "
                    f"known: {', '.join(sorted(declared))}",
                )
            )
            continue
        for policy in declared[name]:
            why = check_param(name, policy.parameters[name], value)
            if why:
                problems.append(doc.problem(("parameters", name), why))
                break
            overrides.setdefault(policy.id, {})[name] = value


def _per_policy(
    doc: Located,
    given: Mapping[str, Any],
    by_id: Mapping[str, Policy],
    overrides: dict[str, dict[str, Any]],
    problems: list[Problem],
) -> set[str]:
    """`policies: {id: {enabled, parameters}}`; returns the ids turned off."""
    disabled = set()
    for pid, settings in given.items():
        target = by_id.get(pid)
        if target is None:
            problems.append(
                doc.problem(
                    ("policies", pid),
                    f"unknown policy id {clip(pid)}; expected an id from `logward policies list`",
                )
            )
            continue
        if settings.get("enabled") is False:
            disabled.add(pid)
        for name, value in (settings.get("parameters") or {}).items():
            spec = target.parameters.get(name)
            if spec is None:
                problems.append(
                    doc.problem(
                        ("policies", pid, "parameters", name),
                        f"policy {pid} has no parameter {clip(name)}; expected "
                        f"one of {sorted(target.parameters)}",
                    )
                )
                continue
            why = check_param(name, spec, value)
            if why:
                problems.append(doc.problem(("policies", pid, "parameters", name), why))
                continue
            overrides.setdefault(pid, {})[name] = value
    return disabled
