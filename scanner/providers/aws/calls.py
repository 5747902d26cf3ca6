"""Every AWS call logward makes goes through here: declared permission, retries, evidence.

A call that no service module declares (`declare.Service`) cannot be made, so the
least-privilege policy that `logward permissions aws` prints is complete by construction, and
a test proves every declared operation is a read. `endpoint_url` is the seam tests and local
stacks use (the standard AWS_ENDPOINT_URL is honoured by boto3 as well).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import InputError
from scanner.evidence import EvidenceStore
from scanner.model import EvidenceRef, Unknowable
from scanner.providers.aws.answers import XML_ROOTS
from scanner.providers.aws.shapes import Shape, mismatch
from scanner.redact import redact_text

READ_PREFIXES = ("Get", "List", "Describe")

# Error codes that mean the region itself cannot be used, so every collector there errs.
REGION_UNUSABLE = frozenset(
    {"UnrecognizedClientException", "AuthFailure", "OptInRequired", "InvalidClientTokenId"}
)


class AwsCallError(Exception):
    """A failed call with the AWS error code, mapped once here for every collector.

    Code and message are redacted here, where they are made: an error can quote the request
    (SignatureDoesNotMatch quotes the canonical request, with the session token among its
    headers), and from here they reach findings, `errors`, every report and the terminal."""

    def __init__(
        self,
        service: str,
        operation: str,
        region: str,
        code: str,
        message: str,
        target: str | None = None,
    ) -> None:
        code, message = _bounded(redact_text(code), 200), _bounded(redact_text(message), 2000)
        super().__init__(f"{service}:{operation} in {region}: {code}: {message}")
        self.service = service
        self.operation = operation
        self.region = region
        self.code = code
        self.message = message
        # What a per-resource call was about (a bucket, a trail, a key), None for lists.
        self.target = target
        # Set once a CollectionError names this failure, so it is listed exactly once.
        self.reported = False

    def unknowable(self) -> Unknowable:
        """The attribute value to store when this call was needed for it."""
        return Unknowable(
            f"{self.operation} failed in {self.region}: {self.code}: {self.message}", error=True
        )


def _bounded(text: str, limit: int) -> str:
    """At most `limit` characters: an error body is the other side's text, of any length."""
    return (
        text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"
    )


@dataclass(frozen=True)
class Response:
    """A successful call: the (merged) response and the evidence of each page."""

    data: dict[str, Any]
    evidence: tuple[EvidenceRef, ...]
    # Which page each listed item came from (by identity), so a resource cites one page,
    # not every page of its list: evidence stays linear in the estate.
    pages: Mapping[int, EvidenceRef] = field(default_factory=dict)

    def ref_for(self, item: Any) -> tuple[EvidenceRef, ...]:
        """The evidence of the page that holds `item` (all pages if unknown)."""
        ref = self.pages.get(id(item))
        return (ref,) if ref is not None else self.evidence


def client_config() -> Any:
    """botocore Config: adaptive retries and a connection pool sized for the worker pool;
    timeouts and attempts that fit a scan (`timeouts` says why these values)."""
    from botocore.config import Config

    from scanner.providers.aws.timeouts import CONNECT_TIMEOUT, MAX_ATTEMPTS, READ_TIMEOUT

    return Config(
        # total_max_attempts counts the first attempt (max_attempts would not).
        retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_pool_connections=16,
        user_agent_extra="logward",
    )


# Shorter waits than a scan of AWS needs, for fault-injection runs against a local endpoint
# (a stalled call must not cost minutes there). Read here only, layered on client_config().
READ_TIMEOUT_ENV = "LOGWARD_AWS_READ_TIMEOUT"
MAX_ATTEMPTS_ENV = "LOGWARD_AWS_MAX_ATTEMPTS"


