"""GCP's links, joins and the references a live scan's attributes make.

A minimal stand-in: the declared links, joins and the reference extraction are the policies'
(and come with them); the live scan already calls `live_refs` and `live_gaps`, so they plug
in here without touching the collector.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.gaps import LiveGaps
from scanner.inventory import Inventory
from scanner.link import Join, LinkSpec, References
from scanner.providers.gcp.declare import Scope

LINKS: tuple[LinkSpec, ...] = ()
JOINS: tuple[Join, ...] = ()
# Types whose listing of an account is complete (a missing target there is Absent).
LISTED: tuple[str, ...] = ("gcp.logging.sink", "gcp.logging.bucket", "gcp.logging.metric")


def live_refs(inventory: Inventory, scope: Scope) -> References:
    """The references collected attributes make (none yet)."""
    return {}


def live_gaps(inventory: Inventory, scope: Scope, locations: Iterable[str] = ()) -> LiveGaps:
    """Why a referenced target is missing: every node's account is scanned, and every
    location (log buckets are listed at location `-`, all of them at once)."""
    accounts = [n.account for n in scope.nodes.values()]
    everywhere = {r.region for r in inventory} | {"global", *locations}
    return LiveGaps(inventory, accounts, everywhere, "location", LISTED)
