"""Evidence bundles: a folder an auditor can check byte for byte, and a signature over it.

Layout:
    manifest.json        every other file's path, SHA-256 and size, and the facts of the scan
    manifest.sig         optional: an Ed25519 signature over the exact bytes of manifest.json
    results.json         the canonical results document
    reports/<file>       the rendered reports (HTML, Markdown, CSV, SARIF, ...)
    responses/<sha>.json the raw (redacted) API responses findings cite, named by their hash

A bundle is built in a temporary folder beside its destination and moved into place whole,
so a failed run leaves the previous bundle (or nothing), never half of one. `verify` recomputes
every hash, checks the signature, and names each file changed, added or removed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from scanner import __version__
from scanner.data import data_dir
from scanner.errors import InputError, Problem

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MANIFEST_VERSION = "1.0"
RESULTS = "results.json"
RESPONSES = "responses"
REPORTS = "reports"
PASSPHRASE_ENV = "LOGWARD_SIGNING_PASSPHRASE"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _mapping_versions(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each framework of the scan with the SHA-256 of the mapping file that was in force."""
    found = []
    folder = data_dir("mappings")
    for fw in results.get("scan", {}).get("frameworks", []):
        path = folder / f"{fw['id']}.yaml"
        digest = sha256(path.read_bytes()) if path.is_file() else None
        found.append(
            {
                "id": fw["id"],
                "title": fw.get("title"),
                "version": fw.get("version"),
                "sha256": digest,
            }
        )
    return found


