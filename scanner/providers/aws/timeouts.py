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


class Limits:
    """The call budget and the run's deadline, as botocore event handlers on a session: every
    client created from it afterwards obeys them. The deadline applies from `arm()` on, so
    the calls that identify the account and list its regions are made whatever it says:
    without them no finding could name what was not collected."""

    def __init__(self, events: Any, budget: float = CALL_BUDGET) -> None:
        self.events = events
        self.budget = budget
        self.deadline: Deadline | None = None
        self.stopped = False
        self._handlers = (("request-created", self._before), ("needs-retry", self._after))
        for event, handler in self._handlers:
            events.register(event, handler, unique_id=self._id(event))

    def _id(self, event: str) -> str:
        return f"logward-{event}-{id(self)}"

    def arm(self, deadline: Deadline | None) -> None:
        """From now on, refuse calls and retries once `deadline` has passed."""
        self.deadline = deadline

    def stop(self) -> None:
        """The run is being abandoned (SIGINT, SIGTERM): no further call or retry starts."""
        self.stopped = True

    def remove(self) -> None:
        """Unregister the handlers."""
        for event, _handler in self._handlers:
            self.events.unregister(event, unique_id=self._id(event))

    def _before(self, **kwargs: Any) -> None:
        context = _context(kwargs)
        now = time.monotonic()
        started = context.setdefault(_STARTED, now)
        attempt = int(context.get("retries", {}).get("attempt", 1))
        what = (
            "call not made" if attempt == 1 else f"not retried; last failure: {context.get(_LAST)}"
        )
        if self.stopped:
            raise RunDeadlineExceeded(reason=f"the run was interrupted ({what})")
        deadline = self.deadline
        if deadline is not None and deadline.passed():
            raise RunDeadlineExceeded(reason=f"{deadline.reason} ({what})")
        if attempt > 1 and now - started > self.budget:
            raise CallDeadlineExceeded(
                operation=kwargs.get("operation_name", "call"),
                budget=self.budget,
                attempts=attempt - 1,
                last=context.get(_LAST, "unknown"),
            )

    def _after(self, **kwargs: Any) -> None:
        caught = kwargs.get("caught_exception")
        response = kwargs.get("response")
        if caught is not None:
            _context(kwargs)[_LAST] = f"{type(caught).__name__}: {caught}"
        elif response is not None:
            status = getattr(response[0], "status_code", None)
            code = (response[1] or {}).get("Error", {}).get("Code", "")
            if status is not None and status >= 400:
                _context(kwargs)[_LAST] = f"HTTP {status} {code}".strip()
