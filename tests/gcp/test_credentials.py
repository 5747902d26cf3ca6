"""Credentials: Application Default Credentials, and `--impersonate-service-account`, whose
short-lived token comes from the IAM Credentials API (served by the fake here): every API
call of the scan then carries the impersonated token."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from scanner.cli import main
from scanner.providers.gcp.fake import ESTATE, FakeGoogle

SA = "scanner@lw-logging.iam.gserviceaccount.com"
# The one scope Cloud KMS, Monitoring, IAM roles and Cloud SQL Admin accept besides their
# own (`cloud-platform.read-only` is refused there with ACCESS_TOKEN_SCOPE_INSUFFICIENT).
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


def _granted_scopes(auth: list[Any]) -> set[str]:
    """The scopes the key's JWT-bearer token exchanges asked for (the `scope` claim)."""
    scopes: set[str] = set()
    for request in auth:
        if request.host != "oauth2.googleapis.com":
            continue
        assertion = parse_qs(str(request.body))["assertion"][0]
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        scopes.update(str(claims["scope"]).split())
    assert scopes, "no token exchange seen"
    return scopes


def _estate(tmp_path: Path) -> Path:
    estate = tmp_path / "estate"
    shutil.copytree(ESTATE, estate)
    token = estate / "oauth2.googleapis.com" / "token.json"
    token.parent.mkdir(parents=True)
    token.write_text(json.dumps({"access_token": "ya29.adc", "expires_in": 3600}))
    iam = estate / "iamcredentials.googleapis.com" / "v1" / "projects" / "-" / "serviceAccounts"
    iam.mkdir(parents=True)
    (iam / f"{SA}@generateAccessToken.json").write_text(
        json.dumps({"accessToken": "ya29.impersonated", "expireTime": "2099-01-01T00:00:00Z"})
    )
    return estate


def _adc(tmp_path: Path, fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> None:
    adc = tmp_path / "adc.json"
    # A service-account key file (an authorized_user file always refreshes at Google's real
    # token endpoint; a key file's token_uri is honoured, so the exchange stays on loopback).
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    adc.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "lw-logging",
                "private_key_id": "0123456789abcdef",
                "private_key": pem,
                "client_email": "ci@lw-logging.iam.gserviceaccount.com",
                "client_id": "1234567890",
                "token_uri": f"{fake.endpoints['oauth2.googleapis.com']}/token",
            }
        )
    )
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "lw-logging")


def _scan(fake: FakeGoogle, out: Path, *extra: str) -> int:
    endpoints = ",".join(f"{h}={u}" for h, u in fake.endpoints.items())
    args = ["scan", "gcp", "--projects", "prod-app", "--endpoint", endpoints, *extra]
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--quiet"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code


@pytest.mark.parametrize(
    ("extra", "token"),
    [((), "Bearer ya29.adc"), (("--impersonate-service-account", SA), "Bearer ya29.impersonated")],
    ids=["adc", "impersonated"],
)
def test_every_call_carries_the_chosen_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...], token: str
) -> None:
    fake = FakeGoogle(_estate(tmp_path)).start()
    try:
        _adc(tmp_path, fake, monkeypatch)
        _scan(fake, tmp_path / "out", *extra)
    finally:
        fake.stop()
    auth = [
        r
        for r in fake.requests
        if r.host in ("oauth2.googleapis.com", "iamcredentials.googleapis.com")
    ]
    # The REST hosts' calls (a gRPC fake's insecure channel carries no credentials: the
    # seam gives tests and the demo a plain channel).
    rest = {h for h, url in fake.endpoints.items() if url.startswith("http")}
    api = [r for r in fake.requests if r not in auth and r.host in rest]
    assert api and all(r.is_read for r in api)
    if not extra:
        # The key's own token, or a JWT it signs itself (GAPIC clients use self-signed JWTs
        # for service-account keys): credentials on every call either way.
        assert all((r.authorization or "").startswith("Bearer ") for r in api)
        assert "Bearer ya29.adc" in {r.authorization for r in api}
        assert _granted_scopes(auth) == {CLOUD_PLATFORM}
        results = json.loads((tmp_path / "out" / "results.json").read_text())
        assert results["scan"]["caller"] == "ci@lw-logging.iam.gserviceaccount.com"
        return
    assert {r.authorization for r in api} == {token}
    (exchange,) = [r for r in auth if r.host == "iamcredentials.googleapis.com"]
    assert exchange.authorization == "Bearer ya29.adc"
    assert exchange.path.endswith(f"{SA}:generateAccessToken")
    assert exchange.body["scope"] == [CLOUD_PLATFORM]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["scan"]["caller"] == SA


def test_no_credentials_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    result = CliRunner().invoke(
        main, ["scan", "gcp", "--projects", "prod-app", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "no Google credentials" in result.output
    assert not (tmp_path / "out").exists()


def test_metadata_server_credentials_do_not_name_a_default_caller() -> None:
    """GCE / Cloud Run credentials say "default" until their first refresh: that is no
    account, so the scan names none rather than a wrong one (after the scan has refreshed
    them, the real email is read)."""
    from google.auth import compute_engine

    from scanner.providers.gcp.adapter import _caller

    creds = compute_engine.Credentials()
    assert creds.service_account_email == "default"
    assert _caller(creds) is None
    creds._service_account_email = "scanner@ops.iam.gserviceaccount.com"
    assert _caller(creds) == "scanner@ops.iam.gserviceaccount.com"
