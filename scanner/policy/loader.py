"""Load policy YAML files, validate them against the policy schema (completed with what the
registered clouds add: their names and operators) and the resource schemas (every attribute
path, link and type), and compile them."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.data import data_dir, schema
from scanner.errors import InputError, Problem, clip
from scanner.model import Severity
from scanner.policy.lang import CompileError, Compiler, Node
from scanner.policy.paths import problems as path_problems
from scanner.reading import decode, read_bytes
from scanner.yamlload import Located, load_text, schema_problems

_PARAM_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
    "list": (list,),
}


@dataclass(frozen=True)
class Policy:
    """One policy as written: metadata plus the raw condition (compiled per parameter set)."""

    id: str
    title: str
    description: str
    severity: Severity
    provider: str
    resource: str
    category: str
    condition: Any
    select: Any
    parameters: Mapping[str, Mapping[str, Any]]
    remediation: Mapping[str, str]
    references: tuple[Mapping[str, str], ...]
    report: tuple[str, ...]
    evaluate_on: tuple[str, ...]
    file: str
    digest: str
    doc: Located = field(repr=False, compare=False)
    # Whether the policy judges a whole account (its cloud's account or location type), and
    # so needs the whole account: a plan judges it only with --assume-complete.
    account_scope: bool = False

    def defaults(self) -> dict[str, Any]:
        """The parameter defaults."""
        return {name: spec["default"] for name, spec in self.parameters.items()}


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy with its effective parameters and compiled condition."""

    policy: Policy
    params: Mapping[str, Any]
    condition: Node
    select: Node | None


def _fits(kind: str, value: Any) -> bool:
    types = _PARAM_TYPES[kind]
    return isinstance(value, types) and (bool in types or not isinstance(value, bool))


def _item_kind(spec: Mapping[str, Any]) -> str | None:
    """What a list parameter's items must be: `items` when declared, else the type its
    default's items share (None: any scalar)."""
    if spec.get("items") in _PARAM_TYPES:
        return str(spec["items"])
    default = spec.get("default")
    if isinstance(default, list) and default:
        for kind in ("boolean", "integer", "number", "string"):
            if all(_fits(kind, d) for d in default):
                return kind
    return None


def _list_problem(name: str, spec: Mapping[str, Any], value: list[Any]) -> str | None:
    kind = _item_kind(spec)
    for i, item in enumerate(value):
        if kind is not None and not _fits(kind, item):
            return f"parameter {name} expects a list of {kind}s, got {clip(item)} at item {i}"
        if not isinstance(item, str | int | float | bool):
            return f"parameter {name} expects a list of values, got {clip(item)} at item {i}"
    return None


def check_param(name: str, spec: Mapping[str, Any], value: Any) -> str | None:
    """Why `value` is not acceptable for the parameter, or None."""
    if not _fits(spec["type"], value):
        return f"parameter {name} expects {spec['type']}, got {clip(value)}"
    if "minimum" in spec and isinstance(value, int | float) and value < spec["minimum"]:
        return f"parameter {name} must be >= {spec['minimum']}, got {clip(value)}"
    if "enum" in spec and value not in spec["enum"]:
        return f"parameter {name} must be one of {clip(spec['enum'])}, got {clip(value)}"
    if isinstance(value, list):
        return _list_problem(name, spec, value)
    return None


def _policy_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")))
        elif path.exists() or path.is_symlink():
            # A dangling or looping link is read, and refused, by the reader with its reason.
            files.append(path)
        else:
            raise InputError(Problem(str(path), None, "no such policy file or folder"))
    return files


def catalogue() -> list[Path]:
    """The folders of the default catalogue: the shipped policies, and the policy folders of
    registered clouds that ship elsewhere."""
    from scanner import providers

    extra = [Path(folder) for adapter in providers.adapters() for folder in adapter.policy_dirs]
    return [data_dir("policies"), *dict.fromkeys(extra)]


def policy_schema() -> dict[str, Any]:
    """The policy schema with what the registered clouds add: their names (`provider`,
    `resource`) and their operators."""
    from scanner import providers

    names = providers.names()
    found = copy.deepcopy(schema("policy"))
    found["properties"]["provider"] = {"enum": names}
    found["properties"]["resource"]["pattern"] = (
        "^(" + "|".join(re.escape(n) for n in names) + r")\.[a-z0-9_]+(\.[a-z0-9_]+)*$"
    )
    comparison = found["$defs"]["comparison"]["properties"]
    for name in providers.operators():
        comparison.setdefault(name, {"$ref": "#/$defs/value"})
    return found


def load_policies(paths: Iterable[Path] | None = None) -> list[Policy]:
    """Load and validate every policy under `paths` (default: the catalogue).

    Collects every problem in every file before raising, so one run reports them all.
    """
    files = _policy_files(list(paths) if paths else catalogue())
    checks = _Checks()
    problems: list[Problem] = []
    policies: list[Policy] = []
    seen: dict[str, str] = {}
    for file in files:
        try:
            policy = _load_one(file, checks)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if policy.id in seen:
            problems.append(
                policy.doc.problem(
                    ("id",), f"duplicate policy id {policy.id!r} (also in {seen[policy.id]})"
                )
            )
            continue
        seen[policy.id] = policy.file
        policies.append(policy)
    if problems:
        raise InputError(problems)
    return policies


