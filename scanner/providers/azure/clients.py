"""The one place every azure-mgmt-* client is built: credential, endpoint, TLS trust, retry
and the pipeline's policies. Collectors never construct a client; the gateway
(`api.ArmApi`) asks this seam for one per kind, cached (the clients are thread-safe once
built).

Credentials: `DefaultAzureCredential` (environment, workload identity, managed identity,
Azure CLI, ...). A static token (`StaticToken`) exists only for a local fake: the adapter
accepts it only together with `--endpoint` on a loopback https URL.

https is never relaxed: the ARM bearer policy refuses http (azure-core's
"Bearer token authentication is not permitted for non-TLS protected URLs"), so the local
fake serves TLS with a CA it makes at start-up, handed here as `connection_verify`.

The pipeline is the clients' own (`policies=`, a documented keyword of every generated
client and of `ARMPipelineClient`), listed here in the generated clients' order with two
changes, both for read-only safety:
- no `ARMAutoResourceProviderRegistrationPolicy`: on a 409 MissingSubscriptionRegistration
  it POSTs `/subscriptions/<s>/providers/<rp>/register` (a write, and a change of the
  customer's subscription) and then polls; the gateway maps that 409 to NOT_REGISTERED
  instead (azure-mgmt-core 1.6.0, `policies/_base.py`);
- `ReadOnlyGuard` last before the transport: any request that is not a GET, or a POST the
  gateway marked as a declared POST list operation for that exact path, is refused before
  it leaves the process.
"""

from __future__ import annotations

import ipaddress
import os
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import InputError, RunError

ARM = "https://management.azure.com"
# The ARM token scope: "<resource>/.default" (Microsoft identity platform scopes,
# https://learn.microsoft.com/entra/identity-platform/scopes-oidc#the-default-scope).
ARM_SCOPE = "https://management.azure.com/.default"
# The generated clients want a subscription id at construction for their typed operations;
# logward sends its own requests (every path carries its subscription), so none is bound.
UNBOUND = "00000000-0000-0000-0000-000000000000"
# The request option through which the gateway marks a declared POST list operation.
POST_OPTION = "logward_read_post"
RETRY_TOTAL_ENV = "LOGWARD_AZURE_RETRY_TOTAL"
RETRY_BACKOFF_ENV = "LOGWARD_AZURE_RETRY_BACKOFF"
# Retries of 429/5xx and dropped connections (azure-core's RetryPolicy, which waits what a
# Retry-After header says). ARM throttling clears within tens of seconds ("Understand how
# Azure Resource Manager throttles requests",
# https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
RETRY_TOTAL = 6
RETRY_BACKOFF = 0.8
RETRY_BACKOFF_MAX = 60
CONNECTION_TIMEOUT = 10
READ_TIMEOUT = 30

# kind -> (module, class, takes a subscription id)
KINDS: dict[str, tuple[str, str, bool]] = {
    "subscriptions": ("azure.mgmt.resource.subscriptions", "SubscriptionClient", False),
    "managementgroups": ("azure.mgmt.managementgroups", "ManagementGroupsMgmtClient", False),
    "resources": ("azure.mgmt.resource.resources", "ResourceManagementClient", True),
    "monitor": ("azure.mgmt.monitor", "MonitorManagementClient", True),
    "storage": ("azure.mgmt.storage", "StorageManagementClient", True),
    "authorization": ("azure.mgmt.authorization", "AuthorizationManagementClient", True),
    "network": ("azure.mgmt.network", "NetworkManagementClient", True),
    "loganalytics": ("azure.mgmt.loganalytics", "LogAnalyticsManagementClient", True),
    "keyvault": ("azure.mgmt.keyvault", "KeyVaultManagementClient", True),
}


class ReadOnlyViolation(RuntimeError):
    """A request that is not a read reached the pipeline: refused, never sent."""


class StaticToken:
    """A bearer token that never changes: for a local fake only (see the module docstring).
    Duck-types azure.core.credentials.TokenCredential."""

    def __init__(self, token: str = "logward-local-fake") -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """The token, valid for an hour from now."""
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + 3600)


