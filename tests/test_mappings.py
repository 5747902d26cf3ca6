"""Framework mappings: every id exists, every policy is mapped, the required controls are there,
and the roll-up of findings to controls orders fail > error > unknown > pass."""

from __future__ import annotations

import pytest

from scanner.mappings import (
    Control,
    Framework,
    check_references,
    load_frameworks,
    roll_up,
    unmapped,
)
from scanner.model import Finding, Status
from scanner.policy.loader import load_policies

FRAMEWORKS = {f.id: f for f in load_frameworks()}
POLICY_IDS = sorted(p.id for p in load_policies())

REQUIRED = {
    "soc2": ["CC6.1", "CC6.6", "CC7.1", "CC7.2", "CC7.3", "CC8.1", "C1.2", "A1.2"],
    "iso27001-2022": [
        "A.5.28",
        "A.5.33",
        "A.8.15",
        "A.8.16",
        "A.8.17",
        "A.8.24",
        "A.8.2",
        "A.8.10",
    ],
    "gdpr": ["Art. 5(1)(e)", "Art. 5(1)(f)", "Art. 30", "Art. 32", "Art. 33"],
}


def test_every_mapped_policy_id_exists() -> None:
    problems = check_references(FRAMEWORKS.values(), POLICY_IDS)
    assert [str(p) for p in problems] == []


def test_every_policy_is_mapped_by_a_framework() -> None:
    assert unmapped(FRAMEWORKS.values(), POLICY_IDS) == []


@pytest.mark.parametrize(
    ("framework", "control"), [(f, c) for f, controls in REQUIRED.items() for c in controls]
)
def test_required_control_is_present_and_evidenced(framework: str, control: str) -> None:
    controls = {c.id: c for c in FRAMEWORKS[framework].controls}
    assert control in controls, f"{framework} lacks {control}"
    assert controls[control].policies, f"{framework} {control} names no policy"


def test_control_ids_are_unique_per_framework() -> None:
    for framework in FRAMEWORKS.values():
        ids = [c.id for c in framework.controls]
        assert len(ids) == len(set(ids)), framework.id


def test_framework_alias() -> None:
    (iso,) = load_frameworks(only=["iso27001"])
    assert iso.id == "iso27001-2022"


# --- roll-up ----------------------------------------------------------------------------------


def control(cid: str, *policies: str) -> Control:
    return Control(
        framework="test", id=cid, title=cid, description="", policies=policies, line=None
    )


def finding(policy_id: str, status: Status, n: int = 0) -> Finding:
    return Finding(
        policy_id=policy_id,
        status=status,
        severity="high",
        resource_id=f"r{n}",
        resource_type="aws.x.y",
        resource_name=f"r{n}",
        provider="aws",
        account="111111111111",
        region="us-east-1",
        message="m",
    )


def rolled(
    statuses_by_policy: dict[str, list[Status]],
    *controls: Control,
    evaluated: list[str] | None = None,
) -> dict[str, Status]:
    framework = Framework(
        id="test", title="Test", version="1", description="", controls=controls, file="test.yaml"
    )
    findings = [
        finding(pid, s, i) for pid, ss in statuses_by_policy.items() for i, s in enumerate(ss)
    ]
    ran = list(statuses_by_policy) if evaluated is None else evaluated
    return {r.control.id: r.status for r in roll_up([framework], findings, ran)}


P, F, E, U = Status.PASS, Status.FAIL, Status.ERROR, Status.UNKNOWN


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([P, U, E, F], F),
        ([F, P], F),
        ([P, P, E], E),
        ([U, E], E),
        ([P, U], U),
        ([U], U),
        ([P, P], P),
    ],
)
def test_roll_up_order_within_a_policy(statuses: list[Status], expected: Status) -> None:
    assert rolled({"a": statuses}, control("C1", "a")) == {"C1": expected}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([P], [F], F),
        ([E], [F], F),
        ([E], [U], E),
        ([U], [P], U),
        ([P], [P], P),
    ],
)
def test_roll_up_order_across_policies(a: list[Status], b: list[Status], expected: Status) -> None:
    assert rolled({"a": a, "b": b}, control("C1", "a", "b")) == {"C1": expected}


def test_roll_up_of_controls_that_share_policies() -> None:
    got = rolled(
        {"a": [P], "b": [U], "c": [F]},
        control("C1", "a"),
        control("C2", "a", "b"),
        control("C3", "b", "c"),
    )
    assert got == {"C1": P, "C2": U, "C3": F}


def test_control_whose_policies_did_not_run_is_unknown() -> None:
    """Nothing was looked at, which is not a pass (e.g. --frameworks with a filtered run)."""
    got = rolled({"a": [P]}, control("C1", "a"), control("C2", "z"), control("C3"))
    assert got == {"C1": P, "C2": U, "C3": U}


def test_control_whose_policy_ran_without_findings_passes() -> None:
    assert rolled({}, control("C1", "a"), evaluated=["a"]) == {"C1": P}


def test_roll_up_counts_and_json() -> None:
    framework = Framework(
        id="test",
        title="Test",
        version="1",
        description="",
        controls=(control("C1", "a", "b"),),
        file="test.yaml",
    )
    findings = [finding("a", F, 0), finding("a", P, 1), finding("b", P, 2), finding("other", F, 3)]
    (result,) = roll_up([framework], findings, ["a", "b", "other"])
    assert result.findings == 3
    assert result.to_json() == {
        "framework": "test",
        "control_id": "C1",
        "title": "C1",
        "status": "fail",
        "policies": ["a", "b"],
        "counts": {"pass": 2, "fail": 1, "error": 0, "unknown": 0},
        "findings": 3,
    }


def test_roll_up_keeps_file_order() -> None:
    got = rolled({"a": [P]}, control("Z9", "a"), control("A1", "a"), control("M5", "a"))
    assert list(got) == ["Z9", "A1", "M5"]
