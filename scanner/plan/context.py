"""The plan as read: one instance per resource, its values with "known after apply" marked, and
the configuration references that tie resources together before any cloud id exists. Nothing
here knows a cloud: each cloud's Terraform mappings (its `TerraformProvider`) use these."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.model import UNKNOWN_LOCATION, Resource, Unknowable

_REF = re.compile(r'^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)(?:\[("?)([^\]"]*)\3\])?')
# Reference roots that never name a managed resource of the same module.
_NOT_RESOURCES = {"var", "local", "each", "count", "path", "terraform", "module", "data", "self"}


@dataclass(frozen=True)
class PlanResource:
    """One resource instance of the plan: values (Unknowable where known only after apply) and
    the configuration expressions of its block."""

    address: str
    module: str  # module instance address, "" for the root module
    type: str
    name: str
    index: int | str | None
    values: dict[str, Any]
    expressions: Mapping[str, Any]
    provider_key: str | None


@dataclass(frozen=True)
class Target:
    """What a linking attribute points at: a resource of the plan, a literal naming something
    outside it, a value known only after apply, or nothing at all."""

    resource: PlanResource | None = None
    literal: str | None = None
    unknown: Unknowable | None = None


@dataclass
class Mapped:
    """A normalized resource and the links it declares (link name -> what it points at; a
    list where one link has several targets, as a VPC's flow log destinations)."""

    resource: Resource
    refs: dict[str, Target | list[Target]] = field(default_factory=dict)


@dataclass(frozen=True)
class TypeMapping:
    """How one Terraform type becomes one logward type: its id and its attributes."""

    rtype: str
    resource_id: Callable[[PlanResource, PlanContext], str]
    build: Callable[[PlanResource, PlanContext], Mapped]


def overlay(values: Any, unknown: Any, where: str) -> Any:
    """`values` with every part `after_unknown` marks replaced by an Unknowable naming it."""
    if unknown is True:
        return Unknowable(f"known after apply: {where}")
    if isinstance(unknown, Mapping):
        base = values if isinstance(values, Mapping) else {}
        out = dict(base)
        for key, marker in unknown.items():
            out[key] = overlay(base.get(key), marker, f"{where}.{key}")
        return out
    if isinstance(unknown, list):
        items = values if isinstance(values, list) else []
        return [
            overlay(
                items[i] if i < len(items) else None,
                unknown[i] if i < len(unknown) else False,
                f"{where}[{i}]",
            )
            for i in range(max(len(items), len(unknown)))
        ]
    return values


def block(value: Any) -> Any:
    """The single nested block Terraform renders as a one-element list (None when absent)."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def first_unknown(value: Any) -> Unknowable | None:
    """The first Unknowable anywhere inside a value."""
    if isinstance(value, Unknowable):
        return value
    items: Iterable[Any] = ()
    if isinstance(value, Mapping):
        items = value.values()
    elif isinstance(value, list):
        items = value
    for item in items:
        found = first_unknown(item)
        if found is not None:
            return found
    return None


def settled(value: Any) -> Any:
    """A whole setting is unknown when any part of it is (one reason, not one per field)."""
    return first_unknown(value) or value


def parse_ref(ref: str) -> tuple[str, int | str | None, bool] | None:
    """`aws_s3_bucket.trail["a"].id` -> ("aws_s3_bucket.trail", "a", True); None for
    references that are not managed resources of the same module (var., module., data. ...)."""
    match = _REF.match(ref)
    if match is None or match.group(1) in _NOT_RESOURCES:
        return None
    block_address = f"{match.group(1)}.{match.group(2)}"
    if match.group(4) is None:
        return block_address, None, False
    raw = match.group(4)
    index: int | str = raw if match.group(3) else int(raw) if raw.isdigit() else raw
    return block_address, index, True


def refs_at(expressions: Mapping[str, Any], path: tuple[str | int, ...]) -> list[str]:
    """The `references` of the expression at `path` (nested blocks are lists of mappings)."""
    node: Any = expressions
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or not node:
                return []
            node = node[step] if step < len(node) else node[0]
        elif isinstance(node, Mapping):
            node = node.get(step)
        else:
            return []
    refs = node.get("references") if isinstance(node, Mapping) else None
    return [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []


class PlanContext:
    """Lookups over one plan: references to resources, literal names, provider regions, ids."""

    def __init__(
        self,
        resources: list[PlanResource],
        provider_config: Mapping[str, Any],
        variables: Mapping[str, Any],
        is_state: bool,
        account: str,
        handles: tuple[str, ...] = ("id", "name"),
        complete: bool = False,
        changes: Mapping[str, Any] | None = None,
    ) -> None:
        self.account = account
        # The plan's resource_changes entries by address (a state has none): what the change
        # does (actions, before), for values the provider writes only on some changes.
        self.changes = changes or {}
        # Whether the plan is taken to be the whole estate (--assume-complete): only then does
        # "nothing in the plan names it" mean "nothing names it".
        self.complete = complete
        self.handle_keys = handles
        self.resources = resources
        self.provider_config = provider_config
        self.variables = variables
        self.is_state = is_state
        self.blocks: dict[tuple[str, str], list[PlanResource]] = {}
        for res in resources:
            self.blocks.setdefault((res.module, f"{res.type}.{res.name}"), []).append(res)
        self.ids: dict[str, str] = {}
        # Settings split into resources of their own (S3's aws_s3_bucket_versioning ...), by the
        # address of the resource they configure.
        self.parts: dict[str, dict[str, PlanResource]] = {}
        # Resources that attach to an owner several at a time (subscriptions to a topic, flow
        # logs to a VPC), by owner address and Terraform type.
        self.members: dict[str, dict[str, list[PlanResource]]] = {}
        # (Terraform type, literal handle) -> resource, built on the first literal lookup
        # (after `ids` is filled) so resolving N literals stays linear, not N x resources.
        self._by_handle: dict[tuple[str, str], PlanResource] | None = None
        self._indexes: dict[str, dict[Any, PlanResource]] = {}

    def index(
        self, name: str, tf_types: tuple[str, ...], key: Callable[[PlanResource], Any]
    ) -> dict[Any, PlanResource]:
        """The plan's resources of `tf_types` by `key` (the first in plan order wins; a key
        that is None or unhashable is left out), built once per `name` on first use, so N
        lookups cost N, not N x resources. Build it only once `ids` is filled."""
        found = self._indexes.get(name)
        if found is None:
            found = {}
            for res in self.resources:
                if res.type in tf_types:
                    k = key(res)
                    try:
                        if k is not None:
                            found.setdefault(k, res)
                    except TypeError:
                        continue
            self._indexes[name] = found
        return found

    def resolve(
        self, src: PlanResource, path: tuple[str | int, ...], tf_types: tuple[str, ...]
    ) -> PlanResource | None:
        """The plan resource an argument's expression references, if exactly one instance."""
        found = self.resolve_all(src, path, tf_types)
        return found[0] if found else None

    def resolve_all(
        self, src: PlanResource, path: tuple[str | int, ...], tf_types: tuple[str, ...]
    ) -> list[PlanResource]:
        """Every plan resource an argument's expression references (a list of ARNs may name
        several), each one instance, in reference order."""
        out: dict[str, PlanResource] = {}
        for ref in refs_at(src.expressions, path):
            parsed = parse_ref(ref)
            if parsed is None or parsed[0].split(".", 1)[0] not in tf_types:
                continue
            block_address, index, indexed = parsed
            candidates = self.blocks.get((src.module, block_address), [])
            if indexed:
                chosen = [c for c in candidates if c.index == index]
            elif len(candidates) == 1:
                chosen = candidates
            else:
                # `aws_s3_bucket.x[each.key].id` lists only `aws_s3_bucket.x`: the instance
                # with the referrer's own key is the usual pairing.
                chosen = [c for c in candidates if c.index == src.index]
            if len(chosen) == 1:
                out.setdefault(chosen[0].address, chosen[0])
        return list(out.values())

    def target(
        self, src: PlanResource, path: tuple[str | int, ...], tf_types: tuple[str, ...], value: Any
    ) -> Target:
        """What an argument points at: by configuration reference first, by literal second."""
        found = self.resolve(src, path, tf_types)
        if found is not None:
            return Target(resource=found)
        if isinstance(value, str) and value:
            wanted = value.removesuffix(":*")
            if self._by_handle is None:
                self._by_handle = {}
                for res in self.resources:
                    for handle in self.handles(res):
                        self._by_handle.setdefault((res.type, handle), res)
            for tf_type in tf_types:
                hit = self._by_handle.get((tf_type, wanted))
                if hit is not None:
                    return Target(resource=hit)
            return Target(literal=value)
        if isinstance(value, Unknowable):
            return Target(unknown=value)
        return Target()

    def handles(self, res: PlanResource) -> set[str]:
        """The known strings a literal may use for a resource (its id, name, ARN ...)."""
        out = {v for k in self.handle_keys if isinstance(v := res.values.get(k), str) and v}
        if res.address in self.ids:
            out.add(self.ids[res.address])
        return out

    def provider_argument(self, res: PlanResource, name: str, default_key: str) -> Any:
        """A constant argument of the resource's provider configuration (`region`), or a root
        variable it names; an Unknowable when the plan does not say."""
        key = res.provider_key or default_key
        config = self.provider_config.get(key)
        if config is None and ":" in key:
            # Older Terraform keys an inherited provider as "<module>:aws".
            config = self.provider_config.get(key.rsplit(":", 1)[-1])
        if not isinstance(config, Mapping):
            where = "Terraform state" if self.is_state else "the plan"
            return Unknowable(f"the {name} of provider configuration {key} is not in {where}")
        expr = (config.get("expressions") or {}).get(name)
        if isinstance(expr, Mapping):
            constant = expr.get("constant_value")
            if isinstance(constant, str) and constant:
                return constant
            refs = [r for r in expr.get("references") or [] if isinstance(r, str)]
            if len(refs) == 1 and refs[0].startswith("var.") and not config.get("module_address"):
                value = (self.variables.get(refs[0][4:]) or {}).get("value")
                if isinstance(value, str) and value:
                    return value
        return Unknowable(f"the {name} of provider configuration {key} is not known from the plan")


