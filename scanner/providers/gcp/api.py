"""Every GCP call logward makes goes through here: declared permission, the SDK's retry with
our budget, the run's deadline, evidence of every page, and errors mapped once.

A call is a declared `Call(service, operation, permission)` (`declare.Service`); one that no
service module declares cannot be made, so the custom role `logward permissions gcp` prints is
complete by construction. Each response page is recorded as evidence in its REST JSON shape
(proto messages are converted with `as_json`). Every way a call can fail becomes one
`GcpCallError` with a code (the Google status: PERMISSION_DENIED, NOT_FOUND, SERVICE_DISABLED,
RESOURCE_EXHAUSTED, UNAVAILABLE, MALFORMED_RESPONSE, ...) and the gateway keeps it in
`failures`, so the scan lists every failed call in `errors`.

Retries: each SDK call is handed a `google.api_core.retry.Retry` (the SDKs' own mechanism)
for 429 and 5xx with exponential backoff, at most RETRY_BUDGET seconds per call; the
handwritten Cloud Logging connection takes no retry argument, so the same Retry object wraps
it. A call past the run's `Deadline` is not made and no retry starts (RunDeadlineExceeded).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from scanner.errors import InputError
from scanner.evidence import EvidenceStore
from scanner.model import EvidenceRef, Unknowable
from scanner.providers.base import Call
from scanner.providers.gcp.clients import Clients
from scanner.redact import redact_text
from scanner.source import Deadline

T = TypeVar("T")

# Seconds a call may spend retrying 429/5xx (the first attempt included); `timeouts` of the
# AWS side say why a minute: a healthy API answers in well under a second, throttling clears
# within tens of seconds, and a scan of thousands of projects cannot wait longer per call.
RETRY_BUDGET = 60.0
# Seconds to wait for one HTTP answer.
READ_TIMEOUT = 20.0
# Shorter budgets for fault-injection runs against a local fake (tests, the demo).
RETRY_BUDGET_ENV = "LOGWARD_GCP_RETRY_BUDGET"
# google.rpc.Code names of the HTTP statuses Google APIs answer with.
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_REQUEST_LINE = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE|HEAD) \S+: ")
DISABLED_REASONS = frozenset({"SERVICE_DISABLED", "accessNotConfigured", "API_DISABLED"})


class GcpCallError(Exception):
    """A failed call with its Google status, mapped once here for every collector (code and
    message redacted where they are made: they reach findings, `errors` and the terminal)."""

    def __init__(
        self, call: Call, account: str, code: str, message: str, target: str | None = None
    ) -> None:
        code = redact_text(code)[:200]
        message = redact_text(message)
        if len(message) > 2000:
            message = f"{message[:2000]}... ({len(message) - 2000} more characters)"
        super().__init__(f"{call.service} {call.operation} ({account}): {code}: {message}")
        self.call = call
        self.operation = call.operation
        self.account = account
        self.code = code
        self.message = message
        # The resource a per-resource call was about (a bucket, a project's policy).
        self.target = target
        # Set once a CollectionError names this failure, so it is listed exactly once.
        self.reported = False

    def unknowable(self) -> Unknowable:
        """The attribute value to store when this call was needed for it."""
        what = f" for {self.target}" if self.target else ""
        return Unknowable(f"{self.operation}{what} failed: {self.code}: {self.message}", error=True)


def as_json(message: Any) -> dict[str, Any]:
    """The REST JSON (camelCase, enums by name) of an SDK answer: a proto-plus message, a raw
    protobuf message (IAM policies) or an already-JSON dict."""
    if isinstance(message, Mapping):
        return dict(message)
    pb = getattr(type(message), "pb", None)
    if callable(pb):
        message = pb(message)
    from google.protobuf.json_format import MessageToDict

    data: dict[str, Any] = MessageToDict(message)
    return data


@dataclass(frozen=True)
class Page:
    """One answer (or one page of a list), and the evidence it was recorded as."""

    data: Mapping[str, Any]
    ref: EvidenceRef


def retry_budget() -> float:
    """RETRY_BUDGET, or LOGWARD_GCP_RETRY_BUDGET (InputError when it is not a number in
    (0, 3600])."""
    raw = os.environ.get(RETRY_BUDGET_ENV)
    if not raw:
        return RETRY_BUDGET
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise InputError(f"{RETRY_BUDGET_ENV}={raw!r}: expected seconds above 0, at most 3600")
    return value


class GcpApi:
    """The gateway: declared calls only, each recorded, retried and error-mapped once."""

    def __init__(
        self,
        clients: Clients,
        evidence: EvidenceStore,
        declared: Iterable[Call],
        deadline: Deadline | None = None,
    ) -> None:
        self.clients = clients
        self.evidence = evidence
        self.declared = frozenset(declared)
        self.deadline = deadline
        self.budget = retry_budget()
        self.operations: list[tuple[str, str, str]] = []
        self.failures: list[GcpCallError] = []
        # Project ID -> number of the scanned projects (set once the hierarchy is known), to
        # tell a disabled API of the scanned project from one of the caller's quota project.
        self.project_numbers: dict[str, str] = {}
        self._lock = threading.Lock()

    def retry(self) -> Any:
        """The Retry handed to each SDK call: 429, 5xx and a dropped connection, within the
        budget and deadline."""
        import requests
        from google.api_core import exceptions as gx
        from google.api_core.retry import Retry

        transient = (
            gx.TooManyRequests,
            gx.InternalServerError,
            gx.BadGateway,
            gx.ServiceUnavailable,
            gx.GatewayTimeout,
            # The REST transports and the JSON connections raise these raw on a TCP reset;
            # google-cloud-storage's own default retries them too (one blip is not a failure).
            requests.exceptions.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
        )
        deadline = self.deadline

        def predicate(exc: Exception) -> bool:
            return isinstance(exc, transient) and not (deadline is not None and deadline.passed())

        return Retry(
            predicate=predicate, initial=0.5, maximum=8.0, multiplier=2.0, timeout=self.budget
        )

    def call(
        self,
        call: Call,
        account: str,
        send: Callable[[Any], Any],
        params: Mapping[str, Any],
        target: str | None = None,
    ) -> Page:
        """One call: `send(retry)` makes it through the SDK; its answer as REST JSON."""
        self._check(call, account, target)
        self._count(call, account)
        data = self._sdk(call, account, target, lambda: as_json(send(self.retry())))
        ref = self.evidence.record(call.service, call.operation, "global", params, data)
        return Page(data, ref)

    def pages(
        self,
        call: Call,
        account: str,
        fetch: Callable[[Any], Iterator[Any]],
        params: Mapping[str, Any],
        target: str | None = None,
    ) -> list[Page]:
        """Every page of a list: `fetch(retry)` yields the pages (a GAPIC pager's `.pages`,
        or `json_pages`); each page is counted, checked against the deadline and recorded."""
        self._check(call, account, target)
        try:
            # A GAPIC list method asks for its first page when called (the pager is built on
            # it); a JSON page generator asks for nothing until iterated.
            iterator = self._sdk(call, account, target, lambda: iter(fetch(self.retry())))
        except GcpCallError:
            self._count(call, account)
            raise
        found: list[Page] = []
        while True:
            self._check(call, account, target)
            try:
                page = self._sdk(call, account, target, lambda: next(iterator, None))
            except GcpCallError:
                self._count(call, account)  # a page asked for and not answered: a call too
                raise
            if page is None:
                return found
            self._count(call, account)
            data = self._sdk(call, account, target, _converter(page))
            ref = self.evidence.record(
                call.service, call.operation, "global", {**params, "page": len(found) + 1}, data
            )
            found.append(Page(data, ref))

    def shaped(
        self, call: Call, account: str, normalize: Callable[[], T], target: str | None = None
    ) -> T:
        """`normalize()` of an answer; an answer it cannot read (a field missing or of the
        wrong type) is a malformed answer, a failed call, never a crash or a short list."""
        try:
            return normalize()
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise self.malformed(call, account, why, target) from exc

    def malformed(
        self, call: Call, account: str, why: str, target: str | None = None
    ) -> GcpCallError:
        """An answer that is not the documented shape: a failed call, never data."""
        return self._failed(call, account, "MALFORMED_RESPONSE", why, target)

    def _check(self, call: Call, account: str, target: str | None) -> None:
        if call not in self.declared:
            raise AssertionError(f"{call.service} {call.operation} is declared by no module")
        deadline = self.deadline
        if deadline is not None and deadline.passed():
            raise self._failed(call, account, "RunDeadlineExceeded", deadline.reason, target)

    def _count(self, call: Call, account: str) -> None:
        with self._lock:
            self.operations.append((call.service, call.operation, account))

    def _sdk(self, call: Call, account: str, target: str | None, send: Callable[[], Any]) -> Any:
        """The SDK's answer, every way it can fail mapped once to GcpCallError."""
        from google.api_core import exceptions as gx
        from google.auth import exceptions as ga

        try:
            return send()
        except GcpCallError:
            raise
        except gx.RetryError as exc:
            cause = exc.cause
            code, message = (
                _google(cause, self._own(account))
                if isinstance(cause, gx.GoogleAPICallError)
                else ("RETRY_EXHAUSTED", str(exc))
            )
            message = f"still failing after retrying for {self.budget:g}s: {message}"
            raise self._failed(call, account, code, message, target) from exc
        except gx.GoogleAPICallError as exc:
            code, message = _google(exc, self._own(account))
            raise self._failed(call, account, code, message, target) from exc
        except ga.GoogleAuthError as exc:
            raise self._failed(call, account, "AUTH_FAILED", str(exc), target) from exc
        except (ValueError, TypeError, KeyError) as exc:
            # JSON that does not parse, or a message the SDK cannot build from the answer.
            text = f"{type(exc).__name__}: {exc}"
            raise self._failed(call, account, "MALFORMED_RESPONSE", text, target) from exc
        except OSError as exc:
            raise self._failed(call, account, "CONNECTION_FAILED", str(exc), target) from exc
        except Exception as exc:  # requests' own errors and the like: the call failed
            text = f"{type(exc).__name__}: {exc}"
            raise self._failed(call, account, "CALL_FAILED", text, target) from exc

    def _own(self, account: str) -> frozenset[str]:
        """The names a consumer project of `account` may be reported under."""
        names = {account, f"projects/{account}"}
        number = self.project_numbers.get(account)
        if number:
            names.add(f"projects/{number}")
        return frozenset(names)

    def _failed(
        self, call: Call, account: str, code: str, message: str, target: str | None
    ) -> GcpCallError:
        error = GcpCallError(call, account, code, message, target)
        with self._lock:
            self.failures.append(error)
        return error


