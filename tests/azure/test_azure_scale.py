"""Scale without timing: calls grow by a fixed number per subscription (one list per module,
never a call per pair of subscriptions), and no more than the pool's workers are ever in
flight at once."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from scanner.providers.azure.collect import WORKERS
from scanner.providers.azure.fake import FakeArm, Request
from tests.azure.conftest import SUB, scan


def _with_clones(root: Path, template: str, count: int) -> list[str]:
    """Add `count` copies of a subscription (its fixtures, ids rewritten) to the list."""
    page2 = root / "subscriptions.page2.json"
    body = json.loads(page2.read_text())
    item = next(i for i in body["value"] if i["subscriptionId"] == template)
    added = []
    for k in range(count):
        sid = f"33333333-0000-0000-0000-{k:012d}"
        target = root / "subscriptions" / sid
        shutil.copytree(root / "subscriptions" / template, target)
        for file in target.rglob("*.json"):
            file.write_text(file.read_text().replace(template, sid))
        body["value"].append(dict(item, id=f"/subscriptions/{sid}", subscriptionId=sid))
        added.append(sid)
    page2.write_text(json.dumps(body))
    return added


def _calls(root: Path) -> tuple[int, list[Request]]:
    fake = FakeArm(root).start()
    try:
        collected = scan(fake)
    finally:
        fake.stop()
    assert collected.facts.api_calls == len(fake.requests)
    return collected.facts.api_calls, list(fake.requests)


def test_calls_grow_by_a_fixed_number_per_subscription(tenant_copy: Path, tmp_path: Path) -> None:
    base, requests = _calls(tenant_copy)
    # Subscription 4 ("Shared") holds nothing but its diagnostic setting: every call into
    # it is one of its own lists.
    per_subscription = len([r for r in requests if r.path.startswith(f"/subscriptions/{SUB[4]}/")])
    assert per_subscription > 0
    grown = tmp_path / "grown"
    shutil.copytree(tenant_copy, grown)
    added = _with_clones(grown, SUB[4], 5)
    calls, seen = _calls(grown)
    each = {len([r for r in seen if r.path.startswith(f"/subscriptions/{sid}/")]) for sid in added}
    # Every added subscription costs the same calls, at most what its template did (what is
    # read once per scan, e.g. a built-in role definition in use, is not read again), and
    # nothing else grows.
    (cost,) = each
    assert 0 < cost <= per_subscription
    assert calls == base + 5 * cost


def test_no_more_than_the_pool_is_in_flight(fake: FakeArm) -> None:
    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    def slow(request: Request) -> tuple[int, Any] | None:
        # Hold each subscription-level request a moment so concurrent ones overlap.
        if request.path.startswith("/subscriptions/") and request.path.count("/") > 3:
            with lock:
                state["now"] += 1
                state["most"] = max(state["most"], state["now"])
            time.sleep(0.05)
            with lock:
                state["now"] -= 1
        return None

    fake.overrides.append(slow)
    scan(fake)
    assert 1 <= state["most"] <= WORKERS
