"""The core linker on synthetic types: placeholders and their reasons, reverse links and their
completeness, joins with keys known only after apply, defaults, and inputs left untouched."""

from __future__ import annotations

from typing import Any

from scanner.inventory import Inventory
from scanner.link import Declared, Join, LinkSpec, LiveGaps, Ref, declared_links, resolve
from scanner.model import CollectionError, Link, Resource, Unknowable
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
