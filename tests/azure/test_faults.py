"""Faults on the wire, through the real clients and azure-core's RetryPolicy against the
fake: a subscription that answers 403 everywhere, throttling with Retry-After, nextLink
paging, 5xx and dropped connections past the retries, pages that are not the documented
shape, and --max-duration. Every one is an `error` for what it hid, never a missing row,
and never spills into the other subscriptions."""

from __future__ import annotations

import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from scanner.providers.azure.adapter import Request as ScanRequest
from scanner.providers.azure.api import _endpoint
from scanner.providers.azure.fake import DROP, FakeArm, Request
from scanner.providers.azure.services import SERVICES
from scanner.source import Deadline
from tests.azure.conftest import SUB, TENANT_ID, by_id, errors, scan

SETTINGS = "azure.monitor.diagnostic_setting"
SUB_SETTINGS = "/providers/microsoft.insights/diagnosticsettings"


def _settings_of(sub: str) -> Any:
    def match(request: Request) -> bool:
        return request.path.lower() == f"/subscriptions/{sub}{SUB_SETTINGS}"

    return match


def _ids(collected: Any, rtype: str) -> list[str]:
    return sorted(r.id for r in collected.inventory.of_type(rtype))


def test_a_subscription_that_answers_403_errs_alone(fake: FakeArm) -> None:
    collected = scan(fake)
    # Subscription 3 answers 403 AuthorizationFailed to everything: errors for it alone,
    # every one naming the action it needs, full results for the others.
    found = errors(collected)
    assert {(account, code) for account, _op, code in found} == {(SUB[3], "FORBIDDEN")}
    assert (SUB[3], "Insights/subscriptionDiagnosticSettings.list", "FORBIDDEN") in found
    for error in collected.inventory.errors:
        assert "AuthorizationFailed" in error.message and "(needs " in error.message
    # Every type a subscription lister collects is an error there, and only there (PIM
    # eligibility aside: the contract makes a 403 on it a limit of the subscription).
    listed = {t for s in SERVICES for x in s.listers if x.scope == "subscription" for t in x.types}
    listed -= {"azure.authorization.role_eligibility"}
    assert listed
    for rtype in listed:
        assert collected.inventory.type_errors(rtype, SUB[3]), rtype
        assert not collected.inventory.type_errors(rtype, SUB[1]), rtype
    settings = [r for r in collected.inventory.of_type(SETTINGS) if r.placeholder is None]
    assert sorted({r.account for r in settings} - {TENANT_ID}) == [SUB[1], SUB[2], SUB[4]]
    assert by_id(collected, f"/subscriptions/{SUB[3]}").attrs["in_scan"] is True


def test_throttling_waits_what_retry_after_says_then_succeeds(fake: FakeArm) -> None:
    seen: list[float] = []
    lock = threading.Lock()
    match = _settings_of(SUB[1])

    def throttle_once(request: Request) -> tuple[int, Any, dict[str, str]] | None:
        if not match(request):
            return None
        with lock:
            seen.append(time.monotonic())
            first = len(seen) == 1
        if first:
            body = {"error": {"code": "TooManyRequests", "message": "slow down"}}
            return 429, body, {"Retry-After": "2"}
        return None

    fake.overrides.append(throttle_once)
    collected = scan(fake)
    assert len(seen) == 2
    # The retry came no sooner than the header said (the backoff alone is 0.01 s here): a
    # lower bound the SDK guarantees when it honours Retry-After, never an upper one.
    assert seen[1] - seen[0] >= 1.9
    assert not [e for e in errors(collected) if e[0] == SUB[1]]
    assert (
        f"/subscriptions/{SUB[1]}/providers/microsoft.insights/diagnosticsettings/activity-to-archive"
        in _ids(collected, SETTINGS)
    )


def test_throttling_past_the_retries_is_an_error_for_that_subscription(fake: FakeArm) -> None:
    match = _settings_of(SUB[2])

    def throttle(request: Request) -> tuple[int, Any, dict[str, str]] | None:
        if match(request):
            return (
                429,
                {"error": {"code": "TooManyRequests", "message": "slow"}},
                {"Retry-After": "0"},
            )
        return None

    fake.overrides.append(throttle)
    collected = scan(fake)
    assert (SUB[2], "Insights/subscriptionDiagnosticSettings.list", "THROTTLED") in errors(
        collected
    )
    # The first attempt and two retries (LOGWARD_AZURE_RETRY_TOTAL=2), each counted as a call.
    assert len([r for r in fake.requests if match(r)]) == 3
    assert not [e for e in errors(collected) if e[0] == SUB[1]]


def test_next_link_is_followed_exactly_across_pages(fake: FakeArm) -> None:
    collected = scan(fake)
    listed = [r for r in fake.requests if r.path == "/subscriptions"]
    assert [dict(r.query) for r in listed] == [
        {"api-version": "2022-12-01"},
        {"api-version": "2022-12-01", "$skiptoken": "page2"},
    ]
    # Subscriptions 3 and 4 come from page 2 only; so do three of the descendants.
    assert sorted(collected.facts.accounts) == sorted(SUB.values())
    assert by_id(collected, f"/subscriptions/{SUB[4]}").attrs["management_groups"] == [
        "/providers/microsoft.management/managementgroups/mg-workloads",
        f"/providers/microsoft.management/managementgroups/{TENANT_ID}",
    ]
    # Every page is a call of its own.
    assert collected.facts.api_calls == len(fake.requests)


