"""IAM policies in a plan: the role bindings a set of google_*_iam_member, _binding and
_policy resources grant on one resource (an organization, a folder, a project, a bucket or
a key), as the live scan normalizes getIamPolicy ({role, members, condition})."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import PlanResource, block, first_unknown

Binding = tuple[Any, Any, Any]  # role, members, condition


def policy_document(res: PlanResource) -> dict[str, Any] | Unknowable:
    """The IAM policy JSON of a google_*_iam_policy (`policy_data`)."""
    data = res.values.get("policy_data")
    if isinstance(data, Unknowable):
        return data
    try:
        document = json.loads(str(data or "{}"))
    except ValueError:
        return Unknowable(f"policy_data of {res.address} is not JSON")
    return document if isinstance(document, dict) else {}


def _condition(raw: Any) -> Any:
    found = block(raw)
    if isinstance(found, dict):
        return {"title": found.get("title"), "expression": found.get("expression")}
    return found


def _raw(res: PlanResource) -> list[Binding] | Unknowable:
    v = res.values
    if res.type.endswith("_policy"):
        document = policy_document(res)
        if isinstance(document, Unknowable):
            return document
        return [
            (b.get("role"), list(b.get("members") or []), b.get("condition"))
            for b in document.get("bindings") or []
        ]
    members = [v.get("member")] if res.type.endswith("_member") else v.get("members")
    return [(v.get("role"), members, _condition(v.get("condition")))]


def bindings(resources: Iterable[PlanResource]) -> list[dict[str, Any]] | Unknowable:
    """The bindings the resources grant, merged by role and condition (a member granted
    only after apply makes the whole policy unknown: it may be anyone)."""
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for res in resources:
        raws = _raw(res)
        if isinstance(raws, Unknowable):
            return raws
        for role, granted, condition in raws:
            marker = first_unknown([role, granted, condition])
            if marker is not None:
                return marker
            key = (str(role), json.dumps(condition, sort_keys=True))
            entry = by_key.setdefault(key, {"role": role, "members": [], "condition": condition})
            entry["members"] += [m for m in granted or [] if m not in entry["members"]]
    return list(by_key.values())
