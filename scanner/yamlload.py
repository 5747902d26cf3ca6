"""YAML loading that remembers where every value came from, so errors can name the line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from scanner.errors import InputError, Problem

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


def _construct(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], file: str, built: dict[int, Any]
) -> Any:
    """Build the Python value of `node`, recording lines by path.

    An aliased node is built once and shared (`built`), so an alias bomb costs its size, not
    the exponential size of its expansion.
    """
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in built:
        return built[id(node)]
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        built[id(node)] = out
        for key_node, value_node in node.value:
            key = (
                _SCALARS.construct_object(key_node)
                if isinstance(key_node, yaml.ScalarNode)
                else None
            )
            if not isinstance(key, str):
                raise InputError(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        f"mapping key {key!r}; expected a string key",
                    )
                )
            if key in out:
                raise InputError(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        f"duplicate key {key!r}; expected each key once",
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
    value = _SCALARS.construct_object(node)
    built[id(node)] = value
    return value


_SCALARS = yaml.constructor.SafeConstructor()


def load_text(text: str, file: str) -> Located:
    """Parse one YAML document, raising InputError with the line of any syntax error."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise InputError(Problem(file, line, f"invalid YAML: {exc.problem}")) from exc
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


def load_file(path: Path) -> Located:
    """Read and parse a YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), None, f"cannot read: {exc}")) from exc
    return load_text(text, str(path))


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
        return f"{error.instance!r} is not of type {error.validator_value!r}"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {error.validator_value}"
    return error.message
