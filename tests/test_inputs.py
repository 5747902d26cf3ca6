"""Bad and hostile inputs, through the real command line: exit 2 naming file, line and expectation.

Each bad file under tests/inputs/ states what the CLI must say about it in its header:
`# expect: LINE: TEXT` means a problem line `FILE:LINE: ...TEXT...` must be printed.
`# gap: LINE: TEXT` is what it should also say but does not yet (checked as a strict xfail,
so the fix is noticed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import scanner.mappings
import scanner.policy.loader
from scanner.cli import main
from scanner.data import data_dir

ROOT = Path(__file__).resolve().parent.parent
INPUTS = Path(__file__).resolve().parent / "inputs"
HEADER = re.compile(r"^# (expect|gap): (\d+): (.+?)\s*$")

POLICY_CASES = sorted(p for p in (INPUTS / "policies").glob("*/*.yaml"))
CONFIG_CASES = sorted((INPUTS / "config").glob("*.invalid.yaml"))
MAPPING_CASES = sorted((INPUTS / "mappings").glob("*/*.yaml"))


def header(path: Path, kind: str) -> list[tuple[int, str]]:
    """The (line, text) expectations of one kind in a bad file's leading comments."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = HEADER.match(line)
        if match and match.group(1) == kind:
            found.append((int(match.group(2)), match.group(3)))
    return found


