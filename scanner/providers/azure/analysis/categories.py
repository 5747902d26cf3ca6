"""Which log categories a diagnostic setting sends, with its category groups expanded, and the
operator policies compare them with.

Azure documents two category groups (learn.microsoft.com/azure/azure-monitor/platform/
diagnostic-settings#category-groups): `allLogs`, "All categories for the resource", and
`audit`, "All resource logs that record customer interactions with data or the settings of
the service". It lists no per-type membership for `audit` on the subscription activity log or
on Entra ID, so there an enabled `audit` group is kept as an unknowable element: it may hold
a category the setting names nowhere else, and a policy that needs that category is unknown,
never a pass (a guess) nor a fail (Prowler's and Steampipe's false FAIL on category groups).

Category names compare case-insensitively (ARM treats them so) and are reported as Azure
spells them in the lists below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.model import Unknowable
from scanner.policy.operators import Context, Operator, Undecided, fmt

# The activity log's categories, "also supported diagnostic setting categories for
# subscription" (Get-AzEventCategory, learn.microsoft.com/powershell/module/az.monitor/
# get-azeventcategory).
ACTIVITY = (
    "Administrative",
    "Security",
    "ServiceHealth",
    "Alert",
    "Recommendation",
    "Policy",
    "Autoscale",
    "ResourceHealth",
)
# Entra ID (microsoft.aadiam) diagnostic setting categories: the CIS v4.0.0 7.1.1.9 list and
# the others the Entra diagnostic settings blade offers.
ENTRA = (
    "AuditLogs",
    "SignInLogs",
    "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs",
    "ProvisioningLogs",
    "ADFSSignInLogs",
    "RiskyUsers",
    "UserRiskEvents",
    "NetworkAccessTrafficLogs",
    "RiskyServicePrincipals",
    "ServicePrincipalRiskEvents",
    "EnrichedOffice365AuditLogs",
    "MicrosoftGraphActivityLogs",
    "RemoteNetworkHealthLogs",
    "NetworkAccessAlerts",
    "B2CRequestLogs",
)
# Key Vault: AuditEvent (table AZKVAuditLogs, "how and when your key vaults are accessed, and
# by whom") and AzurePolicyEvaluationDetails (learn.microsoft.com/azure/azure-monitor/
# reference/supported-logs/microsoft-keyvault-vaults-logs). Its audit log is AuditEvent.
KEYVAULT = ("AuditEvent", "AzurePolicyEvaluationDetails")

# target type -> group (lowercased) -> its members, or None when Azure does not document them.
GROUPS: Mapping[str, Mapping[str, tuple[str, ...] | None]] = {
    "subscription": {"alllogs": ACTIVITY, "audit": None},
    "tenant": {"alllogs": ENTRA, "audit": None},
    "microsoft.keyvault/vaults": {"alllogs": KEYVAULT, "audit": ("AuditEvent",)},
}
_SPELLING = {c.lower(): c for c in (*ACTIVITY, *ENTRA, *KEYVAULT)}

Categories = list[Any]  # category names, and Unknowable for an undocumented group


def _name(category: str) -> str:
    return _SPELLING.get(category.lower(), category)


def _undocumented(group: str, target_type: str, setting: str) -> Unknowable:
    return Unknowable(
        f"diagnostic setting {setting} enables category group {group}, whose categories "
        f"Azure does not document for {target_type}; it may send more than it names"
    )


def effective(setting: Mapping[str, Any], name: str) -> Categories | Unknowable:
    """The categories a setting sends: its enabled categories and the members of its enabled
    category groups for its target type; unknowable elements for undocumented groups."""
    logs = setting.get("logs")
    target_type = setting.get("target_type")
    if isinstance(logs, Unknowable):
        return logs
    if isinstance(target_type, Unknowable):
        return target_type
    groups = GROUPS.get(str(target_type).lower(), {})
    found: dict[str, str] = {}
    unknown: list[Unknowable] = []
    for entry in logs or []:
        if not isinstance(entry, Mapping) or entry.get("enabled") is not True:
            continue
        category, group = entry.get("category"), entry.get("category_group")
        if isinstance(category, str) and category:
            found.setdefault(category.lower(), _name(category))
        if isinstance(group, str) and group:
            members = groups.get(group.lower(), None)
            if members is None:
                unknown.append(_undocumented(group, str(target_type), name))
                continue
            for member in members:
                found.setdefault(member.lower(), member)
    return sorted(found.values()) + unknown


def union(lists: Iterable[Categories | Unknowable]) -> Categories | Unknowable:
    """The categories any of several settings send; one setting whose categories could not
    be read makes the union unknowable (it may have added any)."""
    found: dict[str, str] = {}
    unknown: list[Unknowable] = []
    for item in lists:
        if isinstance(item, Unknowable):
            return item
        for value in item:
            if isinstance(value, Unknowable):
                if value not in unknown:
                    unknown.append(value)
            else:
                found.setdefault(str(value).lower(), str(value))
    return sorted(found.values()) + unknown


def _includes_all(actual: Any, expected: Any, _ctx: Context) -> bool:
    if not isinstance(actual, list):
        return False
    have = {str(v).lower() for v in actual if not isinstance(v, Unknowable)}
    missing = [e for e in expected if str(e).lower() not in have]
    if not missing:
        return True
    unread = [v for v in actual if isinstance(v, Unknowable)]
    if unread:
        raise Undecided(f"{', '.join(map(str, missing))} not named, and {unread[0].reason}")
    return False


def _explain(label: str, actual: Any, expected: Any) -> str | None:
    if not isinstance(actual, list):
        return None
    have = {str(v).lower() for v in actual if not isinstance(v, Unknowable)}
    missing = [str(e) for e in expected if str(e).lower() not in have]
    shown = [v for v in actual if not isinstance(v, Unknowable)]
    return f"{label} is {fmt(shown)}, missing {', '.join(missing)}"


def _strings(operand: Any) -> str | None:
    if isinstance(operand, list) and operand and all(isinstance(v, str) for v in operand):
        return None
    return f"operator 'includes_all' expects a non-empty list of strings, got {fmt(operand)}"


CATEGORY_OPERATORS: Mapping[str, Operator] = {
    "includes_all": Operator(
        "includes_all",
        _includes_all,
        lambda e: f"to include every one of {fmt(e)}",
        _strings,
        _explain,
    ),
}