def _converter(page: Any) -> Callable[[], dict[str, Any]]:
    return lambda: as_json(page)


def _google(exc: Any, own: frozenset[str] = frozenset()) -> tuple[str, str]:
    """(code, message) of a google.api_core error: the Google status name, SERVICE_DISABLED
    named "API disabled" (ErrorInfo reason SERVICE_DISABLED, or the v1 `accessNotConfigured`).
    When the ErrorInfo's `consumer` is not the call's own project (`own`: its names), the API
    is disabled in the project the call is billed to (the credentials' quota project, e.g. a
    service account's home project for Resource Manager, Service Usage and IAM), and the
    message says so: the fix is there, not in the scanned project."""
    reasons = {str(exc.reason or "")}
    for item in exc.errors or ():
        if isinstance(item, Mapping):
            reasons.add(str(item.get("reason", "")))
    # The REST clients prefix the message with the request line ("POST https://...: ").
    message = _REQUEST_LINE.sub("", str(exc.message))
    if reasons & DISABLED_REASONS:
        consumer = str((getattr(exc, "metadata", None) or {}).get("consumer") or "")
        if consumer and consumer not in own:
            return "SERVICE_DISABLED", (
                f"API disabled in {consumer} (the project this call is billed to, not the"
                f" scanned one: enable the API there): {message}"
            )
        return "SERVICE_DISABLED", f"API disabled: {message}"
    status = getattr(exc, "grpc_status_code", None)
    name = getattr(status, "name", None) or _payload_status(exc) or STATUS.get(exc.code)
    return (str(name) if name else f"HTTP_{exc.code}"), message


def _payload_status(exc: Any) -> str | None:
    """The `status` of the Google error JSON, when the answer had one."""
    try:
        status = exc.response.json()["error"]["status"]
    except Exception:  # no response, not JSON, another shape: the HTTP code says it
        return None
    return str(status) if isinstance(status, str) and status else None


def json_pages(
    request: Callable[[Mapping[str, str]], Mapping[str, Any]], query: Mapping[str, str]
) -> Iterator[Mapping[str, Any]]:
    """The pages of a REST list call made through a JSON connection: `request(query)` per
    page, following `nextPageToken`."""
    token: str | None = None
    while True:
        page = request({**query, "pageToken": token} if token else dict(query))
        yield page
        token = page.get("nextPageToken") if isinstance(page, Mapping) else None
        if not token:
            return


def items(api: GcpApi, call: Call, account: str, page: Page, key: str) -> list[dict[str, Any]]:
    """The list `key` of a page (absent: empty, as Google omits empty lists); any other shape
    is a malformed answer."""
    found = page.data.get(key, [])
    if not isinstance(found, list) or not all(isinstance(i, dict) for i in found):
        raise api.malformed(call, account, f"{key}: expected a list of objects")
    return found
