"""The HTTP plumbing a cloud's loopback fake shares: reading a request and writing a JSON
answer (or dropping the connection). What to answer is each fake's own."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any

# The status that means: answer nothing and close the connection (a TCP reset mid-request).
DROP = -1


def read(handler: BaseHTTPRequestHandler) -> tuple[str, dict[str, str], Any]:
    """The unquoted path, the query and the body (JSON, else text, else None) of a request."""
    parts = urllib.parse.urlsplit(handler.path)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", "replace")
    return urllib.parse.unquote(parts.path), query, body


def write(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: Any,
    content_type: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send `payload` (bytes as they are, anything else as JSON), or drop the connection."""
    if status == DROP:
        # A TCP reset mid-request: no answer, connection closed.
        handler.close_connection = True
        return
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        handler.send_header(key, str(value))
    handler.end_headers()
    handler.wfile.write(data)
