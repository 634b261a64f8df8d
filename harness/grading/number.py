"""Grader for numeric answers (GSM8K, MGSM): find the final number, compare exactly.

Order of evidence: the last final-answer statement wins, whether it is ``#### 18``, a
``\\boxed{18}`` or an answer phrase ("The answer is 18", "答案是 18", "Jibu ni 18"); with
none of them, the last number in the answer part.
"""

from __future__ import annotations

import re
from fractions import Fraction

from harness.grading.numbers import (
    ascii_digits,
    format_number,
    numbers_in,
    parse_number,
)
from harness.grading.phrases import last_boxed, marker_ends

_WINDOW = 300  # characters after an answer phrase searched for its number
_OPERATOR_AFTER = re.compile(r"\s*(?:[-+*/×x÷·]|\\times|\\cdot)\s*[$€£¥₹(]?\s*\d")
_LINE_END = re.compile(r"\n|(?<=[.!?。！？])\s|$")


class GoldError(ValueError):
    """The gold answer is not a number: a data problem, not a wrong answer."""


def gold_value(gold: str) -> Fraction:
    """The gold answer's value. Gold files write English numbers ("5,600")."""
    value = parse_number(latex_to_plain(gold), "en")
    if value is None:
        raise GoldError(f"gold answer is not a number: {gold!r}")
    return value


def grade_number(
    answer: str, gold: str, language: str = "en"
) -> tuple[str | None, bool]:
    """Return ``(extracted, correct)``: the final number in ``answer`` (canonical text) vs ``gold``."""
    expected = gold_value(gold)
    value = extract_number(answer, language)
    if value is None:
        return None, False
    return format_number(value), value == expected


def extract_number(answer: str, language: str = "en") -> Fraction | None:
    """The number ``answer`` gives as final, or None."""
    text = ascii_digits(answer)
    candidates: list[tuple[int, Fraction]] = []
    box = last_boxed(text)
    if box is not None:
        boxed = numbers_in(latex_to_plain(box.text), language)
        if boxed:
            candidates.append((box.start, boxed[-1][2]))
    for end in marker_ends(text):
        value = _number_after(text, end, language)
        if value is not None:
            candidates.append((end, value))
    if candidates:
        return max(candidates, key=lambda c: c[0])[1]
    found = numbers_in(latex_to_plain(text), language)
    return found[-1][2] if found else None


def _number_after(text: str, pos: int, language: str) -> Fraction | None:
    """The number an answer phrase at ``pos`` announces.

    Usually the first number after it; when that number starts a calculation
    ("The answer is 16 - 3 - 4 = 9"), the result after the line's last ``=``.
    """
    window = text[pos : pos + _WINDOW]
    box = last_boxed(window)
    if box is not None and window[: box.start].strip(" \t\n:：*$\\(") in (
        "",
        "boxed",
        "fbox",
    ):
        found = numbers_in(latex_to_plain(box.text), language)
        return found[-1][2] if found else None
    plain = latex_to_plain(window)
    found = numbers_in(plain, language)
    if not found:
        return None
    start, end, value = found[0]
    if _OPERATOR_AFTER.match(plain, end):
        line_end = _LINE_END.search(plain, end)
        line = plain[start : line_end.start() if line_end else len(plain)]
        if "=" in line:
            tail = numbers_in(line[line.rindex("=") :], language)
            if tail:
                return tail[0][2]
    return value


_LATEX_SUBS = [
    (re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"\1/\2"),
    (re.compile(r"\\[dt]?frac\s*(\d)\s*(\d)"), r"\1/\2"),
    (re.compile(r"\\(?:text|textbf|mathrm|mathbf|mbox)\s*\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\{,\}"), ","),
    # LaTeX spacing, also used as a thousands separator: 1\,200
    (re.compile(r"\\[,!;: ]"), ""),
    (re.compile(r"\\(?:\$|%|left|right)"), ""),
    (re.compile(r"\^\s*\{?\\circ\}?"), ""),
]


def latex_to_plain(text: str) -> str:
    """LaTeX number spellings made plain: ``\\frac{3}{4}`` -> 3/4, ``1{,}200`` -> 1,200, ``\\$18`` -> 18."""
    for pattern, repl in _LATEX_SUBS:
        text = pattern.sub(repl, text)
    return text
