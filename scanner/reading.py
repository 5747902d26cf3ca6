"""Reading input files within bounds, for every reader of user input (policies, config, mappings,
plans, results.json, baselines, bundle manifests, keys).

One place decides what an acceptable input file is: a regular file (not a directory, a FIFO, a
device or a dangling or looping link), at most `max_bytes()` long, UTF-8 where text is expected;
JSON with each key once, no NaN or Infinity, integers Python can convert, and nested at most
MAX_DEPTH levels. Anything else is an InputError (exit 2) naming the file and, where it makes
sense, the line. See docs/inputs.md for the limits and how to raise the size limit.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import sys
from pathlib import Path
from typing import Any, BinaryIO

from scanner.errors import InputError, Problem, clip

SIZE_ENV = "LOGWARD_MAX_INPUT_MB"
DEFAULT_MAX_MB = 64
# Nesting of mappings and lists. Real inputs stay far below (a policy condition ~15, a plan
# with modules nested ten deep ~40); it also keeps every recursive reader (the YAML composer,
# jsonschema, the condition compiler) far from Python's recursion limit.
MAX_DEPTH = 100

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def max_bytes() -> int:
    """The size limit for one input file: $LOGWARD_MAX_INPUT_MB mebibytes, default 64."""
    raw = os.environ.get(SIZE_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise InputError(
            Problem(
                f"${SIZE_ENV}", None, f"{clip(raw)} is not a size; expected a number of MiB > 0"
            )
        )
    return int(value * 1024 * 1024)


def _mib(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / 1024 / 1024:.1f} MiB"


def _too_big(where: str, size: int | None, limit: int) -> InputError:
    told = f"is {_mib(size)}" if size is not None else f"is larger than {_mib(limit)}"
    return InputError(
        Problem(
            where,
            None,
            f"{told}; logward reads input files of at most {_mib(limit)} "
            f"(set {SIZE_ENV} to raise the limit)",
        )
    )


def _open_failure(path: Path, what: str, exc: OSError) -> InputError:
    where = str(path)
    if exc.errno == errno.ELOOP:
        why = "is a symbolic link loop"
    elif exc.errno == errno.ENOENT and os.path.islink(path):
        why = f"is a dangling symbolic link (to {clip(os.readlink(path))})"
    elif exc.errno == errno.ENOENT:
        why = "no such file"
    else:
        why = f"cannot read: {exc.strerror or exc}"
    return InputError(Problem(where, None, f"{why}; expected a {what}"))


def open_regular(path: Path, what: str = "file") -> BinaryIO:
    """`path` opened for reading in binary, once it is known to be a regular file within the
    size limit; InputError otherwise. Opened before it is inspected (O_NONBLOCK: opening a
    FIFO must not wait for a writer), so what is checked is what is read."""
    limit = max_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _open_failure(path, what, exc) from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(Problem(str(path), None, f"is a directory; expected a {what}"))
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise InputError(
                Problem(str(path), None, f"is {kind}, not a regular file; expected a {what}")
            )
        if info.st_size > limit:
            raise _too_big(str(path), info.st_size, limit)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_bytes(path: Path, what: str = "file") -> bytes:
    """The bytes of the regular file `path`, at most max_bytes() of them (see open_regular)."""
    limit = max_bytes()
    with open_regular(path, what) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(
                Problem(str(path), None, f"cannot read: {exc.strerror or exc}")
            ) from exc
    if len(data) > limit:  # it grew since it was inspected
        raise _too_big(str(path), None, limit)
    return data


def decode(data: bytes, where: str, line: int | None = None) -> str:
    """UTF-8 text; InputError with the line of the first byte that is not UTF-8 (`line`: the
    line `data` is, when it is one line of a file)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = line if line is not None else data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            Problem(
                where,
                at,
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "expected a UTF-8 file",
            )
        ) from None


def read_text(path: Path, what: str = "file") -> str:
    """The UTF-8 text of the regular file `path` (see read_bytes)."""
    return decode(read_bytes(path, what), str(path))


class NotJSON(InputError):
    """The text is not JSON at all (a syntax error), as opposed to JSON logward refuses."""


class Refused(ValueError):
    """A JSON value logward does not accept (raised inside the decoder's hooks)."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise Refused(f"duplicate key {clip(key)}; expected each key once in an object")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise Refused(f"{name} is not a JSON number; expected a finite number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise Refused(f"{clip(text)} overflows a number; expected a finite number")
    return value


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    limit = sys.get_int_max_str_digits() or 4300
    if digits > limit:
        raise Refused(f"an integer of {digits} digits; expected at most {limit} digits")
    return int(text)


def parse_json(text: str | bytes, where: str, line: int | None = None) -> Any:
    """Strict JSON: each key once, no NaN/Infinity, at most MAX_DEPTH levels. `line`, for a
    document that is one line of a larger file, is that line (messages name it)."""
    try:
        data = json.loads(
            text,
            object_pairs_hook=_unique,
            parse_constant=_constant,
            parse_float=_float,
            parse_int=_int,
        )
    except json.JSONDecodeError as exc:
        at = line if line is not None else exc.lineno
        raise NotJSON(
            Problem(where, at, f"not valid JSON: {exc.msg} (column {exc.colno})")
        ) from None
    except Refused as exc:
        raise InputError(Problem(where, line, str(exc))) from None
    except RecursionError:
        raise InputError(Problem(where, line, _deep())) from None
    # Counting brackets (C speed) rules out deep nesting for most documents without a walk.
    brackets = (text.count("[") + text.count("{")) if isinstance(text, str) else MAX_DEPTH + 1
    if brackets > MAX_DEPTH and too_deep(data):
        raise InputError(Problem(where, line, _deep()))
    return data


def _deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels; expected at most {MAX_DEPTH}"


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and objects nest more than `limit` levels (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def load_json(path: Path, what: str = "JSON file") -> Any:
    """A JSON file read within the bounds above."""
    return parse_json(read_text(path, what), str(path))