def _tuned(config: Any) -> Any:
    from botocore.config import Config

    extra: dict[str, Any] = {}
    for name, key, kind in (
        (READ_TIMEOUT_ENV, "read_timeout", float),
        (MAX_ATTEMPTS_ENV, "max_attempts", int),
    ):
        raw = os.environ.get(name)
        if not raw:
            continue
        try:
            value = kind(raw)
        except ValueError:
            value = 0
        if not 0 < value <= 3600:
            raise InputError(f"{name}={raw!r}: expected a number above 0, at most 3600")
        extra[key] = value
    if not extra:
        return config
    if "max_attempts" in extra:
        # Attempts in all, the first included (botocore's total_max_attempts); whichever of
        # its two retry keys client_config() set is replaced.
        retries = {
            k: v
            for k, v in (config.retries or {}).items()
            if k not in ("max_attempts", "total_max_attempts")
        }
        extra["retries"] = dict(retries, total_max_attempts=extra.pop("max_attempts"))
    return config.merge(Config(**extra))


class AwsApi:
    """Clients per (service, region), every call declared, recorded and error-mapped."""

    def __init__(
        self,
        session: Any,
        evidence: EvidenceStore,
        permissions: Mapping[tuple[str, str], str],
        endpoint_url: str | None = None,
        *,
        shapes: Mapping[tuple[str, str], Shape | None],
    ) -> None:
        self._session = session
        self._evidence = evidence
        self._permissions = permissions
        self._shapes = shapes
        self._endpoint_url = endpoint_url
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._config = _tuned(client_config())
        self.operations: list[tuple[str, str, str]] = []
        # Every call that failed, whether or not a collector let the error through: the scan
        # lists each in its errors (collect.py).
        self.failures: list[AwsCallError] = []

    def _count(self, service: str, operation: str, region: str) -> None:
        with self._lock:
            self.operations.append((service, operation, region))

    def client(self, service: str, region: str) -> Any:
        """A cached client; boto3 clients are thread-safe, their creation is not."""
        key = (service, region)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                extra = {"endpoint_url": self._endpoint_url} if self._endpoint_url else {}
                found = self._session.client(
                    service, region_name=region, config=self._config, **extra
                )
                found.meta.events.register("response-received", _inspect_body)
                self._clients[key] = found
            return found

    def call(
        self,
        service: str,
        region: str,
        operation: str,
        *,
        absent: Iterable[str] = (),
        **params: Any,
    ) -> Response | None:
        """One call. Returns None when AWS answers with one of the `absent` codes (meaning
        "not configured"), raises AwsCallError on any other failure, and on an answer that is
        not the declared shape."""
        return self._run(service, region, operation, params, absent, paginate=False)

    def paginate(self, service: str, region: str, operation: str, **params: Any) -> Response:
        """All pages of a paginated list call, list fields concatenated; every page is checked
        against the declared shape."""
        response = self._run(service, region, operation, params, (), paginate=True)
        assert response is not None
        return response

    def _run(
        self,
        service: str,
        region: str,
        operation: str,
        params: Mapping[str, Any],
        absent: Iterable[str],
        paginate: bool,
    ) -> Response | None:
        from botocore import xform_name

        if (service, operation) not in self._permissions:
            raise AssertionError(f"{service}:{operation} is declared by no service module")
        shape = self._shapes.get((service, operation))
        if shape is None:
            raise AssertionError(f"{service}:{operation} is declared without an answer shape")
        client = self.client(service, region)
        method = xform_name(operation)
        if paginate and not client.can_paginate(method):
            # A silent single call would drop every page after the first.
            raise AssertionError(f"{service}:{operation} has no paginator in this botocore")
        at = _At(service, operation, region, _target(client, operation, params), set(absent))
        refs: list[EvidenceRef] = []
        if paginate:
            merged: dict[str, Any] = {}
            pages: dict[int, EvidenceRef] = {}
            iterator = iter(client.get_paginator(method).paginate(**params))
            while True:
                page = self._sdk(at, lambda: next(iterator, None))
                if page is None:
                    return Response(merged, tuple(refs), pages)
                self._count(service, operation, region)
                self._check(at, shape, page)
                ref = self._evidence.record(service, operation, region, params, page)
                refs.append(ref)
                for value in page.values():
                    if isinstance(value, list):
                        pages.update((id(item), ref) for item in value)
                _merge(merged, page)
        self._count(service, operation, region)
        try:
            data = self._sdk(at, lambda: getattr(client, method)(**params))
        except _Absent:
            return None
        self._check(at, shape, data)
        refs.append(self._evidence.record(service, operation, region, params, data))
        return Response(data, tuple(refs))

    def _sdk(self, at: _At, send: Callable[[], Any]) -> Any:
        """The SDK's answer, every way it can fail mapped once to AwsCallError."""
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        try:
            return send()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "ClientError"))
            if code in at.absent:
                raise _Absent from exc
            raise self._failed(at, code, str(error.get("Message", exc))) from exc
        except IncompleteBody as exc:
            raise self._failed(at, "IncompleteResponse", str(exc)) from exc
        except ResponseParserError as exc:
            raise self._failed(at, "MalformedResponse", str(exc)) from exc
        except BotoCoreError as exc:
            raise self._failed(at, type(exc).__name__, str(exc)) from exc
        except Exception as exc:
            # botocore's parsers let some errors of their own through (a CBOR body that is
            # not UTF-8, GetBucketLocation's XML): the answer could not be read.
            raise self._failed(at, "MalformedResponse", f"{type(exc).__name__}: {exc}") from exc

    def _check(self, at: _At, shape: Shape, data: Mapping[str, Any]) -> None:
        answer = {k: v for k, v in data.items() if k != "ResponseMetadata"}
        problem = mismatch(shape, answer)
        root = XML_ROOTS.get((at.service, at.operation))
        got = (data.get("ResponseMetadata") or {}).get("XmlRoot")
        if problem is None and root is not None and got != root:
            problem = f"expected a <{root}> document, got {f'<{got}>' if got else 'none'}"
        if problem is not None:
            raise self._failed(
                at, "MalformedResponse", f"the answer is not the shape AWS documents: {problem}"
            )

    def _failed(self, at: _At, code: str, message: str) -> AwsCallError:
        error = AwsCallError(at.service, at.operation, at.region, code, message, target=at.target)
        with self._lock:
            self.failures.append(error)
        return error


