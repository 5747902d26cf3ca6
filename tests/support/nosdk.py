"""`logward plan` run in a fresh interpreter, reporting which SDK modules it loaded: how the
provider boundary tests prove that plans and the policy loader import no cloud's SDK."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json, sys
from click.testing import CliRunner
from scanner.cli import main
roots, cloud = tuple(json.loads(sys.argv[3])), sys.argv[4]
if cloud:
    from scanner.policy.loader import load_policies
    from scanner import providers
    load_policies(None)
    providers.resource_schemas()
    providers.get(cloud).permissions()
result = CliRunner().invoke(main, ["plan", sys.argv[1], "--out", sys.argv[2], "--quiet"])
sdk = sorted(m for m in sys.modules if m.split(".")[0] in roots)
print(json.dumps({"code": result.exit_code, "sdk": sdk, "output": result.output}))
"""


def plan_loads(
    plan: Path, tmp_path: Path, roots: tuple[str, ...], cloud: str = "", timeout: int = 180
) -> dict[str, Any]:
    """The exit code, output and loaded `roots` modules of `logward plan` on `plan` (after
    loading the policies, every schema and `cloud`'s permissions, when `cloud` is named)."""
    args = [str(plan), str(tmp_path / "out"), json.dumps(roots), cloud]
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report
