"""Raw API responses, kept by SHA-256 so every finding can point at what it rests on."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner.model import EvidenceRef
from scanner.redact import redact


def canonical(value: Any) -> bytes:
    """Deterministic JSON bytes of an API response (timestamps as ISO 8601)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default).encode()


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class EvidenceStore:
    """Thread-safe store of raw responses; optionally mirrored to a folder as `<sha256>.json`."""

    def __init__(self, folder: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._blobs: dict[str, bytes] = {}
        self.folder = folder
        self.calls = 0

    def record(
        self, source: str, operation: str, region: str, params: Mapping[str, Any], response: Any
    ) -> EvidenceRef:
        """Keep one response and return the reference resources carry."""
        body = dict(response) if isinstance(response, Mapping) else response
        if isinstance(body, dict):
            body.pop("ResponseMetadata", None)
        blob = canonical(redact(body))
        sha = hashlib.sha256(blob).hexdigest()
        with self._lock:
            self.calls += 1
            self._blobs.setdefault(sha, blob)
        return EvidenceRef(
            operation=operation,
            region=region,
            params=redact(dict(params)),
            time=datetime.now(UTC).isoformat(timespec="seconds"),
            sha256=sha,
            source=source,
        )

    def keep(self, blob: bytes) -> str:
        """Keep raw bytes read from a file (a plan, say) under their SHA-256."""
        sha = hashlib.sha256(blob).hexdigest()
        with self._lock:
            self._blobs.setdefault(sha, blob)
        return sha

    def get(self, sha256: str) -> bytes | None:
        """The raw response with this hash."""
        return self._blobs.get(sha256)

    def __len__(self) -> int:
        return len(self._blobs)

    def items(self) -> list[tuple[str, bytes]]:
        """Every (sha256, raw bytes) pair."""
        with self._lock:
            return list(self._blobs.items())
