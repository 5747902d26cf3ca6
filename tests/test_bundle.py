"""Evidence bundles: what the demo writes, and every kind of tampering `logward verify` catches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.bundle import MANIFEST, SIGNATURE, check_target, keygen, sign, verify, write_bundle
from scanner.cli import main
from scanner.errors import InputError


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`logward demo`: all formats, and a bundle signed with a throwaway key."""
    out = tmp_path_factory.mktemp("demo")
    run = CliRunner().invoke(main, ["demo", "--out", str(out), "--quiet"], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    assert "signed and verified" in run.output
    return out


@pytest.fixture
def bundle(demo: Path, tmp_path: Path) -> Path:
    """A private copy of the demo's signed bundle, to tamper with."""
    copy = tmp_path / "bundle"
    shutil.copytree(demo / "evidence", copy)
    return copy


@pytest.fixture
def public_key(demo: Path) -> Path:
    return demo / "demo-signing-key.pem.pub"


def verify_cli(folder: Path, *extra: str) -> tuple[int, str]:
    run = CliRunner().invoke(main, ["verify", str(folder), *extra])
    return run.exit_code, run.output


def test_demo_writes_every_format_and_the_bundle(demo: Path) -> None:
    names = {p.name for p in demo.iterdir()}
    assert {
        "results.json",
        "results.sarif",
        "results.junit.xml",
        "summary.md",
        "report.html",
        "findings.csv",
        "findings.ocsf.json",
        "evidence",
    } <= names
    folder = demo / "evidence"
    assert (folder / MANIFEST).is_file() and (folder / SIGNATURE).is_file()
    reports = {p.name for p in (folder / "reports").iterdir()}
    assert reports == {
        "results.sarif",
        "results.junit.xml",
        "summary.md",
        "report.html",
        "findings.csv",
        "findings.ocsf.json",
    }
    assert (folder / "results.json").read_bytes() == (demo / "results.json").read_bytes()


def test_manifest_records_the_scan(demo: Path) -> None:
    doc = json.loads((demo / "evidence" / MANIFEST).read_text(encoding="utf-8"))
    results = json.loads((demo / "results.json").read_text(encoding="utf-8"))
    assert doc["scan"]["id"] == results["scan"]["id"]
    assert doc["scan"]["caller"] == "arn:aws:sts::123456789012:user/moto"
    assert doc["scan"]["started_at"] and doc["scan"]["finished_at"]
    assert doc["policy_set"]["hash"] == results["scan"]["policy_set"]["hash"]
    assert {m["id"] for m in doc["mappings"]} == {"soc2", "iso27001-2022", "gdpr"}
    assert all(len(m["sha256"]) == 64 and m["version"] for m in doc["mappings"])
    paths = {f["path"] for f in doc["files"]}
    cited = {e["sha256"] for f in results["findings"] for e in f["evidence"]}
    assert {f"responses/{sha}.json" for sha in cited} <= paths
    assert all(set(f) == {"path", "sha256", "size"} for f in doc["files"])


def test_untouched_bundle_verifies(bundle: Path, public_key: Path) -> None:
    code, output = verify_cli(bundle, "--public-key", str(public_key))
    assert code == 0, output
    assert "verified" in output and "signed by key" in output


def test_edited_byte_is_named(bundle: Path, public_key: Path) -> None:
    target = next((bundle / "responses").iterdir())
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    code, output = verify_cli(bundle, "--public-key", str(public_key))
    assert code == 1
    assert f"FAIL responses/{target.name}: changed" in output


def test_added_file_is_named(bundle: Path, public_key: Path) -> None:
    (bundle / "reports" / "extra.txt").write_text("planted", encoding="utf-8")
    code, output = verify_cli(bundle, "--public-key", str(public_key))
    assert code == 1
    assert "FAIL reports/extra.txt: added" in output


def test_dropped_file_is_named(bundle: Path, public_key: Path) -> None:
    (bundle / "reports" / "report.html").unlink()
    code, output = verify_cli(bundle, "--public-key", str(public_key))
    assert code == 1
    assert "FAIL reports/report.html: removed" in output


def test_dropped_response_is_also_a_missing_citation(bundle: Path) -> None:
    results = json.loads((bundle / "results.json").read_text(encoding="utf-8"))
    sha = results["findings"][0]["evidence"][0]["sha256"]
    (bundle / "responses" / f"{sha}.json").unlink()
    verdict = verify(bundle)
    assert f"responses/{sha}.json: removed (listed in manifest.json, not in the bundle)" in (
        verdict.problems
    )
    assert any(
        p.startswith("results.json: cites 1 response(s) not in responses/")
        for p in verdict.problems
    )


def test_swapped_manifest_breaks_the_signature(
    bundle: Path, public_key: Path, tmp_path: Path
) -> None:
    # Another bundle's manifest, made consistent with tampered content, under the old signature.
    (bundle / "reports" / "summary.md").write_text("all green", encoding="utf-8")
    forged = tmp_path / "forged"
    shutil.copytree(bundle, forged)
    (forged / SIGNATURE).unlink()
    results = json.loads((forged / "results.json").read_text(encoding="utf-8"))
    files = {
        p.relative_to(forged).as_posix(): p.read_bytes()
        for p in forged.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    shutil.rmtree(forged)
    write_bundle(forged, results, files)
    shutil.copy(forged / MANIFEST, bundle / MANIFEST)
    code, output = verify_cli(bundle, "--public-key", str(public_key))
    assert code == 1
    assert "FAIL manifest.sig: the signature does not match manifest.json" in output
    # Without a signature to check, the swapped manifest is consistent: a bundle must be signed
    # to prove who wrote it, which verify says (and --require-signature enforces).
    (bundle / SIGNATURE).unlink()
    code, output = verify_cli(bundle)
    assert code == 0 and "not signed" in output
    code, output = verify_cli(bundle, "--require-signature")
    assert code == 1 and "FAIL manifest.sig: missing; --require-signature was given" in output
    code, output = verify_cli(bundle, "--public-key", str(public_key))
    assert code == 1 and "FAIL manifest.sig: missing" in output


def test_swapped_manifest_of_an_unsigned_bundle_names_every_difference(
    bundle: Path, demo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    results = json.loads((demo / "results.json").read_text(encoding="utf-8"))
    write_bundle(other, results, {"results.json": b"{}", "reports/summary.md": b"x"})
    (bundle / SIGNATURE).unlink()
    shutil.copy(other / MANIFEST, bundle / MANIFEST)
    verdict = verify(bundle)
    assert "results.json: changed" in " ".join(verdict.problems)
    assert any(p.startswith("reports/report.html: added") for p in verdict.problems)


def test_wrong_key_is_named(bundle: Path, tmp_path: Path) -> None:
    other_public, other_id = keygen(tmp_path / "other.pem")
    signer = json.loads((bundle / SIGNATURE).read_text(encoding="utf-8"))["key_id"]
    code, output = verify_cli(bundle, "--public-key", str(other_public))
    assert code == 1
    assert f"FAIL manifest.sig: signed by key {signer}, not by the expected key {other_id}" in (
        output
    )


def test_resigning_with_another_key_is_caught_by_the_pinned_key(
    bundle: Path, public_key: Path, tmp_path: Path
) -> None:
    (bundle / "reports" / "summary.md").write_text("all green", encoding="utf-8")
    results = json.loads((bundle / "results.json").read_text(encoding="utf-8"))
    files = {
        p.relative_to(bundle).as_posix(): p.read_bytes()
        for p in bundle.rglob("*")
        if p.is_file() and p.name not in (MANIFEST, SIGNATURE)
    }
    shutil.rmtree(bundle)
    write_bundle(bundle, results, files)
    keygen(tmp_path / "attacker.pem")
    sign(bundle, tmp_path / "attacker.pem")
    code, output = verify_cli(bundle, "--public-key", str(public_key))
    assert code == 1 and "not by the expected key" in output


def test_corrupt_signature_and_manifest_are_failures_not_crashes(bundle: Path) -> None:
    (bundle / SIGNATURE).write_text('{"public_key": "%%%", "signature": 1}', encoding="utf-8")
    code, output = verify_cli(bundle)
    assert code == 1 and "FAIL manifest.sig: malformed" in output
    (bundle / MANIFEST).write_text('{\n  "files": [\n', encoding="utf-8")
    code, output = verify_cli(bundle)
    assert code == 1 and "FAIL manifest.json:3: not valid JSON" in output


def test_path_escape_in_manifest_is_refused(bundle: Path) -> None:
    (bundle / SIGNATURE).unlink()
    doc = json.loads((bundle / MANIFEST).read_text(encoding="utf-8"))
    doc["files"].append({"path": "../outside.txt", "sha256": "0" * 64, "size": 0})
    (bundle / MANIFEST).write_text(json.dumps(doc), encoding="utf-8")
    verdict = verify(bundle)
    assert any("unsafe or malformed entry" in p for p in verdict.problems)


def test_sign_cli_signs_a_bundle_and_refuses_a_tampered_one(bundle: Path, tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    run = CliRunner().invoke(main, ["bundle", "keygen", str(key)])
    assert run.exit_code == 0, run.output
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    run = CliRunner().invoke(main, ["bundle", "sign", str(bundle), "--key", str(key)])
    assert run.exit_code == 0, run.output
    assert verify_cli(bundle, "--public-key", str(key) + ".pub")[0] == 0
    (bundle / "results.json").write_text("{}", encoding="utf-8")
    run = CliRunner().invoke(main, ["bundle", "sign", str(bundle), "--key", str(key)])
    assert run.exit_code == 3 and "results.json: changed" in run.output


def test_bad_key_files_are_input_errors(bundle: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key", encoding="utf-8")
    run = CliRunner().invoke(main, ["bundle", "sign", str(bundle), "--key", str(junk)])
    assert run.exit_code == 2 and f"{junk}: not a usable PEM private key" in run.output
    run = CliRunner().invoke(main, ["verify", str(bundle), "--public-key", str(junk)])
    assert run.exit_code == 2 and f"{junk}: not a PEM public key" in run.output
    run = CliRunner().invoke(main, ["verify", str(tmp_path / "nope")])
    assert run.exit_code == 2 and "not found" in run.output


def test_bundle_replaces_a_previous_bundle_whole(tmp_path: Path, demo: Path) -> None:
    results = json.loads((demo / "results.json").read_text(encoding="utf-8"))
    target = tmp_path / "b"
    write_bundle(target, results, {"results.json": b"1", "reports/a.md": b"a"})
    write_bundle(target, results, {"results.json": b"2"})
    assert not (target / "reports").exists()
    assert verify(target).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]  # no staging left behind


def test_a_failure_while_writing_leaves_the_previous_bundle(tmp_path: Path, demo: Path) -> None:
    results = json.loads((demo / "results.json").read_text(encoding="utf-8"))
    target = tmp_path / "b"
    write_bundle(target, results, {"results.json": b"1"})
    before = (target / MANIFEST).read_bytes()
    with pytest.raises(TypeError):
        write_bundle(target, results, {"results.json": b"2", "bad": "not bytes"})  # type: ignore[dict-item]
    assert (target / MANIFEST).read_bytes() == before and verify(target).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]


def test_refuses_to_replace_a_folder_that_is_not_a_bundle(tmp_path: Path) -> None:
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(InputError, match="is not a logward evidence bundle"):
        check_target(keep)
    run = CliRunner().invoke(
        main, ["demo", "--out", str(tmp_path / "o"), "--evidence", str(keep), "--quiet"]
    )
    assert run.exit_code == 2 and "--evidence: exists and is not a logward evidence bundle" in (
        run.output
    )
    assert (keep / "notes.txt").read_text(encoding="utf-8") == "precious"
    assert not (tmp_path / "o").exists()


def test_plan_bundle_carries_the_plan_entries_findings_cite(tmp_path: Path) -> None:
    plan = Path(__file__).parent / "terraform" / "fixtures" / "modules.json"
    folder = tmp_path / "ev"
    run = CliRunner().invoke(
        main,
        [
            "plan",
            str(plan),
            "--out",
            str(tmp_path / "o"),
            "--evidence",
            str(folder),
            "--format",
            "html",
        ],
    )
    assert run.exit_code == 1, run.output  # the fixture has failing findings
    verdict = verify(folder)
    assert verdict.ok, verdict.problems
    assert any((folder / "responses").iterdir())


def test_every_demo_output_validates(demo: Path) -> None:
    import csv

    import jsonschema

    from scanner.data import schema
    from scanner.render.spreadsheet import COLUMNS
    from tests.render.test_render import assert_valid_sarif
    from tests.render.test_reports import OCSF_SCHEMA

    results = json.loads((demo / "results.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema("results")).validate(results)
    assert_valid_sarif(json.loads((demo / "results.sarif").read_text(encoding="utf-8")))
    ocsf = jsonschema.Draft202012Validator(json.loads(OCSF_SCHEMA.read_text(encoding="utf-8")))
    events = json.loads((demo / "findings.ocsf.json").read_text(encoding="utf-8"))
    assert len(events) == len(results["findings"])
    for event in events:
        ocsf.validate(event)
    with open(demo / "findings.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and tuple(rows[0]) == COLUMNS
    expected = sum(max(1, len(f["controls"])) for f in results["findings"])
    assert len(rows) == expected
    documented = (Path(__file__).parents[1] / "docs" / "reports.md").read_text(encoding="utf-8")
    assert all(f"`{column}`" in documented for column in COLUMNS)


def test_a_folder_with_someone_elses_manifest_is_not_replaced(tmp_path: Path) -> None:
    webapp = tmp_path / "public"
    webapp.mkdir()
    (webapp / MANIFEST).write_text('{"manifest_version": 3, "name": "extension"}', encoding="utf-8")
    (webapp / "background.js").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="not a logward evidence bundle"):
        check_target(webapp)
    assert (webapp / "background.js").read_text(encoding="utf-8") == "keep me"


def test_a_failed_swap_puts_the_previous_bundle_back(
    tmp_path: Path, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scanner.staging as staging_module

    results = json.loads((demo / "results.json").read_text(encoding="utf-8"))
    target = tmp_path / "b"
    write_bundle(target, results, {"results.json": b"1"})
    before = (target / MANIFEST).read_bytes()
    # No atomic exchange (not Linux, or a file system without it), and the second rename
    # (staging -> target) fails: the previous bundle must come back under its name.
    monkeypatch.setattr(staging_module, "exchange", lambda _a, _b: False)
    real_rename = Path.rename

    def failing_rename(self: Path, dest: Path) -> Path:
        staged = self.parent.name.startswith(".logward-staging.")
        if staged and dest == target and not self.name.endswith(".old"):
            raise OSError("disk full")
        return real_rename(self, dest)

    monkeypatch.setattr(Path, "rename", failing_rename)
    with pytest.raises(OSError, match="disk full"):
        write_bundle(target, results, {"results.json": b"2"})
    monkeypatch.undo()
    assert (target / MANIFEST).read_bytes() == before and verify(target).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]


def test_replacing_uses_the_atomic_exchange_on_linux(tmp_path: Path, demo: Path) -> None:
    import sys

    from scanner.files import exchange as _exchange

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a", encoding="utf-8")
    (b / "x").write_text("b", encoding="utf-8")
    if not sys.platform.startswith("linux"):
        assert _exchange(a, b) is False
        return
    assert _exchange(a, b) is True
    assert (a / "x").read_text(encoding="utf-8") == "b"
    assert (b / "x").read_text(encoding="utf-8") == "a"


def test_tampered_results_shape_is_a_failure_not_a_crash(bundle: Path) -> None:
    (bundle / "results.json").write_text('{"findings": {"a": 1}}', encoding="utf-8")
    code, output = verify_cli(bundle)
    assert code == 1 and "FAIL results.json: changed" in output


def test_a_fifo_in_the_bundle_is_named(bundle: Path) -> None:
    import os

    os.mkfifo(bundle / "responses" / "pipe")
    code, output = verify_cli(bundle)
    assert code == 1 and "FAIL responses/pipe: is not a regular file" in output


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    (tmp_path / "k.pem.pub").write_text("someone's key", encoding="utf-8")
    with pytest.raises(InputError, match="keys are never overwritten"):
        keygen(key)
    assert not key.exists()


def test_evidence_may_not_hold_the_reports(tmp_path: Path) -> None:
    run = CliRunner().invoke(
        main,
        [
            "demo",
            "--out",
            str(tmp_path / "ev" / "reports"),
            "--evidence",
            str(tmp_path / "ev"),
            "--quiet",
        ],
    )
    assert run.exit_code == 2 and "--evidence must not be --out or contain it" in run.output
    assert not (tmp_path / "ev").exists()
