"""Every AWS call logward makes goes through here: declared permission, retries, evidence.

A call that no service module declares (`declare.Service`) cannot be made, so the
least-privilege policy that `logward permissions aws` prints is complete by construction, and
a test proves every declared operation is a read. `endpoint_url` is the seam tests and local
stacks use (the standard AWS_ENDPOINT_URL is honoured by boto3 as well).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.evidence import EvidenceStore
from scanner.model import EvidenceRef, Unknowable
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

    def __init__(self, service: str, operation: str, region: str, code: str, message: str) -> None:
        code, message = _bounded(redact_text(code), 200), _bounded(redact_text(message), 2000)
        super().__init__(f"{service}:{operation} in {region}: {code}: {message}")
        self.service = service
        self.operation = operation
        self.region = region
        self.code = code
        self.message = message

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


class AwsApi:
    """Clients per (service, region), every call declared, recorded and error-mapped."""

    def __init__(
        self,
        session: Any,
        evidence: EvidenceStore,
        permissions: Mapping[tuple[str, str], str],
        endpoint_url: str | None = None,
    ) -> None:
        self._session = session
        self._evidence = evidence
        self._permissions = permissions
        self._endpoint_url = endpoint_url
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._config = client_config()
        self.operations: list[tuple[str, str, str]] = []

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
        "not configured"), raises AwsCallError on any other failure."""
        return self._run(service, region, operation, params, absent, paginate=False)

    def paginate(self, service: str, region: str, operation: str, **params: Any) -> Response:
        """All pages of a paginated list call, list fields concatenated."""
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
        from botocore.exceptions import BotoCoreError, ClientError

        if (service, operation) not in self._permissions:
            raise AssertionError(f"{service}:{operation} is declared by no service module")
        client = self.client(service, region)
        method = xform_name(operation)
        if paginate and not client.can_paginate(method):
            # A silent single call would drop every page after the first.
            raise AssertionError(f"{service}:{operation} has no paginator in this botocore")
        refs: list[EvidenceRef] = []
        try:
            if paginate:
                merged: dict[str, Any] = {}
                pages: dict[int, EvidenceRef] = {}
                for page in client.get_paginator(method).paginate(**params):
                    self._count(service, operation, region)
                    ref = self._evidence.record(service, operation, region, params, page)
                    refs.append(ref)
                    for value in page.values():
                        if isinstance(value, list):
                            pages.update((id(item), ref) for item in value)
                    _merge(merged, page)
                return Response(merged, tuple(refs), pages)
            self._count(service, operation, region)
            data = getattr(client, method)(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "ClientError"))
            if code in set(absent):
                return None
            raise AwsCallError(
                service, operation, region, code, str(error.get("Message", exc))
            ) from exc
        except BotoCoreError as exc:
            raise AwsCallError(service, operation, region, type(exc).__name__, str(exc)) from exc
        refs.append(self._evidence.record(service, operation, region, params, data))
        return Response(data, tuple(refs))


def _merge(into: dict[str, Any], page: Mapping[str, Any]) -> None:
    for key, value in page.items():
        if key == "ResponseMetadata":
            continue
        if isinstance(value, list):
            into.setdefault(key, []).extend(value)
        else:
            into.setdefault(key, value)
