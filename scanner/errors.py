"""The two failure families: the user's input is invalid (exit 2) or the run failed (exit 3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# What an error message may echo of the input: enough to recognise it, never a whole file.
CLIP = 200
# A message as a whole (several clipped values and the expectation) stays under this.
MESSAGE_MAX = 2000


def clip(value: Any, limit: int = CLIP) -> str:
    """`repr(value)` for a message, cut to about `limit` characters with its full length said."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters"
    return f"{text[:limit]}… ({size})"


def _bounded(message: str) -> str:
    if len(message) <= MESSAGE_MAX:
        return message
    return f"{message[:MESSAGE_MAX]}… (message of {len(message)} characters cut)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where it is and what was expected there."""

    file: str
    line: int | None
    message: str

    def __post_init__(self) -> None:
        # Messages echo input values; a 10 MB string must not come back whole.
        object.__setattr__(self, "message", _bounded(self.message))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class InputError(Exception):
    """A policy, mapping, config, waiver, plan file or argument is invalid (exit code 2)."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("<input>", None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        # One problem found through several files (a bad $LOGWARD_MAX_INPUT_MB) is said once.
        self.problems = list(dict.fromkeys(problems))
        super().__init__("\n".join(str(p) for p in problems))


class RunError(Exception):
    """The scan could not run at all: no credentials, no network (exit code 3)."""
