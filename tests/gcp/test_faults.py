"""Faults injected at the HTTP layer of the fake (never by patching our code): one project's
403, a disabled API, a 429 that persists, malformed pages, missing and forbidden destination
buckets, an unreadable ancestor, the run's deadline. Each leaves error rows for what it hid,
full results for the rest, and every failed call in `errors`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from scanner.cli import main
from scanner.model import Absent, Unknowable
from scanner.providers.gcp.collect import Request
from scanner.providers.gcp.fake import FakeGoogle
from scanner.providers.gcp.fake import Request as Seen
from scanner.source import Deadline
from tests.gcp.conftest import LOGGING, RM, by_id, scan

DISABLED = {
    "error": {
        "code": 403,
        "message": "Cloud Logging API has not been used in project 300000000005 before or it "
        "is disabled. Enable it by visiting https://console.developers.google.com/apis/api/"
        "logging.googleapis.com/overview?project=300000000005 then retry.",
        "status": "PERMISSION_DENIED",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {
                    "service": "logging.googleapis.com",
                    "consumer": "projects/300000000005",
                },
            }
        ],
    }
}


def answer(host: str, prefix: str, status: int, body: Any) -> Callable[[Seen], Any]:
    def override(request: Seen) -> tuple[int, Any] | None:
        if request.host == host and request.path.startswith(prefix):
            return status, body
        return None

    return override


def errors(got: Any) -> list[tuple[str, str, str]]:
    return sorted((e.account, e.operation, e.code) for e in got.inventory.errors)


def test_a_disabled_api_on_one_project(fake: FakeGoogle) -> None:
    fake.overrides.append(
        answer("logging.googleapis.com", "/v2/projects/dev-tools/", 403, DISABLED)
    )
    got = scan(fake)
    disabled = [e for e in got.inventory.errors if e.account == "dev-tools"]
    assert sorted(e.operation for e in disabled) == [
        "locations.buckets.list",
        "metrics.list",
        "sinks.list",
    ]
    assert {e.code for e in disabled} == {"SERVICE_DISABLED"}
    assert all(e.message.startswith("API disabled: Cloud Logging API") for e in disabled)
    assert got.inventory.type_errors("gcp.logging.sink", "dev-tools")
    assert not got.inventory.of_type("gcp.logging.sink", "dev-tools")
    # Everyone else is whole.
    assert got.inventory.get(LOGGING + "projects/prod-data/sinks/to-bq") is not None
    assert len(got.inventory.of_type("gcp.logging.metric", "lw-logging")) == 8
    assert not got.inventory.type_errors("gcp.logging.sink", "prod-data")


def test_an_api_disabled_in_the_callers_quota_project_names_that_project(
    fake: FakeGoogle,
) -> None:
    """Resource Manager bills the caller's quota project: its SERVICE_DISABLED names that
    project (ErrorInfo `consumer`), not the scanned organization, while an API disabled in a
    scanned project itself (the sibling above) reads "API disabled: ..." as before."""
    quota = json.loads(json.dumps(DISABLED))
    quota["error"]["details"][0]["metadata"] = {
        "service": "cloudresourcemanager.googleapis.com",
        "consumer": "projects/424242",
    }
    fake.overrides.append(
        answer("cloudresourcemanager.googleapis.com", "/v3/folders:search", 403, quota)
    )
    got = scan(fake)
    (error, *_rest) = [e for e in got.inventory.errors if e.operation == "folders.search"]
    assert error.code == "SERVICE_DISABLED"
    assert error.message.startswith("API disabled in projects/424242 (the project this call")


def test_a_429_that_persists_is_an_error_after_the_sdk_retries(fake: FakeGoogle) -> None:
    throttled = {
        "error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}
    }
    fake.overrides.append(
        answer("logging.googleapis.com", "/v2/projects/prod-app/sinks", 429, throttled)
    )
    got = scan(fake)
    (error,) = [e for e in got.inventory.errors if e.account == "prod-app"]
    assert (error.operation, error.code) == ("sinks.list", "RESOURCE_EXHAUSTED")
    assert "still failing after retrying" in error.message
    attempts = [r for r in fake.requests if r.path == "/v2/projects/prod-app/sinks"]
    assert len(attempts) > 1  # retried
    assert got.inventory.get(LOGGING + "projects/prod-app/locations/global/buckets/_Default")


def test_a_malformed_page_is_a_failed_call_never_an_empty_list(fake: FakeGoogle) -> None:
    def bad(request: Seen) -> tuple[int, Any] | None:
        if request.path == "/v2/projects/lw-logging/locations/-/buckets" and request.query.get(
            "pageToken"
        ):
            return 200, {"buckets": "oops"}
        if request.path == "/v2/projects/prod-data/sinks":
            return 200, b"{not json"
        return None

    fake.overrides.append(bad)
    got = scan(fake)
    assert ("lw-logging", "locations.buckets.list", "MALFORMED_RESPONSE") in errors(got)
    assert ("prod-data", "sinks.list", "MALFORMED_RESPONSE") in errors(got)
    # A list that failed on its second page keeps nothing of the first: the listing failed.
    # (What remains are the linker's error placeholders for buckets sinks name there.)
    kept = got.inventory.of_type("gcp.logging.bucket", "lw-logging")
    assert kept and all(r.placeholder is not None and r.placeholder.error for r in kept)
    assert got.inventory.type_errors("gcp.logging.bucket", "lw-logging")
    assert got.inventory.get(LOGGING + "projects/dev-tools/sinks/partial") is not None


def test_a_folder_policy_403_errs_that_folder_only(fake: FakeGoogle) -> None:
    denied = {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}
    fake.overrides.append(
        answer("cloudresourcemanager.googleapis.com", "/v3/folders/200000000001:", 403, denied)
    )
    got = scan(fake)
    prod = by_id(got, RM + "folders/200000000001").attrs
    assert isinstance(prod["audit_configs"], Unknowable) and prod["audit_configs"].error
    assert prod["display_name"] == "prod"
    dev = by_id(got, RM + "folders/200000000002").attrs
    assert dev["audit_configs"] == []


def test_an_ancestor_that_cannot_be_read(fake: FakeGoogle) -> None:
    denied = {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}
    fake.overrides.append(
        answer("cloudresourcemanager.googleapis.com", "/v3/folders/200000000001", 403, denied)
    )
    got = scan(fake, Request(projects=["prod-app"]))
    app = by_id(got, RM + "projects/prod-app").attrs
    assert app["ancestors"] == ["folders/200000000001"]
    folder = by_id(got, RM + "folders/200000000001").attrs
    for attr in ("parent", "ancestors", "display_name", "audit_configs", "bindings"):
        assert isinstance(folder[attr], Unknowable) and folder[attr].error, attr
    assert ("folders/200000000001", "folders.get", "PERMISSION_DENIED") in errors(got)
    # What the caller may read of it is still read (its sinks); above it nothing is known.
    sink = by_id(got, LOGGING + "folders/200000000001/sinks/prod-audit")
    assert sink.also_accounts == ("prod-app",)
    assert not got.inventory.of_type("gcp.organization")


def test_destination_bucket_missing_or_forbidden(fake: FakeGoogle) -> None:
    missing = {
        "error": {
            "code": 404,
            "message": "The specified bucket does not exist.",
            "status": "NOT_FOUND",
        }
    }
    fake.overrides.append(
        answer("storage.googleapis.com", "/storage/v1/b/lw-audit-archive", 404, missing)
    )
    got = scan(fake)
    bucket = by_id(got, "//storage.googleapis.com/lw-audit-archive")
    assert (
        isinstance(bucket.placeholder, Absent) and "lw-audit-archive" in bucket.placeholder.reason
    )

    fake.overrides[:] = [
        answer(
            "storage.googleapis.com",
            "/storage/v1/b/lw-audit-archive/iam",
            403,
            {"error": {"code": 403, "message": "no", "status": "PERMISSION_DENIED"}},
        )
    ]
    got = scan(fake)
    attrs = by_id(got, "//storage.googleapis.com/lw-audit-archive").attrs
    assert attrs["retention_locked"] is True
    assert isinstance(attrs["bindings"], Unknowable) and attrs["bindings"].error
    assert ("lw-logging", "buckets.getIamPolicy", "PERMISSION_DENIED") in errors(got)

    fake.overrides[:] = [
        answer(
            "storage.googleapis.com",
            "/storage/v1/b/",
            403,
            {"error": {"code": 403, "message": "no", "status": "PERMISSION_DENIED"}},
        )
    ]
    got = scan(fake)
    bucket = by_id(got, "//storage.googleapis.com/lw-audit-archive")
    assert bucket.placeholder is None
    assert all(
        isinstance(v, Unknowable) and v.error for k, v in bucket.attrs.items() if k != "name"
    )


def test_the_deadline_errs_what_it_cuts(fake: FakeGoogle) -> None:
    from scanner.evidence import EvidenceStore
    from scanner.providers.gcp.adapter import LiveSource
    from scanner.providers.gcp.clients import credentials
    from scanner.source import silent

    deadline = Deadline(3600)
    source = LiveSource(
        credentials(anonymous=True),
        Request(organization="100000000001"),
        EvidenceStore(),
        dict(fake.endpoints),
    )
    deadline.expire()
    got = source.collect(silent, deadline)
    assert got.inventory.errors
    assert {e.code for e in got.inventory.errors} == {"RunDeadlineExceeded"}
    assert all("--max-duration" in e.message for e in got.inventory.errors)
    assert not fake.requests  # not one call made


def test_every_failed_call_is_listed_once(fake: FakeGoogle) -> None:
    fake.overrides.append(
        answer("logging.googleapis.com", "/v2/projects/dev-tools/", 403, DISABLED)
    )
    fake.overrides.append(
        answer(
            "storage.googleapis.com",
            "/storage/v1/b/lw-audit-archive/iam",
            500,
            {"error": {"code": 500, "message": "boom", "status": "INTERNAL"}},
        )
    )
    got = scan(fake)
    assert errors(got) == [
        ("dev-sandbox", "alertPolicies.list", "SERVICE_DISABLED"),
        ("dev-sandbox", "instances.list", "SERVICE_DISABLED"),
        ("dev-sandbox", "notificationChannels.list", "SERVICE_DISABLED"),
        ("dev-sandbox", "projects.getIamPolicy", "PERMISSION_DENIED"),
        ("dev-sandbox", "roles.list", "PERMISSION_DENIED"),
        ("dev-tools", "locations.buckets.list", "SERVICE_DISABLED"),
        ("dev-tools", "metrics.list", "SERVICE_DISABLED"),
        ("dev-tools", "sinks.list", "SERVICE_DISABLED"),
        ("lw-logging", "buckets.getIamPolicy", "INTERNAL"),
    ]


def test_an_item_of_the_wrong_shape_errs_its_listing(fake: FakeGoogle) -> None:
    bucket = {"name": "projects/prod-app/locations/global/buckets/x", "retentionDays": "many"}
    fake.overrides.append(
        answer(
            "logging.googleapis.com",
            "/v2/projects/prod-app/locations/-/buckets",
            200,
            {"buckets": [bucket]},
        )
    )
    got = scan(fake)
    (error,) = [e for e in got.inventory.errors if e.account == "prod-app"]
    assert error.code == "MALFORMED_RESPONSE" and "many" in error.message
    assert error.resource_types == ("gcp.logging.bucket",)


def test_a_failed_project_search_is_an_error_for_the_whole_scope(fake: FakeGoogle) -> None:
    denied = {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}
    fake.overrides.append(
        answer("cloudresourcemanager.googleapis.com", "/v3/projects:search", 403, denied)
    )
    got = scan(fake)
    assert got.facts.accounts == []
    # One error per failed search: the organization's level, its folders' level, and the
    # cross-check's unscoped list.
    error, below, cross = [e for e in got.inventory.errors if e.operation == "projects.search"]
    assert cross.account == "organizations/100000000001"
    assert error.account == "organizations/100000000001"
    assert "gcp.project" in error.resource_types
    assert "the projects under organizations/100000000001 are not known" in error.message
    assert below.account == "folders/200000000001,folders/200000000002"
    assert "under folders/200000000001, folders/200000000002 are not known" in below.message
    # What could be read still is: the organization, its folders and their sinks.
    assert by_id(got, LOGGING + "folders/200000000001/sinks/prod-audit").also_accounts == ()


def test_a_named_project_that_cannot_be_read_is_scanned_as_errors(fake: FakeGoogle) -> None:
    def denied(request: Seen) -> tuple[int, Any] | None:
        if request.method == "GET" and request.path == "/v3/projects/prod-data":
            return 403, {"error": {"code": 403, "message": "no", "status": "PERMISSION_DENIED"}}
        return None

    fake.overrides.append(denied)
    got = scan(fake, Request(projects=["prod-app", "prod-data"]))
    assert sorted(got.facts.accounts) == ["prod-app", "prod-data"]
    data = by_id(got, RM + "projects/prod-data").attrs
    assert isinstance(data["display_name"], Unknowable) and data["display_name"].error
    assert data["in_scan"] is True
    assert ("prod-data", "projects.get", "PERMISSION_DENIED") in errors(got)
    # What the caller may still read of it is read.
    assert got.inventory.get(LOGGING + "projects/prod-data/sinks/to-bq") is not None
    assert by_id(got, RM + "projects/prod-app").attrs["display_name"] == "Prod app"


def _cli_statuses(fake: FakeGoogle, out: Path, policy: str) -> dict[str, str]:
    endpoints = ",".join(f"{host}={url}" for host, url in fake.endpoints.items())
    args = ["scan", "gcp", "--organization", "100000000001", "--anonymous"]
    result = CliRunner().invoke(
        main, [*args, "--endpoint", endpoints, "--out", str(out), "--quiet"]
    )
    assert result.exit_code in (0, 1), result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {
        f["resource"]["id"].rsplit("/", 1)[-1]: f["status"]
        for f in results["findings"]
        if f["policy_id"] == policy
    }


def test_a_folder_whose_sinks_cannot_be_listed_errs_the_projects_below(
    fake: FakeGoogle, tmp_path: Path
) -> None:
    """prod's sink `prod-audit` (includeChildren) is what routes prod-app's logs: when prod's
    sinks.list answers 403, prod-app's coverage is unknown (error), not "no sink" (fail); dev's
    projects keep their verdicts."""
    before = _cli_statuses(fake, tmp_path / "before", "gcp-logging-sink-all-entries")
    denied = {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}
    fake.overrides.append(
        answer("logging.googleapis.com", "/v2/folders/200000000001/sinks", 403, denied)
    )
    after = _cli_statuses(fake, tmp_path / "after", "gcp-logging-sink-all-entries")
    assert before["prod-app"] == "pass"
    assert after["prod-app"] == "error" and after["prod-data"] == "error"
    for project in ("dev-sandbox", "dev-tools", "lw-logging"):
        assert after[project] == before[project], project
