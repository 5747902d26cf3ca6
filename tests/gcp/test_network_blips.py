"""A connection dropped without an answer (a TCP reset) is retried like a 429 or a 5xx, through
every kind of client the adapter uses: GAPIC REST (Cloud KMS, Compute), the JSON connection
(Cloud Logging) and google-cloud-storage. One blip is not a failure; a drop that persists
is still an error row once the retry budget is spent, never a gap."""

from __future__ import annotations

from typing import Any

from scanner.providers.gcp import compute, kms
from scanner.providers.gcp.fake import DROP, ESTATE
from tests.gcp.services_scan import errors, scan_estate

KEY = "projects/lw-logging/locations/global/keyRings/audit/cryptoKeys/logbucket"
# (host, path) of one read per client kind.
DROPPED = (
    (kms.HOST, f"/v1/{KEY}"),
    (compute.HOST, "/compute/v1/projects/prod-app/aggregated/subnetworks"),
    ("logging.googleapis.com", "/v2/projects/prod-app/sinks"),
    ("storage.googleapis.com", "/storage/v1/b/lw-audit-archive"),
)


def _drop(times: int | None) -> Any:
    """An override dropping the first `times` requests of each DROPPED path (None: all)."""
    seen: dict[tuple[str, str], int] = {}

    def answer(request: Any) -> tuple[int, Any] | None:
        where = (request.host, request.path)
        if where not in DROPPED:
            return None
        seen[where] = seen.get(where, 0) + 1
        if times is None or seen[where] <= times:
            return DROP, None
        return None

    return answer


def test_one_dropped_connection_is_retried() -> None:
    got, requests = scan_estate(ESTATE, [_drop(1)])
    first_pages = [(r.host, r.path) for r in requests if "pageToken" not in r.query]
    for where in DROPPED:
        assert first_pages.count(where) == 2, where
    operations = {"cryptoKeys.get", "subnetworks.aggregatedList", "sinks.list", "buckets.get"}
    assert not errors(got, lambda e: e.operation in operations)
    archive = got.inventory.get("//cloudkms.googleapis.com/" + KEY)
    assert archive is not None and archive.attrs["rotation_period_seconds"] == 7776000
    assert got.inventory.of_type(compute.SUBNETWORK, "prod-app")
    assert got.inventory.of_type("gcp.logging.sink", "prod-app")
    bucket = got.inventory.get("//storage.googleapis.com/lw-audit-archive")
    assert bucket is not None and bucket.placeholder is None


def test_a_connection_that_keeps_dropping_is_an_error() -> None:
    got, _ = scan_estate(ESTATE, [_drop(None)])
    failed = errors(got, lambda e: "still failing after retrying" in e.message)
    assert {(f[0], f[1]) for f in failed} >= {
        ("lw-logging", "cryptoKeys.get"),
        ("prod-app", "subnetworks.aggregatedList"),
        ("prod-app", "sinks.list"),
    }
    assert "buckets.get" in {f[1] for f in failed}
    # prod-app's own sinks are an error for the type (the folder sink still reaches it).
    assert got.inventory.type_errors("gcp.logging.sink", "prod-app")
    key = got.inventory.get("//cloudkms.googleapis.com/" + KEY)
    assert key is not None and key.attrs["rotation_period_seconds"].error
