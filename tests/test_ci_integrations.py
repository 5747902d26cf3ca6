"""The CI integrations run what they declare: action.yml, .pre-commit-hooks.yaml, docs/ci.md.

Each test executes the shell the file defines (the action's `run:` script, the hook `entry`,
the GitLab job's `script:` lines) with `logward` on PATH as a shim for `python -m scanner`
from this checkout. No network: GitHub's own steps (setup-python, pip) are only checked to be
declared.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPLIANT = ROOT / "tests" / "terraform" / "fixtures" / "compliant.json"
BASH = shutil.which("bash")

pytestmark = pytest.mark.skipif(BASH is None, reason="the integrations run bash")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture
def shim_env(tmp_path: Path) -> dict[str, str]:
    """An environment whose `logward` is `python -m scanner` from this checkout."""
    bin_dir = tmp_path / "shim-bin"
    bin_dir.mkdir()
    shim = bin_dir / "logward"
    shim.write_text('#!/bin/sh\nexec "$PYTHON" -m scanner "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LOGWARD_", "INPUT_"))
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHON"] = sys.executable
    env["PYTHONPATH"] = str(ROOT)
    return env


# ----- action.yml ----------------------------------------------------------------------------

ACTION = load(ROOT / "action.yml")
INPUT_EXPR = re.compile(r"^\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}$")


def step(step_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)
    return found


@dataclass
class ActionRun:
    code: int
    output: str
    outputs: dict[str, str]
    summary: str
    workdir: Path


def run_action(workdir: Path, env: dict[str, str], **given: str) -> ActionRun:
    """Run the logward step's script as the runner would: env from inputs, `bash -eo pipefail`."""
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(given) - set(inputs)
    assert not unknown, unknown
    inputs.update(given)
    logward = step("logward")
    env = dict(env)
    for var, expr in logward["env"].items():
        match = INPUT_EXPR.match(str(expr))
        assert match, f"{var}: {expr!r} is not a plain `${{{{ inputs.X }}}}`"
        env[var] = inputs[match.group(1)]
    summary = workdir / "step-summary.md"
    outputs = workdir / "github-output"
    summary.write_text("")
    outputs.write_text("")
    env["GITHUB_STEP_SUMMARY"] = str(summary)
    env["GITHUB_OUTPUT"] = str(outputs)
    script = workdir / "logward-step.sh"
    script.write_text(logward["run"])
    assert logward["shell"] == "bash"
    # What GitHub runs for `shell: bash`.
    proc = subprocess.run(
        [BASH, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    parsed = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return ActionRun(
        proc.returncode, proc.stdout + proc.stderr, parsed, summary.read_text(), workdir
    )


def test_action_structure() -> None:
    assert ACTION["name"] == "logward plan check"
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert set(inputs) == {
        "plan",
        "fail-on",
        "baseline",
        "assume-complete",
        "format",
        "out",
        "python-version",
        "version",
    }
    assert inputs["plan"]["required"] is True
    defaults = {k: v.get("default") for k, v in inputs.items() if k != "plan"}
    assert defaults == {
        "fail-on": "high",
        "baseline": "",
        "assume-complete": "false",
        "format": "json,sarif,junit,markdown",
        "out": "logward-report",
        "python-version": "3.11",
        "version": "logward",
    }
    assert ACTION["outputs"]["results"]["value"] == "${{ steps.logward.outputs.results }}"
    assert ACTION["outputs"]["sarif"]["value"] == "${{ steps.logward.outputs.sarif }}"

    steps = ACTION["runs"]["steps"]
    setup = steps[0]
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    install = steps[1]
    assert install["env"]["LOGWARD_REQUIREMENT"] == "${{ inputs.version }}"
    assert 'pip install --disable-pip-version-check "$LOGWARD_REQUIREMENT"' in install["run"]
    assert steps[2] is step("logward")
    for s in steps:
        if "run" in s:
            assert s["shell"] == "bash"
            # Script injection: expressions only in env:, never inside the script body.
            assert "${{" not in s["run"], s["name"]


def test_action_compliant_plan(tmp_path: Path, shim_env: dict[str, str]) -> None:
    shutil.copy(COMPLIANT, tmp_path / "plan.json")
    run = run_action(tmp_path, shim_env, plan="plan.json")
    assert run.code == 0, run.output
    report = tmp_path / "logward-report"
    for name in ("results.json", "results.sarif", "results.junit.xml", "summary.md"):
        assert (report / name).is_file(), name
    assert run.outputs == {
        "results": "logward-report/results.json",
        "sarif": "logward-report/results.sarif",
    }
    assert json.loads((report / "results.sarif").read_text())["version"] == "2.1.0"
    assert run.summary == (report / "summary.md").read_text()
    assert run.summary.startswith("## logward:")


def test_action_baseline_and_assume_complete(tmp_path: Path, shim_env: dict[str, str]) -> None:
    shutil.copy(COMPLIANT, tmp_path / "plan.json")
    # Account-scope policies judged on a plan holding no metric filters: high failures, so the
    # step fails, yet the reports, outputs and step summary are still there.
    run = run_action(
        tmp_path, shim_env, plan="plan.json", **{"assume-complete": "true"}, out="main"
    )
    assert run.code == 1, run.output
    main = json.loads((tmp_path / "main" / "results.json").read_text())
    assert "aws-cloudtrail-multi-region-logging" in {f["policy_id"] for f in main["findings"]}
    assert run.outputs["results"] == "main/results.json"
    assert "failing" in run.summary and run.summary.strip()

    # The same plan against that baseline: nothing new, so the step passes.
    run = run_action(
        tmp_path,
        shim_env,
        plan="plan.json",
        **{"assume-complete": "true"},
        baseline="main/results.json",
        out="pr",
    )
    assert run.code == 0, run.output
    pr = json.loads((tmp_path / "pr" / "results.json").read_text())
    marks = {f.get("baseline") for f in pr["findings"] if f["status"] == "fail"}
    assert marks == {"existing"}

    # Without assume-complete the account-scope policies are not judged.
    run = run_action(
        tmp_path,
        shim_env,
        plan="plan.json",
        **{"assume-complete": "false"},
        out="plain",
        format="json",
    )
    assert run.code == 0, run.output
    plain = json.loads((tmp_path / "plain" / "results.json").read_text())
    assert "aws-cloudtrail-multi-region-logging" not in {f["policy_id"] for f in plain["findings"]}
    assert run.outputs == {"results": "plain/results.json", "sarif": ""}
    assert run.summary == ""  # no markdown asked for


def test_action_passes_inputs_literally(tmp_path: Path, shim_env: dict[str, str]) -> None:
    hostile = "my plans/$(touch pwned) `touch pwned2`; touch pwned3.json"
    plan = tmp_path / hostile
    plan.parent.mkdir()
    shutil.copy(COMPLIANT, plan)
    out = "out dir/$(touch pwned4);x"
    run = run_action(tmp_path, shim_env, plan=hostile, out=out, baseline="", **{"fail-on": "high"})
    assert run.code == 0, run.output
    assert (tmp_path / out / "results.json").is_file()
    assert run.outputs["results"] == f"{out}/results.json"
    created = [p.name for p in tmp_path.rglob("pwned*")]
    assert created == [], created

    # A hostile baseline value is one argument too: logward names it and exits 2.
    run = run_action(tmp_path, shim_env, plan=hostile, out="r2", baseline="base; touch pwned5")
    assert run.code == 2, run.output
    assert "base; touch pwned5" in run.output
    assert not list(tmp_path.rglob("pwned*"))


def test_action_invalid_input_writes_no_outputs(tmp_path: Path, shim_env: dict[str, str]) -> None:
    # A stale summary from an earlier run in the same folder must not be reported.
    (tmp_path / "logward-report").mkdir()
    (tmp_path / "logward-report" / "summary.md").write_text("## stale\n")
    (tmp_path / "logward-report" / "results.json").write_text("{}")
    run = run_action(tmp_path, shim_env, plan="missing.json")
    assert run.code == 2, run.output
    assert "missing.json" in run.output
    assert run.outputs == {"results": "", "sarif": ""}
    assert run.summary == ""

    shutil.copy(COMPLIANT, tmp_path / "plan.json")
    run = run_action(tmp_path, shim_env, plan="plan.json", **{"assume-complete": "maybe"})
    assert run.code == 2
    assert "assume-complete" in run.output

    run = run_action(tmp_path, shim_env, plan="plan.json", out="a\nresults=/etc/passwd")
    assert run.code == 2
    assert "results=/etc/passwd" not in (tmp_path / "github-output").read_text()


# ----- .pre-commit-hooks.yaml ----------------------------------------------------------------

HOOKS = {h["id"]: h for h in load(ROOT / ".pre-commit-hooks.yaml")}


def run_hook(
    hook: dict[str, Any],
    cwd: Path,
    env: dict[str, str],
    filenames: list[str],
    user_args: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """What pre-commit runs: shlex.split(entry) + args + (file names if pass_filenames)."""
    cmd = [
        *shlex.split(hook["entry"]),
        *(user_args if user_args is not None else hook.get("args", [])),
    ]
    if hook.get("pass_filenames", True):
        cmd += filenames
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def matching(hook: dict[str, Any], name: str) -> bool:
    return re.search(hook["files"], name) is not None


def test_hooks_declared() -> None:
    assert set(HOOKS) == {"logward-plan", "logward-policies-validate"}
    plan = HOOKS["logward-plan"]
    assert plan["language"] == "python"
    assert plan["pass_filenames"] is True and plan["require_serial"] is True
    assert "logward plan" in plan["entry"]
    validate = HOOKS["logward-policies-validate"]
    assert validate["language"] == "python"
    assert validate["entry"] == "logward policies validate"
    assert validate["pass_filenames"] is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plan.json", True),
        ("infra/prod/plan.json", True),
        ("prod.tfplan.json", True),
        ("infra/staging.tfplan.json", True),
        ("myplan.json", False),
        ("plan.json.bak", False),
        ("tfplan.json", False),
        ("infra/plan.yaml", False),
        ("prod.tfplan", False),
    ],
)
def test_plan_hook_files(name: str, expected: bool) -> None:
    assert matching(HOOKS["logward-plan"], name) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("policies/aws/s3/aws-s3-trail-bucket-sse-kms.yaml", True),
        ("policies/custom/x.yml", True),
        ("docs/policies/x.yaml", False),
        ("policies/README.md", False),
        ("mappings/soc2.yaml", False),
    ],
)
def test_validate_hook_files(name: str, expected: bool) -> None:
    assert matching(HOOKS["logward-policies-validate"], name) is expected


