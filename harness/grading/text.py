"""Bring a response to a bounded, regular shape before any pattern runs on it.

Degenerate outputs are where graders hang: tens of kilobytes of spaces, or one sentence repeated
until the token budget runs out. Every step here is linear in the input:

* whitespace runs become one space, one newline, or a blank line (so no pattern ever meets a
  long run of whitespace and backtracks over it);
* a tail that repeats one block three or more times is cut to one copy;
* what is left is bounded to the last ``MAX_CHARS`` characters, cut at a line start (the final
  answer is at the end of a response).
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_CHARS = 24_000
_PROBE = 48  # characters compared to find the period of a repeated tail
_MAX_PERIOD = 4_000
_DIGITS = re.compile(r"[0-9.,\s]+")  # a long number repeats its digits but is not a loop
_MIN_REPEATS = 3

# Every whitespace character made a plain space or a newline (U+2028/U+2029 and NEL are line
# ends; zero-width spaces and the byte-order mark vanish), so the collapsing below needs no
# Python callback per run: megabytes of "a a a …" stay cheap.
_BLANKS = "\t\x0b\x0c\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_SPACES: dict[int, str | None] = {ord(c): " " for c in _BLANKS}
_SPACES.update({ord(c): "\n" for c in "\r\x85\x1c\x1d\x1e\u2028\u2029"})
_SPACES.update({ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff"})
_SPACE_RUN = re.compile(r" {2,}")
_PARAGRAPH = re.compile(r" ?\n(?: ?\n)+ ?")
_LINE_END = re.compile(r" ?\n ?")


def collapse_whitespace(text: str) -> str:
    """Each whitespace run made one space, one newline, or one blank line."""
    text = text.replace("\r\n", "\n").translate(_SPACES)
    text = _SPACE_RUN.sub(" ", text)
    return _LINE_END.sub("\n", _PARAGRAPH.sub("\n\n", text))


def trim_repetition(text: str) -> str:
    """Cut a tail that repeats one block ``_MIN_REPEATS`` or more times down to one copy.

    Linear: the period comes from the previous occurrence of the last ``_PROBE`` characters,
    and the periodic stretch is checked block by block.
    """
    for _ in range(3):  # a loop inside a loop: ABABAB…CDCDCD
        n = len(text)
        if n < _PROBE * _MIN_REPEATS:
            return text
        probe = text[n - _PROBE :]
        prev = text.rfind(probe, max(0, n - _PROBE - _MAX_PERIOD), n - 1)
        if prev < 0:
            return text
        period = n - _PROBE - prev
        if _DIGITS.fullmatch(text, n - period, n):
            return text
        start = n - period
        # Periodic means text[i] == text[i + period]; check big chunks first, then one period.
        for step in (max(period, 2048 // period * period), period):
            while start - step >= 0 and text[start - step : start] == text[start - step + period : start + period]:
                start -= step
        if (n - start) // period < _MIN_REPEATS:
            return text
        text = text[: start + period]
    return text


def bound_tail(text: str, max_chars: int = MAX_CHARS) -> str:
    """The last ``max_chars`` characters, starting at a line start when one is near."""
    if len(text) <= max_chars:
        return text
    tail = text[-max_chars:]
    newline = tail.find("\n", 0, 2_000)
    return tail[newline + 1 :] if newline >= 0 else tail


# The last words of an output cut off mid-sentence: an operator, a comma, or a word that cannot end
# a sentence ("… so 13 minus 4 is", "… und dann ergibt sich", "… 所以答案是").
_UNFINISHED = re.compile(
    r"(?:[,:;=+×÷(\[{-]|\b(?:is|are|was|were|be|the|a|an|of|to|and|or|we|so|then|that|which|minus|plus|times"
    r"|divided|by|equals|gives|with|from|ist|sind|und|oder|der|die|das|ein|eine|ergibt|dann|es|y|o|el|la|los|las|de"
    r"|que|son|est|et|le|les|du|des|donc|и|или|это|равно|что|na|ni|ya|kwa|za|wa)\b|是|为|等于|和|的|は|が|を|と|คือ"
    r"|และ)[\s*_]*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=8)
def loops(text: str) -> bool:
    """Whether ``text``'s tail repeats one block (a degenerate loop, which ``prepare`` trims)."""
    collapsed = bound_tail(_STRUCK.sub("", collapse_whitespace(text)).strip(), 4 * MAX_CHARS)
    return trim_repetition(collapsed) != collapsed


_LETTER = re.compile(r"[^\W\d_]")


def cut_mid_sentence(text: str) -> bool:
    """Whether ``text`` (prepared) stops in the middle of a sentence, as a generation cut at its
    token budget does."""
    tail = text[-80:]
    # Digits and commas only ("1,1,1,…") is a degenerate run, not a sentence.
    return _UNFINISHED.search(tail) is not None and _LETTER.search(tail) is not None


# Struck-through text ("~~12~~ 18") is taken back by its writer.
_STRUCK = re.compile(r"~~[^~\n]{1,200}~~")


@lru_cache(maxsize=8)  # the graders and the span finder prepare the same answer text
def prepare(text: str) -> str:
    """Whitespace collapsed, struck-through text removed, repeated tail trimmed, bounded to the
    last ``MAX_CHARS`` characters."""
    text = _STRUCK.sub("", collapse_whitespace(text)).strip()
    # Nothing further back can be the final answer of a sane output; this keeps the repetition
    # check cheap on megabyte-long degenerate ones.
    return bound_tail(trim_repetition(bound_tail(text, 4 * MAX_CHARS)))
