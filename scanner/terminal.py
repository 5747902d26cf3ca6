"""Text for a terminal: every string logward did not write itself is escaped before it is shown.

File names in a bundle, resource names, error messages from an API, policy ids and titles from a
user's folder can hold control characters. Printed raw, an ANSI sequence or a carriage return
rewrites what is on screen (a FAIL line repainted as a green "verified"), a bidi override
reorders it, and an undecodable file name (a lone surrogate) crashes the write. `safe` turns
each such character into a visible escape, so what the terminal shows is what the string holds,
and takes credentials out on the way (`redact_text`), so the terminal is covered as the files
are.
"""

from __future__ import annotations

from scanner.redact import redact_text

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def safe(text: object, *, lines: bool = False) -> str:
    """`text` as a string that shows on a terminal exactly what it holds: every character that
    is not printable (C0 and C1 controls with ESC, CR and DEL, bidi overrides and other format
    characters, line separators, lone surrogates) replaced by a visible escape such as `\\x1b`,
    `\\r` or `\\u202e`, and any credential redacted. With `lines`, newlines and tabs are kept."""
    value = redact_text(str(text))
    if value.isprintable():
        return value
    keep = "\n\t" if lines else ""
    return "".join(c if c.isprintable() or c in keep else _escape(c) for c in value)
