"""Collection tasks run on a pool and taken back on the main thread in submission order, so
output does not depend on which call answered first; a task that raises is a failure row
(a failed call, an answer not its documented shape, or anything else), never a gap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol, TypeVar, cast

from scanner.source import Progress


class Labelled(Protocol):
    """A task as the progress line and an error row name it."""

    @property
    def label(self) -> str: ...


class CallFailure(Protocol):
    """What a cloud's failed-call exception carries (its gateway maps it once)."""

    operation: str
    code: str
    message: str
    reported: bool


T = TypeVar("T", bound=Labelled)
F = TypeVar("F")


def run_in_order(
    pool: ThreadPoolExecutor,
    tasks: Sequence[tuple[T, Callable[[], F]]],
    call_error: type[Exception],
    fail: Callable[[T, str, str, str], None],
    merge: Callable[[F], None],
    say: Progress,
) -> None:
    """Run every task on `pool`; merge each result, or `fail(task, operation, code, message)`."""
    futures: list[Future[F]] = [pool.submit(fn) for _task, fn in tasks]
    for done, ((task, _fn), future) in enumerate(zip(tasks, futures, strict=True), 1):
        say(f"[{done}/{len(futures)}] {task.label}", transient=True)
        try:
            found = future.result()
        except call_error as raised:
            exc = cast(CallFailure, raised)
            exc.reported = True
            fail(task, exc.operation, exc.code, exc.message)
            say(f"error: {task.label}: {exc.code}")
            continue
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # An answer whose items are not the documented shape: the call's result
            # cannot be read, an error like any failed call, never a gap.
            text = f"{type(exc).__name__}: {exc}"
            fail(task, task.label, "MALFORMED_RESPONSE", text)
            say(f"error: {task.label}: {text}")
            continue
        except Exception as exc:  # anything else: still an error row, never a gap
            fail(task, task.label, "InternalError", f"{type(exc).__name__}: {exc}")
            say(f"error: {task.label}: {type(exc).__name__}: {exc}")
            continue
        merge(found)
