"""Outputs are written whole or not at all, with the permissions the umask gives a plain
open(), and logward never changes the process umask to learn it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.files import write_atomic, write_atomic_text
from scanner.staging import OutputSet


@pytest.fixture
def umask_027() -> Iterator[None]:
    before = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_and_folders_get_what_the_umask_allows(umask_027: None, tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.json", b"{}")
    write_atomic_text(tmp_path / "b.txt", iter(["x", "y"]))
    with OutputSet() as out:
        (out.tree(tmp_path / "bundle") / "x").write_text("x")
        out.file(tmp_path / "out" / "c.json", b"{}")
        out.commit()
    assert _mode(tmp_path / "a.json") == 0o640
    assert (tmp_path / "b.txt").read_text() == "xy" and _mode(tmp_path / "b.txt") == 0o640
    assert _mode(tmp_path / "bundle") == 0o750
    assert _mode(tmp_path / "out") == 0o750 and _mode(tmp_path / "out" / "c.json") == 0o640


def test_importing_logward_leaves_the_umask_alone() -> None:
    code = (
        "import os; os.umask(0o027); import scanner.cli, scanner.results, scanner.bundle; "
        "print(oct(os.umask(0)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.stdout.strip() == "0o27"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_bytes(b"old")

    def pieces() -> Iterator[bytes]:
        yield b"new"
        raise OSError("disk full")

    from scanner.files import write_atomic_chunks

    with pytest.raises(OSError, match="disk full"):
        write_atomic_chunks(target, pieces())
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
