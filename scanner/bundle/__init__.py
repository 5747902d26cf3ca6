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

from scanner.bundle.keys import keygen, sign
from scanner.bundle.layout import MANIFEST, RESPONSES, RESULTS, SIGNATURE
from scanner.bundle.verify import Verdict, verify
from scanner.bundle.write import (
    bundle_files,
    check_target,
    fill_bundle,
    is_bundle,
    manifest,
    write_bundle,
)

__all__ = [
    "MANIFEST",
    "RESPONSES",
    "RESULTS",
    "SIGNATURE",
    "Verdict",
    "bundle_files",
    "check_target",
    "fill_bundle",
    "is_bundle",
    "keygen",
    "manifest",
    "sign",
    "verify",
    "write_bundle",
]
