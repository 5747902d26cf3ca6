"""Text for a terminal: every string logward did not write itself is escaped before it is shown.

File names in a bundle, resource names, error messages from an API, policy ids and titles from a
user's folder can hold control characters. Printed raw, an ANSI sequence or a carriage return
rewrites what is on screen (a FAIL line repainted as a green "verified"), and a bidi override
reorders it; an undecodable file name (a lone surrogate) would crash the write. `safe` turns each
such character into a visible escape, so what the terminal shows is what the string holds.
"""

from __future__ import annotations

import re

from scanner.redact import redact_text

# C0 controls (ESC and CR among them), DEL, C1 controls (0x9b is a one-byte CSI on some
# terminals), the bidi embeddings, overrides and isolates and the implicit marks, the line and
# paragraph separators, and lone surrogates (undecodable bytes of a file name).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# The same, less newline and tab: for text whose lines are meant (a policy file, a list of
# problems), where a line break cannot repaint what is already on screen.
_UNSAFE_KEEP_LINES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def safe(text: object, *, lines: bool = False) -> str:
    """`text` as a string that shows on a terminal exactly what it holds: every control
    character, bidi control and lone surrogate replaced by a visible escape (`\\x1b`,
    `\\r`, `\\u202e`), and any credential in it redacted. With `lines`, newlines and tabs
    are kept."""
    value = redact_text(str(text))
    pattern = _UNSAFE_KEEP_LINES if lines else _UNSAFE
    return pattern.sub(_escape, value)
