"""The time-based retention that governs the blobs of a log container.

Azure Blob immutability has two mechanisms (learn.microsoft.com/azure/storage/blobs/
immutable-storage-overview):

- container-level WORM: the container's `immutabilityPolicy` applies to every blob in it;
- version-level WORM: enabled on the account (only at creation; "All the containers under
  such an account have object-level immutability enabled by default") or on a container
  (at creation or by migration); a default policy set on the account or the container is
  inherited by each new blob version.

Precedence, as Azure documents it on the account's policy (ImmutableStorageAccount.
immutabilityPolicy, learn.microsoft.com/javascript/api/@azure/arm-storage/
immutablestorageaccount): "The object-level immutability policy has higher precedence than the
container-level immutability policy, which has a higher precedence than the account-level
immutability policy." So a container with its own policy is governed by it, whatever the
account's default says (a Locked account default does not rescue an Unlocked container
policy, which anyone with immutabilityPolicies/delete can remove); a container without one
inherits the account's default only when version-level immutability is on for it. A
`Disabled` account policy is no default. Blob-level policies are not read (they can only
lengthen a locked inherited policy: "When the policy on the current version is locked, you
can extend the retention interval, but you can't delete the policy or shorten" it,
immutable-version-level-worm-policies).

A legal hold is reported beside, never counted: anyone with the legalHold/action permission
clears it, and it has no retention period.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import Absent, Resource, Unknowable

_STATES = ("Locked", "Unlocked")


def _unknown(value: Any) -> Unknowable | None:
    return value if isinstance(value, Unknowable) else None


def _appends(attrs: Mapping[str, Any]) -> bool | Unknowable:
    """Whether protected append writes are allowed: either flag true is enough; a flag that
    could not be read leaves it unknown unless the other one is true (an Unknowable is
    truthy, so it must never reach bool())."""
    flags = (
        attrs.get("allow_protected_append_writes"),
        attrs.get("allow_protected_append_writes_all"),
    )
    if any(flag is True for flag in flags):
        return True
    for flag in flags:
        if isinstance(flag, Unknowable):
            return flag
    return False


def _container_policy(attrs: Mapping[str, Any]) -> dict[str, Any] | Unknowable | None:
    for key in ("has_immutability_policy", "immutability_state", "immutability_period_days"):
        if (problem := _unknown(attrs.get(key))) is not None:
            return problem
    state = attrs.get("immutability_state")
    if attrs.get("has_immutability_policy") is not True or state not in _STATES:
        return None
    return {
        "source": "container",
        "state": state,
        "period_days": attrs.get("immutability_period_days"),
        "allow_protected_append_writes": _appends(attrs),
        "why": f"the container's own time-based policy ({state}) takes precedence over any "
        "account-level default",
    }


def _account_policy(account: Resource | None, container_vlw: Any) -> dict[str, Any] | Unknowable:
    none = {"source": "none", "state": None, "period_days": None}
    if account is None:
        return Unknowable("the container's storage account was not collected")
    if isinstance(account.placeholder, Absent):
        return {**none, "allow_protected_append_writes": None, "why": account.placeholder.reason}
    if account.placeholder is not None:
        return account.placeholder
    found = account.attrs.get("account_immutability")
    if isinstance(found, Unknowable):
        return found
    if not isinstance(found, Mapping):
        return Unknowable(f"account_immutability of {account.name} was not collected")
    enabled = found.get("enabled")
    if (problem := _unknown(enabled) or _unknown(found.get("state"))) is not None:
        return problem
    state = found.get("state")
    if enabled is True and state in _STATES:
        return {
            "source": "account",
            "state": state,
            "period_days": found.get("period_days"),
            "allow_protected_append_writes": found.get("allow_protected_append_writes"),
            "why": "no container policy: the account's default version-level policy is "
            "inherited by every blob version written to the container",
        }
    why = (
        f"no container policy, and the account's version-level default is {state or 'not set'}"
        if enabled is True or container_vlw is True
        else "no container policy, and version-level immutability is off on the account"
    )
    return {**none, "allow_protected_append_writes": None, "why": why}


def effective(container: Resource, account: Resource | None) -> dict[str, Any] | Unknowable:
    """`effective_immutability` of a container: {source: container|account|none, state,
    period_days, allow_protected_append_writes, legal_hold, why}."""
    attrs = container.attrs
    hold = attrs.get("has_legal_hold")
    own = _container_policy(attrs)
    if isinstance(own, Unknowable):
        return own
    found = (
        own
        if own is not None
        else _account_policy(account, attrs.get("version_level_immutability"))
    )
    if isinstance(found, Unknowable):
        return Unknowable(
            f"whether the account's default immutability policy applies cannot be told: "
            f"{found.reason}",
            found.error,
        )
    return {**found, "legal_hold": hold is True}
