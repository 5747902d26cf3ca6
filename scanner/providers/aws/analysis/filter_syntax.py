"""CloudWatch Logs filter patterns as data: the syntax tree and its parser (see
filter_pattern for what the patterns mean and how one covers another).

Syntax and precedence follow the CloudWatch Logs "Filter pattern syntax" page: a JSON pattern is
``{ ... }``; parentheses bind tighter than ``&&``, which binds tighter than ``||``. Any other
pattern (terms, ``[...]`` space-delimited, ``%regex%``, empty) is kept opaque.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import TypeAlias

MAX_CONJUNCTS = 4096
"""Largest DNF (alternatives after distributing ``&&`` over ``||``) that is compared."""

_MAX_DEPTH = 64
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SELECTOR = re.compile(r"\$(?:\.[A-Za-z0-9_\-]+|\[\d+\])+")
# Characters that end a bare word; everything else (dots, stars, colons, slashes) may appear.
_WORD_STOP = frozenset(' \t\r\n()&|=!<>"{}%')


class FilterPatternError(ValueError):
    """A filter pattern is not valid CloudWatch Logs syntax; ``position`` indexes ``pattern``."""

    def __init__(self, message: str, pattern: str, position: int) -> None:
        super().__init__(f"{message} at position {position} of filter pattern {pattern!r}")
        self.message = message
        self.pattern = pattern
        self.position = position


class PatternTooComplexError(ValueError):
    """A pattern expands to more than ``MAX_CONJUNCTS`` alternatives, so it is not compared."""


class Op(enum.Enum):
    """Comparison operators of JSON filter patterns."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IS_NULL = "IS NULL"
    NOT_EXISTS = "NOT EXISTS"
    IS_TRUE = "IS TRUE"
    IS_FALSE = "IS FALSE"


class Kind(enum.Enum):
    """What the value of a comparison is; operators without a value use NONE."""

    STRING = "string"
    NUMBER = "number"
    REGEX = "regex"
    NONE = "none"


@dataclass(frozen=True)
class Atom:
    """One comparison ``selector op value``; quoted and bare strings normalise to one form."""

    selector: str
    op: Op
    value: str = ""
    kind: Kind = Kind.NONE

    def __str__(self) -> str:
        if self.kind is Kind.NONE:
            return f"{self.selector} {self.op.value}"
        if self.kind is Kind.STRING:
            escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
            return f'{self.selector} {self.op.value} "{escaped}"'
        if self.kind is Kind.REGEX:
            return f"{self.selector} {self.op.value} %{self.value}%"
        return f"{self.selector} {self.op.value} {self.value}"


@dataclass(frozen=True)
class And:
    """All terms must hold."""

    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """At least one term must hold."""

    terms: tuple[Expr, ...]


Expr: TypeAlias = Atom | And | Or
Conjunct: TypeAlias = frozenset[Atom]


@dataclass(frozen=True)
class JsonPattern:
    """A parsed ``{ ... }`` pattern."""

    text: str
    expr: Expr


@dataclass(frozen=True)
class OpaquePattern:
    """A pattern that is not JSON; ``reason`` says what it is, for findings."""

    text: str
    reason: str


ParsedPattern: TypeAlias = JsonPattern | OpaquePattern


@dataclass(frozen=True)
class Coverage:
    """Whether an actual pattern covers a required one, and if not, one sentence on why."""

    covered: bool
    reason: str | None = None


# --------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True)
class _Token:
    kind: str  # "&&", "||", "(", ")", "op", "string", "regex", "word", "end"
    text: str
    pos: int


def _tokenize(pattern: str, start: int, end: int) -> list[_Token]:
    tokens: list[_Token] = []
    i = start
    while i < end:
        char = pattern[i]
        pair = pattern[i : i + 2]
        if char.isspace():
            i += 1
        elif pair in ("&&", "||"):
            tokens.append(_Token(pair, pair, i))
            i += 2
        elif pair in ("!=", "<=", ">="):
            tokens.append(_Token("op", pair, i))
            i += 2
        elif char in "()":
            tokens.append(_Token(char, char, i))
            i += 1
        elif char in "=<>":
            tokens.append(_Token("op", char, i))
            i += 1
        elif char == '"':
            i = _scan_string(pattern, i, end, tokens)
        elif char == "%":
            close = pattern.find("%", i + 1, end)
            if close < 0:
                raise FilterPatternError("unterminated %regex%", pattern, i)
            tokens.append(_Token("regex", pattern[i + 1 : close], i))
            i = close + 1
        elif char in _WORD_STOP:
            raise FilterPatternError(f"unexpected character {char!r}", pattern, i)
        else:
            j = i
            while j < end and pattern[j] not in _WORD_STOP:
                j += 1
            tokens.append(_Token("word", pattern[i:j], i))
            i = j
    tokens.append(_Token("end", "", end))
    return tokens


