"""Compliance frameworks: controls mapped to policy ids, and the roll-up of findings to controls."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scanner.data import data_dir, schema
from scanner.errors import InputError, Problem
from scanner.model import Finding, Status, worst
from scanner.yamlload import Located, load_file, schema_problems


@dataclass(frozen=True)
class Control:
    """One control of a framework and the policies that evidence it."""

    framework: str
    id: str
    title: str
    description: str
    policies: tuple[str, ...]
    line: int | None


@dataclass(frozen=True)
class Framework:
    """A framework file: its controls in file order."""

    id: str
    title: str
    version: str
    description: str
    controls: tuple[Control, ...]
    file: str
    # Fragments of registered clouds that add policies to this framework's controls.
    extra_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlResult:
    """A control's status rolled up from its policies' findings (fail > error > unknown > pass)."""

    control: Control
    status: Status
    counts: Mapping[str, int]
    findings: int

    def to_json(self) -> dict[str, Any]:
        """JSON form used in results."""
        c = self.control
        return {
            "framework": c.framework,
            "control_id": c.id,
            "title": c.title,
            "status": self.status.value,
            "policies": list(c.policies),
            "counts": dict(self.counts),
            "findings": self.findings,
        }


def load_frameworks(
    folder: Path | None = None, only: Iterable[str] | None = None
) -> list[Framework]:
    """Load and validate every mapping file (default: the shipped ones, with the fragments
    registered clouds ship in their mapping folders)."""
    fragments = _fragment_files() if folder is None else []
    folder = folder or data_dir("mappings")
    wanted = set(only) if only else None
    frameworks = []
    problems: list[Problem] = []
    for file in sorted(folder.glob("*.yaml")):
        try:
            doc = load_file(file)
            found = schema_problems(doc, schema("mapping"))
            if found:
                problems.extend(found)
                continue
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        framework = _framework(doc, file)
        if framework.id != file.stem:
            problems.append(
                doc.problem(
                    ("framework",),
                    f"framework {framework.id!r} must equal the file name {file.stem!r}",
                )
            )
        frameworks.append(framework)
    frameworks = _extend(frameworks, fragments, problems)
    if problems:
        raise InputError(problems)
    if wanted:
        known = {f.id for f in frameworks} | {_alias(f.id) for f in frameworks}
        missing = sorted(wanted - known)
        if missing:
            raise InputError(
                f"unknown framework(s) {missing}; available: "
                f"{sorted(p.stem for p in folder.glob('*.yaml'))}"
            )
        frameworks = [f for f in frameworks if f.id in wanted or _alias(f.id) in wanted]
    return frameworks


def framework_files(framework_id: str) -> list[Path]:
    """The files a shipped framework is read from: its mapping and the fragments of
    registered clouds that extend it."""
    base = data_dir("mappings") / f"{framework_id}.yaml"
    return [base, *(f for f in _fragment_files() if f.stem == framework_id)]


def _fragment_files() -> list[Path]:
    from scanner import providers

    return [
        file
        for adapter in providers.adapters()
        for folder in adapter.mapping_dirs
        for file in sorted(Path(folder).glob("*.yaml"))
    ]


def _extend(
    frameworks: list[Framework], fragments: Iterable[Path], problems: list[Problem]
) -> list[Framework]:
    """Frameworks with each fragment's policies added to its controls (a control the
    framework lacks is added when the fragment describes it in full)."""
    by_id = {f.id: f for f in frameworks}
    for file in fragments:
        try:
            doc = load_file(file)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        found = schema_problems(doc, schema("mapping-fragment"))
        if found:
            problems.extend(found)
            continue
        data = doc.data
        base = by_id.get(data["framework"])
        if base is None or data["framework"] != file.stem:
            problems.append(
                doc.problem(
                    ("framework",),
                    f"framework {data['framework']!r} extends nothing; expected the id of a "
                    f"shipped framework ({', '.join(sorted(by_id))}) equal to the file name",
                )
            )
            continue
        controls = {c.id: c for c in base.controls}
        for i, item in enumerate(data["controls"]):
            known = controls.get(item["id"])
            if known is None and not ("title" in item and "description" in item):
                problems.append(
                    doc.problem(
                        ("controls", i, "id"),
                        f"control {item['id']!r} is not in {base.id}; expected an existing "
                        f"control ({', '.join(controls)}) or a new one with title and "
                        "description",
                    )
                )
                continue
            if known is None:
                controls[item["id"]] = Control(
                    framework=base.id,
                    id=item["id"],
                    title=item["title"],
                    description=" ".join(item["description"].split()),
                    policies=tuple(item["policies"]),
                    line=doc.line(("controls", i)),
                )
            else:
                added = tuple(p for p in item["policies"] if p not in known.policies)
                controls[item["id"]] = replace(known, policies=known.policies + added)
        by_id[base.id] = replace(
            base, controls=tuple(controls.values()), extra_files=(*base.extra_files, str(file))
        )
    return [by_id[f.id] for f in frameworks]


def _alias(framework_id: str) -> str:
    """`iso27001-2022` may be asked for as `iso27001`."""
    return framework_id.split("-", 1)[0]


def _framework(doc: Located, file: Path) -> Framework:
    data = doc.data
    controls = tuple(
        Control(
            framework=data["framework"],
            id=c["id"],
            title=c["title"],
            description=" ".join(c["description"].split()),
            policies=tuple(c["policies"]),
            line=doc.line(("controls", i)),
        )
        for i, c in enumerate(data["controls"])
    )
    return Framework(
        id=data["framework"],
        title=data["title"],
        version=str(data["version"]),
        description=" ".join(data["description"].split()),
        controls=controls,
        file=str(file),
    )


def check_references(frameworks: Iterable[Framework], policy_ids: Iterable[str]) -> list[Problem]:
    """Problems for every mapped policy id that does not exist."""
    known = set(policy_ids)
    return [
        Problem(
            f.file,
            c.line,
            f"control {c.id} names unknown policy {pid!r}; expected an "
            "id from `logward policies list`",
        )
        for f in frameworks
        for c in f.controls
        for pid in c.policies
        if pid not in known
    ]


def unmapped(frameworks: Iterable[Framework], policy_ids: Iterable[str]) -> list[str]:
    """Policy ids that no control of any framework maps."""
    mapped = {pid for f in frameworks for c in f.controls for pid in c.policies}
    return sorted(set(policy_ids) - mapped)


def roll_up(
    frameworks: Iterable[Framework], findings: Iterable[Finding], evaluated: Iterable[str]
) -> list[ControlResult]:
    """Each control's status from its policies' findings; a control none of whose policies was
    evaluated in this run is `unknown` (nothing was looked at, which is not a pass)."""
    by_policy: dict[str, Counter[str]] = defaultdict(Counter)
    for finding in findings:
        by_policy[finding.policy_id][finding.status.value] += 1
    return roll_up_counts(frameworks, by_policy, evaluated)


def roll_up_counts(
    frameworks: Iterable[Framework], by_policy: Mapping[str, Counter[str]], evaluated: Iterable[str]
) -> list[ControlResult]:
    """roll_up from finding counts per policy and status (all a control's status needs)."""
    ran = set(evaluated)
    results = []
    for framework in frameworks:
        for control in framework.controls:
            counts: Counter[str] = Counter()
            for pid in control.policies:
                counts.update(by_policy.get(pid, Counter()))
            statuses = [Status(s) for s, n in counts.items() if n]
            if not any(pid in ran for pid in control.policies):
                status = Status.UNKNOWN
            else:
                status = worst(statuses)
            results.append(
                ControlResult(
                    control=control,
                    status=status,
                    counts={s.value: counts.get(s.value, 0) for s in Status},
                    findings=sum(counts.values()),
                )
            )
    return results
