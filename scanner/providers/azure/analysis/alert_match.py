"""Does an activity log alert fire on every event of one operation (or one category) in a
subscription, and notify somebody? The semantics of Azure Monitor activity log alert rules,
decided the way Azure decides them, so CIS Azure v4.0.0 7.1.2.1-7.1.2.11 (v3.0.0 6.2.1-6.2.10)
are judged by what the rule does rather than by how it is spelled.

What Azure documents (learn.microsoft.com, "AlertRuleAnyOfOrLeafCondition" in the REST and
SDK references, api-version 2020-10-01, and "Activity Log Alerts - Create Or Update"):

* ``scopes`` are resource-id *prefixes*: the rule only sees events whose resource id falls
  under one of them. A rule scoped to a resource group or a resource sees none of the events
  of the rest of the subscription, so only a scope equal to the subscription's id covers it.
* ``condition.allOf`` is met when every item is met; an item is a leaf (``field`` and either
  ``equals`` or ``containsAny``) or an ``anyOf`` of leaves, met when one of them is.
* Field names and values are compared case-insensitively ("The possible values for this field
  are (case-insensitive): 'resourceId', 'category', 'caller', 'level', 'operationName',
  'resourceGroup', 'resourceProvider', 'status', 'subStatus', 'resourceType', or anything
  beginning with 'properties'"; "compared to this value (case-insensitive)").
* A rule must have a ``category`` leaf: the backend answers 400 otherwise
  (New-AzActivityLogAlertCondition reference). One without it (a plan) is not credited.
* ``enabled: false`` means none of its actions are activated.

What the rule must admit, for an operation O in subscription S: every event whose category is
Administrative and whose operationName is O, whatever its caller, level, status, subStatus,
resource group or resource. So a leaf *admits* those events when it is on:

* ``category``: its value(s) include the wanted category (Administrative, or ServiceHealth for
  7.1.2.11);
* ``operationName``: its value(s) include O (for ServiceHealth: no leaf on it may exist,
  since service health events carry several operation names);
* ``resourceProvider`` / ``resourceType``: its value(s) include the provider namespace / the
  resource type O names (``Microsoft.Network`` / ``Microsoft.Network/networkSecurityGroups``
  for ``Microsoft.Network/networkSecurityGroups/write``): every event of O has them;
* ``level``: its values include all five levels the activity log schema documents
  (Critical, Error, Warning, Informational, Verbose); fewer *narrow* the rule.

A leaf on any other field (caller, status, subStatus, resourceGroup, resourceId, anything under
``properties``, or a field Azure does not document) narrows the rule: some event of O in S
does not satisfy it, so the rule is silent for that event and does not count. An ``anyOf``
group admits the events when, for one field, the values of its leaves on that field together
admit them (``level`` in {Critical, Error} OR ``level`` in {Warning, Informational, Verbose}
admits every level). ``containsAny`` is read as "equals one of", the reading Azure's own
examples use for scalar fields; a substring reading would credit more rules, so this is the
conservative choice. Values are compared exactly apart from case: Azure documents no wildcard.

A rule without an ``operationName`` leaf (all Administrative operations) admits O and counts:
it fires on every event of O, with others beside them.

The alerts judged here are the facts ``alert_facts.py`` derives for a subscription (the alert's
scopes, enabled, conditions, and each action group's state already resolved: works, broken,
unknown, error), so the judgement is a pure function of one attribute value. An alert counts
when its scopes cover the subscription, it is enabled, its condition admits the wanted events,
and one action group works (exists, enabled, at least one receiver that is not disabled). When
none counts, the closest one (fewest facts against it, then fewest unknowns) is named with
every reason; when the closest has only unknowns against it (an action group outside the
scan, a value known after apply), the answer is "cannot tell", never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.model import Unknowable
from scanner.providers.azure.analysis.categories import ACTIVITY

ALERT = "azure.monitor.activity_log_alert"
ACTION_GROUP = "azure.monitor.action_group"

# The activity log's event categories (learn.microsoft.com, "Azure Monitor activity log event
# schema": the same list diagnostic settings offer); an operand without "/" must be one of them.
CATEGORIES = ACTIVITY
# The event levels the same schema documents; a `level` leaf must admit all of them.
LEVELS = frozenset({"critical", "error", "warning", "informational", "verbose"})
# Fields whose value varies between events of one operation in one subscription.
_VARIABLE = frozenset({"caller", "status", "substatus", "resourcegroup", "resourceid"})


@dataclass(frozen=True)
class Wanted:
    """The events an alert must fire on: every event of `category`, and of `operation` when
    it is set (an ARM operation name such as Microsoft.Network/networkSecurityGroups/write)."""

    category: str
    operation: str | None = None

    @classmethod
    def parse(cls, operand: str) -> Wanted:
        """`Namespace/type/.../verb` means that Administrative operation; a bare name is a
        category (ServiceHealth)."""
        if "/" in operand:
            return cls("Administrative", operand)
        return cls(operand)

    @property
    def text(self) -> str:
        """How the wanted events read in a message."""
        if self.operation is None:
            return f"{self.category} events"
        return f"{self.operation} (category {self.category})"

    def fixed(self) -> dict[str, str | None]:
        """Field (lowercased) -> the value every wanted event has, or None when the field
        varies between them (so no single value admits them all)."""
        values: dict[str, str | None] = {"category": self.category.lower(), "operationname": None}
        if self.operation is not None:
            parts = self.operation.lower().split("/")
            values["operationname"] = self.operation.lower()
            values["resourceprovider"] = parts[0]
            values["resourcetype"] = "/".join(parts[:-1])
        return values


def operand_problem(operand: Any) -> str | None:
    """Why `operand` cannot name the wanted events (None when it can)."""
    if not isinstance(operand, str) or not operand:
        return f"expects an operation name or an activity log category, got {operand!r}"
    if "/" in operand:
        parts = operand.split("/")
        if len(parts) < 3 or not all(parts):
            return (
                f"{operand!r} is not an ARM operation name "
                "(Namespace/resourceType/.../action: Microsoft.Network/publicIPAddresses/write)"
            )
        return None
    if operand not in CATEGORIES:
        return (
            f"{operand!r} is neither an ARM operation name (Namespace/resourceType/.../action) "
            "nor an activity log category (" + ", ".join(CATEGORIES) + ")"
        )
    return None


def _values(leaf: Mapping[str, Any]) -> list[str] | Unknowable:
    equals = leaf.get("equals")
    if isinstance(equals, Unknowable):
        return equals
    contains = leaf.get("contains_any")
    if isinstance(contains, Unknowable):
        return contains
    items = [equals, *(contains or [])]
    unknown = next((v for v in items if isinstance(v, Unknowable)), None)
    if unknown is not None:
        return unknown
    return [v.lower() for v in items if isinstance(v, str)]


def _leaf_text(leaf: Mapping[str, Any]) -> str:
    if leaf.get("contains_any") is not None:
        return f"{leaf.get('field')} containsAny {leaf.get('contains_any')!r}"
    return f"{leaf.get('field')} equals {leaf.get('equals')!r}"


def _admits(leaves: Sequence[Mapping[str, Any]], wanted: Wanted) -> bool | Unknowable:
    """Whether the OR of `leaves` is met by every wanted event (unknowable when that rests
    on a value that is not known)."""
    fixed = wanted.fixed()
    by_field: dict[str, set[str]] = {}
    unknown: Unknowable | None = None
    for leaf in leaves:
        name = leaf.get("field")
        found = name if isinstance(name, Unknowable) else _values(leaf)
        if isinstance(found, Unknowable):
            unknown = unknown or found
            continue
        by_field.setdefault(str(name).lower(), set()).update(found)
    for name, values in by_field.items():
        if name in fixed:
            if fixed[name] is not None and fixed[name] in values:
                return True
        elif name == "level" and values >= LEVELS:
            return True
    return unknown if unknown is not None else False


@dataclass
class Judgement:
    """What stops one alert from counting: `fails` (facts), `unknowns` (what could not be
    known), `errors` (what could not be read); it counts when all three are empty."""

    name: str
    fails: list[str] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def counts(self) -> bool:
        """The alert fires on every wanted event and notifies somebody."""
        return not (self.fails or self.unknowns or self.errors)

    def rank(self) -> tuple[int, int, str]:
        """Closer alerts sort first: fewer facts against them, then fewer unknowns."""
        return (len(self.fails), len(self.unknowns) + len(self.errors), self.name)

    def why(self) -> str:
        """Every obstacle, facts first."""
        return "; ".join(self.fails + self.errors + self.unknowns)

    def note(self, what: Unknowable, prefix: str) -> None:
        """Record a value that could not be known or read."""
        (self.errors if what.error else self.unknowns).append(f"{prefix}: {what.reason}")


def condition_problems(conditions: Any, wanted: Wanted) -> list[str] | Unknowable:
    """Why the condition misses some wanted event (empty: it admits them all)."""
    if isinstance(conditions, Unknowable):
        return conditions
    items = conditions.get("all_of") if isinstance(conditions, Mapping) else None
    if isinstance(items, Unknowable):
        return items
    if not isinstance(items, list) or not items:
        return ["its condition has no allOf items"]
    problems: list[str] = []
    unknown: Unknowable | None = None
    has_category = False
    for item in items:
        if isinstance(item, Unknowable):
            unknown = unknown or item
            continue
        if not isinstance(item, Mapping):
            return Unknowable(f"condition item {item!r} is not a leaf or an anyOf")
        group = item.get("any_of")
        leaves = group if isinstance(group, list) else [item]
        fields = {str(leaf.get("field", "")).lower() for leaf in leaves}
        has_category = has_category or "category" in fields
        verdict = _admits(leaves, wanted)
        if isinstance(verdict, Unknowable):
            unknown = unknown or verdict
        elif not verdict:
            problems.append(_narrowing(leaves, group is not None, wanted))
    if not has_category and unknown is None:
        problems.append("its condition has no category leaf (Azure rejects such a rule)")
    # A fact against the alert decides even where another part of it is not known.
    return problems if problems or unknown is None else unknown


def _narrowing(leaves: Sequence[Mapping[str, Any]], grouped: bool, wanted: Wanted) -> str:
    text = " or ".join(_leaf_text(leaf) for leaf in leaves)
    shown = f"anyOf ({text})" if grouped else text
    fields = {str(leaf.get("field", "")).lower() for leaf in leaves}
    fixed = wanted.fixed()
    if fields <= {"category"}:
        return f"{shown} does not admit category {wanted.category}"
    if fields <= {"operationname"} and wanted.operation is not None:
        return f"{shown} does not admit operation {wanted.operation}"
    if fields & (_VARIABLE | {"level"}) or any(f.startswith("properties") for f in fields):
        return f"{shown} narrows it to some events of {wanted.text}"
    if fields & set(fixed):
        return f"{shown} excludes {wanted.text}"
    return f"{shown} is on a field that narrows it to some events of {wanted.text}"


def scope_problem(scopes: Any, subscription: str) -> str | Unknowable | None:
    """Why the scopes do not cover the whole subscription (None when one equals its id)."""
    if isinstance(scopes, Unknowable):
        return scopes
    own = [s for s in scopes or [] if isinstance(s, str)]
    canon = [s.lower().rstrip("/") for s in own]
    if subscription in canon:
        return None
    inside = [s for s, c in zip(own, canon, strict=True) if c.startswith(subscription + "/")]
    if inside:
        return (
            f"it is scoped to {', '.join(inside)}, inside the subscription, which does not "
            "cover the events of the rest of it"
        )
    return f"its scopes {own} do not include {subscription}"


def judge(alert: Mapping[str, Any], wanted: Wanted) -> Judgement:
    """One alert, as `alert_facts` summarizes it for a subscription, against the wanted
    events of that subscription."""
    j = Judgement(f'alert "{alert.get("name")}"')
    scope = scope_problem(alert.get("scopes"), str(alert.get("subscription")))
    if isinstance(scope, Unknowable):
        j.note(scope, "scopes")
    elif scope is not None:
        j.fails.append(scope)
    enabled = alert.get("enabled")
    if isinstance(enabled, Unknowable):
        j.note(enabled, "enabled")
    elif enabled is not True:
        j.fails.append("it is disabled")
    problems = condition_problems(alert.get("conditions"), wanted)
    if isinstance(problems, Unknowable):
        j.note(problems, "conditions")
    else:
        j.fails += problems
    _judge_groups(j, alert.get("action_groups"))
    return j


def _judge_groups(j: Judgement, groups: Any) -> None:
    if isinstance(groups, Unknowable):
        j.note(groups, "action groups")
        return
    if not groups:
        j.fails.append("it has no action group")
        return
    misses: list[Mapping[str, Any]] = []
    pending: list[Mapping[str, Any]] = []
    for group in groups:
        if not isinstance(group, Mapping):
            continue
        state = group.get("state")
        if state == WORKS:
            return
        (pending if state in (UNKNOWN, ERROR) else misses).append(group)
    if pending:
        for waiting in pending:
            why = Unknowable(str(waiting.get("reason")), waiting.get("state") == ERROR)
            j.note(why, "action group")
    else:
        j.fails.append("; ".join(str(g.get("reason")) for g in misses))


# States of an action group as the alert facts record them.
WORKS = "works"
UNKNOWN = "unknown"
ERROR = "error"
BROKEN = "broken"  # absent, disabled or without receivers: `reason` says which


@dataclass(frozen=True)
class Coverage:
    """The answer for one subscription: `verdict` True (covered), False (not) or None (cannot
    tell); `reason` names the closest alert and why it does not count; `used` the ids of the
    resources the answer rests on (evidence)."""

    verdict: bool | None
    reason: str
    used: tuple[str, ...] = ()


def coverage(alerts: Any, wanted: Wanted) -> Coverage:
    """Whether one of `alerts` (the subscription's `activity_log_alert_candidates`) covers
    `wanted`; otherwise the closest one and why it does not count."""
    judged: list[tuple[Judgement, Mapping[str, Any]]] = []
    for alert in alerts if isinstance(alerts, Iterable) else ():
        if not isinstance(alert, Mapping):
            continue
        j = judge(alert, wanted)
        groups = alert.get("action_groups")
        ids = [str(g.get("id")) for g in groups] if isinstance(groups, list) else []
        if j.counts:
            return Coverage(True, f"{j.name} covers {wanted.text}", (str(alert.get("id")), *ids))
        judged.append((j, alert))
    if not judged:
        return Coverage(False, "no activity log alert is defined in or scoped to the subscription")
    judged.sort(key=lambda pair: pair[0].rank())
    best, alert = judged[0]
    others = f" ({len(judged) - 1} other alert(s) further off)" if len(judged) > 1 else ""
    text = f"closest is {best.name}, which does not count: {best.why()}{others}"
    return Coverage(None if not best.fails else False, text, (str(alert.get("id")),))