def invoke(*args: str) -> tuple[int, str]:
    """Run the CLI in-process: (exit code, stdout and stderr)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def problem_lines(output: str, file: Path) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith(f"{file}:")]


def assert_reported(output: str, file: Path, expectations: list[tuple[int, str]]) -> None:
    """Every expectation is a printed problem `file:line: ...text...`."""
    lines = problem_lines(output, file)
    for line, text in expectations:
        prefix = f"{file}:{line}: "
        assert any(p.startswith(prefix) and text in p for p in lines), (
            f"expected a problem {prefix}...{text}...; got:\n{output}"
        )


def with_gaps(cases: list[Path]) -> list[Path]:
    return [c for c in cases if header(c, "gap")]


def test_every_bad_file_states_its_expectations() -> None:
    assert len(POLICY_CASES) >= 8 and len(CONFIG_CASES) >= 5 and MAPPING_CASES
    for case in POLICY_CASES + CONFIG_CASES + MAPPING_CASES:
        assert header(case, "expect"), f"{case} has no `# expect:` header"


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A logward.yaml in the working directory would be picked up by default.
    monkeypatch.chdir(tmp_path)


# --- policies --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", POLICY_CASES, ids=lambda p: p.parent.name)
def test_bad_policy_is_reported_by_validate(case: Path) -> None:
    code, output = invoke("policies", "validate", str(case.parent))
    assert code == 2, output
    assert output.startswith("invalid input:"), output
    assert_reported(output, case, header(case, "expect"))
    assert len(problem_lines(output, case)) == len(header(case, "expect")), output


@pytest.mark.parametrize("case", POLICY_CASES, ids=lambda p: p.parent.name)
def test_bad_policy_stops_a_run_before_any_output(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    code, output = invoke("demo", "--policies", str(case), "--out", str(out), "--quiet")
    assert code == 2, output
    assert_reported(output, case, header(case, "expect"))
    assert not out.exists()


def test_validate_reports_every_error_of_every_file_in_one_run() -> None:
    """Through `python -m scanner`, as a user runs it."""
    folder = INPUTS / "policies"
    result = subprocess.run(
        [sys.executable, "-m", "scanner", "policies", "validate", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2, result.stdout + result.stderr
    expected = 0
    for case in POLICY_CASES:
        assert_reported(result.stderr, case, header(case, "expect"))
        expected += len(header(case, "expect"))
    reported = [line for line in result.stderr.splitlines() if line.startswith(f"  {folder}")]
    assert len(reported) == expected, result.stderr
    assert "Traceback" not in result.stderr


def test_validate_of_a_missing_path() -> None:
    code, output = invoke("policies", "validate", "no/such/folder")
    assert code == 2
    assert "no/such/folder: no such policy file or folder" in output


# --- config files --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CONFIG_CASES, ids=lambda p: p.name.split(".")[0])
def test_bad_config(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    code, output = invoke("demo", "--config", str(case), "--out", str(out), "--quiet")
    assert code == 2, output
    assert_reported(output, case, header(case, "expect"))
    assert not out.exists()


def test_bad_config_is_found_from_the_working_directory(tmp_path: Path) -> None:
    shutil.copy(INPUTS / "config" / "wrong-type.invalid.yaml", tmp_path / "logward.yaml")
    code, output = invoke("demo", "--out", str(tmp_path / "report"), "--quiet")
    assert code == 2, output
    assert "logward.yaml:4: parameter min_retention_days expects integer" in output


# --- mappings --------------------------------------------------------------------------------


@pytest.fixture
def relocate(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """Point the shipped-data lookup of the mappings (and policies) loaders elsewhere.

    The CLI has no option or environment variable for the mappings folder: `data_dir` is the
    only seam, so the in-process CLI is redirected by patching it where it is used.
    """
    places: dict[str, Path] = {}

    def moved(name: str) -> Path:
        return places.get(name) or data_dir(name)

    monkeypatch.setattr(scanner.mappings, "data_dir", moved)
    monkeypatch.setattr(scanner.policy.loader, "data_dir", moved)
    yield places


@pytest.mark.parametrize("case", MAPPING_CASES, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("command", [("policies", "validate"), ("demo", "--quiet")])
def test_bad_mapping(
    case: Path, command: tuple[str, ...], relocate: dict[str, Path], tmp_path: Path
) -> None:
    relocate["mappings"] = case.parent
    out = tmp_path / "report"
    args = (*command, "--out", str(out)) if command[0] == "demo" else command
    code, output = invoke(*args)
    assert code == 2, output
    assert_reported(output, case, header(case, "expect"))
    assert not out.exists()


def _control_lines(file: Path, policy_id: str) -> list[int]:
    """Lines of the controls in a mapping file that name `policy_id` (parsed independently)."""
    node = yaml.compose(file.read_text(encoding="utf-8"))
    controls = next(v for k, v in node.value if k.value == "controls")
    lines = []
    for item in controls.value:
        policies = next(v for k, v in item.value if k.value == "policies")
        if any(p.value == policy_id for p in policies.value):
            lines.append(item.start_mark.line + 1)
    return lines


@pytest.fixture
def shipped_copy(tmp_path: Path, relocate: dict[str, Path]) -> dict[str, Path]:
    """Temporary copies of the shipped mappings and policies, in use by the CLI."""
    for name in ("mappings", "policies"):
        relocate[name] = tmp_path / name
        shutil.copytree(data_dir(name), relocate[name])
    return relocate


def test_mapping_naming_a_missing_policy(shipped_copy: dict[str, Path]) -> None:
    soc2 = shipped_copy["mappings"] / "soc2.yaml"
    text = soc2.read_text(encoding="utf-8")
    first = re.search(r"^    policies:\n      - \S+\n", text, re.M)
    assert first is not None
    soc2.write_text(
        text[: first.end()] + "      - aws-cloudtrail-retired-policy\n" + text[first.end() :],
        encoding="utf-8",
    )
    code, output = invoke("policies", "validate")
    assert code == 2, output
    (line,) = _control_lines(soc2, "aws-cloudtrail-retired-policy")
    assert_reported(output, soc2, [(line, "names unknown policy 'aws-cloudtrail-retired-policy'")])


def test_deleted_policy_still_mapped(shipped_copy: dict[str, Path]) -> None:
    """Deleting a policy file reports every control, in every framework, that maps it."""
    victim = next(iter(sorted(shipped_copy["policies"].rglob("*.yaml"))))
    victim.unlink()
    code, output = invoke("policies", "validate")
    assert code == 2, output
    mentioned = 0
    for file in sorted(shipped_copy["mappings"].glob("*.yaml")):
        lines = _control_lines(file, victim.stem)
        mentioned += len(lines)
        assert_reported(output, file, [(n, f"names unknown policy '{victim.stem}'") for n in lines])
    assert mentioned, f"{victim.stem} is mapped nowhere"


def _sole_mapping_nowhere(mappings: Path) -> str:
    """A policy id that no control lists alone, so removing it leaves every control valid."""
    lists = [
        c["policies"]
        for f in sorted(mappings.glob("*.yaml"))
        for c in yaml.safe_load(f.read_text(encoding="utf-8"))["controls"]
    ]
    return min(
        pid
        for policies in lists
        for pid in policies
        if all(len(ps) > 1 for ps in lists if pid in ps)
    )


def test_unmapped_policy(shipped_copy: dict[str, Path]) -> None:
    victim = _sole_mapping_nowhere(shipped_copy["mappings"])
    for file in shipped_copy["mappings"].glob("*.yaml"):
        text = file.read_text(encoding="utf-8")
        file.write_text(
            re.sub(rf"^\s+- {re.escape(victim)}\n", "", text, flags=re.M), encoding="utf-8"
        )
    code, output = invoke("policies", "validate")
    assert code == 2, output
    assert f"policy {victim} is mapped by no framework; expected it under a control" in output


def test_shipped_copy_is_valid(shipped_copy: dict[str, Path]) -> None:
    """The control for the tests above: the untouched copies validate."""
    code, output = invoke("policies", "validate")
    assert code == 0, output
    assert output.endswith("policies valid\n")


# --- command-line arguments -------------------------------------------------------------------


@pytest.mark.parametrize("command", [("demo",), ("scan", "aws", "--regions", "us-east-1")])
def test_unknown_format(command: tuple[str, ...], tmp_path: Path) -> None:
    out = tmp_path / "report"
    code, output = invoke(*command, "--format", "json,nosuch", "--out", str(out))
    assert code == 2, output
    assert "--format: unknown format(s) ['nosuch']; available: json" in output
    assert not out.exists()


@pytest.mark.parametrize("command", [("demo",), ("scan", "aws")])
def test_unknown_fail_on(command: tuple[str, ...], tmp_path: Path) -> None:
    code, output = invoke(*command, "--fail-on", "bogus", "--out", str(tmp_path / "report"))
    assert code == 2, output
    assert (
        "Invalid value for '--fail-on': 'bogus' is not one of 'critical', 'high', 'medium', "
        "'low', 'info', 'none'" in output
    )


def test_unknown_framework(tmp_path: Path) -> None:
    code, output = invoke("demo", "--frameworks", "soc3", "--out", str(tmp_path / "report"))
    assert code == 2, output
    assert "unknown framework(s) ['soc3']; available: ['gdpr', 'iso27001-2022', 'soc2']" in output


def test_unknown_policy_id_to_show() -> None:
    code, output = invoke("policies", "show", "aws-no-such-policy")
    assert code == 2
    assert "unknown policy id 'aws-no-such-policy'" in output


# --- the scan cannot run: exit 3 ----------------------------------------------------------------


def test_scan_without_credentials_exits_3(tmp_path: Path) -> None:
    """No credentials anywhere, no metadata service, and every endpoint a closed local port."""
    empty_config = tmp_path / "aws-config"
    empty_credentials = tmp_path / "aws-credentials"
    empty_config.write_text("")
    empty_credentials.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(empty_config),
        AWS_SHARED_CREDENTIALS_FILE=str(empty_credentials),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
        HOME=str(tmp_path),
        PYTHONPATH=str(ROOT),
    )
    out = tmp_path / "report"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            "aws",
            "--regions",
            "us-east-1",
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stderr.startswith("the scan could not run: cannot identify the caller")
    assert "credentials" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


# --- nothing is left unreported ------------------------------------------------------


def test_no_bad_file_has_an_open_gap() -> None:
    """A `# gap:` header names a problem logward should report and does not; there are none."""
    assert not with_gaps(POLICY_CASES + CONFIG_CASES + MAPPING_CASES)


def test_alias_bomb_is_rejected_quickly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scanner", "policies", "validate", str(INPUTS / "hostile")],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2, result.stdout + result.stderr


def test_empty_value_is_null(tmp_path: Path) -> None:
    config = tmp_path / "logward.yaml"
    config.write_text(
        "policies:\n  aws-logs-log-group-retention:\n    enabled: false\n    parameters:\n"
    )
    code, output = invoke("demo", "--config", str(config), "--out", str(tmp_path / "r"))
    assert code == 2, output
    assert (
        f"{config}:4: at policies/aws-logs-log-group-retention/parameters: None is not "
        "of type 'object'" in output
    )
