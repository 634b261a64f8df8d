"""Text from records, servers and configs on its way to a terminal: control characters escaped.

A model output, an endpoint's error body or a damaged record can hold terminal escape sequences
(ESC [ … sets colours, moves the cursor, rewrites the title or, on some terminals, a clipboard).
Printed raw they can hide or forge lines of output. `printable` shows every C0/C1 control
character (and DEL) as a visible escape, keeping newlines and tabs unless one line is asked for.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\x{ord(char):02x}" if ord(char) < 256
                                                       else f"\\u{ord(char):04x}")


def printable(text: str, one_line: bool = False) -> str:
    """`text` with control characters (and, when `one_line`, newlines and tabs) shown as escapes."""
    return (_CONTROL_ONE_LINE if one_line else _CONTROL).sub(_escape, str(text))
