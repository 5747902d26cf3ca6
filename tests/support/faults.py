"""A fault-injecting HTTP layer in front of moto_server, for the fault-matrix test and bench.

`FaultProxy` is a small threaded loopback HTTP server. A scan points at it with
`--endpoint-url` and `HTTP_PROXY` (S3 Control's `<account-id>.<host>` then needs no name to
resolve, as in tests/aws/test_moto_server.py). It forwards every request to moto_server,
except those whose (service, operation) matches the armed fault: those it answers with the
fault instead. The operation is read the way the service's protocol carries it: JSON
services in `X-Amz-Target`, CloudWatch (RPC v2 CBOR) in the path, query and EC2 services in
the `Action` form field, S3 and S3 Control in method, path and query subresource. The region
and signing name come from the SigV4 credential scope of the `Authorization` header.

Fault kinds (`KINDS`):
- `denied`: an AccessDenied error in the service's protocol;
- `throttle`: a throttling error on every attempt (the SDK retries, then gives up);
- `5xx`: HTTP 503 ServiceUnavailable on every attempt;
- `reset`: the connection is reset (RST) before any answer;
- `stall`: no answer for `stall_s` seconds (beyond the client's read timeout), then a close;
- `malformed`: HTTP 200 with a well-formed document of the wrong shape;
- `truncated`: HTTP 200 with the first third of moto's body, Content-Length saying so;
- `half`: HTTP 200 whose Content-Length is moto's, then half the body and a close.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KINDS = ("denied", "throttle", "5xx", "reset", "stall", "malformed", "truncated", "half")

# Operations that S3 and S3 Control carry in the query string (a GET with that subresource).
S3_SUBRESOURCES = {
    "location": "GetBucketLocation",
    "policy": "GetBucketPolicy",
    "acl": "GetBucketAcl",
    "publicAccessBlock": "GetPublicAccessBlock",
    "encryption": "GetBucketEncryption",
    "versioning": "GetBucketVersioning",
    "object-lock": "GetObjectLockConfiguration",
    "logging": "GetBucketLogging",
    "lifecycle": "GetBucketLifecycleConfiguration",
}
# SigV4 signing name -> botocore service name (where they differ).
SIGNING = {"monitoring": "cloudwatch"}


@dataclass(frozen=True)
class Request:
    """What the proxy understood of one request."""

    service: str
    operation: str
    region: str
    protocol: str = "query"


@dataclass
class Fault:
    """The armed fault: `kind` on every request for (service, operation), or on every request
    in `region` when operation is "*"."""

    service: str
    operation: str
    kind: str
    region: str | None = None

    def matches(self, request: Request) -> bool:
        """Whether this fault applies to the request."""
        if self.region is not None and request.region != self.region:
            return False
        if self.operation == "*":
            return True
        return (request.service, request.operation) == (self.service, self.operation)


def classify(method: str, path: str, headers: Any, body: bytes) -> Request:
    """The service, operation and region of a request, as its protocol carries them."""
    auth = headers.get("Authorization", "") or ""
    scope = (
        auth.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in auth else []
    )
    region = scope[2] if len(scope) > 3 else "?"
    signing = scope[3] if len(scope) > 3 else "?"
    service = SIGNING.get(signing, signing)
    parsed = urllib.parse.urlsplit(path)
    target = headers.get("X-Amz-Target")
    if target:
        return Request(service, target.rsplit(".", 1)[-1], region, "json")
    if parsed.path.startswith("/service/") and "/operation/" in parsed.path:
        return Request(service, parsed.path.rsplit("/", 1)[-1], region, "cbor")
    if service == "s3":
        if parsed.path.startswith("/v20180820/configuration/publicAccessBlock"):
            return Request("s3control", "GetPublicAccessBlock", region, "rest-xml")
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        for key, operation in S3_SUBRESOURCES.items():
            if key in query and method == "GET":
                return Request("s3", operation, region, "rest-xml")
        if method == "GET" and parsed.path in ("", "/"):
            return Request("s3", "ListBuckets", region, "rest-xml")
        return Request("s3", f"{method} {parsed.path}", region, "rest-xml")
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    action = (form.get("Action") or urllib.parse.parse_qs(parsed.query).get("Action") or ["?"])[0]
    return Request(service, action, region, "ec2" if service == "ec2" else "query")


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    if len(data) < 24:
        return bytes([0x60 | len(data)]) + data
    if len(data) < 256:
        return bytes([0x78, len(data)]) + data
    return bytes([0x79]) + struct.pack(">H", len(data)) + data


def _cbor_map(items: dict[str, str | dict[str, str]]) -> bytes:
    out = bytes([0xA0 | len(items)])
    for key, value in items.items():
        out += _cbor_text(key)
        out += _cbor_map(value) if isinstance(value, dict) else _cbor_text(value)
    return out


def error_response(
    protocol: str, status: int, code: str, message: str
) -> tuple[int, dict[str, str], bytes]:
    """An AWS error answer in the service's protocol."""
    if protocol == "json":
        body = f'{{"__type":"{code}","message":"{message}"}}'.encode()
        return status, {"Content-Type": "application/x-amz-json-1.1"}, body
    if protocol == "cbor":
        body = _cbor_map({"__type": code, "message": message})
        return status, {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}, body
    if protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            "</Errors><RequestID>fault</RequestID></Response>"
        ).encode()
        return status, {"Content-Type": "text/xml"}, body
    if protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        return status, {"Content-Type": "application/xml"}, body
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}"
        "</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    ).encode()
    return status, {"Content-Type": "text/xml"}, body


