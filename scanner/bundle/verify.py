"""Checking a bundle: every file against the manifest, the signature, and the citations."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from scanner.bundle.keys import ed25519_module, key_id, load_public_key, raw_public_bytes
from scanner.bundle.layout import MANIFEST, RESPONSES, RESULTS, SIGNATURE, sha256
from scanner.errors import InputError, Problem
from scanner.reading import parse_json, read_bytes


@dataclass
class Verdict:
    """What `verify` found: problems make it fail; notes are said either way."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    signed_by: str | None = None
    manifest: bytes | None = None  # the manifest.json bytes that were checked
    # The manifest's scan block (id, started_at, finished_at, ...): which scan this bundle
    # claims to be, so a verifier can tell a replayed older bundle from the current one.
    scan: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _json_file(path: Path, verdict: Verdict, body: bytes | None = None) -> Any:
    # Strict and bounded (scanner.reading): size, depth, duplicate keys, NaN.
    try:
        data = read_bytes(path, "bundle file") if body is None else body
    except InputError as exc:
        verdict.problems.extend(str(p) for p in exc.problems)
        return None
    try:
        return parse_json(data, path.name)
    except InputError as exc:
        verdict.problems.extend(f"{p}; the file was altered" for p in exc.problems)
    return None


def _check_signature(folder: Path, body: bytes, expected: Any, verdict: Verdict) -> None:
    from cryptography.exceptions import InvalidSignature

    ed25519 = ed25519_module()
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
    if expected is not None and raw_public_bytes(expected) != embedded:
        verdict.problems.append(
            f"{SIGNATURE}: signed by key {signer}, not by the expected key "
            f"{key_id(raw_public_bytes(expected))}"
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


def verify(
    folder: Path,
    public_key: Path | None = None,
    not_before: datetime | None = None,
    expect_scan_id: str | None = None,
) -> Verdict:
    """Check every file of a bundle against its manifest, and the manifest's signature; with
    `not_before` or `expect_scan_id`, that it is the scan expected (not an older, replayed one).
    """
    if not folder.is_dir():
        raise InputError(
            Problem(str(folder), None, "not found; expected an evidence bundle folder")
        )
    expected = load_public_key(public_key) if public_key is not None else None
    verdict = Verdict()
    body = _manifest_bytes(folder / MANIFEST, verdict)
    if body is None:
        return verdict
    verdict.manifest = body
    _check_signature(folder, body, expected, verdict)
    doc = _json_file(folder / MANIFEST, verdict, body)
    verdict.scan = _scan_block(doc)
    check_scan(verdict, not_before, expect_scan_id)
    listed = _listed(doc, verdict)
    if listed is None:
        return verdict
    present = _present(folder, verdict)
    for rel in sorted(set(listed) - set(present)):
        verdict.problems.append(f"{rel}: removed (listed in {MANIFEST}, not in the bundle)")
    for rel in sorted(set(present) - set(listed)):
        verdict.problems.append(f"{rel}: added (in the bundle, not listed in {MANIFEST})")
    intact = {
        rel
        for rel in sorted(set(listed) & set(present))
        if _matches(rel, present[rel], listed[rel], verdict)
    }
    verdict.files = len(listed)
    if RESULTS in intact:  # a changed results.json is already a failure; do not parse it
        _check_citations(folder, present, verdict)
    return verdict


def _manifest_bytes(path: Path, verdict: Verdict) -> bytes | None:
    """manifest.json, read once: the signature and the file list are both of these bytes."""
    if not path.is_file():
        verdict.problems.append(
            f"{MANIFEST}: missing; this is not an evidence bundle, or its manifest was removed"
        )
        return None
    try:
        return read_bytes(path, "bundle manifest")
    except InputError as exc:
        verdict.problems.extend(str(p) for p in exc.problems)
        return None


def _listed(doc: Any, verdict: Verdict) -> dict[str, Mapping[str, Any]] | None:
    """The manifest's entries by relative path (None when it has no file list)."""
    entries = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        if doc is not None:
            verdict.problems.append(f"{MANIFEST}: has no file list; the file was altered")
        return None
    listed: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        rel = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(rel, str) or not _safe(rel):
            verdict.problems.append(f"{MANIFEST}: unsafe or malformed entry {entry!r}")
            continue
        listed[rel] = entry
    return listed


def _present(folder: Path, verdict: Verdict) -> dict[str, Path]:
    """Every regular file of the bundle but the manifest and signature; anything else (a
    link, a FIFO) is a problem."""
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
    return present


def _matches(rel: str, path: Path, entry: Mapping[str, Any], verdict: Verdict) -> bool:
    """Whether a file has the hash and size its manifest entry says."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        verdict.problems.append(f"{rel}: cannot read: {exc}")
        return False
    digest = sha256(data)
    if digest != entry.get("sha256") or len(data) != entry.get("size"):
        verdict.problems.append(
            f"{rel}: changed (SHA-256 {digest}, {len(data)} bytes; manifest says "
            f"{entry.get('sha256')}, {entry.get('size')} bytes)"
        )
        return False
    return True


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


def _scan_block(doc: Any) -> Mapping[str, Any]:
    scan = doc.get("scan") if isinstance(doc, dict) else None
    return scan if isinstance(scan, dict) else {}


def parse_time(text: str) -> datetime:
    """An ISO 8601 date or time as an aware datetime; one without an offset is UTC."""
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def check_scan(verdict: Verdict, not_before: datetime | None, expect_scan_id: str | None) -> None:
    """The bundle is the scan the verifier expects: its id is `expect_scan_id`, and it started
    no earlier than `not_before` (so every response in it was fetched after that time). Both
    are claims of manifest.json: only a valid signature by a trusted key makes them the
    signer's."""
    scan = verdict.scan
    if expect_scan_id is not None and scan.get("id") != expect_scan_id:
        verdict.problems.append(
            f"{MANIFEST}: scan id is {scan.get('id')!r}, not the expected {expect_scan_id!r}; "
            "this is another scan's bundle (an older one replayed?)"
        )
    if not_before is None:
        return
    started = scan.get("started_at")
    try:
        when = parse_time(started) if isinstance(started, str) else None
    except ValueError:
        when = None
    if when is None:
        verdict.problems.append(
            f"{MANIFEST}: scan.started_at is {started!r}, not an ISO 8601 time; "
            "cannot check --not-before"
        )
    elif when < not_before:
        verdict.problems.append(
            f"{MANIFEST}: the scan started at {started}, before --not-before "
            f"{not_before.isoformat()}; this is an older bundle (replayed?)"
        )
