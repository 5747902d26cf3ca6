"""The output set is staged beside its destination and replaced at once; staging folders are
marked as logward's (name and a flock'd lock file), removed by a later run only once their
process is gone, and nothing that is not logward's is ever removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scanner.results import write_rendered
from scanner.staging import PREFIX, OutputSet, remove_stale

REPO = Path(__file__).resolve().parents[1]


def _killed_mid_write(folder: Path) -> Path:
    """A process that staged a file in `folder` and was then SIGKILLed: its staging folder."""
    code = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from scanner.staging import OutputSet
        out = OutputSet()
        out.file(Path({str(folder)!r}) / "results.json", b"half")
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL
    (left,) = [p for p in folder.iterdir() if p.name.startswith(PREFIX)]
    return left


def test_a_killed_run_leaves_staging_that_the_next_run_removes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    left = _killed_mid_write(out)
    assert (left / "lock").exists()
    write_rendered(out, {"results.json": b"{}"})
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt", "results.json"]
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep"


def test_a_live_run_keeps_its_staging_folder(tmp_path: Path) -> None:
    """Another process's staging folder, its lock held (this test process stands in for a
    concurrent run), is left alone by remove_stale and by a whole write."""
    with OutputSet() as live:
        live.file(tmp_path / "a.json", b"live")
        (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith(PREFIX)]
        code = (
            "from pathlib import Path; from scanner.staging import remove_stale; "
            f"print(len(remove_stale(Path({str(tmp_path)!r}))))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, timeout=120, capture_output=True, text=True
        )
        assert done.stdout.strip() == "0", done.stderr
        assert folder.exists()
        live.commit()
    assert (tmp_path / "a.json").read_bytes() == b"live"
    assert not folder.exists()


@pytest.mark.parametrize(
    "name",
    [
        ".logward-staging.notours",  # not our pattern
        ".logward-staging.1.0123456789ab.extra",
        "logward-staging.1.0123456789ab",  # no leading dot
        ".results.json.0123456789ab.tmp",  # an older version's temporary file: no way to tell
    ],
)
def test_only_logward_staging_folders_are_removed(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    (tmp_path / name / "data").write_text("x", encoding="utf-8")
    assert remove_stale(tmp_path) == []
    assert (tmp_path / name / "data").exists()


def test_an_unlocked_staging_folder_of_a_live_pid_is_kept(tmp_path: Path) -> None:
    """A folder whose process died between mkdir and its lock file: removed only once its
    pid is gone (and it is old); this process is alive, so it stays."""
    folder = tmp_path / f"{PREFIX}{os.getpid()}.0123456789ab"
    folder.mkdir()
    old = 1_000_000_000
    os.utime(folder, (old, old))
    assert remove_stale(tmp_path) == []
    assert folder.exists()


def test_a_symlink_named_like_staging_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    (target / "lock").write_text("", encoding="utf-8")
    (tmp_path / "out").mkdir()
    link = tmp_path / "out" / f"{PREFIX}1.0123456789ab"
    link.symlink_to(target)
    assert remove_stale(tmp_path / "out") == []
    assert (target / "lock").exists()


def test_a_failed_set_leaves_the_previous_files_and_no_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    with pytest.raises(RuntimeError), OutputSet() as staged:
        staged.file(out / "results.json", b"new")
        raise RuntimeError("renderer failed")
    assert not (tmp_path / "a").exists()
    out.mkdir(parents=True)
    (out / "results.json").write_bytes(b"old")
    with pytest.raises(RuntimeError), OutputSet() as staged:
        staged.file(out / "results.json", b"new")
        staged.file(out / "report.html", b"new")
        raise RuntimeError("renderer failed")
    assert sorted(p.name for p in out.iterdir()) == ["results.json"]
    assert (out / "results.json").read_bytes() == b"old"


def test_the_whole_set_is_replaced_and_other_files_stay(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("mine", encoding="utf-8")
    (tmp_path / "results.json").write_bytes(b"old")
    written = write_rendered(tmp_path, {"results.json": b"new", "summary.md": b"new"})
    assert written == [tmp_path / "results.json", tmp_path / "summary.md"]
    assert (tmp_path / "results.json").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md", "results.json", "summary.md"]


def test_a_folder_where_an_output_goes_fails_before_anything_is_replaced(tmp_path: Path) -> None:
    from scanner.errors import InputError

    (tmp_path / "results.json").write_bytes(b"old")
    (tmp_path / "summary.md").mkdir()
    with pytest.raises(InputError, match=r"summary\.md: is a folder"):
        write_rendered(tmp_path, {"results.json": b"new", "summary.md": b"new"})
    assert (tmp_path / "results.json").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json", "summary.md"]


def test_an_out_that_is_a_file_is_refused_before_the_scan(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from scanner.cli import main

    taken = tmp_path / "out"
    taken.write_text("a file of the user's", encoding="utf-8")
    plan = REPO / "tests" / "terraform" / "fixtures" / "compliant.json"
    result = CliRunner().invoke(main, ["plan", str(plan), "--out", str(taken)])
    assert result.exit_code == 2
    assert f"{taken}: --out: is not a folder" in result.output
    assert taken.read_text(encoding="utf-8") == "a file of the user's"


def test_an_old_unlocked_staging_folder_of_a_gone_pid_is_removed(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=60)
    folder = tmp_path / f"{PREFIX}{gone.pid}.0123456789ab"
    folder.mkdir()
    (folder / "f.0").write_bytes(b"half")
    young = tmp_path / f"{PREFIX}{gone.pid}.ba9876543210"
    young.mkdir()
    old = 1_000_000_000
    os.utime(folder, (old, old))
    assert remove_stale(tmp_path) == [folder]
    assert young.exists()  # too recent to tell from a run between mkdir and its lock


def test_a_pid_beyond_any_pid_is_kept(tmp_path: Path) -> None:
    folder = tmp_path / f"{PREFIX}{'9' * 40}.0123456789ab"
    folder.mkdir()
    os.utime(folder, (1_000_000_000, 1_000_000_000))
    assert remove_stale(tmp_path) == []
