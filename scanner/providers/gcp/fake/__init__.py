"""A local fake of Google's REST APIs, serving the golden estate (or any folder laid out the
same way) from JSON files, one loopback HTTP server per API host.

It ships in the package because `logward demo` serves its GCP organization from it; the tests
reach the real SDK clients through it (`clients.Clients(endpoints=fake.endpoints)`). Stdlib
only: `http.server.ThreadingHTTPServer` on 127.0.0.1:0. How request paths map to files is in
`README.md` beside this module; every request is recorded (`FakeGoogle.requests`).

One server per host, not one server routing by host: once `api_endpoint` is overridden the
SDKs send `Host: 127.0.0.1:<port>`, and the hosts' paths collide (`/v1/projects/...` is KMS,
Service Usage and IAM alike).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scanner import fakehttp
from scanner.providers.gcp.fake import search

ESTATE = Path(__file__).resolve().parent / "estate"
# Query parameters that never select an answer: paging (handled apart), output format.
IGNORED = frozenset({"pageToken", "prettyPrint", "alt", "$alt", "fields", "projection"})
# The methods a read-only scanner may send: GET, and POST to these verbs.
READ_VERBS = (":getIamPolicy", ":testIamPermissions")


@dataclass(frozen=True)
class Request:
    """One request the fake received."""

    host: str
    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    # The Authorization header as sent (None: no credentials).
    authorization: str | None = None

    @property
    def is_read(self) -> bool:
        """GET, or a POST to a read verb (getIamPolicy, testIamPermissions)."""
        return self.method == "GET" or (self.method == "POST" and self.path.endswith(READ_VERBS))


# (request) -> (status, body) to answer instead of the files, or None to use them.
Override = Callable[[Request], tuple[int, Any] | None]
# The status an override answers to drop the connection without any answer (a network blip).
DROP = fakehttp.DROP


def file_for(root: Path, path: str, query: Mapping[str, str]) -> Path | None:
    """The fixture answering `path` with `query` under one host's folder, if any."""
    base = path.strip("/").replace(":", "@")
    token = query.get("pageToken")
    suffix = f".{token}" if token else ""
    chosen = sorted((k, v) for k, v in query.items() if k not in IGNORED)
    candidates = []
    if chosen:
        key = "&".join(f"{k}={v}" for k, v in chosen)
        candidates.append(f"{base}[{urllib.parse.quote(key, safe='=&@-_.~ ')}]{suffix}.json")
    candidates.append(f"{base}{suffix}.json")
    for name in candidates:
        file = root / name
        if file.is_file():
            return file
    return None


def _not_found(path: str) -> dict[str, Any]:
    return {
        "error": {
            "code": 404,
            "message": f"The fake serves no answer for {path}.",
            "status": "NOT_FOUND",
        }
    }


class FakeGoogle:
    """One HTTP server per host folder of `estate`; `endpoints` maps host -> base URL."""

    def __init__(self, estate: Path = ESTATE, hosts: list[str] | None = None) -> None:
        self.estate = estate
        self.hosts = hosts or sorted(p.name for p in estate.iterdir() if p.is_dir())
        self.requests: list[Request] = []
        self.overrides: list[Override] = []
        self.endpoints: dict[str, str] = {}
        self._servers: list[ThreadingHTTPServer] = []
        self._grpc: Any = None
        self._lock = threading.Lock()

    def start(self) -> FakeGoogle:
        """Start every host's server on a free loopback port (gRPC-only APIs: one gRPC
        server, `fake/grpc.py`, its endpoint written `grpc://127.0.0.1:PORT`)."""
        from scanner.providers.gcp.clients import quiet_grpc

        quiet_grpc()
        from scanner.providers.gcp.fake import grpc as fake_grpc

        grpc_hosts = [h for h in self.hosts if h in fake_grpc.HOSTS]
        if grpc_hosts:
            self._grpc = fake_grpc.GrpcServer(
                self.estate, self._grpc_hook, self._grpc_unserved
            ).start()
            for host in grpc_hosts:
                self.endpoints[host] = f"grpc://{self._grpc.fake.address}"
        for host in (h for h in self.hosts if h not in grpc_hosts):
            server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(host))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)
            self.endpoints[host] = f"http://127.0.0.1:{server.server_address[1]}"
        return self

    def _grpc_hook(
        self, host: str, path: str, token: str, authorization: str | None
    ) -> tuple[int, Any] | None:
        """A gRPC request recorded and answered like the REST GET it stands for."""
        query = {"pageToken": token} if token else {}
        return self._record(Request(host, "GET", f"/{path}", query, None, authorization))

    def _record(self, request: Request) -> tuple[int, Any] | None:
        """Record a request; the answer of the first override that gives one, if any."""
        with self._lock:
            self.requests.append(request)
            overrides = list(self.overrides)
        for override in overrides:
            found = override(request)
            if found is not None:
                return found
        return None

    def _grpc_unserved(self, host: str, method: str) -> None:
        """An RPC the gRPC fake does not serve, recorded as a POST to its method name: not a
        read, so the read-only test sees any gRPC write the scan would send."""
        with self._lock:
            self.requests.append(Request(host, "POST", method, {}, None))

    def stop(self) -> None:
        """Stop every server."""
        if self._grpc is not None:
            self._grpc.stop()
            self._grpc = None
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def answer(self, request: Request) -> tuple[int, Any]:
        """The status and JSON body for a request: an override, else its file, else 404."""
        found = self._record(request)
        if found is not None:
            return found
        file = file_for(self.estate / request.host, request.path, request.query)
        # A scoped Resource Manager search, unless a variant file answers that exact query.
        scoped = search.answer(self.estate / request.host, request.path, dict(request.query))
        if scoped is not None and (file is None or "[" not in file.name):
            return scoped
        if file is None:
            return 404, _not_found(request.path)
        body = json.loads(file.read_text(encoding="utf-8"))
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return int(body["error"].get("code", 500)), body
        return 200, body

    def _handler(self, host: str) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                path, query, body = fakehttp.read(self)
                auth = self.headers.get("Authorization")
                seen = Request(host, self.command, path, query, body, auth)
                status, answer = fake.answer(seen)
                fakehttp.write(self, status, answer, "application/json; charset=UTF-8")

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler


@contextmanager
def serving(estate: Path = ESTATE) -> Iterator[FakeGoogle]:
    """The fake running for the duration of a block."""
    fake = FakeGoogle(estate).start()
    try:
        yield fake
    finally:
        fake.stop()