def claims_of(cred: Any, scope: str = ARM_SCOPE) -> dict[str, Any] | None:
    """The claims of the ARM token the credential holds, read, not verified (the scan's
    calls are the check); None when there is no token or it is not a JWT."""
    import base64
    import json

    try:
        token = str(cred.get_token(scope).token)
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except Exception:  # no token now, or not a JWT: nothing is known from it
        return None
    return claims if isinstance(claims, dict) else None


def tenant_of_token(cred: Any, scope: str = ARM_SCOPE) -> str | None:
    """The tenant the ARM token was issued in (its `tid` claim, lower-cased): the tenant every
    tenant-level call (Entra ID diagnostic settings, the root management group) answers for,
    whatever tenants the subscriptions it sees belong to. None when the token names none."""
    claims = claims_of(cred, scope)
    tid = claims.get("tid") if claims else None
    return tid.lower() if isinstance(tid, str) and tid else None


def caller_of(cred: Any, scope: str = ARM_SCOPE) -> str | None:
    """Who the token says the scan ran as (a user's `upn`, else an application's `appid`),
    read from the claims of the ARM token the credential already holds (asked for after the
    scan, so it comes from the credential's cache). None when the token is not a JWT or
    names no one: the claims are read, not verified (the scan's calls were the check)."""
    claims = claims_of(cred, scope)
    if claims is None:
        return None
    for key in ("upn", "unique_name", "preferred_username"):
        if isinstance(claims.get(key), str):
            return str(claims[key])
    if isinstance(claims.get("appid"), str):
        return f"application {claims['appid']}"
    return None


