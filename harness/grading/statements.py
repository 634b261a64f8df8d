"""Which statement in a response is its final, committed answer.

A *statement* is a ``\\boxed{}`` or an answer phrase with the clause after it ("The answer is
18 dollars"). Graders read values out of statements; this module decides which statements
count:

* the last statement wins over earlier ones (a revised answer is replaced);
* boxes written together count together: ``\\boxed{18}`` and ``\\boxed{20}`` after the last answer
  phrase are two answers (a hedge, or the two elements of a set-valued answer);
* a take-back after the last statement ("Wait, that is wrong: … 9 left") hands the decision to
  the text after it (``Commit.correction``); when that text states nothing, a strong take-back
  ("that is wrong") leaves no answer and a weak one ("Wait, let me check") keeps the statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from harness.grading.phrases import Span, boxes, markers, retractions

_MAX_REGION = 300
_LEAD = re.compile(r"[\s*_:：`>#]{0,12}")
_BOX_OPENER = re.compile(r"(?:\$\$|\$|\\\[|\\\(|\()?\s{0,2}(?=\\(?:boxed|fbox))")
# A clause ends at a line break or at a sentence end (a full stop followed by a space).
_CLAUSE_END = re.compile(
    r"\n|(?<!bzw)(?<!ca)(?<!vs)(?<!resp)(?<!approx)(?<!etc)[.!?;](?=\s|$)|[。！？；।॥]", re.IGNORECASE
)
_DIGITS = re.compile(r"[0-9,.]*[0-9]")
_RESTATED = re.compile(
    r"\b(?:equivalently|i\.e\.|that is|in other words|also written as|or simply)|即|也就是", re.IGNORECASE
)
# "I hope the answer is correct", "the final answer is below": a phrase that states no answer.
_NOT_A_VALUE = re.compile(
    r"[\W_]{0,3}(?:correct|right|wrong|incorrect|indeed|yes|no|not|consistent|reasonable|verified|confirmed"
    r"|clear|below|above|given|richtig|falsch|korrekt|correcto|correcta|incorrecto|incorrecta|correcte|juste"
    r"|faux|fausse|верно|верный|неверно|sahihi)(?![^\W\d_])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Statement:
    """A stated answer: ``region`` is the box content or the clause after the phrase."""

    start: int
    value_start: int
    end: int
    region: str
    boxed: bool
    phrase: bool


@dataclass(frozen=True)
class Commit:
    """The statements that make the final answer, and any take-back after them."""

    group: tuple[Statement, ...]
    #: text after a take-back that followed the last statement (None: no take-back)
    correction: str | None
    #: the take-back says the answer was wrong (rather than "let me check")
    strong: bool


def statements(text: str) -> list[Statement]:
    """Boxes and answer phrases in ``text``, in order; a phrase right before a box is one statement."""
    found = boxes(text)
    by_start = {box.start: box for box in found}
    merged: set[int] = set()
    out: list[Statement] = []
    for marker in markers(text):
        lead = _LEAD.match(text, marker.end)
        pos = lead.end() if lead else marker.end
        opener = _BOX_OPENER.match(text, pos)
        box = by_start.get(opener.end()) if opener else None
        if box is not None:
            merged.add(box.start)
            out.append(Statement(marker.start, box.start, box.end, box.text, True, True))
            continue
        stop = _CLAUSE_END.search(text, pos, pos + _MAX_REGION)
        end = stop.start() if stop else min(len(text), pos + _MAX_REGION)
        digits = _DIGITS.match(text, end)  # a long number is not cut at the region's bound
        end = digits.end() if digits else end
        if _NOT_A_VALUE.match(text, pos, end):
            continue
        out.append(Statement(marker.start, pos, end, text[pos:end], False, True))
    out += [_box_statement(b) for b in found if b.start not in merged]
    out.sort(key=lambda s: (s.start, s.end))
    return out


def _box_statement(box: Span) -> Statement:
    return Statement(box.start, box.start, box.end, box.text, True, False)


def final_commit(text: str, found: list[Statement] | None = None) -> Commit | None:
    """The final committed statements of ``text``, or None when it states no answer.

    ``found``: the statements to consider (default: ``statements(text)``), in order.
    """
    if found is None:
        return _commit_of(text)
    return _commit(text, found)


@lru_cache(maxsize=8)  # graders and the span finder ask for the same text's final answer
def _commit_of(text: str) -> Commit | None:
    return _commit(text, statements(text))


def _commit(text: str, found: list[Statement]) -> Commit | None:
    if not found:
        return None
    last = found[-1]
    # A take-back inside the last statement's own clause ("12 (wait, no: 9)") counts too.
    after = retractions(text, last.value_start + 1 if not last.boxed else last.end)
    correction = text[after[0].end :] if after else None
    strong = any(r.strong for r in after)
    if not last.boxed:
        return Commit((last,), correction, strong)
    before = [r.end for r in retractions(text[: last.start])]
    phrase_starts = [s.start for s in found if s.phrase and s.start <= last.start]
    segment = max(before + phrase_starts + [0])
    group: list[Statement] = []
    for s in found:
        if s.boxed and s.start >= segment:
            # "\boxed{\frac{\pi}{2}} (or equivalently \boxed{90^\circ})": one answer, said twice.
            if group and _RESTATED.search(text, group[-1].end, s.start):
                continue
            group.append(s)
    return Commit(tuple(group), correction, strong)