def _scan_string(pattern: str, i: int, end: int, tokens: list[_Token]) -> int:
    chars: list[str] = []
    j = i + 1
    while j < end:
        char = pattern[j]
        if char == "\\" and j + 1 < end:
            chars.append(pattern[j + 1])
            j += 2
        elif char == '"':
            tokens.append(_Token("string", "".join(chars), i))
            return j + 1
        else:
            chars.append(char)
            j += 1
    raise FilterPatternError("unterminated quoted string", pattern, i)


class _Parser:
    def __init__(self, pattern: str, tokens: list[_Token]) -> None:
        self.pattern = pattern
        self.tokens = tokens
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, message: str, token: _Token) -> FilterPatternError:
        found = "end of pattern" if token.kind == "end" else repr(token.text)
        return FilterPatternError(f"{message}, found {found}", self.pattern, token.pos)

    def parse_or(self, depth: int) -> Expr:
        terms = [self.parse_and(depth)]
        while self.peek().kind == "||":
            self.take()
            terms.append(self.parse_and(depth))
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def parse_and(self, depth: int) -> Expr:
        terms = [self.parse_primary(depth)]
        while self.peek().kind == "&&":
            self.take()
            terms.append(self.parse_primary(depth))
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def parse_primary(self, depth: int) -> Expr:
        token = self.peek()
        if token.kind == "(":
            if depth >= _MAX_DEPTH:
                raise FilterPatternError("parentheses nested too deeply", self.pattern, token.pos)
            self.take()
            expr = self.parse_or(depth + 1)
            if self.peek().kind != ")":
                message = f"expected ')' to close the '(' at position {token.pos}"
                raise self.fail(message, self.peek())
            self.take()
            return expr
        return self.parse_comparison()

    def parse_comparison(self) -> Atom:
        token = self.take()
        if token.kind != "word" or not token.text.startswith("$"):
            raise self.fail("expected a selector such as $.eventName", token)
        if not _SELECTOR.fullmatch(token.text):
            raise FilterPatternError(f"invalid selector {token.text!r}", self.pattern, token.pos)
        selector = token.text
        operator = self.take()
        if operator.kind == "op":
            return self.parse_value(selector, Op(operator.text))
        keyword = operator.text.upper() if operator.kind == "word" else ""
        if keyword in ("IS", "NOT"):
            second = self.take()
            phrase = f"{keyword} {second.text.upper()}" if second.kind == "word" else ""
            if phrase in ("IS NULL", "NOT EXISTS", "IS TRUE", "IS FALSE"):
                return Atom(selector, Op(phrase))
            raise self.fail(f"expected NULL, TRUE, FALSE or EXISTS after {keyword}", second)
        raise self.fail(f"expected an operator after {selector}", operator)

    def parse_value(self, selector: str, op: Op) -> Atom:
        token = self.take()
        numeric_only = op not in (Op.EQ, Op.NE)
        if token.kind == "word" and _NUMBER.fullmatch(token.text):
            return Atom(selector, op, token.text, Kind.NUMBER)
        if numeric_only:
            raise self.fail(f"operator {op.value} needs a number", token)
        if token.kind in ("word", "string"):
            return Atom(selector, op, token.text, Kind.STRING)
        if token.kind == "regex":
            return Atom(selector, op, token.text, Kind.REGEX)
        raise self.fail(f"expected a value after {selector} {op.value}", token)


def parse(pattern: str) -> ParsedPattern:
    """Parse a filter pattern; raise FilterPatternError when a JSON pattern is malformed."""
    stripped = pattern.strip()
    if not stripped:
        return OpaquePattern(pattern, "empty, so it matches every event rather than monitoring")
    if not stripped.startswith("{"):
        if stripped.startswith("["):
            kind = "a space-delimited pattern"
        elif stripped.startswith("%"):
            kind = "a regular-expression pattern"
        else:
            kind = "a plain-text term pattern"
        return OpaquePattern(pattern, f"{kind}, not a JSON pattern")
    open_at = pattern.index("{")
    if not stripped.endswith("}"):
        raise FilterPatternError("a JSON pattern must end with '}'", pattern, len(pattern))
    close_at = pattern.rindex("}")
    parser = _Parser(pattern, _tokenize(pattern, open_at + 1, close_at))
    if parser.peek().kind == "end":
        raise FilterPatternError("empty JSON pattern", pattern, close_at)
    expr = parser.parse_or(0)
    trailing = parser.peek()
    if trailing.kind != "end":
        raise parser.fail("expected && or || or '}'", trailing)
    return JsonPattern(pattern, expr)
