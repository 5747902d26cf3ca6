"""An in-process gRPC fake for the GCP APIs whose Python clients speak only gRPC.

google-cloud-monitoring (alert policies, notification channels) and google-cloud-iam (the IAM
admin API: roles) ship no REST transport, so the real GAPIC clients reach this server on
127.0.0.1 over a local channel (gRPC's loopback credentials: no TLS, yet call credentials are
sent, so the fake sees each call's Authorization). It serves the same fixture tree as the
HTTP fake: each RPC is mapped to the REST path the API documents for it (ListAlertPolicies ->
`monitoring.googleapis.com/v3/<name>/alertPolicies`), the file `<host>/<path>.json` answers it,
page N as `<path>.<pageToken>.json`, and a file holding the Google error JSON
(`{"error": {"code": 403, "status": "PERMISSION_DENIED", "message": ...}}`) is answered as that
gRPC status. Responses are parsed with the response type's `from_json`, so a fixture that does
not fit the proto fails loudly here rather than reaching a normalizer.

Shipped in the package (not in tests/) because `logward demo` serves its GCP organization from
the fakes. grpcio generic handlers keep it free of generated servicer stubs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.cloud import iam_admin_v1, monitoring_v3, sqladmin_v1

# The hosts this fake serves (the HTTP fake leaves them to it).
HOSTS = ("monitoring.googleapis.com", "iam.googleapis.com", "sqladmin.googleapis.com")
# The gRPC status of an error fixture that names only its HTTP code (google.rpc.Code mapping).
HTTP_TO_GRPC = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    500: grpc.StatusCode.INTERNAL,
    501: grpc.StatusCode.UNIMPLEMENTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


@dataclass(frozen=True)
class Rpc:
    """One served RPC: its gRPC service and method, the REST host and path it stands for,
    and the proto-plus request/response types."""

    service: str
    method: str
    host: str
    path: Callable[[Any], str]
    request: Any
    response: Any


RPCS: tuple[Rpc, ...] = (
    Rpc(
        "google.monitoring.v3.AlertPolicyService",
        "ListAlertPolicies",
        "monitoring.googleapis.com",
        lambda r: f"v3/{r.name}/alertPolicies",
        monitoring_v3.ListAlertPoliciesRequest,
        monitoring_v3.ListAlertPoliciesResponse,
    ),
    Rpc(
        "google.monitoring.v3.NotificationChannelService",
        "ListNotificationChannels",
        "monitoring.googleapis.com",
        lambda r: f"v3/{r.name}/notificationChannels",
        monitoring_v3.ListNotificationChannelsRequest,
        monitoring_v3.ListNotificationChannelsResponse,
    ),
    Rpc(
        "google.iam.admin.v1.IAM",
        "GetRole",
        "iam.googleapis.com",
        lambda r: f"v1/{r.name}",
        iam_admin_v1.GetRoleRequest,
        iam_admin_v1.Role,
    ),
    Rpc(
        "google.iam.admin.v1.IAM",
        "ListRoles",
        "iam.googleapis.com",
        lambda r: f"v1/{r.parent}/roles" if r.parent else "v1/roles",
        iam_admin_v1.ListRolesRequest,
        iam_admin_v1.ListRolesResponse,
    ),
    # Cloud SQL Admin (google-cloud-sql ships only gRPC): instances.list is
    # GET /v1/projects/{project}/instances in REST.
    Rpc(
        "google.cloud.sql.v1.SqlInstancesService",
        "List",
        "sqladmin.googleapis.com",
        lambda r: f"v1/projects/{r.project}/instances",
        sqladmin_v1.SqlInstancesListRequest,
        sqladmin_v1.InstancesListResponse,
    ),
)


# (host, REST path, page token, authorization) -> (HTTP status, Google JSON body) to answer
# instead of the
# files, or None to use them: how FakeGoogle records gRPC requests and applies its overrides.
Hook = Callable[[str, str, str, "str | None"], "tuple[int, Any] | None"]


@dataclass
class FakeGrpc:
    """A fake's state: `address` for `grpc.insecure_channel`, and every request it answered
    as (`/service/Method`, REST path, page token), in arrival order."""

    address: str
    root: Path
    hook: Hook | None = None
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, rpc: Rpc, request: Any, context: grpc.ServicerContext) -> Any:
        """The fixture answering one request, or the error status it holds."""
        path = rpc.path(request)
        token = str(getattr(request, "page_token", "") or "")
        with self._lock:
            self.calls.append((f"/{rpc.service}/{rpc.method}", path, token))
        metadata = dict(context.invocation_metadata())
        auth = metadata.get("authorization")
        override = self.hook(rpc.host, path, token, auth) if self.hook is not None else None
        if override is not None:
            body: Any = override[1]
            text = json.dumps(body)
        else:
            file = self.root / rpc.host / (f"{path}.{token}.json" if token else f"{path}.json")
            if not file.is_file():
                context.abort(grpc.StatusCode.NOT_FOUND, f"no fixture {rpc.host}/{path} ({token})")
            text = file.read_text(encoding="utf-8")
            body = json.loads(text)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            context.abort_with_status(_rich_status(error))
        return rpc.response.from_json(text, ignore_unknown_fields=False)


def _rich_status(error: dict[str, Any]) -> grpc.Status:
    """The error JSON as the status a Google gRPC API sends: code, message, and the details
    (ErrorInfo with reason SERVICE_DISABLED, ...) in `grpc-status-details-bin`, which
    google-api-core reads into the exception's `reason` and `details`."""
    from google.protobuf import any_pb2, json_format
    from google.rpc import error_details_pb2, status_pb2  # noqa: F401 (registers detail types)
    from grpc_status import rpc_status

    code = _status(error)
    status = status_pb2.Status(code=code.value[0], message=str(error.get("message", "")))
    for detail in error.get("details", []):
        packed = any_pb2.Any()
        try:
            json_format.ParseDict(detail, packed)
        except json_format.ParseError:
            continue  # a detail type this fake does not know is left out, as a proxy would
        status.details.append(packed)
    return rpc_status.to_status(status)


