"""`logward verify` against a replay: an older bundle, signed with the same key, in place of the
current one. The signature cannot tell them apart; the scan's id and start time can."""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.bundle import MANIFEST, SIGNATURE
from scanner.cli import main
from scanner.source import now_iso


@pytest.fixture(scope="module")
def two_scans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Two demo runs with one signing key: the older bundle, the current one, the public key."""
    out = tmp_path_factory.mktemp("demo")
    bundles: list[Path] = []
    for _ in range(2):
        # Scan times have whole seconds: the second scan starts in a later one.
        while bundles and now_iso() <= scan_of(bundles[0])["finished_at"]:
            time.sleep(0.1)
        run = CliRunner().invoke(main, ["demo", "--out", str(out), "--quiet"])
        assert run.exit_code == 0, run.output
        kept = tmp_path_factory.mktemp("bundle") / "evidence"
        shutil.copytree(out / "evidence", kept)
        bundles.append(kept)
    return bundles[0], bundles[1], out / "demo-signing-key.pem.pub"


def scan_of(bundle: Path) -> dict[str, Any]:
    scan: dict[str, Any] = json.loads((bundle / MANIFEST).read_text())["scan"]
    return scan


def verify(bundle: Path, *extra: str) -> tuple[int, list[str]]:
    run = CliRunner().invoke(main, ["verify", str(bundle), *extra])
    return run.exit_code, run.output.splitlines()


def test_both_bundles_verify_and_say_which_scan_they_hold(
    two_scans: tuple[Path, Path, Path],
) -> None:
    old, new, key = two_scans
    assert scan_of(old)["id"] != scan_of(new)["id"]
    for bundle in (old, new):
        code, lines = verify(bundle, "--public-key", str(key))
        scan = scan_of(bundle)
        assert code == 0, lines
        assert lines[-2] == (
            f"scan: id {scan['id']}, started {scan['started_at']}, finished "
            f"{scan['finished_at']}, source demo, accounts 123456789012, dev-sandbox, "
            "dev-tools, lw-logging, prod-app, prod-data, "  # the AWS and GCP demo estates
            + ", ".join(f"22222222-0000-0000-0000-00000000000{n}" for n in (1, 2, 3, 4))
            # and the Azure demo tenant's subscriptions
        )
        assert lines[-1].startswith(f"{bundle}: verified, ") and "signed by key" in lines[-1]


def test_expect_scan_id_fails_the_other_scans_bundle(two_scans: tuple[Path, Path, Path]) -> None:
    old, new, key = two_scans
    current = scan_of(new)["id"]
    code, lines = verify(old, "--public-key", str(key), "--expect-scan-id", current)
    assert code == 1
    assert any(
        line.startswith("FAIL manifest.json: scan id is")
        and f"not the expected {current!r}" in line
        for line in lines
    )
    assert lines[-2].startswith(f"scan: id {scan_of(old)['id']}")  # what was replayed, said
    assert verify(new, "--public-key", str(key), "--expect-scan-id", current)[0] == 0


@pytest.mark.parametrize(
    ("shift", "offset", "code"),
    [
        (timedelta(0), "+00:00", 0),  # the boundary: started exactly then is not earlier
        (timedelta(seconds=-1), "+00:00", 0),
        (timedelta(seconds=1), "+00:00", 1),
        (timedelta(seconds=1), "+02:00", 0),  # 1 s later there is 2 h earlier in UTC
        (timedelta(seconds=1), "", 1),  # no offset: UTC
        (timedelta(seconds=1), "Z", 1),
    ],
)
def test_not_before_compares_the_scan_start_in_utc(
    two_scans: tuple[Path, Path, Path], shift: timedelta, offset: str, code: int
) -> None:
    _old, new, key = two_scans
    started = datetime.fromisoformat(scan_of(new)["started_at"]) + shift
    when = started.replace(tzinfo=None).isoformat() + offset
    got, lines = verify(new, "--public-key", str(key), "--not-before", when)
    assert got == code, lines
    if code:
        assert any("before --not-before" in line for line in lines)


def test_not_before_fails_the_older_bundle_only(two_scans: tuple[Path, Path, Path]) -> None:
    old, new, key = two_scans
    since = scan_of(new)["started_at"]
    assert scan_of(old)["finished_at"] < since
    assert verify(old, "--public-key", str(key), "--not-before", since)[0] == 1
    assert verify(new, "--public-key", str(key), "--not-before", since)[0] == 0


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "", "12/07/2026"])
def test_a_bad_not_before_is_an_input_error(two_scans: tuple[Path, Path, Path], value: str) -> None:
    code, lines = verify(two_scans[1], "--not-before", value)
    assert code == 2
    assert any("is not an ISO 8601 date or time" in line for line in lines)


def test_claims_of_an_unsigned_manifest_are_flagged(
    two_scans: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(two_scans[1], bundle)
    (bundle / SIGNATURE).unlink()
    code, lines = verify(bundle, "--expect-scan-id", scan_of(bundle)["id"])
    assert code == 0
    assert any("claims of an unsigned manifest" in line for line in lines)
    # Anyone can then rewrite the time; a time that is not ISO 8601 cannot pass --not-before.
    doc = json.loads((bundle / MANIFEST).read_text())
    doc["scan"]["started_at"] = "soon"
    (bundle / MANIFEST).write_text(json.dumps(doc))
    code, lines = verify(bundle, "--not-before", "2020-01-01")
    assert code == 1
    assert any("scan.started_at is 'soon', not an ISO 8601 time" in line for line in lines)


def test_sign_says_which_scan_it_attests(
    two_scans: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(two_scans[1], bundle)
    key = tmp_path / "k.pem"
    assert CliRunner().invoke(main, ["bundle", "keygen", str(key)]).exit_code == 0
    run = CliRunner().invoke(main, ["bundle", "sign", str(bundle), "--key", str(key)])
    assert run.exit_code == 0, run.output
    assert (
        f"scan: id {scan_of(bundle)['id']}, started {scan_of(bundle)['started_at']}" in run.output
    )