@dataclass(frozen=True)
class _At:
    """Which call an answer belongs to, for its errors."""

    service: str
    operation: str
    region: str
    target: str | None
    absent: set[str]


class _Absent(Exception):
    """AWS answered with one of the codes that mean "not configured"."""


class IncompleteBody(Exception):
    """A response body shorter (or longer) than its Content-Length."""


_XML_ROOT = re.compile(rb"\s*(?:<\?xml[^>]*\?>\s*)?<([A-Za-z_][\w.:-]*)")


def _inspect_body(
    response_dict: Mapping[str, Any] | None = None,
    parsed_response: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    """botocore parses a cut body as far as it goes and compares nothing with Content-Length:
    a body of another length than its header says is a failed call. The root element of an
    XML body is kept (ResponseMetadata.XmlRoot) for answers no key can vouch for."""
    if not response_dict:
        return
    declared = str(response_dict.get("headers", {}).get("content-length", ""))
    body = response_dict.get("body")
    if not isinstance(body, bytes):
        return
    if declared.isdigit() and int(declared) != len(body):
        raise IncompleteBody(
            f"the response body is {len(body)} bytes, its Content-Length says {declared}"
        )
    root = _XML_ROOT.match(body[:512])
    if root and isinstance(parsed_response, dict):
        meta = parsed_response.setdefault("ResponseMetadata", {})
        meta["XmlRoot"] = root.group(1).decode("ascii", "replace")


def _target(client: Any, operation: str, params: Mapping[str, Any]) -> str | None:
    """What a per-resource call is about: its first required string parameter (Bucket, Name,
    KeyId, TopicArn), from the operation's model; None for list calls."""
    shape = client.meta.service_model.operation_model(operation).input_shape
    for name in getattr(shape, "required_members", None) or ():
        value = params.get(name)
        if isinstance(value, str):
            return value
    return None


def _merge(into: dict[str, Any], page: Mapping[str, Any]) -> None:
    for key, value in page.items():
        if key == "ResponseMetadata":
            continue
        if isinstance(value, list):
            into.setdefault(key, []).extend(value)
        else:
            into.setdefault(key, value)
