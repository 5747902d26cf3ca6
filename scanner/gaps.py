"""Why a link target is not in the inventory (`Gaps`), and the reasons of a live scan
(`LiveGaps`): outside what was looked at (unknown), a failed listing (error), or looked for
where it would be and not there (`Absent`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from scanner.inventory import Inventory
from scanner.model import Absent, Unknowable

if TYPE_CHECKING:
    from scanner.link import LinkSpec, Ref


class Gaps(Protocol):
    """Why a referenced target is not in the inventory: unknowable, or absent."""

    def missing(self, ref: Ref, rtype: str, what: str, spec: LinkSpec) -> Unknowable | Absent: ...


class LiveGaps:
    """The reasons of a live scan: another account, a failed listing, a location not scanned,
    or, where the listing of the target's account and location succeeded, absent.

    `listed` are the types whose listing of a location is complete (every resource of the
    type there is listed): only those can be absent. A type collected one by one (looked up
    by the reference itself) is absent only when the adapter collected it as `Absent`."""

    def __init__(
        self,
        inventory: Inventory,
        accounts: Iterable[str],
        locations: Iterable[str],
        noun: str,
        listed: Iterable[str] = (),
    ) -> None:
        self.inventory = inventory
        self.accounts = set(accounts)
        self.locations = set(locations)
        self.noun = noun
        self.listed = set(listed)

    def missing(self, ref: Ref, rtype: str, what: str, spec: LinkSpec) -> Unknowable | Absent:
        """The placeholder reason for `ref`."""
        account = ref.account or ""
        if account not in self.accounts:
            return Unknowable(f"{what} is in account {account}, outside the scan")
        errors = self.inventory.type_errors(rtype, account, ref.region)
        if ref.region not in self.locations:
            # Which locations exist could not be listed: that failure, not "not scanned".
            errors = errors or [
                e for e in self.inventory.type_errors(rtype, account) if e.region == "*"
            ]
        if errors:
            return Unknowable(errors[0].reason, error=True)
        if ref.region not in self.locations:
            return Unknowable(f"{what} is in {self.noun} {ref.region}, which was not scanned")
        if spec.missing is None and rtype in self.listed:
            where = "" if ref.region == "global" else f" in {self.noun} {ref.region}"
            return Absent(
                f"{what} does not exist: the listing of account {account}{where} "
                f"succeeded and does not hold it"
            )
        template = spec.missing or "{what} was not found in account {account}"
        return Unknowable(template.format(what=what, account=account))
