"""The real gRPC-only GAPIC clients (Monitoring, IAM admin) wired to the in-process fake
through the client seam's local channel, as for a `grpc://` endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.auth.credentials import AnonymousCredentials

from scanner.providers.gcp.clients import Clients


def client(cls: Any, address: str) -> Any:
    """A GAPIC client of `cls` whose gRPC transport talks to `address` (anonymous)."""
    channel = Clients(AnonymousCredentials()).local_channel(address)
    return cls(transport=cls.get_transport_class("grpc")(channel=channel))


def write(root: Path, host: str, path: str, body: Any) -> None:
    """Write one fixture `<root>/<host>/<path>.json`."""
    file = root / host / f"{path}.json"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(body), encoding="utf-8")
