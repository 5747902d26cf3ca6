"""SIGINT and SIGTERM at several points of a scan (the real CLI against moto_server on
loopback) and of the demo leave either the previous output set untouched or the new one
complete, no staging folder or temporary file, and exit 130 or 143.

The signal is sent on observable progress, never on a hook in logward's code: the progress
line that starts collection (stderr), the staging folder appearing in --out (writing), the
staging folder gone again (the new set in place, the summary printing), and a sweep of delays
after collection starts (collection, linking, evaluation or writing, whichever the machine
reached). Whatever the point, the invariant is checked: the files in
--out and the bundle are byte for byte the previous set, or all of them are the new run's
(every report equal to the bundle's copy, the bundle verifying against its manifest).
"""

from __future__ import annotations

import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.results import RENDERERS
from tests.support.interrupt import STAGING, WAIT, Run, check_set, leftovers, snapshot
from tests.support.motoserver import moto_server

EXPECTED_CODE = {signal.SIGINT: 130, signal.SIGTERM: 143}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """moto_server on a free loopback port, with one small estate (a trail into a bucket)."""
    import boto3

    with moto_server() as url:
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        session.client("s3", endpoint_url=url).create_bucket(Bucket="interrupt-trail-logs")
        session.client("cloudtrail", endpoint_url=url).create_trail(
            Name="main", S3BucketName="interrupt-trail-logs", IsMultiRegionTrail=True
        )
        yield url


def _interrupt(
    args: list[str],
    url: str | None,
    work: Path,
    sig: signal.Signals,
    when: str,
    delay: float = 0.0,
) -> tuple[int, Run]:
    """Run, send `sig` at `when` ('collect', 'write', 'swapped' or 'delay'), return the
    exit code."""
    run = Run(args, url, work)
    if when == "write":
        seen = run.wait_for_staging(work / "out")
    elif when == "swapped":
        seen = run.wait_for_swap(work / "out")
    else:
        seen = run.wait_for_line(": scanning ")
    if seen:
        time.sleep(delay)
        run.proc.send_signal(sig)
    code = run.finish()
    return code, run


def _scan_args() -> list[str]:
    return [
        "scan",
        "aws",
        "--regions",
        "us-east-1,eu-west-1",
        "--format",
        "all",
        "--out",
        "out",
        "--evidence",
        "out/evidence",
    ]


def _baseline(args: list[str], url: str | None, work: Path) -> dict[str, bytes]:
    run = Run(args, url, work)
    code = run.finish()
    assert code in (0, 1), "".join(run.stderr)
    (work / "out" / "mine.txt").write_text("the user's own file", encoding="utf-8")
    return snapshot(work / "out")