def _status(error: dict[str, Any]) -> grpc.StatusCode:
    named = error.get("status")
    if isinstance(named, str) and named in grpc.StatusCode.__members__:
        return grpc.StatusCode[named]
    return HTTP_TO_GRPC.get(int(error.get("code", 500)), grpc.StatusCode.UNKNOWN)


# Where an RPC the fake does not serve is recorded: by its service's package, the host it
# belongs to (FakeGoogle files it among its requests as a non-read).
PACKAGE_HOSTS = (
    ("google.monitoring.", "monitoring.googleapis.com"),
    ("google.iam.", "iam.googleapis.com"),
    ("google.cloud.sql.", "sqladmin.googleapis.com"),
)
# `unserved(host, "/package.Service/Method")`: told of every RPC no handler serves.
Unserved = Callable[[str, str], None]


def host_of(method: str) -> str:
    """The host of a full gRPC method name (`/google.monitoring.v3.X/Y`); `grpc` if unknown."""
    name = method.lstrip("/")
    return next((h for prefix, h in PACKAGE_HOSTS if name.startswith(prefix)), "grpc")


class _CatchAll(grpc.GenericRpcHandler):  # type: ignore[misc]
    """The last handler: every RPC the fake does not serve (a write such as CreateAlertPolicy,
    or a read nobody added) is recorded, then refused UNIMPLEMENTED as a real server without
    that method would. Without it grpc answers such calls itself and no test would see them."""

    def __init__(self, fake: FakeGrpc, unserved: Unserved | None) -> None:
        self.fake = fake
        self.unserved = unserved

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        method = str(handler_call_details.method)
        with self.fake._lock:
            self.fake.calls.append((method, "", ""))
        if self.unserved is not None:
            self.unserved(host_of(method), method)

        def refuse(request: bytes, context: grpc.ServicerContext) -> bytes:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{method} is not served by the fake")
            return b""  # not reached: abort raises

        return grpc.unary_unary_rpc_method_handler(refuse)


def _handlers(fake: FakeGrpc) -> list[grpc.GenericRpcHandler]:
    by_service: dict[str, dict[str, grpc.RpcMethodHandler]] = {}
    for rpc in RPCS:

        def behaviour(request: Any, context: grpc.ServicerContext, rpc: Rpc = rpc) -> Any:
            return fake.answer(rpc, request, context)

        by_service.setdefault(rpc.service, {})[rpc.method] = grpc.unary_unary_rpc_method_handler(
            behaviour,
            request_deserializer=rpc.request.deserialize,
            response_serializer=rpc.response.serialize,
        )
    return [grpc.method_handlers_generic_handler(s, m) for s, m in by_service.items()]


class GrpcServer:
    """The gRPC fake as a server to start and stop (FakeGoogle runs one beside its HTTP
    servers for the gRPC-only hosts)."""

    def __init__(
        self, root: Path, hook: Hook | None = None, unserved: Unserved | None = None
    ) -> None:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        # Local credentials (loopback only, no TLS): the clients can then send call
        # credentials, which gRPC refuses on an insecure channel (see clients.local_channel).
        local = grpc.local_server_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        port = self._server.add_secure_port("127.0.0.1:0", local)
        self.fake = FakeGrpc(address=f"127.0.0.1:{port}", root=Path(root), hook=hook)
        self._server.add_generic_rpc_handlers(
            (*_handlers(self.fake), _CatchAll(self.fake, unserved))
        )

    def start(self) -> GrpcServer:
        """Start serving on the loopback port chosen at construction."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop at once (no grace: every answer is a file read)."""
        self._server.stop(grace=None)


@contextmanager
def serve(root: Path, hook: Hook | None = None) -> Iterator[FakeGrpc]:
    """Serve the fixture tree under `root` on 127.0.0.1 (a free port) for the block."""
    server = GrpcServer(root, hook).start()
    try:
        yield server.fake
    finally:
        server.stop()
