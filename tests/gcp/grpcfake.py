"""The real gRPC-only GAPIC clients (Monitoring, IAM admin) wired to the in-process fake,
the way the client seam wires them for a `grpc://` endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import grpc


def client(cls: Any, address: str) -> Any:
    """A GAPIC client of `cls` whose gRPC transport talks to `address` (no credentials)."""
    transport = cls.get_transport_class("grpc")(channel=grpc.insecure_channel(address))
    return cls(transport=transport)


def write(root: Path, host: str, path: str, body: Any) -> None:
    """Write one fixture `<root>/<host>/<path>.json`."""
    file = root / host / f"{path}.json"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(body), encoding="utf-8")
