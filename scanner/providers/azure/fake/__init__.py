"""A local fake of Azure Resource Manager, serving the golden tenant (or any folder laid
out the same way) from JSON files over https on 127.0.0.1.

It ships in the package because `logward demo` serves its Azure tenant from it; the tests
reach the real azure-mgmt-* clients through it (`clients.Clients(StaticToken(),
fake.base, fake.ca_file)`, or `logward scan azure --endpoint URL --ca-bundle PEM
--static-token`). Stdlib `ThreadingHTTPServer` on 127.0.0.1:0, TLS with a CA made at
start-up (`tls.py`). How request paths map to files is in `README.md` beside this module;
every request is recorded (`FakeArm.requests`).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scanner import fakehttp
from scanner.providers.azure.fake import tls

TENANT = Path(__file__).resolve().parent / "tenant"
# The status an override answers to drop the connection without any answer (a network blip).
DROP = fakehttp.DROP
# Query parameters that never select a file (the page token selects the page file).
SKIPTOKEN = "$skiptoken"


@functools.cache
def _post_patterns() -> tuple[re.Pattern[str], ...]:
    """The documented POST list operations the scan declares (their path templates)."""
    from scanner.providers.azure.declare import all_ops
    from scanner.providers.azure.services import SERVICES

    found = []
    for op in all_ops(SERVICES):
        if op.method == "POST":
            found.append(re.compile(_template(op.path) + "$"))
    return tuple(found)


def _template(path: str) -> str:
    """A regex of an Op path: `{id}` any id, other holes one segment; case-insensitive."""
    out = "(?i)"
    for part in re.split(r"(\{[^}]+\})", path):
        if part == "{id}":
            out += ".+"
        elif part.startswith("{"):
            out += "[^/]+"
        else:
            out += re.escape(part)
    return out


@dataclass(frozen=True)
class Request:
    """One request the fake received (path percent-decoded, as sent)."""

    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    # The Authorization header as sent (None: no credentials).
    authorization: str | None = None

    @property
    def is_read(self) -> bool:
        """GET, or a POST to a documented POST list operation a module declares."""
        if self.method == "GET":
            return True
        return self.method == "POST" and any(p.match(self.path) for p in _post_patterns())


# (request) -> (status, body) or (status, body, headers) to answer instead of the files,
# or None to use them.
Answer = tuple[int, Any] | tuple[int, Any, Mapping[str, str]]
Override = Callable[[Request], Answer | None]


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"code": code, "message": message}}


def versions(root: Path) -> dict[str, str]:
    """The expected api-version per path pattern: every `_versions*.json` at the root (one
    per module, so two modules never edit one file), merged; a pattern two files give
    different versions is an error."""
    found: dict[str, str] = {}
    for file in sorted(root.glob("_versions*.json")):
        for pattern, version in json.loads(file.read_text(encoding="utf-8")).items():
            key = pattern.strip("/").lower()
            if found.get(key, version) != version:
                raise ValueError(f"{file.name}: {pattern} declared twice with other versions")
            found[key] = str(version)
    return found


def expected_version(table: Mapping[str, str], path: str) -> str | None:
    """The version the most specific matching pattern declares (None: not declared)."""
    hits = [(len(p), v) for p, v in table.items() if fnmatch.fnmatchcase(path, p)]
    return max(hits)[1] if hits else None


def file_for(root: Path, path: str, token: str | None) -> Path | None:
    """The fixture answering `path` (lowercased, no leading "/") and page token: the file,
    else the nearest `_all.json` of a folder above it (an answer for a whole subtree)."""
    name = f"{path}.{token}.json" if token else f"{path}.json"
    file = root / name
    if file.is_file():
        return file
    parts = path.split("/")
    for depth in range(len(parts) - 1, 0, -1):
        blanket = root.joinpath(*parts[:depth], "_all.json")
        if blanket.is_file():
            return blanket
    return None


class FakeArm:
    """The fake ARM endpoint: `base` (https://127.0.0.1:PORT) and `ca_file` to trust."""

    def __init__(self, root: Path = TENANT) -> None:
        self.root = root
        self.requests: list[Request] = []
        self.overrides: list[Override] = []
        self.base = ""
        self.ca_file = ""
        self._versions = versions(root)
        self._server: ThreadingHTTPServer | None = None
        self._folder: Path | None = None
        self._lock = threading.Lock()

    def start(self) -> FakeArm:
        """Make the certificates and serve on a free loopback port."""
        self._folder = Path(tempfile.mkdtemp(prefix="logward-fake-arm-"))
        certs = tls.make(self._folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(certs.cert, certs.key)
        server = _TlsServer(("127.0.0.1", 0), self._handler(), context)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        self.base = f"https://127.0.0.1:{server.server_address[1]}"
        self.ca_file = str(certs.ca)
        return self

    def stop(self) -> None:
        """Stop serving and remove the certificates."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _record(self, request: Request) -> Answer | None:
        with self._lock:
            self.requests.append(request)
            overrides = list(self.overrides)
        for override in overrides:
            found = override(request)
            if found is not None:
                return found
        return None

    def answer(self, request: Request) -> Answer:
        """The status, JSON body (and headers) for a request: an override, else the
        api-version check, else its file, else 404 ResourceNotFound."""
        found = self._record(request)
        if found is not None:
            return found
        if request.method != "GET" and not request.is_read:
            return _error(405, "MethodNotAllowed", f"the fake serves reads only: {request.method}")
        path = request.path.strip("/").lower()
        version = request.query.get("api-version")
        if not version:
            return _error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        wanted = expected_version(self._versions, path)
        if wanted is not None and version != wanted:
            return _error(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{version}' is invalid here; the fixtures follow '{wanted}'.",
            )
        file = file_for(self.root, path, request.query.get(SKIPTOKEN))
        if file is None:
            return _error(404, "ResourceNotFound", f"The fake serves no answer for {request.path}.")
        body = json.loads(file.read_text(encoding="utf-8").replace("{base}", self.base))
        if isinstance(body, dict) and "_status" in body:
            status = int(body.pop("_status"))
            headers = body.pop("_headers", {})
            return status, body, headers
        return 200, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                path, query, body = fakehttp.read(self)
                seen = Request(self.command, path, query, body, self.headers.get("Authorization"))
                answer = fake.answer(seen)
                status, payload = answer[0], answer[1]
                headers: Mapping[str, str] = answer[2] if len(answer) > 2 else {}
                fakehttp.write(self, status, payload, "application/json; charset=utf-8", headers)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler


class _TlsServer(ThreadingHTTPServer):
    """TLS per connection, in the connection's own thread (a slow handshake never holds up
    the accepting loop)."""

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], context: Any
    ) -> None:
        super().__init__(address, handler)
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            wrapped = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # a client that did not finish the handshake: nothing to answer
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a dropped connection is part of the fault tests, not noise


@contextmanager
def serving(root: Path = TENANT) -> Iterator[FakeArm]:
    """The fake running for the duration of a block."""
    fake = FakeArm(root).start()
    try:
        yield fake
    finally:
        fake.stop()
