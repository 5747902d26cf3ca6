"""How long one AWS call may take, and the run's --max-duration, enforced through botocore's
own event hooks (so every client of the session obeys them, and tests reach them through the
real SDK).

Why these values. A scan makes a few hundred read-only calls, twelve at a time, and each
answers in well under a second when AWS is healthy. botocore's defaults (60 s read timeout)
with 8 retries cost about 9 minutes for one call to a hung endpoint, and a whole scan an hour.

- CONNECT_TIMEOUT 5 s: a TCP and TLS handshake with a regional endpoint takes tens of
  milliseconds; 5 s covers a congested link, and a blackholed endpoint fails fast.
- READ_TIMEOUT 20 s: the longest wait between two bytes of an answer. The slowest calls
  logward makes (a page of DescribeLogGroups, an org trail's GetEventSelectors) answer in a
  few seconds; large answers are not cut short, as the timeout is per read, not per body.
- MAX_ATTEMPTS 6 (5 retries) with botocore's adaptive mode: enough to ride out throttling
  (backoff up to 20 s between attempts) within the budget below.
- CALL_BUDGET 60 s: no retry starts once a call has spent this long. A call therefore ends
  within about CALL_BUDGET + CONNECT_TIMEOUT + READ_TIMEOUT (85 s) however the endpoint
  misbehaves (a hung endpoint: three 20 s attempts, then CallDeadlineExceeded), and is then
  an `error` with that reason. A slow-drip answer (a byte every few seconds) can only be cut
  between attempts, so that bound assumes the answer stops, not that it trickles.

--max-duration (a `Deadline`): once passed, no call starts and no retry is made
(RunDeadlineExceeded); the collector turns every task not finished into an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError

from scanner.source import Deadline

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
MAX_ATTEMPTS = 6
CALL_BUDGET = 60.0

_STARTED = "logward_started"
_LAST = "logward_last_failure"


class CallDeadlineExceeded(BotoCoreError):  # type: ignore[misc]
    """A call that failed and kept failing past its budget (its class name is the error
    code findings and `errors` show)."""

    fmt = (
        "{operation}: no answer within {budget:g}s over {attempts} attempt(s); last failure: {last}"
    )


class RunDeadlineExceeded(BotoCoreError):  # type: ignore[misc]
    """A call not made (or not retried) because --max-duration has passed."""

    fmt = "{reason}"


def _context(kwargs: dict[str, Any]) -> dict[str, Any]:
    request = kwargs.get("request")
    found = getattr(request, "context", None)
    if found is None:
        found = (kwargs.get("request_dict") or {}).get("context")
    return found if isinstance(found, dict) else {}


def register(
    events: Any, deadline: Deadline | None = None, budget: float = CALL_BUDGET
) -> Callable[[], None]:
    """Enforce the call budget and `deadline` on every client later created from the
    botocore event emitter `events` (a session's); returns the function that removes them."""

    def before_attempt(**kwargs: Any) -> None:
        context = _context(kwargs)
        now = time.monotonic()
        started = context.setdefault(_STARTED, now)
        if deadline is not None and deadline.passed():
            raise RunDeadlineExceeded(reason=f"{deadline.reason} (call not made)")
        attempt = int(context.get("retries", {}).get("attempt", 1))
        if attempt > 1 and now - started > budget:
            raise CallDeadlineExceeded(
                operation=kwargs.get("operation_name", "call"),
                budget=budget,
                attempts=attempt - 1,
                last=context.get(_LAST, "unknown"),
            )

    def after_attempt(**kwargs: Any) -> None:
        caught = kwargs.get("caught_exception")
        response = kwargs.get("response")
        if caught is not None:
            _context(kwargs)[_LAST] = f"{type(caught).__name__}: {caught}"
        elif response is not None:
            status = getattr(response[0], "status_code", None)
            code = (response[1] or {}).get("Error", {}).get("Code", "")
            if status is not None and status >= 400:
                _context(kwargs)[_LAST] = f"HTTP {status} {code}".strip()

    handlers = (("request-created", before_attempt), ("needs-retry", after_attempt))
    for event, handler in handlers:
        events.register(event, handler, unique_id=f"logward-{event}-{id(handler)}")

    def unregister() -> None:
        for event, handler in handlers:
            events.unregister(event, handler, unique_id=f"logward-{event}-{id(handler)}")

    return unregister
