"""--source-dir: plan findings point at the `.tf` file and line, and SARIF carries it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import main
from scanner.plan.sources import address_key, locate
from tests.terraform.test_plan import fixture

FIXTURES = Path(__file__).parent / "fixtures"

MAIN_TF = """\
resource "aws_kms_key" "logs" {
  enable_key_rotation = true
}

resource "aws_s3_bucket" "trail" {
  bucket = "acme-trail-logs"
}

resource  "aws_cloudtrail"  "main" {
  name = "main"
}
"""

MODULE_TF = """\
variable "buckets" {}

resource "aws_s3_bucket" "trail" {
  for_each = var.buckets
}

resource "aws_cloudtrail" "this" {
  count = 2
}
"""


def test_addresses_map_to_files_and_lines_through_local_modules(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MAIN_TF)
    (tmp_path / "modules" / "logs").mkdir(parents=True)
    (tmp_path / "modules" / "logs" / "main.tf").write_text(MODULE_TF)
    found = locate(tmp_path, fixture("modules.json"))
    assert found["aws_s3_bucket.trail"] == ("main.tf", 5)
    assert found["aws_cloudtrail.main"] == ("main.tf", 9)
    key = address_key('module.logs["eu"].aws_cloudtrail.this[1]')
    assert key == "module.logs.aws_cloudtrail.this"
    assert found[key] == (str(Path("modules/logs/main.tf")), 7)


def test_sarif_points_at_the_tf_line_or_else_the_plan(tmp_path: Path) -> None:
    source = tmp_path / "infra"
    source.mkdir()
    (source / "main.tf").write_text(MAIN_TF)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(fixture("compliant.json")))
    out = tmp_path / "with-source"
    result = CliRunner().invoke(
        main,
        [
            "plan",
            str(plan),
            "--source-dir",
            str(source),
            "--out",
            str(out),
            "--format",
            "json,sarif",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text())
    located = {f["resource"]["name"]: f.get("source") for f in data["findings"]}
    assert {"file": "main.tf", "line": 9} in located.values()
    sarif = json.loads((out / "results.sarif").read_text())
    physical = [
        loc["physicalLocation"] for r in sarif["runs"][0]["results"] for loc in r["locations"]
    ]
    assert physical and all("artifactLocation" in p for p in physical)

    out = tmp_path / "plain"
    result = CliRunner().invoke(
        main, ["plan", str(plan), "--out", str(out), "--format", "sarif", "--quiet"]
    )
    sarif = json.loads((out / "results.sarif").read_text())
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert uris == {str(plan)}


def test_source_dir_must_be_a_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "plan",
            str(FIXTURES / "compliant.json"),
            "--source-dir",
            str(tmp_path / "missing"),
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 2, result.output
