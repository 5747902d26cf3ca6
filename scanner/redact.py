"""Redaction: what must never reach an evidence file, a report or a log, whatever its source."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Keys whose values must never reach an evidence file or a report, compared lower-case with
# `_` and `-` removed (so SessionToken, session_token and X-Amz-Security-Token all match).
SECRET_KEYS = frozenset(
    {
        "authorization",
        "xamzsecuritytoken",
        "securitytoken",
        "sessiontoken",
        "secretaccesskey",
        "secretkey",
        "xamzsignature",
        "signature",
        "password",
        "secret",
        "secretstring",
        "secretbinary",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "clientsecret",
        "privatekey",
        "sastoken",
        "sharedaccesskey",
        "connectionstring",
    }
)
# Query parameters that make a URL a credential: AWS SigV4 and SigV2 pre-signed URLs, Google
# Cloud Storage signed URLs, Azure shared access signatures.
_SIGNED_PARAMS = re.compile(
    r"(?:^|[?&])(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|"
    r"awsaccesskeyid|x-goog-signature|x-goog-credential|sig)=",
    re.IGNORECASE,
)
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
        return {
            k: ("<redacted>" if _key(k) in SECRET_KEYS else redact(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str) and "://" in value and "?" in value:
        return _URL.sub(_redact_url, value)
    return value
