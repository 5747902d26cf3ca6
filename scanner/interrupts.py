"""SIGINT and SIGTERM as exceptions that unwind the run (so every staging folder is removed on
the way out), and short stretches of work that a signal must not cut in two.

The signal disposition is process state, so the state below is module-level: it belongs to
the process, not to a run. Only the command line calls `install()`; a library caller (or a
test runner in-process) keeps its own handlers, and `deferred()` is then a no-op.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """A SIGINT or SIGTERM arrived. A BaseException, like KeyboardInterrupt, so that no
    `except Exception` turns an abort into an error finding."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process a signal ended: 130, 143."""
        return 128 + self.signum


class _State:
    def __init__(self) -> None:
        self.installed = False
        self.depth = 0  # nesting of deferred() blocks (main thread only)
        self.pending: int | None = None
        self.fired: int | None = None


_state = _State()


def _handler(signum: int, _frame: FrameType | None) -> None:
    if _state.fired is not None:
        # The run is already unwinding: a second Ctrl-C must not cut its clean-up short.
        return
    if _state.depth:
        _state.pending = _state.pending or signum
        return
    _state.fired = signum
    raise Interrupted(signum)


def install() -> None:
    """Route SIGINT and SIGTERM to `Interrupted` (from the main thread, at start-up). A
    signal the parent set to be ignored stays ignored (`nohup`, a shell's background job),
    as Python itself does for SIGINT."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in HANDLED:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _handler)
    _state.installed = True


def settle() -> None:
    """The run is over (its outputs in place, its exit code known): a signal arriving now,
    while the interpreter shuts down, is ignored rather than ending it with another code."""
    if _state.installed and threading.current_thread() is threading.main_thread():
        for signum in HANDLED:
            signal.signal(signum, signal.SIG_IGN)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on them: for steps that must
    happen whole (replacing an output set, creating a temporary file and noting its name)."""
    main = threading.current_thread() is threading.main_thread()
    if not (_state.installed and main):
        yield
        return
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0 and _state.pending is not None and _state.fired is None:
            signum, _state.pending = _state.pending, None
            _state.fired = signum
            raise Interrupted(signum)
