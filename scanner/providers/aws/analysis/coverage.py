"""Whether a statement covers every action or resource a pattern stands for.

IAM globs (`*`, `?`) match across `/` and `:` in Resource and Action ("IAM JSON policy
elements: Resource", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html),
so `arn:aws:s3:::bucket*` covers every object of the bucket and `arn:aws:s3:::bucket/logs/*`
does not. Coverage of a pattern by Action/Resource is decided by glob-matching sample values the
pattern stands for; coverage by NotAction/NotResource by checking that no excluded pattern can
match any of those values (glob intersection, exact).
"""

from __future__ import annotations

from functools import lru_cache

from scanner.providers.aws.analysis.policy_document import Statement, definite_match

# Stand-ins for what a `*` in a pattern may be: nothing, one character, a deep object key (with
# slashes and colons), and a literal `*`. A `?` stands for one character.
_FILLERS = ("", "x", "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/01/a:b.json.gz", "*")


def instances(pattern: str) -> tuple[str, ...]:
    """Sample values a glob pattern matches, one per filler for its `*` (same filler for all)."""
    out = []
    for filler in _FILLERS:
        value = pattern.replace("?", "q")
        if filler == "" and value.endswith("*"):
            # Object keys and action names are never empty: a trailing `*` holds a character.
            value = value[:-1] + "k"
        out.append(value.replace("*", filler))
    return tuple(dict.fromkeys(out))


_STAR = ("*", True)
_ESCAPED = {"${*}": "*", "${?}": "?", "${$}": "$"}


@lru_cache(maxsize=4096)
def glob_intersects(left: str, right: str, fold_case: bool) -> bool:
    """Whether some value matches both globs (a policy variable is taken as `*`)."""
    a, b = _tokens(left, fold_case), _tokens(right, fold_case)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        # A `*` may match nothing: skip it on either side.
        if i < len(a) and a[i] == _STAR:
            stack.append((i + 1, j))
        if j < len(b) and b[j] == _STAR:
            stack.append((i, j + 1))
        if i < len(a) and j < len(b) and _compatible(a[i], b[j]):
            # Consume one character on both sides; a `*` stays to match more.
            stack.append((i if a[i] == _STAR else i + 1, j if b[j] == _STAR else j + 1))
    return False


def _tokens(pattern: str, fold_case: bool) -> tuple[tuple[str, bool], ...]:
    """(text, is_wildcard) per character; ${*} ${?} ${$} are literals, other variables `*`."""
    out: list[tuple[str, bool]] = []
    index = 0
    while index < len(pattern):
        end = pattern.find("}", index)
        if pattern.startswith("${", index) and end > 0:
            variable = pattern[index : end + 1]
            out.append((_ESCAPED[variable], False) if variable in _ESCAPED else _STAR)
            index = end + 1
            continue
        char = pattern[index]
        out.append((char, True) if char in "*?" else (char.lower() if fold_case else char, False))
        index += 1
    return tuple(out)


def _compatible(a: tuple[str, bool], b: tuple[str, bool]) -> bool:
    return a[1] or b[1] or a[0] == b[0]


def covers(
    patterns: tuple[str, ...], not_patterns: tuple[str, ...], inner: str, *, fold_case: bool
) -> bool:
    """Whether Action/Resource `patterns` (or NotAction/NotResource `not_patterns`) cover every
    value `inner` stands for."""
    if not_patterns:
        return not any(glob_intersects(n, inner, fold_case) for n in not_patterns)
    return all(definite_match(patterns, value, fold_case=fold_case) for value in instances(inner))


def covers_actions(statement: Statement, inner: str) -> bool:
    """Whether the statement's Action/NotAction covers every action `inner` stands for."""
    return covers(statement.actions, statement.not_actions, inner, fold_case=True)


def covers_resources(statement: Statement, inner: str) -> bool:
    """Whether the statement's Resource/NotResource covers every resource `inner` stands for."""
    return covers(statement.resources, statement.not_resources, inner, fold_case=False)
