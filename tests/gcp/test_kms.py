"""Cloud KMS keys through the real GAPIC REST client, the gateway and the collection loop:
the keys the golden estate's log stores name (90-day rotation) and their IAM policies, a key
whose get answers 403, one that does not exist (404), a failed getIamPolicy, and the key
ring's IAM policy (inherited by every key in the ring): read once per ring, its failure leaving
only `key_ring_bindings` unknowable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.model import Unknowable
from scanner.providers.gcp import kms
from tests.gcp.services_scan import errors, fault, golden, scan_estate

ARCHIVE = "projects/lw-logging/locations/us/keyRings/audit/cryptoKeys/archive"
LOGBUCKET = "projects/lw-logging/locations/global/keyRings/audit/cryptoKeys/logbucket"
KMS = "//cloudkms.googleapis.com/"
ARCHIVE_RING = "projects/lw-logging/locations/us/keyRings/audit"
LOGBUCKET_RING = "projects/lw-logging/locations/global/keyRings/audit"


def test_golden_keys_named_by_log_stores() -> None:
    got, _, requests = golden()
    assert sorted(r.attrs["name"] for r in got.inventory.of_type(kms.KEY)) == [LOGBUCKET, ARCHIVE]
    archive = got.inventory.get(KMS + ARCHIVE)
    assert archive is not None
    assert (archive.account, archive.region, archive.name) == ("lw-logging", "us", "archive")
    # The collected attributes (the deriver adds public_members).
    assert {k: v for k, v in archive.attrs.items() if k != "public_members"} == {
        "name": ARCHIVE,
        "purpose": "ENCRYPT_DECRYPT",
        "rotation_period_seconds": 7776000,
        "next_rotation_time": "2027-01-04T09:00:00Z",
        "primary_state": "ENABLED",
        "protection_level": "SOFTWARE",
        "bindings": [
            {
                "role": "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                "members": [
                    "serviceAccount:service-300000000001@gs-project-accounts.iam.gserviceaccount.com"
                ],
                "condition": None,
            }
        ],
        # Granted on the key ring `us/audit`, inherited by the key.
        "key_ring_bindings": [
            {
                "role": "roles/cloudkms.viewer",
                "members": ["group:security-auditors@example.org"],
                "condition": None,
            }
        ],
    }
    assert [e.operation for e in archive.evidence] == [
        "cryptoKeys.get",
        "cryptoKeys.getIamPolicy",
        "keyRings.getIamPolicy",
    ]
    # An empty policy (no bindings: `{"etag": "ACAB"}`) is an empty list, not unknown.
    logbucket = got.inventory.get(KMS + LOGBUCKET)
    assert logbucket is not None and logbucket.attrs["key_ring_bindings"] == []
    # Every read is a GET (getIamPolicy is a GET in Cloud KMS's REST binding), policy v3.
    mine = [r for r in requests if r.host == kms.HOST and ARCHIVE_RING in r.path]
    assert [(r.method, r.path) for r in mine] == [
        ("GET", f"/v1/{ARCHIVE}"),
        ("GET", f"/v1/{ARCHIVE}:getIamPolicy"),
        ("GET", f"/v1/{ARCHIVE_RING}:getIamPolicy"),
    ]
    assert all(r.query.get("options.requestedPolicyVersion") == "3" for r in mine[1:])


def test_denied_missing_and_policy_failures(estate_copy: Path) -> None:
    keys = estate_copy / kms.HOST / "v1" / "projects/lw-logging/locations/global/keyRings/audit"
    (keys / "cryptoKeys" / "logbucket.json").unlink()
    got, _ = scan_estate(estate_copy, [fault(kms.HOST, f"/v1/{ARCHIVE}", 403)])
    gone = got.inventory.get(KMS + LOGBUCKET)
    assert gone is not None and gone.placeholder is not None
    assert "does not exist" in gone.placeholder.reason
    denied = got.inventory.get(KMS + ARCHIVE)
    assert denied is not None and denied.placeholder is None
    for attr in kms.KEY_ATTRS:
        value = denied.attrs[attr]
        assert isinstance(value, Unknowable) and value.error, attr
    assert f"cryptoKeys.get for {ARCHIVE} failed: PERMISSION_DENIED" in (
        denied.attrs["rotation_period_seconds"].reason
    )
    assert errors(got, lambda e: e.operation.startswith("cryptoKeys")) == [
        ("lw-logging", "cryptoKeys.get", "PERMISSION_DENIED", (), ARCHIVE)
    ]


def test_a_failed_key_policy_leaves_only_bindings_unknown(estate_copy: Path) -> None:
    got, _ = scan_estate(estate_copy, [fault(kms.HOST, f"/v1/{ARCHIVE}:getIamPolicy", 403)])
    archive = got.inventory.get(KMS + ARCHIVE)
    assert archive is not None
    assert archive.attrs["rotation_period_seconds"] == 7776000
    assert isinstance(archive.attrs["bindings"], Unknowable)
    assert archive.attrs["bindings"].error
    assert archive.attrs["key_ring_bindings"][0]["role"] == "roles/cloudkms.viewer"


def test_a_failed_key_ring_policy_leaves_only_key_ring_bindings_unknown(
    estate_copy: Path,
) -> None:
    got, _ = scan_estate(estate_copy, [fault(kms.HOST, f"/v1/{ARCHIVE_RING}:getIamPolicy", 403)])
    archive = got.inventory.get(KMS + ARCHIVE)
    assert archive is not None
    ring = archive.attrs["key_ring_bindings"]
    assert isinstance(ring, Unknowable) and ring.error
    assert f"keyRings.getIamPolicy for {ARCHIVE_RING} failed: PERMISSION_DENIED" in ring.reason
    # The key's own reads stand.
    assert archive.attrs["bindings"][0]["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert archive.attrs["rotation_period_seconds"] == 7776000
    assert errors(got, lambda e: e.operation == "keyRings.getIamPolicy") == [
        ("lw-logging", "keyRings.getIamPolicy", "PERMISSION_DENIED", (), ARCHIVE_RING)
    ]
    # The other ring is untouched.
    logbucket = got.inventory.get(KMS + LOGBUCKET)
    assert logbucket is not None and logbucket.attrs["key_ring_bindings"] == []


def test_one_key_ring_policy_read_per_ring_and_none_for_unreadable_keys(
    estate_copy: Path,
) -> None:
    # The log bucket's key moves to a second key `other` of the `us/audit` ring, which then
    # holds two log-store keys: the ring is read once for both.
    other = f"{ARCHIVE_RING}/cryptoKeys/other"
    keys = estate_copy / kms.HOST / "v1" / ARCHIVE_RING / "cryptoKeys"
    raw = json.loads((keys / "archive.json").read_text())
    (keys / "other.json").write_text(json.dumps({**raw, "name": other}))
    (keys / "other@getIamPolicy.json").write_text(json.dumps({"etag": "ACAB"}))
    logs = estate_copy / "logging.googleapis.com/v2/projects/lw-logging/locations/-"
    page = logs / "buckets.page2.json"
    page.write_text(page.read_text().replace(LOGBUCKET, other))
    got, requests = scan_estate(estate_copy, [fault(kms.HOST, f"/v1/{ARCHIVE}", 403)])
    ring_reads = [r.path for r in requests if r.host == kms.HOST and ":getIamPolicy" in r.path]
    assert ring_reads.count(f"/v1/{ARCHIVE_RING}:getIamPolicy") == 1
    # No key of the global ring is named any more: its policy is not read.
    assert f"/v1/{LOGBUCKET_RING}:getIamPolicy" not in ring_reads
    read = got.inventory.get(KMS + other)
    assert read is not None and read.attrs["key_ring_bindings"][0]["role"] == (
        "roles/cloudkms.viewer"
    )
    # The key whose get failed has every attribute unknowable, the ring's bindings included.
    denied = got.inventory.get(KMS + ARCHIVE)
    assert denied is not None and isinstance(denied.attrs["key_ring_bindings"], Unknowable)


def test_a_ring_of_only_unreadable_keys_is_not_read(estate_copy: Path) -> None:
    _, requests = scan_estate(estate_copy, [fault(kms.HOST, f"/v1/{ARCHIVE}", 403)])
    paths = [r.path for r in requests if r.host == kms.HOST]
    assert f"/v1/{ARCHIVE_RING}:getIamPolicy" not in paths
    assert f"/v1/{LOGBUCKET_RING}:getIamPolicy" in paths


def test_conditional_binding_and_no_rotation(estate_copy: Path) -> None:
    base = estate_copy / kms.HOST / "v1" / ARCHIVE
    base.with_suffix(".json").write_text(
        json.dumps(
            {
                "name": ARCHIVE,
                "purpose": "ENCRYPT_DECRYPT",
                "versionTemplate": {
                    "protectionLevel": "HSM",
                    "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION",
                },
            }
        )
    )
    (base.parent / "archive@getIamPolicy.json").write_text(
        json.dumps(
            {
                "version": 3,
                "bindings": [
                    {
                        "role": "roles/cloudkms.admin",
                        "members": ["allAuthenticatedUsers"],
                        "condition": {
                            "title": "temp",
                            "expression": "request.time < timestamp('2027-01-01T00:00:00Z')",
                        },
                    }
                ],
            }
        )
    )
    got, _ = scan_estate(estate_copy)
    attrs = got.inventory.get(KMS + ARCHIVE).attrs  # type: ignore[union-attr]
    assert (attrs["rotation_period_seconds"], attrs["next_rotation_time"]) == (None, None)
    assert (attrs["primary_state"], attrs["protection_level"]) == (None, "HSM")
    assert attrs["bindings"] == [
        {
            "role": "roles/cloudkms.admin",
            "members": ["allAuthenticatedUsers"],
            "condition": {
                "title": "temp",
                "expression": "request.time < timestamp('2027-01-01T00:00:00Z')",
            },
        }
    ]


@pytest.mark.parametrize(
    ("duration", "expected"),
    [("7776000s", 7776000), ("7776001s", 7776001), ("86400.5s", 86400), (None, None), ("", None)],
)
def test_seconds(duration: str | None, expected: int | None) -> None:
    assert kms.seconds(duration) == expected


def test_key_name_strips_versions() -> None:
    assert kms.key_name(f"{ARCHIVE}/cryptoKeyVersions/3") == ARCHIVE
    assert kms.key_name(ARCHIVE) == ARCHIVE
