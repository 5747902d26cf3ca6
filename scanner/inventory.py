"""The collected, linked inventory that policies evaluate: resources by id and by type."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping

from scanner.model import CollectionError, Resource


class Inventory:
    """Resources of one run, indexed for constant-time lookups, plus every collection error."""

    def __init__(self) -> None:
        self._by_id: dict[str, Resource] = {}
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._by_type_account: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        self.errors: list[CollectionError] = []
        self._errors_by_type: dict[str, list[CollectionError]] = defaultdict(list)

    def add(self, resource: Resource) -> None:
        """Add a resource; a second resource with the same id replaces a placeholder only."""
        existing = self._by_id.get(resource.id)
        if existing is not None:
            if existing.placeholder is None or resource.placeholder is not None:
                return
            self._by_type[existing.type].remove(existing)
            for account in (existing.account, *existing.also_accounts):
                self._by_type_account[(existing.type, account)].remove(existing)
        self._by_id[resource.id] = resource
        self._by_type[resource.type].append(resource)
        for account in (resource.account, *resource.also_accounts):
            self._by_type_account[(resource.type, account)].append(resource)

    def accounts(self) -> set[str]:
        """Every account a resource of this inventory belongs to (placeholders included)."""
        return {account for (_type, account), found in self._by_type_account.items() if found}

    def extend(self, resources: Iterable[Resource]) -> None:
        """Add many resources."""
        for resource in resources:
            self.add(resource)

    def rebuilt(self, resources: Iterable[Resource]) -> Inventory:
        """A new inventory of `resources` with this one's collection errors (the link and
        derive steps return new resources rather than change these)."""
        out = Inventory()
        out.extend(resources)
        for error in self.errors:
            out.add_error(error)
        return out

    def replaced(self, new: Mapping[str, Resource]) -> Inventory:
        """A new inventory in which each resource whose id is in `new` is replaced by the one
        given there (same id, type and accounts), in place, and nothing else changes."""
        out = Inventory()
        out._by_id = {rid: new.get(rid, r) for rid, r in self._by_id.items()}
        touched = {r.type for rid, r in self._by_id.items() if rid in new}
        for rtype, found in self._by_type.items():
            out._by_type[rtype] = [new.get(r.id, r) for r in found] if rtype in touched else found
        for key, found in self._by_type_account.items():
            out._by_type_account[key] = (
                [new.get(r.id, r) for r in found] if key[0] in touched else found
            )
        out.errors = list(self.errors)
        for rtype, errors in self._errors_by_type.items():
            out._errors_by_type[rtype] = list(errors)
        return out

    def add_error(self, error: CollectionError) -> None:
        """Record a failed call."""
        self.errors.append(error)
        for rtype in error.resource_types:
            self._errors_by_type[rtype].append(error)

    def get(self, resource_id: str) -> Resource | None:
        """The resource with this id, if collected."""
        return self._by_id.get(resource_id)

    def __contains__(self, resource_id: object) -> bool:
        return resource_id in self._by_id

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def of_type(self, rtype: str, account: str | None = None) -> list[Resource]:
        """Resources of a type, optionally in one account."""
        if account is None:
            return self._by_type.get(rtype, [])
        return self._by_type_account.get((rtype, account), [])

    def any_errors(self, rtypes: Iterable[str]) -> bool:
        """Whether any failed listing left a resource of one of `rtypes` possibly uncollected."""
        return any(self._errors_by_type.get(t) for t in rtypes)

    def type_errors(
        self, rtype: str, account: str | None = None, region: str | None = None
    ) -> list[CollectionError]:
        """Failed listing calls that leave resources of `rtype` possibly uncollected."""
        return [
            e
            for e in self._errors_by_type.get(rtype, [])
            if e.resource_id is None
            and (account is None or e.account == account)
            and (region is None or e.region in (region, "global"))
        ]

    def counts(self) -> dict[str, int]:
        """Number of resources per type."""
        return {t: len(rs) for t, rs in sorted(self._by_type.items()) if rs}
