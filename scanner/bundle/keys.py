"""Ed25519 keys and the signature over a bundle's manifest.json."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner.bundle.layout import MANIFEST, PASSPHRASE_ENV, SIGNATURE, sha256
from scanner.errors import InputError, Problem
from scanner.files import write_atomic
from scanner.reading import read_bytes


def ed25519_module() -> Any:
    """cryptography's Ed25519 module (a clear input error where it is missing)."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError as exc:  # pragma: no cover - cryptography is a core dependency
        raise InputError(
            "signing needs the cryptography package: pip install cryptography"
        ) from exc
    return ed25519


def key_id(public_raw: bytes) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    return sha256(public_raw)[:16]


def raw_public_bytes(public_key: Any) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    from cryptography.hazmat.primitives import serialization

    raw: bytes = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw


def keygen(path: Path) -> tuple[Path, str]:
    """Write a new Ed25519 private key (PEM, mode 0600) and its public key beside it
    (`<path>.pub`); return the public key's path and id."""
    from cryptography.hazmat.primitives import serialization

    ed25519 = ed25519_module()
    public_path = path.with_name(path.name + ".pub")
    for existing in (path, public_path):
        if existing.exists():
            raise InputError(
                Problem(
                    str(existing),
                    None,
                    "exists; expected a new file for the key (keys are never overwritten)",
                )
            )
    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        write_atomic(
            public_path,
            private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return public_path, key_id(raw_public_bytes(private.public_key()))


def load_private_key(path: Path) -> Any:
    """An Ed25519 private key from a PEM file (passphrase from $LOGWARD_SIGNING_PASSPHRASE)."""
    from cryptography.hazmat.primitives import serialization

    ed25519 = ed25519_module()
    data = read_bytes(path, "PEM private key")
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        key = serialization.load_pem_private_key(
            data, password=passphrase.encode() if passphrase else None
        )
    except (ValueError, TypeError) as exc:
        raise InputError(
            Problem(
                str(path),
                None,
                f"not a usable PEM private key ({exc}); "
                "expected an Ed25519 key, e.g. from `logward bundle keygen` "
                "or `openssl genpkey -algorithm ed25519`",
            )
        ) from exc
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise InputError(
            Problem(str(path), None, f"is a {type(key).__name__}; expected an Ed25519 private key")
        )
    return key


def load_public_key(path: Path) -> Any:
    """An Ed25519 public key from a PEM file."""
    from cryptography.hazmat.primitives import serialization

    ed25519 = ed25519_module()
    data = read_bytes(path, "PEM public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise InputError(
            Problem(
                str(path),
                None,
                f"not a PEM public key ({exc}); expected "
                "the .pub file `logward bundle keygen` wrote",
            )
        ) from exc
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise InputError(
            Problem(str(path), None, f"is a {type(key).__name__}; expected an Ed25519 public key")
        )
    return key


def sign(folder: Path, key_path: Path, body: bytes | None = None) -> str:
    """Sign the bundle's manifest.json (exactly `body` when given: the bytes a verify just
    checked); returns the signing key's id."""
    key = load_private_key(key_path)
    manifest_path = folder / MANIFEST
    if body is None:
        body = read_bytes(manifest_path, "manifest of an evidence bundle written with --evidence")
    public_raw = raw_public_bytes(key.public_key())
    doc = {
        "algorithm": "Ed25519",
        "key_id": key_id(public_raw),
        "public_key": base64.b64encode(public_raw).decode(),
        "manifest_sha256": sha256(body),
        "signature": base64.b64encode(key.sign(body)).decode(),
        "signed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_atomic(folder / SIGNATURE, json.dumps(doc, indent=2).encode() + b"\n")
    return str(doc["key_id"])
