"""Reading a saved results.json (`logward report`), item by item.

logward writes results.json one top-level key per line and one list item (finding, policy,
control, error) per line (scanner.results). Read in that layout, each line is parsed and
checked against its part of the schema on its own: a problem names its line, a bad type costs
one item's validation (not a whole-document best-match search), and the text is never held
whole. A results.json in another layout (pretty-printed by a tool) is read as one document,
within the same size limit, and its problems name their JSON path instead of a line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from scanner.data import schema
from scanner.errors import InputError, Problem, clip
from scanner.reading import NotJSON, decode, open_regular, parse_json
from scanner.schemacheck import Unsupported, compile_schema
from scanner.yamlload import load_text

WHAT = "results.json written by logward"
# Problems listed before the rest are only counted: enough to fix, bounded to print.
MAX_PROBLEMS = 20
# A file of another layout is re-read for line numbers only up to this size (YAML is slow).
LOCATE_MAX = 4 * 1024 * 1024


class _OtherLayout(Exception):
    """The file is not in the line layout logward writes (read it as one document)."""


@cache
def _lists() -> frozenset[str]:
    """The top-level keys whose value is a list (validated item by item)."""
    props = schema("results")["properties"]
    return frozenset(k for k, sub in props.items() if sub.get("type") == "array")


@cache
def _validators() -> dict[str, jsonschema.protocols.Validator]:
    """One validator per top-level key (lists: per item), plus one for the top level alone."""
    root = schema("results")
    defs = {"$defs": root.get("$defs", {})}
    out: dict[str, jsonschema.protocols.Validator] = {}
    for key, sub in root["properties"].items():
        part = sub["items"] if sub.get("type") == "array" and "items" in sub else sub
        out[key] = jsonschema.Draft202012Validator({**defs, **part})
    top = {k: v for k, v in root.items() if k not in ("properties", "$defs")}
    top["properties"] = {k: {"type": "array"} if k in _lists() else {} for k in root["properties"]}
    out[""] = jsonschema.Draft202012Validator(top)
    return out


@cache
def _fast() -> dict[str, Callable[[Any], bool]]:
    """Quick yes/no checks for the same parts (schemacheck); a part it cannot compile is
    checked by jsonschema alone."""
    root = schema("results")
    out: dict[str, Callable[[Any], bool]] = {}
    for key, validator in _validators().items():
        part = validator.schema
        try:
            if not isinstance(part, Mapping):
                raise Unsupported("boolean schema")
            out[key] = compile_schema(part, root)
        except Unsupported:
            out[key] = validator.is_valid
    return out


Path_ = tuple[str | int, ...]


class _Reader:
    """Problems collected while reading: (line if known, JSON path, message)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.found: list[tuple[int | None, Path_, str]] = []
        self.more = 0

    def add(self, line: int | None, path: Path_, message: str) -> None:
        if len(self.found) < MAX_PROBLEMS:
            self.found.append((line, path, message))
        else:
            self.more += 1

    def check(self, key: str, value: Any, at: Path_, line: int | None) -> None:
        """Add the problems of one value: a top-level value, or one item of a list."""
        validator = _validators().get(key)
        if key in _lists() and at == (key,):
            return  # not a list where a list belongs: the top-level check says so
        if validator is None or _fast()[key](value):
            return
        for error in validator.iter_errors(value):
            best = (
                jsonschema.exceptions.best_match([error, *error.context])
                if error.context
                else error
            )
            path = (*at, *best.absolute_path)
            shown = "/".join(map(str, path)) or "(top level)"
            self.add(line, path, f"at {shown}: {_describe(best)}")

    def fail(self, locate: Callable[[Path_], int | None] | None = None) -> None:
        """Raise the problems found, if any (`locate`: the line of a JSON path)."""
        if not self.found:
            return
        problems = [
            Problem(self.where, line if line or locate is None else locate(path), message)
            for line, path, message in self.found
        ]
        if self.more:
            problems.append(
                Problem(self.where, None, f"... and {self.more} more problem(s) not listed")
            )
        raise InputError(problems)


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "type":
        return f"{clip(error.instance)} is not of type {error.validator_value!r}"
    if error.validator == "enum":
        return f"{clip(error.instance)} is not one of {clip(error.validator_value)}"
    if error.validator == "required":
        return f"missing required field: {error.message.split(' is a required')[0]}"
    shown = repr(error.instance)
    if len(shown) > 200 and shown in error.message:
        return error.message.replace(shown, clip(error.instance))
    return error.message


def _value(text: str, where: str, line: int) -> Any:
    """One line's JSON. A line that is not JSON on its own means another layout: the file is
    read whole, where the decoder names the line and column of a real syntax error."""
    try:
        return parse_json(text, where, line)
    except NotJSON:
        raise _OtherLayout from None


