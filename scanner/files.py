"""Writing outputs so that a reader sees the old content or the whole new content, never a part.

Staged files and folders are created with mode 0666 / 0777 and the kernel applies the
process umask itself, so outputs get the permissions a plain open() would give them without
logward ever reading (which means setting) the umask.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a staging file beside it and one rename."""
    write_atomic_chunks(path, (data,))


def write_atomic_text(path: Path, pieces: Iterable[str]) -> None:
    """write_atomic for text produced in pieces, without joining them in memory first."""
    write_atomic_chunks(path, (piece.encode() for piece in pieces))


def write_atomic_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    """write_atomic for bytes produced in pieces. The staging file lives in a marked,
    locked staging folder (`scanner.staging`), so even a SIGKILL leaves nothing that a later
    run would not recognise and remove."""
    from scanner.staging import OutputSet

    with OutputSet() as out:
        out.file(path, chunks)
        out.commit()


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
