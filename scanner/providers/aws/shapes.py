"""The shape of an AWS answer that a collector relies on, and the check of each answer.

botocore parses what it can: an unparsable or short JSON body becomes `{}`, an XML body of
the wrong document becomes `{}` or a partial dict, and nothing compares the body with its
Content-Length. Read as data, such an answer says "no resources" or "not configured". Each
declared call therefore carries the shape of the answer the collector reads (`declare.call`),
and the gateway (`calls.AwsApi`) checks every answer against it: an answer that is not that
shape is a failed call, never data.

A shape is plain data:
- a type (`str`, `bool`, `int`, `dict`, `list`, `datetime`) or a tuple of types;
- a dict `{"Key": shape, "Optional?": shape}`: a mapping in which every key without `?` is
  present, and every key given, present or not, has its shape (other keys are ignored: AWS
  adds fields);
- a one-item list `[shape]`: a list whose every item has that shape;
- a `Check`: a named predicate, for what a type cannot say (a JSON policy in a string).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True)
class Check:
    """A value test a type cannot express, named for the error message."""

    expected: str
    test: Callable[[Any], bool]


Shape: TypeAlias = type | tuple[type, ...] | Mapping[str, Any] | list[Any] | Check


def _json_object(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return isinstance(json.loads(value), dict)
    except ValueError:
        return False


# A policy document as AWS returns it: a string holding a JSON object.
JSON_OBJECT_TEXT = Check("a JSON object in a string", _json_object)


def mismatch(shape: Shape, value: Any, path: str = "") -> str | None:
    """Where `value` is not `shape`: "trailList[0].TrailARN: missing"; None when it is."""
    where = path or "answer"
    if isinstance(shape, Check):
        return None if shape.test(value) else f"{where}: expected {shape.expected}"
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where}: expected a list, got {type(value).__name__}"
        return next(
            (p for i, item in enumerate(value) if (p := mismatch(shape[0], item, f"{path}[{i}]"))),
            None,
        )
    if isinstance(shape, Mapping):
        if not isinstance(value, Mapping):
            return f"{where}: expected an object, got {type(value).__name__}"
        return _members(shape, value, path)
    if isinstance(value, bool) and shape is int:
        return f"{where}: expected int, got bool"
    if not isinstance(value, shape):
        names = "/".join(t.__name__ for t in shape) if isinstance(shape, tuple) else shape.__name__
        return f"{where}: expected {names}, got {type(value).__name__}"
    return None


def _members(shape: Mapping[str, Any], value: Mapping[str, Any], path: str) -> str | None:
    for raw, inner in shape.items():
        key = raw.removesuffix("?")
        where = f"{path}.{key}" if path else key
        if key not in value:
            if raw.endswith("?"):
                continue
            return f"{where}: missing"
        problem = mismatch(inner, value[key], where)
        if problem:
            return problem
    return None