def test_plan_hook_checks_every_plan(tmp_path: Path, shim_env: dict[str, str]) -> None:
    hook = HOOKS["logward-plan"]
    names = ["plan.json", "infra/prod.tfplan.json", "infra/staging/plan.json"]
    for name in names:
        assert matching(hook, name)
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(COMPLIANT, tmp_path / name)
    proc = run_hook(hook, tmp_path, shim_env, names)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in names:
        report = tmp_path / "logward-report" / name.removesuffix(".json") / "results.json"
        assert report.is_file(), report
        assert json.loads(report.read_text())["summary"]["fail"] == 0

    # Options in args (--opt=value form) reach every run: account scope fails at high.
    proc = run_hook(
        hook,
        tmp_path,
        shim_env,
        names[:2],
        user_args=["--assume-complete", "--fail-on=high", "--quiet"],
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for name in names[:2]:
        data = json.loads(
            (tmp_path / "logward-report" / name.removesuffix(".json") / "results.json").read_text()
        )
        assert data["summary"]["fail"] > 0

    # The worst exit code wins: a broken plan next to a good one is invalid input.
    (tmp_path / "broken.tfplan.json").write_text("{not json")
    proc = run_hook(hook, tmp_path, shim_env, ["plan.json", "broken.tfplan.json"])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "broken.tfplan.json" in proc.stdout + proc.stderr


def test_validate_hook(tmp_path: Path, shim_env: dict[str, str]) -> None:
    hook = HOOKS["logward-policies-validate"]
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    changed = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "policies").rglob("*.y*ml"))
    assert changed and all(matching(hook, name) for name in changed)
    proc = run_hook(hook, tmp_path, shim_env, changed)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(changed)} policies valid" in proc.stdout

    # It checks the working tree's policies, not the shipped catalogue.
    broken = tmp_path / "policies" / "aws" / "s3" / "broken.yaml"
    broken.write_text("id: broken\n")
    proc = run_hook(hook, tmp_path, shim_env, [*changed, "policies/aws/s3/broken.yaml"])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "broken.yaml" in proc.stdout + proc.stderr