@pytest.fixture(scope="module")
def scanned(server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A finished scan: the previous output set every interrupted run starts from."""
    work = tmp_path_factory.mktemp("scan-base")
    return work, _baseline(_scan_args(), server, work)


def _fresh(base: Path, tmp_path: Path, name: str) -> Path:
    work = tmp_path / name
    work.mkdir()
    shutil.copytree(base / "out", work / "out")
    return work


def _assert_interrupted(code: int, run: Run, sig: signal.Signals) -> None:
    assert code == EXPECTED_CODE[sig], (code, "".join(run.stderr))
    text = "".join(run.stderr)
    assert f"interrupted by {sig.name}" in text and "Traceback" not in text, text


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_scan_interrupted_while_collecting_keeps_the_previous_set(
    server: str, scanned: tuple[Path, dict[str, bytes]], tmp_path: Path, sig: signal.Signals
) -> None:
    base, previous = scanned
    work = _fresh(base, tmp_path, "w")
    code, run = _interrupt(_scan_args(), server, work, sig, "collect")
    _assert_interrupted(code, run, sig)
    assert check_set(work, previous, None) == "previous"
    assert (work / "out" / "mine.txt").read_text(encoding="utf-8") == "the user's own file"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_scan_interrupted_while_writing_leaves_one_whole_set(
    server: str, scanned: tuple[Path, dict[str, bytes]], tmp_path: Path, sig: signal.Signals
) -> None:
    base, previous = scanned
    landed = []
    # The staging folder lives for the writing only; if the run ends before the poll sees
    # it (or before the signal arrives), try again: the invariant is checked every time.
    for attempt in range(4):
        work = _fresh(base, tmp_path, f"w{attempt}")
        code, run = _interrupt(_scan_args(), server, work, sig, "write")
        which = check_set(work, previous, None)
        assert (work / "out" / "mine.txt").exists()
        if code in (0, 1):
            assert which == "new"
            continue
        _assert_interrupted(code, run, sig)
        landed.append(which)
        break
    assert landed, "the signal never arrived while the outputs were being written"


def test_scan_interrupted_once_the_new_set_is_in_place_keeps_it_whole(
    server: str, scanned: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    """The signal comes after the swap (while the summary prints, or as the process ends):
    the new set stays whole; the exit code is 130, or the run's own if it had finished."""
    base, previous = scanned
    work = _fresh(base, tmp_path, "w")
    code, run = _interrupt(_scan_args(), server, work, signal.SIGINT, "swapped")
    assert check_set(work, previous, None) == "new", (code, "".join(run.stderr))
    if code not in (0, 1):
        _assert_interrupted(code, run, signal.SIGINT)


def test_scan_interrupted_at_any_point_leaves_one_whole_set(
    server: str, scanned: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    base, previous = scanned
    seen = set()
    for n, delay in enumerate((0.05, 0.3, 0.8, 1.5, 3.0)):
        sig = (signal.SIGTERM, signal.SIGINT)[n % 2]
        work = _fresh(base, tmp_path, f"d{n}")
        code, run = _interrupt(_scan_args(), server, work, sig, "delay", delay)
        seen.add(check_set(work, previous, None))
        if code not in (0, 1):
            _assert_interrupted(code, run, sig)
    assert "previous" in seen


def test_a_run_killed_while_writing_is_cleaned_up_by_the_next(
    server: str, scanned: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    """SIGKILL cannot be handled: the staging folder stays (the previous set untouched), and
    the next run removes it, as its lock is free, and writes a whole new set."""
    base, previous = scanned
    for attempt in range(4):
        work = _fresh(base, tmp_path, f"k{attempt}")
        code, _run = _interrupt(_scan_args(), server, work, signal.SIGKILL, "write")
        if code == -signal.SIGKILL:
            break
    else:
        pytest.fail("the run always finished before SIGKILL")
    left = [p.name for p in (work / "out").iterdir() if p.name.startswith(STAGING)]
    assert left, "SIGKILL during writing left no staging folder to test the clean-up with"
    run = Run(_scan_args(), server, work)
    assert run.finish() in (0, 1), "".join(run.stderr)
    assert check_set(work, previous, None) == "new"
    assert (work / "out" / "mine.txt").exists()


def test_first_scan_interrupted_leaves_no_output_folder(server: str, tmp_path: Path) -> None:
    code, run = _interrupt(_scan_args(), server, tmp_path, signal.SIGINT, "collect")
    _assert_interrupted(code, run, signal.SIGINT)
    assert not (tmp_path / "out").exists()
    assert not leftovers(tmp_path)


@pytest.fixture(scope="module")
def demoed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    work = tmp_path_factory.mktemp("demo-base")
    return work, _baseline(["demo", "--out", "out"], None, work)


def test_demo_interrupted_while_collecting_keeps_the_previous_set(
    demoed: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    base, previous = demoed
    work = _fresh(base, tmp_path, "w")
    code, run = _interrupt(["demo", "--out", "out"], None, work, signal.SIGINT, "collect")
    _assert_interrupted(code, run, signal.SIGINT)
    assert check_set(work, previous, work / "out" / "demo-signing-key.pem.pub") == "previous"


def test_demo_interrupted_while_writing_leaves_one_whole_set(
    demoed: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    base, previous = demoed
    for attempt in range(3):
        work = _fresh(base, tmp_path, f"w{attempt}")
        code, run = _interrupt(["demo", "--out", "out"], None, work, signal.SIGTERM, "write")
        check_set(work, previous, work / "out" / "demo-signing-key.pem.pub")
        if code == 0:
            continue
        _assert_interrupted(code, run, signal.SIGTERM)
        return
    pytest.fail("the signal never arrived while the demo's outputs were being written")


def _handlers_installed(pid: int) -> bool:
    """Whether the process catches SIGTERM yet (Linux /proc): logward's handlers are in
    place. Before that the interpreter is still starting, which is Python's, not ours."""
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        try:
            status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
        except OSError:
            return False
        caught = next(
            int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:")
        )
        if caught & (1 << (signal.SIGTERM - 1)):
            return True
        time.sleep(0.001)
    raise AssertionError("the handlers were never installed")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, 0.6, 1.0])
def test_every_command_exits_130_or_143_without_a_traceback(
    scanned: tuple[Path, dict[str, bytes]], tmp_path: Path, delay: float
) -> None:
    """`logward report` (no cloud, quick) signalled from the moment its handlers are in place
    (the command line still importing) to its end: the signal's code and a one-line message,
    or the command's own code if it had finished; and its --out is absent or whole."""
    base, _previous = scanned
    sig = signal.SIGINT if delay in (0.0, 0.3, 1.0) else signal.SIGTERM
    run = Run(["report", str(base / "out" / "results.json"), "--out", "again"], None, tmp_path)
    if _handlers_installed(run.proc.pid):
        time.sleep(delay)
        run.proc.send_signal(sig)
    code = run.finish()
    text = "".join(run.stderr)
    assert "Traceback" not in text, text
    assert code in (EXPECTED_CODE[sig], 0), text
    if code:
        assert f"interrupted by {sig.name}" in text
    assert not leftovers(tmp_path)
    if (tmp_path / "again").exists():
        # Every report; results.json is the input, rewritten only when asked for.
        assert sorted(p.name for p in (tmp_path / "again").iterdir()) == sorted(
            name for name, _fn in RENDERERS.values() if name != "results.json"
        )
