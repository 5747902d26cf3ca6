"""Replacing a whole output set (results.json, every report, the evidence bundle) at once.

Everything is written first into staging folders beside its destination (same file system,
so a rename moves it), then moved into place in one short step during which SIGINT and
SIGTERM wait: an interrupted run leaves the previous set or the new one, never a mix, and a
reader sees every file whole. Files in the destination that logward is not replacing (the
user's own) are not touched.

A staging folder is marked as logward's by its name, `.logward-staging.<pid>.<random>`, and
by a `lock` file inside that its process holds an exclusive flock on while it runs. A later
run removes a staging folder only when it can take that lock (the process that made it is
gone, however it ended, SIGKILL included), so a concurrent run's folder is never removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scanner.errors import InputError, Problem
from scanner.files import exchange, fsync_dir, fsync_tree
from scanner.interrupts import deferred

try:
    import fcntl

    FLOCK = True
except ImportError:  # Windows: no flock; staging folders of other runs are then kept
    FLOCK = False

PREFIX = ".logward-staging."
LOCK = "lock"
_NAME = re.compile(r"\.logward-staging\.(\d+)\.[0-9a-f]{12}")
# A folder without its lock is one whose process died between mkdir and creating the lock:
# removed once its pid is gone and it is older than this (seconds).
_UNLOCKED_GRACE = 300.0


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would end the process there; keep rather than guess
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process; or no pid at all: keep rather than guess
    return True


def _stale(folder: Path) -> int | None:
    """The locked fd of a staging folder whose process is gone (None: in use, or not ours)."""
    match = _NAME.fullmatch(folder.name)
    if match is None or not FLOCK or folder.is_symlink() or not folder.is_dir():
        return None
    try:
        fd = os.open(folder / LOCK, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        old = time.time() - folder.lstat().st_mtime > _UNLOCKED_GRACE
        return -1 if old and not _alive(int(match.group(1))) else None
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def remove_stale(parent: Path) -> list[Path]:
    """Remove the staging folders that interrupted or killed logward runs left in `parent`;
    return what was removed. Anything else in `parent` is left alone."""
    removed: list[Path] = []
    try:
        entries = [e for e in parent.iterdir() if e.name.startswith(PREFIX)]
    except OSError:
        return removed
    for entry in entries:
        fd = _stale(entry)
        if fd is None:
            continue
        try:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
        finally:
            if fd >= 0:
                os.close(fd)
    return removed


class _Root:
    """One staging folder, locked by this process while it exists."""

    def __init__(self, parent: Path) -> None:
        # Called with signals deferred: the folder exists only once its owner knows it.
        while True:
            path = parent / f"{PREFIX}{os.getpid()}.{secrets.token_hex(6)}"
            try:
                path.mkdir(0o700)
                break
            except FileExistsError:
                continue
        self.path = path
        self.fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        if FLOCK:
            fcntl.flock(self.fd, fcntl.LOCK_EX)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self.fd)


def _make_dirs(folder: Path) -> list[Path]:
    """mkdir -p that returns the folders it created, outermost first."""
    missing: list[Path] = []
    at = folder
    while not at.exists():
        missing.append(at)
        at = at.parent
    created: list[Path] = []
    for path in reversed(missing):
        try:
            path.mkdir(0o777)
            created.append(path)
        except FileExistsError:
            pass
    return created


class OutputSet:
    """Files and folders staged now and moved into place together by `commit()`. Use as a
    context manager: leaving it without a commit (an error, SIGINT, SIGTERM) removes every
    staging folder and every destination folder it created, and changes nothing else."""

    def __init__(self) -> None:
        self._roots: dict[Path, _Root] = {}
        self._created: list[Path] = []
        self._files: list[tuple[Path, Path]] = []
        self._trees: list[tuple[Path, Path]] = []
        self.committed = False

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, *exc: object) -> None:
        with deferred():
            for root in self._roots.values():
                root.remove()
            if not self.committed:
                for folder in reversed(self._created):
                    with contextlib.suppress(OSError):
                        folder.rmdir()  # only if still empty

    def _root(self, parent: Path) -> Path:
        key = parent.absolute()
        found = self._roots.get(key)
        if found is None:
            with deferred():
                self._created.extend(_make_dirs(parent))
            remove_stale(parent)
            with deferred():
                found = self._roots[key] = _Root(parent)
        return found.path

    def file(self, dest: Path, data: bytes | Iterable[bytes]) -> None:
        """Stage `data` (bytes, or bytes in pieces) to replace the file `dest`."""
        staged = self._root(dest.parent) / f"f.{len(self._files)}"
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.writelines((data,) if isinstance(data, bytes) else data)
            handle.flush()
            os.fsync(handle.fileno())
        self._files.append((staged, dest))

    def scratch(self, parent: Path) -> Path:
        """A private empty folder in the staging folder of `parent`, for files that a
        function writes itself (a key pair, say) before `move()` adopts them."""
        folder = self._root(parent) / f"s.{secrets.token_hex(4)}"
        folder.mkdir(0o700)
        return folder

    def move(self, staged: Path, dest: Path) -> None:
        """Stage the file `staged` (in a `scratch()` folder of `dest`'s folder) for `dest`."""
        self._files.append((staged, dest))

    def tree(self, dest: Path) -> Path:
        """A new empty folder (mode 0777 less the umask) to fill; it replaces the folder
        `dest` whole."""
        staged = self._root(dest.parent) / f"t.{len(self._trees)}"
        staged.mkdir(0o777)
        self._trees.append((staged, dest))
        return staged

    def commit(self) -> list[Path]:
        """Move everything staged into place, as one step for SIGINT and SIGTERM; return the
        destinations."""
        for staged, _dest in self._trees:
            fsync_tree(staged)
        for _staged, dest in self._files:
            if dest.is_dir() and not dest.is_symlink():
                # Found now, not halfway through the renames below.
                raise InputError(
                    Problem(str(dest), None, "is a folder; expected a file logward may replace")
                )
        parents = sorted({dest.parent.absolute() for _s, dest in [*self._trees, *self._files]})
        with deferred(), _locked(parents):
            for staged, dest in self._trees:
                _install_tree(staged, dest)
            for staged, dest in self._files:
                os.replace(staged, dest)
            for parent in parents:
                fsync_dir(parent)
            self.committed = True
        return [dest for _s, dest in [*self._trees, *self._files]]


@contextmanager
def _locked(folders: list[Path]) -> Iterator[None]:
    """Hold an exclusive flock on each folder (in sorted order: two runs cannot deadlock),
    so two runs writing the same --out at once replace it one set after the other, never
    interleaved file by file. The lock is on the folder itself: no lock file is left."""
    fds: list[int] = []
    try:
        for folder in folders if FLOCK else ():
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            fds.append(fd)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        for fd in fds:
            os.close(fd)


def _install_tree(staged: Path, dest: Path) -> None:
    """Put the folder `staged` at `dest`: one atomic exchange where the system has one
    (Linux renameat2; the previous folder is then at `staged`, removed with its staging
    folder), else two renames that put the previous folder back if the second fails."""
    if not dest.exists():
        staged.rename(dest)
    elif not exchange(staged, dest):
        old = staged.with_name(staged.name + ".old")
        dest.rename(old)
        try:
            staged.rename(dest)
        except BaseException:
            old.rename(dest)
            raise
