"""Enumeration: the whole tenant, --subscriptions and --management-group, the management
group ancestors of every subscription, disabled subscriptions, and what a failed
enumeration call leaves (an error naming it, never a dropped subscription)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.model import Unknowable
from scanner.providers.azure.adapter import Request as ScanRequest
from scanner.providers.azure.fake import FakeArm, Request
from tests.azure.conftest import SUB, TENANT_ID, by_id, errors, scan

ROOT = f"/providers/microsoft.management/managementgroups/{TENANT_ID}"
PLATFORM = "/providers/microsoft.management/managementgroups/mg-platform"
WORKLOADS = "/providers/microsoft.management/managementgroups/mg-workloads"


def _serve(root: Path) -> FakeArm:
    return FakeArm(root).start()


def test_the_whole_tenant(fake: FakeArm) -> None:
    collected = scan(fake)
    tenant = by_id(collected, f"/tenants/{TENANT_ID}")
    assert (tenant.account, tenant.name, tenant.attrs["tenant_id"]) == (
        TENANT_ID,
        "example.org",
        TENANT_ID,
    )
    assert tenant.attrs["entra_diagnostic_settings_read"] is True
    groups = {r.id: r.attrs for r in collected.inventory.of_type("azure.management_group")}
    assert groups[PLATFORM]["parent"] == ROOT and groups[PLATFORM]["display_name"] == "Platform"
    assert groups[WORKLOADS]["parent"] == ROOT
    assert groups[ROOT]["parent"] is None
    sub1 = by_id(collected, f"/subscriptions/{SUB[1]}")
    assert sub1.account == SUB[1] and sub1.name == "Logging"
    assert sub1.attrs["management_groups"] == [PLATFORM, ROOT]
    assert sub1.attrs["state"] == "Enabled" and sub1.attrs["in_scan"] is True
    assert sub1.attrs["tenant_id"] == TENANT_ID
    assert sorted(collected.facts.accounts) == sorted(SUB.values())


def test_named_subscriptions_are_scanned_and_the_others_known(fake: FakeArm) -> None:
    collected = scan(fake, ScanRequest(subscriptions=(SUB[2],)))
    assert collected.facts.accounts == [SUB[2]]
    # The list shows subscription 2, so it is not read again one by one.
    assert [r.path for r in fake.requests if r.path.startswith("/subscriptions/")].count(
        f"/subscriptions/{SUB[2]}"
    ) == 0
    assert by_id(collected, f"/subscriptions/{SUB[2]}").attrs["management_groups"] == [
        WORKLOADS,
        ROOT,
    ]
    # The subscriptions the credential sees but the scan does not cover are known (a log
    # store named in one is read by id) and get no listing of their own.
    other = by_id(collected, f"/subscriptions/{SUB[4]}").attrs
    assert (other["in_scan"], other["state"]) == (False, "Enabled")
    assert not [r for r in fake.requests if r.path.startswith(f"/subscriptions/{SUB[4]}/")]
    assert not [
        r
        for r in fake.requests
        if r.path.lower()
        == f"/subscriptions/{SUB[1]}/providers/microsoft.insights/diagnosticsettings"
    ]
    # Nothing of them is in the limits: they were not asked for.
    assert not [limit for limit in collected.facts.limits if SUB[4] in limit]


@pytest.mark.parametrize(
    ("status", "code", "in_scan"),
    [(403, "FORBIDDEN", True), (404, "NOT_FOUND", False)],
)
def test_a_named_subscription_that_cannot_be_read_is_never_dropped(
    fake: FakeArm, status: int, code: str, in_scan: bool
) -> None:
    missing = "22222222-0000-0000-0000-0000000000ff"

    def answer(request: Request) -> tuple[int, Any] | None:
        if request.path == f"/subscriptions/{missing}":
            error = "AuthorizationFailed" if status == 403 else "SubscriptionNotFound"
            return status, {"error": {"code": error, "message": "no"}}
        return None

    fake.overrides.append(answer)
    collected = scan(fake, ScanRequest(subscriptions=(SUB[1], missing)))
    assert (missing, "Resources/subscriptions.get", code) in errors(collected)
    sub = by_id(collected, f"/subscriptions/{missing}")
    assert sub.attrs["in_scan"] is in_scan
    assert isinstance(sub.attrs["state"], Unknowable) and sub.attrs["state"].error
    assert (missing in collected.facts.accounts) is in_scan
    # The other named subscription is scanned in full.
    assert SUB[1] in collected.facts.accounts
    assert not [e for e in errors(collected) if e[0] == SUB[1]]


def test_a_management_group_scans_what_lies_below_it(fake: FakeArm) -> None:
    collected = scan(fake, ScanRequest(management_group="mg-workloads"))
    assert sorted(collected.facts.accounts) == [SUB[2], SUB[3], SUB[4]]
    assert by_id(collected, f"/subscriptions/{SUB[1]}").attrs["in_scan"] is False
    # Subscription 1 is outside: none of its own listings run; only the log stores that
    # subscription 2's setting names are read by id (with the locks that apply to them).
    listed = [
        r.path.lower() for r in fake.requests if r.path.startswith(f"/subscriptions/{SUB[1]}/")
    ]
    locks = f"/subscriptions/{SUB[1]}/providers/microsoft.authorization/locks"
    assert listed
    assert [p for p in listed if "/resourcegroups/rg-audit/" not in p and p != locks] == []
    assert by_id(collected, f"/subscriptions/{SUB[4]}").attrs["management_groups"] == [
        WORKLOADS,
        ROOT,
    ]
    group = by_id(collected, WORKLOADS)
    assert group.attrs["display_name"] == "Workloads" and group.attrs["parent"] == ROOT


def test_a_management_group_that_cannot_be_read_is_an_error(fake: FakeArm) -> None:
    collected = scan(fake, ScanRequest(management_group="mg-unknown"))
    assert collected.facts.accounts == []
    assert (
        "11111111-1111-1111-1111-111111111111",
        "Management/managementGroups.descendants",
        "NOT_FOUND",
    ) in errors(collected)
    assert any("no subscription to scan" in n for n in collected.facts.limits)


def test_hierarchy_not_readable_leaves_ancestors_empty_and_says_so(fake: FakeArm) -> None:
    def denied(request: Request) -> tuple[int, Any] | None:
        if "managementgroups" in request.path.lower():
            return 403, {"error": {"code": "AuthorizationFailed", "message": "no"}}
        return None

    fake.overrides.append(denied)
    collected = scan(fake)
    assert by_id(collected, f"/subscriptions/{SUB[1]}").attrs["management_groups"] == []
    assert sorted(collected.facts.accounts) == sorted(SUB.values())
    ops = {e[1] for e in errors(collected) if e[2] == "FORBIDDEN"}
    assert {"Management/managementGroups.descendants", "Management/managementGroups.get"} <= ops
    error = next(e for e in collected.inventory.errors if e.operation.endswith("descendants"))
    assert "Microsoft.Management/managementGroups/descendants/read" in error.message


def test_a_disabled_subscription_is_named_in_the_limits_and_never_called(
    tenant_copy: Path,
) -> None:
    page2 = tenant_copy / "subscriptions.page2.json"
    body = json.loads(page2.read_text())
    body["value"][1]["state"] = "Disabled"
    page2.write_text(json.dumps(body))
    fake = _serve(tenant_copy)
    try:
        collected = scan(fake)
    finally:
        fake.stop()
    assert SUB[4] not in collected.facts.accounts
    assert f"subscription {SUB[4]} (Shared) is Disabled: not scanned" in collected.facts.limits
    assert not [r for r in fake.requests if r.path.startswith(f"/subscriptions/{SUB[4]}")]
    sub = by_id(collected, f"/subscriptions/{SUB[4]}")
    assert (sub.attrs["state"], sub.attrs["in_scan"]) == ("Disabled", False)
    assert not [e for e in errors(collected) if e[0] == SUB[4]]


def test_the_fake_checks_the_api_version(fake: FakeArm) -> None:
    from scanner.providers.azure.fake import Request as Seen

    assert fake.answer(Seen("GET", "/subscriptions", {}, None))[0] == 400
    wrong = fake.answer(Seen("GET", "/subscriptions", {"api-version": "2016-06-01"}, None))
    assert wrong[0] == 400 and wrong[1]["error"]["code"] == "InvalidApiVersionParameter"
    assert fake.answer(Seen("GET", "/subscriptions", {"api-version": "2022-12-01"}, None))[0] == 200


def _jwt(claims: dict[str, str]) -> str:
    import base64

    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{body}.sig"


@pytest.mark.parametrize(
    ("token", "who"),
    [
        (_jwt({"upn": "scanner@example.org", "appid": "a"}), "scanner@example.org"),
        (
            _jwt({"appid": "44444444-0000-0000-0000-000000000004"}),
            "application 44444444-0000-0000-0000-000000000004",
        ),
        (_jwt({"oid": "x"}), None),
        ("logward-local-fake", None),
    ],
)
def test_the_caller_is_who_the_token_names(fake: FakeArm, token: str, who: str | None) -> None:
    from scanner.evidence import EvidenceStore
    from scanner.providers.azure.adapter import LiveSource
    from scanner.providers.azure.clients import StaticToken
    from scanner.source import silent

    source = LiveSource(
        StaticToken(token),
        ScanRequest(subscriptions=(SUB[1],)),
        EvidenceStore(),
        fake.base,
        fake.ca_file,
    )
    assert source.collect(silent).facts.caller == who


class _NoCredential:
    """What DefaultAzureCredential does where no source has a token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.exceptions import ClientAuthenticationError

        raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")


def test_no_token_at_all_stops_the_scan(fake: FakeArm) -> None:
    from scanner.errors import RunError
    from scanner.evidence import EvidenceStore
    from scanner.providers.azure.adapter import LiveSource
    from scanner.source import silent

    source = LiveSource(_NoCredential(), ScanRequest(), EvidenceStore(), fake.base, fake.ca_file)
    with pytest.raises(RunError, match=r"no Azure credentials: .*failed to retrieve a token"):
        source.collect(silent)
    # The bearer policy asks for the token before anything is sent.
    assert fake.requests == []
