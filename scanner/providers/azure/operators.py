"""Condition operators only Azure policies need.

* ``has_activity_log_alert``: the attribute is a subscription's
  ``activity_log_alert_candidates`` (the candidate alerts with their action groups resolved,
  derived by ``analysis/alert_facts.py``); some alert fires on every event of the operand in
  that subscription and notifies a working action group. The operand is an ARM operation
  name (category Administrative: ``Microsoft.Network/networkSecurityGroups/write``) or a
  bare activity log category (``ServiceHealth``). ``analysis/alert_match.py`` holds the
  semantics. A failure names the closest alert and why it does not count.
* ``includes_all``: a list of diagnostic categories holds every required one
  (``analysis/categories.py``).

* ``after_scan_time``: the attribute is an ISO 8601 time later than the scan time (operand
  true), or not (false): a retirement date such as NSG flow logs' 2027-09-30 still ahead.
* ``includes_all`` (``analysis/categories.py``): a list of log categories includes every
  operand item, case-insensitively, category groups expanded.

What cannot be known (an alert value known only after apply, an action group outside the scan
or whose listing failed) makes the comparison unknown with the reason, never a pass. A failed
listing of the subscription's alerts makes the attribute itself an error before the operator
runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.policy.operators import Context, Operator, Undecided, fmt, parse_time
from scanner.providers.azure.analysis.alert_match import Wanted, coverage, operand_problem
from scanner.providers.azure.analysis.categories import CATEGORY_OPERATORS


def _has_alert(actual: Any, expected: Any, ctx: Context) -> bool:
    if not isinstance(actual, list):
        return False
    result = coverage(actual, Wanted.parse(str(expected)))
    ctx.visited.extend(result.used)
    if result.verdict is None:
        raise Undecided(result.reason)
    return result.verdict


def _explain(label: str, actual: Any, expected: Any) -> str | None:
    if not isinstance(actual, list):
        return None
    wanted = Wanted.parse(str(expected))
    return f"no activity log alert covers {wanted.text}: {coverage(actual, wanted).reason}"


def _problem(operand: Any) -> str | None:
    why = operand_problem(operand)
    return f"operator 'has_activity_log_alert' {why}" if why else None


def _expect(operand: Any) -> str:
    return (
        f"an enabled activity log alert on {Wanted.parse(str(operand)).text}, scoped to the "
        "subscription, not narrowed, with a working action group"
    )


def _after_scan(actual: Any, expected: Any, ctx: Context) -> bool:
    moment = parse_time(actual)
    return moment is not None and (moment > ctx.now) is expected


def _flag(operand: Any) -> str | None:
    if isinstance(operand, bool):
        return None
    return f"operator 'after_scan_time' expects true or false, got {fmt(operand)}"


OPERATORS: Mapping[str, Operator] = {
    **CATEGORY_OPERATORS,
    "has_activity_log_alert": Operator(
        "has_activity_log_alert", _has_alert, _expect, _problem, _explain
    ),
    "after_scan_time": Operator(
        "after_scan_time",
        _after_scan,
        lambda e: "a time after the scan" if e else "a time not after the scan",
        _flag,
    ),
    # Diagnostic-setting categories compared with their groups expanded.
    **CATEGORY_OPERATORS,
}