def known_or(res: PlanResource, attr: str) -> str:
    """A computed identifier when the plan knows it, otherwise the resource address."""
    value = res.values.get(attr)
    return value if isinstance(value, str) and value else res.address


def resource(
    ctx: PlanContext,
    res: PlanResource,
    rtype: str,
    name: str,
    attrs: dict[str, Any],
    region: str | Unknowable,
) -> Resource:
    """A Resource of the plan, in the plan's account (UNKNOWN_LOCATION where the plan does not
    say where it is)."""
    return Resource(
        provider=rtype.split(".", 1)[0],
        account=ctx.account,
        region=region if isinstance(region, str) else UNKNOWN_LOCATION,
        type=rtype,
        id=ctx.ids[res.address],
        name=name,
        attrs=attrs,
    )


def default(res: PlanResource, attr: str, value: Any) -> Any:
    """The planned value, or the provider default when the argument is omitted (null)."""
    got = res.values.get(attr)
    return value if got is None else got


def through(value: Any, ref: Target, ctx: PlanContext, use: str = "id") -> Any:
    """An argument's value; when known only after apply but referencing a resource of the plan,
    that resource's id (or its `use` attribute: a bucket's or a log group's name), so the
    setting counts as present."""
    if isinstance(value, Unknowable) and ref.resource is not None:
        if use != "id" and isinstance(ref.resource.values.get(use), str):
            return ref.resource.values[use]
        return ctx.ids.get(ref.resource.address, ref.resource.address)
    return value if value != "" else None


def default_bool(value: Any, fallback: bool) -> Any:
    """A boolean argument, or the provider default when omitted."""
    return fallback if value is None else value
