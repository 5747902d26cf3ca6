"""The scan's tenant is the ARM token's `tid`, through the real clients against the fake: a
managing tenant that sees more delegated (Azure Lighthouse) subscriptions than its own keeps
its Entra ID settings and root group as its own; only a token without `tid` falls back to the
subscriptions' tenantId, and says so in the limits."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.evidence import EvidenceStore
from scanner.providers.azure.adapter import LiveSource, Request
from scanner.providers.azure.clients import StaticToken
from scanner.providers.azure.fake import FakeArm
from scanner.source import Collected, silent
from tests.azure.conftest import SUB, TENANT_ID

CUSTOMER = "33333333-3333-3333-3333-333333333333"
DELEGATED = (SUB[2], SUB[3], SUB[4])


def _jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def _delegate(root: Path) -> None:
    """Three of the four subscriptions delegated from a customer tenant, which Tenants - List
    names first."""
    for name in ("subscriptions.json", "subscriptions.page2.json"):
        page = json.loads((root / name).read_text())
        for item in page["value"]:
            if item["subscriptionId"] in DELEGATED:
                item["tenantId"] = CUSTOMER
                item["managedByTenants"] = [{"tenantId": TENANT_ID}]
        (root / name).write_text(json.dumps(page))
    tenants = json.loads((root / "tenants.json").read_text())
    guest = {"id": f"/tenants/{CUSTOMER}", "tenantId": CUSTOMER, "displayName": "customer"}
    tenants["value"].insert(0, guest)
    (root / "tenants.json").write_text(json.dumps(tenants))


def _scan(root: Path, token: str) -> Collected:
    fake = FakeArm(root).start()
    try:
        source = LiveSource(StaticToken(token), Request(), EvidenceStore(), fake.base, fake.ca_file)
        return source.collect(silent, None)
    finally:
        fake.stop()


@pytest.mark.parametrize(
    ("claims", "tenant", "guessed"),
    [
        # The token names the managing tenant: the scan's tenant, whatever most subscriptions say.
        ({"tid": TENANT_ID, "appid": "a"}, TENANT_ID, False),
        # Boundary: the claim in upper case is the same tenant.
        ({"tid": TENANT_ID.upper(), "appid": "a"}, TENANT_ID, False),
        # No tid: the old fallback, the most common subscription tenantId, said in the limits.
        ({"appid": "a"}, CUSTOMER, True),
    ],
)
def test_the_tenant_is_the_tokens_tid(
    tenant_copy: Path, claims: dict[str, Any], tenant: str, guessed: bool
) -> None:
    _delegate(tenant_copy)
    collected = _scan(tenant_copy, _jwt(claims))
    inv = collected.inventory
    assert [r.account for r in inv.of_type("azure.tenant")] == [tenant]
    limits = collected.facts.limits
    assert any("names no tenant (no tid claim)" in n for n in limits) is guessed
    for n in (1, 2, 3, 4):
        sub = inv.get(f"/subscriptions/{SUB[n]}")
        assert sub is not None and sub.attrs["in_scan"] is True  # delegated ones still scanned
        assert sub.attrs["tenant_id"] == (CUSTOMER if SUB[n] in DELEGATED else TENANT_ID)
    foreign = [n for n in limits if "delegated, e.g. Azure Lighthouse" in n]
    if tenant == TENANT_ID:
        # The Entra ID settings the tenant-level call answered are the token tenant's.
        entra = [
            r
            for r in inv.of_type("azure.monitor.diagnostic_setting")
            if r.account not in SUB.values() and r.placeholder is None
        ]
        assert entra and {r.account for r in entra} == {TENANT_ID}
        assert sorted(s for s in DELEGATED if any(s in n for n in foreign)) == sorted(DELEGATED)
    else:
        # Guessed as the customer's: the managing tenant's own subscription is the one named.
        assert len(foreign) == 1 and SUB[1] in foreign[0]
