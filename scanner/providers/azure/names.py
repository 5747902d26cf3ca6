"""ARM resource ids: one canonical (lowercased) form, and what an id names.

ARM ids are case-insensitive ("Resource Ids are case insensitive", Azure Resource Manager
resource naming rules, https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules),
and diagnostic settings, role assignments and alerts carry ids in whatever case their author
typed; one canonical form makes links exact. The id as Azure returned it stays in `arm_id`.
"""

from __future__ import annotations


def canonical(arm_id: str) -> str:
    """The canonical form of an ARM id: lowercased, one leading "/", no trailing "/"."""
    parts = [p for p in arm_id.strip().split("/") if p]
    return "/" + "/".join(parts).lower()


def _segments(arm_id: str) -> list[str]:
    return [p for p in canonical(arm_id).split("/") if p]


def _after(arm_id: str, key: str) -> str | None:
    parts = _segments(arm_id)
    for i, part in enumerate(parts[:-1]):
        if part == key:
            return parts[i + 1]
    return None


def subscription_of(arm_id: str) -> str | None:
    """The subscription id (lowercased GUID) an id lies in, if any."""
    return _after(arm_id, "subscriptions")


def resource_group_of(arm_id: str) -> str | None:
    """The resource group (lowercased) an id lies in, if any."""
    return _after(arm_id, "resourcegroups")


def provider_type_of(arm_id: str) -> str | None:
    """The resource type an id names, lowercased: the namespace after the last `providers`
    and every type segment after it (`microsoft.keyvault/vaults`,
    `microsoft.storage/storageaccounts/blobservices/containers`); None for a subscription,
    a resource group or a tenant."""
    parts = _segments(arm_id)
    last = max((i for i, p in enumerate(parts[:-1]) if p == "providers"), default=None)
    if last is None:
        return None
    rest = parts[last + 1 :]
    # namespace, then type/name pairs: the types are every other segment.
    return "/".join([rest[0], *rest[1::2]])


def region(location: str | None) -> str:
    """A `location` as logward writes regions: lowercased, spaces removed ("West Europe" ->
    "westeurope"); "global" when there is none."""
    if not location:
        return "global"
    return location.replace(" ", "").lower()