class _Checks:
    """What every policy of one load is checked against, looked up once."""

    def __init__(self) -> None:
        from scanner import providers
        from scanner.providers.base import account_scope_types

        self.schema = policy_schema()
        self.resources = providers.resource_schemas()
        self.links = {t: s.get("x-links") or {} for t, s in self.resources.items()}
        self.account_scope = account_scope_types(providers.adapters())


def _identity_problems(doc: Located, file: Path) -> list[Problem]:
    """The id is the file name, and the resource type is the provider's."""
    data = doc.data
    problems = []
    provider, rtype = data.get("provider"), data.get("resource")
    if isinstance(provider, str) and isinstance(rtype, str) and rtype.split(".")[0] != provider:
        problems.append(
            doc.problem(
                ("resource",),
                f"resource {clip(rtype)} is not a type of provider {clip(provider)}; "
                f"expected a type named {provider}.<service>.<kind>",
            )
        )
    if isinstance(data.get("id"), str) and data["id"] != file.stem:
        problems.append(
            doc.problem(("id",), f"id {clip(data['id'])} must equal the file name {file.stem!r}")
        )
    return problems


def _parameter_problems(doc: Located, params: Any) -> list[Problem]:
    """Each declared default fits its declared type."""
    problems = []
    if isinstance(params, dict):
        for name, spec in params.items():
            if isinstance(spec, dict) and spec.get("type") in _PARAM_TYPES and "default" in spec:
                why = check_param(name, spec, spec["default"])
                if why:
                    problems.append(doc.problem(("parameters", name, "default"), why))
    return problems


def _condition_problems(doc: Located, params: Any) -> list[Problem]:
    """Compile once with the declared defaults, whatever else is wrong in the file, so one run
    reports condition errors beside the others."""
    data = doc.data
    defaults = (
        {n: s.get("default") for n, s in params.items() if isinstance(s, dict)}
        if isinstance(params, dict)
        else {}
    )
    problems = []
    for key in ("select", "condition"):
        if key in data:
            errors: list[CompileError] = []
            try:
                Compiler(defaults, errors).compile(data[key], (key,))
            except CompileError as first:
                errors.append(first)
            for err in errors:
                where = "/".join(str(p) for p in err.path)
                problems.append(doc.problem(err.path, f"at {where}: {err.message}"))
    return problems


def _load_one(file: Path, checks: _Checks) -> Policy:
    raw = read_bytes(file, "policy file")
    doc = load_text(decode(raw, str(file)), str(file))
    if not isinstance(doc.data, dict):
        raise InputError(doc.problem((), "expected a policy mapping at the top level"))
    # Conditions are checked by the compiler, whose messages name the exact operator or key.
    problems = schema_problems(doc, checks.schema, skip=("condition", "select"))
    data = doc.data
    problems += _identity_problems(doc, file)
    params = data.get("parameters") or {}
    problems += _parameter_problems(doc, params)
    problems += _condition_problems(doc, params)
    for path, message in path_problems(data, checks.resources, checks.links):
        where = "/".join(str(p) for p in path)
        problems.append(doc.problem(path, f"at {where}: {message}"))
    problems.sort(key=lambda p: p.line or 0)
    if problems:
        raise InputError(problems)
    return Policy(
        id=data["id"],
        title=data["title"],
        description=data["description"].strip(),
        severity=Severity(data["severity"]),
        provider=data["provider"],
        resource=data["resource"],
        category=data["category"],
        condition=data["condition"],
        select=data.get("select"),
        parameters=params,
        remediation=data["remediation"],
        references=tuple(data["references"]),
        report=tuple(data.get("report", ())),
        evaluate_on=tuple(data.get("evaluate_on", ("live", "plan"))),
        file=str(file),
        digest=hashlib.sha256(raw).hexdigest(),
        doc=doc,
        account_scope=data["resource"] in checks.account_scope,
    )


def compile_policies(
    policies: Iterable[Policy], overrides: Mapping[str, Mapping[str, Any]]
) -> list[CompiledPolicy]:
    """Compile each policy with its defaults overridden by `overrides[policy_id]`."""
    compiled = []
    problems: list[Problem] = []
    for policy in policies:
        params = {**policy.defaults(), **overrides.get(policy.id, {})}
        compiler = Compiler(params)
        try:
            compiled.append(
                CompiledPolicy(
                    policy=policy,
                    params=params,
                    condition=compiler.compile(policy.condition, ("condition",)),
                    select=compiler.compile(policy.select, ("select",)) if policy.select else None,
                )
            )
        except CompileError as exc:
            # The defaults compiled at load time, so an override made the value invalid.
            changed = sorted(overrides.get(policy.id, {}))
            problems.append(
                policy.doc.problem(exc.path, f"with parameter override(s) {changed}: {exc.message}")
            )
    if problems:
        raise InputError(problems)
    return compiled


def policy_set_hash(
    policies: Iterable[Policy], params: Mapping[str, Mapping[str, Any]] | None = None
) -> str:
    """SHA-256 over the sorted policy ids, file digests and effective parameters: names the
    exact rule set a run applied (disabled policies and overrides change it)."""
    digest = hashlib.sha256()
    for policy in sorted(policies, key=lambda p: p.id):
        effective = json.dumps((params or {}).get(policy.id, {}), sort_keys=True, default=str)
        digest.update(f"{policy.id}\0{policy.digest}\0{effective}\n".encode())
    return digest.hexdigest()
