"""Every ARM read logward makes goes through here: a declared op, its declared api-version,
the client's own pipeline, `nextLink` followed exactly, evidence of every page, the run's
deadline, and errors mapped once.

Why raw requests through each azure-mgmt-* client's pipeline (`clients.Clients.sender`:
`send_request`), not the clients' typed operations:
- one gateway owns paging: `nextLink` is followed exactly as ARM returned it (the typed
  pagers of some clients rewrite its api-version to their own, e.g. azure-mgmt-storage
  25.3.0's), and every page is recorded as evidence in the documented REST JSON, the same
  shape the fixtures, the normalizers and the Terraform mapper read (the typed models drop
  fields they do not know and rename the rest);
- the api-version is the one each op declares, the one the fixtures and the Microsoft
  Learn pages cited beside each op are written against, not whatever the installed SDK
  version defaults to (azure-mgmt-storage 25.3.0 defaults to a future `2026-09-01`);
- azure-mgmt-monitor 7.0.0, the current release, has no diagnostic-settings operations at
  all (Azure/azure-sdk-for-python issue 42425; 8.0 is pre-release only), and Entra ID's
  `microsoft.aadiam` diagnostic settings have no client in any SDK;
- errors are mapped once, here, from the ARM error JSON.
The pipeline is still the SDK's: credential and ARM challenge authentication, azure-core's
RetryPolicy (429 and 5xx, honouring Retry-After), user agent, https enforcement.

Every failure is one `ArmError` with a code: FORBIDDEN (401/403: AuthorizationFailed,
LinkedAuthorizationFailed, InvalidAuthenticationToken; the message names the RBAC action the
op needs), NOT_FOUND (404), NOT_REGISTERED (MissingSubscriptionRegistration: the resource
provider is not registered, so the subscription has none of its resources; collectors make
it an empty list plus a note), THROTTLED (429 past the retries), UNAVAILABLE (5xx or a
connection failure past the retries), INVALID_REQUEST (any other 4xx), AUTH_FAILED (no token
could be had), MALFORMED_RESPONSE, RunDeadlineExceeded (--max-duration; the code AWS and
GCP use). The gateway keeps each in `failures`, so the scan lists every failed call in
`errors`.
"""

from __future__ import annotations

import builtins
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from scanner.evidence import EvidenceStore
from scanner.model import EvidenceRef, Unknowable
from scanner.providers.azure.clients import POST_OPTION, READ_TIMEOUT, Clients
from scanner.providers.azure.declare import Op
from scanner.providers.azure.names import subscription_of
from scanner.redact import redact_text
from scanner.source import Deadline

T = TypeVar("T")
CODES = (
    "FORBIDDEN",
    "NOT_FOUND",
    "NOT_REGISTERED",
    "THROTTLED",
    "UNAVAILABLE",
    "INVALID_REQUEST",
    "AUTH_FAILED",
    "MALFORMED_RESPONSE",
    "RunDeadlineExceeded",
)
# ARM error codes of an unregistered resource provider ("Resolve errors for resource
# provider registration",
# https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider).
NOT_REGISTERED = frozenset({"MissingSubscriptionRegistration", "SubscriptionNotRegistered"})
_SAFE = "/-_.~!$&'()*+,;=:@"


def _endpoint(parts: urllib.parse.SplitResult) -> tuple[str, str, int | None]:
    """Scheme, lower-cased host and effective port of a URL: ARM writes nextLinks such as
    `https://management.azure.com:443/...` (explicit default port), and host names are
    case-insensitive (RFC 3986 3.2.2), so neither may count as another endpoint."""
    scheme = parts.scheme.lower()
    default = {"https": 443, "http": 80}.get(scheme)
    try:
        port = parts.port or default
    except ValueError:  # a port that is not a number names no endpoint of ours
        port = -1
    return scheme, (parts.hostname or "").lower(), port


@dataclass(frozen=True)
class Call:
    """One read being made: the op, the account it is made for, what it is about (the path
    it reads: a subscription's list, a resource)."""

    op: Op
    account: str
    target: str


class ArmError(Exception):
    """A failed ARM read with its code (module docstring), redacted where it is made: it
    reaches findings, `errors` and the terminal."""

    def __init__(self, code: str, status: int | None, message: str, call: Call) -> None:
        op, target, account = call.op, call.target, call.account
        message = redact_text(message)
        if len(message) > 2000:
            message = f"{message[:2000]}... ({len(message) - 2000} more characters)"
        super().__init__(f"{op.name} ({account}): {code}: {message}")
        self.code = code
        self.status = status
        self.message = message
        self.op = op
        self.operation = op.name
        # What the call was about: the path it read (a subscription's list, a resource).
        self.target = target
        self.account = account
        # Set once a CollectionError names this failure, so it is listed exactly once.
        self.reported = False

    def unknowable(self) -> Unknowable:
        """The attribute value to store when this call was needed for it."""
        return Unknowable(
            f"{self.operation} of {self.target} failed: {self.code}: {self.message}", error=True
        )


