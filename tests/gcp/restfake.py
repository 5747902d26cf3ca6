"""A minimal per-host HTTP fake over a fixture tree laid out as the package's fake expects
(`<host>/<path>.json`, `:verb` as `@verb`, page N as `<path>.<pageToken>.json`, the Google
error JSON answered with its code). Every request is recorded as (host, method, path, query)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@contextmanager
def serving(root: Path, hosts: list[str]) -> Iterator[tuple[dict[str, str], list[tuple[Any, ...]]]]:
    """Serve each host's folder on its own loopback port; yields (endpoints, requests)."""
    requests: list[tuple[Any, ...]] = []
    servers = []
    endpoints = {}
    for host in hosts:

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            served = host

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                path = urllib.parse.unquote(parts.path)
                requests.append((self.served, self.command, path, query))
                token = query.get("pageToken")
                name = path.strip("/").replace(":", "@") + (f".{token}" if token else "")
                file = root / self.served / f"{name}.json"
                status, body = (
                    404,
                    {"error": {"code": 404, "message": f"no {name}", "status": "NOT_FOUND"}},
                )
                if file.is_file():
                    body = json.loads(file.read_text(encoding="utf-8"))
                    status = int(body["error"]["code"]) if "error" in body else 200
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        endpoints[host] = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield endpoints, requests
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