# ----- docs/ci.md: the GitLab job ------------------------------------------------------------


def gitlab_snippet() -> dict[str, Any]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    heading = re.search(r"^#+ .*GitLab.*$", text, re.MULTILINE)
    assert heading, "docs/ci.md has no GitLab heading"
    block = re.search(r"^```yaml\n(.*?)^```", text[heading.end() :], re.MULTILINE | re.DOTALL)
    assert block, "no ```yaml block after the GitLab heading"
    loaded: dict[str, Any] = yaml.safe_load(block.group(1))
    return loaded


def test_gitlab_snippet_runs(tmp_path: Path, shim_env: dict[str, str]) -> None:
    config = gitlab_snippet()
    jobs = {name: job for name, job in config.items() if isinstance(job, dict) and "script" in job}
    logward_jobs = [
        job for job in jobs.values() if any(re.match(r"logward\b", line) for line in job["script"])
    ]
    assert len(logward_jobs) == 1
    job = logward_jobs[0]
    assert job["image"] == "python:3.11"
    assert "pip install logward" in job["script"]
    assert job["artifacts"]["when"] == "always"
    junit = job["artifacts"]["reports"]["junit"]

    # The plan file the terraform job writes is the one the logward job reads.
    shows = [
        line
        for j in jobs.values()
        for line in j["script"]
        if line.startswith("terraform show -json")
    ]
    assert len(shows) == 1
    plan_name = re.search(r">\s*(\S+)\s*$", shows[0])
    assert plan_name
    shutil.copy(COMPLIANT, tmp_path / plan_name.group(1))

    ran = 0
    for line in job["script"]:
        if line.startswith(("pip ", "terraform ")):
            continue
        assert line.startswith("logward "), line
        proc = subprocess.run(
            [BASH, "-eo", "pipefail", "-c", line],
            cwd=tmp_path,
            env=shim_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        ran += 1
    assert ran == 1
    assert (tmp_path / junit).is_file()
    assert (tmp_path / junit).read_text().lstrip().startswith("<?xml")