class Page(dict[str, Any]):
    """One answer (or one page of a list) as returned, and the evidence it was recorded as."""

    ref: EvidenceRef


class Listing(list[dict[str, Any]]):
    """The `value` items of every page of a list, the evidence of each page (`refs`) and of
    each item (`item_refs`: its page's, in item order)."""

    refs: tuple[EvidenceRef, ...] = ()
    item_refs: tuple[EvidenceRef, ...] = ()


class ArmApi:
    """The gateway: declared ops only, each counted, recorded and error-mapped once."""

    def __init__(
        self,
        clients: Clients,
        evidence: EvidenceStore,
        declared: Iterable[Op],
        deadline: Deadline | None = None,
    ) -> None:
        self.clients = clients
        self.evidence = evidence
        self.declared = frozenset(declared)
        self.deadline = deadline
        # Set once enumeration knows it: the account of tenant-level calls.
        self.tenant_id: str | None = None
        self.operations: builtins.list[tuple[str, str]] = []
        self.failures: builtins.list[ArmError] = []
        self._lock = threading.Lock()

    # -- the three ways to read -------------------------------------------------------------

    def pages(
        self,
        op: Op,
        *,
        query: Mapping[str, str] | None = None,
        account: str | None = None,
        **params: str,
    ) -> Iterator[Page]:
        """Every page of `op` at the path its `params` fill in: the first with the declared
        api-version (and `query`), then each `nextLink` exactly as returned, until a page
        has none. Each page is counted, checked against the deadline and recorded."""
        path = _path(op, params)
        who = account or self._account(params)
        base = urllib.parse.urlsplit(self.clients.base_url)
        url: str | None = path
        first = True
        seen: set[str] = set()
        number = 0
        while url is not None:
            number += 1
            sent = (
                {"api-version": op.api_version, **(query or {}), **dict(op.query)} if first else {}
            )
            page = self._send(Call(op, who, path), url, sent, number)
            yield page
            first = False
            link = page.get("nextLink")
            if link in (None, ""):
                return
            if not isinstance(link, str):
                raise self.malformed(op, who, "nextLink is not a string", path)
            parts = urllib.parse.urlsplit(link)
            # The token goes only where the scan was pointed; a loop is not followed twice.
            if _endpoint(parts) != _endpoint(base):
                raise self.malformed(op, who, f"nextLink leaves {base.netloc}: {link}", path)
            if link in seen:
                raise self.malformed(op, who, f"nextLink repeats itself: {link}", path)
            seen.add(link)
            url = link

    def list(
        self,
        op: Op,
        *,
        query: Mapping[str, str] | None = None,
        account: str | None = None,
        **params: str,
    ) -> Listing:
        """The `value` items of every page (a page without `value` has none; any other
        shape is a malformed answer)."""
        found = Listing()
        refs: builtins.list[EvidenceRef] = []
        per_item: builtins.list[EvidenceRef] = []
        who = account or self._account(params)
        for page in self.pages(op, query=query, account=who, **params):
            refs.append(page.ref)
            items = self.items(op, page, who, _path(op, params))
            found.extend(items)
            per_item.extend(page.ref for _ in items)
        found.refs = tuple(refs)
        found.item_refs = tuple(per_item)
        return found

    def get(
        self,
        op: Op,
        *,
        query: Mapping[str, str] | None = None,
        account: str | None = None,
        **params: str,
    ) -> Page:
        """One answer (a nextLink in it is not followed)."""
        path = _path(op, params)
        sent = {"api-version": op.api_version, **(query or {}), **dict(op.query)}
        return self._send(Call(op, account or self._account(params), path), path, sent, 1)

    # -- helpers for collectors -------------------------------------------------------------

    def items(
        self, op: Op, page: Mapping[str, Any], account: str, target: str
    ) -> builtins.list[Any]:
        """The `value` list of a page; any shape but a list of objects is malformed."""
        value = page.get("value", [])
        if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
            raise self.malformed(op, account, "value: expected a list of objects", target)
        return value

    def shaped(self, op: Op, account: str, target: str, normalize: Callable[[], T]) -> T:
        """`normalize()` of an answer; an answer it cannot read (a field missing or of the
        wrong type) is a malformed answer, a failed call, never a crash or a short list."""
        try:
            return normalize()
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self.malformed(op, account, f"{type(exc).__name__}: {exc}", target) from exc

    def malformed(self, op: Op, account: str, why: str, target: str) -> ArmError:
        """An answer that is not the documented shape: a failed call, never data."""
        return self._failed("MALFORMED_RESPONSE", None, why, Call(op, account, target))

    # -- the one send -----------------------------------------------------------------------

    def _account(self, params: Mapping[str, str]) -> str:
        sub = params.get("subscription") or subscription_of(params.get("id") or "")
        return (sub or self.tenant_id or "tenant").lower()

    def _send(self, call: Call, url: str, query: Mapping[str, str], page: int) -> Page:
        from azure.core.rest import HttpRequest

        op = call.op
        if op not in self.declared:
            raise AssertionError(f"{op.name} is declared by no module")
        deadline = self.deadline
        if deadline is not None and deadline.passed():
            raise self._failed("RunDeadlineExceeded", None, deadline.reason, call)
        with self._lock:
            self.operations.append((op.name, call.account))
        request = HttpRequest(op.method, url, params=dict(query) or None)
        options: dict[str, Any] = {"read_timeout": READ_TIMEOUT}
        if deadline is not None:
            # RetryPolicy's absolute timeout: no retry starts past the deadline.
            options["timeout"] = max(deadline.remaining(), 0.001)
        if op.method == "POST":
            options[POST_OPTION] = urllib.parse.urlsplit(url).path or url
        response = self._transport(call, request, options)
        status = int(response.status_code)
        text = self._text(call, response)
        if not 200 <= status < 300:
            raise self._http_error(call, status, text)
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            raise self._failed("MALFORMED_RESPONSE", None, f"not JSON: {exc}", call) from exc
        if not isinstance(data, dict):
            raise self._failed("MALFORMED_RESPONSE", None, "expected a JSON object", call)
        line = url if page > 1 else f"{url}?{urllib.parse.urlencode(dict(query))}"
        parts = urllib.parse.urlsplit(line)
        request_line = f"{op.method} {parts.path}" + (f"?{parts.query}" if parts.query else "")
        params = {"request": request_line, "page": page}
        found = Page(data)
        found.ref = self.evidence.record(op.client, op.name, "global", params, data)
        return found

    def _transport(self, call: Call, request: Any, options: dict[str, Any]) -> Any:
        from azure.core import exceptions as ax

        try:
            return self.clients.sender(call.op.client)(request, **options)
        except ax.ClientAuthenticationError as exc:
            raise self._failed("AUTH_FAILED", None, str(exc), call) from exc
        except (ax.ServiceRequestTimeoutError, ax.ServiceResponseTimeoutError) as exc:
            code = "RunDeadlineExceeded" if self._past() else "UNAVAILABLE"
            raise self._failed(code, None, f"retries ran out of time: {exc}", call) from exc
        except (ax.ServiceRequestError, ax.ServiceResponseError) as exc:
            message = f"{type(exc).__name__}: {exc}"
            raise self._failed("UNAVAILABLE", None, message, call) from exc
        except ax.DecodeError as exc:
            raise self._failed("MALFORMED_RESPONSE", None, f"not JSON: {exc}", call) from exc

    def _text(self, call: Call, response: Any) -> str:
        from azure.core import exceptions as ax

        try:
            return str(response.text())
        except (ax.ServiceResponseError, ax.DecodeError, ValueError) as exc:
            why = f"unreadable body: {exc}"
            raise self._failed("MALFORMED_RESPONSE", None, why, call) from exc

    def _past(self) -> bool:
        return self.deadline is not None and self.deadline.passed()

    def _http_error(self, call: Call, status: int, text: str) -> ArmError:
        arm_code, message = _arm_error(text)
        if arm_code in NOT_REGISTERED:
            code = "NOT_REGISTERED"
        elif status in (401, 403):
            code = "FORBIDDEN"
            message = f"{message} (needs {call.op.permission})"
        elif status == 404:
            code = "NOT_FOUND"
        elif status == 429:
            code = "THROTTLED"
        elif status >= 500:
            code = "UNAVAILABLE"
        else:
            code = "INVALID_REQUEST"
        detail = f"HTTP {status} {arm_code}: {message}" if arm_code else f"HTTP {status}: {message}"
        return self._failed(code, status, detail, call)

    def _failed(self, code: str, status: int | None, message: str, call: Call) -> ArmError:
        error = ArmError(code, status, message, call)
        with self._lock:
            self.failures.append(error)
        return error


def _path(op: Op, params: Mapping[str, str]) -> str:
    """The op's path with its holes filled (ids as given, never re-cased), percent-encoded
    where a name needs it."""
    try:
        path = op.path.format(**params)
    except KeyError as exc:
        raise AssertionError(f"{op.name}: missing path parameter {exc}") from exc
    return urllib.parse.quote(path, safe=_SAFE)


def _arm_error(text: str) -> tuple[str, str]:
    """(code, message) of an ARM error body: `{"error": {"code", "message"}}` (the
    documented shape), or `{"code", "message"}` as some providers answer, else the text."""
    try:
        body = json.loads(text)
    except ValueError:
        return "", text[:500]
    inner = body.get("error", body) if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        return "", text[:500]
    return str(inner.get("code") or ""), str(inner.get("message") or "")
