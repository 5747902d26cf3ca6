"""Check a policy's attribute paths, links and resource types against the resource schemas, so a
misspelled `attr:` is an input error with its file and line (exit 2), not an `unknown` that
reads as "not collected" at run time.

The walk mirrors the compiler: `follow: link` moves to the link's target types, `each: list`
to the list's element schema, `exists: type` to that type. An object schema without declared
properties (a policy document) accepts any path below it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]
Schemas = Mapping[str, Mapping[str, Any]]
QUANTIFIERS = ("any", "all", "none")


@dataclass(frozen=True)
class Subject:
    """What `attr:` reads at one place in a condition: the resource types whose links
    `follow:` walks, and the schema of the current object (None: anything goes)."""

    types: tuple[str, ...]
    node: Mapping[str, Any] | None
    label: str = ""

    @property
    def name(self) -> str:
        """How messages name the subject: its types, or the list whose elements it is."""
        return self.label or " / ".join(self.types)


def _is_marker(option: Mapping[str, Any]) -> bool:
    return set(option.get("required", ())) == {"unknown", "error"}


def _options(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [o for o in node.get("anyOf", [node]) if isinstance(o, Mapping) and not _is_marker(o)]


def _open(option: Mapping[str, Any]) -> bool:
    kinds = option.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    return (
        "properties" not in option
        and (not kinds or "object" in kinds)
        and ("enum" not in option and "const" not in option)
    )


def walk(node: Mapping[str, Any] | None, parts: Sequence[str]) -> tuple[str, list[str]] | None:
    """None when `parts` exists under `node`; else the prefix that lacks the next part and
    the names it has."""
    walked: list[str] = []
    for part in parts:
        if node is None:
            return None
        options = _options(node)
        if any(_open(o) for o in options):
            return None
        props = {n: s for o in options for n, s in (o.get("properties") or {}).items()}
        if part not in props:
            return ".".join(walked), sorted(props)
        found = [
            (o.get("properties") or {})[part]
            for o in options
            if part in (o.get("properties") or {})
        ]
        node = found[0] if len(found) == 1 else {"anyOf": found}
        walked.append(part)
    return None


def element(node: Mapping[str, Any] | None, parts: Sequence[str]) -> Mapping[str, Any] | None:
    """The element schema of the list attribute at `parts` (None: unconstrained)."""
    for part in parts:
        if node is None:
            return None
        found = [
            (o.get("properties") or {})[part]
            for o in _options(node)
            if part in (o.get("properties") or {})
        ]
        if not found:
            return None
        node = found[0] if len(found) == 1 else {"anyOf": found}
    if node is None:
        return None
    items = [o["items"] for o in _options(node) if isinstance(o.get("items"), Mapping)]
    if len(items) != 1:
        return None
    objects = [o for o in _options(items[0]) if "properties" in o]
    return items[0] if objects else None


class Checker:
    """Walks one policy's conditions and reports every path that does not exist."""

    def __init__(self, schemas: Schemas, links: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        self.schemas = schemas
        self.links = links

    def subject(self, types: Sequence[str]) -> Subject:
        """The subject at the top of a condition on resources of `types`."""
        nodes = [self.schemas[t]["properties"]["attrs"] for t in types if t in self.schemas]
        if len(nodes) != len(types) or not nodes:
            return Subject(tuple(types), None)
        return Subject(tuple(types), nodes[0] if len(nodes) == 1 else {"anyOf": nodes})

    def check(self, cond: Any, subject: Subject, path: Path) -> Iterator[tuple[Path, str]]:
        """(path, message) for every unknown attribute, link or type under `cond`."""
        if not isinstance(cond, Mapping):
            return
        if "attr" in cond:
            yield from self.attribute(cond["attr"], subject, (*path, "attr"))
        elif "param" in cond:
            return
        elif "follow" in cond:
            yield from self.follow(cond, subject, path)
        elif "each" in cond:
            yield from self.each(cond, subject, path)
        elif "exists" in cond:
            yield from self.exists(cond, path)
        elif "linked" in cond:
            yield from self.link(cond["linked"], subject, (*path, "linked"))
        else:
            yield from self.combined(cond, subject, path)

    def combined(
        self, cond: Mapping[str, Any], subject: Subject, path: Path
    ) -> Iterator[tuple[Path, str]]:
        """all / any lists and not."""
        for key in ("all", "any"):
            if isinstance(cond.get(key), list):
                for i, item in enumerate(cond[key]):
                    yield from self.check(item, subject, (*path, key, i))
        if "not" in cond:
            yield from self.check(cond["not"], subject, (*path, "not"))

    def attribute(self, attr: Any, subject: Subject, path: Path) -> Iterator[tuple[Path, str]]:
        """One `attr:` path."""
        if not isinstance(attr, str) or not attr or attr == "@":
            return
        missing = walk(subject.node, attr.split("."))
        if missing is not None:
            prefix, known = missing
            where = f"attributes of {prefix}" if prefix else "attributes"
            yield (
                path,
                (
                    f"{subject.name} has no attribute {attr!r}; known {where}: "
                    + (", ".join(known) or "none")
                ),
            )

    def link(self, name: Any, subject: Subject, path: Path) -> Iterator[tuple[Path, str]]:
        """One link name (`follow:` or `linked:`)."""
        if not isinstance(name, str) or not all(t in self.schemas for t in subject.types):
            return
        known = sorted({n for t in subject.types for n in self.links.get(t, {})})
        if name not in known:
            yield (
                path,
                (
                    f"{' / '.join(subject.types)} has no link {name!r}; known links: "
                    + (", ".join(known) or "none")
                ),
            )

    def follow(
        self, cond: Mapping[str, Any], subject: Subject, path: Path
    ) -> Iterator[tuple[Path, str]]:
        """`follow: link` and the condition on the link's targets."""
        name = cond["follow"]
        problems = list(self.link(name, subject, (*path, "follow")))
        yield from problems
        targets = sorted({t for s in subject.types for t in self.links.get(s, {}).get(name, ())})
        inner = self.subject(targets) if targets and not problems else Subject((), None)
        for quant in QUANTIFIERS:
            if quant in cond:
                yield from self.check(cond[quant], inner, (*path, quant))

    def each(
        self, cond: Mapping[str, Any], subject: Subject, path: Path
    ) -> Iterator[tuple[Path, str]]:
        """`each: list` and the condition on its elements (links stay the resource's)."""
        attr = cond["each"]
        problems = list(self.attribute(attr, subject, (*path, "each")))
        yield from problems
        parts = attr.split(".") if isinstance(attr, str) else []
        node = None if problems else element(subject.node, parts)
        inner = Subject(subject.types, node, f"an element of {attr}")
        for quant in QUANTIFIERS:
            if quant in cond:
                yield from self.check(cond[quant], inner, (*path, quant))

    def exists(self, cond: Mapping[str, Any], path: Path) -> Iterator[tuple[Path, str]]:
        """`exists: type` and the condition on resources of that type."""
        rtype = cond["exists"]
        if not isinstance(rtype, str):
            return
        problem = self.type_problem(rtype)
        if problem is not None:
            yield (*path, "exists"), problem
            return
        yield from self.check(cond.get("where", True), self.subject([rtype]), (*path, "where"))

    def type_problem(self, rtype: str) -> str | None:
        """Why `rtype` is not a resource type, or None."""
        if rtype in self.schemas:
            return None
        cloud = rtype.split(".", 1)[0]
        known = sorted(t for t in self.schemas if t.split(".", 1)[0] == cloud)
        return f"no resource type {rtype!r}; known types: " + (", ".join(known) or "none")


def problems(
    data: Mapping[str, Any], schemas: Schemas, links: Mapping[str, Mapping[str, Sequence[str]]]
) -> list[tuple[Path, str]]:
    """Every unknown resource type, attribute path or link in a policy document."""
    checker = Checker(schemas, links)
    rtype = data.get("resource")
    if not isinstance(rtype, str):
        return []
    found: list[tuple[Path, str]] = []
    problem = checker.type_problem(rtype)
    if problem is not None:
        found.append((("resource",), problem))
    top = checker.subject([rtype])
    for key in ("select", "condition"):
        if key in data:
            found += checker.check(data[key], top, (key,))
    for i, attr in enumerate(data.get("report") or ()):
        found += checker.attribute(attr, top, ("report", i))
    return found
