"""A plan (or state) as the inventory a live scan of the same clouds would collect: the same
types and attribute names, "known after apply" as Unknowable, linked by the same linker.

Every registered cloud with Terraform mappings takes part; resources of types none of them
maps are listed as not evaluated, never silently dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scanner.inventory import Inventory
from scanner.link import Declared, LinkSpec, Ref, resolve
from scanner.model import EvidenceRef, Resource, Unknowable
from scanner.plan.changes import log_store_changes
from scanner.plan.context import Mapped, PlanContext, PlanResource, Target, TypeMapping
from scanner.plan.read import instances, raw_entry
from scanner.redact import redact

if TYPE_CHECKING:
    from scanner.providers.base import Adapter


@dataclass(frozen=True)
class PlanScan:
    """The inventory of a plan, what it leaves out, and what it destroys."""

    inventory: Inventory
    not_evaluated: dict[str, list[str]]  # Terraform type -> addresses logward does not judge
    deleted: list[str]  # addresses the plan destroys (a log store being destroyed is a finding)
    account: str
    # The plan entries each resource was read from, by the SHA-256 its evidence cites.
    evidence: dict[str, bytes] = field(default_factory=dict)


class PlanGaps:
    """Why a target a plan names is not in the inventory: it is not in this plan. Never
    `Absent`, even under --assume-complete: the plan names such targets by literal ids whose
    account it cannot confirm is its own, and the cloud holds resources no plan declares (an
    AWS managed key), so "not in this plan" is not "does not exist"."""

    def missing(self, ref: Ref, rtype: str, what: str, spec: LinkSpec) -> Unknowable:
        """The placeholder reason."""
        return Unknowable(f"{what} is not in this plan")


def _with_terraform(adapters: Sequence[Adapter] | None) -> list[Adapter]:
    if adapters is None:
        from scanner import providers

        adapters = providers.adapters()
    return [a for a in adapters if a.terraform is not None]


@dataclass
class _Tables:
    """Every cloud's Terraform tables, merged."""

    types: dict[str, TypeMapping] = field(default_factory=dict)
    parts: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    attached: dict[str, Callable[[PlanResource, PlanContext], PlanResource | None]] = field(
        default_factory=dict
    )
    consumed: set[str] = field(default_factory=set)
    handles: dict[str, None] = field(default_factory=dict)

    @classmethod
    def of(cls, clouds: Sequence[Adapter]) -> _Tables:
        tables = cls()
        for cloud in clouds:
            tf = cloud.terraform
            assert tf is not None
            tables.types.update(tf.types)
            tables.parts.update(tf.parts)
            tables.attached.update(tf.attached)
            tables.consumed |= tf.consumed
            tables.handles.update(dict.fromkeys(tf.handles))
        return tables


def plan_inventory(
    plan: Mapping[str, Any],
    account: str = "plan",
    adapters: Sequence[Adapter] | None = None,
    complete: bool = False,
) -> PlanScan:
    """Map a loaded plan (or state) onto the resource types of every cloud with Terraform
    mappings (default: every registered one), linked and derived; `complete` when the plan is
    assumed to be the whole estate (--assume-complete)."""
    clouds = _with_terraform(adapters)
    tables = _Tables.of(clouds)
    is_state = "planned_values" not in plan
    changes = {
        c["address"]: c
        for c in plan.get("resource_changes") or []
        if isinstance(c, Mapping) and isinstance(c.get("address"), str)
    }
    deleted = sorted(
        a
        for a, c in changes.items()
        if list((c.get("change") or {}).get("actions") or []) == ["delete"]
    )
    config = plan.get("configuration") or {}
    root = (plan.get("values") if is_state else plan.get("planned_values")) or {}
    resources = list(instances(root.get("root_module") or {}, changes, config, is_state))
    ctx = PlanContext(
        resources,
        config.get("provider_config") or {},
        plan.get("variables") or {},
        is_state,
        account,
        tuple(tables.handles) or ("id", "name"),
        complete,
        changes,
    )
    not_evaluated = _assign(resources, ctx, tables)
    evidence = _Evidence(changes, is_state)
    inventory = Inventory()
    mapped: list[Mapped] = []
    for res in resources:
        mapping = tables.types.get(res.type)
        if mapping is None:
            continue
        item = mapping.build(res, ctx)
        item.resource = evidence.cite(item.resource, res, ctx)
        mapped.append(item)
        inventory.add(item.resource)
    # Each cloud's account and locations as the plan describes them: judged only under
    # --assume-complete, when the plan is taken to be the whole account.
    for cloud in clouds:
        assert cloud.terraform is not None
        if _present(cloud.terraform.provider, resources, ctx):
            mine = [i.resource for i in mapped if i.resource.provider == cloud.name]
            for built in cloud.terraform.scope(ctx, mine):
                if isinstance(built, Mapped):
                    mapped.append(built)  # its links are resolved with the others'
                    inventory.add(built.resource)
                else:
                    inventory.add(built)
    declared = Declared(
        [s for c in clouds for s in c.links],
        [j for c in clouds for j in c.joins],
        [d for c in clouds for d in c.derivers],
    )
    linked = resolve(inventory, _references(mapped, ctx, clouds), declared, PlanGaps())
    linked.extend(log_store_changes(plan, account, clouds))
    return PlanScan(
        inventory=linked,
        not_evaluated=not_evaluated,
        deleted=deleted,
        evidence=evidence.blobs,
        account=account,
    )


