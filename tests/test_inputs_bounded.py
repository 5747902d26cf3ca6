"""Hostile and extreme inputs, through `python -m scanner` as a user runs it: each ends with the
exit code and the message of the table below, within bounded time and memory.

Small files are committed under tests/inputs/bounded/; what is huge or cannot be committed
(100 MB, a FIFO, /dev/zero, link loops) is made in tmp_path. Each command runs in a child
process with a hard address-space limit (RLIMIT_AS, a safety net) and must finish within
30 s and 500 MB of resident memory (ru_maxrss of that child, from wait4; see
tests/support/bounded.py): generous
bounds, far above what a loaded 2-core machine needs, and far below what the unbounded readers
took (hangs past 20 s, 2.3-3.7 GB).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.bounded import BOUNDED, ROOT, assert_bounded, large_results, run_bounded

PLAN = ROOT / "tests" / "terraform" / "fixtures" / "compliant.json"
MESSAGE_MAX = 6000  # characters of output an invalid input may cause


# --- files made at test time ----------------------------------------------------------------

Make = Callable[[Path], Path]


COMMITTED: set[str] = {"valid.results.json", "aws-inputs-backtracking.yaml"}


def committed(name: str) -> Make:
    COMMITTED.add(name)
    return lambda _tmp: BOUNDED / name


def _directory_named_yaml(tmp: Path) -> Path:
    (tmp / "logward.yaml").mkdir()
    return tmp / "logward.yaml"


def _policy_folder_with_directory(tmp: Path) -> Path:
    (tmp / "policies" / "aws-x.yaml").mkdir(parents=True)
    return tmp / "policies"


def _symlink_loop(tmp: Path) -> Path:
    (tmp / "loop.yaml").symlink_to("loop.yaml")
    return tmp / "loop.yaml"


def _policy_folder_with_dangling_link(tmp: Path) -> Path:
    (tmp / "policies").mkdir()
    (tmp / "policies" / "aws-gone.yaml").symlink_to("nowhere.yaml")
    return tmp / "policies"


def _fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "config.yaml")
    return tmp / "config.yaml"


def _sparse(size: int) -> Make:
    def make(tmp: Path) -> Path:
        with (tmp / "big.json").open("wb") as handle:
            handle.truncate(size)
        return tmp / "big.json"

    return make


def _policy_with_long_string(tmp: Path) -> Path:
    text = (BOUNDED / "aws-inputs-small-aliases.yaml").read_text(encoding="utf-8")
    text = text.replace("severity: low", "severity: " + "x" * 10_000_000)
    (tmp / "aws-inputs-small-aliases.yaml").write_text(text, encoding="utf-8")
    return tmp / "aws-inputs-small-aliases.yaml"


def _backtracking_plan(tmp: Path) -> Path:
    text = PLAN.read_text(encoding="utf-8").replace('"acme-trail"', '"' + "a" * 60 + '!"')
    (tmp / "plan.json").write_text(text, encoding="utf-8")
    return tmp / "plan.json"


def _large_results(megabytes: float, bad_last: bool = False) -> Make:
    return lambda tmp: large_results(tmp, megabytes, bad_last)


# --- the table ----------------------------------------------------------------------------

NUMBER_POLICY = committed("aws-inputs-number-parameter.yaml")(Path())
POLICY = ["policies", "validate", "{file}"]
CONFIG = ["plan", str(PLAN), "--config", "{file}", "--out", "{out}", "--quiet"]
PLAN_FILE = ["plan", "{file}", "--out", "{out}", "--quiet"]
REPORT = ["report", "{file}", "--out", "{out}", "--format", "json"]
BASELINE = ["plan", str(PLAN), "--baseline", "{file}", "--out", "{out}", "--quiet"]


@dataclass(frozen=True)
class Case:
    """A command on one input, and what it must print: `{file}:{line}: {text}` (or
    `{file}: {text}` when line is None; `where` overrides the file shown)."""

    id: str
    make: Make
    args: list[str]
    text: str
    line: int | None = None
    code: int = 2
    env: dict[str, str] = field(default_factory=dict)
    where: str | None = None


CASES = [
    # YAML aliases: expansion capped, cycles refused; the small sibling stays valid.
    Case(
        "alias-bomb-in-condition",
        committed("aws-inputs-alias-bomb-condition.yaml"),
        POLICY,
        "aliases expand the document to more than 100000 values",
        line=18,
    ),
    Case(
        "alias-bomb-in-config",
        committed("alias-bomb.config.yaml"),
        CONFIG,
        "aliases expand the document to more than 100000 values",
        line=6,
    ),
    Case(
        "alias-cycle",
        committed("aws-inputs-alias-cycle.yaml"),
        POLICY,
        "alias *loop refers to a node that contains it",
        line=12,
    ),
    Case("small-aliases", committed("aws-inputs-small-aliases.yaml"), POLICY, "", code=0),
    # Nesting depth: every reader, one cap.
    Case(
        "not-chain",
        committed("aws-inputs-not-chain.yaml"),
        POLICY,
        "nested deeper than 100 levels",
        line=12,
    ),
    Case("not-chain-40", committed("aws-inputs-not-chain-40.yaml"), POLICY, "", code=0),
    Case("deep-config", committed("deep.config.yaml"), CONFIG, "nested deeper than 100", line=2),
    Case("deep-plan", committed("deep.plan.json"), PLAN_FILE, "nested deeper than 100 levels"),
    Case("deep-results", committed("deep.results.json"), REPORT, "nested deeper than 100 levels"),
    Case(
        "deep-baseline",
        committed("deep.baseline.json"),
        BASELINE,
        "nested deeper than 100 levels",
    ),
    # Files that are not regular files, and the size limit.
    Case(
        "directory-named-yaml",
        _directory_named_yaml,
        CONFIG,
        "is a directory; expected a configuration file",
    ),
    Case(
        "directory-in-policy-folder",
        _policy_folder_with_directory,
        POLICY,
        "is a directory; expected a policy file",
        where="{file}/aws-x.yaml",
    ),
    Case("symlink-loop", _symlink_loop, CONFIG, "is a symbolic link loop"),
    Case(
        "dangling-symlink",
        _policy_folder_with_dangling_link,
        POLICY,
        "is a dangling symbolic link (to 'nowhere.yaml')",
        where="{file}/aws-gone.yaml",
    ),
    Case("fifo", _fifo, CONFIG, "is a FIFO (named pipe), not a regular file"),
    Case(
        "dev-zero",
        lambda _tmp: Path("/dev/zero"),
        PLAN_FILE,
        "is a character device, not a regular file",
    ),
    Case(
        "over-the-size-limit",
        _sparse(65 * 2**20),
        PLAN_FILE,
        "is 65.0 MiB; logward reads input files of at most 64.0 MiB "
        "(set LOGWARD_MAX_INPUT_MB to raise the limit)",
    ),
    Case(
        "lowered-size-limit",
        lambda _tmp: BOUNDED / "valid.results.json",
        REPORT,
        "is 55.6 KiB; logward reads input files of at most 51.2 KiB",
        env={"LOGWARD_MAX_INPUT_MB": "0.05"},
    ),
    Case(
        "raised-size-limit",
        _sparse(65 * 2**20),
        PLAN_FILE,
        "not valid JSON",
        line=1,
        env={"LOGWARD_MAX_INPUT_MB": "66"},
    ),
    Case(
        "size-limit-not-a-number",
        lambda _tmp: PLAN,
        PLAN_FILE,
        "'lots' is not a size; expected a number of MiB > 0",
        env={"LOGWARD_MAX_INPUT_MB": "lots"},
        where="$LOGWARD_MAX_INPUT_MB",
    ),
    Case("not-utf8", committed("latin1.config.yaml"), CONFIG, "not UTF-8 text", line=1),
    # Regular expressions: RE2 is linear; what it cannot run is refused at load.
    Case(
        "backreference",
        committed("aws-inputs-backreference.yaml"),
        POLICY,
        "expected RE2 syntax (no backreferences or lookaround)",
        line=13,
    ),
    # Numbers and parameters.
    Case(
        "5000-digit-integer",
        committed("long-integer.config.yaml"),
        CONFIG,
        "a number of 5000 digits; expected at most 4300 digits",
        line=5,
    ),
    Case(
        "5000-digit-integer-in-plan",
        committed("long-integer.plan.json"),
        PLAN_FILE,
        "an integer of 5000 digits; expected at most 4300 digits",
    ),
    Case(
        "list-items-of-wrong-type",
        committed("wrong-item-type.config.yaml"),
        CONFIG,
        "parameter traffic_types expects a list of strings, got 1 at item 0",
        line=5,
    ),
    Case(
        "nan-parameter",
        committed("nan.config.yaml"),
        [*CONFIG, "--policies", str(NUMBER_POLICY)],
        "'.nan' is not a finite number",
        line=3,
    ),
    Case(
        "infinite-parameter",
        committed("infinity.config.yaml"),
        [*CONFIG, "--policies", str(NUMBER_POLICY)],
        "'1.0e+400' is not a finite number",
        line=5,
    ),
    # Plans: the JSON types logward reads, each key once.
    Case(
        "planned-values-list",
        committed("planned-values-list.plan.json"),
        PLAN_FILE,
        "at planned_values: [] is not of type 'object'",
    ),
    Case(
        "values-string",
        committed("values-string.plan.json"),
        PLAN_FILE,
        "at planned_values/root_module/resources/0/values: 'none' is not of type 'object'",
    ),
    Case(
        "configuration-list",
        committed("configuration-list.plan.json"),
        PLAN_FILE,
        "at configuration: ['x'] is not of type 'object'",
    ),
    Case(
        "variables-string",
        committed("variables-string.plan.json"),
        PLAN_FILE,
        "at variables: 'prod' is not of type 'object'",
    ),
    Case(
        "change-string",
        committed("change-string.plan.json"),
        PLAN_FILE,
        "at resource_changes/0/change: 'create' is not of type 'object'",
    ),
    Case(
        "plan-duplicate-key",
        committed("duplicate-key.plan.json"),
        PLAN_FILE,
        "duplicate key 'planned_values'; expected each key once",
    ),
    # results.json for `logward report`.
    Case(
        "results-duplicate-key",
        committed("duplicate-key.results.json"),
        REPORT,
        "duplicate key 'status'; expected each key once",
        line=22,
    ),
    Case(
        "results-nan",
        committed("nan.results.json"),
        REPORT,
        "NaN is not a JSON number; expected a finite number",
        line=22,
    ),
    Case(
        "results-bad-type",
        committed("bad-type.results.json"),
        REPORT,
        "at findings/0/status: 5 is not one of",
        line=22,
    ),
    Case(
        "results-100-mb",
        _large_results(100),
        REPORT,
        "is 100.0 MiB; logward reads input files of at most 64.0 MiB",
    ),
    Case("results-30-mb", _large_results(30), REPORT, "", code=0),
    # A 10 MB string is clipped, not echoed.
    Case(
        "10-mb-string",
        _policy_with_long_string,
        POLICY,
        "\u2026 (10000000 characters) is not one of",
        line=6,
    ),
    # Catastrophic backtracking under Python's re: a verdict (fail, exit 1), in linear time.
    Case(
        "backtracking-pattern",
        _backtracking_plan,
        [
            "plan",
            "{file}",
            "--policies",
            str(BOUNDED / "aws-inputs-backtracking.yaml"),
            "--out",
            "{out}",
            "--quiet",
        ],
        "",
        code=1,
    ),
]


def test_every_committed_input_is_in_the_table() -> None:
    assert {p.name for p in BOUNDED.iterdir()} == COMMITTED


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bounded_input(case: Case, tmp_path: Path) -> None:
    file = case.make(tmp_path)
    out = tmp_path / "out"
    args = [a.replace("{file}", str(file)).replace("{out}", str(out)) for a in case.args]
    ran = run_bounded(args, tmp_path, case.env)
    assert_bounded(ran, args)
    assert ran.code == case.code, ran.out[-2000:] + ran.err[:3000]
    if case.code != 2:
        return
    where = (case.where or "{file}").replace("{file}", str(file))
    prefix = f"  {where}:{case.line}: " if case.line is not None else f"  {where}: "
    lines = ran.err.splitlines()
    assert any(line.startswith(prefix) and case.text in line for line in lines), (
        f"expected {prefix}...{case.text}...; got:\n{ran.err[:3000]}"
    )
    assert len(ran.out) + len(ran.err) < MESSAGE_MAX, f"{len(ran.err)} characters of output"
    assert not out.exists(), "an invalid input left output behind"


def test_the_line_of_a_bad_finding_in_a_large_results_file(tmp_path: Path) -> None:
    """One bad type among 30 MB of findings: named at its line, found without a
    whole-document search."""
    path = large_results(tmp_path, 30, bad_last=True)
    lines = path.read_text(encoding="utf-8").split("\n")
    bad = next(n for n, line in enumerate(lines, 1) if '"status": 7' in line)
    index = bad - (lines.index('"findings": [') + 2)
    ran = run_bounded(["report", str(path), "--out", str(tmp_path / "o")], tmp_path)
    assert_bounded(ran, ["report", "large"])
    assert ran.code == 2
    assert f"  {path}:{bad}: at findings/{index}/status: 7 is not one of" in ran.err, ran.err
    assert not (tmp_path / "o").exists()


def test_a_nan_never_reaches_results_json() -> None:
    """The writing side refuses NaN too: results.json is always JSON."""
    from scanner.results import render_json

    with pytest.raises(ValueError, match="not JSON compliant"):
        render_json({"summary": {"ratio": float("nan")}})
    assert json.loads(render_json({"summary": {"ratio": 0.5}})) == {"summary": {"ratio": 0.5}}


def test_a_deeply_nested_bundle_manifest_fails_verification(tmp_path: Path) -> None:
    """`verify` reports a manifest it cannot read as a failed verification (exit 1, as for
    any altered bundle), not as a crash (exit 3 before)."""
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "manifest.json").write_text(
        '{"files": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8"
    )
    ran = run_bounded(["verify", str(tmp_path / "bundle")], tmp_path)
    assert_bounded(ran, ["verify"])
    assert ran.code == 1, ran.out + ran.err
    assert "FAIL manifest.json: nested deeper than 100 levels" in ran.out + ran.err
