"""Which tenant a scan is of, and the subscriptions that belong to another one.

The scan's tenant is the ARM token's `tid` claim (`clients.tenant_of_token`): tenant-level
calls (Entra ID diagnostic settings, the root management group) answer for it whatever the
subscriptions say. A subscription of another tenant (delegated through Azure Lighthouse:
`tenantId` the customer's, `managedByTenants` the caller's) is scanned as a subscription and
named in the limits. Only a token without `tid` falls back to the most common subscription
`tenantId`, else the first `Tenants - List` entry, and the limits say so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from scanner.providers.azure.declare import Subscription

GUESSED = (
    "the ARM token names no tenant (no tid claim): the scan's tenant is the most common"
    " tenantId of the subscriptions (else the first tenant Tenants - List answers), which"
    " may be another tenant than the one tenant-level calls answer for"
)


def tenant_of(subs: Mapping[str, Subscription]) -> str | None:
    """The most common `tenantId` of the subscriptions (None: none names one)."""
    counts = Counter(s.tenant_id for s in subs.values() if s.tenant_id)
    return counts.most_common(1)[0][0] if counts else None


def guessed(notes: list[str], *guesses: Mapping[str, Subscription]) -> str | None:
    """The tenant when the token names none: the first of `guesses` naming one (the limit
    saying it was guessed is added to `notes`)."""
    notes.append(GUESSED)
    return next((t for t in map(tenant_of, guesses) if t), None)


def foreign(subs: Mapping[str, Subscription], tenant_id: str | None) -> list[str]:
    """The limit naming each scanned subscription of another tenant than the scan's."""
    return [
        f"subscription {sid} belongs to tenant {sub.tenant_id}, not the scan's tenant"
        f" {tenant_id} (delegated, e.g. Azure Lighthouse): scanned as a subscription;"
        " its tenant's Entra ID settings and management groups are not read"
        for sid, sub in sorted(subs.items())
        if sub.in_scan and tenant_id and sub.tenant_id and sub.tenant_id != tenant_id
    ]
