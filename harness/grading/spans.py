"""Where in a response its graded answer was found, so a reader can audit a verdict.

Graders read a *prepared* copy of the answer text (whitespace collapsed, struck-through text and
repeated tails removed, bounded to its end: ``harness.grading.text.prepare``), so their offsets
are not offsets into the response. ``locate`` maps a piece of prepared text back: the last place
in the response where the same characters occur, any whitespace run matching any other.
"""

from __future__ import annotations

import re

_MAX_NEEDLE = 400  # characters of a statement matched back; longer ones are matched by their end
_GAP = re.compile(r"\s+")


def locate(haystack: str, needle: str, before: int | None = None) -> tuple[int, int] | None:
    """``(start, end)`` of the last occurrence of ``needle`` in ``haystack[:before]``, whitespace-
    insensitively; None when it does not occur (or ``needle`` is blank)."""
    needle = needle.strip()[-_MAX_NEEDLE:].strip()
    if not needle:
        return None
    limit = len(haystack) if before is None else before
    exact = haystack.rfind(needle, 0, limit)
    if exact >= 0:
        return exact, exact + len(needle)
    pattern = re.compile(r"\s*".join(re.escape(part) for part in _GAP.split(needle) if part))
    last = None
    for match in pattern.finditer(haystack, 0, limit):
        last = match
    return last.span() if last else None
