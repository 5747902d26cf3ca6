"""A fast yes/no check of a value against a JSON Schema, for inputs with many items (the
findings of a results.json): jsonschema costs ~0.6 ms per finding, which is most of reading a
large file. The schema is compiled into closures once; only the keywords logward's own schemas
use are compiled, and a schema with any other keyword is refused at compile time, so the
caller keeps jsonschema for it. jsonschema still explains any value this check rejects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

# Keywords that do not constrain the value (formats are annotations unless a format checker
# is asked for, and jsonschema's validators here are not given one).
_NOTES = {"description", "title", "$schema", "$id", "$defs", "format", "examples", "default"}
_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}


class Unsupported(Exception):
    """The schema uses a keyword this checker does not implement."""


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _equal(a: Any, b: Any) -> bool:
    # JSON Schema equality: true is not 1.
    return isinstance(a, bool) == isinstance(b, bool) and bool(a == b)


def compile_schema(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    """A function telling whether a value is valid against `schema` ($refs into `root`)."""
    checks: list[Check] = []
    for key, arg in schema.items():
        if key in _NOTES:
            continue
        make = _KEYWORDS.get(key)
        if make is None:
            raise Unsupported(key)
        checks.append(make(arg, schema, root))
    if len(checks) == 1:
        return checks[0]

    def run(value: Any) -> bool:
        # A loop, not all(genexpr): this runs for every node of every finding.
        for check in checks:  # noqa: SIM110
            if not check(value):
                return False
        return True

    return run


def _type(arg: Any, _schema: Mapping[str, Any], _root: Mapping[str, Any]) -> Check:
    tests = [_TYPES[t] for t in (arg if isinstance(arg, list) else [arg])]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(test(v) for test in tests)


def _enum(arg: Any, _schema: Mapping[str, Any], _root: Mapping[str, Any]) -> Check:
    if not all(_scalar(a) for a in arg):
        raise Unsupported("enum of containers")
    return lambda v: _scalar(v) and any(_equal(v, a) for a in arg)


def _const(arg: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    return _enum([arg], schema, root)


def _ref(arg: Any, _schema: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    if not isinstance(arg, str) or not arg.startswith("#/$defs/"):
        raise Unsupported(f"$ref {arg}")
    target = root["$defs"][arg.removeprefix("#/$defs/")]
    compiled: list[Check] = []

    def check(value: Any) -> bool:
        if not compiled:  # compiled on first use: definitions may refer to each other
            compiled.append(compile_schema(target, root))
        return compiled[0](value)

    return check


def _any_of(arg: Any, _schema: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    options = [compile_schema(sub, root) for sub in arg]
    return lambda v: any(option(v) for option in options)


def _properties(arg: Any, _schema: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    each = {name: compile_schema(sub, root) for name, sub in arg.items()}
    return lambda v: (
        not isinstance(v, dict) or all(check(v[name]) for name, check in each.items() if name in v)
    )


def _additional(arg: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    if "patternProperties" in schema:
        raise Unsupported("patternProperties")
    known = set(schema.get("properties", {}))
    if arg is False:
        return lambda v: not isinstance(v, dict) or known.issuperset(v)
    if arg is True:
        return lambda _v: True
    check = compile_schema(arg, root)
    return lambda v: (
        not isinstance(v, dict) or all(check(item) for k, item in v.items() if k not in known)
    )


def _required(arg: Any, _schema: Mapping[str, Any], _root: Mapping[str, Any]) -> Check:
    return lambda v: not isinstance(v, dict) or all(name in v for name in arg)


def _items(arg: Any, _schema: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    check = compile_schema(arg, root)

    def run(value: Any) -> bool:
        if isinstance(value, list):
            for item in value:
                if not check(item):
                    return False
        return True

    return run


def _pattern(arg: Any, _schema: Mapping[str, Any], _root: Mapping[str, Any]) -> Check:
    # The pattern comes from logward's own schema, not from the input.
    compiled = re.compile(arg)
    return lambda v: not isinstance(v, str) or compiled.search(v) is not None


def _minimum(arg: Any, _schema: Mapping[str, Any], _root: Mapping[str, Any]) -> Check:
    number = _TYPES["number"]
    return lambda v: not number(v) or v >= arg


def _min_length(arg: Any, _schema: Mapping[str, Any], _root: Mapping[str, Any]) -> Check:
    return lambda v: not isinstance(v, str) or len(v) >= arg


_KEYWORDS: dict[str, Callable[[Any, Mapping[str, Any], Mapping[str, Any]], Check]] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "$ref": _ref,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "items": _items,
    "anyOf": _any_of,
    "pattern": _pattern,
    "minimum": _minimum,
    "minLength": _min_length,
}