def _assign(
    resources: Sequence[PlanResource], ctx: PlanContext, tables: _Tables
) -> dict[str, list[str]]:
    """Give every mapped resource its id, and every part or attachment its owner; returns
    what no mapping judges (by Terraform type)."""
    not_evaluated: dict[str, list[str]] = {}
    for res in resources:
        mapping = tables.types.get(res.type)
        if mapping is not None:
            ctx.ids[res.address] = mapping.resource_id(res, ctx)
        elif res.type not in tables.consumed:
            not_evaluated.setdefault(res.type, []).append(res.address)
    for res in resources:
        if res.type in tables.parts:
            argument, owners = tables.parts[res.type]
            found = ctx.target(res, (argument,), owners, res.values.get(argument))
            if found.resource is None:
                # It configures a resource this plan does not hold: nothing here to judge.
                not_evaluated.setdefault(res.type, []).append(res.address)
            else:
                ctx.parts.setdefault(found.resource.address, {}).setdefault(res.type, res)
        elif res.type in tables.attached:
            owner = tables.attached[res.type](res, ctx)
            if owner is None:
                not_evaluated.setdefault(res.type, []).append(res.address)
            else:
                ctx.members.setdefault(owner.address, {}).setdefault(res.type, []).append(res)
    return not_evaluated


def _present(provider: str, resources: Sequence[PlanResource], ctx: PlanContext) -> bool:
    """Whether the plan holds anything of a Terraform provider (a resource of its types, or a
    configuration of the provider itself)."""
    prefix = f"{provider}_"
    return any(r.type.startswith(prefix) for r in resources) or any(
        key == provider or key.endswith(f":{provider}") or key.startswith(f"{provider}.")
        for key in ctx.provider_config
    )


class _Evidence:
    """The plan entries each resource is read from, kept by the SHA-256 its evidence cites."""

    def __init__(self, changes: Mapping[str, Any], is_state: bool) -> None:
        self.changes = changes
        self.is_state = is_state
        self.stamp = datetime.now(UTC).isoformat(timespec="seconds")
        self.blobs: dict[str, bytes] = {}

    def cite(self, resource: Resource, res: PlanResource, ctx: PlanContext) -> Resource:
        """The resource citing its own entry and the entries of what attaches to it."""
        raw = raw_entry(self.changes, res, self.is_state)
        attached = [
            raw_entry(self.changes, m, self.is_state)
            for members in ctx.members.get(res.address, {}).values()
            for m in members
        ]
        if attached:
            raw["attached"] = attached  # the hash covers what the resource was read from
        # Redacted like an API response: a plan holds tags, webhook endpoints, passwords.
        blob = json.dumps(redact(raw), sort_keys=True, default=str).encode()
        digest = hashlib.sha256(blob).hexdigest()
        self.blobs[digest] = blob
        evidence = EvidenceRef(
            operation="terraform show -json",
            region=resource.region,
            params={"address": res.address},
            time=self.stamp,
            sha256=digest,
            source="terraform",
        )
        return replace(resource, evidence=(evidence,))


def _references(
    mapped: Sequence[Mapped], ctx: PlanContext, clouds: Sequence[Adapter]
) -> dict[str, dict[str, list[Ref]]]:
    """The links each mapped resource declares, as references for the core linker: a plan
    resource by its id, a literal through its cloud's `literal`, an unknown as it is."""
    targets = {(s.source, s.name): s.targets[0] for c in clouds for s in c.links}
    literal = {c.name: c.terraform.literal for c in clouds if c.terraform is not None}
    out: dict[str, dict[str, list[Ref]]] = {}
    for item in mapped:
        source = item.resource
        own: dict[str, list[Ref]] = {}
        for name, declared in item.refs.items():
            refs: list[Ref] = []
            for target in declared if isinstance(declared, list) else [declared]:
                ref = _reference(target, source, targets.get((source.type, name)), ctx, literal)
                if ref is not None:
                    refs.append(ref)
            own[name] = refs
        out[source.id] = own
    return out


def _reference(
    target: Target,
    source: Resource,
    rtype: str | None,
    ctx: PlanContext,
    literal: Mapping[str, Callable[[str, str, Resource, PlanContext], Ref]],
) -> Ref | None:
    if target.resource is not None:
        rid = ctx.ids.get(target.resource.address)
        return Ref(rid) if rid is not None else None
    if target.unknown is not None:
        return Ref(unknown=target.unknown)
    if target.literal is None or rtype is None or source.provider not in literal:
        return None
    return literal[source.provider](rtype, target.literal, source, ctx)
