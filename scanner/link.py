"""The one linker: resources of any cloud, from a live scan or a plan, joined by the links
their cloud declares once (`LinkSpec`, `Join`), then derived attributes computed on the result.

Adapters only extract references (`Ref`: "this trail names bucket X"); everything else is
here, the same for every source. A reference to something that was not collected becomes a
*placeholder*, with the reason the source's `Gaps` gives: unknown or error when the target is
outside what was looked at (another account, a location not scanned, a failed listing, not in
this plan), `Absent` when it was looked for where it would be and is not there (the listing of
its account and location succeeded), so conditions on it fail. A reverse link is only as
complete as the listing of its sources: when that listing failed, the link carries the error.
Lookups go through dicts built once, so linking is linear in the inventory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scanner.gaps import Gaps
from scanner.inventory import Inventory
from scanner.model import CollectionError, Link, Resource, Unknowable

Key = tuple[Any, ...]
EMPTY = Link()  # immutable: one instance serves every empty link


@dataclass(frozen=True)
class LinkSpec:
    """A link a resource type declares to targets named in its own attributes.

    `reverse` names the link set back on each target (a bucket's `trails`); `reverse_scope`
    says where a failed listing of the sources leaves that reverse link incomplete (in the
    target's location, or anywhere in its account). `noun` names a placeholder made for a
    target that was not collected (None: such a target is simply not linked); `missing`
    explains a target that was not found where it was looked for but may exist elsewhere
    ("{what}" and "{account}" filled in): set it when the reference names its target by a
    name shared by every account (a bucket name), so that a listing of this account's targets
    cannot show it absent. Without it, a target missing from a listing that succeeded is
    `Absent`. `reverse_if` names a link of the source that must have a target for the source
    to count in the reverse link (a log group protects its key, for the key's policies, only
    when some audit log source delivers to it); where that link is unresolved, the reverse
    link is unresolved too.
    """

    source: str
    name: str
    targets: tuple[str, ...]
    reverse: str | None = None
    reverse_scope: Literal["location", "anywhere"] = "anywhere"
    noun: str | None = None
    missing: str | None = None
    reverse_if: str | None = None


@dataclass(frozen=True)
class Join:
    """A link found by matching keys rather than by a name in the source's attributes (a
    metric filter's alarms: those on one of its metrics).

    `source_keys` gives the keys a source matches (or why they cannot be known);
    `target_key` the key of a target, where an unknowable component matches any value (an
    alarm whose metric is known only after apply may be any filter's). When `listed`, a
    failed listing of the targets in the source's account and location leaves the link
    unresolved. `unscanned` explains an empty link on a source whose `scanned` attribute is
    false ("{name}" filled in)."""

    source: str
    name: str
    target: str
    source_keys: Callable[[Resource], Sequence[Key] | Unknowable]
    target_key: Callable[[Resource], Key]
    listed: bool = True
    unscanned: str | None = None


@dataclass(frozen=True)
class Ref:
    """One reference a source resource makes: a target id, or why the target cannot be known.

    `type`, `name`, `account`, `region` and `shown` (the reference as written) describe the
    placeholder made when the id was not collected."""

    id: str = ""
    unknown: Unknowable | None = None
    type: str | None = None
    name: str = ""
    account: str | None = None
    region: str = ""
    shown: str = ""


# resource id -> link name -> the references of that link
References = Mapping[str, Mapping[str, Sequence[Ref]]]


Deriver = Callable[[Inventory], Mapping[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class Declared:
    """What one or more clouds declare for the linker: links, joins and derivers."""

    specs: Sequence[LinkSpec]
    joins: Sequence[Join] = ()
    derivers: Sequence[Deriver] = ()


def resolve(inventory: Inventory, refs: References, declared: Declared, gaps: Gaps) -> Inventory:
    """link(), then each deriver's new attribute values applied: a new inventory."""
    linked = link(inventory, refs, declared.specs, declared.joins, gaps)
    for deriver in declared.derivers:
        linked = apply(linked, deriver(linked))
    return linked


def apply(inventory: Inventory, updates: Mapping[str, Mapping[str, Any]]) -> Inventory:
    """A new inventory whose resources carry `updates` (resource id -> attribute -> value)."""
    if not updates:
        return inventory
    new = {}
    for rid, values in updates.items():
        found = inventory.get(rid)
        if found is not None:
            new[rid] = _with(found, attrs={**found.attrs, **values})
    return inventory.replaced(new)


def _with(
    res: Resource,
    *,
    attrs: dict[str, Any] | None = None,
    links: dict[str, Link] | None = None,
) -> Resource:
    # The constructor, not dataclasses.replace: this runs once per resource of a run.
    return Resource(
        res.provider,
        res.account,
        res.region,
        res.type,
        res.id,
        res.name,
        res.attrs if attrs is None else attrs,
        res.evidence,
        res.links if links is None else links,
        res.placeholder,
        res.also_accounts,
    )


class _Linker:
    def __init__(self, inventory: Inventory, gaps: Gaps) -> None:
        self.inventory = inventory
        self.gaps = gaps
        self.links: dict[str, dict[str, Link]] = defaultdict(dict)
        self.back: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.placeholders: dict[str, Resource] = {}
        # (target, reverse name, source, the source's link that must have a target)
        self.gated: list[tuple[str, str, Resource, str]] = []

    def find(self, rid: str) -> Resource | None:
        return self.inventory.get(rid) or self.placeholders.get(rid)

    def forward(self, spec: LinkSpec, source: Resource, declared: Sequence[Ref]) -> None:
        targets: list[str] = []
        unresolved: Unknowable | None = None
        for ref in declared:
            if ref.unknown is not None:
                unresolved = unresolved or ref.unknown
                continue
            target = self.find(ref.id)
            if spec.noun is None:
                if target is None or target.placeholder is not None:
                    continue  # only collected resources are linked without a placeholder
            elif target is None:
                self.placeholders[ref.id] = self.placeholder(spec, source, ref)
            targets.append(ref.id)
            if spec.reverse is not None and spec.reverse_if is not None:
                self.gated.append((ref.id, spec.reverse, source, spec.reverse_if))
            elif spec.reverse is not None:
                self.back[ref.id][spec.reverse].append(source.id)
        unique = tuple(targets) if len(targets) < 2 else tuple(dict.fromkeys(targets))
        self.links[source.id][spec.name] = (
            Link(unique, unresolved) if unique or unresolved else EMPTY
        )

    def placeholder(self, spec: LinkSpec, source: Resource, ref: Ref) -> Resource:
        rtype = ref.type or spec.targets[0]
        account = ref.account or source.account
        region = ref.region or source.region
        what = f"{spec.noun} {ref.shown or ref.id}"
        located = Ref(ref.id, None, rtype, ref.name, account, region, ref.shown)
        return Resource(
            provider=source.provider,
            account=account,
            region=region,
            type=rtype,
            id=ref.id,
            name=ref.name or ref.id,
            attrs={},
            placeholder=self.gaps.missing(located, rtype, what, spec),
        )

    def join(self, join: Join) -> None:
        exact: dict[Key, list[str]] = defaultdict(list)
        # Targets with unknowable key parts, by which parts are known, then by those parts.
        wild: dict[tuple[bool, ...], dict[Key, Unknowable]] = defaultdict(dict)
        for target in self.inventory.of_type(join.target):
            if target.placeholder is not None:
                continue
            key = join.target_key(target)
            mask = tuple(not isinstance(part, Unknowable) for part in key)
            if all(mask):
                exact[key].append(target.id)
            else:
                marker = next(p for p in key if isinstance(p, Unknowable))
                wild[mask].setdefault(_project(key, mask), marker)
        listed = join.listed and self.inventory.any_errors((join.target,))
        for source in self.inventory.of_type(join.source):
            if source.placeholder is not None:
                continue
            self.links[source.id][join.name] = self._joined(join, source, exact, wild, listed)

    def _joined(
        self,
        join: Join,
        source: Resource,
        exact: Mapping[Key, list[str]],
        wild: Mapping[tuple[bool, ...], Mapping[Key, Unknowable]],
        listed: bool,
    ) -> Link:
        keys = join.source_keys(source)
        if isinstance(keys, Unknowable):
            return Link((), keys)
        ids: list[str] = []
        maybe: list[Unknowable] = []
        own: list[Unknowable] = []
        for key in keys:
            marker = next((p for p in key if isinstance(p, Unknowable)), None)
            if marker is not None:
                own.append(marker)  # this key of the source itself is not known
                continue
            ids += exact.get(key, [])
            for mask, found in wild.items():
                hit = found.get(_project(key, mask))
                if hit is not None:
                    maybe.append(hit)
        unresolved = next(iter(maybe + own), None)
        if listed:
            errors = self.inventory.type_errors(join.target, source.account, source.region)
            if errors:
                unresolved = Unknowable(errors[0].reason, error=True)
        if not ids and unresolved is None and join.unscanned and not source.attrs.get("scanned"):
            unresolved = Unknowable(join.unscanned.format(name=source.name))
        return Link(tuple(dict.fromkeys(ids)), unresolved)


def _project(key: Key, mask: tuple[bool, ...]) -> Key:
    return tuple(part for part, known in zip(key, mask, strict=True) if known)


def link(
    inventory: Inventory,
    refs: References,
    specs: Sequence[LinkSpec],
    joins: Sequence[Join],
    gaps: Gaps,
) -> Inventory:
    """A new inventory with every declared link filled in, and placeholders for targets that
    were referenced but not collected."""
    lk = _Linker(inventory, gaps)
    for spec in specs:
        for source in inventory.of_type(spec.source):
            declared = refs.get(source.id, {}).get(spec.name)
            if declared is not None and source.placeholder is None:
                lk.forward(spec, source, declared)
    for join in joins:
        lk.join(join)
    gated = _gate(lk, specs)
    for target, by_name in lk.back.items():
        for name, sources in by_name.items():
            lk.links[target][name] = Link(tuple(dict.fromkeys(sources)), gated.get((target, name)))
    _complete_reverse(lk, specs)
    _defaults(lk, specs, joins)
    linked = {
        rid: _with(r, links={**r.links, **own} if r.links else own)
        for rid, own in lk.links.items()
        if (r := inventory.get(rid) or lk.placeholders.get(rid)) is not None
    }
    out = inventory.replaced({rid: r for rid, r in linked.items() if rid in inventory})
    out.extend(linked.get(rid, r) for rid, r in lk.placeholders.items())
    return out


def reverse_links(specs: Iterable[LinkSpec]) -> dict[tuple[str, str], tuple[list[str], str]]:
    """(target type, reverse link name) -> (source types, scope) for every reverse link."""
    found: dict[tuple[str, str], tuple[list[str], str]] = {}
    for spec in specs:
        if spec.reverse is None:
            continue
        for target in spec.targets:
            sources, _scope = found.setdefault((target, spec.reverse), ([], spec.reverse_scope))
            if spec.source not in sources:
                sources.append(spec.source)
    return found


def _gate(lk: _Linker, specs: Sequence[LinkSpec]) -> dict[tuple[str, str], Unknowable]:
    """Add the sources of reverse links with a `reverse_if` that have a target on that link;
    where a source's link is incomplete (its own sources' listing failed), the reverse link
    cannot be complete either. Every target named keeps its reverse link, even empty, so a
    placeholder named only by sources that do not count says so."""
    unresolved: dict[tuple[str, str], Unknowable] = {}
    reverse = reverse_links(specs)
    for target, name, source, gate in lk.gated:
        found = lk.back[target][name]
        own = lk.links.get(source.id, {}).get(gate)
        if lk.back.get(source.id, {}).get(gate) or (own is not None and own.targets):
            found.append(source.id)
            continue
        sources, scope = reverse.get((source.type, gate), ([], "anywhere"))
        errors = _source_errors(lk.inventory, sources, scope, source)
        if errors:
            why = Unknowable(errors[0].reason, error=True)
        elif own is not None and own.unresolved is not None:
            why = own.unresolved
        else:
            continue  # known not to count
        unresolved.setdefault(
            (target, name),
            Unknowable(
                f'whether {source.kind} "{source.name}" has {gate.replace("_", " ")} '
                f"cannot be told: {why.reason}",
                why.error,
            ),
        )
    return unresolved


def _source_errors(
    inventory: Inventory, sources: Sequence[str], scope: str, res: Resource
) -> list[CollectionError]:
    region = res.region if scope == "location" else None
    return [e for s in sources for e in inventory.type_errors(s, res.account, region)]


def _complete_reverse(lk: _Linker, specs: Sequence[LinkSpec]) -> None:
    for (rtype, name), (sources, scope) in reverse_links(specs).items():
        if not lk.inventory.any_errors(sources):
            continue
        for res in lk.inventory.of_type(rtype):
            if res.placeholder is not None:
                continue
            errors = _source_errors(lk.inventory, sources, scope, res)
            if errors:
                found = lk.links[res.id].get(name, Link())
                lk.links[res.id][name] = Link(
                    found.targets, Unknowable(errors[0].reason, error=True)
                )


def _defaults(lk: _Linker, specs: Sequence[LinkSpec], joins: Sequence[Join]) -> None:
    """Every declared link exists on every collected resource of its type (empty when nothing
    is linked); a placeholder knows only who points at it."""
    names: dict[str, set[str]] = defaultdict(set)
    for spec in specs:
        names[spec.source].add(spec.name)
    for join in joins:
        names[join.source].add(join.name)
    for rtype, name in reverse_links(specs):
        names[rtype].add(name)
    for rtype, declared in names.items():
        for res in lk.inventory.of_type(rtype):
            if res.placeholder is not None:
                continue
            own = lk.links[res.id]
            for name in declared:
                if name not in own and name not in res.links:
                    own[name] = EMPTY


def declared_links(
    specs: Iterable[LinkSpec], joins: Iterable[Join]
) -> dict[str, dict[str, list[str]]]:
    """resource type -> link name -> target types, as the resource schemas' `x-links` say."""
    found: dict[str, dict[str, list[str]]] = defaultdict(dict)
    specs = list(specs)
    for spec in specs:
        found[spec.source][spec.name] = sorted(spec.targets)
    for join in joins:
        found[join.source][join.name] = [join.target]
    for (rtype, name), (sources, _scope) in reverse_links(specs).items():
        found[rtype][name] = sorted(sources)
    return dict(found)
