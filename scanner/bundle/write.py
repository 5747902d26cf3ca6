"""Writing an evidence bundle: built whole in a staging folder, then moved into place."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.bundle.layout import MANIFEST, MANIFEST_VERSION, REPORTS, RESPONSES, RESULTS, sha256
from scanner.errors import InputError, Problem


def _mapping_versions(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each framework of the scan with the SHA-256 of the mapping file that was in force (of
    the mapping and, one per line, of each cloud's fragment that extends it)."""
    from scanner.mappings import framework_files

    found = []
    for fw in results.get("scan", {}).get("frameworks", []):
        files = [f for f in framework_files(fw["id"]) if f.is_file()]
        digest = (
            sha256(files[0].read_bytes())
            if len(files) == 1
            else sha256(b"".join(f"{sha256(f.read_bytes())}  {f.name}\n".encode() for f in files))
            if files
            else None
        )
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


def fill_bundle(folder: Path, results: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
    """Write a bundle's files and its manifest into the empty folder `folder`."""
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (folder / MANIFEST).write_bytes(manifest(results, files))


def write_bundle(target: Path, results: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
    """Write a bundle to `target`, replacing a previous bundle there as one step: the new
    bundle is complete in a staging folder beside it before anything is replaced (see
    `scanner.staging`)."""
    from scanner.staging import OutputSet

    check_target(target)
    with OutputSet() as out:
        fill_bundle(out.tree(target), results, files)
        out.commit()