def _head(text: str) -> tuple[str, str]:
    """(key, rest) of a top-level line `"key": rest`."""
    try:
        key, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        raise _OtherLayout from None
    if not isinstance(key, str) or text[end : end + 2] != ": ":
        raise _OtherLayout
    return key, text[end + 2 :]


def _entries(lines: Iterator[tuple[int, str]], where: str) -> Iterator[tuple[str, int, Any]]:
    """(key, line, value) of each top-level key; a list's value is an iterator of its
    (line, item) pairs, to be consumed before the next key."""
    first = True
    for number, raw in lines:
        text = raw.rstrip("\r")
        if first:
            if not text.startswith("{"):
                raise _OtherLayout
            text, first = text[1:], False
        key, rest = _head(text)
        if rest == "[":
            closed: list[bool] = []
            yield key, number, _items(lines, where, closed)
            if closed == [True]:  # the list was the last key: `]}`
                return
            continue
        if rest.endswith(("],", "]}")) and rest[:-2] == "[":
            yield key, number, iter(())
        elif rest.endswith((",", "}")):
            yield key, number, _value(rest[:-1], where, number)
        else:
            raise _OtherLayout
        if rest.endswith("}"):
            return
    raise InputError(Problem(where, None, "ends before its closing brace; the file is cut"))


def _items(
    lines: Iterator[tuple[int, str]], where: str, closed: list[bool]
) -> Iterator[tuple[int, Any]]:
    """(line, item) of each item of a list, one per line; `closed` gets whether the line
    that ends the list also ends the document."""
    for number, raw in lines:
        text = raw.rstrip("\r")
        last = text.endswith(("],", "]}"))
        body = text[:-2] if last else text[:-1] if text.endswith(",") else None
        if body is None:
            raise _OtherLayout
        yield number, _value(body, where, number)
        if last:
            closed.append(text.endswith("}"))
            return
    raise InputError(Problem(where, None, "ends inside a list; the file is cut"))


def _read_layout(path: Path) -> dict[str, Any]:
    where = str(path)
    reader = _Reader(where)
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    with open_regular(path, WHAT) as handle:
        numbered = ((n, decode(raw.rstrip(b"\n"), where, n)) for n, raw in enumerate(handle, 1))
        for key, line, value in _entries(numbered, where):
            if key in data:
                reader.add(line, (key,), f"duplicate key {clip(key)}; expected each key once")
            lines[key] = line
            if isinstance(value, Iterator):
                items = []
                for index, (number, item) in enumerate(value):
                    reader.check(key, item, (key, index), number)
                    items.append(item)
                data[key] = items
            else:
                reader.check(key, value, (key,), line)
                data[key] = value
        if handle.read(4096).strip():
            reader.add(None, (), "has text after the closing brace; expected one JSON document")
    reader.check("", data, (), None)
    reader.fail()
    _dates(data, where, lambda _path: lines.get("scan"))
    return data


def _read_whole(path: Path) -> dict[str, Any]:
    where = str(path)
    with open_regular(path, WHAT) as handle:
        text = decode(handle.read(), where)
    data = parse_json(text, where)
    reader = _Reader(where)
    if not isinstance(data, dict):
        raise InputError(Problem(where, None, f"expected a {WHAT} (a JSON object)"))
    for key, value in data.items():
        if isinstance(value, list) and key in _lists():
            for index, item in enumerate(value):
                reader.check(key, item, (key, index), None)
        else:
            reader.check(key, value, (key,), None)
    reader.check("", data, (), None)
    locate = _locator(text, where) if reader.found else None
    reader.fail(locate)
    _dates(data, where, lambda p: _locator(text, where)(p))
    return data


def _locator(text: str, where: str) -> Callable[[Path_], int | None]:
    """The line of a JSON path in a small file of another layout, found by re-reading it as
    YAML (which tracks lines; JSON is YAML). Above LOCATE_MAX, or when YAML cannot read it
    (tab indentation), problems keep their JSON path and go without a line."""
    if len(text) > LOCATE_MAX:
        return lambda _path: None
    try:
        located = load_text(text, where)
    except InputError:
        return lambda _path: None
    return lambda path: located.line(path)


def _dates(data: Mapping[str, Any], where: str, locate: Callable[[Path_], int | None]) -> None:
    for key in ("started_at", "finished_at"):
        try:
            datetime.fromisoformat(str(data["scan"][key]))
        except ValueError:
            raise InputError(
                Problem(
                    where,
                    locate(("scan", key)),
                    f"at scan/{key}: {clip(data['scan'][key])} is not an ISO 8601 date and time",
                )
            ) from None


def load_results(path: Path) -> dict[str, Any]:
    """A saved results.json, checked against its schema; InputError (exit 2) naming the file,
    the line and what was expected when it is not one."""
    try:
        return _read_layout(path)
    except _OtherLayout:
        return _read_whole(path)
