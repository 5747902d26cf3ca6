"""The hierarchy at scale and in odd shapes: nested folders, other organizations' folders and
projects in the same search, projects not ACTIVE; a bounded pool; a fixed merge order."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

from scanner.providers.gcp.collect import Request
from scanner.providers.gcp.fake import FakeGoogle
from scanner.providers.gcp.fake import Request as Seen
from tests.gcp.conftest import RM, by_id, scan

V3 = Path("cloudresourcemanager.googleapis.com") / "v3"


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _reshape(estate: Path) -> None:
    """A folder nested under dev, a project in it, a project DELETE_REQUESTED, and a folder
    and a project of another organization in the same search answers."""
    rm = estate / V3
    folders = json.loads((rm / "folders@search.page2.json").read_text())
    folders["folders"] += [
        {"name": "folders/200000000003", "parent": "folders/200000000002", "displayName": "deep"},
        {"name": "folders/900000000001", "parent": "organizations/999", "displayName": "other"},
    ]
    _write(rm / "folders@search.page2.json", folders)
    projects = json.loads((rm / "projects@search.page2.json").read_text())
    projects["projects"] += [
        {
            "name": "projects/5",
            "parent": "folders/200000000003",
            "projectId": "deep-one",
            "state": "ACTIVE",
        },
        {
            "name": "projects/6",
            "parent": "folders/200000000002",
            "projectId": "going-away",
            "state": "DELETE_REQUESTED",
        },
        {
            "name": "projects/7",
            "parent": "folders/900000000001",
            "projectId": "not-ours",
            "state": "ACTIVE",
        },
    ]
    _write(rm / "projects@search.page2.json", projects)
    for name in ("folders/200000000003", "projects/deep-one"):
        _write(rm / f"{name}@getIamPolicy.json", {"version": 1})
        for path in ("sinks", "locations/-/buckets", "metrics"):
            _write(estate / "logging.googleapis.com" / "v2" / name / f"{path}.json", {})


def test_nested_folders_other_organizations_and_inactive_projects(estate_copy: Path) -> None:
    _reshape(estate_copy)
    fake = FakeGoogle(estate_copy).start()
    try:
        got = scan(fake)
    finally:
        fake.stop()
    assert "deep-one" in got.facts.accounts
    assert "not-ours" not in got.facts.accounts and "going-away" not in got.facts.accounts
    deep = by_id(got, RM + "projects/deep-one").attrs
    assert deep["ancestors"] == [
        "folders/200000000003",
        "folders/200000000002",
        "organizations/100000000001",
    ]
    assert got.inventory.get(RM + "folders/900000000001") is None
    assert any("going-away" in limit for limit in got.facts.limits)
    dev_sink = got.inventory.of_type("gcp.logging.sink", "deep-one")
    assert dev_sink == []  # no sink of its own, and dev has none to cover it


def test_a_scan_reads_nothing_outside_its_roots(estate_copy: Path) -> None:
    """Scoped searches: no other organization's folder or organization is read, no error
    names one, and a project not ACTIVE gets no call at all."""
    _reshape(estate_copy)
    fake = FakeGoogle(estate_copy).start()
    try:
        got = scan(fake)
    finally:
        fake.stop()
    paths = [r.path for r in fake.requests]
    assert not [p for p in paths if "999" in p or "900000000001" in p or "/7" in p]
    assert not [e for e in got.inventory.errors if "999" in e.account + e.message]
    # Scoped searches walk the tree; the cross-check's unscoped lists (two pages each) are
    # the only other searches, and nothing they return is read.
    searches = [r for r in fake.requests if r.path.endswith(":search")]
    unscoped = sorted(r.path for r in searches if not r.query.get("query"))
    assert unscoped == ["/v3/folders:search"] * 2 + ["/v3/projects:search"] * 2
    assert all("parent" in r.query["query"] for r in searches if r.query.get("query"))
    assert not [r for r in fake.requests if "going-away" in r.path or "projects/6/" in r.path]
    assert not [e for e in got.inventory.errors if e.account == "going-away"]


def test_an_unreadable_folder_on_the_way_does_not_hide_the_projects_below(
    estate_copy: Path,
) -> None:
    """Membership comes from the scoped search, so a folder whose `get` fails still has its
    projects scanned."""
    _reshape(estate_copy)
    fake = FakeGoogle(estate_copy).start()
    fake.overrides.append(_unavailable("/v3/folders/200000000003"))
    try:
        got = scan(fake)
    finally:
        fake.stop()
    assert "deep-one" in got.facts.accounts
    assert by_id(got, RM + "projects/deep-one").attrs["in_scan"] is True


def test_a_project_under_a_folder_no_search_returns_is_named_never_dropped(
    estate_copy: Path,
) -> None:
    """A folder the searches do not return (no `get` permission on it, or not yet indexed)
    hides its projects from the scoped walk; the caller still sees the project itself, so
    the cross-check names it in an error (its membership cannot be decided), and reads no
    node outside the scan to decide it."""
    _reshape(estate_copy)
    rm = estate_copy / V3
    folders = json.loads((rm / "folders@search.page2.json").read_text())
    folders["folders"] = [f for f in folders["folders"] if f["name"] != "folders/200000000003"]
    _write(rm / "folders@search.page2.json", folders)
    fake = FakeGoogle(estate_copy).start()
    fake.overrides.append(_unavailable("/v3/folders/200000000003"))
    try:
        got = scan(fake)
    finally:
        fake.stop()
    assert "deep-one" not in got.facts.accounts
    (error,) = [e for e in got.inventory.errors if e.code == "MEMBERSHIP_UNKNOWN"]
    assert "deep-one (parent folders/200000000003)" in error.message
    assert "not-ours" not in error.message  # its chain reaches organizations/999: not ours
    assert not [r for r in fake.requests if "200000000003" in r.path or "999" in r.path]


def _unavailable(prefix: str) -> Any:
    def override(request: Seen) -> tuple[int, Any] | None:
        if request.path.startswith(prefix):
            return 503, {"error": {"code": 503, "message": "down", "status": "UNAVAILABLE"}}
        return None

    return override


def test_projects_are_scanned_in_a_bounded_pool(fake: FakeGoogle) -> None:
    lock = threading.Lock()
    state = {"now": 0, "most": 0}

    def slow(request: Seen) -> None:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return None

    fake.overrides.append(slow)  # type: ignore[arg-type]
    scan(fake)
    assert 1 < state["most"] <= 8


def test_the_merge_order_does_not_depend_on_which_call_answers_first(fake: FakeGoogle) -> None:
    def shape(got: Any) -> tuple[list[str], list[str]]:
        return [r.id for r in got.inventory], [e.reason for e in got.inventory.errors]

    first = shape(scan(fake))
    rng = random.Random(7)

    def jitter(request: Seen) -> None:
        time.sleep(rng.random() * 0.03)
        return None

    fake.overrides.append(jitter)  # type: ignore[arg-type]
    assert shape(scan(fake)) == first
    assert shape(scan(fake, Request(organization="100000000001"))) == first
