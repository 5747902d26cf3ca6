"""Cloud KMS keys through the real GAPIC REST client against a local HTTP fake: the golden
estate's two log keys (90-day rotation) and their IAM policies, a key whose get answers 403,
and one that does not exist (404)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import kms_v1

from scanner.providers.gcp import kms
from scanner.providers.gcp.fake import grpc as fake_grpc
from tests.gcp.grpcfake import write
from tests.gcp.restfake import serving

ESTATE = Path(fake_grpc.__file__).parent / "estate"
ARCHIVE = "projects/lw-logging/locations/us/keyRings/audit/cryptoKeys/archive"
LOGBUCKET = "projects/lw-logging/locations/global/keyRings/audit/cryptoKeys/logbucket"


def _client(endpoint: str) -> kms_v1.KeyManagementServiceClient:
    return kms_v1.KeyManagementServiceClient(
        credentials=AnonymousCredentials(),
        transport="rest",
        client_options={"api_endpoint": endpoint},
    )


@pytest.fixture(scope="module")
def estate() -> Iterator[tuple[kms_v1.KeyManagementServiceClient, list[Any]]]:
    with serving(ESTATE, [kms.HOST]) as (endpoints, requests):
        yield _client(endpoints[kms.HOST]), requests


def _read(api: kms_v1.KeyManagementServiceClient, name: str) -> dict[str, Any]:
    attrs = kms.key_attrs(kms.get_key(api, name))
    attrs["bindings"] = kms.bindings(kms.get_key_iam(api, name))
    return attrs


def test_golden_keys(estate: tuple[kms_v1.KeyManagementServiceClient, list[Any]]) -> None:
    api, requests = estate
    before = len(requests)
    attrs = _read(api, ARCHIVE)
    assert attrs == {
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
    }
    # Both reads are GETs (getIamPolicy is a GET in Cloud KMS's REST binding).
    assert [(r[1], r[2]) for r in requests[before:]] == [
        ("GET", f"/v1/{ARCHIVE}"),
        ("GET", f"/v1/{ARCHIVE}:getIamPolicy"),
    ]
    assert requests[-1][3].get("options.requestedPolicyVersion") == "3"
    res = kms.key(_read(api, LOGBUCKET))
    assert res.id == f"//cloudkms.googleapis.com/{LOGBUCKET}"
    assert (res.account, res.region, res.name) == ("lw-logging", "global", "logbucket")
    assert kms.key(attrs).region == "us"


def test_denied_and_missing_keys(tmp_path: Path) -> None:
    denied = "projects/p/locations/global/keyRings/r/cryptoKeys/denied"
    write(
        tmp_path,
        kms.HOST,
        f"v1/{denied}",
        {
            "error": {
                "code": 403,
                "status": "PERMISSION_DENIED",
                "message": f"Permission 'cloudkms.cryptoKeys.get' denied on resource '{denied}'",
            }
        },
    )
    with serving(tmp_path, [kms.HOST]) as (endpoints, _):
        api = _client(endpoints[kms.HOST])
        # The REST transport maps HTTP 403 to Forbidden (gRPC's is PermissionDenied): both
        # carry code 403, which is what the gateway maps once.
        with pytest.raises(exceptions.Forbidden) as denied_exc:
            kms.get_key(api, denied)
        assert denied_exc.value.code == 403
        with pytest.raises(exceptions.NotFound):
            kms.get_key(api, "projects/p/locations/global/keyRings/r/cryptoKeys/gone")


def test_conditional_binding_and_no_rotation(tmp_path: Path) -> None:
    name = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"
    write(
        tmp_path,
        kms.HOST,
        f"v1/{name}",
        {
            "name": name,
            "purpose": "ENCRYPT_DECRYPT",
            "versionTemplate": {
                "protectionLevel": "HSM",
                "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION",
            },
        },
    )
    write(
        tmp_path,
        kms.HOST,
        f"v1/{name}@getIamPolicy",
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
        },
    )
    with serving(tmp_path, [kms.HOST]) as (endpoints, _):
        attrs = _read(_client(endpoints[kms.HOST]), name)
    assert attrs["rotation_period_seconds"] is None
    assert attrs["next_rotation_time"] is None
    assert attrs["primary_state"] is None
    assert attrs["protection_level"] == "HSM"
    assert attrs["bindings"][0]["condition"] == {
        "title": "temp",
        "expression": "request.time < timestamp('2027-01-01T00:00:00Z')",
    }


@pytest.mark.parametrize(
    ("duration", "expected"),
    [("7776000s", 7776000), ("7776001s", 7776001), ("86400.5s", 86400), (None, None), ("", None)],
)
def test_seconds(duration: str | None, expected: int | None) -> None:
    assert kms.seconds(duration) == expected


def test_key_name_strips_versions() -> None:
    assert kms.key_name(f"{ARCHIVE}/cryptoKeyVersions/3") == ARCHIVE
    assert kms.key_name(ARCHIVE) == ARCHIVE