def manifest(results: Mapping[str, Any], files: Mapping[str, bytes]) -> bytes:
    """manifest.json bytes for a bundle holding `files` (relative POSIX path -> content)."""
    scan = results.get("scan", {})
    doc = {
        "manifest_version": MANIFEST_VERSION,
        "tool": {"name": "logward", "version": __version__},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scan": {
            "id": scan.get("id"),
            "source": scan.get("source"),
            "started_at": scan.get("started_at"),
            "finished_at": scan.get("finished_at"),
            "caller": scan.get("caller"),
            "accounts": scan.get("accounts", []),
            "regions": scan.get("regions", []),
            "input": scan.get("input"),
        },
        "policy_set": {k: scan.get("policy_set", {}).get(k) for k in ("hash", "version", "count")},
        "mappings": _mapping_versions(results),
        "summary": dict(results.get("summary", {})),
        "files": [
            {"path": path, "sha256": sha256(data), "size": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    return json.dumps(doc, indent=2).encode() + b"\n"


def bundle_files(
    results_bytes: bytes, reports: Mapping[str, bytes], responses: Iterable[tuple[str, bytes]]
) -> dict[str, bytes]:
    """The files of a bundle by relative path."""
    files = {RESULTS: results_bytes}
    files.update({f"{REPORTS}/{name}": data for name, data in reports.items()})
    files.update({f"{RESPONSES}/{sha}.json": blob for sha, blob in responses})
    return files


def is_bundle(folder: Path) -> bool:
    """True when `folder` holds a logward evidence bundle's manifest (not just any
    manifest.json: a web app's public/ folder or a browser extension has one too)."""
    try:
        doc = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return False
    return (
        isinstance(doc, dict)
        and "manifest_version" in doc
        and isinstance(doc.get("tool"), dict)
        and doc["tool"].get("name") == "logward"
    )


def check_target(target: Path) -> None:
    """Refuse a destination a bundle may not replace: anything but nothing, an empty folder,
    or a previous logward bundle. Called before a scan starts, and again before writing."""
    if target.exists() and not (
        target.is_dir() and (is_bundle(target) or not any(target.iterdir()))
    ):
        raise InputError(
            Problem(
                str(target),
                None,
                "--evidence: exists and is not a logward "
                "evidence bundle (no logward manifest.json); expected a new "
                "or empty folder, or a previous bundle to replace",
            )
        )


def write_bundle(target: Path, results: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
    """Write a bundle to `target`, replacing a previous bundle there as one step: the new
    bundle is complete in a staging folder beside it before anything is replaced, and the
    replacement is one atomic exchange where the system has one (Linux renameat2), else two
    renames that put the previous bundle back if the second fails."""
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        from scanner.results import UMASK

        os.chmod(staging, 0o777 & ~UMASK)  # mkdtemp makes 0700; the files are readable
        for rel, data in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (staging / MANIFEST).write_bytes(manifest(results, files))
        _fsync_tree(staging)
        if not target.exists():
            staging.rename(target)
        elif _exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)  # now the previous bundle
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            old.rmdir()
            target.rename(old)
            try:
                staging.rename(target)
            except BaseException:
                old.rename(target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        _fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


# --- keys and signatures -----------------------------------------------------------------


def _crypto() -> Any:
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


def _raw_public(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    raw: bytes = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw


def keygen(path: Path) -> tuple[Path, str]:
    """Write a new Ed25519 private key (PEM, mode 0600) and its public key beside it
    (`<path>.pub`); return the public key's path and id."""
    from cryptography.hazmat.primitives import serialization

    ed25519 = _crypto()
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
        from scanner.results import write_atomic

        write_atomic(
            public_path,
            private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return public_path, key_id(_raw_public(private.public_key()))


def load_private_key(path: Path) -> Any:
    """An Ed25519 private key from a PEM file (passphrase from $LOGWARD_SIGNING_PASSPHRASE)."""
    from cryptography.hazmat.primitives import serialization

    ed25519 = _crypto()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(str(path), None, f"cannot read: {exc}")) from exc
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

    ed25519 = _crypto()
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise InputError(Problem(str(path), None, f"cannot read: {exc}")) from exc
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
        try:
            body = manifest_path.read_bytes()
        except OSError as exc:
            raise InputError(
                Problem(
                    str(manifest_path),
                    None,
                    f"cannot read: {exc}; expected an evidence bundle written with --evidence",
                )
            ) from exc
    public_raw = _raw_public(key.public_key())
    doc = {
        "algorithm": "Ed25519",
        "key_id": key_id(public_raw),
        "public_key": base64.b64encode(public_raw).decode(),
        "manifest_sha256": sha256(body),
        "signature": base64.b64encode(key.sign(body)).decode(),
        "signed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    from scanner.results import write_atomic

    write_atomic(folder / SIGNATURE, json.dumps(doc, indent=2).encode() + b"\n")
    return str(doc["key_id"])


# --- verification ------------------------------------------------------------------------


@dataclass
class Verdict:
    """What `verify` found: problems make it fail; notes are said either way."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    signed_by: str | None = None
    manifest: bytes | None = None  # the manifest.json bytes that were checked

    @property
    def ok(self) -> bool:
        return not self.problems


def _json_file(path: Path, verdict: Verdict, body: bytes | None = None) -> Any:
    try:
        return json.loads(path.read_bytes() if body is None else body)
    except OSError as exc:
        verdict.problems.append(f"{path.name}: cannot read: {exc}")
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"{path.name}:{line}" if line else path.name
        verdict.problems.append(f"{where}: not valid JSON ({exc}); the file was altered")
    return None


def _check_signature(folder: Path, body: bytes, expected: Any, verdict: Verdict) -> None:
    from cryptography.exceptions import InvalidSignature

    ed25519 = _crypto()
    sig_path = folder / SIGNATURE
    if not sig_path.exists():
        if expected is not None:
            verdict.problems.append(
                f"{SIGNATURE}: missing; the bundle is not signed, and a "
                "public key to check it against was given"
            )
        else:
            verdict.notes.append(
                "not signed: the hashes show that the files match "
                "manifest.json, not who wrote it (`logward bundle sign`)"
            )
        return
    doc = _json_file(sig_path, verdict)
    if not isinstance(doc, dict):
        return
    try:
        embedded = base64.b64decode(doc["public_key"], validate=True)
        signature = base64.b64decode(doc["signature"], validate=True)
        public = ed25519.Ed25519PublicKey.from_public_bytes(embedded)
    except (KeyError, TypeError, ValueError) as exc:
        verdict.problems.append(f"{SIGNATURE}: malformed ({exc}); the file was altered")
        return
    signer = key_id(embedded)
    if expected is not None and _raw_public(expected) != embedded:
        verdict.problems.append(
            f"{SIGNATURE}: signed by key {signer}, not by the expected key "
            f"{key_id(_raw_public(expected))}"
        )
        return
    try:
        public.verify(signature, body)
    except InvalidSignature:
        verdict.problems.append(
            f"{SIGNATURE}: the signature does not match {MANIFEST}; "
            "manifest.json was changed or replaced after signing"
        )
        return
    verdict.signed_by = signer
    if expected is None:
        verdict.notes.append(
            f"signature valid for the key it names ({signer}); pass "
            "--public-key to check that it is the key you trust"
        )


def _safe(rel: str) -> bool:
    path = PurePosixPath(rel)
    return bool(rel) and not path.is_absolute() and ".." not in path.parts and "\\" not in rel


def verify(folder: Path, public_key: Path | None = None) -> Verdict:
    """Check every file of a bundle against its manifest, and the manifest's signature."""
    if not folder.is_dir():
        raise InputError(
            Problem(str(folder), None, "not found; expected an evidence bundle folder")
        )
    expected = load_public_key(public_key) if public_key is not None else None
    verdict = Verdict()
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        verdict.problems.append(
            f"{MANIFEST}: missing; this is not an evidence bundle, or its manifest was removed"
        )
        return verdict
    try:
        body = manifest_path.read_bytes()  # read once: the signature and the list are of it
    except OSError as exc:
        verdict.problems.append(f"{MANIFEST}: cannot read: {exc}")
        return verdict
    verdict.manifest = body
    _check_signature(folder, body, expected, verdict)
    doc = _json_file(manifest_path, verdict, body)
    entries = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        if doc is not None:
            verdict.problems.append(f"{MANIFEST}: has no file list; the file was altered")
        return verdict
    listed: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        rel = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(rel, str) or not _safe(rel):
            verdict.problems.append(f"{MANIFEST}: unsafe or malformed entry {entry!r}")
            continue
        listed[rel] = entry
    present: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            verdict.problems.append(f"{rel}: is a symbolic link; a bundle holds only files")
        elif path.is_dir():
            continue
        elif not path.is_file():
            verdict.problems.append(f"{rel}: is not a regular file; a bundle holds only files")
        elif rel not in (MANIFEST, SIGNATURE):
            present[rel] = path
    for rel in sorted(set(listed) - set(present)):
        verdict.problems.append(f"{rel}: removed (listed in {MANIFEST}, not in the bundle)")
    for rel in sorted(set(present) - set(listed)):
        verdict.problems.append(f"{rel}: added (in the bundle, not listed in {MANIFEST})")
    intact: set[str] = set()
    for rel in sorted(set(listed) & set(present)):
        try:
            data = present[rel].read_bytes()
        except OSError as exc:
            verdict.problems.append(f"{rel}: cannot read: {exc}")
            continue
        entry = listed[rel]
        digest = sha256(data)
        if digest != entry.get("sha256") or len(data) != entry.get("size"):
            verdict.problems.append(
                f"{rel}: changed (SHA-256 {digest}, {len(data)} bytes; manifest says "
                f"{entry.get('sha256')}, {entry.get('size')} bytes)"
            )
        else:
            intact.add(rel)
    verdict.files = len(listed)
    if RESULTS in intact:  # a changed results.json is already a failure; do not parse it
        _check_citations(folder, present, verdict)
    return verdict


def _check_citations(folder: Path, present: Mapping[str, Path], verdict: Verdict) -> None:
    """Every response a finding cites is in the bundle (a bundle with responses)."""
    if RESULTS not in present or not any(r.startswith(f"{RESPONSES}/") for r in present):
        return
    results = _json_file(folder / RESULTS, verdict)
    if not isinstance(results, dict):
        return
    findings = results.get("findings")
    cited = {
        e.get("sha256")
        for f in (findings if isinstance(findings, list) else [])
        if isinstance(f, dict) and isinstance(f.get("evidence"), list)
        for e in f["evidence"]
        if isinstance(e, dict)
    }
    missing = sorted(str(s) for s in cited if s and f"{RESPONSES}/{s}.json" not in present)
    if missing:
        verdict.problems.append(
            f"{RESULTS}: cites {len(missing)} response(s) not in {RESPONSES}/, e.g. {missing[0]}"
        )