def test_a_next_link_to_another_host_is_not_followed(tenant_copy: Path) -> None:
    page = tenant_copy / "subscriptions.json"
    page.write_text(
        page.read_text().replace("{base}", "https://attacker.example"), encoding="utf-8"
    )
    fake = FakeArm(tenant_copy).start()
    try:
        collected = scan(fake)
    finally:
        fake.stop()
    assert ("tenant", "Resources/subscriptions.list", "MALFORMED_RESPONSE") in errors(collected)
    assert not [
        r for r in fake.requests if r.path == "/subscriptions" and r.query.get("$skiptoken")
    ]
    message = next(e.message for e in collected.inventory.errors if e.operation.endswith("list"))
    assert "attacker.example" in message


def test_5xx_past_the_retries_is_an_error_finding(fake: FakeArm) -> None:
    match = _settings_of(SUB[4])

    def broken(request: Request) -> tuple[int, Any] | None:
        if match(request):
            return 503, {"error": {"code": "ServiceUnavailable", "message": "try later"}}
        return None

    fake.overrides.append(broken)
    collected = scan(fake)
    assert (SUB[4], "Insights/subscriptionDiagnosticSettings.list", "UNAVAILABLE") in errors(
        collected
    )
    assert collected.inventory.type_errors(SETTINGS, SUB[4])
    assert not collected.inventory.type_errors(SETTINGS, SUB[1])


def test_a_dropped_connection_is_retried(fake: FakeArm) -> None:
    match = _settings_of(SUB[1])
    dropped: list[bool] = []

    def blip(request: Request) -> tuple[int, Any] | None:
        if match(request) and not dropped:
            dropped.append(True)
            return DROP, None
        return None

    fake.overrides.append(blip)
    collected = scan(fake)
    assert dropped
    assert not [e for e in errors(collected) if e[0] == SUB[1]]


def test_a_page_that_is_not_json_is_malformed(fake: FakeArm) -> None:
    match = _settings_of(SUB[2])

    def garbled(request: Request) -> tuple[int, Any] | None:
        return (200, b"<html>proxy error</html>") if match(request) else None

    fake.overrides.append(garbled)
    collected = scan(fake)
    assert (SUB[2], "Insights/subscriptionDiagnosticSettings.list", "MALFORMED_RESPONSE") in errors(
        collected
    )


def test_a_value_that_is_not_a_list_is_malformed(fake: FakeArm) -> None:
    match = _settings_of(SUB[2])

    def wrong(request: Request) -> tuple[int, Any] | None:
        return (200, {"value": {"name": "x"}}) if match(request) else None

    fake.overrides.append(wrong)
    collected = scan(fake)
    assert (SUB[2], "Insights/subscriptionDiagnosticSettings.list", "MALFORMED_RESPONSE") in errors(
        collected
    )


def test_past_max_duration_nothing_more_is_called(fake: FakeArm) -> None:
    deadline = Deadline(3600)
    deadline.expire()
    collected = scan(fake, ScanRequest(subscriptions=(SUB[1],)), deadline=deadline)
    assert fake.requests == []
    codes = {e[2] for e in errors(collected)}
    assert codes == {"RunDeadlineExceeded"}
    assert "--max-duration" in collected.inventory.errors[0].message


@pytest.mark.parametrize(
    ("link", "followed"),
    [
        ("https://LocalHost:{port}", True),  # host letters in another case: same endpoint
        ("https://localhost:{port}", True),  # exactly the endpoint: stays followed
        ("https://localhost:{other}", False),  # boundary: same host, another port
        ("https://127.0.0.2:{port}", False),  # another host
    ],
)
def test_a_next_link_is_followed_only_to_the_same_endpoint(
    tenant_copy: Path, link: str, followed: bool
) -> None:
    fake = FakeArm(tenant_copy).start()
    port = int(fake.base.rsplit(":", 1)[1])
    fake.base = f"https://localhost:{port}"  # the certificate names localhost too
    page = tenant_copy / "subscriptions.json"
    target = link.format(port=port, other=port + 1)
    page.write_text(page.read_text().replace("{base}", target), encoding="utf-8")
    try:
        collected = scan(fake)
    finally:
        fake.stop()
    paged = [r for r in fake.requests if r.path == "/subscriptions" and r.query.get("$skiptoken")]
    failed = ("tenant", "Resources/subscriptions.list", "MALFORMED_RESPONSE") in errors(collected)
    assert (bool(paged), failed) == (followed, not followed)
    if followed:
        assert sorted(collected.facts.accounts) == sorted(SUB.values())


@pytest.mark.parametrize(
    ("link", "same"),
    [
        ("https://MANAGEMENT.azure.com:443/subscriptions?$skiptoken=x", True),
        ("https://management.azure.com/subscriptions?$skiptoken=x", True),
        ("https://management.azure.com:444/subscriptions?$skiptoken=x", False),
        ("http://management.azure.com:443/subscriptions?$skiptoken=x", False),
        ("https://management.azure.com.evil.example/subscriptions", False),
    ],
)
def test_the_default_https_port_is_the_same_endpoint(link: str, same: bool) -> None:
    # Port 443 cannot be served by the loopback fake, so the effective-port rule is shown
    # on the comparison itself; the cases above take it through the real clients.
    base = urllib.parse.urlsplit("https://management.azure.com")
    assert (_endpoint(urllib.parse.urlsplit(link)) == _endpoint(base)) is same
