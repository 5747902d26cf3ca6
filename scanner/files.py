"""Writing outputs so that a reader sees the old content or the whole new content, never a part.

Temporary files and folders are created with mode 0666 / 0777 and the kernel applies the
process umask itself, so outputs get the permissions a plain open() would give them without
logward ever reading (which means setting) the umask.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterable
from pathlib import Path

from scanner.interrupts import deferred


def _fresh(folder: Path, prefix: str) -> Path:
    return folder / f".{prefix}.{secrets.token_hex(6)}.tmp"


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it and one rename."""
    write_atomic_chunks(path, (data,))


def write_atomic_text(path: Path, pieces: Iterable[str]) -> None:
    """write_atomic for text produced in pieces, without joining them in memory first."""
    write_atomic_chunks(path, (piece.encode() for piece in pieces))


def _create(folder: Path, prefix: str) -> tuple[Path, int]:
    while True:
        tmp = _fresh(folder, prefix)
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


def write_atomic_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    """write_atomic for bytes produced in pieces."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp: Path | None = None
    try:
        # A signal between creating the file and knowing its name would leak it.
        with deferred():
            tmp, fd = _create(path.parent, path.name)
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(chunks)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (where the platform allows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """fsync every file under `root`."""
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
