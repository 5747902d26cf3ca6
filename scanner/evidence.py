"""Raw API responses, kept by SHA-256 so every finding can point at what it rests on."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner.model import EvidenceRef

# Keys whose values must never reach an evidence file or a report, compared lower-case with
# `_` and `-` removed (so SessionToken, session_token and X-Amz-Security-Token all match).
SECRET_KEYS = frozenset({
    "authorization", "xamzsecuritytoken", "securitytoken", "sessiontoken", "secretaccesskey",
    "secretkey", "xamzsignature", "signature", "password", "secret", "secretstring",
    "secretbinary", "accesstoken", "refreshtoken", "idtoken", "clientsecret", "privatekey",
    "sastoken", "sharedaccesskey", "connectionstring"})
# Query parameters that make a URL a credential: AWS SigV4 and SigV2 pre-signed URLs, Google
# Cloud Storage signed URLs, Azure shared access signatures.
_SIGNED_PARAMS = re.compile(
    r"(?:^|[?&])(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|"
    r"awsaccesskeyid|x-goog-signature|x-goog-credential|sig)=", re.IGNORECASE)
_URL = re.compile(r"""[a-z][a-z0-9+.-]*://[^\s"'<>]+""", re.IGNORECASE)


def _key(name: object) -> str:
    return str(name).lower().replace("_", "").replace("-", "")


def _redact_url(match: re.Match[str]) -> str:
    url = match.group(0)
    base, sep, query = url.partition("?")
    return f"{base}?<redacted>" if sep and _SIGNED_PARAMS.search("?" + query) else url


def redact(value: Any) -> Any:
    """A copy with secret-bearing keys replaced, and the query string of every signed URL
    (pre-signed, signed or SAS) removed, wherever it appears inside a string."""
    if isinstance(value, Mapping):
        return {k: ("<redacted>" if _key(k) in SECRET_KEYS else redact(v))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str) and "://" in value and "?" in value:
        return _URL.sub(_redact_url, value)
    return value


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

    def record(self, source: str, operation: str, region: str, params: Mapping[str, Any],
               response: Any) -> EvidenceRef:
        """Keep one response and return the reference resources carry."""
        body = dict(response) if isinstance(response, Mapping) else response
        if isinstance(body, dict):
            body.pop("ResponseMetadata", None)
        blob = canonical(redact(body))
        sha = hashlib.sha256(blob).hexdigest()
        with self._lock:
            self.calls += 1
            self._blobs.setdefault(sha, blob)
        return EvidenceRef(operation=operation, region=region, params=redact(dict(params)),
                           time=datetime.now(UTC).isoformat(timespec="seconds"), sha256=sha,
                           source=source)

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
