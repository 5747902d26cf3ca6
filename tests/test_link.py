"""The core linker on synthetic types: placeholders and their reasons, reverse links and their
completeness, joins with keys known only after apply, defaults, and inputs left untouched."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.gaps import LiveGaps
from scanner.inventory import Inventory
from scanner.link import Declared, Join, LinkSpec, Ref, declared_links, resolve
from scanner.model import Absent, CollectionError, Link, Resource, Unknowable
from scanner.plan.inventory import PlanGaps

ACCOUNT, OTHER = "111111111111", "222222222222"
SPECS = (
    LinkSpec("c.store", "key", ("c.key",), reverse="protects", noun="key"),
    LinkSpec(
        "c.store",
        "archive",
        ("c.archive",),
        reverse="stores",
        noun="archive",
        missing="{what} is not owned by {account}",
    ),
    LinkSpec("c.child", "parent", ("c.store",), reverse="children", reverse_scope="location"),
)


def _metric(res: Resource) -> Any:
    return [(res.region, k) for k in res.attrs["keys"]]


def _watch(res: Resource) -> Any:
    return (res.region, res.attrs["key"])


JOINS = (Join("c.store", "watchers", "c.watcher", _metric, _watch),)


def res(rtype: str, rid: str, region: str = "r1", **attrs: Any) -> Resource:
    return Resource("c", ACCOUNT, region, rtype, rid, rid, dict(attrs))


def inventory(*resources: Resource, errors: tuple[CollectionError, ...] = ()) -> Inventory:
    inv = Inventory()
    inv.extend(resources)
    for error in errors:
        inv.add_error(error)
    return inv


def live(inv: Inventory) -> LiveGaps:
    return LiveGaps(inv, (ACCOUNT,), ("r1", "global"), "location")


def test_targets_backlinks_and_placeholders_with_their_reasons() -> None:
    inv = inventory(res("c.store", "s1", keys=[]), res("c.key", "k1"))
    refs = {
        "s1": {
            "key": [Ref("k1"), Ref("k2", name="k2", account=ACCOUNT, region="r2", shown="k2")],
            "archive": [
                Ref("a1", account=ACCOUNT, region="global", shown="a1"),
                Ref("a2", account=OTHER, region="global", shown="a2"),
            ],
        }
    }
    out = resolve(inv, refs, Declared(SPECS, JOINS), live(inv))
    store = out.get("s1")
    assert store is not None and store.links["key"] == Link(("k1", "k2"))
    assert out.get("k1").links["protects"] == Link(("s1",))  # type: ignore[union-attr]
    k2, a1, a2 = (out.get(i) for i in ("k2", "a1", "a2"))
    assert k2 and k2.placeholder == Unknowable("key k2 is in location r2, which was not scanned")
    assert a1 and a1.placeholder == Unknowable(f"archive a1 is not owned by {ACCOUNT}")
    assert a2 and a2.placeholder == Unknowable(
        f"archive a2 is in account {OTHER}, outside the scan"
    )
    assert a2.account == OTHER and a2.links == {"stores": Link(("s1",))}
    # Inputs are untouched: the linker returns new resources.
    assert inv.get("s1").links == {} and len(inv) == 2  # type: ignore[union-attr]


def test_a_failed_listing_makes_the_placeholder_an_error() -> None:
    failed = CollectionError("c", ACCOUNT, "r1", "ListKeys", "AccessDenied", "no", ("c.key",))
    inv = inventory(res("c.store", "s1", keys=[]), errors=(failed,))
    refs = {"s1": {"key": [Ref("k9", account=ACCOUNT, region="r1", shown="k9")]}}
    out = resolve(inv, refs, Declared(SPECS), live(inv))
    placeholder = out.get("k9")
    assert placeholder and placeholder.placeholder == Unknowable(failed.reason, error=True)


def test_without_a_noun_only_collected_targets_are_linked() -> None:
    inv = inventory(res("c.child", "c1"), res("c.child", "c2"), res("c.store", "s1", keys=[]))
    refs = {"c1": {"parent": [Ref("s1")]}, "c2": {"parent": [Ref("gone")]}}
    out = resolve(inv, refs, Declared(SPECS), live(inv))
    assert out.get("c1").links["parent"] == Link(("s1",))  # type: ignore[union-attr]
    assert out.get("c2").links["parent"] == Link()  # type: ignore[union-attr]
    assert out.get("gone") is None
    assert out.get("s1").links["children"] == Link(("c1",))  # type: ignore[union-attr]


def test_reverse_links_carry_a_failed_listing_of_their_sources() -> None:
    here = CollectionError("c", ACCOUNT, "r1", "ListChildren", "Throttling", "slow", ("c.child",))
    elsewhere = CollectionError("c", ACCOUNT, "r2", "ListChildren", "Throttling", "x", ("c.child",))
    inv = inventory(
        res("c.store", "s1", keys=[]),
        res("c.store", "s2", "r3", keys=[]),
        errors=(here, elsewhere),
    )
    out = resolve(inv, {}, Declared(SPECS), live(inv))
    # children are listed per location: s1's location failed, s2's did not.
    assert out.get("s1").links["children"] == Link((), Unknowable(here.reason, error=True))  # type: ignore[union-attr]
    assert out.get("s2").links["children"] == Link()  # type: ignore[union-attr]
    assert out.get("s1").links["key"] == Link()  # type: ignore[union-attr]  # a default


def test_a_join_with_a_key_known_only_after_apply_may_match() -> None:
    later = Unknowable("known after apply")
    inv = inventory(
        res("c.store", "s1", keys=["a"]),
        res("c.store", "s2", keys=["b"]),
        res("c.store", "s3", "r2", keys=["b"]),
        res("c.watcher", "w1", key="a"),
        res("c.watcher", "w2", key=later),
    )
    out = resolve(inv, {}, Declared(SPECS, JOINS), PlanGaps())
    assert out.get("s1").links["watchers"] == Link(("w1",), later)  # type: ignore[union-attr]
    assert out.get("s2").links["watchers"] == Link((), later)  # type: ignore[union-attr]
    assert out.get("s3").links["watchers"] == Link()  # type: ignore[union-attr]  # other region


def test_derivers_return_new_values() -> None:
    inv = inventory(res("c.store", "s1", keys=[]))

    def count(found: Inventory) -> dict[str, dict[str, Any]]:
        return {r.id: {"links": len(r.links)} for r in found.of_type("c.store")}

    out = resolve(inv, {}, Declared(SPECS, JOINS, (count,)), PlanGaps())
    assert out.get("s1").attrs == {"keys": [], "links": 4}  # type: ignore[union-attr]
    assert inv.get("s1").attrs == {"keys": []}  # type: ignore[union-attr]


def test_declared_links_name_every_direction() -> None:
    assert declared_links(SPECS, JOINS) == {
        "c.store": {
            "key": ["c.key"],
            "archive": ["c.archive"],
            "watchers": ["c.watcher"],
            "children": ["c.child"],
        },
        "c.child": {"parent": ["c.store"]},
        "c.key": {"protects": ["c.store"]},
        "c.archive": {"stores": ["c.store"]},
    }


# --- absent: listed, and not there ---------------------------------------------------------

ABSENT_SPECS = (
    LinkSpec("c.store", "key", ("c.key",), reverse="protects", noun="key"),
    LinkSpec("c.store", "archive", ("c.archive",), noun="archive", missing="{what} is elsewhere"),
)


def _placeholder(inv: Inventory, ref: Ref, listed: tuple[str, ...] = ("c.key", "c.archive")) -> Any:
    rtype = "c.archive" if ref.id.startswith("a") else "c.key"
    refs = {"s1": {"archive" if rtype == "c.archive" else "key": [ref]}}
    gaps = LiveGaps(inv, (ACCOUNT,), ("r1", "global"), "location", listed)
    found = resolve(inv, refs, Declared(ABSENT_SPECS), gaps).get(ref.id)
    assert found is not None
    return found.placeholder


@pytest.mark.parametrize(
    ("ref", "listed", "errors", "expected"),
    [
        # The failing case: a listed type, in a scanned location of the scanned account.
        (
            Ref("k1", account=ACCOUNT, region="r1", shown="k1"),
            ("c.key",),
            (),
            Absent(
                f"key k1 does not exist: the listing of account {ACCOUNT} in location r1 "
                "succeeded and does not hold it"
            ),
        ),
        (
            Ref("k1", account=ACCOUNT, region="global", shown="k1"),
            ("c.key",),
            (),
            Absent(
                f"key k1 does not exist: the listing of account {ACCOUNT} succeeded and does "
                "not hold it"
            ),
        ),
        # Siblings that stay: another account, a location not scanned, a failed listing.
        (
            Ref("k1", account=OTHER, region="r1", shown="k1"),
            ("c.key",),
            (),
            Unknowable(f"key k1 is in account {OTHER}, outside the scan"),
        ),
        (
            Ref("k1", account=ACCOUNT, region="r2", shown="k1"),
            ("c.key",),
            (),
            Unknowable("key k1 is in location r2, which was not scanned"),
        ),
        (
            Ref("k1", account=ACCOUNT, region="r1", shown="k1"),
            ("c.key",),
            ("r1",),
            Unknowable(f"ListKeys failed in {ACCOUNT}/r1: AccessDenied: no", error=True),
        ),
        # Which locations exist could not be listed: r2's absence from the scan is that error.
        (
            Ref("k1", account=ACCOUNT, region="r2", shown="k1"),
            ("c.key",),
            ("*",),
            Unknowable(f"ListKeys failed in {ACCOUNT}/*: AccessDenied: no", error=True),
        ),
        # Boundary: a failed listing elsewhere does not make this one incomplete.
        (
            Ref("k1", account=ACCOUNT, region="r1", shown="k1"),
            ("c.key",),
            ("r3",),
            Absent(
                f"key k1 does not exist: the listing of account {ACCOUNT} in location r1 "
                "succeeded and does not hold it"
            ),
        ),
        # A type not listed whole (looked up one by one) is not absent by not being found.
        (
            Ref("k1", account=ACCOUNT, region="r1", shown="k1"),
            (),
            (),
            Unknowable(f"key k1 was not found in account {ACCOUNT}"),
        ),
        # A name any account may hold (`missing` set): not in this account's list is unknown.
        (
            Ref("a1", account=ACCOUNT, region="global", shown="a1"),
            ("c.archive",),
            (),
            Unknowable("archive a1 is elsewhere"),
        ),
    ],
)
def test_absent_only_where_a_listing_succeeded(
    ref: Ref, listed: tuple[str, ...], errors: tuple[str, ...], expected: Any
) -> None:
    failed = tuple(
        CollectionError("c", ACCOUNT, r, "ListKeys", "AccessDenied", "no", ("c.key",))
        for r in errors
    )
    inv = inventory(res("c.store", "s1", keys=[]), errors=failed)
    assert _placeholder(inv, ref, listed) == expected


def test_a_plan_never_makes_absent() -> None:
    inv = inventory(res("c.store", "s1", keys=[]))
    refs = {"s1": {"key": [Ref("k1", account=ACCOUNT, region="r1", shown="k1")]}}
    found = resolve(inv, refs, Declared(ABSENT_SPECS), PlanGaps()).get("k1")
    assert found is not None and found.placeholder == Unknowable("key k1 is not in this plan")


# --- reverse_if: a source counts in the reverse link only when it has a target itself ------

GATED = (
    LinkSpec("c.feed", "store", ("c.store",), reverse="feeds", noun="store"),
    LinkSpec("c.store", "key", ("c.key",), reverse="protects", noun="key", reverse_if="feeds"),
)


def _gated(*extra: Resource, errors: tuple[CollectionError, ...] = ()) -> Inventory:
    inv = inventory(
        res("c.store", "audit", keys=[]),
        res("c.store", "app", keys=[]),
        res("c.key", "shared"),
        res("c.key", "app-only"),
        *extra,
        errors=errors,
    )
    refs = {
        "feed": {"store": [Ref("audit")]},
        "audit": {"key": [Ref("shared")]},
        "app": {
            "key": [Ref("shared"), Ref("app-only"), Ref("k-new", account=ACCOUNT, region="r1")]
        },
    }
    return resolve(inv, refs, Declared(GATED), live(inv))


def test_reverse_if_counts_only_sources_that_have_the_link() -> None:
    out = _gated(res("c.feed", "feed"))
    # The boundary: a key protecting an audit store and another store is in scope, through
    # the audit store only.
    assert out.get("shared").links["protects"] == Link(("audit",))  # type: ignore[union-attr]
    # The failing case of before: a key only the other store names protects nothing.
    assert out.get("app-only").links["protects"] == Link()  # type: ignore[union-attr]
    # The forward link is untouched.
    app = out.get("app")
    assert app is not None and app.links["key"] == Link(("shared", "app-only", "k-new"))
    # A placeholder named only by a store that does not count says so (an empty link), so a
    # `linked: protects` select rules it out rather than reading its placeholder.
    new = out.get("k-new")
    assert new is not None and new.links["protects"] == Link()


def test_reverse_if_with_its_sources_unlisted_is_unresolved() -> None:
    failed = CollectionError("c", ACCOUNT, "r1", "ListFeeds", "Throttling", "slow", ("c.feed",))
    out = _gated(errors=(failed,))
    why = Unknowable(f'whether store "app" has feeds cannot be told: {failed.reason}', error=True)
    assert out.get("app-only").links["protects"] == Link((), why)  # type: ignore[union-attr]