def is_loopback(url: str) -> bool:
    """True for an https URL whose host is this machine (127.0.0.0/8, ::1, localhost)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_of(raw: str | None) -> str | None:
    """The --endpoint value checked: an https URL with a host and no path beyond "/"
    (InputError otherwise: production never relaxes https)."""
    if not raw:
        return None
    parts = urllib.parse.urlsplit(raw.strip())
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/"):
        raise InputError(f"--endpoint: expected https://HOST[:PORT], got {raw!r}")
    if parts.query or parts.fragment:
        raise InputError(f"--endpoint: expected https://HOST[:PORT], got {raw!r}")
    return f"https://{parts.netloc}"


def credential(static: bool, endpoint: str | None) -> Any:
    """DefaultAzureCredential, or the static token for a loopback endpoint (InputError when
    --static-token is asked for anything else). RunError when the SDK is missing."""
    if static:
        if endpoint is None or not is_loopback(endpoint):
            raise InputError(
                "--static-token: only with --endpoint https://127.0.0.1:PORT (a local fake)"
            )
        return StaticToken()
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError as exc:
        raise RunError("the Azure SDK is not installed: pip install 'logward[azure]'") from exc
    return DefaultAzureCredential()


def _env_number(name: str, default: float, top: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= top:
        raise InputError(f"{name}={raw!r}: expected a number from 0 to {top:g}")
    return value


@dataclass(frozen=True)
class Retry:
    """azure-core RetryPolicy settings (tests shorten them through the environment)."""

    total: int = RETRY_TOTAL
    backoff: float = RETRY_BACKOFF
    backoff_max: int = RETRY_BACKOFF_MAX

    @classmethod
    def from_env(cls) -> Retry:
        """RETRY_TOTAL / RETRY_BACKOFF, or LOGWARD_AZURE_RETRY_TOTAL / _BACKOFF."""
        return cls(
            total=int(_env_number(RETRY_TOTAL_ENV, RETRY_TOTAL, 20)),
            backoff=_env_number(RETRY_BACKOFF_ENV, RETRY_BACKOFF, 60),
        )


def _guard() -> Any:
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class ReadOnlyGuard(SansIOHTTPPolicy):  # type: ignore[type-arg]
        """Refuses anything but a GET, or the declared POST the gateway named by path."""

        def on_request(self, request: Any) -> None:
            marked = request.context.options.pop(POST_OPTION, None)
            if marked is not None:
                request.context[POST_OPTION] = marked
            http = request.http_request
            if http.method == "GET":
                return
            path = urllib.parse.urlsplit(http.url).path
            if http.method == "POST" and request.context.get(POST_OPTION) == path:
                return
            raise ReadOnlyViolation(f"refused {http.method} {http.url}: logward only reads")

    return ReadOnlyGuard()


def policies(cred: Any, scope: str, retry: Retry, kind: str) -> list[Any]:
    """The pipeline of every client (module docstring: the generated order, without
    auto-registration, with the read-only guard)."""
    from azure.core.pipeline import policies as p
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy

    from scanner import __version__

    return [
        p.RequestIdPolicy(),
        p.HeadersPolicy(),
        p.UserAgentPolicy(sdk_moniker=f"logward/{__version__} mgmt-{kind}"),
        p.ProxyPolicy(),
        p.ContentDecodePolicy(),
        p.RedirectPolicy(),
        p.RetryPolicy(
            retry_total=retry.total,
            retry_backoff_factor=retry.backoff,
            retry_backoff_max=retry.backoff_max,
        ),
        ARMChallengeAuthenticationPolicy(cred, scope),
        p.CustomHookPolicy(),
        p.NetworkTraceLoggingPolicy(),
        p.DistributedTracingPolicy(),
        p.SensitiveHeaderCleanupPolicy(),
        ARMHttpLoggingPolicy(),
        _guard(),
    ]


@dataclass
class Clients:
    """Builds and caches every SDK client from one credential, endpoint and trust."""

    credential: Any
    endpoint: str | None = None  # None: https://management.azure.com
    verify: str | bool = True  # a CA bundle path (the local fake's), else the system's
    retry: Retry = field(default_factory=Retry.from_env)
    _cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """The ARM endpoint every relative path is sent to."""
        return self.endpoint or ARM

    @property
    def scope(self) -> str:
        """The token scope: ARM's, or `<endpoint>/.default` for another cloud's ARM (a
        loopback fake takes ARM's, as a real credential would ask)."""
        if self.endpoint is None or is_loopback(self.endpoint):
            return ARM_SCOPE
        return f"{self.endpoint}/.default"

    def client(self, kind: str) -> Any:
        """The SDK client of a kind (KINDS), built once."""
        with self._lock:
            found = self._cache.get(kind)
            if found is None:
                found = self._cache[kind] = self._build(kind)
            return found

    def _build(self, kind: str) -> Any:
        import importlib

        module, name, bound = KINDS[kind]
        cls = getattr(importlib.import_module(module), name)
        kwargs: dict[str, Any] = {
            "base_url": self.base_url,
            "connection_verify": self.verify,
            "connection_timeout": CONNECTION_TIMEOUT,
            "read_timeout": READ_TIMEOUT,
            "policies": policies(self.credential, self.scope, self.retry, kind),
        }
        if bound:
            return cls(self.credential, UNBOUND, **kwargs)
        return cls(self.credential, **kwargs)

    def sender(self, kind: str) -> Callable[..., Any]:
        """The client's own `send_request` (a raw request through its pipeline): the public
        `send_request` of the generated clients, `_send_request` of azure-mgmt-monitor 7.0.0
        (the only one it has), `_client.send_request` of the multi-api
        AuthorizationManagementClient (which has neither)."""
        client = self.client(kind)
        for attr in ("send_request", "_send_request"):
            found = getattr(client, attr, None)
            if callable(found):
                return found  # type: ignore[no-any-return]
        inner = client._client

        def send(request: Any, **kwargs: Any) -> Any:
            # PipelineClient.send_request does not join a relative URL with the base URL
            # (the generated clients' send_request does it first): do what they do.
            request.url = inner.format_url(request.url)
            return inner.send_request(request, **kwargs)

        return send
