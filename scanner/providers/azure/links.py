"""Azure link declarations (placeholder until the links of the Azure resource types land:
their owner replaces this file whole). `live_refs` and `live_gaps` are the adapter's two
entry points."""

from __future__ import annotations

from typing import Any

from scanner.gaps import Gaps, LiveGaps
from scanner.inventory import Inventory
from scanner.link import Join, LinkSpec, Ref
from scanner.providers.azure.declare import Tenancy

LINKS: tuple[LinkSpec, ...] = ()
JOINS: tuple[Join, ...] = ()


def live_refs(
    inventory: Inventory, tenancy: Tenancy | None = None
) -> dict[str, dict[str, list[Ref]]]:
    """The references of the collected resources (none declared yet)."""
    return {}


def live_gaps(inventory: Inventory, tenancy: Tenancy | None = None) -> Gaps:
    """The gaps of a live scan: the scanned subscriptions (and the tenant) were looked at."""
    accounts: list[Any] = []
    if tenancy is not None:
        accounts = [s.account for s in tenancy.scanned()]
        if tenancy.tenant_id:
            accounts.append(tenancy.tenant_id)
    return LiveGaps(inventory, accounts, ("global",), "region")