def wrong_shape(protocol: str, operation: str) -> tuple[dict[str, str], bytes]:
    """A well-formed 200 body that is not the operation's answer."""
    if protocol == "json":
        return {"Content-Type": "application/x-amz-json-1.1"}, b'{"Unexpected": {"a": 1}}'
    if protocol == "cbor":
        return (
            {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
            _cbor_map({"Unexpected": {"a": "1"}}),
        )
    if protocol == "rest-xml":
        return {"Content-Type": "application/xml"}, b'<?xml version="1.0"?><Unexpected/>'
    return (
        {"Content-Type": "text/xml"},
        f"<{operation}Response><{operation}Result><Unexpected/></{operation}Result>"
        f"</{operation}Response>".encode(),
    )


ERRORS = {
    # kind -> (status, code per protocol family)
    "denied": (
        403,
        {"ec2": "UnauthorizedOperation", "json": "AccessDeniedException"},
        "AccessDenied",
    ),
    "throttle": (
        400,
        {"json": "ThrottlingException", "rest-xml": "SlowDown", "cbor": "ThrottlingException"},
        "Throttling",
    ),
    "5xx": (503, {}, "ServiceUnavailable"),
}


class FaultProxy:
    """The proxy: `with FaultProxy(upstream) as proxy:`, `proxy.arm(Fault(...))`, and
    `proxy.faulted` lists the requests answered with the fault."""

    def __init__(self, upstream: str, stall_s: float = 5.0) -> None:
        parts = urllib.parse.urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.stall_s = stall_s
        self.faults: tuple[Fault, ...] = ()
        self.faulted: list[Request] = []
        self.seen: list[Request] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.proxy = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        host, port = self.server.server_address[:2]
        self.url = f"http://{host!s}:{port}"

    def arm(self, *faults: Fault) -> None:
        """Set the faults (none: forward everything); forget what was seen and faulted."""
        with self.lock:
            self.faults = faults
            self.faulted = []
            self.seen = []

    def _decide(self, request: Request) -> str | None:
        with self.lock:
            self.seen.append(request)
            for fault in self.faults:
                if fault.matches(request):
                    self.faulted.append(request)
                    return fault.kind
        return None

    def forward(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """moto's answer to the request, unchanged."""
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            sent = {
                k: v
                for k, v in headers.items()
                if k.lower() not in ("proxy-connection", "connection")
            }
            conn.request(method, path, body=body or None, headers=sent)
            response = conn.getresponse()
            data = response.read()
            return response.status, response.getheaders(), data
        finally:
            conn.close()

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: Any) -> None:
        pass

    def _any(self) -> None:
        proxy = self.server.proxy  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path
        if "://" in path:  # sent as to a proxy: absolute URI in the request line
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        request = classify(self.command, path, self.headers, body)
        kind = proxy._decide(request)
        if kind in ("denied", "throttle", "5xx", "reset", "stall", "malformed"):
            self._instead(kind, request)
            return
        status, upstream_headers, data = proxy.forward(self.command, path, self.headers, body)
        headers = {
            k: v
            for k, v in upstream_headers
            if k.lower()
            not in ("content-length", "transfer-encoding", "connection", "server", "date")
        }
        if kind in ("truncated", "half") and status != 200:
            # An error answer (a bucket without that setting) is passed on whole: not faulted.
            with proxy.lock:
                proxy.faulted.remove(request)
        if kind == "truncated" and status == 200:
            data = data[: len(data) // 3]
        if kind == "half" and status == 200:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(status, headers, data)

    def _instead(self, kind: str, request: Request) -> None:
        """Answer with the fault, without asking moto."""
        proxy = self.server.proxy  # type: ignore[attr-defined]
        protocol = request.protocol
        if kind in ERRORS:
            status, codes, default = ERRORS[kind]
            code = codes.get(protocol, default)
            self._send(*error_response(protocol, status, code, f"injected {kind}"))
        elif kind == "reset":
            self._reset()
        elif kind == "stall":
            proxy.stopping.wait(proxy.stall_s)
            self.close_connection = True
        else:
            headers, data = wrong_shape(protocol, request.operation)
            self._send(200, headers, data)

    def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout turns close() into an RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _any
