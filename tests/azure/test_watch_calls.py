"""How the alert, network and RBAC calls grow with subscriptions: a fixed number per
subscription (one list per kind, plus one flow-log list per watcher and extra pages), and the
built-in role definitions in use read once per scan, never once per subscription."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.azure.watch_scan import SUBS, copy_tenant, scan

# The list operations every scanned subscription gets from these three modules.
PER_SUBSCRIPTION = (
    "activityLogAlerts",
    "actionGroups",
    "networkWatchers",
    "virtualNetworks",
    "networkSecurityGroups",
    "roleAssignments",
    "roleDefinitions",
    "denyAssignments",
    "roleEligibilityScheduleInstances",
)
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def _clone_shared(root: Path, count: int) -> list[str]:
    """`count` more subscriptions shaped like golden 0004 (a Reader assignment, no alerts,
    Microsoft.Network not registered), added to the subscriptions list."""
    source = SUBS[4]
    base = root / "subscriptions"
    listing = json.loads((root / "subscriptions.page2.json").read_text())
    template = next(s for s in listing["value"] if s["subscriptionId"] == source)
    made = []
    for n in range(count):
        sub = f"33333333-0000-0000-0000-{n:012d}"
        made.append(sub)
        shutil.copytree(base / source, base / sub)
        for path in (base / sub).rglob("*.json"):
            path.write_text(path.read_text().replace(source, sub))
        shutil.copy(base / f"{source}.json", base / f"{sub}.json")
        text = (base / f"{sub}.json").read_text().replace(source, sub)
        (base / f"{sub}.json").write_text(text)
        listing["value"].append(json.loads(json.dumps(template).replace(source, sub)))
    (root / "subscriptions.page2.json").write_text(json.dumps(listing))
    return made


def _calls(requests: list[Any]) -> Counter[str]:
    per: Counter[str] = Counter()
    for request in requests:
        if any(f"/{kind}" in request.path for kind in PER_SUBSCRIPTION):
            per[request.path.split("/")[2]] += 1
    return per


@pytest.mark.parametrize("count", [3])
def test_calls_grow_by_a_fixed_number_per_subscription(tmp_path: Path, count: int) -> None:
    root = copy_tenant(tmp_path / "tenant")
    made = _clone_shared(root, count)
    collected, requests = scan(root)
    per = _calls(requests)
    # Golden 0004: the nine lists and the one Reader read by id, which the clones (whose
    # assignments name Reader too) do not repeat: nine calls each, whatever their number.
    assert per[SUBS[4]] == len(PER_SUBSCRIPTION) + 1
    assert [per[sub] for sub in made] == [len(PER_SUBSCRIPTION)] * count
    readers = [r for r in requests if r.path.endswith(f"/roleDefinitions/{READER}")]
    assert len(readers) == 1
    # The clones' assignments link to the one Reader definition.
    assigned = {
        r.attrs["role_definition_id"]
        for r in collected.inventory.of_type("azure.authorization.role_assignment")
        if r.account in made
    }
    assert assigned == {f"/providers/microsoft.authorization/roledefinitions/{READER}"}
