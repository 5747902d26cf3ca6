"""The one place every Google SDK client is built: credentials (Application Default
Credentials, impersonated credentials, or none for a local fake) and per-host endpoint
overrides. Collectors never construct a client themselves; they ask the gateway
(`api.GcpApi.client`), which asks this seam once per (kind, host) and caches the client
(the SDK clients are thread-safe once built; building them is not done concurrently here).

Why these clients (facts measured against a local endpoint, see the offline-harness notes):
- Resource Manager v3: the GAPIC clients with `transport="rest"`; they honour an
  `api_endpoint` with an `http://` scheme and return proto messages we turn into the REST
  JSON (`as_json`).
- Cloud Logging: the handwritten `google.cloud.logging.Client(_use_grpc=False)`. Its default
  gRPC transport cannot reach an `http://` endpoint (it fails after ~44 s resolving the URL
  as a host name). Its `Sink`/`Metric` objects drop `disabled`, `exclusions` and
  `interceptChildren`, which the policies need, and log buckets have no REST transport in the
  GAPIC `ConfigServiceV2Client` (`KeyError('rest')` in 3.17), so sinks, log buckets and
  metrics are all read through the client's own authorized JSON connection
  (`_connection.api_request`): same credentials, same endpoint, the documented REST JSON.
- Cloud Storage: `google.cloud.storage.Client`; DISABLE_GCS_PYTHON_CLIENT_OTEL_BUCKET_METADATA
  stops the background bucket-metadata GET its observability cache starts on first use of a
  bucket (an unrequested call, racing with ours).
- gRPC-only clients (Monitoring, IAM admin): for an endpoint written `grpc://127.0.0.1:PORT`
  the client gets a local (loopback, no TLS) channel carrying the scan's credentials (tests
  and the demo only; never for a real host).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import InputError, RunError

# `cloud-platform`, not `cloud-platform.read-only`: Cloud KMS (cryptoKeys.get/getIamPolicy),
# Cloud Monitoring (alertPolicies, notificationChannels), IAM (roles.get/list) and Cloud SQL
# Admin accept only their own scopes or `cloud-platform` ("Authorization scopes" of each
# method reference, e.g. https://cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings.cryptoKeys/get),
# so a read-only-scoped token gets 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT there whatever IAM
# grants. The scan stays read-only through the IAM role `logward permissions gcp` prints.
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
OTEL_ENV = "DISABLE_GCS_PYTHON_CLIENT_OTEL_BUCKET_METADATA"


IAM_CREDENTIALS = "iamcredentials.googleapis.com"


def quiet_grpc() -> None:
    """gRPC's C core logs connection events (a server's GOAWAY on an idle channel) to stderr
    at INFO; a scan's terminal and `--quiet` output must not carry them. GRPC_VERBOSITY is
    read when grpc is first imported, so this runs before any client is built (a user's own
    setting wins)."""
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


def credentials(
    impersonate: str | None = None,
    anonymous: bool = False,
    endpoints: Mapping[str, str] | None = None,
) -> Any:
    """ADC (google.auth.default()), or a service account impersonated with them (its
    short-lived token from the IAM Credentials API, whose endpoint `endpoints` may override
    like any other host's), or anonymous credentials (a local fake). RunError when the SDK
    is missing, InputError when no credentials can be found."""
    quiet_grpc()
    try:
        import google.auth
        from google.auth import impersonated_credentials
        from google.auth.credentials import AnonymousCredentials
        from google.auth.exceptions import DefaultCredentialsError
    except ImportError as exc:
        raise RunError("the GCP SDK is not installed: pip install 'logward[gcp]'") from exc
    if anonymous:
        return AnonymousCredentials()
    try:
        source, _project = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError as exc:
        raise InputError(f"no Google credentials: {exc}") from exc
    if not impersonate:
        return source
    base = (endpoints or {}).get(IAM_CREDENTIALS)
    override = (
        f"{base}/v1/projects/-/serviceAccounts/{impersonate}:generateAccessToken" if base else None
    )
    return impersonated_credentials.Credentials(
        source_credentials=source,
        target_principal=impersonate,
        target_scopes=list(SCOPES),
        lifetime=3600,
        iam_endpoint_override=override,
    )


def parse_endpoints(raw: str | None) -> dict[str, str]:
    """`host=url,host2=url2` (the --endpoint option) as a dict; InputError on bad input."""
    found: dict[str, str] = {}
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        host, sep, url = item.strip().partition("=")
        if not sep or not host or not url.startswith(("http://", "https://", "grpc://")):
            raise InputError(
                f"--endpoint: expected host=http(s)://... or host=grpc://..., got {item!r}"
            )
        found[host] = url.rstrip("/")
    return found


@dataclass
class Clients:
    """Builds and caches every SDK client from one set of credentials and endpoints."""

    creds: Any
    endpoints: Mapping[str, str] = field(default_factory=dict)
    project: str = "logward-scan"
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _cached(self, kind: str, host: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            found = self._cache.get((kind, host))
            if found is None:
                found = self._cache[(kind, host)] = build()
            return found

    def endpoint(self, host: str) -> str | None:
        """The override for an API host, if any."""
        return self.endpoints.get(host)

    def local_channel(self, address: str) -> Any:
        """A gRPC channel to a loopback fake that still carries the scan's credentials: gRPC
        sends call credentials only over a secure channel, and local channel credentials
        are the loopback form of one (no TLS, the peer must be on this machine), so a test
        sees the same Authorization metadata a real API would."""
        import grpc
        from google.auth.transport import grpc as auth_grpc
        from google.auth.transport.requests import Request

        local = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        return auth_grpc.secure_authorized_channel(
            self.creds, Request(), address, ssl_credentials=local
        )

    def _on_local_channel(self, cls: type, url: str) -> Any:
        """A GAPIC client whose gRPC transport runs on a local channel to a `grpc://` URL."""
        channel = self.local_channel(url.removeprefix("grpc://"))
        transport = cls.get_transport_class("grpc")(channel=channel)  # type: ignore[attr-defined]
        return cls(transport=transport)

    def gapic(self, host: str, cls: type) -> Any:
        """A GAPIC client: REST transport (gRPC to a `grpc://` override)."""

        def build() -> Any:
            url = self.endpoint(host)
            if url is not None and url.startswith("grpc://"):
                return self._on_local_channel(cls, url)
            options = {"api_endpoint": url} if url else None
            return cls(credentials=self.creds, transport="rest", client_options=options)

        return self._cached(cls.__qualname__, host, build)

    def grpc_only(self, host: str, cls: type) -> Any:
        """A GAPIC client of an API without a REST transport (Monitoring)."""

        def build() -> Any:
            url = self.endpoint(host)
            if url is not None and url.startswith("grpc://"):
                return self._on_local_channel(cls, url)
            options = {"api_endpoint": url.split("://", 1)[-1]} if url else None
            return cls(credentials=self.creds, client_options=options)

        return self._cached(cls.__qualname__, host, build)

    def handwritten(self, host: str, cls: type) -> Any:
        """A handwritten google-cloud client (`project`, `credentials`, `client_options`):
        BigQuery, DNS. Its `_connection.api_request` is the JSON seam."""

        def build() -> Any:
            url = self.endpoint(host)
            options = {"api_endpoint": url} if url else None
            return cls(project=self.project, credentials=self.creds, client_options=options)

        return self._cached(cls.__qualname__, host, build)

    def logging(self) -> Any:
        """The handwritten Cloud Logging client over HTTP (see the module docstring)."""
        from google.cloud import logging as gcl

        def build() -> Any:
            url = self.endpoint("logging.googleapis.com")
            options = {"api_endpoint": url} if url else None
            return gcl.Client(
                project=self.project,
                credentials=self.creds,
                _use_grpc=False,
                client_options=options,
            )

        return self._cached("logging", "logging.googleapis.com", build)

    def storage(self) -> Any:
        """The Cloud Storage client, without its background metadata GET."""
        os.environ.setdefault(OTEL_ENV, "true")
        from google.cloud import storage

        def build() -> Any:
            url = self.endpoint("storage.googleapis.com")
            options = {"api_endpoint": url} if url else None
            return storage.Client(
                project=self.project, credentials=self.creds, client_options=options
            )

        return self._cached("storage", "storage.googleapis.com", build)
