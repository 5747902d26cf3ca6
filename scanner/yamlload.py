"""YAML loading that remembers where every value came from, so errors can name the line."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import jsonschema
import yaml

from scanner.errors import CLIP, InputError, Problem, clip
from scanner.reading import MAX_DEPTH, read_text

PathKey = tuple[str | int, ...]


class Located:
    """A parsed YAML document plus the line (1-based) of every node by its path."""

    def __init__(self, file: str, data: Any, lines: dict[PathKey, int]) -> None:
        self.file = file
        self.data = data
        self.lines = lines

    def line(self, path: Iterable[str | int]) -> int | None:
        """The line of the deepest known node on `path`."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def problem(self, path: Iterable[str | int], message: str) -> Problem:
        """A Problem at the node `path`."""
        return Problem(self.file, self.line(path), message)


# Aliases are accepted (they are plain YAML, and harmless when small), but every reader after
# this one walks the document as a tree: an alias counts as many nodes as it expands to, and a
# document may expand to at most MAX_NODES. A "billion laughs" file stops at the alias that
# crosses the limit instead of hanging the condition compiler. Refusing aliases outright would
# be as safe, but would reject valid files for a problem the count already solves.
MAX_NODES = 100_000


class _Bounded(yaml.composer.Composer):
    """PyYAML's composer, bounded: nesting depth, expanded size, and no cyclic aliases. The
    events come from libyaml when PyYAML has it (_CLoader: a 10 MB scalar takes a second, not
    the pure-Python scanner's ten), else from PyYAML's own parser (_PyLoader)."""

    def bound(self, file: str) -> None:
        """Start counting for `file`."""
        self.file = file
        self.depth = 0
        self.nodes = 0
        self.open_anchors: list[str] = []
        self.measured: dict[int, tuple[int, int]] = {}

    def _refuse(self, line: int, message: str) -> InputError:
        return InputError(Problem(self.file, line, message))

    def _count(self, nodes: int, depth: int, line: int) -> None:
        self.nodes += nodes
        if depth > MAX_DEPTH:
            raise self._refuse(
                line, f"nested deeper than {MAX_DEPTH} levels; expected at most {MAX_DEPTH}"
            )
        if self.nodes > MAX_NODES:
            raise self._refuse(
                line,
                f"aliases expand the document to more than {MAX_NODES} values; expected a "
                "document of at most that size once aliases are expanded",
            )

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = cast(Any, self).peek_event()  # the parser's, beside this in the MRO
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise self._refuse(
                    line,
                    f"alias *{event.anchor[:CLIP]} refers to a node that contains it; "
                    "expected a finite document",
                )
            node = super().compose_node(parent, index)
            assert node is not None  # an alias always names a node
            size, height = _measure(node, self.measured)
            self._count(size, self.depth + height, line)
            return node
        nested = isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent)
        anchor = getattr(event, "anchor", None)
        self.depth += nested
        self._count(1, self.depth, line)
        if anchor is not None:
            self.open_anchors.append(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= nested
            if anchor is not None:
                self.open_anchors.pop()


class _PyLoader(_Bounded, yaml.SafeLoader):
    def __init__(self, text: str, file: str) -> None:
        yaml.SafeLoader.__init__(self, text)
        self.bound(file)


_Loader: Callable[[str, str], _Bounded] = _PyLoader
if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser

    class _CLoader(_Bounded, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        def __init__(self, text: str, file: str) -> None:
            CParser.__init__(self, text)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.bound(file)

    _Loader = _CLoader


def _measure(node: yaml.Node, measured: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(values once expanded, nesting height) of a composed node; memoised, as aliases share."""
    if id(node) in measured:
        return measured[id(node)]
    if isinstance(node, yaml.MappingNode):
        parts = [_measure(n, measured) for pair in node.value for n in pair]
    elif isinstance(node, yaml.SequenceNode):
        parts = [_measure(n, measured) for n in node.value]
    else:
        measured[id(node)] = (1, 0)
        return 1, 0
    # Recursion is bounded: every node reached here was composed within MAX_DEPTH.
    result = (1 + sum(p[0] for p in parts), 1 + max((p[1] for p in parts), default=0))
    measured[id(node)] = result
    return result


def _construct(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], file: str, built: dict[int, Any]
) -> Any:
    """Build the Python value of `node`, recording lines by path.

    An aliased node is built once and shared (`built`); the loader has already bounded what
    its expansion costs to the readers that walk the result as a tree.
    """
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in built:
        return built[id(node)]
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        built[id(node)] = out
        for key_node, value_node in node.value:
            key = _scalar(key_node, file) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise InputError(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        f"mapping key {clip(key)}; expected a string key",
                    )
                )
            if key in out:
                raise InputError(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        f"duplicate key {clip(key)}; expected each key once",
                    )
                )
            # Point at the key: that is where a reader looks for `name: value` problems.
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, (*path, key), lines, file, built)
        return out
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = []
        built[id(node)] = items
        items.extend(
            _construct(v, (*path, i), lines, file, built) for i, v in enumerate(node.value)
        )
        return items
    value = _scalar(node, file)
    built[id(node)] = value
    return value


def _scalar(node: yaml.Node, file: str) -> Any:
    """A scalar's value; numbers Python cannot hold, NaN and infinities are refused (a NaN
    parameter would otherwise end in a results.json that is not JSON)."""
    line = node.start_mark.line + 1
    try:
        value = _SCALARS.construct_object(node)
    except ValueError:  # an integer beyond Python's int-str conversion limit
        digits = len(str(node.value).lstrip("+-"))
        raise InputError(
            Problem(file, line, f"a number of {digits} digits; expected at most 4300 digits")
        ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(
            Problem(file, line, f"{clip(node.value)} is not a finite number; expected one")
        )
    return value


_SCALARS = yaml.constructor.SafeConstructor()


def load_text(text: str, file: str) -> Located:
    """Parse one YAML document, raising InputError with the line of any syntax error."""
    loader = _Loader(text, file)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        said = f"invalid YAML: {exc.problem}"
        if "nesting depth" in str(exc.problem):  # libyaml's own cap (1000) met first
            said = f"nested deeper than {MAX_DEPTH} levels; expected at most {MAX_DEPTH}"
        raise InputError(Problem(file, line, said)) from exc
    except yaml.YAMLError as exc:
        raise InputError(Problem(file, None, f"invalid YAML: {exc}")) from exc
    lines: dict[PathKey, int] = {}
    if node is None:
        return Located(file, None, lines)
    try:
        data = _construct(node, (), lines, file, {})
    except yaml.YAMLError as exc:
        raise InputError(Problem(file, None, f"invalid YAML value: {exc}")) from exc
    return Located(file, data, lines)


def load_file(path: Path, what: str = "YAML file") -> Located:
    """Read (see scanner.reading: a regular file within the size limit) and parse a YAML file."""
    return load_text(read_text(path, what), str(path))


def schema_problems(
    doc: Located, schema: Mapping[str, Any], skip: tuple[str, ...] = ()
) -> list[Problem]:
    """Every JSON Schema violation of `doc`, each with its line and what was expected.

    Errors under the top-level keys in `skip` are left out (their own checker is more precise).
    """
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.path))):
        if error.path and error.path[0] in skip:
            continue
        best = jsonschema.exceptions.best_match([error, *error.context]) if error.context else error
        where = "/".join(str(p) for p in best.absolute_path) or "(top level)"
        problems.append(doc.problem(best.absolute_path, f"at {where}: {_describe(best)}"))
    return problems


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return f"missing required field: {error.message.split(' is a required')[0]}"
    if error.validator == "additionalProperties":
        return f"{error.message}; expected only the documented fields"
    if error.validator == "type":
        return f"{clip(error.instance)} is not of type {error.validator_value!r}"
    if error.validator == "enum":
        return f"{clip(error.instance)} is not one of {clip(error.validator_value)}"
    # jsonschema's own messages start with the value's repr: keep its head only.
    shown = repr(error.instance)
    if len(shown) > CLIP and shown in error.message:
        return error.message.replace(shown, clip(error.instance))
    return error.message
