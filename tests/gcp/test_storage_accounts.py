"""How a sink's destination bucket is filed, through google-cloud-storage against the fake:
its account is the project ID when the scan knows the project, else the bare project number
(never a `projects/N` name, which would split one project into two spellings), and its region
is the location in lower case, as every other GCP type spells it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.gcp.services_scan import golden, scan_estate

ARCHIVE = "//storage.googleapis.com/lw-audit-archive"


def test_a_bucket_in_a_scanned_project_has_its_project_id() -> None:
    got, _, _ = golden()
    bucket = got.inventory.get(ARCHIVE)
    assert bucket is not None
    assert (bucket.account, bucket.region, bucket.attrs["location"]) == ("lw-logging", "us", "US")


def test_a_bucket_outside_the_scan_has_its_project_number(estate_copy: Path) -> None:
    path = estate_copy / "storage.googleapis.com/storage/v1/b/lw-audit-archive.json"
    raw = json.loads(path.read_text())
    path.write_text(
        json.dumps({**raw, "projectNumber": "987654321098", "location": "EUROPE-WEST1"})
    )
    got, _ = scan_estate(estate_copy)
    bucket = got.inventory.get(ARCHIVE)
    assert bucket is not None
    assert (bucket.account, bucket.region) == ("987654321098", "europe-west1")
    assert bucket.attrs["project_number"] == "987654321098"
