"""The Cloud Logging query language (the filter of log-based metrics, sinks and exclusions) as
data: the syntax tree and its parser. What a filter means, and when one covers another, is in
``logging_filter``.

Grammar, from the "Logging query language" reference
(https://cloud.google.com/logging/docs/view/logging-query-language):

* ``expression = ["NOT"] comparison { ("AND" | "OR") ["NOT"] comparison }``; two comparisons
  side by side are joined by an implicit AND.
* Precedence: NOT binds tightest, then OR, then AND: the page's example
  ``"a" OR NOT "b" AND NOT "c" OR "d"`` reads ``("a" OR (NOT "b")) AND ((NOT "c") OR "d")``.
  This is the reverse of most languages, and of CloudWatch filter patterns; the "Google API
  formal specification for filtering" the reference points to (AIP-160) has the same order:
  ``expression = sequence {"AND" sequence}``, ``sequence = factor {factor}``,
  ``factor = term {"OR" term}``, ``term = ["NOT" | "-"] simple``.
* ``-`` before a term is NOT. The boolean operators must be capitalized: the language is case
  insensitive "with the exception of regular expressions and logical operators", so a lowercase
  ``and``/``or``/``not`` is a search term, not an operator.
* A comparison is ``FIELD OP VALUE`` with OP one of ``= != > < >= <= : =~ !~``; the value may
  be a parenthesized boolean expression of values (``resource.type = ("a" OR "b")``), which
  distributes the comparison over the values.
* A value alone (``ProjectOwnership``, ``"The cat"``) is a global restriction: some field of the
  entry has it.
* ``name(args)`` calls a function (``log_id("cloudaudit.googleapis.com/activity")``,
  ``sample(insertId, 0.1)``, ...). ``--`` starts a comment that runs to the end of the line.
* Strings are double-quoted; ``\\"`` and ``\\\\`` are escapes, any other backslash pair is kept
  as written (regular expressions need it). Unquoted text must not hold special characters
  (the troubleshooting page: ``insertId = abc:def`` is illegal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

MAX_LENGTH = 20000
"""The query language's own limit on a query's length (characters)."""

_MAX_DEPTH = 64
_OPERATORS = ("=~", "!~", "!=", ">=", "<=", "=", "<", ">", ":")
_KEYWORDS = frozenset({"AND", "OR", "NOT"})
# Characters that end unquoted text. Everything else (dots, slashes, stars, hyphens, @) may
# appear in a field path or a bare value.
_STOP = frozenset(" \t\r\n\f\v()\"=!<>:,'")


class FilterSyntaxError(ValueError):
    """A filter is not valid Logging query language; ``position`` indexes ``text``."""

    def __init__(self, message: str, text: str, position: int) -> None:
        super().__init__(f"{message} at position {position} of filter {text!r}")
        self.message = message
        self.text = text
        self.position = position


@dataclass(frozen=True)
class Compare:
    """``path op value``; ``value`` is the decoded text (``*`` with ``:`` tests presence)."""

    path: str
    op: str
    value: str

    def __str__(self) -> str:
        return f"{self.path}{self.op}{_quote(self.value)}"


@dataclass(frozen=True)
class Term:
    """A global restriction: some field of the entry has ``text``."""

    text: str

    def __str__(self) -> str:
        return _quote(self.text)


@dataclass(frozen=True)
class Call:
    """A function call such as ``log_id("cloudaudit.googleapis.com/activity")``."""

    name: str
    args: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(_quote(a) for a in self.args)})"


@dataclass(frozen=True)
class Not:
    """The term does not hold."""

    term: Expr


@dataclass(frozen=True)
class And:
    """All terms hold."""

    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """At least one term holds."""

    terms: tuple[Expr, ...]


Atom: TypeAlias = Compare | Term | Call
Expr: TypeAlias = Compare | Term | Call | Not | And | Or


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(expr: Expr) -> str:
    """A filter text for ``expr``, fully parenthesized (for messages)."""
    if isinstance(expr, Not):
        return f"NOT {render(expr.term)}"
    if isinstance(expr, And | Or):
        joiner = " AND " if isinstance(expr, And) else " OR "
        return "(" + joiner.join(render(t) for t in expr.terms) + ")"
    return str(expr)


# --------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", ",", "op", "string", "word", "-", "end"
    text: str
    pos: int


def _scan_string(text: str, start: int) -> tuple[str, int]:
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            follower = text[i + 1]
            # Only the quote and the backslash are unescaped; other pairs stay as written,
            # so a regular expression keeps its \d or \. (the reference shows both forms).
            chars.append(follower if follower in '"\\' else char + follower)
            i += 2
        elif char == '"':
            return "".join(chars), i + 1
        else:
            chars.append(char)
            i += 1
    raise FilterSyntaxError("unterminated quoted string", text, start)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif char in "(),":
            tokens.append(_Token(char, char, i))
            i += 1
        elif char == '"':
            value, i_next = _scan_string(text, i)
            tokens.append(_Token("string", value, i))
            i = i_next
        elif op := next((o for o in _OPERATORS if text.startswith(o, i)), None):
            tokens.append(_Token("op", op, i))
            i += len(op)
        elif char == "-" and i + 1 < len(text) and not text[i + 1].isspace():
            tokens.append(_Token("-", char, i))
            i += 1
        elif char in _STOP:
            raise FilterSyntaxError(f"unexpected character {char!r}", text, i)
        else:
            j = i
            while j < len(text) and text[j] not in _STOP:
                j += 1
            tokens.append(_Token("word", text[i:j], i))
            i = j
    tokens.append(_Token("end", "", len(text)))
    return tokens


# --------------------------------------------------------------------------------------------
# Parser


class _Parser:
    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.peek()
        self.index += 1
        return token

    def fail(self, message: str, token: _Token) -> FilterSyntaxError:
        found = "the end of the filter" if token.kind == "end" else repr(token.text)
        return FilterSyntaxError(f"{message}, found {found}", self.text, token.pos)

    def starts_term(self) -> bool:
        token = self.peek()
        if token.kind == "word":
            return token.text not in ("AND", "OR")
        return token.kind in ("(", "string", "-")

    # expression := or_expr { ["AND"] or_expr }      (AND binds loosest)
    def expression(self, depth: int, value_of: str | None = None, op: str = "") -> Expr:
        terms = [self.or_expr(depth, value_of, op)]
        while True:
            if self.peek().kind == "word" and self.peek().text == "AND":
                self.take()
            elif not self.starts_term():
                break
            terms.append(self.or_expr(depth, value_of, op))
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    # or_expr := unary { "OR" unary }
    def or_expr(self, depth: int, value_of: str | None, op: str) -> Expr:
        terms = [self.unary(depth, value_of, op)]
        while self.peek().kind == "word" and self.peek().text == "OR":
            self.take()
            terms.append(self.unary(depth, value_of, op))
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    # unary := ("NOT" | "-") unary | primary
    def unary(self, depth: int, value_of: str | None, op: str) -> Expr:
        token = self.peek()
        if token.kind == "-" or (token.kind == "word" and token.text == "NOT"):
            self.take()
            if depth >= _MAX_DEPTH:
                raise FilterSyntaxError("negations nested too deeply", self.text, token.pos)
            return Not(self.unary(depth + 1, value_of, op))
        return self.primary(depth, value_of, op)

    def primary(self, depth: int, value_of: str | None, op: str) -> Expr:
        token = self.peek()
        if token.kind == "(":
            if depth >= _MAX_DEPTH:
                raise FilterSyntaxError("parentheses nested too deeply", self.text, token.pos)
            self.take()
            inner = self.expression(depth + 1, value_of, op)
            if self.peek().kind != ")":
                message = f"expected ')' to close the '(' at position {token.pos}"
                raise self.fail(message, self.peek())
            self.take()
            return inner
        if value_of is not None:
            return Compare(value_of, op, self.value(f"a value for {value_of}{op}"))
        if token.kind == "word" and token.text in _KEYWORDS:
            raise self.fail("expected a comparison", token)
        following = self.peek(1)
        if (
            token.kind == "word"
            and following.kind == "("
            and following.pos == token.pos + len(token.text)
        ):
            return self.call()
        if token.kind in ("word", "string"):
            path = self.path()
            if self.peek().kind == "op":
                return self.comparison(path, depth)
            return Term(path)
        raise self.fail("expected a comparison, a value or '('", token)

    def path(self) -> str:
        # A field path may quote a component holding special characters:
        # labels."compute.googleapis.com/resource_name".
        token = self.take()
        parts = [token.text]
        while parts[-1].endswith(".") and self.peek().kind == "string":
            following = self.take()
            parts.append(following.text)
        return "".join(parts)

    def comparison(self, path: str, depth: int) -> Expr:
        op = self.take().text
        if self.peek().kind == "(":
            return self.primary(depth, path, op)
        return Compare(path, op, self.value(f"a value after {path}{op}"))

    def value(self, wanted: str) -> str:
        token = self.take()
        if token.kind == "-" and self.peek().kind == "word" and self.peek().pos == token.pos + 1:
            return "-" + self.take().text  # a negative number such as -1
        if token.kind == "string" or (token.kind == "word" and token.text not in _KEYWORDS):
            return token.text
        raise self.fail(f"expected {wanted}", token)

    def call(self) -> Call:
        name = self.take().text
        self.take()  # "("
        args: list[str] = []
        while self.peek().kind != ")":
            args.append(self.value(f"an argument of {name}()"))
            if self.peek().kind == ",":
                self.take()
            elif self.peek().kind != ")":
                raise self.fail(f"expected ',' or ')' in {name}()", self.peek())
        self.take()
        return Call(name, tuple(args))


def parse(text: str) -> Expr | None:
    """Parse a filter; None for an empty one (it matches every entry). Raise
    FilterSyntaxError when the text is not valid Logging query language."""
    if len(text) > MAX_LENGTH:
        raise FilterSyntaxError(f"longer than {MAX_LENGTH} characters", text[:80], MAX_LENGTH)
    parser = _Parser(text, _tokenize(text))
    if parser.peek().kind == "end":
        return None
    expr = parser.expression(0)
    trailing = parser.peek()
    if trailing.kind != "end":
        raise parser.fail("expected AND, OR, a comparison or the end of the filter", trailing)
    return expr
