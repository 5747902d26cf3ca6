"""The names inside an evidence bundle, shared by writing, signing and verifying."""

from __future__ import annotations

import hashlib

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MANIFEST_VERSION = "1.0"
RESULTS = "results.json"
RESPONSES = "responses"
REPORTS = "reports"
PASSPHRASE_ENV = "LOGWARD_SIGNING_PASSPHRASE"


def sha256(data: bytes) -> str:
    """The hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()
